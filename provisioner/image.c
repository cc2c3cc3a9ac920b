/*
 * image.c - base images, built from recipes and kept in the state dir.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <libssh/libssh.h>

#include "config.h"
#include "image.h"
#include "keys.h"
#include "spawn.h"
#include "util.h"

static char *
image_file(const char *dir, json_t *manifest, const char *what)
{
	const char	*rel = NULL;
	json_unpack(manifest, "{s:{s:s}}", what, "path", &rel);
	if (rel == NULL || strchr(rel, '/') != NULL)
		return NULL;
	return util_path(dir, rel);
}

static char *
image_strdup(json_t *o, const char *key)
{
	const char	*v = json_string_value(json_object_get(o, key));

	return xstrdup(v != NULL ? v : "");
}

static int
image_parse(struct image *img, json_t *m, char **cause)
{
	const char	*paths[3], *base = NULL;
	int		 i;

	img->disk = image_file(img->dir, m, "disk");
	img->kernel = image_file(img->dir, m, "kernel");
	img->initrd = image_file(img->dir, m, "initrd");
	paths[0] = img->disk;
	paths[1] = img->kernel;
	paths[2] = img->initrd;
	for (i = 0; i < 3; i++) {
		if (paths[i] == NULL || access(paths[i], R_OK) != 0) {
			xasprintf(cause, "image '%s' is incomplete: %s "
			    "missing (rebuild with 'breakfix image build "
			    "--force %s')", img->name, paths[i] ? paths[i] :
			    "a file", img->name);
			return -1;
		}
	}
	img->cmdline = image_strdup(m, "kernel_cmdline");
	img->recipe_hash = image_strdup(m, "recipe_sha256");
	img->admin_key_fingerprint = image_strdup(m, "admin_key_fingerprint");
	img->built_at = image_strdup(m, "built_at");
	img->kernel_version = image_strdup(m, "kernel_version");
	img->disk_sha256 = xstrdup(json_string_value(json_object_get(
	    json_object_get(m, "disk"), "sha256")) ?: "");
	if (json_unpack(m, "{s:{s:s}}", "base", "name", &base) == 0) {
		img->base = xstrdup(base);
		img->base_disk_sha256 = xstrdup(json_string_value(
		    json_object_get(json_object_get(m, "base"),
		    "disk_sha256")) ?: "");
	}
	img->build_seconds = (int)json_integer_value(json_object_get(m,
	    "build_seconds"));
	img->disk_bytes = (uint64_t)json_integer_value(json_object_get(
	    json_object_get(m, "disk"), "bytes"));
	img->virtual_size = (uint64_t)json_integer_value(json_object_get(
	    json_object_get(m, "disk"), "virtual_size"));
	return 0;
}

int
image_load(const char *name, struct image **out, char **cause)
{
	struct image	*img = NULL;
	json_error_t	 jerr;
	json_t		*m = NULL;
	char		*sub = NULL, *path = NULL;
	int		 rc = -1;

	*out = NULL;
	img = xcalloc(1, sizeof *img);
	img->name = xstrdup(name);
	xasprintf(&sub, "images/%s", name);
	img->dir = config_path(sub);
	xasprintf(&path, "%s/manifest.json", img->dir);
	if (access(path, F_OK) != 0) {
		xasprintf(cause, "image '%s' is not built (run 'breakfix image "
		    "build %s')", name, name);
		goto out;
	}
	if ((m = json_load_file(path, 0, &jerr)) == NULL) {
		xasprintf(cause, "%s:%d: %s", path, jerr.line, jerr.text);
		goto out;
	}
	if (image_parse(img, m, cause) != 0)
		goto out;
	*out = img;
	img = NULL;		/* transferred */
	rc = 0;
out:
	json_decref(m);
	image_free(img);
	free(path);
	free(sub);
	return rc;
}

void
image_free(struct image *img)
{
	if (img == NULL)
		return;
	free(img->name);
	free(img->dir);
	free(img->disk);
	free(img->kernel);
	free(img->initrd);
	free(img->cmdline);
	free(img->recipe_hash);
	free(img->admin_key_fingerprint);
	free(img->built_at);
	free(img->kernel_version);
	free(img->disk_sha256);
	free(img->base);
	free(img->base_disk_sha256);
	free(img);
}

