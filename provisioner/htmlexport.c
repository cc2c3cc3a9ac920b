/*
 * htmlexport.c - one recording as a single self-contained HTML page.
 *
 * The page is: the player's CSS, a list of commands (each a button
 * carrying its start time), the player's JS, and a script that holds the
 * recording as one JS string and wires the list to the player.
 * Everything from the recording and the log is escaped where it lands:
 * in HTML as escape_text shows it and with &<>"' as entities; in JS
 * strings jansson's JSON encoding with every non-ASCII character and
 * every '<', '>' and '&' as \uXXXX, so nothing in a recording can close
 * the script or open a comment.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "escape.h"
#include "htmlexport.h"
#include "marks.h"
#include "record.h"
#include "units.h"
#include "util.h"

#ifndef BREAKFIX_DATADIR
#define BREAKFIX_DATADIR "/usr/local/share/breakfix"
#endif
#ifndef BREAKFIX_VERSION
#define BREAKFIX_VERSION "unknown"
#endif

#define HX_ASSET_MAX	(16 * 1024 * 1024)	/* a player file */
#define HX_LABEL_MAX	80			/* bytes of a timeline label */
#define HX_MARKERS_MAX	10000			/* markers kept */
#define HX_MARKER_TEXT	1024			/* bytes of one kept */

/* One entry of the list beside the player: a command or a marker. */
struct hx_item {
	double		 t;
	double		 duration;	/* -1: unknown */
	long long	 exit;		/* -1: unknown */
	char		*text;		/* NULL: none */
	size_t		 order;		/* in the file, for a stable sort */
};

struct hx_list {
	struct hx_item	*v;
	size_t		 n, cap;
};

/*
 * What the page needs of the recording: a first pass over it gathers
 * this, and the recording is embedded on a second pass, a line at a
 * time, so that memory holds one line and never the recording.
 */
struct hx_cast {
	FILE		*fp;		/* open for the second pass */
	unsigned long	 nlines;	/* lines the first pass read */
	char		*buf;		/* the line being read */
	size_t		 bufcap;
	char		*title;
	long long	 width, height, timestamp;
	struct hx_list	 markers;
	size_t		 nevents;
	double		 duration;
	int		 truncated;
	double		 elided_from;	/* output over the cap left out; -1 */
	uint64_t	 elided;	/* how much, if known */
};

/* The player's files, read whole. */
struct hx_player {
	char		*js, *css, *license, *version;
};

static char	*hx_player_dir;

const char *
htmlexport_player_dir(void)
{
	static const char *const tree[] = { "web-player",
	    "build/web-player" };
	char	 exe[PATH_MAX], *slash, *try;
	ssize_t	 n;
	size_t	 i;

	if (hx_player_dir != NULL)
		return hx_player_dir;
	if (getenv("BREAKFIX_PLAYER_DIR") != NULL &&
	    *getenv("BREAKFIX_PLAYER_DIR") != '\0')
		return hx_player_dir = xstrdup(getenv("BREAKFIX_PLAYER_DIR"));
	/*
	 * From a source tree: make puts the player in web-player/ beside
	 * the binary it builds (build/, build/san/), and ./breakfix is a
	 * copy of build/breakfix.
	 */
	if ((n = readlink("/proc/self/exe", exe, sizeof exe - 1)) <= 0)
		n = 0;
	exe[n] = '\0';
	if ((slash = strrchr(exe, '/')) != NULL) {
		*slash = '\0';
		for (i = 0; i < nitems(tree); i++) {
			xasprintf(&try, "%s/%s/asciinema-player.min.js", exe,
			    tree[i]);
			if (access(try, R_OK) == 0) {
				free(try);
				xasprintf(&hx_player_dir, "%s/%s", exe,
				    tree[i]);
				return hx_player_dir;
			}
			free(try);
		}
	}
	return hx_player_dir = xstrdup(BREAKFIX_DATADIR "/web-player");
}

static void
hx_list_add(struct hx_list *l, double t, double duration, long long exit,
    const char *text)
{
	struct hx_item	*it;

	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 64 : l->cap * 2;
		l->v = xreallocarray(l->v, l->cap, sizeof *l->v);
	}
	it = &l->v[l->n];
	it->t = t;
	it->duration = duration;
	it->exit = exit;
	it->text = text != NULL ? xstrdup(text) : NULL;
	it->order = l->n++;
}

static void
hx_list_release(struct hx_list *l)
{
	size_t	 i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].text);
	free(l->v);
	memset(l, 0, sizeof *l);
}

