/*
 * password.h - the candidate's password for the gateway.
 *
 * up makes one per exercise and shows it once; only a salted
 * PBKDF2-HMAC-SHA256 hash is kept (in the exercise's directory), and
 * the gateway checks a password against it in constant time.
 */
#ifndef BREAKFIX_PASSWORD_H
#define BREAKFIX_PASSWORD_H

/*
 * A new random password: four groups of four from an alphabet without
 * look-alikes ("k7mq-3xwp-..."), about 80 bits. Caller frees.
 */
char	*password_new(void);

/*
 * The stored form of plain: "pbkdf2-sha256$ITERATIONS$SALT$HASH" (hex).
 * Caller frees; NULL if the random source fails.
 */
char	*password_hash(const char *plain);

/* Does plain match stored? 1 yes, 0 no (also for a malformed stored). */
int	 password_check(const char *stored, const char *plain);

#endif
