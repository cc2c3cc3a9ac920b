/*
 * test_caps.c - what keeps a session's files bounded, and what reads
 * them in bounded memory: the recording's caps on output (elided, with
 * its markers) and on input (never elided: refused), events split at
 * RECORD_EVENT_MAX, the commands log's cap, and the readers (cast_open,
 * commands_load, the player, the HTML export) on a recording at its
 * cap. Recordings are sealed as the gateway seals them, with a key made
 * for the test, and must verify intact.
 */
#include <sys/random.h>
#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>

#include "cast.h"
#include "chain.h"
#include "commands.h"
#include "file-fixture.h"
#include "htmlexport.h"
#include "marks.h"
#include "player.h"
#include "record.h"
#include "seal.h"
#include "units.h"
#include "util.h"
#include "verify.h"

static char		 dir[] = "/tmp/test_caps.XXXXXX";
static struct seal_key	*seal_key;

static const struct record_header hdr = {
	80, 24, 1700000000, "xterm-256color", "/bin/bash",
	"exercise caps-0001: candidate ada"
};

/* A recording being written, and the seal file beside it. */
struct rec {
	char		*path;
	struct record	*r;
	int		 seal_fd;
	char		 name[SEAL_NAME_MAX + 1];
};

static char *
new_path(const char *name)
{
	static int	 n;
	char		*p;

	xasprintf(&p, "%s/%02d-%s.cast", dir, n++, name);
	return p;
}

static void
seal_write(struct rec *w, struct seal *s)
{
	char	*line, *cause = NULL;

	snprintf(s->rec, sizeof s->rec, "%s", w->name);
	s->t = util_now_ms();
	if ((line = seal_sign(seal_key, s, &cause)) == NULL)
		fail_msg("seal_sign: %s", cause);
	assert_int_equal(util_write_all(w->seal_fd, line, strlen(line)), 0);
	free(line);
}

/* A recording with caps, its opening sealed as the gateway seals it. */
static void
rec_open(struct rec *w, const char *name, uint64_t out_max, uint64_t in_max)
{
	unsigned char	 ckey[CHAIN_KEY_LEN];
	struct seal	 s;
	char		*cause = NULL, *seals;

	memset(w, 0, sizeof *w);
	w->path = new_path(name);
	snprintf(w->name, sizeof w->name, "%s", w->path + strlen(dir) + 1);
	assert_int_equal(getrandom(ckey, sizeof ckey, 0), sizeof ckey);
	if ((w->r = record_open(w->path, &hdr, ckey, sizeof ckey,
	    &cause)) == NULL)
		fail_msg("record_open: %s", cause);
	record_set_caps(w->r, out_max, in_max);
	xasprintf(&seals, "%s%s", w->path, SEAL_SUFFIX);
	w->seal_fd = open(seals, O_WRONLY | O_CREAT | O_EXCL, 0640);
	assert_int_not_equal(w->seal_fd, -1);
	free(seals);
	memset(&s, 0, sizeof s);
	s.kind = SEAL_OPEN;
	snprintf(s.ex, sizeof s.ex, "caps-0001");
	memcpy(s.chain_key, ckey, sizeof ckey);
	seal_write(w, &s);
}

/* Finished, its end sealed; w->path stays (the caller frees it). */
static void
rec_close(struct rec *w)
{
	struct seal	 s;
	uint64_t	 n;
	char		*cause = NULL;

	memset(&s, 0, sizeof s);
	if (record_finish(w->r, &n, s.head, &cause) != 0)
		fail_msg("record_finish: %s", cause);
	s.kind = SEAL_END;
	s.n = n;
	seal_write(w, &s);
	assert_int_equal(close(w->seal_fd), 0);
	w->r = NULL;
}

static void
assert_intact(const char *path)
{
	struct verify_result	 res;
	struct seal_key		*pub;
	char			*cause = NULL, *pubpath;

	xasprintf(&pubpath, "%s/seal.pub", dir);
	if ((pub = seal_key_public(pubpath, &cause)) == NULL)
		fail_msg("seal_key_public: %s", cause);
	if (verify_recording(path, pub, &res, &cause) != 0)
		fail_msg("verify_recording: %s", cause);
	if (res.verdict != VERIFY_INTACT)
		fail_msg("%s: %s (%s)", path, verify_verdict_name(res.verdict),
		    res.why != NULL ? res.why : "");
	seal_key_free(pub);
	free(pubpath);
}