static int
hx_item_cmp(const void *a, const void *b)
{
	const struct hx_item	*x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/*
 * Read one line of at most max bytes into *buf (NUL-terminated, without
 * its newline; it may hold NULs). Returns 1 with *len and *nl (ended in
 * a newline) set, 0 at the end of the file, -1 on a read error (errno)
 * or a line too long (errno EFBIG).
 */
static int
hx_getline(FILE *fp, char **buf, size_t *cap, size_t *len, int *nl,
    size_t max)
{
	int	 ch;

	*len = 0;
	*nl = 0;
	while ((ch = getc_unlocked(fp)) != EOF) {
		if (ch == '\n') {
			*nl = 1;
			break;
		}
		if (*len == max) {
			errno = EFBIG;
			return -1;
		}
		if (*len + 1 >= *cap) {
			*cap = *cap == 0 ? 4096 : *cap * 2;
			*buf = xreallocarray(*buf, *cap, 1);
		}
		(*buf)[(*len)++] = (char)ch;
	}
	if (ferror(fp))
		return -1;
	if (*len == 0 && !*nl)
		return 0;
	if (*buf == NULL)
		*buf = xcalloc(1, 1);
	(*buf)[*len] = '\0';
	return 1;
}

static long long
hx_int(const json_t *o, const char *key, long long def)
{
	const json_t	*v = json_object_get(o, key);

	return json_is_integer(v) ? json_integer_value(v) : def;
}

static int
hx_cast_header(struct hx_cast *c, const char *name, const json_t *h,
    char **cause)
{
	const json_t	*title;

	if (!json_is_object(h)) {
		xasprintf(cause, "%s:1: not an asciicast header (a JSON "
		    "object)", name);
		return -1;
	}
	if (hx_int(h, "version", 0) != 2) {
		xasprintf(cause, "%s:1: not asciicast version 2", name);
		return -1;
	}
	c->width = hx_int(h, "width", 0);
	c->height = hx_int(h, "height", 0);
	if (c->width < 1 || c->width > 10000 || c->height < 1 ||
	    c->height > 10000) {
		xasprintf(cause, "%s:1: width and height must be 1 to 10000",
		    name);
		return -1;
	}
	c->timestamp = hx_int(h, "timestamp", 0);
	if (json_is_string(title = json_object_get(h, "title")))
		c->title = xstrdup(json_string_value(title));
	return 0;
}

/*
 * A marker, for the list and the timeline: at most HX_MARKERS_MAX, each
 * cut to HX_MARKER_TEXT bytes (the gateway's are a few words).
 */
static void
hx_cast_marker(struct hx_cast *c, double t, const char *label)
{
	uint64_t	 bytes;
	char		*text;
	size_t		 n = strlen(label);

	switch (record_marker_elided(label, &bytes)) {
	case RECORD_MARK_FROM:
		if (c->elided_from < 0)
			c->elided_from = t;
		break;
	case RECORD_MARK_COUNT:
		c->elided = bytes;
		break;
	}
	if (c->markers.n == HX_MARKERS_MAX)
		return;
	if (n <= HX_MARKER_TEXT) {
		hx_list_add(&c->markers, t, -1, -1, label);
		return;
	}
	n = HX_MARKER_TEXT;
	while (n > 0 && ((unsigned char)label[n] & 0xc0) == 0x80)
		n--;
	xasprintf(&text, "%.*s\xe2\x80\xa6", (int)n, label);
	hx_list_add(&c->markers, t, -1, -1, text);
	free(text);
}

static int
hx_cast_event(struct hx_cast *c, const char *name, unsigned long lineno,
    const json_t *e, char **cause)
{
	const char	*code;
	double		 t;

	if (!json_is_array(e) || json_array_size(e) < 3) {
		xasprintf(cause, "%s:%lu: not an event (a JSON array "
		    "[time, code, data])", name, lineno);
		return -1;
	}
	if (!json_is_number(json_array_get(e, 0)) ||
	    (t = json_number_value(json_array_get(e, 0))) < 0 ||
	    !json_is_string(json_array_get(e, 1)) ||
	    !json_is_string(json_array_get(e, 2))) {
		xasprintf(cause, "%s:%lu: an event is [time >= 0, \"code\", "
		    "\"data\"]", name, lineno);
		return -1;
	}
	code = json_string_value(json_array_get(e, 1));
	if (strcmp(code, "m") == 0)
		hx_cast_marker(c, t, json_string_value(json_array_get(e, 2)));
	if (t > c->duration)
		c->duration = t;
	c->nevents++;
	return 0;
}

static int	 hx_js_chunk(const char *, size_t, void *);

/* jansson's encoding of a string, its quotes left out, as hx_js_chunk. */
struct hx_unquote {
	FILE		*fp;
	int		 started;
	int		 held;
	char		 last;
};

static int
hx_unquote_chunk(const char *buf, size_t size, void *arg)
{
	struct hx_unquote	*u = arg;
	size_t			 i = 0;

	if (!u->started && size > 0) {
		u->started = 1;
		i = 1;			/* the opening quote */
	}
	for (; i < size; i++) {
		if (u->held && hx_js_chunk(&u->last, 1, u->fp) != 0)
			return -1;
		u->last = buf[i];
		u->held = 1;		/* the last one is the closing quote */
	}
	return 0;
}

/* A line of the recording and its newline, inside the JS string. */
static int
hx_js_line(FILE *out, const char *line, size_t len, char **cause)
{
	struct hx_unquote	 u;
	json_t			*j;
	int			 rc;

	memset(&u, 0, sizeof u);
	u.fp = out;
	if ((j = json_stringn(line, len)) == NULL) {
		xasprintf(cause, "cannot encode the recording as JSON "
		    "(not UTF-8?)");
		return -1;
	}
	rc = json_dump_callback(j, hx_unquote_chunk, &u, JSON_ENCODE_ANY |
	    JSON_ENSURE_ASCII | JSON_COMPACT);
	json_decref(j);
	if (rc != 0 || fputs("\\n", out) == EOF) {
		xasprintf(cause, "cannot encode the recording as JSON");
		return -1;
	}
	return 0;
}

/*
 * One line of the recording, parsed before it is kept: written to out
 * as part of a JS string if out is not NULL. A last line with no
 * newline that does not parse was cut short by a crashed writer: it is
 * dropped (and reported), not fatal.
 */
static int
hx_cast_line(struct hx_cast *c, const char *name, unsigned long lineno,
    const char *line, size_t len, int nl, FILE *out, char **cause)
{
	json_error_t	 err;
	json_t		*j;
	int		 rc;

	if (len == 0 && lineno > 1)
		return 0;
	if ((j = json_loadb(line, len, JSON_DECODE_ANY, &err)) == NULL) {
		if (!nl && lineno > 1) {
			c->truncated = 1;
			return 0;
		}
		xasprintf(cause, "%s:%lu: %s", name, lineno, err.text);
		return -1;
	}
	if (lineno == 1)
		rc = hx_cast_header(c, name, j, cause);
	else
		rc = hx_cast_event(c, name, lineno, j, cause);
	json_decref(j);
	if (rc == 0 && out != NULL)
		rc = hx_js_line(out, line, len, cause);
	return rc;
}

/*
 * Open path for reading if it is a regular file (a FIFO would block, a
 * device would never end). NULL with errno set if not; EINVAL for a
 * file of another kind.
 */
static FILE *
hx_open(const char *path)
{
	struct stat	 sb;
	FILE		*fp = NULL;
	int		 fd, flags, saved;

	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1)
		return NULL;
	if (fstat(fd, &sb) != 0)
		goto out;
	if (!S_ISREG(sb.st_mode)) {
		errno = EINVAL;
		goto out;
	}
	if ((flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == -1)
		goto out;
	fp = fdopen(fd, "r");
out:
	if (fp == NULL) {
		saved = errno;
		close(fd);
		errno = saved;
	}
	return fp;
}

/*
 * The lines of c->fp from where it is, up to max of them (0: all), each
 * into c (and to out, as hx_cast_line). c->nlines counts them.
 */
static int
hx_cast_read(struct hx_cast *c, const char *path, unsigned long max,
    FILE *out, char **cause)
{
	size_t	 len;
	int	 nl, r = 0;

	c->nlines = 0;
	while ((max == 0 || c->nlines < max) && (r = hx_getline(c->fp,
	    &c->buf, &c->bufcap, &len, &nl, HTMLEXPORT_LINE_MAX)) == 1) {
		c->nlines++;
		if (hx_cast_line(c, path, c->nlines, c->buf, len, nl, out,
		    cause) != 0)
			return -1;
	}
	if (c->nlines == max && max != 0)
		return 0;
	if (r == -1 && errno == EFBIG) {
		xasprintf(cause, "%s:%lu: line longer than %d MiB", path,
		    c->nlines + 1, HTMLEXPORT_LINE_MAX >> 20);
		return -1;
	}
	if (r == -1) {
		xasprintf(cause, "cannot read '%s': %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* The first pass: everything but the lines themselves. */
static int
hx_cast_load(const char *path, struct hx_cast *c, char **cause)
{
	if ((c->fp = hx_open(path)) == NULL) {
		xasprintf(cause, "cannot open '%s': %s", path, errno == EINVAL ?
		    "not a regular file" : strerror(errno));
		return -1;
	}
	if (hx_cast_read(c, path, 0, NULL, cause) != 0)
		return -1;
	if (c->nlines == 0) {
		xasprintf(cause, "'%s' is empty", path);
		return -1;
	}
	return 0;
}

static void
hx_cast_release(struct hx_cast *c)
{
	if (c->fp != NULL)
		fclose(c->fp);
	free(c->buf);
	free(c->title);
	hx_list_release(&c->markers);
}

/*
 * The second pass: the lines the first one read, checked again as they
 * go into out, so that a file changed in between embeds nothing that
 * was not checked (a recording still being written ends where the
 * first pass ended).
 */
static int
hx_cast_embed(const struct hx_cast *c, const char *path, FILE *out,
    char **cause)
{
	struct hx_cast	 again;
	int		 rc = -1;

	memset(&again, 0, sizeof again);
	again.elided_from = -1;
	again.fp = c->fp;
	if (fseek(c->fp, 0, SEEK_SET) != 0) {
		xasprintf(cause, "cannot read '%s' again: %s", path,
		    strerror(errno));
		goto out;
	}
	if (hx_cast_read(&again, path, c->nlines, out, cause) != 0)
		goto out;
	if (again.nlines != c->nlines) {
		xasprintf(cause, "'%s' changed while it was exported", path);
		goto out;
	}
	rc = 0;
out:
	again.fp = NULL;		/* c's */
	hx_cast_release(&again);
	return rc;
}

/*
 * One line of the commands log; 0 if it was understood, -1 if not (the
 * log is a convenience: a bad line is counted and left out).
 */
static int
hx_log_line(struct hx_list *l, const char *line, size_t len)
{
	json_error_t	 err;
	json_t		*j;
	const json_t	*start, *dur, *ex, *cmd;
	long long	 exit = -1;
	double		 duration = -1;
	int		 rc = -1;

	if ((j = json_loadb(line, len, 0, &err)) == NULL)
		return -1;
	start = json_object_get(j, "start");
	dur = json_object_get(j, "duration");
	ex = json_object_get(j, "exit");
	cmd = json_object_get(j, "command");
	if (!json_is_number(start) || json_number_value(start) < 0 ||
	    (cmd != NULL && !json_is_null(cmd) && !json_is_string(cmd)))
		goto out;
	if (json_is_number(dur) && json_number_value(dur) >= 0)
		duration = json_number_value(dur);
	if (json_is_integer(ex) && json_integer_value(ex) >= 0 &&
	    json_integer_value(ex) <= INT_MAX)
		exit = json_integer_value(ex);
	hx_list_add(l, json_number_value(start), duration, exit,
	    json_string_value(cmd));
	rc = 0;
out:
	json_decref(j);
	return rc;
}

/* The commands log at path, sorted by start; a missing one is not an error. */
static int
hx_log_load(const char *path, struct hx_list *l, struct htmlexport_stats *st,
    char **cause)
{
	FILE		*fp = NULL;
	char		*buf = NULL;
	size_t		 cap = 0, len, total = 0;
	int		 nl, r = 0, rc = -1;

	if ((fp = hx_open(path)) == NULL) {
		if (errno == ENOENT)
			rc = 0;
		else
			xasprintf(cause, "cannot open '%s': %s", path,
			    errno == EINVAL ? "not a regular file" :
			    strerror(errno));
		goto out;
	}
	st->have_log = 1;
	while ((r = hx_getline(fp, &buf, &cap, &len, &nl,
	    HTMLEXPORT_LINE_MAX)) == 1) {
		if ((total += len + 1) > HTMLEXPORT_LOG_MAX) {
			st->log_skipped++;	/* and the rest with it */
			break;
		}
		if (len == 0)
			continue;
		if (l->n == HTMLEXPORT_COMMANDS_MAX ||
		    hx_log_line(l, buf, len) != 0)
			st->log_skipped++;
	}
	if (r == -1 && errno != EFBIG) {
		xasprintf(cause, "cannot read '%s': %s", path, strerror(errno));
		goto out;
	}
	if (r == -1)
		st->log_skipped++;	/* and the rest of the file with it */
	if (l->n > 0)
		qsort(l->v, l->n, sizeof *l->v, hx_item_cmp);
	rc = 0;
out:
	free(buf);
	if (fp != NULL)
		fclose(fp);
	return rc;
}

/* Is needle (lower case) in buf[0..len), ignoring case? */
static int
hx_contains(const char *buf, size_t len, const char *needle)
{
	size_t	 i, j, n = strlen(needle);

	for (i = 0; i + n <= len; i++) {
		for (j = 0; j < n; j++) {
			if (tolower((unsigned char)buf[i + j]) != needle[j])
				break;
		}
		if (j == n)
			return 1;
	}
	return 0;
}

/*
 * Read dir/name whole. The player's files are inlined, so each must not
 * hold bad, the one string that would end the element it goes into.
 */
static int
hx_asset(const char *dir, const char *name, const char *bad, char **out,
    char **cause)
{
	FILE	*fp = NULL;
	char	*path, *buf = NULL;
	size_t	 len = 0, n;
	int	 rc = -1;

	path = util_path(dir, name);
	if ((fp = fopen(path, "r")) == NULL) {
		xasprintf(cause, "asciinema-player is not in '%s' (%s: %s): "
		    "run 'make web-player' in breakfix's source tree, or set "
		    "BREAKFIX_PLAYER_DIR", dir, name, strerror(errno));
		goto out;
	}
	buf = xmalloc(HX_ASSET_MAX + 1);
	while ((n = fread(buf + len, 1, HX_ASSET_MAX + 1 - len, fp)) > 0)
		len += n;
	if (ferror(fp) || len > HX_ASSET_MAX) {
		xasprintf(cause, "cannot read '%s': %s", path, ferror(fp) ?
		    strerror(errno) : "larger than 16 MiB");
		goto out;
	}
	buf[len] = '\0';
	if (strlen(buf) != len || (bad != NULL && hx_contains(buf, len, bad))) {
		xasprintf(cause, "'%s' holds %s: it cannot be inlined", path,
		    bad != NULL ? bad : "a NUL byte");
		goto out;
	}
	*out = buf;
	buf = NULL;			/* transferred */
	rc = 0;
out:
	free(buf);
	free(path);
	if (fp != NULL)
		fclose(fp);
	return rc;
}

static int
hx_player_load(const char *dir, struct hx_player *p, char **cause)
{
	char	*nl;

	if (hx_asset(dir, "asciinema-player.min.js", "</script", &p->js,
	    cause) != 0 ||
	    hx_asset(dir, "asciinema-player.css", "</style", &p->css,
	    cause) != 0 ||
	    hx_asset(dir, "LICENSE", "--", &p->license, cause) != 0)
		return -1;
	/* The version is only shown; a tree without it still works. */
	if (hx_asset(dir, "VERSION", "<", &p->version, cause) != 0) {
		free(*cause);
		*cause = NULL;
		p->version = xstrdup("3");
	}
	if ((nl = strchr(p->version, '\n')) != NULL)
		*nl = '\0';
	return 0;
}

static void
hx_player_release(struct hx_player *p)
{
	free(p->js);
	free(p->css);
	free(p->license);
	free(p->version);
}

/*
 * s as HTML text or attribute value: first as escape_text shows it, so
 * that a newline, a control character or a direction override in a
 * command (which a browser would obey) looks as in 'breakfix commands',
 * then with & < > " ' as entities.
 */
static void
hx_html(FILE *fp, const char *s)
{
	char		*shown = escape_text(s);
	const char	*p;

	for (p = shown; *p != '\0'; p++) {
		switch (*p) {
		case '&':
			fputs("&amp;", fp);
			break;
		case '<':
			fputs("&lt;", fp);
			break;
		case '>':
			fputs("&gt;", fp);
			break;
		case '"':
			fputs("&quot;", fp);
			break;
		case '\'':
			fputs("&#39;", fp);
			break;
		default:
			fputc(*p, fp);
		}
	}
	free(shown);
}

/* jansson's output, with '<', '>' and '&' hidden from the HTML parser. */
static int
hx_js_chunk(const char *buf, size_t size, void *arg)
{
	FILE	*fp = arg;
	size_t	 i;

	for (i = 0; i < size; i++) {
		if (buf[i] == '<')
			fputs("\\u003c", fp);
		else if (buf[i] == '>')
			fputs("\\u003e", fp);
		else if (buf[i] == '&')
			fputs("\\u0026", fp);
		else
			fputc(buf[i], fp);
	}
	return ferror(fp) ? -1 : 0;
}

/* j as a JS literal, safe inside <script>; consumes j. */
static int
hx_js(FILE *fp, json_t *j, char **cause)
{
	int	 rc;

	if (j == NULL) {
		xasprintf(cause, "cannot encode the recording as JSON "
		    "(not UTF-8?)");
		return -1;
	}
	rc = json_dump_callback(j, hx_js_chunk, fp, JSON_ENCODE_ANY |
	    JSON_ENSURE_ASCII | JSON_COMPACT);
	json_decref(j);
	if (rc != 0)
		xasprintf(cause, "cannot encode the recording as JSON");
	return rc;
}

/* "mm:ss", or "h:mm:ss" from an hour on. */
static const char *
hx_offset(double t, char *buf, size_t len)
{
	long long	 s;

	if (!(t >= 0))
		t = 0;
	if (t > 359999999.0)	/* 99999:59:59, and no overflow below */
		t = 359999999.0;
	s = (long long)t;
	if (s >= 3600)
		snprintf(buf, len, "%lld:%02lld:%02lld", s / 3600,
		    s / 60 % 60, s % 60);
	else
		snprintf(buf, len, "%02lld:%02lld", s / 60, s % 60);
	return buf;
}

/* text cut to at most HX_LABEL_MAX bytes, on a character boundary. */
static json_t *
hx_label(const char *text)
{
	size_t	 n = strlen(text);

	if (n <= HX_LABEL_MAX)
		return json_string(text);
	n = HX_LABEL_MAX;
	while (n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80)
		n--;
	return json_pack("s#+", text, (int)n, "\xe2\x80\xa6");
}

/*
 * The player's timeline markers: the commands if there are any, and the
 * "m" events, in time order (the player merges them into the events as
 * it plays, and expects them sorted).
 */
static json_t *
hx_markers(const struct hx_list *log, const struct hx_cast *c)
{
	struct hx_item	*v;
	json_t		*a = json_array();
	size_t		 i, n = 0;

	v = xcalloc(log->n + c->markers.n + 1, sizeof *v);
	for (i = 0; i < log->n; i++)
		v[n++] = log->v[i];
	for (i = 0; i < c->markers.n; i++)
		v[n++] = c->markers.v[i];
	for (i = 0; i < n; i++)
		v[i].order = i;
	qsort(v, n, sizeof *v, hx_item_cmp);
	for (i = 0; i < n; i++) {
		json_array_append_new(a, json_pack("[f,o]", v[i].t,
		    hx_label(v[i].text != NULL ? v[i].text : "(no text)")));
	}
	free(v);			/* the texts are still log's and c's */
	return a;
}

static void
hx_write_head(FILE *fp, const struct hx_player *p, const char *heading)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">\n"
	    "<meta name=\"generator\" content=\"breakfix " BREAKFIX_VERSION
	    "\">\n<title>", fp);
	hx_html(fp, heading);
	fprintf(fp, " - breakfix</title>\n<!--\nThis page embeds "
	    "asciinema-player %s (https://github.com/asciinema/"
	    "asciinema-player),\nunder the Apache License 2.0:\n\n%s\n-->\n"
	    "<style>\n%s\n</style>\n", p->version, p->license, p->css);
	fputs("<style>\n"
	    "body{margin:0;font:14px/1.4 system-ui,sans-serif;"
	    "background:#f4f4f2;color:#222}\n"
	    "header{padding:12px 20px;background:#222;color:#eee}\n"
	    "header h1{margin:0;font-size:18px}\n"
	    "header p{margin:4px 0 0;color:#bbb}\n"
	    "main{display:flex;gap:16px;padding:16px 20px;"
	    "align-items:flex-start}\n"
	    "#bf-player{flex:3 1 0;min-width:0}\n"
	    "aside{flex:2 1 0;min-width:16em;max-height:85vh;overflow:auto;"
	    "background:#fff;border:1px solid #ddd;border-radius:4px}\n"
	    "aside h2{margin:0;padding:8px 12px;font-size:15px;"
	    "border-bottom:1px solid #ddd}\n"
	    "aside .note{margin:0;padding:6px 12px;color:#666;"
	    "font-size:13px}\n"
	    "#bf-list{list-style:none;margin:0;padding:0}\n"
	    "#bf-list button{display:flex;gap:8px;width:100%;"
	    "text-align:left;border:0;border-bottom:1px solid #eee;"
	    "background:none;padding:5px 12px;font:inherit;cursor:pointer}\n"
	    "#bf-list button:hover{background:#eef3fb}\n"
	    "#bf-list li.bf-now button{background:#dde8f8}\n"
	    ".bf-t{font-variant-numeric:tabular-nums;color:#555}\n"
	    ".bf-x{min-width:2.5em;text-align:right;"
	    "font-variant-numeric:tabular-nums}\n"
	    ".bf-ok{color:#2a7a2a}.bf-fail{color:#b3261e;font-weight:bold}"
	    ".bf-unk{color:#888}\n"
	    "#bf-list code{flex:1;white-space:pre-wrap;"
	    "word-break:break-all;font:13px/1.4 ui-monospace,monospace}\n"
	    "@media (max-width:900px){main{flex-direction:column}"
	    "aside{width:100%;max-height:none}}\n"
	    "</style>\n</head>\n", fp);
}

static void
hx_write_header(FILE *fp, const struct hx_cast *c, const char *heading,
    const char *file)
{
	char		 when[64] = "", dur[32], size[UNITS_BUFSZ];
	time_t		 ts = (time_t)c->timestamp;
	struct tm	 tm;

	if (c->timestamp > 0 && gmtime_r(&ts, &tm) != NULL)
		strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC, ", &tm);
	fputs("<body>\n<header>\n<h1>", fp);
	hx_html(fp, heading);
	fprintf(fp, "</h1>\n<p>%s%s long, %lldx%lld terminal, ", when,
	    hx_offset(c->duration, dur, sizeof dur), c->width, c->height);
	hx_html(fp, file);
	fputs("</p>\n", fp);
	if (c->elided_from >= 0) {
		fprintf(fp, "<p>Output over the recording's cap was not "
		    "recorded from %s on", hx_offset(c->elided_from, dur,
		    sizeof dur));
		if (c->elided > 0)
			fprintf(fp, " (%s)", units_format_human(c->elided,
			    size));
		fputs(": the player's screen stops changing there. The "
		    "commands and their exit statuses go on.</p>\n", fp);
	}
	fputs("</header>\n<main>\n<div id=\"bf-player\"></div>\n", fp);
}

static void
hx_write_item(FILE *fp, const struct hx_item *it, int commands)
{
	char		 off[32], tip[96] = "";
	const char	*cls = "bf-unk";
	char		 status[24] = "?";

	if (commands && it->exit >= 0) {
		snprintf(status, sizeof status, "%lld", it->exit);
		cls = it->exit == 0 ? "bf-ok" : "bf-fail";
	}
	if (commands) {
		if (it->duration >= 0)
			snprintf(tip, sizeof tip, "exit %s, ran %.2f s", status,
			    it->duration);
		else
			snprintf(tip, sizeof tip, "exit %s, did not finish",
			    status);
	}
	fprintf(fp, "<li><button type=\"button\" data-t=\"%.6f\" "
	    "title=\"%s\"><span class=\"bf-t\">%s</span>", it->t, tip,
	    hx_offset(it->t, off, sizeof off));
	if (commands)
		fprintf(fp, "<span class=\"bf-x %s\">%s</span>", cls, status);
	fputs("<code>", fp);
	hx_html(fp, it->text != NULL ? it->text : "(no text)");
	fputs("</code></button></li>\n", fp);
}

static void
hx_write_list(FILE *fp, const struct hx_list *items,
    const struct htmlexport_stats *st, const char *log_name)
{
	size_t	 i;

	fprintf(fp, "<aside>\n<h2>%s (%zu)</h2>\n", st->have_log ?
	    "Commands" : "Markers", items->n);
	if (!st->have_log) {
		fputs("<p class=\"note\">No commands log (", fp);
		hx_html(fp, log_name);
		fputs("): the recording's markers are listed instead.</p>\n",
		    fp);
	}
	if (st->log_skipped > 0)
		fprintf(fp, "<p class=\"note\">%lu line%s of the commands log "
		    "could not be read and %s left out.</p>\n", st->log_skipped,
		    st->log_skipped == 1 ? "" : "s",
		    st->log_skipped == 1 ? "is" : "are");
	if (items->n == 0)
		fputs("<p class=\"note\">Nothing to list.</p>\n", fp);
	fputs("<ol id=\"bf-list\">\n", fp);
	for (i = 0; i < items->n; i++)
		hx_write_item(fp, &items->v[i], st->have_log);
	fputs("</ol>\n</aside>\n</main>\n", fp);
}

/*
 * The player's script, then ours. idleTimeLimit is set past any pause so
 * that the player's clock stays the recording's: the times in the list
 * are on that clock, and a header's idle_time_limit would shift them.
 */
static int
hx_write_script(FILE *fp, const struct hx_cast *c, const struct hx_player *p,
    const struct hx_list *log, const char *cast_path, char **cause)
{
	fprintf(fp, "<script>\n%s\n</script>\n<script>\n"
	    "(function () {\n\"use strict\";\nvar cast = ", p->js);
	if (fputc('"', fp) == EOF || hx_cast_embed(c, cast_path, fp,
	    cause) != 0 || fputc('"', fp) == EOF)
		return -1;
	fputs(";\nvar markers = ", fp);
	if (hx_js(fp, hx_markers(log, c), cause) != 0)
		return -1;
	fprintf(fp, ";\n"
	    "var player = AsciinemaPlayer.create({data: cast},\n"
	    "    document.getElementById(\"bf-player\"),\n"
	    "    {cols: %lld, rows: %lld, preload: true, fit: \"width\",\n"
	    "    controls: true,\n"
	    "    idleTimeLimit: 1e9, markers: markers});\n"
	    "var list = document.getElementById(\"bf-list\");\n"
	    "var items = list.querySelectorAll(\"li\");\n"
	    "window.breakfixPlayer = player;\n"
	    "list.addEventListener(\"click\", function (ev) {\n"
	    "  var b = ev.target.closest(\"button[data-t]\");\n"
	    "  if (b === null)\n"
	    "    return;\n"
	    "  var t = parseFloat(b.getAttribute(\"data-t\"));\n"
	    "  player.seek(t).then(function () {\n"
	    "    if (t < player.getDuration())\n"
	    "      return player.play();\n"
	    "  });\n"
	    "});\n"
	    "setInterval(function () {\n"
	    "  var now = player.getCurrentTime(), i, t;\n"
	    "  for (i = 0; i < items.length; i++) {\n"
	    "    t = parseFloat(items[i].firstChild.dataset.t);\n"
	    "    items[i].classList.toggle(\"bf-now\", t <= now &&\n"
	    "        (i + 1 === items.length ||\n"
	    "        parseFloat(items[i + 1].firstChild.dataset.t) > now));\n"
	    "  }\n"
	    "}, 250);\n"
	    "})();\n</script>\n</body>\n</html>\n", c->width, c->height);
	return 0;
}

/* The last part of a path. */
static const char *
hx_basename(const char *path)
{
	const char	*slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

/*
 * The heading is the header's title (the gateway's is "exercise ID:
 * candidate NAME"), else the file's name.
 */
static int
hx_write_page(FILE *fp, const struct hx_cast *c, const struct hx_player *p,
    const struct hx_list *log, const struct htmlexport_stats *st,
    const char *cast_path, const char *log_path, char **cause)
{
	const char	*file = hx_basename(cast_path), *heading = file;

	if (c->title != NULL && *c->title != '\0')
		heading = c->title;
	hx_write_head(fp, p, heading);
	hx_write_header(fp, c, heading, file);
	hx_write_list(fp, st->have_log ? log : &c->markers, st,
	    hx_basename(log_path));
	return hx_write_script(fp, c, p, log, cast_path, cause);
}

/* The same file (an existing out_path over the recording or its log)? */
static int
hx_same_file(const char *a, const char *b)
{
	struct stat	 sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	    sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Create the temporary file beside out_path, mode 0666 less the umask. */
static FILE *
hx_tmp_open(const char *out_path, char **tmp, char **cause)
{
	const char	*slash = strrchr(out_path, '/');
	FILE		*fp;
	mode_t		 mask;
	int		 fd;

	if (slash == NULL)
		xasprintf(tmp, ".%s.XXXXXX", out_path);
	else
		xasprintf(tmp, "%.*s/.%s.XXXXXX", (int)(slash - out_path),
		    out_path, slash + 1);
	if ((fd = mkstemp(*tmp)) == -1) {
		xasprintf(cause, "cannot write '%s': %s", out_path,
		    strerror(errno));
		free(*tmp);
		*tmp = NULL;
		return NULL;
	}
	mask = umask(0);
	umask(mask);
	(void)fchmod(fd, 0666 & ~mask);
	if ((fp = fdopen(fd, "w")) == NULL) {
		xasprintf(cause, "cannot open '%s': %s", *tmp, strerror(errno));
		close(fd);
	}
	return fp;
}

static int
hx_tmp_close(FILE *fp, const char *tmp, const char *out_path, char **cause)
{
	int	 failed;

	failed = fflush(fp) != 0 || ferror(fp) || fsync(fileno(fp)) != 0;
	if (fclose(fp) != 0 || failed) {
		xasprintf(cause, "cannot write '%s': %s", out_path,
		    strerror(errno));
		return -1;
	}
	if (rename(tmp, out_path) != 0) {
		xasprintf(cause, "cannot rename '%s' to '%s': %s", tmp,
		    out_path, strerror(errno));
		return -1;
	}
	return 0;
}

int
htmlexport_write(const char *cast_path, const char *commands_path,
    const char *out_path, const char *player_dir,
    struct htmlexport_stats *st, char **cause)
{
	struct hx_cast		 c;
	struct hx_player	 p;
	struct hx_list		 log;
	FILE			*fp = NULL;
	char			*log_path = NULL, *tmp = NULL;
	int			 rc = -1;

	memset(&c, 0, sizeof c);
	c.elided_from = -1;
	memset(&p, 0, sizeof p);
	memset(&log, 0, sizeof log);
	memset(st, 0, sizeof *st);
	if (commands_path != NULL)
		log_path = xstrdup(commands_path);
	else
		log_path = marks_path(cast_path);
	if (hx_same_file(out_path, cast_path) ||
	    hx_same_file(out_path, log_path)) {
		xasprintf(cause, "'%s' is the recording or its log: not "
		    "overwriting it", out_path);
		goto out;
	}
	if (hx_player_load(player_dir, &p, cause) != 0 ||
	    hx_cast_load(cast_path, &c, cause) != 0 ||
	    hx_log_load(log_path, &log, st, cause) != 0)
		goto out;
	if ((fp = hx_tmp_open(out_path, &tmp, cause)) == NULL)
		goto out;
	if (hx_write_page(fp, &c, &p, &log, st, cast_path, log_path,
	    cause) != 0)
		goto out;
	rc = hx_tmp_close(fp, tmp, out_path, cause);
	fp = NULL;
	if (rc != 0)
		goto out;
	free(tmp);
	tmp = NULL;			/* renamed: nothing to remove */
	st->nevents = c.nevents;
	st->ncommands = log.n;
	st->nmarkers = c.markers.n;
	st->truncated = c.truncated;
	st->duration = c.duration;
	st->elided_from = c.elided_from;
out:
	if (fp != NULL)
		fclose(fp);
	if (tmp != NULL) {
		unlink(tmp);
		free(tmp);
	}
	free(log_path);
	hx_list_release(&log);
	hx_cast_release(&c);
	hx_player_release(&p);
	return rc;
}
