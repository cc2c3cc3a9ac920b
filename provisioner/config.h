/*
 * config.h - where breakfix keeps its state and which libvirt it talks
 * to. Each setting comes from a command-line option, else an
 * environment variable, else a default:
 *
 *	--connect URI	BREAKFIX_CONNECT	qemu:///system
 *	--state-dir DIR	BREAKFIX_STATE_DIR	/var/lib/breakfix
 *	--accel A	BREAKFIX_ACCEL		auto
 *			BREAKFIX_RECIPES	images/ beside the binary's
 *						source tree, else
 *						PREFIX/share/breakfix/images
 */
#ifndef BREAKFIX_CONFIG_H
#define BREAKFIX_CONFIG_H

#define CONFIG_DEFAULT_URI	"qemu:///system"
#define CONFIG_DEFAULT_STATE	"/var/lib/breakfix"

/* The system user (and group) the gateway's connections run as. */
#define GATEWAY_USER		"breakfix-gw"
/* The system group that may read recordings and audit logs. */
#define REVIEW_GROUP		"breakfix-review"

/* Set from options; override the environment. Strings are copied. */
void		 config_set_connect(const char *uri);
void		 config_set_state_dir(const char *dir);

const char	*config_connect(void);
const char	*config_state_dir(void);
/* Directory holding image recipes (one folder per image). */
const char	*config_recipes_dir(void);

/*
 * Seconds from the environment variable name: a whole number from 1 to
 * max, else def (a value set but not such a number is warned about).
 */
int		 config_seconds(const char *name, int def, int max);

/* "<state>/<sub>", newly allocated. */
char		*config_path(const char *sub);

/*
 * Make the state directory (0755) and <state>/<sub> with mode, either
 * being there already is fine. Returns 0, or -1 with *cause set.
 */
int		 config_mkdir(const char *sub, unsigned mode, char **cause);

#endif
