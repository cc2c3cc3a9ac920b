/*
 * commands.c - the commands a candidate typed in one recording.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cast.h"
#include "commands.h"
#include "marks.h"
#include "utf8.h"
#include "util.h"

#define COMMANDS_LINE_MAX	(64 * 1024)	/* a line being typed */
#define COMMANDS_LOG_MAX	(1024 * 1024)	/* one line of the log */
#define COMMANDS_MAX		1000000
/* Read of a log: four times what the gateway writes (marks.h). */
#define COMMANDS_READ_MAX	(4ULL * MARKS_LOG_MAX)

static void
commands_push(struct command **v, size_t *n, size_t *cap,
    const struct command *c)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*v = xreallocarray(*v, *cap, sizeof **v);
	}
	(*v)[(*n)++] = *c;
}

void
commands_free(struct command *cmds, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(cmds[i].text);
	free(cmds);
}

/* --- from the gateway's log ----------------------------------------- */

static char *
commands_log_path(const char *cast_path)
{
	size_t	 len = strlen(cast_path);
	char	*p;

	if (len > 5 && strcmp(cast_path + len - 5, ".cast") == 0)
		xasprintf(&p, "%.*s.commands", (int)(len - 5), cast_path);
	else
		xasprintf(&p, "%s.commands", cast_path);
	return p;
}

static double
commands_number(json_t *j, double unknown)
{
	return json_is_number(j) ? json_number_value(j) : unknown;
}

static int
commands_from_log(FILE *fp, const char *path, struct command **out,
    size_t *n, char **cause)
{
	struct command	 c, *v = NULL;
	json_error_t	 err;
	json_t		*j;
	char		*line = xmalloc(COMMANDS_LOG_MAX);
	size_t		 cap = 0, count = 0;
	unsigned long	 lineno = 0;
	unsigned long long total = 0;
	double		 end;
	int		 rc = -1;

	while (total < COMMANDS_READ_MAX &&
	    fgets(line, COMMANDS_LOG_MAX, fp) != NULL) {
		lineno++;
		total += strlen(line);
		if (strchr(line, '\n') == NULL && !feof(fp)) {
			xasprintf(cause, "%s:%lu: line too long", path, lineno);
			goto out;
		}
		if (line[strspn(line, " \t\r\n")] == '\0')
			continue;
		if ((j = json_loads(line, 0, &err)) == NULL) {
			if (feof(fp))
				break;	/* a last line cut short */
			xasprintf(cause, "%s:%lu: %s", path, lineno, err.text);
			goto out;
		}
		if (!json_is_object(j) ||
		    !json_is_string(json_object_get(j, "command")) ||
		    !json_is_number(json_object_get(j, "start"))) {
			json_decref(j);
			xasprintf(cause, "%s:%lu: not a command (needs start and "
			    "command)", path, lineno);
			goto out;
		}
		memset(&c, 0, sizeof c);
		c.start = json_number_value(json_object_get(j, "start"));
		end = commands_number(json_object_get(j, "end"), -1);
		c.duration = end >= c.start ? end - c.start : -1;
		c.exit = json_is_integer(json_object_get(j, "exit")) ?
		    (int)json_integer_value(json_object_get(j, "exit")) : -1;
		c.text = xstrdup(json_string_value(json_object_get(j,
		    "command")));
		json_decref(j);
		if (count == COMMANDS_MAX) {
			free(c.text);
			break;
		}
		commands_push(&v, &count, &cap, &c);
	}
	*out = v;
	*n = count;
	v = NULL;
	rc = 0;
out:
	if (v != NULL)
		commands_free(v, count);
	free(line);
	return rc;
}

/* --- rebuilt from the keys typed ------------------------------------ */

struct commands_line {
	char		 buf[COMMANDS_LINE_MAX];
	size_t		 len;
	int		 approximate;
	double		 start;		/* first key of the line */
	int		 escape;	/* inside ESC [ ... */
};

/* Drop the last UTF-8 character. */
static void
commands_backspace(struct commands_line *l)
{
	while (l->len > 0) {
		l->len--;
		if (((unsigned char)l->buf[l->len] & 0xc0) != 0x80)
			break;
	}
}

/* Ctrl-W: the blanks before the cursor, then the word. */
static void
commands_kill_word(struct commands_line *l)
{
	while (l->len > 0 && l->buf[l->len - 1] == ' ')
		l->len--;
	while (l->len > 0 && l->buf[l->len - 1] != ' ')
		l->len--;
}

