/*
 * cmd-image.c - build and list base images.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "image.h"
#include "log.h"

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

static int
image_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*verb, *name;
	int		 ch, r, force = 0;

	while ((ch = cmd_getopt(&cmd_image_entry, argc, argv, "f", longopts,
	    &r)) != -1) {
		if (ch == CMD_GETOPT_STOP)
			return r;
		if (ch == 'f') {
			force = 1;
			continue;
		}
	}
	if (optind == argc || argc - optind > 2)
		return cmd_usage_error(&cmd_image_entry, optind == argc ?
		    "build or show?" : "too many arguments");
	verb = argv[optind];
	name = argc - optind == 2 ? argv[optind + 1] : IMAGE_DEFAULT;
	if (strcmp(verb, "build") == 0)
		return image_cmd_build(force, name);
	if (strcmp(verb, "show") == 0)
		return image_cmd_show(name);
	return cmd_usage_error(&cmd_image_entry, "unknown image command '%s'",
	    verb);
}

const struct cmd_entry cmd_image_entry = {
	"image", "build [--force] [NAME] | show [NAME]",
	"build a base image from its recipe, or show a built one",
	"build: runs the recipe images/NAME/build.sh (default debian-12) to\n"
	"make the base image under STATE/images/NAME: disk.qcow2, vmlinuz,\n"
	"initrd.img and manifest.json. Needs root and debootstrap. Does\n"
	"nothing when the image is current (same recipe, same admin key)\n"
	"unless --force. The first build also creates the admin key in\n"
	"STATE/keys/.\n\n"
	"show: what was built, when, and whether it is still current.\n\n"
	"Options:\n"
	"  --force          rebuild even if current\n"
	"  --state-dir DIR  default /var/lib/breakfix (BREAKFIX_STATE_DIR)\n",
	image_exec,
};
