/*
 * player.c - playing recordings back (see player.h).
 *
 * The output events become frames with times that never go backwards,
 * read from the recording as they are played: memory holds one frame
 * (one line of the file), what is gathered for a write, and the stops
 * for 'n', never the recording. A first pass finds where it ends and
 * its markers; going back in time reads it again from the start (the
 * screen has to be written again from there anyway).
 * Playing keeps one anchor: at wall time base (monotonic clock) the
 * recording was at time pos; frame i is due at
 * base + min(t[i] - pos, idle_limit) / speed, and each frame written
 * moves the anchor to itself, so late writes are caught up rather than
 * shifting everything after them. Pausing, seeking and changing speed
 * just move the anchor.
 */
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cast.h"
#include "player.h"
#include "record.h"
#include "util.h"

#define PLAYER_TICK_MS	200		/* longest poll(2) wait */
#define PLAYER_FLUSH	(64 * 1024)	/* bytes gathered before a write */

/*
 * Back to a blank screen in a known state before writing everything up
 * to an earlier time again: out of the alternate screen, attributes,
 * scroll region, origin mode, autowrap, insert mode, G0 charset, cursor.
 */
static const char player_clear[] = "\033[?1049l\033[0m\033[r\033[?6l"
    "\033[?7h\033[4l\033(B\033[?25h\033[H\033[2J";

static volatile sig_atomic_t	 player_never;	/* a stop never asked */

struct player_frame {
	double		 t;
	const char	*data;		/* the reader's: valid until it reads */
	size_t		 len;
};

struct player {
	struct cast_file	*f;
	struct player_opts	 o;
	double			 end;		/* last time played */
	double			 elided;	/* output left out from; -1 */
	double			*stops;		/* for 'n' */
	size_t			 nstops, stops_alloc;

	/* Reading: the next "o" event up to o.to, if have_frame. */
	struct player_frame	 frame;
	int			 have_frame;
	double			 read_t;	/* latest time read */

	/* While playing. */
	int			 out;
	volatile sig_atomic_t	*stop;
	char			*error;		/* reading or writing failed */
	double			 shown;		/* last frame written; -1 */
	double			 pos;		/* recording time at base */
	double			 base;		/* wall time, seconds */
	int			 paused, quit;
	unsigned		 status_row;	/* status line shown there */
	char			*buf;		/* output not written yet */
	size_t			 len, cap;
	unsigned char		 key[16];	/* escape sequence so far */
	size_t			 nkey;
};

static double
player_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
player_add_stop(struct player *p, double t)
{
	if (p->nstops == PLAYER_STOPS_MAX)
		return;
	if (p->nstops == p->stops_alloc) {
		p->stops_alloc = p->stops_alloc == 0 ? 16 : p->stops_alloc * 2;
		p->stops = xreallocarray(p->stops, p->stops_alloc,
		    sizeof *p->stops);
	}
	p->stops[p->nstops++] = t;
}

/*
 * The next "o" event up to o.to into p->frame, with its time made never
 * to go back: 1, 0 when there is none, -1 with p->error set. Marker
 * stops are taken on the first pass (first set).
 */
static int
player_read(struct player *p, int first)
{
	struct cast_event	 ev;
	uint64_t		 bytes;
	int			 rc;

	p->have_frame = 0;
	while ((rc = cast_next(p->f, &ev, &p->error)) == 1) {
		if (ev.time > p->read_t)
			p->read_t = ev.time;
		if (p->read_t > p->o.to)
			return 0;
		if (first && ev.code == CAST_MARKER) {
			player_add_stop(p, p->read_t);
			if (p->elided < 0 && record_marker_elided(ev.data,
			    &bytes) == RECORD_MARK_FROM)
				p->elided = p->read_t;
		}
		if (ev.code != CAST_OUTPUT)
			continue;
		p->frame.t = p->read_t;
		p->frame.data = ev.data;
		p->frame.len = ev.len;
		p->have_frame = 1;
		return 1;
	}
	return rc;
}

/* Back to the first frame. 0, or -1 with p->error set. */
static int
player_restart(struct player *p)
{
	if (cast_rewind(p->f, &p->error) != 0)
		return -1;
	p->read_t = 0;
	return player_read(p, 0) == -1 ? -1 : 0;
}

