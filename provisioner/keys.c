/*
 * keys.c - the SSH keys breakfix holds on the host.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libssh/libssh.h>

#include "config.h"
#include "keys.h"
#include "util.h"

#define KEYS_ADMIN	"keys/admin_ed25519"

/* Write the public half as an authorized_keys line. */
static int
keys_write_pub(ssh_key key, const char *path, const char *comment,
    char **cause)
{
	char	*b64 = NULL, *tmp = NULL;
	FILE	*fp = NULL;
	int	 rc = -1;

	if (ssh_pki_export_pubkey_base64(key, &b64) != SSH_OK) {
		xasprintf(cause, "cannot encode the public key for '%s'", path);
		goto out;
	}
	xasprintf(&tmp, "%s.tmp", path);
	if ((fp = fopen(tmp, "w")) == NULL ||
	    fprintf(fp, "ssh-ed25519 %s %s\n", b64, comment) < 0 ||
	    fclose(fp) != 0) {
		fp = NULL;
		xasprintf(cause, "cannot write '%s': %s", tmp, strerror(errno));
		goto out;
	}
	fp = NULL;
	if (rename(tmp, path) == -1) {
		xasprintf(cause, "cannot rename '%s': %s", tmp,
		    strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fp != NULL)
		fclose(fp);
	if (rc != 0 && tmp != NULL)
		unlink(tmp);
	free(tmp);
	ssh_string_free_char(b64);
	return rc;
}

int
keys_generate(const char *priv, const char *comment, char **cause)
{
	ssh_key	 key = NULL;
	mode_t	 old;
	char	*pub = NULL;
	int	 rc = -1, r;

	xasprintf(&pub, "%s.pub", priv);
	if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key) != SSH_OK) {
		xasprintf(cause, "cannot generate an ed25519 key");
		goto out;
	}
	unlink(priv);
	old = umask(077);
	r = ssh_pki_export_privkey_file(key, NULL, NULL, NULL, priv);
	umask(old);
	if (r != SSH_OK) {
		xasprintf(cause, "cannot write '%s'", priv);
		goto out;
	}
	if (keys_write_pub(key, pub, comment, cause) != 0) {
		unlink(priv);
		goto out;
	}
	rc = 0;
out:
	free(pub);
	ssh_key_free(key);
	return rc;
}

int
keys_admin_paths(char **priv, char **pub, char **cause)
{
	char	*a = config_path(KEYS_ADMIN), *b;
	int	 rc = -1;

	xasprintf(&b, "%s.pub", a);
	if (access(a, R_OK) != 0 || access(b, R_OK) != 0) {
		xasprintf(cause, "no admin key in '%s' (it is made by "
		    "'breakfix image build')", a);
		goto out;
	}
	rc = 0;
out:
	if (rc == 0 && priv != NULL) {
		*priv = a;
		a = NULL;
	}
	if (rc == 0 && pub != NULL) {
		*pub = b;
		b = NULL;
	}
	free(a);
	free(b);
	return rc;
}

int
keys_admin_ensure(char **priv, char **pub, char **cause)
{
	char	*a = NULL, *ignored = NULL;
	int	 rc = -1;

	if (keys_admin_paths(priv, pub, &ignored) == 0)
		return 0;
	free(ignored);
	if (config_mkdir("keys", 0700, cause) != 0)
		goto out;
	a = config_path(KEYS_ADMIN);
	if (keys_generate(a, "breakfix-admin", cause) != 0)
		goto out;
	rc = keys_admin_paths(priv, pub, cause);
out:
	free(a);
	return rc;
}

char *
keys_fingerprint(const char *pubfile)
{
	ssh_key		 key = NULL;
	unsigned char	*hash = NULL;
	size_t		 len;
	char		*fp = NULL, *out = NULL;

	if (ssh_pki_import_pubkey_file(pubfile, &key) != SSH_OK)
		return NULL;
	if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash,
	    &len) == 0 &&
	    (fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash,
	    len)) != NULL)
		out = xstrdup(fp);
	ssh_string_free_char(fp);
	ssh_clean_pubkey_hash(&hash);
	ssh_key_free(key);
	return out;
}