static void
spew(const char *path, const char *buf, size_t len)
{
	int	 fd;

	assert_int_not_equal(fd = open(path, O_WRONLY | O_CREAT | O_TRUNC,
	    0600), -1);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

static off_t
file_size(const char *path)
{
	struct stat	 st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

static void
put(struct record *r, int input, const void *buf, size_t len, int want)
{
	char	*cause = NULL;
	int	 rc;

	rc = input ? record_input(r, buf, len, &cause) :
	    record_output(r, buf, len, &cause);
	if (rc == -1)
		fail_msg("record_%s: %s", input ? "input" : "output", cause);
	assert_int_equal(rc, want);
}

/* What a recording holds, event by event, and its lines' sizes. */
struct tally {
	uint64_t	 out_bytes, in_bytes;	/* of the lines and their
						   chain entries */
	size_t		 longest;		/* line */
	size_t		 from, counts;		/* elision markers */
	size_t		 full;			/* input-full markers */
	uint64_t	 elided;		/* the count's */
	size_t		 events;
	int		 out_after;		/* "o" after "from" */
	int		 in_after;		/* "i" after "from" */
	char		*out, *in;		/* the streams' text */
	size_t		 out_len, in_len;
};

static void
append(char **s, size_t *len, const char *data, size_t n)
{
	*s = xreallocarray(*s, *len + n + 1, 1);
	memcpy(*s + *len, data, n);
	*len += n;
	(*s)[*len] = '\0';
}

static void
tally_event(struct tally *t, const struct cast_event *ev, size_t linelen)
{
	uint64_t	 bytes;

	if (linelen > t->longest)
		t->longest = linelen;
	t->events++;
	linelen += CHAIN_HEX_LEN + 1;
	switch (ev->code) {
	case CAST_OUTPUT:
		t->out_bytes += linelen;
		t->out_after |= t->from > 0;
		append(&t->out, &t->out_len, ev->data, ev->len);
		break;
	case CAST_INPUT:
		t->in_bytes += linelen;
		t->in_after |= t->from > 0;
		append(&t->in, &t->in_len, ev->data, ev->len);
		break;
	case CAST_RESIZE:
		t->in_bytes += linelen;
		break;
	case CAST_MARKER:
		switch (record_marker_elided(ev->data, &bytes)) {
		case RECORD_MARK_FROM:
			t->from++;
			break;
		case RECORD_MARK_COUNT:
			t->counts++;
			t->elided = bytes;
			break;
		}
		if (strncmp(ev->data, RECORD_INPUT_FULL,
		    strlen(RECORD_INPUT_FULL)) == 0)
			t->full++;
		break;
	}
}

/* Every event of path, read as the tools read it, with its line length. */
static void
tally(const char *path, struct tally *t)
{
	struct cast_file	*f;
	struct cast_event	 ev;
	char			*cause = NULL, *buf;
	size_t			 len;
	FILE			*fp;
	int			 rc;

	memset(t, 0, sizeof *t);
	assert_non_null(fp = fopen(path, "r"));
	buf = xmalloc(CAST_LINE_MAX);
	assert_non_null(fgets(buf, CAST_LINE_MAX, fp));	/* the header */
	if ((f = cast_open(path, &cause)) == NULL)
		fail_msg("cast_open: %s", cause);
	while ((rc = cast_next(f, &ev, &cause)) == 1) {
		assert_non_null(fgets(buf, CAST_LINE_MAX, fp));
		len = strlen(buf);
		assert_true(len > 0 && buf[len - 1] == '\n');
		tally_event(t, &ev, len);
	}
	if (rc != 0)
		fail_msg("cast_next: %s", cause);
	assert_null(fgets(buf, CAST_LINE_MAX, fp));
	assert_false(cast_file_notes(f)->truncated);
	cast_close(f);
	fclose(fp);
	free(buf);
}

static void
tally_free(struct tally *t)
{
	free(t->out);
	free(t->in);
}

/*
 * Output past the cap is elided: one marker where it starts, one at the
 * end with the exact count, no output after it, all the input kept.
 */
static void
test_output_cap(void **state)
{
	struct rec	 w;
	struct tally	 t;
	char		 line[64], *typed = NULL, *all = NULL;
	size_t		 typed_len = 0, all_len = 0, i;
	int		 n;

	(void)state;
	rec_open(&w, "output", 16384, RECORD_INPUT_MAX);
	for (i = 0; i < 2000; i++) {
		n = snprintf(line, sizeof line, "line %zu of the flood\r\n", i);
		put(w.r, 0, line, (size_t)n, 0);
		append(&all, &all_len, line, (size_t)n);
		if (i % 100 == 0) {
			n = snprintf(line, sizeof line, "k%zu", i);
			put(w.r, 1, line, (size_t)n, 0);
			append(&typed, &typed_len, line, (size_t)n);
		}
	}
	assert_true(record_elided(w.r) > 0);
	rec_close(&w);

	tally(w.path, &t);
	assert_true(t.out_bytes <= 16384);
	assert_true(t.out_bytes > 16384 - t.longest - CHAIN_HEX_LEN - 1);
	assert_int_equal(t.from, 1);
	assert_int_equal(t.counts, 1);
	assert_false(t.out_after);
	assert_true(t.in_after);
	assert_int_equal(t.out_len + t.elided, all_len);
	assert_memory_equal(t.out, all, t.out_len);
	assert_int_equal(t.in_len, typed_len);
	assert_memory_equal(t.in, typed, typed_len);
	assert_intact(w.path);
	tally_free(&t);
	free(typed);
	free(all);
	free(w.path);
}

/*
 * The cap counts bytes of the .cast: a control character is six. A
 * chunk that does not fit is elided whole, the bytes held back for a
 * split character with it; nothing of the stream is written after.
 */
static void
test_output_cap_escaped(void **state)
{
	struct rec	 w;
	struct tally	 t;
	char		 ctl[1000];

	(void)state;
	memset(ctl, 0x01, sizeof ctl);
	rec_open(&w, "escaped", 8192, RECORD_INPUT_MAX);
	put(w.r, 0, ctl, sizeof ctl, 0);	/* about 6000 bytes */
	put(w.r, 0, "ab\xe2\x82", 4, 0);	/* the euro sign waits */
	put(w.r, 0, ctl, sizeof ctl, 0);	/* does not fit */
	put(w.r, 0, "\xac tail", 6, 0);
	assert_int_equal(record_elided(w.r), 2 + sizeof ctl + 6);
	rec_close(&w);
	tally(w.path, &t);
	assert_true(t.out_bytes <= 8192);
	assert_int_equal(t.out_len, sizeof ctl + 2);
	assert_int_equal(t.from, 1);
	assert_int_equal(t.counts, 1);
	assert_int_equal(t.elided, 2 + sizeof ctl + 6);
	assert_intact(w.path);
	tally_free(&t);
	free(w.path);
}

/*
 * Input is never elided: past its cap the writer says so once, and
 * refuses it and every resize after (RECORD_FULL), while output goes on
 * being recorded. What was accepted is all there.
 */
static void
test_input_cap(void **state)
{
	struct rec	 w;
	struct tally	 t;
	char		 key[100], *accepted = NULL, *cause = NULL;
	size_t		 accepted_len = 0, i;

	(void)state;
	memset(key, 'k', sizeof key);
	rec_open(&w, "input", RECORD_OUTPUT_MAX, 4096);
	for (i = 0; record_input(w.r, key, sizeof key, &cause) == 0; i++)
		append(&accepted, &accepted_len, key, sizeof key);
	assert_null(cause);
	assert_true(i > 10 && i < 40);
	put(w.r, 1, "more", 4, RECORD_FULL);
	assert_int_equal(record_resize(w.r, 100, 30, &cause), RECORD_FULL);
	put(w.r, 0, "output goes on", 14, 0);
	rec_close(&w);
	tally(w.path, &t);
	assert_true(t.in_bytes <= 4096);
	assert_int_equal(t.full, 1);
	assert_int_equal(t.from, 0);
	assert_int_equal(t.in_len, accepted_len);
	assert_memory_equal(t.in, accepted, accepted_len);
	assert_int_equal(t.out_len, 14);
	assert_intact(w.path);
	tally_free(&t);
	free(accepted);
	free(w.path);
}

/* A resize counts as input: a flood of them fills its cap too. */
static void
test_resize_cap(void **state)
{
	struct rec	 w;
	struct tally	 t;
	char		*cause = NULL;
	int		 i, rc;

	(void)state;
	rec_open(&w, "resize", RECORD_OUTPUT_MAX, 2048);
	for (i = 0; (rc = record_resize(w.r, 80 + (unsigned)i % 50, 24,
	    &cause)) == 0; i++)
		;
	assert_int_equal(rc, RECORD_FULL);
	assert_true(i > 10 && i < 100);
	put(w.r, 1, "x", 1, RECORD_FULL);
	rec_close(&w);
	tally(w.path, &t);
	assert_true(t.in_bytes <= 2048);
	assert_int_equal(t.full, 1);
	assert_intact(w.path);
	tally_free(&t);
	free(w.path);
}

/*
 * One byte at a time makes lines shorter than their chain entries: the
 * cap counts both, so the two files stay under it together.
 */
static void
test_tiny_events(void **state)
{
	struct rec	 w;
	char		*chain;
	int		 i;

	(void)state;
	rec_open(&w, "tiny", 65536, RECORD_INPUT_MAX);
	for (i = 0; i < 20000; i++)
		put(w.r, 0, "y", 1, 0);
	assert_true(record_elided(w.r) > 0);
	rec_close(&w);
	xasprintf(&chain, "%s%s", w.path, CHAIN_SUFFIX);
	/* The header, two markers and the chain's end line: under 1 KiB. */
	assert_true(file_size(w.path) + file_size(chain) <= 65536 + 1024);
	assert_true(file_size(w.path) + file_size(chain) > 65536 - 100);
	assert_intact(w.path);
	free(chain);
	free(w.path);
}

/* A long chunk is several events, none longer than 6 * RECORD_EVENT_MAX. */
static void
test_event_split(void **state)
{
	struct rec	 w;
	struct tally	 t;
	size_t		 len = 5 * RECORD_EVENT_MAX + 17;
	char		*chunk = xmalloc(len);

	(void)state;
	memset(chunk, 0x1b, len);
	rec_open(&w, "split", RECORD_OUTPUT_MAX, RECORD_INPUT_MAX);
	put(w.r, 0, chunk, len, 0);
	rec_close(&w);
	tally(w.path, &t);
	assert_int_equal(t.out_len, len);
	assert_memory_equal(t.out, chunk, len);
	assert_true(t.longest <= 6 * RECORD_EVENT_MAX + 64);
	assert_true(t.longest > 6 * (RECORD_EVENT_MAX - 1));
	assert_int_equal(t.from, 0);
	assert_intact(w.path);
	tally_free(&t);
	free(chunk);
	free(w.path);
}

/* The marker labels the readers recognise, and nothing else. */
static void
test_marker_labels(void **state)
{
	uint64_t	 n;

	(void)state;
	assert_int_equal(record_marker_elided(RECORD_ELIDED_FROM ": over the "
	    "recording's cap of 1048576 bytes of output", &n),
	    RECORD_MARK_FROM);
	assert_int_equal(record_marker_elided(RECORD_ELIDED ": 209715200 "
	    "bytes not recorded", &n), RECORD_MARK_COUNT);
	assert_int_equal(n, 209715200);
	assert_int_equal(record_marker_elided("output elided: x bytes not "
	    "recorded", &n), 0);
	assert_int_equal(record_marker_elided("output elided: 12 bytes", &n),
	    0);
	assert_int_equal(record_marker_elided("output elided: "
	    "99999999999999999999999 bytes not recorded", &n), 0);
	assert_int_equal(record_marker_elided("connected from 10.0.0.1", &n),
	    0);
	assert_int_equal(record_marker_elided("", &n), 0);
}

/*
 * The commands log stops at MARKS_LOG_MAX: long command lines, then a
 * flood of short ones, and it holds whole lines up to there, a prefix
 * of what was run.
 */
static void
test_marks_cap(void **state)
{
	struct marks	*m;
	char		*path = new_path("marks"), *cause = NULL, *mark;
	char		*b64 = xmalloc(40001), line[65536];
	const char	*flood = "\033]133;C\a\033]133;D;1\a";
	size_t		 i, n, lines = 0;
	FILE		*fp;

	(void)state;
	for (i = 0; i < 40000; i++)
		b64[i] = "QUJD"[i % 4];
	b64[40000] = '\0';
	xasprintf(&mark, "\033]133;C\a\033]7701;cmd;%s\a\033]133;D;0\a", b64);
	assert_non_null(m = marks_open(path, &cause));
	for (i = 0; i < 400; i++)
		assert_int_equal(marks_feed(m, (double)i, mark, strlen(mark),
		    &cause), 0);
	assert_true(marks_dropped(m) > 0);
	for (i = 0; i < 100000; i++)
		assert_int_equal(marks_feed(m, 400.0, flood, strlen(flood),
		    &cause), 0);
	n = marks_lines(m);
	assert_int_equal(marks_dropped(m), 400 + 100000 - n);
	assert_int_equal(marks_close(m, &cause), 0);
	assert_true(file_size(path) <= MARKS_LOG_MAX);
	assert_true(file_size(path) > MARKS_LOG_MAX - 30100);
	assert_non_null(fp = fopen(path, "r"));
	while (fgets(line, sizeof line, fp) != NULL) {
		assert_non_null(strchr(line, '\n'));
		assert_int_equal(strncmp(line, "{\"start\": ", 10), 0);
		lines++;
	}
	fclose(fp);
	assert_int_equal(lines, n);
	free(mark);
	free(b64);
	free(path);
}

/*
 * A session at the cap, as a flood leaves it: output up to the cap,
 * then elided, commands typed before and after.
 */
static char *
flood_session(uint64_t cap, uint64_t *flooded)
{
	struct rec	 w;
	char		*chunk = xmalloc(32768);
	uint64_t	 i;

	memset(chunk, 'y', 32768);
	for (i = 1; i < 32768; i += 2)
		chunk[i] = '\n';
	rec_open(&w, "flood", cap, RECORD_INPUT_MAX);
	put(w.r, 1, "yes | head -c 20M\r", 18, 0);
	put(w.r, 0, "$ yes | head -c 20M\r\n", 21, 0);
	for (i = 0; i < 2 * cap / 32768; i++)
		put(w.r, 0, chunk, 32768, 0);
	*flooded = i * 32768;
	put(w.r, 1, "echo after\r", 11, 0);
	put(w.r, 0, "after\r\n$ ", 9, 0);
	rec_close(&w);
	free(chunk);
	return w.path;
}

/* The recording's output, as the player writes it with no delays. */
static char *
dump(const char *path, size_t *len)
{
	struct player_opts	 o = { 1, 2, 0, 1e12 };
	struct cast_file	*f;
	struct player		*p;
	char			*cause = NULL, *out, *tmp = new_path("dump");
	int			 fd;

	if ((f = cast_open(path, &cause)) == NULL)
		fail_msg("cast_open: %s", cause);
	if ((p = player_new(f, &o, &cause)) == NULL)
		fail_msg("player_new: %s", cause);
	assert_true(player_elided(p) > 0);
	assert_int_not_equal(fd = open(tmp, O_RDWR | O_CREAT | O_EXCL, 0600),
	    -1);
	if (player_dump(p, fd, &cause) != 0)
		fail_msg("player_dump: %s", cause);
	close(fd);
	player_free(p);
	cast_close(f);
	out = fixture_slurp(tmp, len);
	unlink(tmp);
	free(tmp);
	return out;
}

/* The recording inlined in an exported page: the JS string decoded. */
static char *
embedded(const char *page, size_t *len)
{
	const char	*start, *end;
	json_t		*j;
	char		*s;

	assert_non_null(start = strstr(page, "var cast = "));
	start += strlen("var cast = ");
	assert_non_null(end = strstr(start, ";\nvar markers = "));
	if ((j = json_loadb(start, (size_t)(end - start), JSON_DECODE_ANY,
	    NULL)) == NULL || !json_is_string(j))
		fail_msg("the page's recording is not one JSON string");
	*len = json_string_length(j);
	s = xmalloc(*len + 1);
	memcpy(s, json_string_value(j), *len + 1);
	json_decref(j);
	return s;
}

/* A player that is only enough for export to inline. */
static char *
fake_player(void)
{
	static const char *const files[][2] = {
		{ "asciinema-player.min.js", "var AsciinemaPlayer = {};" },
		{ "asciinema-player.css", ".ap-player {}" },
		{ "LICENSE", "Apache License 2.0" },
		{ "VERSION", "3.18.0" },
	};
	char	*pdir, *p;
	size_t	 i;

	xasprintf(&pdir, "%s/player", dir);
	if (mkdir(pdir, 0700) != 0 && errno != EEXIST)
		fail_msg("mkdir %s: %s", pdir, strerror(errno));
	for (i = 0; i < nitems(files); i++) {
		xasprintf(&p, "%s/%s", pdir, files[i][0]);
		spew(p, files[i][1], strlen(files[i][1]));
		free(p);
	}
	return pdir;
}

/*
 * The page holds the whole recording, byte for byte, says where output
 * was elided, and counts every event.
 */
static void
export_at_cap(const char *path, const struct tally *t)
{
	struct htmlexport_stats	 st;
	char			*pdir = fake_player(), *out, *page, *cast;
	char			*file, *want, *cause = NULL;
	char			 size[UNITS_BUFSZ];
	size_t			 len, flen;

	xasprintf(&out, "%s/page.html", dir);
	if (htmlexport_write(path, NULL, out, pdir, &st, &cause) != 0)
		fail_msg("htmlexport_write: %s", cause);
	assert_int_equal(st.nevents, t->events);
	assert_true(st.elided_from > 0);
	page = fixture_slurp(out, &len);
	assert_non_null(strstr(page, "Output over the recording's cap was "
	    "not recorded from "));
	xasprintf(&want, " on (%s): the player's screen stops changing",
	    units_format_human(t->elided, size));
	assert_non_null(strstr(page, want));
	free(want);
	cast = embedded(page, &len);
	file = fixture_slurp(path, &flen);
	assert_int_equal(len, flen);
	assert_memory_equal(cast, file, flen);
	unlink(out);
	free(file);
	free(cast);
	free(page);
	free(out);
	free(pdir);
}

/*
 * Every reader on a recording at its cap: the events as written, the
 * output the player writes, the commands rebuilt from the keys typed,
 * the exported page.
 */
static void
test_readers_at_cap(void **state)
{
	struct command		*cmds;
	struct tally		 t;
	enum commands_source	 src;
	uint64_t		 flooded;
	char			*path, *out, *cause = NULL;
	size_t			 len, n;

	(void)state;
	path = flood_session(2 << 20, &flooded);
	tally(path, &t);
	assert_true(t.out_bytes <= 2 << 20);
	assert_int_equal(t.from, 1);
	assert_int_equal(t.counts, 1);
	assert_int_equal(t.out_len + t.elided, 21 + flooded + 9);
	assert_true(t.in_after);
	out = dump(path, &len);
	assert_int_equal(len, t.out_len);
	assert_memory_equal(out, t.out, len);
	if (commands_load(path, &cmds, &n, &src, &cause) != 0)
		fail_msg("commands_load: %s", cause);
	assert_int_equal(src, COMMANDS_INPUT);
	assert_int_equal(n, 2);
	assert_string_equal(cmds[0].text, "yes | head -c 20M");
	assert_string_equal(cmds[1].text, "echo after");
	commands_free(cmds, n);
	assert_intact(path);
	export_at_cap(path, &t);
	tally_free(&t);
	free(out);
	free(path);
}

static int
setup(void **state)
{
	char	*path, *cause = NULL;

	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	xasprintf(&path, "%s/seal", dir);
	seal_key = seal_key_open(path, 1, &cause);
	free(path);
	if (seal_key == NULL) {
		fprintf(stderr, "seal_key_open: %s\n", cause);
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	char	*cmd;
	int	 rc;

	(void)state;
	seal_key_free(seal_key);
	xasprintf(&cmd, "rm -rf '%s'", dir);
	rc = system(cmd);
	free(cmd);
	return rc;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_output_cap),
		cmocka_unit_test(test_output_cap_escaped),
		cmocka_unit_test(test_input_cap),
		cmocka_unit_test(test_resize_cap),
		cmocka_unit_test(test_tiny_events),
		cmocka_unit_test(test_event_split),
		cmocka_unit_test(test_marker_labels),
		cmocka_unit_test(test_marks_cap),
		cmocka_unit_test(test_readers_at_cap),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
