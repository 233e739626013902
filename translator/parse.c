/* Pass 1: parse the user script and the tapset library into struct stapfile. Library
 * macros (*.stpm) are read first, since any script may use them. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

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

const char *lex_describe(struct session *s, enum tok_cat cat, const char *text, size_t len)
{
	char buf[128];
	size_t o, i;

	if (cat == TOKCAT_NONE || !text)
		return NULL;
	if (cat == TOKCAT_STRING && len && text[0] == '"') {
		text++;
		len -= len >= 2 && text[len - 2] == '"' ? 2 : 1;
	}
	o = (size_t)snprintf(buf, sizeof(buf), "%s '", cat_names[cat]);
	for (i = 0; i < len && o < 64; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c < 32 || c >= 127)
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "\\%03o", c);
		else
			buf[o++] = (char)c;
	}
	if (i < len)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "...");
	snprintf(buf + o, sizeof(buf) - o, "'");
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

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Parse every file with the suffix in one tapset directory, in name order. */
static int parse_tapset_dir(struct session *s, const char *dir, const char *suffix)
{
	struct strlist names = { 0 };
	struct dirent *de;
	DIR *d = opendir(dir);
	size_t i;
	int rc = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (has_suffix(de->d_name, suffix))
			strlist_add(&names, arena_strdup(&s->arena, de->d_name));
	}
	closedir(d);
	if (names.n)
		qsort(names.v, names.n, sizeof(*names.v), cmp_str);
	for (i = 0; i < names.n; i++) {
		char *path = xasprintf("%s/%s", dir, names.v[i]);
		struct srcfile *src = parse_load(s, path, NULL);

		free(path);
		if (!src)
			rc = -1;
		else if (src->is_tapset = true, parse_file(s, src, true, NULL))
			rc = -1;
	}
	strlist_free(&names);
	return rc;
}

/* A tapset directory, its linux/ part and the target architecture's parts. */
static int parse_tapsets(struct session *s, const char *dir, const char *suffix)
{
	const char *arch = s->kern.arch ? s->kern.arch : "x86_64";
	char *paths[4];
	size_t i;
	int rc = 0;

	paths[0] = xstrdup(dir);
	paths[1] = xasprintf("%s/linux", dir);
	paths[2] = xasprintf("%s/%s", dir, arch);
	paths[3] = xasprintf("%s/linux/%s", dir, arch);
	for (i = 0; i < ARRAY_LEN(paths); i++) {
		if (parse_tapset_dir(s, paths[i], suffix))
			rc = -1;
		free(paths[i]);
	}
	return rc;
}

static int parse_library(struct session *s, const char *suffix)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < s->opt.include_dirs.n; i++)
		if (parse_tapsets(s, s->opt.include_dirs.v[i], suffix))
			rc = -1;
	if (s->paths.tapset_dir && parse_tapsets(s, s->paths.tapset_dir, suffix))
		rc = -1;
	return rc;
}

int pass1_parse(struct session *s)
{
	struct srcfile *src;
	size_t i;
	int rc = 0;

	if (parse_library(s, ".stpm"))
		rc = -1;
	if (s->opt.script_text)
		src = parse_srcfile(s, "<input>", s->opt.script_text, strlen(s->opt.script_text));
	else if (!strcmp(s->opt.script_file, "-"))
		src = parse_load(s, "/dev/stdin", "<stdin>");
	else
		src = parse_load(s, s->opt.script_file, NULL);
	if (!src)
		return -1;
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
	if (parse_library(s, ".stp"))
		rc = -1;
	return rc;
}
