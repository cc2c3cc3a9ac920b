/*
 * launch-image.h - the image a scenario's machine boots: its base image,
 * or the derived image its `image:` block asks for (derived.h).
 */
#ifndef BREAKFIX_LAUNCH_IMAGE_H
#define BREAKFIX_LAUNCH_IMAGE_H

#include "derived.h"
#include "launch.h"
#include "scenario.h"

/* The request sc's image: block makes; req's pointers point into sc. */
void	 launch_image_request(const struct scenario *sc,
	    struct derived_req *req);

/*
 * Make sure the image sc boots is built: for a scenario with packages,
 * build its derived image when it is missing (derive.sh's progress on
 * stderr, a note through o before and after), then point sc->image at
 * it. A scenario without packages is left alone. Returns 0, or -1 with
 * *cause set.
 */
int	 launch_image_ready(struct scenario *sc, const struct launch_opts *o,
	    char **cause);

#endif
