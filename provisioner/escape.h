/*
 * escape.h - text the candidate controls (a command line, a check's
 * output, anything from the guest or a recording), made fit to show a
 * reviewer. On a terminal nothing in it can move the cursor, change a
 * colour or the title, or start a line; in Markdown nothing in it can end
 * a table cell or add markup; and two different texts never look the
 * same, so a command cannot pass itself off as two, or as another.
 *
 * escape_text() writes, the way bash's $'...' reads them:
 *
 *	\\			a backslash
 *	\a \b \t \n \v \f \r \e	BEL, BS, tab, newline, VT, FF, CR, ESC
 *	\xHH			any other C0 control, DEL, and each byte that
 *				is not part of well-formed UTF-8
 *	\uHHHH, \UHHHHHHHH	the C1 controls (U+0080 to U+009F), and the
 *				characters that change how the text around
 *				them is shown without being seen: direction
 *				marks, embeddings, overrides and isolates,
 *				zero-width ones, line and paragraph
 *				separators, the byte order mark, tags
 *
 * and every other character (printable ASCII, the rest of well-formed
 * UTF-8) as it is. So a backslash in the output always starts one of
 * these, and a literal "\n" typed by the candidate shows as "\\n".
 */
#ifndef BREAKFIX_ESCAPE_H
#define BREAKFIX_ESCAPE_H

/* s, any bytes up to its NUL, escaped as above. Newly allocated. */
char	*escape_text(const char *s);

/*
 * escape_text(s) as Markdown text (CommonMark, with GitHub's tables) in
 * a table cell, a heading or a paragraph, which renders as escape_text(s)
 * shows on a terminal: \ ` * _ [ ] | and a leading # get a backslash,
 * < > & ~ are written &lt; &gt; &amp; &#126;. Newly allocated.
 */
char	*escape_markdown(const char *s);

/*
 * escape_text(s) as a Markdown code span for a table cell, backticks
 * included: fenced with one backtick more than the longest run of them
 * inside, padded with a space on each side where CommonMark would
 * otherwise take one away or see the fence go on, and each | written \|
 * (GitHub's tables end a cell at any other |, even in a code span).
 * "" gives "". Newly allocated.
 */
char	*escape_markdown_code(const char *s);

#endif
