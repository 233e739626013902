/* Pass 1: which library files a script needs, so that a run parses only those.
 *
 * A cheap scan of each tapset file's text (no parse: comments, strings and embedded C
 * skipped) gives the names it may define (after `function`, in a `global` statement,
 * the first component of each name of a probe alias) and every word it uses. The
 * files needed are a fixed point: those defining a word of the user's script (or of
 * the library's macros, which expand into it), then those defining a word of a file
 * needed. That second part depends on the library alone: it is computed when the index
 * is built (libindex_link()), the index keeps each file's list of the files it needs,
 * and a run reads only the names the files define. The scan over-approximates on purpose (both branches of %( %?  %), words of
 * initialisers), so a needed file is never left out; should pass 2 still miss a
 * function or a probe alias, it parses the rest of the library (parse_library_rest())
 * and looks again, so the result is always the whole library's. */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "libindex.h"
#include "util.h"

/* a set of words: open addressing, the strings point into the scanned texts */
struct wordset {
	const char **v;
	size_t *lens;
	size_t cap, n;
};

static size_t hash_word(const char *w, size_t len)
{
	size_t h = 5381, i;

	for (i = 0; i < len; i++)
		h = h * 33 + (unsigned char)w[i];
	return h;
}

static bool ws_add(struct wordset *ws, const char *w, size_t len);

static void ws_grow(struct wordset *ws)
{
	struct wordset big = { 0 };
	size_t i;

	big.cap = ws->cap ? ws->cap * 2 : 64;
	big.v = xcalloc(big.cap, sizeof(*big.v));
	big.lens = xcalloc(big.cap, sizeof(*big.lens));
	for (i = 0; i < ws->cap; i++)
		if (ws->v[i])
			ws_add(&big, ws->v[i], ws->lens[i]);
	free(ws->v);
	free(ws->lens);
	*ws = big;
}

static bool ws_has(const struct wordset *ws, const char *w, size_t len)
{
	size_t i;

	if (!ws->cap)
		return false;
	for (i = hash_word(w, len) & (ws->cap - 1); ws->v[i]; i = (i + 1) & (ws->cap - 1))
		if (ws->lens[i] == len && !memcmp(ws->v[i], w, len))
			return true;
	return false;
}

/* true if w was not in the set */
static bool ws_add(struct wordset *ws, const char *w, size_t len)
{
	size_t i;

	if (ws_has(ws, w, len))
		return false;
	if ((ws->n + 1) * 2 > ws->cap)
		ws_grow(ws);
	for (i = hash_word(w, len) & (ws->cap - 1); ws->v[i]; i = (i + 1) & (ws->cap - 1))
		;
	ws->v[i] = w;
	ws->lens[i] = len;
	ws->n++;
	return true;
}

static void ws_free(struct wordset *ws)
{
	free(ws->v);
	free(ws->lens);
}

/* a word of a text: where it starts and its length */
struct word {
	const char *p;
	size_t len;
	bool call;		/* a use followed by '(' / a definition of a function */
};

struct words {
	struct word *v;
	size_t n, cap;
};

static struct word *words_add(struct words *w, const char *p, size_t len)
{
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 256;
		w->v = xrealloc(w->v, w->cap * sizeof(*w->v));
	}
	w->v[w->n].p = p;
	w->v[w->n].len = len;
	w->v[w->n].call = false;
	return &w->v[w->n++];
}

/* 1: a letter, digit or _; 2: * and ?, word characters of a pattern */
static const unsigned char word_class[256] = {
	['0' ... '9'] = 1, ['A' ... 'Z'] = 1, ['a' ... 'z'] = 1, ['_'] = 1,
	['*'] = 2, ['?'] = 2,
};

static inline bool is_word_char(char c, bool wild)
{
	unsigned char k = word_class[(unsigned char)c];

	return k == 1 || (wild && k == 2);
}

static bool word_is(const char *p, size_t len, const char *kw)
{
	return strlen(kw) == len && !memcmp(p, kw, len);
}

/* What one scan of a text found. */
struct scan {
	struct words uses;	/* every word (not kept in the index) */
	struct words defs;	/* names it may define (library files) */
	bool wild_probe;	/* a probe point's first component is all wildcard */
	size_t *deps, n_deps;	/* the other library files it needs, directly or not */
	const char *defs_text;	/* or both as the index has them ("D ..." and "C ..." */
	const char *deps_text;	/* lines), read where they are when needed */
};

