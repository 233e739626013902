/* The kernel functions' source files and lines, for symfileline(), symfile() and
 * symline() (tapset/linux/symlines.stp): when a used tapset function reads
 * `_stp_kline...`, the module gets a table of the target kernel's out-of-line
 * functions sorted by name, each with its declaration's file and line. The runtime
 * finds the function of an address by name through kallsyms (no KASLR offset
 * needed); a name that several functions with different places share is marked
 * unknown. */
#include <stdlib.h>
#include <string.h>

#include "dwarf/dwarf.h"
#include "translate/translate.h"

struct kline {
	const char *name, *file;
	uint32_t line;
};

static int cmp_kline(const void *a, const void *b)
{
	const struct kline *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (!c)
		c = strcmp(x->file, y->file);
	if (!c)
		c = (x->line > y->line) - (x->line < y->line);
	return c;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool wants_klines(struct session *s)
{
	const struct function *fn;

	for (fn = s->prog.functions; fn; fn = fn->next_used)
		if (fn->is_tapset && fn->body->kind == AST_EMBEDDED &&
		    strstr(fn->body->u.str, "_stp_kline"))
			return true;
	return false;
}

static size_t file_index(const char **files, size_t n, const char *file)
{
	const char **p = bsearch(&file, files, n, sizeof(*files), cmp_str);

	return p ? (size_t)(p - files) : 0;
}

void xl_emit_klines(struct session *s, struct emitter *decl)
{
	struct dw_object *k;
	struct kline *v;
	const char **files;
	size_t i, j, n = 0, n_files = 0;

	if (!wants_klines(s))
		return;
	k = dw_kernel(s, NULL);
	if (!k)
		return;
	v = xmalloc((k->n_funcs + 1) * sizeof(*v));
	for (i = 0; i < k->n_funcs; i++) {
		const struct dw_func *f = &k->funcs[i];

		if ((f->flags & DWF_INLINE) || !f->addr || !f->line)
			continue;
		v[n].name = dw_str(k, f->name);
		v[n].file = dw_str(k, f->file);
		v[n].line = f->line;
		if (!v[n].name || !*v[n].name || !v[n].file || !*v[n].file)
			continue;
		n++;
	}
	qsort(v, n, sizeof(*v), cmp_kline);
	files = xmalloc((n + 1) * sizeof(*files));
	for (i = 0; i < n; i++)
		files[n_files++] = v[i].file;
	qsort(files, n_files, sizeof(*files), cmp_str);
	for (i = j = 0; i < n_files; i++)
		if (!j || strcmp(files[j - 1], files[i]))
			files[j++] = files[i];
	n_files = j;

	emit_open(decl, "const char *const _stp_kline_files[] =");
	for (i = 0; i < n_files; i++) {
		char *c = emit_cstr(files[i]);

		emit_line(decl, "%s,", c);
		free(c);
	}
	emit_close(decl, "};");
	emit_open(decl, "const struct _stp_kline _stp_klines[] =");
	for (i = 0; i < n; i = j) {
		bool same = true;
		char *c;

		/* one entry per name; -1 when its functions are in different places */
		for (j = i + 1; j < n && !strcmp(v[j].name, v[i].name); j++)
			if (strcmp(v[j].file, v[i].file) || v[j].line != v[i].line)
				same = false;
		c = emit_cstr(v[i].name);
		emit_line(decl, "{ %s, %ld, %u },", c,
			  same ? (long)file_index(files, n_files, v[i].file) : -1L,
			  same ? v[i].line : 0);
		free(c);
	}
	emit_close(decl, "};");
	emit_line(decl, "const size_t _stp_n_klines = ARRAY_SIZE(_stp_klines);");
	free(files);
	free(v);
}
