/*
 * escape.c - text the candidate controls, fit to show a reviewer (see
 * escape.h for what each function writes).
 *
 * One byte in never takes more than ESCAPE_GROWTH bytes out: "\xHH" for
 * a byte, "\u0085" for a two-byte character, "\U000e0041" for a
 * four-byte one. Markdown adds at most MD_GROWTH ("&#126;" for "~").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "utf8.h"
#include "util.h"

#define ESCAPE_GROWTH	4
#define MD_GROWTH	6

/* The code point of the well-formed n-byte UTF-8 character at s. */
static unsigned long
escape_codepoint(const unsigned char *s, size_t n)
{
	unsigned long	 cp;
	size_t		 i;

	if (n == 1)
		return s[0];
	cp = s[0] & (0xffu >> (n + 1));
	for (i = 1; i < n; i++)
		cp = cp << 6 | (s[i] & 0x3f);
	return cp;
}

/*
 * Characters shown as \u: C1 controls, which some terminals obey, and
 * those that change how the text around them looks without being seen.
 */
static int
escape_hidden(unsigned long cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c ||
	    (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202e) ||
	    (cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff ||
	    (cp >= 0xe0000 && cp <= 0xe007f);
}

/* One ASCII character at w; returns the end of what was written. */
static char *
escape_ascii(char *w, unsigned char c)
{
	static const char	 ctl[] = "\a\b\t\n\v\f\r\033\\";
	static const char	 name[] = "abtnvfre\\";
	const char		*at;

	if (c >= 0x20 && c != 0x7f && c != '\\') {
		*w++ = (char)c;
		return w;
	}
	if (c != '\0' && (at = strchr(ctl, c)) != NULL) {
		*w++ = '\\';
		*w++ = name[at - ctl];
		return w;
	}
	return w + sprintf(w, "\\x%02x", c);
}

char *
escape_text(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	const unsigned char	*end = p + strlen(s);
	unsigned long		 cp;
	char			*out, *w;
	size_t			 n;

	w = out = xreallocarray(NULL, (size_t)(end - p) + 1, ESCAPE_GROWTH);
	while (p < end) {
		if ((n = utf8_char(p, (size_t)(end - p))) == 0)
			w += sprintf(w, "\\x%02x", *p++);
		else if (n == 1)
			w = escape_ascii(w, *p++);
		else {
			if (escape_hidden(cp = escape_codepoint(p, n)))
				w += sprintf(w, cp > 0xffff ? "\\U%08lx" :
				    "\\u%04lx", cp);
			else {
				memcpy(w, p, n);
				w += n;
			}
			p += n;
		}
	}
	*w = '\0';
	return out;
}

/* What Markdown text needs instead of c, or NULL for c itself. */
static const char *
escape_md_char(char c, int leading)
{
	switch (c) {
	case '\\':
		return "\\\\";
	case '`':
		return "\\`";
	case '*':
		return "\\*";
	case '_':
		return "\\_";
	case '[':
		return "\\[";
	case ']':
		return "\\]";
	case '|':
		return "\\|";
	case '#':
		return leading ? "\\#" : NULL;
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '&':
		return "&amp;";
	case '~':
		return "&#126;";
	}
	return NULL;
}

char *
escape_markdown(const char *s)
{
	char		*t = escape_text(s), *out, *w;
	const char	*p, *r;
	int		 leading = 1;

	w = out = xreallocarray(NULL, strlen(t) + 1, MD_GROWTH);
	for (p = t; *p != '\0'; p++) {
		if ((r = escape_md_char(*p, leading)) != NULL)
			w = stpcpy(w, r);
		else
			*w++ = *p;
		if (*p != ' ')
			leading = 0;
	}
	*w = '\0';
	free(t);
	return out;
}

char *
escape_markdown_code(const char *s)
{
	char	*t = escape_text(s), *out, *w;
	size_t	 len = strlen(t), run = 0, fence = 1, i;
	int	 pad;

	if (len == 0)
		return t;
	for (i = 0; i < len; i++) {
		run = t[i] == '`' ? run + 1 : 0;
		if (run >= fence)
			fence = run + 1;
	}
	pad = t[0] == '`' || t[len - 1] == '`' || (t[0] == ' ' &&
	    t[len - 1] == ' ' && strspn(t, " ") != len);
	w = out = xmalloc(2 * len + 2 * fence + 3);
	memset(w, '`', fence);
	w += fence;
	if (pad)
		*w++ = ' ';
	for (i = 0; i < len; i++) {
		if (t[i] == '|')
			*w++ = '\\';
		*w++ = t[i];
	}
	if (pad)
		*w++ = ' ';
	memset(w, '`', fence);
	w[fence] = '\0';
	free(t);
	return out;
}