enum def_state {
	DS_NONE,
	DS_FUNCTION,		/* after `function`: the next word */
	DS_GLOBAL,		/* in a global statement */
	DS_PROBE_FIRST,		/* after `probe` or a `,` of its names: a first component */
	DS_PROBE_REST,		/* the rest of a probe point */
};

/* Embedded C: its identifiers are uses (a helper another file's C defines); at file
 * scope (top) the names its column-0 lines define are definitions, the last identifier
 * before the first ( [ = { or ; of "static int _stp_kread(...", "struct _stp_sys_flag {",
 * and the name of a #define. */
static void scan_c(const char *t, size_t n, bool top, struct scan *sc)
{
	size_t i = 0;
	bool bol = true;

	while (i < n) {
		char c = t[i];

		if (c == '/' && i + 1 < n && t[i + 1] == '*') {
			for (i += 2; i + 1 < n && !(t[i] == '*' && t[i + 1] == '/'); i++)
				;
			i += 2;
			continue;
		}
		if (c == '"' || c == '\'') {
			for (i++; i < n && t[i] != c && t[i] != '\n'; i++)
				if (t[i] == '\\')
					i++;
			i++;
			continue;
		}
		if (top && bol && c == '#') {
			size_t k = i + 1, s0;

			while (k < n && (t[k] == ' ' || t[k] == '\t'))
				k++;
			if (k + 6 <= n && !memcmp(t + k, "define", 6)) {
				for (k += 6; k < n && (t[k] == ' ' || t[k] == '\t'); k++)
					;
				for (s0 = k; k < n && is_word_char(t[k], false); k++)
					;
				if (k > s0)
					words_add(&sc->defs, t + s0, k - s0);
			}
		} else if (top && bol && is_word_char(c, false)) {
			const char *last = NULL;
			size_t k = i, last_len = 0;

			while (k < n && !strchr("([={;\n", t[k])) {
				if (is_word_char(t[k], false) && !(t[k] >= '0' && t[k] <= '9')) {
					size_t s0 = k;

					while (k < n && is_word_char(t[k], false))
						k++;
					last = t + s0;
					last_len = k - s0;
					continue;
				}
				k++;
			}
			if (last && k < n && t[k] != '\n' && t[k] != ';')
				words_add(&sc->defs, last, last_len);
		}
		if (is_word_char(c, false) && !(c >= '0' && c <= '9')) {
			size_t s0 = i;

			while (i < n && is_word_char(t[i], false))
				i++;
			words_add(&sc->uses, t + s0, i - s0);
			bol = false;
			continue;
		}
		if (c >= '0' && c <= '9') {
			while (i < n && is_word_char(t[i], false))
				i++;
			bol = false;
			continue;
		}
		bol = c == '\n';
		i++;
	}
}

