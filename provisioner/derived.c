/*
 * derived.c - derived images: a base image plus packages, as a qcow2
 * layer built by the recipe's derive.sh and cached by content.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "config.h"
#include "derived.h"
#include "image.h"
#include "spawn.h"
#include "util.h"

#define DERIVED_HASH_HEX	12
#define DERIVED_SCRIPT_MAX	(1024 * 1024)

int
derived_wanted(const struct derived_req *req)
{
	return req->ninstall > 0 || req->nmirror > 0 || req->ncontainers > 0 ||
	    req->nfiles > 0;
}

int
derived_valid_package(const char *name)
{
	size_t	len = strlen(name);

	if (len < 2 || len > DERIVED_NAME_MAX)
		return 0;
	if (strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789+-.") != len)
		return 0;
	return (name[0] >= 'a' && name[0] <= 'z') ||
	    (name[0] >= '0' && name[0] <= '9');
}

/*
 * An image name as podman takes it: runs of lowercase letters and
 * digits joined by one '.', one '_', "__" or any number of '-'.
 */
static int
derived_valid_image_name(const char *s)
{
	const char	*p = s;
	size_t		 n;

	for (;;) {
		if ((n = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789")) == 0)
			return 0;
		p += n;
		if (*p == '\0')
			return 1;
		if (p[0] == '_' && p[1] == '_')
			p += 2;
		else if (*p == '.' || *p == '_')
			p++;
		else if (*p == '-')
			p += strspn(p, "-");
		else
			return 0;
	}
}

int
derived_valid_container(const char *s, int tag)
{
	size_t	 len = strlen(s);

	if (len == 0 || len > DERIVED_NAME_MAX)
		return 0;
	if (tag)
		return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP"
		    "QRSTUVWXYZ0123456789._-") == len && s[0] != '.' &&
		    s[0] != '-';
	return derived_valid_image_name(s);
}

int
derived_is_name(const char *name)
{
	const char	*plus = strrchr(name, '+');

	return plus != NULL && plus != name &&
	    strlen(plus + 1) == DERIVED_HASH_HEX &&
	    strspn(plus + 1, "0123456789abcdef") == DERIVED_HASH_HEX &&
	    strchr(name, '/') == NULL && name[0] != '.';
}

static int
derived_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "tag name\n" for each name of v, sorted, each once, appended to *text. */
static void
derived_add_sorted(char **text, const char *tag, char *const *v, size_t n)
{
	char	**s, *t;
	size_t	  i;

	if (n == 0)
		return;
	s = xreallocarray(NULL, n, sizeof *s);
	memcpy(s, v, n * sizeof *s);
	qsort(s, n, sizeof *s, derived_strcmp);
	for (i = 0; i < n; i++) {
		if (i > 0 && strcmp(s[i], s[i - 1]) == 0)
			continue;
		xasprintf(&t, "%s%s %s\n", *text, tag, s[i]);
		free(*text);
		*text = t;
	}
	free(s);
}

static void
derived_sha256_hex(const void *p, size_t len, char out[65])
{
	unsigned char	md[EVP_MAX_MD_SIZE];
	unsigned int	mdlen = 0;

	EVP_Digest(p, len, md, &mdlen, EVP_sha256(), NULL);
	util_hex(md, 32, out);
	out[64] = '\0';
}

static char *
derived_script(const char *base, char **cause)
{
	char	*script;

	xasprintf(&script, "%s/%s/derive.sh", config_recipes_dir(), base);
	if (access(script, X_OK) != 0) {
		xasprintf(cause, "image '%s' cannot have packages added: %s: "
		    "%s", base, script, strerror(errno));
		free(script);
		return NULL;
	}
	return script;
}

/* The SHA-256 of the file at path, in hex. */
static int
derived_file_hash(const char *path, char out[65], char **cause)
{
	FILE	*fp;
	char	*buf = NULL;
	size_t	 len;
	int	 rc = -1;

	if ((fp = fopen(path, "r")) == NULL) {
		xasprintf(cause, "cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	buf = xmalloc(DERIVED_SCRIPT_MAX);
	len = fread(buf, 1, DERIVED_SCRIPT_MAX, fp);
	if (ferror(fp) || !feof(fp)) {
		xasprintf(cause, "cannot read '%s' (or larger than %d bytes)",
		    path, DERIVED_SCRIPT_MAX);
		goto out;
	}
	derived_sha256_hex(buf, len, out);
	rc = 0;
out:
	free(buf);
	fclose(fp);
	return rc;
}

/*
 * "<content sha256> <mode> <owner>:<group> <path>" for each file,
 * appended to *text sorted (so the order they are listed in does not
 * matter; paths are unique).
 */
static void
derived_add_files(char **text, const struct derived_req *req)
{
	const struct derived_file	*f;
	char				**v, hex[65];
	size_t				  i;

	if (req->nfiles == 0)
		return;
	v = xcalloc(req->nfiles, sizeof *v);
	for (i = 0; i < req->nfiles; i++) {
		f = &req->files[i];
		derived_sha256_hex(f->content, f->len, hex);
		xasprintf(&v[i], "%s %04o %s:%s %s", hex, f->mode, f->owner,
		    f->group != NULL ? f->group : "", f->path);
	}
	derived_add_sorted(text, "file", v, req->nfiles);
	for (i = 0; i < req->nfiles; i++)
		free(v[i]);
	free(v);
}

int
derived_name(const struct derived_req *req, char **name, char **cause)
{
	struct image	*base = NULL;
	char		*script = NULL, *text = NULL;
	char		 hex[65];
	int		 rc = -1;

	*name = NULL;
	if ((script = derived_script(req->base, cause)) == NULL ||
	    derived_file_hash(script, hex, cause) != 0 ||
	    image_load(req->base, &base, cause) != 0)
		goto out;
	xasprintf(&text, "base %s\nderive %s\n", base->disk_sha256, hex);
	derived_add_sorted(&text, "install", req->install, req->ninstall);
	derived_add_sorted(&text, "mirror", req->mirror, req->nmirror);
	derived_add_sorted(&text, "container", req->containers,
	    req->ncontainers);
	derived_add_files(&text, req);
	derived_sha256_hex(text, strlen(text), hex);
	xasprintf(name, "%s+%.*s", req->base, DERIVED_HASH_HEX, hex);
	rc = 0;
out:
	image_free(base);
	free(script);
	free(text);
	return rc;
}

static json_t *
derived_json_list(char *const *v, size_t n)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

/* Lines and the sum of the second column of dir/mirror.tsv. */
static void
derived_mirror_size(const char *dir, json_int_t *debs, json_int_t *bytes)
{
	char		*path = util_path(dir, "mirror.tsv");
	FILE		*fp = fopen(path, "r");
	char		 line[1024], *tab;

	*debs = *bytes = 0;
	while (fp != NULL && fgets(line, sizeof line, fp) != NULL) {
		(*debs)++;
		if ((tab = strchr(line, '\t')) != NULL)
			*bytes += strtoll(tab + 1, NULL, 10);
	}
	if (fp != NULL)
		fclose(fp);
	free(path);
}

static json_t *
derived_json_paths(const struct derived_req *req)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; i < req->nfiles; i++)
		json_array_append_new(a, json_string(req->files[i].path));
	return a;
}

static json_t *
derived_manifest(const struct derived_req *req, const struct image *base,
    const char *name, const char *dir, int seconds)
{
	struct stat	 st;
	char		*disk = util_path(dir, "disk.qcow2");
	char		 when[32];
	time_t		 now = time(NULL);
	json_int_t	 debs, bytes;
	json_t		*m;

	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	derived_mirror_size(dir, &debs, &bytes);
	if (stat(disk, &st) != 0)
		st.st_size = 0;
	m = json_pack("{s:s, s:i, s:{s:s, s:s}, s:{s:o, s:o, s:o, s:o}, s:s, s:i, "
	    "s:s, s:s, s:s, s:s, s:{s:s, s:I, s:I, s:s, s:s}, s:{s:s}, "
	    "s:{s:s}, s:{s:I, s:I}}",
	    "name", name, "format_version", 1,
	    "base", "name", base->name, "disk_sha256", base->disk_sha256,
	    "request", "install", derived_json_list(req->install,
	    req->ninstall), "mirror", derived_json_list(req->mirror,
	    req->nmirror), "containers", derived_json_list(req->containers,
	    req->ncontainers), "files", derived_json_paths(req),
	    "built_at", when, "build_seconds", seconds,
	    "recipe_sha256", base->recipe_hash, "admin_key_fingerprint",
	    base->admin_key_fingerprint, "kernel_version",
	    base->kernel_version, "kernel_cmdline", base->cmdline,
	    "disk", "path", "disk.qcow2", "bytes", (json_int_t)st.st_size,
	    "virtual_size", (json_int_t)base->virtual_size, "format", "qcow2",
	    "backing", base->disk, "kernel", "path", "vmlinuz",
	    "initrd", "path", "initrd.img",
	    "mirror", "debs", debs, "bytes", bytes);
	free(disk);
	return m;
}

/* derive.sh -i A -i B -m C -c NAME:TAG=D,E [-f STAGE] BASE_DIR OUTPUT_DIR */
static const char **
derived_argv(const struct derived_req *req, const char *script,
    const char *stage, const char *base_dir, const char *dir)
{
	const char	**argv;
	size_t		  i, k = 0;

	argv = xreallocarray(NULL, 2 * (req->ninstall + req->nmirror +
	    req->ncontainers) + 6, sizeof *argv);
	argv[k++] = script;
	for (i = 0; i < req->ninstall; i++) {
		argv[k++] = "-i";
		argv[k++] = req->install[i];
	}
	for (i = 0; i < req->nmirror; i++) {
		argv[k++] = "-m";
		argv[k++] = req->mirror[i];
	}
	for (i = 0; i < req->ncontainers; i++) {
		argv[k++] = "-c";
		argv[k++] = req->containers[i];
	}
	if (stage != NULL) {
		argv[k++] = "-f";
		argv[k++] = stage;
	}
	argv[k++] = base_dir;
	argv[k++] = dir;
	argv[k] = NULL;
	return argv;
}

/* A new file name in dir holding len bytes of buf, for root alone. */
static int
derived_stage_write(const char *dir, const char *name, const void *buf,
    size_t len, char **cause)
{
	char	*path = util_path(dir, name);
	int	 fd, rc = -1;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1 || util_write_all(fd, buf, len) != 0) {
		xasprintf(cause, "cannot write '%s': %s", path,
		    strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd != -1 && close(fd) != 0 && rc == 0) {
		xasprintf(cause, "cannot write '%s': %s", path,
		    strerror(errno));
		rc = -1;
	}
	free(path);
	return rc;
}

/* Remove what derived_stage made (a part made is enough). */
static void
derived_unstage(const struct derived_req *req, char *stage)
{
	char	 name[32], *path;
	size_t	 i;

	if (stage == NULL)
		return;
	for (i = 0; i <= req->nfiles; i++) {
		if (i < req->nfiles)
			snprintf(name, sizeof name, "%zu", i);
		else
			snprintf(name, sizeof name, "files.tsv");
		path = util_path(stage, name);
		(void)unlink(path);
		free(path);
	}
	(void)rmdir(stage);
	free(stage);
}

/*
 * The files of req, staged for derive.sh -f in a new directory that
 * only root reads, beside the images: file N holds the content of
 * req->files[N]; files.tsv has a line for each, "N<TAB>path<TAB>mode
 * <TAB>owner<TAB>group" (mode in octal, group empty for the owner's
 * login group). *stage is NULL when there are no files.
 */
static int
derived_stage(const struct derived_req *req, char **stage, char **cause)
{
	const struct derived_file	*f;
	char				*dir, *tsv = NULL, name[32];
	size_t				 i;
	int				 rc = -1;

	*stage = NULL;
	if (req->nfiles == 0)
		return 0;
	dir = config_path("images/.files.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		xasprintf(cause, "cannot make '%s': %s", dir, strerror(errno));
		free(dir);
		goto out;
	}
	*stage = dir;
	tsv = xstrdup("");
	for (i = 0; i < req->nfiles; i++) {
		f = &req->files[i];
		snprintf(name, sizeof name, "%zu", i);
		if (derived_stage_write(dir, name, f->content, f->len,
		    cause) != 0)
			goto out;
		util_append(&tsv, "%zu\t%s\t%04o\t%s\t%s\n", i, f->path,
		    f->mode, f->owner, f->group != NULL ? f->group : "");
	}
	if (derived_stage_write(dir, "files.tsv", tsv, strlen(tsv),
	    cause) != 0)
		goto out;
	rc = 0;
out:
	if (rc != 0) {
		derived_unstage(req, *stage);
		*stage = NULL;
	}
	free(tsv);
	return rc;
}

static int
derived_run(const struct derived_req *req, const struct image *base,
    const char *name, const char *dir, char **cause)
{
	const char	**argv = NULL;
	struct stat	  st;
	char		 *script = NULL, *path = NULL, *stage = NULL;
	long long	  start = util_now_ms();
	json_t		 *m = NULL;
	int		  rc = -1;

	if ((script = derived_script(req->base, cause)) == NULL ||
	    derived_stage(req, &stage, cause) != 0)
		goto out;
	argv = derived_argv(req, script, stage, base->dir, dir);
	if (spawn_run(argv, NULL, NULL, cause) != 0)
		goto out;
	m = derived_manifest(req, base, name, dir,
	    (int)((util_now_ms() - start) / 1000));
	path = util_path(dir, "manifest.json");
	if (stat(dir, &st) != 0) {
		xasprintf(cause, "cannot stat '%s': %s", dir, strerror(errno));
		goto out;
	}
	if (util_write_json(m, path, 0640, (long)st.st_gid, cause) != 0)
		goto out;
	rc = 0;
out:
	derived_unstage(req, stage);
	json_decref(m);
	free(argv);
	free(script);
	free(path);
	return rc;
}

int
derived_build(const struct derived_req *req, int force, char **name,
    int *built, char **cause)
{
	struct image	*base = NULL, *img = NULL;
	char		*n = NULL, *sub = NULL, *dir = NULL, *why = NULL;
	int		 rc = -1;

	*name = NULL;
	*built = 0;
	if (derived_name(req, &n, cause) != 0 ||
	    image_load(req->base, &base, cause) != 0)
		goto out;
	if (force || image_load(n, &img, &why) != 0 ||
	    image_is_current(img, &why) != 1) {
		if (geteuid() != 0) {
			xasprintf(cause, "building image %s needs root (loop "
			    "mounts and chroot)", n);
			goto out;
		}
		xasprintf(&sub, "images/%s", n);
		dir = config_path(sub);
		if (derived_run(req, base, n, dir, cause) != 0)
			goto out;
		*built = 1;
	}
	*name = n;
	n = NULL;		/* transferred */
	rc = 0;
out:
	image_free(base);
	image_free(img);
	free(n);
	free(sub);
	free(dir);
	free(why);
	return rc;
}

/* "a b c" from a manifest's request list. */
static char *
derived_words(json_t *list)
{
	const char	**v;
	char		 *s;
	size_t		  i, n = json_array_size(list);

	v = xcalloc(n + 1, sizeof *v);
	for (i = 0; i < n; i++)
		v[i] = json_string_value(json_array_get(list, i)) ?: "?";
	s = util_join(v, " ");
	free(v);
	return s;
}

static void
derived_info_read(struct derived_info *di)
{
	struct image	*img = NULL;
	struct stat	 st;
	json_t		*m;
	char		*path, *why = NULL;

	path = util_path(di->dir, "manifest.json");
	m = json_load_file(path, 0, NULL);
	free(path);
	di->base = xstrdup(json_string_value(json_object_get(
	    json_object_get(m, "base"), "name")) ?: "?");
	di->built_at = xstrdup(json_string_value(json_object_get(m,
	    "built_at")) ?: "not finished");
	di->install = derived_words(json_object_get(json_object_get(m,
	    "request"), "install"));
	di->mirror = derived_words(json_object_get(json_object_get(m,
	    "request"), "mirror"));
	di->files = derived_words(json_object_get(json_object_get(m,
	    "request"), "files"));
	di->build_seconds = (int)json_integer_value(json_object_get(m,
	    "build_seconds"));
	path = util_path(di->dir, "disk.qcow2");
	if (stat(path, &st) == 0)
		di->bytes = (uint64_t)st.st_blocks * 512;
	free(path);
	di->stale = image_load(di->name, &img, &why) != 0 ||
	    image_is_current(img, &why) != 1;
	image_free(img);
	free(why);
	json_decref(m);
}

static int
derived_info_cmp(const void *a, const void *b)
{
	return strcmp(((const struct derived_info *)a)->name,
	    ((const struct derived_info *)b)->name);
}

int
derived_list(struct derived_info **out, size_t *n, char **cause)
{
	struct derived_info	*v = NULL;
	struct dirent		*de;
	DIR			*dp;
	char			*dir = config_path("images");
	int			 e;

	*out = NULL;
	*n = 0;
	if ((dp = opendir(dir)) == NULL) {
		e = errno;
		if (e != ENOENT)
			xasprintf(cause, "cannot open '%s': %s", dir,
			    strerror(e));
		free(dir);
		return e == ENOENT ? 0 : -1;
	}
	while ((de = readdir(dp)) != NULL) {
		if (!derived_is_name(de->d_name))
			continue;
		v = xreallocarray(v, *n + 1, sizeof *v);
		memset(&v[*n], 0, sizeof v[*n]);
		v[*n].name = xstrdup(de->d_name);
		v[*n].dir = util_path(dir, de->d_name);
		derived_info_read(&v[(*n)++]);
	}
	closedir(dp);
	free(dir);
	if (*n > 0)
		qsort(v, *n, sizeof *v, derived_info_cmp);
	*out = v;
	return 0;
}

void
derived_list_free(struct derived_info *v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].dir);
		free(v[i].base);
		free(v[i].built_at);
		free(v[i].install);
		free(v[i].mirror);
		free(v[i].files);
	}
	free(v);
}

