/*
 * cmd-image.c - build, show, list and prune images: base images from
 * their recipes, derived images from scenarios' image: blocks.
 */
#include <getopt.h>
#include <glob.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "derived.h"
#include "diag.h"
#include "exercise.h"
#include "image.h"
#include "launch-image.h"
#include "log.h"
#include "scenario.h"
#include "util.h"

#define IMAGE_DEFAULT "debian-12"

static int
image_cmd_build(int force, const char *name)
{
	char	*cause = NULL;
	int	 built;

	log_info("image %s: recipe in %s/%s", name, config_recipes_dir(), name);
	if (image_build(name, force, &built, &cause) != 0) {
		cmd_error(cause);
		return CMD_FAILED;
	}
	log_info("image %s: %s", name, built ? "built" :
	    "up to date (use --force to rebuild)");
	return CMD_OK;
}

static int
image_cmd_show(const char *name)
{
	struct image	*img = NULL;
	char		*cause = NULL, *why = NULL;
	int		 r;

	if (image_load(name, &img, &cause) != 0) {
		cmd_error(cause);
		return CMD_FAILED;
	}
	r = image_is_current(img, &why);
	printf("%s\n", img->name);
	printf("  built      %s in %d s\n", img->built_at, img->build_seconds);
	printf("  kernel     %s\n", img->kernel_version);
	printf("  disk       %s (%.0f MiB, %.0f MiB virtual)\n", img->disk,
	    img->disk_bytes / 1048576.0, img->virtual_size / 1048576.0);
	printf("  current    %s%s%s\n", r == 1 ? "yes" : r == 0 ? "no: " :
	    "unknown: ", r == 1 ? "" : why, "");
	free(why);
	image_free(img);
	return CMD_OK;
}

/* build --for FILE: the derived image FILE's image: block asks for. */
static int
image_cmd_build_for(int force, const char *path)
{
	struct derived_req	 req;
	struct scenario		*sc = NULL;
	struct diag		*d = diag_new(path);
	char			*cause = NULL, *name = NULL;
	int			 built, rc = CMD_FAILED;

	if ((sc = scenario_load(path, d)) == NULL) {
		cmd_print_diag(d);
		goto out;
	}
	/* Ctrl-C stops derive.sh (it cleans up) and then us, cleaning up. */
	cmd_catch_interrupts();
	launch_image_request(sc, &req);
	if (!derived_wanted(&req)) {
		log_info("%s: nothing added to its image; it boots image %s",
		    path, sc->image);
		rc = image_cmd_build(force, sc->image);
		goto out;
	}
	log_info("%s: image on %s with %zu package(s), %zu mirrored, %zu "
	    "container image(s) and %zu file(s)", sc->name, sc->image,
	    req.ninstall, req.nmirror, req.ncontainers, req.nfiles);
	if (derived_build(&req, force, &name, &built, &cause) != 0) {
		cmd_error(cause);
		goto out;
	}
	log_info("image %s: %s", name, built ? "built" :
	    "up to date (use --force to rebuild)");
	rc = CMD_OK;
out:
	free(name);
	scenario_free(sc);
	diag_free(d);
	return rc;
}

/* The shipped scenarios: the scenarios/ beside the recipes' images/. */
static void
image_scenarios(glob_t *g)
{
	char	*dir, *pat;

	dir = xstrdup(config_recipes_dir());
	xasprintf(&pat, "%s/scenarios/*.yaml", dirname(dir));
	memset(g, 0, sizeof *g);
	if (glob(pat, 0, NULL, g) != 0)
		g->gl_pathc = 0;
	free(pat);
	free(dir);
}

/* The derived image the scenario at path boots, or NULL. */
static char *
image_of_scenario(const char *path)
{
	struct derived_req	 req;
	struct scenario		*sc;
	struct diag		*d = diag_new(path);
	char			*name = NULL, *cause = NULL;

	if ((sc = scenario_load(path, d)) != NULL) {
		launch_image_request(sc, &req);
		if (derived_wanted(&req) && derived_name(&req, &name,
		    &cause) != 0)
			free(cause);
	}
	scenario_free(sc);
	diag_free(d);
	return name;
}

