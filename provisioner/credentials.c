/*
 * credentials.c - how a candidate gets into an exercise.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libssh/libssh.h>

#include "credentials.h"
#include "exercise.h"
#include "keys.h"
#include "password.h"
#include "spawn.h"
#include "util.h"

#define CRED_KEYS_MAX	(64 * 1024)

/* Run argv, which makes the system account or group what. */
static int
cred_add(const char *const *argv, const char *what, char **cause)
{
	char	*why = NULL;
	int	 rc;

	rc = spawn_run(argv, NULL, &why, cause);
	free(why);
	if (rc != 0 && *cause == NULL)
		xasprintf(cause, "cannot make %s", what);
	return rc;
}

int
credentials_gateway_ids(uid_t *uid, gid_t *gid, char **cause)
{
	static const char *const argv[] = { "useradd", "--system",
	    "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
	    "--shell", "/usr/sbin/nologin", "--comment",
	    "breakfix gateway (unprivileged)", GATEWAY_USER, NULL };
	struct passwd	*pw;

	if ((pw = getpwnam(GATEWAY_USER)) == NULL &&
	    (cred_add(argv, "user " GATEWAY_USER, cause) != 0 ||
	    (pw = getpwnam(GATEWAY_USER)) == NULL)) {
		if (*cause == NULL)
			xasprintf(cause, "cannot find user '%s' after "
			    "creating it", GATEWAY_USER);
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

int
credentials_review_gid(gid_t *gid, char **cause)
{
	static const char *const argv[] = { "groupadd", "--system",
	    REVIEW_GROUP, NULL };
	struct group	*gr;

	if ((gr = getgrnam(REVIEW_GROUP)) == NULL &&
	    (cred_add(argv, "group " REVIEW_GROUP, cause) != 0 ||
	    (gr = getgrnam(REVIEW_GROUP)) == NULL)) {
		if (*cause == NULL)
			xasprintf(cause, "cannot find group '%s' after "
			    "creating it", REVIEW_GROUP);
		return -1;
	}
	*gid = gr->gr_gid;
	return 0;
}

/* Give path to root:gid with mode. */
static int
cred_share(const char *path, gid_t gid, mode_t mode, char **cause)
{
	if (chown(path, 0, gid) == -1 || chmod(path, mode) == -1) {
		xasprintf(cause, "cannot set owner and mode of '%s': %s", path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

static int
cred_write(const char *path, const char *text, gid_t gid, mode_t mode,
    char **cause)
{
	size_t	 len = strlen(text);
	int	 fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1 || write(fd, text, len) != (ssize_t)len ||
	    close(fd) == -1) {
		xasprintf(cause, "cannot write '%s': %s", path,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	return cred_share(path, gid, mode, cause);
}

/*
 * The candidate's public keys: every non-comment line must parse as an
 * SSH public key; they are copied as read.
 */
static int
cred_keys(const char *keyfile, char **out, char **cause)
{
	FILE	*fp;
	char	 line[8192], *type, *b64, *all = xstrdup(""), *more;
	ssh_key	 key;
	size_t	 total = 0;
	int	 n = 0, lineno = 0, rc = -1;

	if ((fp = fopen(keyfile, "r")) == NULL) {
		xasprintf(cause, "cannot open '%s': %s", keyfile,
		    strerror(errno));
		goto out;
	}
	while (fgets(line, sizeof line, fp) != NULL) {
		lineno++;
		total += strlen(line);
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		type = strtok(line, " \t");
		b64 = strtok(NULL, " \t");
		if (type == NULL || b64 == NULL || total > CRED_KEYS_MAX ||
		    ssh_key_type_from_name(type) == SSH_KEYTYPE_UNKNOWN ||
		    ssh_pki_import_pubkey_base64(b64,
		    ssh_key_type_from_name(type), &key) != SSH_OK) {
			xasprintf(cause, "%s:%d: not an SSH public key", keyfile,
			    lineno);
			goto out;
		}
		ssh_key_free(key);
		xasprintf(&more, "%s%s %s\n", all, type, b64);
		free(all);
		all = more;
		n++;
	}
	if (n == 0) {
		xasprintf(cause, "%s: no public key in it", keyfile);
		goto out;
	}
	*out = all;
	all = NULL;
	rc = 0;
out:
	if (fp != NULL)
		fclose(fp);
	free(all);
	return rc;
}

/* The candidate's secrets: root's alone (the gateway's listener reads them). */
static int
cred_secrets(const char *dir, const char *hash, const char *keys,
    char **cause)
{
	char	*p, *line;
	int	 rc;

	xasprintf(&line, "%s\n", hash);
	p = exercise_path(dir, EXERCISE_PASSWORD);
	rc = cred_write(p, line, 0, 0600, cause);
	free(line);
	free(p);
	if (rc == 0 && keys != NULL) {
		p = exercise_path(dir, EXERCISE_AUTHORIZED_KEYS);
		rc = cred_write(p, keys, 0, 0600, cause);
		free(p);
	}
	if (rc == 0) {
		p = exercise_path(dir, EXERCISE_RELAY_KEY);
		if (keys_generate(p, "breakfix-gateway", cause) != 0 ||
		    cred_share(p, 0, 0600, cause) != 0)
			rc = -1;
		free(p);
	}
	return rc;
}

/* What reviewers read: sessions/ and the audit log. */
static int
cred_evidence(const char *dir, gid_t review, char **cause)
{
	char	*p;
	int	 rc = -1;

	p = exercise_path(dir, EXERCISE_SESSIONS);
	if (mkdir(p, 0750) == -1 && errno != EEXIST)
		xasprintf(cause, "cannot create '%s': %s", p, strerror(errno));
	else
		rc = cred_share(p, review, 0750, cause);
	free(p);
	if (rc != 0)
		return -1;
	p = exercise_path(dir, EXERCISE_AUDIT);
	rc = cred_write(p, "", review, 0640, cause);
	free(p);
	return rc;
}

int
credentials_make(const char *dir, const char *keyfile, char **password,
    char **cause)
{
	char	*hash = NULL, *keys = NULL, *plain = NULL;
	gid_t	 review;
	int	 rc = -1;

	if (credentials_review_gid(&review, cause) != 0)
		goto out;
	if (keyfile != NULL && cred_keys(keyfile, &keys, cause) != 0)
		goto out;
	plain = password_new();
	if ((hash = password_hash(plain)) == NULL) {
		xasprintf(cause, "cannot hash the password (no randomness?)");
		goto out;
	}
	if (cred_secrets(dir, hash, keys, cause) != 0 ||
	    cred_evidence(dir, review, cause) != 0)
		goto out;
	*password = plain;
	plain = NULL;
	rc = 0;
out:
	free(plain);
	free(hash);
	free(keys);
	return rc;
}

void
credentials_remove(const char *dir)
{
	static const enum exercise_file files[] = { EXERCISE_PASSWORD,
	    EXERCISE_RELAY_KEY, EXERCISE_RELAY_PUB };
	size_t	 i;
	char	*p;

	for (i = 0; i < nitems(files); i++) {
		p = exercise_path(dir, files[i]);
		unlink(p);
		free(p);
	}
}

char *
credentials_relay_pub(const char *dir)
{
	char	*p = exercise_path(dir, EXERCISE_RELAY_PUB), buf[4096];
	FILE	*fp = fopen(p, "r");
	char	*line = NULL;

	free(p);
	if (fp == NULL)
		return NULL;
	if (fgets(buf, sizeof buf, fp) != NULL) {
		buf[strcspn(buf, "\n")] = '\0';
		line = xstrdup(buf);
	}
	fclose(fp);
	return line;
}