int
derived_remove(const char *name, char **cause)
{
	struct dirent	*de;
	DIR		*dp;
	char		*sub, *dir, *lock = NULL;
	int		 fd, rc = -1;

	if (!derived_is_name(name)) {
		xasprintf(cause, "'%s' is not a derived image", name);
		return -1;
	}
	xasprintf(&sub, "images/%s", name);
	dir = config_path(sub);
	free(sub);
	if ((dp = opendir(dir)) == NULL) {
		xasprintf(cause, "cannot open '%s': %s", dir, strerror(errno));
		goto out;
	}
	/* Flat: disk, kernel, initrd, manifest and lists, no directories. */
	while ((de = readdir(dp)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") &&
		    unlinkat(dirfd(dp), de->d_name, 0) != 0) {
			xasprintf(cause, "cannot remove '%s/%s': %s", dir,
			    de->d_name, strerror(errno));
			closedir(dp);
			goto out;
		}
	}
	closedir(dp);
	if (rmdir(dir) != 0) {
		xasprintf(cause, "cannot remove '%s': %s", dir, strerror(errno));
		goto out;
	}
	/* derive.sh's lock file beside it, unless a build holds it now. */
	xasprintf(&sub, "images/.%s.lock", name);
	lock = config_path(sub);
	free(sub);
	if ((fd = open(lock, O_RDONLY | O_CLOEXEC)) != -1) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			unlink(lock);
		close(fd);
	}
	rc = 0;
out:
	free(lock);
	free(dir);
	return rc;
}
