/*
 * units.c - sizes ("512M", "4G") and durations ("45m", "1h30m").
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "units.h"
#include "util.h"

/* Read a run of decimal digits into *v; returns the count read or -1. */
static int
units_digits(const char **sp, uint64_t *v)
{
	const char	*s = *sp;
	int		 n = 0;

	*v = 0;
	while (isdigit((unsigned char)*s)) {
		if (*v > (UINT64_MAX - 9) / 10)
			return -1;
		*v = *v * 10 + (uint64_t)(*s - '0');
		s++;
		n++;
	}
	*sp = s;
	return n;
}

static int
units_size_shift(char c)
{
	switch (toupper((unsigned char)c)) {
	case 'K':
		return 10;
	case 'M':
		return 20;
	case 'G':
		return 30;
	case 'T':
		return 40;
	}
	return -1;
}

int
units_parse_size(const char *s, uint64_t *bytes, char **cause)
{
	const char	*p = s;
	uint64_t	 v;
	int		 n, shift;

	if ((n = units_digits(&p, &v)) < 0) {
		xasprintf(cause, "size '%s' is too large", s);
		return -1;
	}
	if (n == 0 || *p == '\0' || (shift = units_size_shift(*p)) < 0)
		goto bad;
	p++;
	if (strcmp(p, "") != 0 && strcmp(p, "B") != 0 && strcmp(p, "iB") != 0)
		goto bad;
	if (v > (UINT64_MAX >> shift)) {
		xasprintf(cause, "size '%s' is too large", s);
		return -1;
	}
	*bytes = v << shift;
	return 0;
bad:
	xasprintf(cause, "'%s' is not a size (write a number and a unit: "
	    "512M, 4G)", s);
	return -1;
}

static uint64_t
units_duration_scale(char c)
{
	switch (c) {
	case 's':
		return 1;
	case 'm':
		return 60;
	case 'h':
		return 3600;
	case 'd':
		return 86400;
	}
	return 0;
}

int
units_parse_duration(const char *s, uint64_t *seconds, char **cause)
{
	const char	*p = s;
	uint64_t	 v, scale, total = 0;
	int		 n;

	if (*p == '\0')
		goto bad;
	while (*p != '\0') {
		if ((n = units_digits(&p, &v)) < 0)
			goto big;
		if (n == 0 || (scale = units_duration_scale(*p)) == 0)
			goto bad;
		p++;
		if (v > (UINT64_MAX - total) / scale)
			goto big;
		total += v * scale;
	}
	*seconds = total;
	return 0;
big:
	xasprintf(cause, "duration '%s' is too large", s);
	return -1;
bad:
	xasprintf(cause, "'%s' is not a duration (write a number and a unit: "
	    "90s, 45m, 1h30m)", s);
	return -1;
}

const char *
units_format_size(uint64_t bytes, char buf[UNITS_BUFSZ])
{
	static const char	 names[] = "KMGT";
	int			 i;

	for (i = 3; i >= 0; i--) {
		uint64_t unit = (uint64_t)1 << (10 * (i + 1));
		if (bytes != 0 && bytes % unit == 0) {
			snprintf(buf, UNITS_BUFSZ, "%llu%c",
			    (unsigned long long)(bytes / unit), names[i]);
			return buf;
		}
	}
	snprintf(buf, UNITS_BUFSZ, "%lluB", (unsigned long long)bytes);
	return buf;
}

const char *
units_format_human(uint64_t bytes, char buf[UNITS_BUFSZ])
{
	static const char *const names[] = { "KiB", "MiB", "GiB", "TiB" };
	double			 v = (double)bytes;
	int			 i = -1;

	while (v >= 1024 && i < 3) {
		v /= 1024;
		i++;
	}
	if (i < 0)
		snprintf(buf, UNITS_BUFSZ, "%llu B", (unsigned long long)bytes);
	else
		snprintf(buf, UNITS_BUFSZ, v < 10 ? "%.1f %s" : "%.0f %s", v,
		    names[i]);
	return buf;
}

const char *
units_format_duration(uint64_t seconds, char buf[UNITS_BUFSZ])
{
	static const struct {
		char		 unit;
		uint64_t	 scale;
	} parts[] = { { 'd', 86400 }, { 'h', 3600 }, { 'm', 60 }, { 's', 1 } };
	size_t	 i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < nitems(parts); i++) {
		uint64_t n = seconds / parts[i].scale;
		if (n == 0)
			continue;
		seconds -= n * parts[i].scale;
		off += (size_t)snprintf(buf + off, UNITS_BUFSZ - off, "%llu%c",
		    (unsigned long long)n, parts[i].unit);
	}
	if (off == 0)
		snprintf(buf, UNITS_BUFSZ, "0s");
	return buf;
}
