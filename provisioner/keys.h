/*
 * keys.h - the SSH keys breakfix holds on the host.
 *
 * The admin key is how breakfix reaches every guest (user "breakfix",
 * passwordless sudo). Its private half is created here, mode 0600, under
 * <state>/keys/ and never leaves the host; images carry only the public
 * half. See docs/security.md.
 */
#ifndef BREAKFIX_KEYS_H
#define BREAKFIX_KEYS_H

/*
 * Make sure <state>/keys/admin_ed25519 and its .pub exist, creating a new
 * ed25519 pair if not. *priv and *pub receive their paths (caller frees;
 * either may be NULL). Returns 0, or -1 with *cause set.
 */
int	 keys_admin_ensure(char **priv, char **pub, char **cause);

/*
 * The admin key's paths without creating anything. Returns 0 if both
 * files exist, -1 with *cause set if not.
 */
int	 keys_admin_paths(char **priv, char **pub, char **cause);

/*
 * A new ed25519 pair: the private key at priv (0600, replacing any) and
 * an authorized_keys line with comment at priv.pub. Returns 0, or -1
 * with *cause set.
 */
int	 keys_generate(const char *priv, const char *comment, char **cause);

/*
 * "SHA256:<base64>" of the public key in pubfile, as ssh-keygen -l
 * prints it (caller frees), or NULL if it cannot be read.
 */
char	*keys_fingerprint(const char *pubfile);

#endif