/* The words of text; wild: a script's, whose words may hold * and ? (patterns). */
static void scan_text(const char *t, size_t n, bool wild, struct scan *sc)
{
	enum def_state st = DS_NONE;
	struct words cand = { 0 };	/* a probe's first components, until `=` or `{` */
	int depth = 0;			/* ( ) inside a probe point */
	bool at = false;		/* the word follows an @ */
	bool after_def = false;		/* DS_FUNCTION names a macro */
	int braces = 0;			/* { } of the script around */
	size_t i = 0;

	while (i < n) {
		char c = t[i];

		if (c == '#' || (c == '/' && i + 1 < n && t[i + 1] == '/')) {
			while (i < n && t[i] != '\n')
				i++;
			continue;
		}
		if (c == '/' && i + 1 < n && t[i + 1] == '*') {
			for (i += 2; i + 1 < n && !(t[i] == '*' && t[i + 1] == '/'); i++)
				;
			i += 2;
			continue;
		}
		if (c == '%' && i + 1 < n && t[i + 1] == '{') {
			size_t end = i + 2, k = i;

			while (end + 1 < n && !(t[end] == '%' && t[end + 1] == '}'))
				end++;
			while (k > 0 && (t[k - 1] == ' ' || t[k - 1] == '\t' || t[k - 1] == '\n'))
				k--;
			/* a function's body follows its ')'; a block at file scope defines C */
			scan_c(t + i + 2, (end < n ? end : n) - i - 2,
			       braces == 0 && !(k > 0 && t[k - 1] == ')'), sc);
			i = end + 2;
			continue;
		}
		if (c == '{')
			braces++;
		else if (c == '}' && braces > 0)
			braces--;
		if (c == '"') {
			for (i++; i < n && t[i] != '"'; i++)
				if (t[i] == '\\')
					i++;
			i++;
			continue;
		}
		if (c >= '0' && c <= '9') {	/* a number, 0x1f included */
			while (i < n && is_word_char(t[i], false))
				i++;
			continue;
		}
		if (c == '@') {
			at = true;
			i++;
			continue;
		}
		if (is_word_char(c, wild)) {
			size_t s0 = i, len;
			bool has_ident = false, after_at = at;

			while (i < n && is_word_char(t[i], wild)) {
				has_ident |= is_word_char(t[i], false);
				i++;
			}
			len = i - s0;
			if (!has_ident) {	/* "*" alone: a wildcard component */
				if (st == DS_PROBE_FIRST)
					sc->wild_probe = true;
				if (st == DS_PROBE_FIRST)
					st = DS_PROBE_REST;
				continue;
			}
			at = false;
			{
				size_t k = i;

				while (k < n && (t[k] == ' ' || t[k] == '\t'))
					k++;
				words_add(&sc->uses, t + s0, len)->call = k < n && t[k] == '(';
			}
			if (after_at && word_is(t + s0, len, "define")) {
				st = DS_FUNCTION;	/* @define NAME: a macro */
				after_def = true;
			} else if (st == DS_FUNCTION) {
				/* a function is used by calls only; a macro by any @NAME */
				words_add(&sc->defs, t + s0, len)->call = !after_def;
				st = DS_NONE;
			} else if (st == DS_GLOBAL && word_is(t + s0, len, "function")) {
				st = DS_FUNCTION;	/* private function */
				after_def = false;
			} else if (st == DS_GLOBAL) {
				words_add(&sc->defs, t + s0, len);
			} else if (st == DS_PROBE_FIRST) {
				words_add(&cand, t + s0, len);
				st = DS_PROBE_REST;
			} else if (st == DS_NONE && word_is(t + s0, len, "function")) {
				st = DS_FUNCTION;
				after_def = false;
			} else if (st == DS_NONE && (word_is(t + s0, len, "global") ||
						     word_is(t + s0, len, "private"))) {
				st = DS_GLOBAL;
			} else if (st == DS_NONE && word_is(t + s0, len, "probe")) {
				st = DS_PROBE_FIRST;
				cand.n = 0;
				depth = 0;
			}
			continue;
		}
		i++;
		at = false;
		if (st == DS_FUNCTION && c != ' ' && c != '\t' && c != '\n')
			st = DS_NONE;
		if (st == DS_GLOBAL && (c == ';' || c == '{' || c == '}')) {
			st = DS_NONE;
		} else if (st == DS_GLOBAL && c == '\n') {
			/* a newline ends the statement unless the line ends in a comma */
			size_t k = i - 1;

			while (k > 0 && (t[k - 1] == ' ' || t[k - 1] == '\t'))
				k--;
			if (!(k > 0 && t[k - 1] == ','))
				st = DS_NONE;
		}
		if (st == DS_PROBE_FIRST || st == DS_PROBE_REST) {
			if (c == '(')
				depth++;
			else if (c == ')')
				depth--;
			else if (depth > 0)
				;
			else if (c == ',')
				st = DS_PROBE_FIRST;
			else if (c == '{')
				st = DS_NONE;	/* a probe, not an alias */
			else if (c == '=') {
				size_t k;

				for (k = 0; k < cand.n; k++)
					words_add(&sc->defs, cand.v[k].p, cand.v[k].len);
				st = DS_NONE;
			}
		}
	}
	free(cand.v);
}

/* does any pattern among the needed words match name? */
static bool pattern_match(const struct words *patterns, const char *name, size_t len)
{
	char buf[256], pat[256];
	size_t i;

	if (!patterns->n || len >= sizeof(buf))
		return false;
	memcpy(buf, name, len);
	buf[len] = '\0';
	for (i = 0; i < patterns->n; i++) {
		if (patterns->v[i].len >= sizeof(pat))
			continue;
		memcpy(pat, patterns->v[i].p, patterns->v[i].len);
		pat[patterns->v[i].len] = '\0';
		if (!fnmatch(pat, buf, 0))
			return true;
	}
	return false;
}

