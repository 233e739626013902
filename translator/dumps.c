/* The driver's listings and lookups that run instead of the passes: --dump-probe-types,
 * --dump-probe-aliases, --dump-functions (one item a line, sorted, in 4.8's format as
 * far as it applies) and --example NAME. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dumps.h"
#include "passes.h"
#include "tapsets/family.h"
#include "util.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* print the lines sorted, each once, and free them */
static void print_sorted(struct strlist *lines)
{
	size_t i;

	if (lines->n)
		qsort(lines->v, lines->n, sizeof(*lines->v), cmp_str);
	for (i = 0; i < lines->n; i++)
		if (!i || strcmp(lines->v[i], lines->v[i - 1]))
			puts(lines->v[i]);
	for (i = 0; i < lines->n; i++)
		free((char *)lines->v[i]);
	strlist_free(lines);
}

/* every point a shape accepts: optional components in or out, optional arguments
 * given or not; "timer.ms(number).randomize(number)" */
static void shape_points(const struct pp_shape *sh, size_t i, struct strbuf *prefix,
			 struct strlist *out)
{
	const struct pp_spec *sp = i < PP_MAX_SPECS ? &sh->comps[i] : NULL;
	size_t len = prefix->len;
	int with_arg;

	if (!sp || !sp->name) {
		strlist_add(out, xstrdup(prefix->buf));
		return;
	}
	if (sp->optional)
		shape_points(sh, i + 1, prefix, out);
	for (with_arg = 0; with_arg < 2; with_arg++) {
		const char *arg = "";

		switch (sp->arg) {
		case PP_ARG_NONE:
			if (with_arg)
				continue;
			break;
		case PP_ARG_NUMBER:
		case PP_ARG_STRING:
			if (!with_arg)
				continue;
			/* fall through */
		case PP_ARG_OPT_NUMBER:
		case PP_ARG_OPT_STRING:
			if (with_arg)
				arg = sp->arg == PP_ARG_NUMBER || sp->arg == PP_ARG_OPT_NUMBER ?
					      "(number)" : "(string)";
			break;
		}
		sb_printf(prefix, "%s%s%s", len ? "." : "", sp->name, arg);
		shape_points(sh, i + 1, prefix, out);
		prefix->len = len;
		prefix->buf[len] = '\0';
	}
}

int dump_probe_types(struct session *s)
{
	struct strlist lines = { 0 };
	struct strbuf sb = { 0 };
	size_t f, i;

	(void)s;
	for (f = 0; f < n_families; f++) {
		const struct probe_family *fam = family_registry[f];

		if (!fam->n_shapes) {	/* matched by match(): the points it lists */
			for (i = 0; fam->points && fam->points[i]; i++)
				strlist_add(&lines, xstrdup(fam->points[i]));
			if (!fam->points)
				strlist_add(&lines, xstrdup(fam->name));
			continue;
		}
		for (i = 0; i < fam->n_shapes; i++) {
			sb_putc(&sb, '\0');
			sb.len = 0;
			shape_points(&fam->shapes[i], 0, &sb, &lines);
		}
	}
	sb_free(&sb);
	print_sorted(&lines);
	return 0;
}

/* the library, as pass 1 parses it for any script */
static int parse_library(struct session *s)
{
	s->opt.script_text = "";
	s->opt.script_file = NULL;
	s->opt.last_pass = 2;
	return pass1_parse(s);
}

static char *point_str(const struct probe_point *pp)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return xstrdup("?");
	ast_dump_point(f, pp);
	fclose(f);
	return buf;
}

int dump_probe_aliases(struct session *s)
{
	struct strlist lines = { 0 };
	const struct stapfile *file;
	const struct probe *p;
	const struct probe_point *name, *pp;

	if (parse_library(s))
		return -1;
	for (file = s->prog.files; file; file = file->next) {
		if (!file->is_tapset)
			continue;
		for (p = file->probes; p; p = p->next) {
			if (!p->is_alias)
				continue;
			for (name = p->alias_names; name; name = name->next) {
				struct strbuf sb = { 0 };
				char *t = point_str(name);

				sb_printf(&sb, "%s %s ", t, p->is_epilogue ? "+=" : "=");
				free(t);
				for (pp = p->points; pp; pp = pp->next) {
					t = point_str(pp);
					sb_printf(&sb, "%s%s", t, pp->next ? ", " : "");
					free(t);
				}
				strlist_add(&lines, sb.buf);
			}
		}
	}
	print_sorted(&lines);
	return 0;
}

int dump_functions(struct session *s)
{
	struct strlist lines = { 0 };
	const struct stapfile *file;
	const struct function *fn;
	const struct param *pa;

	if (parse_library(s))
		return -1;
	for (file = s->prog.files; file; file = file->next) {
		if (!file->is_tapset)
			continue;
		for (fn = file->functions; fn; fn = fn->next) {
			struct strbuf sb = { 0 };

			if (fn->is_private || !strncmp(fn->name, "_", 1))
				continue;
			sb_printf(&sb, "%s:%s (", fn->name, ast_type_str(fn->ret));
			for (pa = fn->params; pa; pa = pa->next)
				sb_printf(&sb, "%s:%s%s", pa->name, ast_type_str(pa->type),
					  pa->next ? ", " : "");
			sb_puts(&sb, ")");
			strlist_add(&lines, sb.buf);
		}
	}
	print_sorted(&lines);
	return 0;
}

/* NAME anywhere under DIR, depth first in name order; a malloc'ed path or NULL */
static char *find_in(const char *dir, const char *name, int depth)
{
	struct strlist names = { 0 };
	struct dirent *de;
	DIR *d = depth < 8 ? opendir(dir) : NULL;
	char *found = NULL;
	size_t i;

	if (!d)
		return NULL;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			strlist_add(&names, xstrdup(de->d_name));
	closedir(d);
	if (names.n)
		qsort(names.v, names.n, sizeof(*names.v), cmp_str);
	for (i = 0; i < names.n; i++) {
		char *path = xasprintf("%s/%s", dir, names.v[i]);

		if (!found && !strcmp(names.v[i], name) && !is_dir(path))
			found = xstrdup(path);
		else if (!found && is_dir(path))
			found = find_in(path, name, depth + 1);
		free(path);
		free((char *)names.v[i]);
	}
	strlist_free(&names);
	return found;
}

const char *opts_find_example(struct session *s, const char *name)
{
	const char *dir = getenv("SYSTEMTAP_EXAMPLES");	/* tests point it elsewhere */
	char *want, *path;
	const char *ret = NULL;

	if (!dir || !*dir)
		dir = EXAMPLES_DIR;
	if (strchr(name, '/')) {
		diag_plain(s, "stap", "--example takes the name of an example, not a path: '%s'",
			   name);
		return NULL;
	}
	if (!is_dir(dir)) {
		diag_plain(s, "stap", "--example: no examples in %s (install systemtap-doc)",
			   dir);
		return NULL;
	}
	want = strlen(name) > 4 && !strcmp(name + strlen(name) - 4, ".stp") ?
		       xstrdup(name) : xasprintf("%s.stp", name);
	path = find_in(dir, want, 0);
	if (path)
		ret = arena_strdup(&s->arena, path);
	else
		diag_plain(s, "stap", "--example: no example '%s' in %s", want, dir);
	free(path);
	free(want);
	return ret;
}