/* Shipped scenarios booting name, space-separated ("" for none). */
static char *
image_users(const char *name, glob_t *g, char **of)
{
	char	*s = xstrdup(""), *t;
	size_t	 i;

	for (i = 0; i < g->gl_pathc; i++) {
		if (of[i] == NULL || strcmp(of[i], name) != 0)
			continue;
		xasprintf(&t, "%s%s%s", s, *s ? " " : "",
		    basename(g->gl_pathv[i]));
		free(s);
		s = t;
	}
	return s;
}

static char **
image_scenario_images(glob_t *g)
{
	char	**of;
	size_t	  i;

	of = xcalloc(g->gl_pathc + 1, sizeof *of);
	for (i = 0; i < g->gl_pathc; i++)
		of[i] = image_of_scenario(g->gl_pathv[i]);
	return of;
}

static void
image_free_strv(char **v, size_t n)
{
	size_t	 i;

	for (i = 0; v != NULL && i < n; i++)
		free(v[i]);
	free(v);
}

static int
image_cmd_ls(void)
{
	struct derived_info	*v = NULL;
	glob_t			 g;
	char			*cause = NULL, *users, **of;
	size_t			 n, i;

	if (derived_list(&v, &n, &cause) != 0) {
		cmd_error(cause);
		return CMD_FAILED;
	}
	image_scenarios(&g);
	of = image_scenario_images(&g);
	printf("%-24s %8s  %-20s  %s\n", "IMAGE", "LAYER", "BUILT", "PACKAGES");
	for (i = 0; i < n; i++) {
		users = image_users(v[i].name, &g, of);
		printf("%-24s %7.0fM  %-20s  %s%s%s%s%s\n", v[i].name,
		    v[i].bytes / 1048576.0, v[i].built_at, v[i].install,
		    *v[i].mirror ? "; mirror: " : "", v[i].mirror,
		    *v[i].files ? "; files: " : "", v[i].files);
		printf("%24s %8s  %s%s%s\n", "", "", v[i].stale ? "stale "
		    "(base rebuilt); " : "", *users ? "used by " : "used by no "
		    "shipped scenario", users);
		free(users);
	}
	if (n == 0)
		printf("(no derived images in %s/images)\n", config_state_dir());
	image_free_strv(of, g.gl_pathc);
	globfree(&g);
	derived_list_free(v, n);
	return CMD_OK;
}

/* Is name the image of an exercise or pool member not yet down? */
static int
image_in_use(const char *name, char **why)
{
	struct exercise	*ex;
	char		**ids = NULL, *cause = NULL;
	size_t		  n = 0, i;
	int		  used = 0;

	if (exercise_list_ids(&ids, &n, &cause) != 0) {
		*why = cause;		/* cannot tell: keep it */
		return 1;
	}
	for (i = 0; i < n && !used; i++) {
		if (exercise_load(ids[i], &ex, &cause) != 0) {
			free(cause);
			cause = NULL;
			continue;
		}
		if (ex->image != NULL && strcmp(ex->image, name) == 0 &&
		    (ex->state == NULL || strcmp(ex->state, "down") != 0)) {
			xasprintf(why, "exercise %s (%s) uses it", ex->id,
			    ex->state ? ex->state : "?");
			used = 1;
		}
		exercise_free(ex);
	}
	image_free_strv(ids, n);
	return used;
}

static int
image_prune_one(const struct derived_info *di, const char *users, int all,
    int dry_run)
{
	char	*why = NULL, *cause = NULL;

	if (image_in_use(di->name, &why)) {
		log_info("image %s: kept: %s", di->name, why);
		free(why);
		return 0;
	}
	if (*users != '\0' && !all) {
		log_info("image %s: kept: %s boot it (--all removes it too)",
		    di->name, users);
		return 0;
	}
	if (dry_run) {
		printf("would remove %s (%.0f MiB)\n", di->name,
		    di->bytes / 1048576.0);
		return 0;
	}
	if (derived_remove(di->name, &cause) != 0) {
		cmd_error(cause);
		return -1;
	}
	printf("removed %s (%.0f MiB)\n", di->name, di->bytes / 1048576.0);
	return 0;
}

