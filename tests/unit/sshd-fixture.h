/*
 * sshd-fixture.h - a real OpenSSH sshd on loopback, for the unit tests of
 * the code that talks to guests over SSH.
 *
 * sshd_fixture_start makes a temporary directory holding host and client
 * keys, known_hosts files and an sshd_config, and starts /usr/sbin/sshd
 * in the foreground on a free 127.0.0.1 port, logging to sshd.log there.
 * The login user is whoever runs the tests; with public keys only, no PAM
 * and no StrictModes. sshd dies with the test binary if that crashes.
 *
 * Use it from a cmocka group setup and teardown:
 *
 *	static struct sshd_fixture fx;
 *	setup:		return sshd_fixture_group(&fx, "test_x");
 *	each test:	sshd_fixture_need(&fx); g = sshd_fixture_connect(&fx);
 *	teardown:	sshd_fixture_stop(&fx)
 */
#ifndef BREAKFIX_SSHD_FIXTURE_H
#define BREAKFIX_SSHD_FIXTURE_H

#include <sys/types.h>

#include <stddef.h>

#define SSHD_FIXTURE_SSHD	"/usr/sbin/sshd"

struct guest;

/* Everything below is owned by the fixture and freed by sshd_fixture_stop. */
struct sshd_fixture {
	int		 have_sshd;	/* 0: no sshd here, nothing else set */
	char		 dir[64];	/* the temporary directory */
	char		*user;		/* the login user */
	unsigned	 port;		/* sshd listens on 127.0.0.1:port */
	pid_t		 pid;		/* sshd, or -1 */
	char		*key;		/* the authorised client key */
	char		*wrong;		/* a key sshd does not know */
	char		*encrypted;	/* needs a passphrase */
	char		*kh;		/* known_hosts naming sshd's key */
	char		*badkh;		/* ... naming another key */
	char		*emptykh;	/* an empty known_hosts */
};

/*
 * Fill fx and start sshd, in a directory named /tmp/<name>.XXXXXX. If
 * sshd is not installed, returns 0 with fx->have_sshd 0 and nothing
 * started (see sshd_fixture_need). Returns 0 once sshd is listening, or
 * -1 with *cause set (caller frees; it includes sshd's log if sshd would
 * not start) and everything already undone.
 */
int	 sshd_fixture_start(struct sshd_fixture *fx, const char *name,
	    char **cause);

/*
 * sshd_fixture_start for a cmocka group setup: 0, or -1 with the cause
 * printed on stderr.
 */
int	 sshd_fixture_group(struct sshd_fixture *fx, const char *name);

/*
 * Stop sshd, remove the directory and free what fx holds. Accepts a
 * fixture that is zeroed, was never started or is already stopped.
 */
void	 sshd_fixture_stop(struct sshd_fixture *fx);

/* Skip the running cmocka test if there is no sshd to test against. */
void	 sshd_fixture_need(const struct sshd_fixture *fx);

/* name inside the fixture's directory, newly allocated. */
char	*sshd_fixture_path(const struct sshd_fixture *fx, const char *name);

/*
 * Log in to the fixture's sshd with fx->key, checking its host key against
 * fx->kh. Fails the running cmocka test if that does not work; the caller
 * closes the connection with guest_close.
 */
struct guest *sshd_fixture_connect(const struct sshd_fixture *fx);

/*
 * The whole of file, NUL-terminated (which *len does not count), newly
 * allocated; NULL if it cannot be opened.
 */
char	*sshd_fixture_read(const char *file, size_t *len);

/* A loopback port nobody was listening on a moment ago; 0 on failure. */
unsigned sshd_fixture_free_port(void);

/*
 * Make sure the timed-out command that wrote its pid to pidfile is gone.
 * guest_exec has asked sshd to SIGKILL it, but sshd obeys only for a user
 * other than root (it runs root's sessions without privilege separation,
 * which signalling needs): logged in as root, kill it here, so that
 * nothing outlives the tests. Fails the running cmocka test if the
 * pidfile does not appear within 5 s or the command is still there
 * after 8 s.
 */
void	 sshd_fixture_reap(const char *pidfile);

#endif
