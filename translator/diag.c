/* Diagnostics in systemtap's shape: message, token, location, source line and caret. */
#include "diag.h"
#include "session.h"
#include "util.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The source line of loc and a caret under its column; a long line is shown as a
 * window around the column. */
static void print_source(const struct srcloc *loc, const char *prefix)
{
	const char *p, *end, *text, *from, *to;
	int line = 1;
	size_t col, i, plen = strlen(prefix);

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
	fprintf(stderr, "%s%s%.*s%s\n", prefix, from > p ? "..." : "", (int)(to - from), from,
		to < end ? "..." : "");
	for (i = 0; i < plen; i++)
		fputc(' ', stderr);
	if (from > p)
		fputs("   ", stderr);
	/* keep tabs so the caret lines up under the source text */
	for (i = 0; from + i < p + col && from + i < to; i++)
		fputc(from[i] == '\t' ? '\t' : ' ', stderr);
	fputs("^\n", stderr);
}

static void print_at(const struct srcloc *loc)
{
	if (!loc || !loc->file)
		return;
	if (loc->tok)
		fprintf(stderr, ": %s", loc->tok);
	fprintf(stderr, " at %s:%d:%d", loc->file->name, loc->line, loc->col);
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
static void report(const char *label, const struct srcloc *loc, const char *src_prefix,
		   const char *fmt, va_list ap)
{
	fputs(label, stderr);
	vfprintf(stderr, fmt, ap);
	print_at(loc);
	fputc('\n', stderr);
	print_source(loc, src_prefix);
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
	report("semantic error: ", loc, "        source: ", fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void diag_note(struct session *s, const struct srcloc *loc, const char *fmt, ...)
{
	va_list ap;

	if (s->diag.last_dup)
		return;
	va_start(ap, fmt);
	report("semantic error: ", loc, "        source: ", fmt, ap);
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
	va_start(ap, fmt);
	report("WARNING: ", loc, " source: ", fmt, ap);
	va_end(ap);
}

static void parse_error_v(struct session *s, const struct srcloc *loc, const char *label,
			  const char *fmt, va_list ap)
{
	s->diag.n_errors++;
	fputs("parse error: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	if (loc && loc->file) {
		fprintf(stderr, "        %s: %s at %s:%d:%d\n", label,
			loc->tok ? loc->tok : "end of input", loc->file->name, loc->line,
			loc->col);
		print_source(loc, "     source: ");
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
