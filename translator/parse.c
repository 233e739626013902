/* Pass 1: parse script files into struct stapfile. */
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
};

const char *lex_describe(struct session *s, enum tok_cat cat, const char *text, size_t len)
{
	if (cat == TOKCAT_NONE || !text)
		return NULL;
	if (len > 40)
		return arena_printf(&s->arena, "%s '%.37s...'", cat_names[cat], text);
	return arena_printf(&s->arena, "%s '%.*s'", cat_names[cat], (int)len, text);
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

int parse_file(struct session *s, const struct srcfile *src, bool is_tapset,
	       struct stapfile **out)
{
	struct parser p = { .s = s, .src = src, .line = 1, .col = 1 };
	struct stapfile *file = arena_alloc(&s->arena, sizeof(*file)), **tail;
	yyscan_t scanner;
	int rc;

	if (src->len > (size_t)1 << 30) {
		diag_plain(s, "parse error", "%s: file too large", src->name);
		return -1;
	}
	file->src = src;
	file->is_tapset = is_tapset;
	p.file = file;
	if (yylex_init_extra(&p, &scanner)) {
		diag_internal(s, "%s:%d: cannot start the lexer", __FILE__, __LINE__);
		return -1;
	}
	p.scanner = scanner;
	yy_scan_bytes(src->text, (int)src->len, scanner);
	rc = yyparse(&p);
	yylex_destroy(scanner);
	if (rc == 2) {
		diag_plain(s, "parse error", "%s: out of memory or input too deeply nested",
			   src->name);
		p.n_errors++;
	}
	if (rc && !p.n_errors)
		p.n_errors++;
	for (tail = &s->prog.files; *tail; tail = &(*tail)->next)
		;
	*tail = file;
	if (out)
		*out = file;
	return p.n_errors ? -1 : 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Parse every .stp file of one tapset directory, in name order. */
static int parse_tapset_dir(struct session *s, const char *dir)
{
	struct strlist names = { 0 };
	struct dirent *de;
	DIR *d = opendir(dir);
	size_t i;
	int rc = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len > 4 && !strcmp(de->d_name + len - 4, ".stp"))
			strlist_add(&names, arena_strdup(&s->arena, de->d_name));
	}
	closedir(d);
	qsort(names.v, names.n, sizeof(*names.v), cmp_str);
	for (i = 0; i < names.n; i++) {
		char *path = xasprintf("%s/%s", dir, names.v[i]);
		struct srcfile *src = parse_load(s, path, NULL);

		free(path);
		if (!src || parse_file(s, src, true, NULL))
			rc = -1;
	}
	strlist_free(&names);
	return rc;
}

/* A tapset directory, its linux/ part and the target architecture's parts. */
static int parse_tapsets(struct session *s, const char *dir)
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
		if (parse_tapset_dir(s, paths[i]))
			rc = -1;
		free(paths[i]);
	}
	return rc;
}

int pass1_parse(struct session *s)
{
	struct srcfile *src;
	size_t i;
	int rc = 0;

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
	if (s->opt.last_pass == 1) {
		if (!rc)
			ast_dump_file(stdout, s->prog.files);
		return rc;
	}
	for (i = 0; i < s->opt.include_dirs.n; i++)
		if (parse_tapsets(s, s->opt.include_dirs.v[i]))
			rc = -1;
	if (parse_tapsets(s, s->paths.tapset_dir))
		rc = -1;
	return rc;
}