/* the words needed: need[0] any use, need[1] calls */
static void need_words(struct wordset *need, struct words *patterns, const struct words *w)
{
	size_t i;

	for (i = 0; i < w->n; i++) {
		const char *p = w->v[i].p;
		size_t len = w->v[i].len;

		if (memchr(p, '*', len) || memchr(p, '?', len)) {
			if (ws_add(&need[0], p, len))
				words_add(patterns, p, len);
		} else {
			ws_add(&need[0], p, len);
			if (w->v[i].call)
				ws_add(&need[1], p, len);
		}
	}
}

struct lib_scan *libindex_scan(const char *text, size_t len)
{
	struct scan *sc = xcalloc(1, sizeof(*sc));

	scan_text(text, len, false, sc);
	return (struct lib_scan *)sc;
}

void libindex_scan_free(struct lib_scan *ls)
{
	struct scan *sc = (struct scan *)ls;

	if (!sc)
		return;
	free(sc->uses.v);
	free(sc->defs.v);
	free(sc->deps);
	free(sc);
}

/* "D name exit( ...\n": '(' marks a function or a call; each word once */
static void write_words(struct strbuf *out, char tag, const struct words *w)
{
	struct wordset seen[2] = { { 0 } };
	size_t i;

	sb_putc(out, tag);
	for (i = 0; i < w->n; i++)
		if (ws_add(&seen[w->v[i].call], w->v[i].p, w->v[i].len))
			sb_printf(out, " %.*s%s", (int)w->v[i].len, w->v[i].p,
				  w->v[i].call ? "(" : "");
	sb_putc(out, '\n');
	ws_free(&seen[0]);
	ws_free(&seen[1]);
}

void libindex_scan_write(const struct lib_scan *ls, struct strbuf *out)
{
	const struct scan *sc = (const struct scan *)ls;
	size_t i;

	write_words(out, 'D', &sc->defs);
	sb_putc(out, 'C');
	for (i = 0; i < sc->n_deps; i++)
		sb_printf(out, " %zu", sc->deps[i]);
	sb_putc(out, '\n');
}

/* "C 3 17\n": checked here, its numbers read by deps_of() when the file is needed */
static const char *skip_deps(const char *p)
{
	if (*p != 'C')
		return NULL;
	for (p++; *p == ' ' && p[1] >= '0' && p[1] <= '9';)
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	return *p == '\n' ? p + 1 : NULL;
}

/* "D name exit( ...\n": checked here, its words read by defines_needed() */
static const char *skip_words(const char *p, char tag)
{
	if (*p != tag)
		return NULL;
	for (p++; *p == ' ';) {
		const char *s0 = ++p;

		p += strcspn(p, " \n(");
		if (p == s0)
			return NULL;
		if (*p == '(')
			p++;
	}
	return *p == '\n' ? p + 1 : NULL;
}

struct lib_scan *libindex_scan_read(const char **cursor)
{
	struct scan *sc = xcalloc(1, sizeof(*sc));
	const char *p = skip_words(*cursor, 'D');

	sc->defs_text = *cursor;
	if (p) {
		sc->deps_text = p;
		p = skip_deps(p);
	}
	if (!p) {
		libindex_scan_free((struct lib_scan *)sc);
		return NULL;
	}
	*cursor = p;
	return (struct lib_scan *)sc;
}

/* Marks needed[] from the seed words until nothing more is: the files defining a needed
 * word, then the words those use. */
static void fixpoint(const struct scan *const *scans, size_t n_lib, struct wordset need[2],
		     struct words *patterns, bool *needed)
{
	bool more = true;
	size_t i, j;

	while (more) {
		more = false;
		for (i = 0; i < n_lib; i++) {
			if (needed[i])
				continue;
			for (j = 0; j < scans[i]->defs.n; j++) {
				const struct word *d = &scans[i]->defs.v[j];

				if (ws_has(&need[d->call], d->p, d->len) ||
				    (!d->call && pattern_match(patterns, d->p, d->len)))
					break;
			}
			if (j == scans[i]->defs.n)
				continue;
			needed[i] = true;
			more = true;
			need_words(need, patterns, &scans[i]->uses);
		}
	}
}