static void
commands_key(struct commands_line *l, unsigned char k, double t,
    struct command **v, size_t *n, size_t *cap)
{
	struct command	 c;

	if (l->escape) {
		/* ESC [ params final: cursor keys, history, home/end. */
		if (l->escape == 1 && k != '[' && k != 'O') {
			l->escape = 0;	/* Alt-key: readline's, not followed */
			l->approximate = 1;
			return;
		}
		if (l->escape == 1 || (k >= 0x20 && k < 0x40)) {
			l->escape = 2;
			return;
		}
		l->escape = 0;
		l->approximate = 1;
		return;
	}
	if (l->len == 0 && !l->approximate && k != '\r' && k != '\n')
		l->start = t;
	switch (k) {
	case '\r':
	case '\n':
		if (l->len > 0 || l->approximate) {
			memset(&c, 0, sizeof c);
			c.start = l->start;
			c.duration = -1;
			c.exit = -1;
			c.approximate = l->approximate;
			/* Keys it drops (Alt-é) or a cut can split a character. */
			l->buf[l->len] = '\0';
			c.text = utf8_string(l->buf);
			if (l->len > 0 || c.approximate)
				commands_push(v, n, cap, &c);
		}
		l->len = 0;
		l->approximate = 0;
		break;
	case 0x7f:
	case 0x08:
		commands_backspace(l);
		break;
	case 0x15:		/* Ctrl-U */
		l->len = 0;
		break;
	case 0x17:		/* Ctrl-W */
		commands_kill_word(l);
		break;
	case 0x03:		/* Ctrl-C */
	case 0x04:		/* Ctrl-D on an empty line */
		l->len = 0;
		l->approximate = 0;
		break;
	case 0x1b:
		l->escape = 1;
		break;
	case '\t':		/* completion: what it added is unknown */
		l->approximate = 1;
		break;
	default:
		if (k < 0x20)
			l->approximate = 1;	/* Ctrl-R, Ctrl-A, ... */
		else if (l->len < sizeof l->buf - 1)
			l->buf[l->len++] = (char)k;
		break;
	}
}

/* The commands being rebuilt from one recording's keys. */
struct commands_rebuild {
	struct commands_line	*l;
	struct command		*v;
	size_t			 n, cap;
};

static void
commands_input_event(struct commands_rebuild *b, const struct cast_event *e)
{
	size_t	 j;

	if (e->code != CAST_INPUT)
		return;
	for (j = 0; j < e->len && b->n < COMMANDS_MAX; j++)
		commands_key(b->l, (unsigned char)e->data[j], e->time, &b->v,
		    &b->n, &b->cap);
}

void
commands_from_input(const struct cast *cast, struct command **out,
    size_t *n)
{
	struct commands_rebuild	 b;
	size_t			 i;

	memset(&b, 0, sizeof b);
	b.l = xcalloc(1, sizeof *b.l);
	for (i = 0; i < cast->nevents; i++)
		commands_input_event(&b, &cast->events[i]);
	free(b.l);
	*out = b.v;
	*n = b.n;
}

/* The same, reading the recording an event at a time. */
static int
commands_from_file(const char *path, struct command **out, size_t *n,
    char **cause)
{
	struct commands_rebuild	 b;
	struct cast_file	*f;
	struct cast_event	 ev;
	int			 rc;

	if ((f = cast_open(path, cause)) == NULL)
		return -1;
	memset(&b, 0, sizeof b);
	b.l = xcalloc(1, sizeof *b.l);
	while ((rc = cast_next(f, &ev, cause)) == 1)
		commands_input_event(&b, &ev);
	free(b.l);
	cast_close(f);
	if (rc == -1) {
		commands_free(b.v, b.n);
		return -1;
	}
	*out = b.v;
	*n = b.n;
	return 0;
}

int
commands_load(const char *cast_path, struct command **out, size_t *n,
    enum commands_source *source, char **cause)
{
	char		*log = commands_log_path(cast_path);
	FILE		*fp;
	int		 rc = -1;

	*out = NULL;
	*n = 0;
	if ((fp = fopen(log, "r")) != NULL) {
		*source = COMMANDS_LOG;
		rc = commands_from_log(fp, log, out, n, cause);
		fclose(fp);
		goto out;
	}
	if (errno != ENOENT) {
		xasprintf(cause, "cannot open '%s': %s", log, strerror(errno));
		goto out;
	}
	*source = COMMANDS_INPUT;
	rc = commands_from_file(cast_path, out, n, cause);
out:
	free(log);
	return rc;
}