static int
image_cmd_prune(int all, int dry_run)
{
	struct derived_info	*v = NULL;
	glob_t			 g;
	char			*cause = NULL, *users, **of;
	size_t			 n, i;
	int			 rc = CMD_OK;

	if (derived_list(&v, &n, &cause) != 0) {
		cmd_error(cause);
		return CMD_FAILED;
	}
	image_scenarios(&g);
	of = image_scenario_images(&g);
	for (i = 0; i < n; i++) {
		users = image_users(v[i].name, &g, of);
		if (image_prune_one(&v[i], users, all, dry_run) != 0)
			rc = CMD_FAILED;
		free(users);
	}
	image_free_strv(of, g.gl_pathc);
	globfree(&g);
	derived_list_free(v, n);
	return rc;
}

static int
image_dispatch(const char *verb, const char *arg, int force, int all,
    int dry_run, const char *for_path)
{
	if (strcmp(verb, "build") == 0 && for_path != NULL)
		return arg != NULL ? cmd_usage_error(&cmd_image_entry,
		    "build takes a NAME or --for FILE, not both") :
		    image_cmd_build_for(force, for_path);
	if (for_path != NULL)
		return cmd_usage_error(&cmd_image_entry, "--for goes with "
		    "build");
	if (strcmp(verb, "build") == 0)
		return image_cmd_build(force, arg ? arg : IMAGE_DEFAULT);
	if (strcmp(verb, "show") == 0)
		return image_cmd_show(arg ? arg : IMAGE_DEFAULT);
	if (arg != NULL)
		return cmd_usage_error(&cmd_image_entry, "%s takes no NAME",
		    verb);
	if (strcmp(verb, "ls") == 0)
		return image_cmd_ls();
	if (strcmp(verb, "prune") == 0)
		return image_cmd_prune(all, dry_run);
	return cmd_usage_error(&cmd_image_entry, "unknown image command '%s'",
	    verb);
}

static int
image_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "force", no_argument, NULL, 'f' },
		{ "for", required_argument, NULL, 'F' },
		{ "all", no_argument, NULL, 'a' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*for_path = NULL;
	int		 ch, r, force = 0, all = 0, dry_run = 0;

	while ((ch = cmd_getopt(&cmd_image_entry, argc, argv, "fF:an",
	    longopts, &r)) != -1) {
		if (ch == CMD_GETOPT_STOP)
			return r;
		if (ch == 'f')
			force = 1;
		else if (ch == 'F')
			for_path = optarg;
		else if (ch == 'a')
			all = 1;
		else if (ch == 'n')
			dry_run = 1;
	}
	if (optind == argc || argc - optind > 2)
		return cmd_usage_error(&cmd_image_entry, optind == argc ?
		    "build, show, ls or prune?" : "too many arguments");
	return image_dispatch(argv[optind], argc - optind == 2 ?
	    argv[optind + 1] : NULL, force, all, dry_run, for_path);
}

const struct cmd_entry cmd_image_entry = {
	"image", "build [--force] [NAME | --for SCENARIO] | show [NAME] | ls | "
	"prune [--all] [--dry-run]",
	"build, show, list and prune images",
	"build: runs the recipe images/NAME/build.sh (default debian-12) to\n"
	"make the base image under STATE/images/NAME: disk.qcow2, vmlinuz,\n"
	"initrd.img and manifest.json. Needs root and debootstrap. Does\n"
	"nothing when the image is current (same recipe, same admin key)\n"
	"unless --force. The first build also creates the admin key in\n"
	"STATE/keys/. Packages come the way the host's apt gets them (its\n"
	"sources and proxy settings); MIRROR=URL overrides.\n\n"
	"build --for SCENARIO: the derived image the scenario's image: block\n"
	"asks for (its base plus packages, and a local apt repository when it\n"
	"has mirror:), built once as a layer on the base and shared by every\n"
	"scenario asking the same: STATE/images/BASE+HASH. up and selftest\n"
	"build it themselves when it is missing.\n\n"
	"show: what was built, when, and whether it is still current.\n\n"
	"ls: the derived images, their layers' sizes, what they hold and\n"
	"which scenarios in scenarios/ boot them.\n\n"
	"prune: remove derived images no shipped scenario boots; never one\n"
	"an exercise or pool member uses (not yet down).\n\n"
	"Options:\n"
	"  --force          rebuild even if current\n"
	"  --for SCENARIO   build the image SCENARIO boots\n"
	"  --all            prune: also images shipped scenarios boot\n"
	"  --dry-run        prune: say what would go, remove nothing\n"
	"  --state-dir DIR  default /var/lib/breakfix (BREAKFIX_STATE_DIR)\n",
	image_exec,
};
