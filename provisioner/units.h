/*
 * units.h - sizes ("512M", "4G") and durations ("45m", "1h30m").
 *
 * Sizes are binary: K = 1024 bytes, M = 1024 K, and so on; "512M",
 * "512MiB" and "512MB" all mean 512 * 2^20 bytes. A bare number is
 * refused so that nobody wonders whether it means bytes or megabytes.
 * Durations are sums of <number><unit> with units s, m, h, d.
 */
#ifndef BREAKFIX_UNITS_H
#define BREAKFIX_UNITS_H

#include <stdint.h>

#define UNITS_BUFSZ 32

/*
 * Parse s into *bytes. Returns 0, or -1 with *cause set (caller frees).
 */
int	 units_parse_size(const char *s, uint64_t *bytes, char **cause);

/*
 * Parse s into *seconds. Returns 0, or -1 with *cause set (caller frees).
 */
int	 units_parse_duration(const char *s, uint64_t *seconds, char **cause);

/* Shortest exact spelling of bytes ("512M", "1536K"); returns buf. */
const char *units_format_size(uint64_t bytes, char buf[UNITS_BUFSZ]);
/* For people, rounded: "812 B", "1.5 KiB", "164 MiB", "8.0 GiB". */
const char *units_format_human(uint64_t bytes, char buf[UNITS_BUFSZ]);

/* Spelling of seconds as "1h30m", "45m", "10s", "0s"; returns buf. */
const char *units_format_duration(uint64_t seconds, char buf[UNITS_BUFSZ]);

#endif
