/* Pass 1: parse the user script and the tapset library into struct stapfile. Library
 * macros (*.stpm) are read first, since any script may use them. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsafe.h"
#include "libindex.h"
#include "parse.h"
#include "passes.h"
#include "parser.h"
#include "session.h"
#include "util.h"

typedef void *yyscan_t;
int yylex_init_extra(struct parser *extra, yyscan_t *scanner);
int yylex_destroy(yyscan_t scanner);
void *yy_scan_bytes(const char *bytes, int len, yyscan_t scanner);
int yyparse(struct parser *p);

static const char *const cat_names[] = {
	[TOKCAT_NONE] = "", [TOKCAT_IDENT] = "identifier", [TOKCAT_KEYWORD] = "keyword",
	[TOKCAT_OPERATOR] = "operator", [TOKCAT_STRING] = "string",
	[TOKCAT_NUMBER] = "number", [TOKCAT_EMBEDDED] = "embedded-code",
	[TOKCAT_JUNK] = "junk",
};

/* Every token gets one (parse errors name it): no printf here, it is per token. */
const char *lex_describe(struct session *s, enum tok_cat cat, const char *text, size_t len)
{
	char buf[128];
	size_t o, i, cl;

	if (cat == TOKCAT_NONE || !text)
		return NULL;
	if (cat == TOKCAT_STRING && len && text[0] == '"') {
		text++;
		len -= len >= 2 && text[len - 2] == '"' ? 2 : 1;
	}
	cl = strlen(cat_names[cat]);
	memcpy(buf, cat_names[cat], cl);
	o = cl;
	buf[o++] = ' ';
	buf[o++] = '\'';
	for (i = 0; i < len && o < 64; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c < 32 || c >= 127) {
			buf[o++] = '\\';
			buf[o++] = (char)('0' + (c >> 6));
			buf[o++] = (char)('0' + ((c >> 3) & 7));
			buf[o++] = (char)('0' + (c & 7));
		} else {
			buf[o++] = (char)c;
		}
	}
	if (i < len) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o++] = '\'';
	buf[o] = '\0';
	return strtab_intern(&s->arena, buf);
}

struct srcfile *parse_srcfile(struct session *s, const char *name, const char *text,
			      size_t len)
{
	struct srcfile *f = arena_alloc(&s->arena, sizeof(*f));

	f->name = arena_strdup(&s->arena, name);
	f->text = text;
	f->len = len;
	return f;
}

struct srcfile *parse_load(struct session *s, const char *path, const char *shown_name)
{
	char *text, *copy;
	size_t len;
	int rc = read_file(path, &text, &len);

	if (rc) {
		diag_plain(s, "error", "cannot read script file '%s': %s", path,
			   strerror(-rc));
		return NULL;
	}
	copy = arena_strndup(&s->arena, text, len);
	free(text);
	return parse_srcfile(s, shown_name ? shown_name : path, copy, len);
}

static bool has_suffix(const char *name, const char *suffix)
{
	size_t n = strlen(name), k = strlen(suffix);

	return n > k && !strcmp(name + n - k, suffix);
}

static int run_parser(struct session *s, const struct srcfile *src, struct stapfile *file,
		      bool macros_only)
{
	struct parser p = { .s = s, .src = src, .line = 1, .col = 1 };
	yyscan_t scanner;
	int rc;

	if (src->len > (size_t)1 << 30) {
		diag_plain(s, "parse error", "%s: file too large", src->name);
		return -1;
	}
	p.file = file;
	p.probe_tail = &file->probes;
	p.fn_tail = &file->functions;
	p.glob_tail = &file->globals;
	p.embed_tail = &file->embeds;
	if (yylex_init_extra(&p, &scanner)) {
		diag_internal(s, "%s:%d: cannot start the lexer", __FILE__, __LINE__);
		return -1;
	}
	p.scanner = scanner;
	pp_file_begin(&p);
	pp_set_library(&p, macros_only);
	yy_scan_bytes(src->text, (int)src->len, scanner);
	rc = yyparse(&p);
	if (p.arg_scanner)
		yylex_destroy(p.arg_scanner);
	yylex_destroy(scanner);
	pp_file_end(&p);
	if (rc == 2 && !p.aborted) {
		diag_plain(s, "parse error", "%s: out of memory or input nested too deeply",
			   src->name);
		p.n_errors++;
	}
	if (rc && !p.n_errors)
		p.n_errors++;
	return p.n_errors ? -1 : 0;
}

