/* Diagnostics in systemtap's shape: message, token, location, source line and caret. */
#ifndef STAP_DIAG_H
#define STAP_DIAG_H

#include <stdbool.h>
#include <stddef.h>

struct srcfile {
	const char *name;	/* as shown to the user; "<input>" for -e */
	const char *text;	/* whole contents, NUL-terminated */
	size_t len;
	bool is_tapset;		/* from the tapset library */
};

/* Where a token or node came from. tok describes the token as the user sees it,
 * e.g. "identifier 'foo'", "operator '}'"; it may be NULL. */
struct srcloc {
	const struct srcfile *file;
	int line, col;
	const char *tok;
};

#define DIAG_SEEN 512

struct diag {
	unsigned long seen[DIAG_SEEN];	/* hashes of printed messages: no duplicates */
	int n_seen;
	bool last_dup;			/* the last error was a duplicate: skip its notes */
	int n_errors;
	int n_warnings;
	int n_suppressed;		/* warnings not shown again (diag_finish) */
	bool suppress_warnings;
	bool warnings_as_errors;	/* -W: each warning shown also counts as an error */
	const char *sgr[5];		/* --color: SGR of each enum diag_color, or NULL */
	int verbose;
};

/* the parts of a diagnostic --color paints, SYSTEMTAP_COLORS' keys */
enum diag_color { COLOR_ERROR, COLOR_WARNING, COLOR_SOURCE, COLOR_CARET, COLOR_TOKEN };

struct session;

void diag_error(struct session *s, const struct srcloc *loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void diag_warn(struct session *s, const struct srcloc *loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A parse error: "parse error: MSG / saw: TOK at LOC / source: ... ^". */
void diag_parse_error(struct session *s, const struct srcloc *loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A parse error that isn't about an unexpected token: "... / at: TOK at LOC / ...". */
void diag_parse_error_at(struct session *s, const struct srcloc *loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A second location for the last error ("type was first inferred here"). */
void diag_note(struct session *s, const struct srcloc *loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* An error with no source location (options, files, kernel). */
void diag_plain(struct session *s, const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* --color=WHEN (-1 never, 0 auto, 1 always): the colours from SYSTEMTAP_COLORS
 * ("error=01;31:warning=00;33:...", the default when unset; none when empty or
 * invalid), used when WHEN says so; auto means standard error is a terminal. */
void diag_set_colors(struct diag *d, int when);
/* At the end of a run: how many repeated warnings were not shown. */
void diag_finish(struct session *s);
struct strbuf;
/* Append to sb every name of cands once, prefixed by prefix, closest to name first
 * (ties in the order given), comma-separated: 4.8's "alternatives" lists. */
void diag_rank(const char *name, const char *const *cands, size_t n, const char *prefix,
	       struct strbuf *sb);
/* Fill buf with up to five names from cands closest to name, comma-separated. */
void diag_suggest(const char *name, const char *const *cands, size_t n, char *buf,
		  size_t len);

#define diag_internal(s, ...) diag_plain((s), "internal error", __VA_ARGS__)

#endif