struct player *
player_new(struct cast_file *f, const struct player_opts *o, char **cause)
{
	struct player	*p;
	int		 rc;

	p = xcalloc(1, sizeof *p);
	p->f = f;
	p->o = *o;
	p->elided = -1;
	p->shown = -1;
	p->stop = &player_never;
	while ((rc = player_read(p, 1)) == 1)
		;
	p->end = p->read_t < o->to ? p->read_t : o->to;
	if (rc == -1 || player_restart(p) != 0) {
		*cause = p->error;
		p->error = NULL;
		player_free(p);
		return NULL;
	}
	return p;
}

double
player_elided(const struct player *p)
{
	return p->elided;
}

void
player_free(struct player *p)
{
	if (p == NULL)
		return;
	free(p->stops);
	free(p->buf);
	free(p->error);
	free(p);
}

/* A "start" from each line of the commands log in buf. */
static void
player_parse_commands(struct player *p, const char *buf, size_t len)
{
	const char	*line = buf, *nl, *end = buf + len;
	json_t		*j, *start;

	for (; line < end; line = nl + 1) {
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
			nl = end;
		j = json_loadb(line, (size_t)(nl - line), 0, NULL);
		start = json_object_get(j, "start");
		if (json_is_number(start) && json_number_value(start) >= 0 &&
		    json_number_value(start) <= p->end)
			player_add_stop(p, json_number_value(start));
		json_decref(j);
	}
}