int parse_file(struct session *s, const struct srcfile *src, bool is_tapset,
	       struct stapfile **out)
{
	struct stapfile *file = arena_alloc(&s->arena, sizeof(*file)), **tail;
	int rc;

	file->src = src;
	file->is_tapset = is_tapset;
	file->used = !is_tapset;
	if (has_suffix(src->name, ".stpm"))
		return run_parser(s, src, file, true);
	rc = run_parser(s, src, file, false);
	for (tail = &s->prog.files; *tail; tail = &(*tail)->next)
		;
	*tail = file;
	if (is_tapset)
		s->prog.n_library_scripts++;
	if (out)
		*out = file;
	return rc;
}

/* The library's files: each tapset directory (-I dirs first), its linux/ part and the
 * target architecture's parts, read once for both kinds of file. */
struct lib_listing {
	struct strlist macros;		/* .stpm paths, in the order they are parsed */
	struct strlist scripts;		/* .stp paths */
	struct strlist keys[2];		/* their file_key()s, if asked for */
	struct lib_dir {		/* for -vv: where each directory's files are */
		const char *dir;
		int kind;		/* 0 macros, 1 scripts */
		size_t start, n;	/* in macros or scripts */
	} *dirs;
	size_t n_dirs;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* the decimal digits of v, at least min_digits of them, ending before end; their start */
static char *put_decimal(char *end, unsigned long long v, int min_digits)
{
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v || --min_digits > 0);
	return end;
}

/* A file's identity for the tapset index, "MTIME.NSEC SIZE INODE" (NULL if it cannot be
 * stat'ed), relative to the directory it is listed in: no path walk per file. */
static const char *file_key(struct session *s, int dir_fd, const char *name)
{
	struct stat st;
	char buf[80], *p = buf + sizeof(buf);

	if (fstatat(dir_fd, name, &st, 0))
		return NULL;
	*--p = '\0';
	p = put_decimal(p, (unsigned long long)st.st_ino, 1);
	*--p = ' ';
	p = put_decimal(p, (unsigned long long)st.st_size, 1);
	*--p = ' ';
	p = put_decimal(p, (unsigned long long)st.st_mtim.tv_nsec, 9);
	*--p = '.';
	p = put_decimal(p, (unsigned long long)st.st_mtim.tv_sec, 1);
	return arena_strndup(&s->arena, p, (size_t)(buf + sizeof(buf) - 1 - p));
}

static void list_tapset_dir(struct session *s, const char *dir, bool want_keys,
			    struct lib_listing *out)
{
	static const char *const suffixes[2] = { ".stpm", ".stp" };
	struct strlist names[2] = { { 0 } };
	struct dirent *de;
	DIR *d = opendir(dir);
	size_t i, k, dl = strlen(dir);

	if (!d)
		return;
	while ((de = readdir(d)))
		for (k = 0; k < 2; k++)
			if (has_suffix(de->d_name, suffixes[k]))
				strlist_add(&names[k], arena_strdup(&s->arena, de->d_name));
	for (k = 0; k < 2; k++) {
		struct strlist *paths = k ? &out->scripts : &out->macros;

		if (names[k].n)
			qsort(names[k].v, names[k].n, sizeof(*names[k].v), cmp_str);
		out->dirs = xrealloc(out->dirs, (out->n_dirs + 1) * sizeof(*out->dirs));
		out->dirs[out->n_dirs++] = (struct lib_dir){ dir, (int)k, paths->n, names[k].n };
		for (i = 0; i < names[k].n; i++) {
			size_t nl = strlen(names[k].v[i]);
			char *path = arena_alloc(&s->arena, dl + nl + 2);

			memcpy(path, dir, dl);
			path[dl] = '/';
			memcpy(path + dl + 1, names[k].v[i], nl + 1);
			strlist_add(paths, path);
			if (want_keys)
				strlist_add(&out->keys[k], file_key(s, dirfd(d), names[k].v[i]));
		}
		strlist_free(&names[k]);
	}
	closedir(d);
}

static void list_library(struct session *s, bool want_keys, struct lib_listing *out)
{
	const char *arch = s->kern.arch ? s->kern.arch : "x86_64";
	size_t i, n_dirs = s->opt.include_dirs.n + (s->paths.tapset_dir ? 1 : 0);

	for (i = 0; i < n_dirs; i++) {
		const char *d = i < s->opt.include_dirs.n ? s->opt.include_dirs.v[i] :
			s->paths.tapset_dir;

		list_tapset_dir(s, d, want_keys, out);
		list_tapset_dir(s, arena_printf(&s->arena, "%s/linux", d), want_keys, out);
		list_tapset_dir(s, arena_printf(&s->arena, "%s/%s", d, arch), want_keys, out);
		list_tapset_dir(s, arena_printf(&s->arena, "%s/linux/%s", d, arch), want_keys,
				out);
	}
}