void libindex_link(struct lib_scan *const *lib, size_t n_lib)
{
	struct scan *const *scans = (struct scan *const *)lib;
	bool *needed = xcalloc(n_lib + 1, sizeof(*needed));
	size_t i, j;

	for (i = 0; i < n_lib; i++) {
		struct wordset need[2] = { { 0 } };
		struct words patterns = { 0 };

		memset(needed, 0, n_lib * sizeof(*needed));
		need_words(need, &patterns, &scans[i]->uses);
		fixpoint((const struct scan *const *)scans, n_lib, need, &patterns, needed);
		free(scans[i]->deps);
		scans[i]->deps = xcalloc(n_lib + 1, sizeof(*scans[i]->deps));
		scans[i]->n_deps = 0;
		for (j = 0; j < n_lib; j++)
			if (needed[j] && j != i)
				scans[i]->deps[scans[i]->n_deps++] = j;
		free(patterns.v);
		ws_free(&need[0]);
		ws_free(&need[1]);
	}
	free(needed);
}

/* file i is needed, and with it what it needs */
static void need_file(const struct scan *const *scans, size_t n_lib, size_t i, bool *needed)
{
	const char *p = scans[i]->deps_text;
	size_t j;

	needed[i] = true;
	for (j = 0; j < scans[i]->n_deps; j++)
		needed[scans[i]->deps[j]] = true;
	if (!p)
		return;
	for (p++; *p == ' '; ) {
		size_t k = 0;

		for (p++; *p >= '0' && *p <= '9'; p++)
			k = k * 10 + (size_t)(*p - '0');
		if (k < n_lib)
			needed[k] = true;
	}
}

/* The words a script needs, with a cheap test first: most names a library file defines
 * are not among them. */
struct needed_words {
	struct wordset set[2];		/* [0] any use, [1] calls */
	struct words patterns;		/* words with * or ? */
	unsigned long long lens;	/* bit len % 64 of each word of set[0] */
};

static bool is_needed(const struct needed_words *nw, const char *p, size_t len, bool call)
{
	if (!(nw->lens & (1ULL << (len % 64))) && !(!call && nw->patterns.n))
		return false;
	return ws_has(&nw->set[call], p, len) ||
		(!call && pattern_match(&nw->patterns, p, len));
}

/* does a file define a needed word? */
static bool defines_needed(const struct scan *sc, const struct needed_words *nw)
{
	const char *p = sc->defs_text;
	size_t j;

	if (!p) {
		for (j = 0; j < sc->defs.n; j++)
			if (is_needed(nw, sc->defs.v[j].p, sc->defs.v[j].len, sc->defs.v[j].call))
				return true;
		return false;
	}
	for (p++; *p == ' ';) {
		const char *s0 = ++p;

		p += strcspn(p, " \n(");
		if (is_needed(nw, s0, (size_t)(p - s0), *p == '('))
			return true;
		if (*p == '(')
			p++;
	}
	return false;
}

int libindex_select(const struct lib_text *script, size_t n_script,
		    struct lib_scan *const *lib, size_t n_lib, bool *needed)
{
	const struct scan *const *scans = (const struct scan *const *)lib;
	struct needed_words nw = { 0 };
	bool wild = false;
	size_t i;
	int n_needed = 0;

	for (i = 0; i < n_script; i++) {
		struct scan sc = { 0 };

		scan_text(script[i].text, script[i].len, script[i].wild, &sc);
		wild |= sc.wild_probe;
		need_words(nw.set, &nw.patterns, &sc.uses);
		free(sc.uses.v);
		free(sc.defs.v);
	}
	for (i = 0; i < nw.set[0].cap; i++)
		if (nw.set[0].v[i])
			nw.lens |= 1ULL << (nw.set[0].lens[i] % 64);
	for (i = 0; i < n_lib; i++)
		needed[i] = wild;
	/* one pass: what a file needs is known (libindex_link()) */
	for (i = 0; i < n_lib && !wild; i++)
		if (!needed[i] && defines_needed(scans[i], &nw))
			need_file(scans, n_lib, i, needed);
	for (i = 0; i < n_lib; i++)
		n_needed += needed[i];
	free(nw.patterns.v);
	ws_free(&nw.set[0]);
	ws_free(&nw.set[1]);
	return n_needed;
}