int
player_add_commands(struct player *p, const char *path, char **cause)
{
	struct stat	 st;
	char		*buf = NULL;
	size_t		 have = 0;
	ssize_t		 n;
	int		 fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 0;
		xasprintf(cause, "cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > PLAYER_COMMANDS_MAX) {
		xasprintf(cause, "'%s' is not a commands log (a regular file "
		    "up to %d MiB)", path, PLAYER_COMMANDS_MAX >> 20);
		goto out;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	while (have < (size_t)st.st_size) {
		n = read(fd, buf + have, (size_t)st.st_size - have);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			xasprintf(cause, "cannot read '%s': %s", path,
			    strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		have += (size_t)n;
	}
	player_parse_commands(p, buf, have);
	rc = 0;
out:
	free(buf);
	close(fd);
	return rc;
}

static void
player_put(struct player *p, const char *data, size_t len)
{
	if (len == 0)
		return;		/* p->buf may still be NULL */
	if (p->cap - p->len < len) {
		while (p->cap - p->len < len)
			p->cap = p->cap == 0 ? PLAYER_FLUSH * 2 : p->cap * 2;
		p->buf = xreallocarray(p->buf, 1, p->cap);
	}
	memcpy(p->buf + p->len, data, len);
	p->len += len;
}

/*
 * Write what was gathered. A write interrupted once *stop is set gives
 * up on the rest: the reviewer wants out, not the end of a long screen.
 */
static int
player_flush(struct player *p, volatile sig_atomic_t *stop, char **cause)
{
	struct pollfd	 pfd;
	size_t		 off = 0;
	ssize_t		 n;

	while (off < p->len && !*stop) {
		if ((n = write(p->out, p->buf + off, p->len - off)) >= 0) {
			off += (size_t)n;
			continue;
		}
		if (errno == EAGAIN) {
			pfd.fd = p->out;
			pfd.events = POLLOUT;
			(void)poll(&pfd, 1, PLAYER_TICK_MS);
		} else if (errno != EINTR) {
			xasprintf(cause, "cannot write the output: %s",
			    strerror(errno));
			return -1;
		}
	}
	p->len = 0;
	return 0;
}

/*
 * A frame into what is gathered, and the reader on to the next; what is
 * gathered is written when it is PLAYER_FLUSH or more, so that writing
 * everything up to a time costs no more memory than a frame. -1 with
 * p->error set if reading or writing failed.
 */
static int
player_frame(struct player *p)
{
	player_put(p, p->frame.data, p->frame.len);
	p->shown = p->frame.t;
	if (p->len >= PLAYER_FLUSH &&
	    player_flush(p, p->stop, &p->error) != 0)
		return -1;
	return player_read(p, 0) == -1 ? -1 : 0;
}

/* p->error handed to the caller as *cause. */
static int
player_failed(struct player *p, char **cause)
{
	*cause = p->error;
	p->error = NULL;
	return -1;
}

int
player_dump(struct player *p, int fd, char **cause)
{
	p->out = fd;
	p->stop = &player_never;
	if (player_restart(p) != 0)
		return player_failed(p, cause);
	while (p->have_frame) {
		if (p->frame.t < p->o.from) {
			if (player_read(p, 0) == -1)
				return player_failed(p, cause);
			continue;
		}
		if (player_frame(p) != 0)
			return player_failed(p, cause);
	}
	return player_flush(p, &player_never, cause);
}

/* Where the recording is now: the anchor moved on by the time since. */
static double
player_cur(const struct player *p, double now)
{
	double	 t, lim;

	if (p->paused)
		return p->pos;
	t = p->pos + (now - p->base) * p->o.speed;
	lim = p->have_frame ? p->frame.t : p->end;
	if (t > lim)
		t = lim;
	return t < p->pos ? p->pos : t;
}

/* "1:02.5", or "1:02:03.4" past an hour. */
static void
player_fmt_time(double t, char *buf, size_t len)
{
	long long	 s = (long long)t;
	double		 sec = (double)(s % 60) + (t - (double)s);

	if (s >= 3600)
		snprintf(buf, len, "%lld:%02lld:%04.1f", s / 3600,
		    s / 60 % 60, sec);
	else
		snprintf(buf, len, "%lld:%04.1f", s / 60, sec);
}

static void
player_unstatus(struct player *p)
{
	char	 seq[64];
	int	 n;

	if (p->status_row == 0)
		return;
	n = snprintf(seq, sizeof seq, "\0337\033[%u;1H\033[0m\033[2K\0338",
	    p->status_row);
	player_put(p, seq, (size_t)n);
	p->status_row = 0;
}

/* The paused line, reverse video on the bottom row, cursor kept. */
static void
player_status(struct player *p)
{
	struct winsize	 ws;
	unsigned	 rows = cast_file_header(p->f)->height;
	unsigned	 cols = cast_file_header(p->f)->width;
	char		 text[256], now[32], end[32], seq[384];
	int		 n;

	player_unstatus(p);
	if (ioctl(p->out, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0) {
		rows = ws.ws_row;
		cols = ws.ws_col;
	}
	player_fmt_time(p->pos, now, sizeof now);
	player_fmt_time(p->end, end, sizeof end);
	snprintf(text, sizeof text, " paused %s / %s  speed %gx   "
	    "space: play  left/right: 5s  n: next  +/-: speed  q: quit ",
	    now, end, p->o.speed);
	if (cols < sizeof text)
		text[cols - 1] = '\0';
	n = snprintf(seq, sizeof seq, "\0337\033[%u;1H\033[0;7m%s\033[0m"
	    "\033[K\0338", rows, text);
	player_put(p, seq, (size_t)n);
	p->status_row = rows;
}

/*
 * Go to recording time t: everything up to it is written at once, from
 * a cleared screen if it is before what is shown already.
 */
static void
player_seek(struct player *p, double t, double now)
{
	if (t > p->end)
		t = p->end;
	if (t < 0)
		t = 0;
	if (p->shown > t) {
		player_unstatus(p);
		player_put(p, player_clear, sizeof player_clear - 1);
		p->shown = -1;
		if (player_restart(p) != 0)
			return;
	}
	while (p->have_frame && p->frame.t <= t && !*p->stop) {
		player_unstatus(p);
		if (player_frame(p) != 0)
			return;
	}
	p->pos = t;
	p->base = now;
	if (p->paused)
		player_status(p);
}

/* Write the frames due by now; returns when the next one is due. */
static double
player_due(struct player *p, double now)
{
	double	 gap, due, t;

	while (p->have_frame && p->error == NULL) {
		gap = p->frame.t - p->pos;
		if (gap > p->o.idle_limit)
			gap = p->o.idle_limit;
		if (gap < 0)
			gap = 0;
		if ((due = p->base + gap / p->o.speed) > now)
			return due;
		t = p->frame.t;
		player_unstatus(p);
		if (player_frame(p) != 0)
			break;
		p->pos = t;
		p->base = due;
	}
	return now;
}

/* Re-anchor at now, so that a new speed or a pause counts from here. */
static void
player_anchor(struct player *p, double now)
{
	p->pos = player_cur(p, now);
	p->base = now;
}

static void
player_pause(struct player *p, double now)
{
	player_anchor(p, now);
	p->paused = !p->paused;
	if (p->paused)
		player_status(p);
	else
		player_unstatus(p);
}

static void
player_speed(struct player *p, double factor, double now)
{
	player_anchor(p, now);
	p->o.speed *= factor;
	if (p->o.speed > PLAYER_SPEED_MAX)
		p->o.speed = PLAYER_SPEED_MAX;
	if (p->o.speed < PLAYER_SPEED_MIN)
		p->o.speed = PLAYER_SPEED_MIN;
	if (p->paused)
		player_status(p);
}

static int
player_cmp_double(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The first stop after where the recording is, if any. */
static void
player_next_stop(struct player *p, double now)
{
	double	 cur = player_cur(p, now);
	size_t	 i;

	for (i = 0; i < p->nstops; i++) {
		if (p->stops[i] > cur + 1e-6 && p->stops[i] <= p->end) {
			player_seek(p, p->stops[i], now);
			return;
		}
	}
}

/* One key: a byte, or the last byte of an arrow key's sequence. */
static void
player_key(struct player *p, int ch, double now)
{
	switch (ch) {
	case ' ':
		player_pause(p, now);
		break;
	case '+':
		player_speed(p, 2, now);
		break;
	case '-':
		player_speed(p, 0.5, now);
		break;
	case 'n':
		player_next_stop(p, now);
		break;
	case 'q':
	case 'Q':
	case 3:			/* ^C: the terminal is raw, no SIGINT */
		p->quit = 1;
		break;
	}
}

/*
 * Bytes read from the keyboard. Arrows are ESC [ C or ESC O C (a
 * recording may have switched the terminal to application cursor keys),
 * maybe with parameters (ESC [ 1 ; 2 C with shift); other sequences are
 * ignored whole.
 */
static void
player_input(struct player *p, const unsigned char *in, size_t len,
    double now)
{
	unsigned char	 ch;
	size_t		 i;

	for (i = 0; i < len; i++) {
		ch = in[i];
		if (p->nkey == 1 && ch != '[' && ch != 'O')
			p->nkey = 0;	/* a lone ESC: ch is a key of its own */
		if (p->nkey == 0) {
			if (ch == 0x1b)
				p->key[p->nkey++] = ch;
			else
				player_key(p, ch, now);
			continue;
		}
		p->key[p->nkey++] = ch;
		if (p->nkey == 2 || (p->key[1] == '[' && ch >= 0x20 &&
		    ch < 0x40 && p->nkey < sizeof p->key))
			continue;
		p->nkey = 0;
		if (ch == 'C')
			player_seek(p, player_cur(p, now) + PLAYER_SEEK_STEP,
			    now);
		else if (ch == 'D')
			player_seek(p, player_cur(p, now) - PLAYER_SEEK_STEP,
			    now);
	}
}

/* Wait for a key or until due (wall time); read the keys if any. */
static void
player_wait(struct player *p, int *in_fd, double due, double now)
{
	struct pollfd	 pfd;
	unsigned char	 in[64];
	double		 ms = (due - now) * 1000;
	ssize_t		 n;
	int		 timeout;

	timeout = p->paused || ms > PLAYER_TICK_MS ? PLAYER_TICK_MS :
	    ms < 0 ? 0 : (int)ms + 1;
	pfd.fd = *in_fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	if (poll(&pfd, *in_fd == -1 ? 0 : 1, timeout) <= 0)
		return;
	if (pfd.revents & (POLLHUP | POLLERR | POLLNVAL)) {
		*in_fd = -1;			/* no more keys */
		return;
	}
	if ((n = read(*in_fd, in, sizeof in)) > 0)
		player_input(p, in, (size_t)n, player_now());
	else if (n == -1 && errno != EINTR && errno != EAGAIN)
		*in_fd = -1;
}

int
player_play(struct player *p, int in_fd, int out_fd,
    volatile sig_atomic_t *stop, char **cause)
{
	double	 now, due;
	int	 rc = -1;

	if (p->nstops > 0)
		qsort(p->stops, p->nstops, sizeof *p->stops,
		    player_cmp_double);
	p->out = out_fd;
	p->stop = stop;
	p->paused = p->quit = 0;
	p->shown = -1;
	if (player_restart(p) != 0)
		goto out;
	now = player_now();
	player_seek(p, p->o.from, now);
	while (!*stop && !p->quit && p->error == NULL) {
		now = player_now();
		due = p->paused ? now : player_due(p, now);
		if (p->error != NULL || player_flush(p, stop, &p->error) != 0)
			break;
		if (!p->paused && !p->have_frame)
			break;
		player_wait(p, &in_fd, due, now);
	}
	if (p->error == NULL)
		rc = 0;
out:
	player_unstatus(p);
	if (rc == 0 && player_flush(p, &player_never, &p->error) != 0)
		rc = -1;
	p->len = 0;
	p->stop = &player_never;
	if (rc != 0)
		return player_failed(p, cause);
	return 0;
}
