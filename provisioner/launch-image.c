/*
 * launch-image.c - the image a scenario's machine boots.
 */
#include <stdlib.h>

#include "derived.h"
#include "launch-image.h"
#include "launch-int.h"
#include "util.h"

void
launch_image_request(const struct scenario *sc, struct derived_req *req)
{
	req->base = sc->image;
	req->install = sc->image_packages;
	req->ninstall = sc->nimage_packages;
	req->mirror = sc->image_mirror;
	req->nmirror = sc->nimage_mirror;
	req->containers = sc->image_containers;
	req->ncontainers = sc->nimage_containers;
	req->files = sc->image_files;
	req->nfiles = sc->nimage_files;
}

int
launch_image_ready(struct scenario *sc, const struct launch_opts *o,
    char **cause)
{
	struct derived_req	 req;
	char			*name = NULL;
	int			 built;

	launch_image_request(sc, &req);
	if (!derived_wanted(&req))
		return 0;
	if (derived_name(&req, &name, cause) != 0)
		return -1;
	launch_note(o, "image %s: %s on %s, checking it is built", name,
	    sc->name, sc->image);
	free(name);
	if (derived_build(&req, 0, &name, &built, cause) != 0)
		return -1;
	if (built)
		launch_note(o, "image %s: built", name);
	free(sc->image);
	sc->image = name;
	return 0;
}