/* -vv, as 4.8's: each directory of one kind, how many files it has and how many of
 * them were parsed (done[i] for the i-th file of that kind); -vvv names those. */
static void report_dirs(struct session *s, const struct lib_listing *l, int kind,
			const bool *done)
{
	const struct strlist *paths = kind ? &l->scripts : &l->macros;
	size_t d, i, n_done;

	if (s->opt.verbose < 2)
		return;
	for (d = 0; d < l->n_dirs; d++) {
		const struct lib_dir *ld = &l->dirs[d];

		if (ld->kind != kind)
			continue;
		for (i = ld->start, n_done = 0; i < ld->start + ld->n; i++) {
			if (!done[i])
				continue;
			n_done++;
			if (s->opt.verbose > 2)
				fprintf(stderr, "Processing tapset \"%s\"\n", paths->v[i]);
		}
		fprintf(stderr, "Searched%s: \"%s\", found: %zu, processed: %zu\n",
			kind ? "" : " for library macro files", ld->dir, ld->n, n_done);
	}
}

static void listing_free(struct lib_listing *l)
{
	strlist_free(&l->macros);
	strlist_free(&l->scripts);
	strlist_free(&l->keys[0]);
	strlist_free(&l->keys[1]);
	free(l->dirs);
}

/* The library's macro files, loaded and parsed; *v (NULL where a file is unreadable)
 * is xmalloc'ed, one for each of l->macros. */
static int load_macros(struct session *s, const struct lib_listing *l, struct srcfile ***v)
{
	size_t i;
	int rc = 0;

	*v = xcalloc(l->macros.n + 1, sizeof(**v));
	for (i = 0; i < l->macros.n; i++) {
		struct srcfile *src = parse_load(s, l->macros.v[i], NULL);

		if (!src) {
			rc = -1;
			continue;
		}
		src->is_tapset = true;
		(*v)[i] = src;
	}
	for (i = 0; i < l->macros.n; i++)
		if ((*v)[i] && parse_file(s, (*v)[i], true, NULL))
			rc = -1;
	if (s->opt.verbose >= 2) {
		bool *done = xcalloc(l->macros.n + 1, sizeof(*done));

		for (i = 0; i < l->macros.n; i++)
			done[i] = (*v)[i] != NULL;
		report_dirs(s, l, 0, done);
		free(done);
	}
	return rc;
}

/* ---- the tapset index: what each library file defines and uses (libindex.c) ------
 * Cached in $SYSTEMTAP_DIR/cache/tapsets/<hash of the files' paths>.idx, one entry a
 * file: "F PATH\tKEY" (KEY: its mtime, size and inode), then its scan's two lines (the
 * names it defines, the files it needs). The entry of a file that changed no longer
 * matches, and the index is written again. This runs for every script: no printf, and
 * nothing read but the names defined. */

#define INDEX_MAGIC "stap-tapset-index 2\n"

struct lib_file {
	const char *path;
	const char *key;		/* NULL if it cannot be stat'ed */
	struct lib_scan *scan;
	struct srcfile *src;		/* loaded, if it was */
};

/* The index's name: a hash of the files' paths (FNV-1a; the index names every file it
 * describes, so two libraries whose paths collide only rebuild each other's index) */
static const char *index_path(struct session *s, const struct lib_file *v, size_t n)
{
	const char *dir = cache_subdir(s, "tapsets");
	unsigned long long h = 14695981039346656037ULL;
	const unsigned char *p;
	size_t i;

	if (!dir)
		return NULL;
	for (i = 0; i < n; i++)
		for (p = (const unsigned char *)v[i].path;; p++) {
			h = (h ^ *p) * 1099511628211ULL;
			if (!*p)
				break;
		}
	return arena_printf(&s->arena, "%s/%016llx.idx", dir, h);
}

/* the scans from the index at path, if it describes exactly these files; they point
 * into *bufp, to be freed after them */
