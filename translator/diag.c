/* Diagnostics in systemtap's shape: message, token, location, source line and caret. */
#include "diag.h"
#include "session.h"
#include "util.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* "\e[SGRm\e[K" before a painted part, "\e[m\e[K" after, as 4.8 paints them */
static void paint_on(const struct diag *d, enum diag_color c)
{
	if (d->sgr[c])
		fprintf(stderr, "\033[%sm\033[K", d->sgr[c]);
}

static void paint_off(const struct diag *d, enum diag_color c)
{
	if (d->sgr[c])
		fputs("\033[m\033[K", stderr);
}

static void painted(const struct diag *d, enum diag_color c, const char *text, int len)
{
	paint_on(d, c);
	fprintf(stderr, "%.*s", len, text);
	paint_off(d, c);
}

/* How many bytes of the source at P the token described by TOK covers: the quoted
 * text of "identifier 'foo'" when the source has it there, else a word, else 0. */
static size_t token_len(const char *tok, const char *p, const char *end)
{
	const char *q = tok ? strchr(tok, '\'') : NULL, *r = q ? strrchr(tok, '\'') : NULL;
	size_t n = 0;

	if (q && r > q + 1 && (size_t)(end - p) >= (size_t)(r - q - 1) &&
	    !strncmp(p, q + 1, (size_t)(r - q - 1)))
		return (size_t)(r - q - 1);
	while (p + n < end && (p[n] == '_' || p[n] == '$' || p[n] == '@' ||
			       (p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z') ||
			       (p[n] >= '0' && p[n] <= '9')))
		n++;
	return n;
}

static bool sgr_ok(const char *v, size_t n)
{
	size_t i;

	if (!n || n > 16)
		return false;
	for (i = 0; i < n; i++)
		if (!((v[i] >= '0' && v[i] <= '9') || v[i] == ';'))
			return false;
	return true;
}

void diag_set_colors(struct diag *d, int when)
{
	static const char *const keys[] = { "error", "warning", "source", "caret", "token" };
	static char buf[256];
	const char *env = getenv("SYSTEMTAP_COLORS"), *term = getenv("TERM");
	char *item, *save = NULL;
	const char *sgr[5] = { 0 };
	int i;

	memset(d->sgr, 0, sizeof(d->sgr));
	if (when < 0 || (when == 0 && (!isatty(2) || !term || !strcmp(term, "dumb"))))
		return;
	if (!env)
		env = "error=01;31:warning=00;33:source=00;34:caret=01:token=01";
	if (strlen(env) >= sizeof(buf))
		return;
	strcpy(buf, env);
	for (item = strtok_r(buf, ":", &save); item; item = strtok_r(NULL, ":", &save)) {
		char *eq = strchr(item, '=');

		for (i = 0; eq && i < 5; i++)
			if (strlen(keys[i]) == (size_t)(eq - item) &&
			    !strncmp(item, keys[i], (size_t)(eq - item)))
				break;
		if (!eq || i == 5 || !sgr_ok(eq + 1, strlen(eq + 1)))
			return;		/* invalid: no colours at all */
		sgr[i] = eq + 1;
	}
	memcpy(d->sgr, sgr, sizeof(sgr));
}

/* The source line of loc and a caret under its column; a long line is shown as a
 * window around the column. */
static void print_source(const struct diag *d, const struct srcloc *loc,
			 const char *prefix)
{
	const char *p, *end, *text, *from, *to, *at;
	int line = 1;
	size_t col, i, plen = strlen(prefix), tlen;

	if (!loc || !loc->file || !loc->file->text || loc->line < 1)
		return;
	text = loc->file->text;
	for (p = text; *p && line < loc->line; p++)
		if (*p == '\n')
			line++;
	if (line != loc->line)
		return;
	end = strchr(p, '\n');
	if (!end)
		end = p + strlen(p);
	col = loc->col > 0 ? (size_t)loc->col - 1 : 0;
	from = p;
	if (col > 80)
		from = p + col - 60;
	to = end;
	if (to - from > 160)
		to = from + 160;
	at = p + col < to ? p + col : to;
	tlen = d->sgr[COLOR_TOKEN] ? token_len(loc->tok, at, to) : 0;
	fprintf(stderr, "%s%s%.*s", prefix, from > p ? "..." : "", (int)(at - from), from);
	if (tlen)
		painted(d, COLOR_TOKEN, at, (int)tlen);
	fprintf(stderr, "%.*s%s\n", (int)(to - at - (ptrdiff_t)tlen), at + tlen,
		to < end ? "..." : "");
	for (i = 0; i < plen; i++)
		fputc(' ', stderr);
	if (from > p)
		fputs("   ", stderr);
	/* keep tabs so the caret lines up under the source text */
	for (i = 0; from + i < p + col && from + i < to; i++)
		fputc(from[i] == '\t' ? '\t' : ' ', stderr);
	painted(d, COLOR_CARET, "^", 1);
	fputc('\n', stderr);
}

static void print_at(const struct diag *d, const struct srcloc *loc)
{
	if (!loc || !loc->file)
		return;
	if (loc->tok)
		fprintf(stderr, ": %s", loc->tok);
	fputs(" at ", stderr);
	paint_on(d, COLOR_SOURCE);
	fprintf(stderr, "%s:%d:%d", loc->file->name, loc->line, loc->col);
	paint_off(d, COLOR_SOURCE);
}

/* Has this message at this place been printed already? (alias expansions copy code,
 * so one mistake can be found several times) */
static bool seen_before(struct session *s, const char *kind, const struct srcloc *loc,
			const char *fmt, va_list ap)
{
	char buf[512];
	unsigned long h = 5381;
	const char *c;
	va_list aq;
	int i;

	va_copy(aq, ap);
	vsnprintf(buf, sizeof(buf), fmt, aq);
	va_end(aq);
	for (c = kind; *c; c++)
		h = h * 33 + (unsigned char)*c;
	for (c = buf; *c; c++)
		h = h * 33 + (unsigned char)*c;
	/* like systemtap, a warning is shown once whatever its place, unless -v */
	if (loc && !(kind[0] == 'w' && !s->diag.verbose)) {
		h = h * 33 + (unsigned long)(uintptr_t)loc->file;
		h = h * 33 + (unsigned long)loc->line * 4096 + (unsigned long)loc->col;
	}
	for (i = 0; i < s->diag.n_seen && i < DIAG_SEEN; i++)
		if (s->diag.seen[i] == h)
			return true;
	s->diag.seen[s->diag.n_seen++ % DIAG_SEEN] = h;
	return false;
}

/* "<label><message> at FILE:LINE:COL" and the source line with a caret */
static void report(const struct diag *d, enum diag_color color, const char *label,
		   const struct srcloc *loc, const char *src_prefix, const char *fmt, va_list ap)
{
	painted(d, color, label, (int)strlen(label));
	fputc(' ', stderr);
	vfprintf(stderr, fmt, ap);
	print_at(d, loc);
	fputc('\n', stderr);
	print_source(d, loc, src_prefix);
}

void diag_error(struct session *s, const struct srcloc *loc, const char *fmt, ...)
{
	va_list ap;

	s->diag.n_errors++;
	va_start(ap, fmt);
	if (seen_before(s, "error", loc, fmt, ap)) {
		va_end(ap);
		s->diag.last_dup = true;
		return;
	}
	va_end(ap);
	s->diag.last_dup = false;
	va_start(ap, fmt);
	report(&s->diag, COLOR_ERROR, "semantic error:", loc, "        source: ", fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void diag_note(struct session *s, const struct srcloc *loc, const char *fmt, ...)
{
	va_list ap;

	if (s->diag.last_dup)
		return;
	va_start(ap, fmt);
	report(&s->diag, COLOR_ERROR, "semantic error:", loc, "        source: ", fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* not to be printed: warnings are off, or it was printed already (counted unless -v) */
static bool is_quiet_warning(struct session *s, const struct srcloc *loc, const char *fmt,
			     va_list ap)
{
	if (s->diag.suppress_warnings)
		return true;
	if (!seen_before(s, "warning", loc, fmt, ap))
		return false;
	if (!s->diag.verbose)
		s->diag.n_suppressed++;
	return true;
}

void diag_warn(struct session *s, const struct srcloc *loc, const char *fmt, ...)
{
	va_list ap;
	bool quiet;

	va_start(ap, fmt);
	quiet = is_quiet_warning(s, loc, fmt, ap);
	va_end(ap);
	if (quiet)
		return;
	s->diag.n_warnings++;
	if (s->diag.warnings_as_errors)
		s->diag.n_errors++;
	va_start(ap, fmt);
	report(&s->diag, COLOR_WARNING, "WARNING:", loc, " source: ", fmt, ap);
	va_end(ap);
}

static void parse_error_v(struct session *s, const struct srcloc *loc, const char *label,
			  const char *fmt, va_list ap)
{
	s->diag.n_errors++;
	painted(&s->diag, COLOR_ERROR, "parse error:", 12);
	fputc(' ', stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	if (loc && loc->file) {
		fprintf(stderr, "        %s: %s at %s:%d:%d\n", label,
			loc->tok ? loc->tok : "end of input", loc->file->name, loc->line,
			loc->col);
		print_source(&s->diag, loc, "     source: ");
	}
	fputc('\n', stderr);
}

void diag_finish(struct session *s)
{
	if (s->diag.n_suppressed)
		fprintf(stderr, "Number of similar warning messages suppressed: %d.\n"
			"Rerun with -v to see them.\n", s->diag.n_suppressed);
	s->diag.n_suppressed = 0;
}

void diag_parse_error(struct session *s, const struct srcloc *loc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	parse_error_v(s, loc, "saw", fmt, ap);
	va_end(ap);
}

void diag_parse_error_at(struct session *s, const struct srcloc *loc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	parse_error_v(s, loc, " at", fmt, ap);
	va_end(ap);
}

void diag_plain(struct session *s, const char *kind, const char *fmt, ...)
{
	va_list ap;

	s->diag.n_errors++;
	fprintf(stderr, "%s: ", kind);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t *row, d;

	if (la > 64 || lb > 64)
		return 99;
	row = xmalloc((lb + 1) * sizeof(*row));
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t prev = row[0];

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t cur = row[j];
			size_t best = prev + (a[i - 1] != b[j - 1]);

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = cur;
		}
	}
	d = row[lb];
	free(row);
	return d;
}

void diag_rank(const char *name, const char *const *cands, size_t n, const char *prefix,
	       struct strbuf *sb)
{
	size_t *dist = xmalloc((n + 1) * sizeof(*dist)), i, j, d, max = 0, shown = 0;

	for (i = 0; i < n; i++) {
		dist[i] = edit_distance(name, cands[i]);
		for (j = 0; j < i; j++)
			if (!strcmp(cands[j], cands[i]))
				dist[i] = (size_t)-1;	/* a duplicate */
		if (dist[i] != (size_t)-1 && dist[i] > max)
			max = dist[i];
	}
	for (d = 0; d <= max; d++)
		for (i = 0; i < n; i++)
			if (dist[i] == d)
				sb_printf(sb, "%s%s%s", shown++ ? ", " : "", prefix, cands[i]);
	free(dist);
}

void diag_suggest(const char *name, const char *const *cands, size_t n, char *buf,
		  size_t len)
{
	size_t best[5], dist[5], n_best = 0, i, j, limit;

	buf[0] = '\0';
	limit = strlen(name) / 2 + 2;
	for (i = 0; i < n; i++) {
		size_t d = edit_distance(name, cands[i]);

		if (d > limit || !strcmp(name, cands[i]))
			continue;
		for (j = 0; j < n_best; j++)
			if (!strcmp(cands[best[j]], cands[i]))
				break;
		if (j < n_best)
			continue;
		/* insertion into the sorted top five */
		for (j = n_best; j > 0 && dist[j - 1] > d; j--) {
			if (j < 5) {
				best[j] = best[j - 1];
				dist[j] = dist[j - 1];
			}
		}
		if (j < 5) {
			best[j] = i;
			dist[j] = d;
			if (n_best < 5)
				n_best++;
		}
	}
	for (i = 0; i < n_best; i++) {
		size_t used = strlen(buf);

		snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
			 cands[best[i]]);
	}
}