static char *
image_build_script(const char *name, char **cause)
{
	char	*script;

	xasprintf(&script, "%s/%s/build.sh", config_recipes_dir(), name);
	if (access(script, X_OK) != 0) {
		xasprintf(cause, "no recipe for image '%s': %s: %s", name,
		    script, strerror(errno));
		free(script);
		return NULL;
	}
	return script;
}

int
image_recipe_hash(const char *name, char **hash, char **cause)
{
	const char	*argv[3];
	char		*script, *out = NULL, *nl;
	int		 rc = -1;

	if ((script = image_build_script(name, cause)) == NULL)
		return -1;
	argv[0] = script;
	argv[1] = "--recipe-hash";
	argv[2] = NULL;
	if (spawn_run(argv, NULL, &out, cause) != 0)
		goto out;
	if ((nl = strchr(out, '\n')) != NULL)
		*nl = '\0';
	if (strlen(out) != 64 || strspn(out, "0123456789abcdef") != 64) {
		xasprintf(cause, "%s --recipe-hash printed '%.80s', not a "
		    "sha256", script, out);
		goto out;
	}
	*hash = out;
	out = NULL;		/* transferred */
	rc = 0;
out:
	free(out);
	free(script);
	return rc;
}

/* A derived image is current while its base's disk is the same. */
static int
image_base_is_current(const struct image *img, char **why)
{
	struct image	*base = NULL;
	char		*cause = NULL;
	int		 rc = 0;

	if (image_load(img->base, &base, &cause) != 0) {
		xasprintf(why, "its base image: %s", cause);
		free(cause);
	} else if (strcmp(base->disk_sha256, img->base_disk_sha256) != 0)
		xasprintf(why, "its base image %s was rebuilt on %s",
		    base->name, base->built_at);
	else
		rc = 1;
	image_free(base);
	return rc;
}

int
image_is_current(const struct image *img, char **why)
{
	char	*hash = NULL, *pub = NULL, *fp = NULL;
	int	 rc = -1;

	if (img->base != NULL)
		return image_base_is_current(img, why);
	if (image_recipe_hash(img->name, &hash, why) != 0)
		goto out;
	if (strcmp(hash, img->recipe_hash) != 0) {
		xasprintf(why, "its recipe changed since it was built on %s",
		    img->built_at);
		rc = 0;
		goto out;
	}
	if (keys_admin_paths(NULL, &pub, why) != 0)
		goto out;
	if ((fp = keys_fingerprint(pub)) == NULL ||
	    strcmp(fp, img->admin_key_fingerprint) != 0) {
		xasprintf(why, "it holds another admin key than %s", pub);
		rc = 0;
		goto out;
	}
	rc = 1;
out:
	free(hash);
	free(pub);
	free(fp);
	return rc;
}

int
image_build(const char *name, int force, int *built, char **cause)
{
	struct image	*img = NULL;
	const char	*argv[4];
	char		*script = NULL, *pub = NULL, *sub = NULL, *dir = NULL;
	char		*why = NULL;
	int		 rc = -1;

	*built = 0;
	if (geteuid() != 0) {
		xasprintf(cause, "building an image needs root (debootstrap, "
		    "chroot and mounts)");
		goto out;
	}
	if ((script = image_build_script(name, cause)) == NULL)
		goto out;
	if (keys_admin_ensure(NULL, &pub, cause) != 0)
		goto out;
	if (!force && image_load(name, &img, &why) == 0 &&
	    image_is_current(img, &why) == 1) {
		rc = 0;
		goto out;
	}
	xasprintf(&sub, "images/%s", name);
	dir = config_path(sub);
	argv[0] = script;
	argv[1] = dir;
	argv[2] = pub;
	argv[3] = NULL;
	if (spawn_run(argv, NULL, NULL, cause) != 0)
		goto out;
	*built = 1;
	rc = 0;
out:
	image_free(img);
	free(why);
	free(script);
	free(pub);
	free(sub);
	free(dir);
	return rc;
}