static bool index_load(const char *path, struct lib_file *v, size_t n, char **bufp)
{
	int fd = fs_open_trusted(path, NULL);
	struct stat st;
	char *buf;
	const char *p;
	size_t i, len = 0;
	ssize_t got = 1;
	bool ok = false;

	if (fd < 0)
		return false;
	if (fstat(fd, &st) || st.st_size <= 0 || st.st_size > (64 << 20)) {
		close(fd);
		return false;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	*bufp = buf;
	while (len < (size_t)st.st_size &&
	       (got = read(fd, buf + len, (size_t)st.st_size - len)) > 0)
		len += (size_t)got;
	close(fd);
	buf[len] = '\0';
	p = buf;
	if (got <= 0 || strncmp(p, INDEX_MAGIC, strlen(INDEX_MAGIC)))
		return false;
	p += strlen(INDEX_MAGIC);
	for (i = 0; i < n; i++) {
		size_t pl = strlen(v[i].path), kl = v[i].key ? strlen(v[i].key) : 0;

		if (!v[i].key || strncmp(p, "F ", 2) || strncmp(p + 2, v[i].path, pl) ||
		    p[2 + pl] != '\t' || strncmp(p + 3 + pl, v[i].key, kl) || p[3 + pl + kl] != '\n')
			goto out;
		p += 4 + pl + kl;
		if (!(v[i].scan = libindex_scan_read(&p)))
			goto out;
	}
	ok = *p == '\0';
out:
	if (!ok)
		for (i = 0; i < n; i++) {
			libindex_scan_free(v[i].scan);
			v[i].scan = NULL;
		}
	return ok;
}

/* scan every file (loading it), link the scans and write the index; 0, or -1 if a
 * file is unreadable */
static int index_build(struct session *s, const char *path, struct lib_file *v, size_t n)
{
	struct strbuf sb = { 0 };
	struct lib_scan **scans = xcalloc(n + 1, sizeof(*scans));
	size_t i;
	int rc = 0;

	for (i = 0; i < n; i++) {
		if (!v[i].src && !(v[i].src = parse_load(s, v[i].path, NULL))) {
			rc = -1;
			continue;
		}
		v[i].src->is_tapset = true;
		scans[i] = v[i].scan = libindex_scan(v[i].src->text, v[i].src->len);
	}
	if (!rc) {
		libindex_link(scans, n);
		sb_puts(&sb, INDEX_MAGIC);
		for (i = 0; i < n; i++) {
			sb_printf(&sb, "F %s\t%s\n", v[i].path, v[i].key ? v[i].key : "?");
			libindex_scan_write(v[i].scan, &sb);
		}
		if (path && fs_write_atomic(path, sb.buf, sb.len, 0644) && s->opt.verbose > 1)
			fprintf(stderr, "Pass 1: cannot write the tapset index %s\n", path);
	}
	sb_free(&sb);
	free(scans);
	return rc;
}

/* The .stp library: only the files the scripts may use when running a script (the
 * others wait in s->prog.lib_pending for parse_library_rest()); all of them for the
 * listings of the library (--dump-functions ...). */
static int parse_library_stp(struct session *s, const struct lib_listing *l,
			     struct srcfile **macros)
{
	const struct strlist *paths = &l->scripts;
	size_t n_macros = l->macros.n;
	struct lib_file *v;
	struct lib_scan **scans;
	struct lib_text *scripts;
	const struct stapfile *f;
	const char *idx;
	char *index_text = NULL;
	size_t n, n_scripts = 0, i;
	bool *needed;
	int rc = 0;

	n = paths->n;
	needed = xcalloc(n_macros + n + 1, sizeof(*needed));
	if (s->opt.action != ACTION_RUN) {
		for (i = 0; i < n; i++) {
			struct srcfile *src = parse_load(s, paths->v[i], NULL);

			if (!src || (src->is_tapset = true, parse_file(s, src, true, NULL)))
				rc = -1;
			needed[n_macros + i] = true;
		}
		report_dirs(s, l, 1, needed + n_macros);
		free(needed);
		return rc;
	}
	/* the index covers the macros too: library files defining @NAME, parsed already */
	v = xcalloc(n_macros + n + 1, sizeof(*v));
	for (i = 0; i < n_macros + n; i++) {
		v[i].path = i < n_macros ? l->macros.v[i] : paths->v[i - n_macros];
		v[i].src = i < n_macros ? macros[i] : NULL;
		v[i].key = i < n_macros ? l->keys[0].v[i] : l->keys[1].v[i - n_macros];
	}
	idx = index_path(s, v, n_macros + n);
	if ((!idx || !index_load(idx, v, n_macros + n, &index_text)) &&
	    index_build(s, idx, v, n_macros + n))
		rc = -1;
	for (f = s->prog.files; f; f = f->next)
		n_scripts++;
	scripts = xcalloc(n_scripts + 1, sizeof(*scripts));
	scans = xcalloc(n_macros + n + 1, sizeof(*scans));
	n_scripts = 0;
	for (f = s->prog.files; f; f = f->next)
		if (!f->is_tapset && f->src)
			scripts[n_scripts++] = (struct lib_text){ f->src->text, f->src->len, true };
	for (i = 0; i < n_macros + n; i++)
		scans[i] = v[i].scan;
	libindex_select(scripts, n_scripts, scans, n_macros + n, needed);
	s->prog.lib_pending = arena_alloc(&s->arena, (n + 1) * sizeof(*s->prog.lib_pending));
	for (i = n_macros; i < n_macros + n; i++) {
		if (!needed[i] || !v[i].scan) {
			if (v[i].scan)
				s->prog.lib_pending[s->prog.n_lib_pending++] = v[i].path;
		} else if (!v[i].src && !(v[i].src = parse_load(s, v[i].path, NULL))) {
			rc = -1;
		} else if (v[i].src->is_tapset = true, parse_file(s, v[i].src, true, NULL)) {
			rc = -1;
		}
	}
	for (i = n_macros; i < n_macros + n; i++)
		needed[i] = needed[i] && v[i].scan;
	report_dirs(s, l, 1, needed + n_macros);
	if (s->opt.verbose > 2)
		fprintf(stderr, "Pass 1: %zu of %zu library scripts needed\n",
			n - s->prog.n_lib_pending, n);
	for (i = 0; i < n_macros + n; i++)
		libindex_scan_free(scans[i]);
	free(index_text);
	free(scripts);
	free(scans);
	free(needed);
	free(v);
	return rc;
}

int parse_library_rest(struct session *s)
{
	size_t i, n = s->prog.n_lib_pending;

	if (!n)
		return 0;
	s->prog.n_lib_pending = 0;
	for (i = 0; i < n; i++) {
		struct srcfile *src = parse_load(s, s->prog.lib_pending[i], NULL);

		if (!src)
			return -1;
		src->is_tapset = true;
		if (s->opt.verbose > 2)
			fprintf(stderr, "Processing tapset \"%s\"\n", src->name);
		if (parse_file(s, src, true, NULL))
			return -1;
	}
	if (s->opt.verbose > 2)
		fprintf(stderr, "Pass 2: parsed the other %zu library scripts\n", n);
	return (int)n;
}

int pass1_parse(struct session *s)
{
	struct lib_listing lib = { 0 };
	struct srcfile *src, **macros = NULL;
	size_t i;
	int rc = 0;

	/* the keys of the tapset index, only if the library's .stp files are to be read */
	list_library(s, s->opt.last_pass > 1 && s->opt.action == ACTION_RUN, &lib);
	if (load_macros(s, &lib, &macros))
		rc = -1;
	if (s->opt.script_text)
		src = parse_srcfile(s, "<input>", s->opt.script_text, strlen(s->opt.script_text));
	else if (!strcmp(s->opt.script_file, "-"))
		src = parse_load(s, "/dev/stdin", "<stdin>");
	else
		src = parse_load(s, s->opt.script_file, NULL);
	if (!src) {
		free(macros);
		listing_free(&lib);
		return -1;
	}
	if (parse_file(s, src, false, NULL))
		rc = -1;
	/* -E SCRIPT: more user script text, parsed the same way, as <input1>, ... */
	for (i = 0; i < s->opt.extra_scripts.n; i++) {
		const char *text = s->opt.extra_scripts.v[i];
		const char *name = arena_printf(&s->arena, "<input%zu>", i + 1);

		if (parse_file(s, parse_srcfile(s, name, text, strlen(text)), false, NULL))
			rc = -1;
	}
	if (s->opt.last_pass == 1) {
		const struct stapfile *f;

		for (f = s->prog.files; f && !rc; f = f->next)
			ast_dump_file(stdout, f);
		free(macros);
		listing_free(&lib);
		return rc;
	}
	/* -T SECONDS: a probe of our own that ends the session, not part of -p1's dump */
	if (s->opt.timeout) {
		const char *text = arena_printf(&s->arena, "probe timer.ms(%ld) { exit() }",
						s->opt.timeout * 1000);

		if (parse_file(s, parse_srcfile(s, "<synthetic>", text, strlen(text)), false,
			       NULL))
			rc = -1;
	}
	if (parse_library_stp(s, &lib, macros))
		rc = -1;
	free(macros);
	listing_free(&lib);
	return rc;
}
