/* Pass 2's -p2 output, in systemtap's shape: the globals with their types, the
 * reachable functions with parameters and locals, then each derived probe with the
 * probe points it came from and its locals. */
#include <inttypes.h>

#include "elaborate/elaborate.h"

static void dump_type(FILE *f, const struct symbol *sym)
{
	int i;

	fputs(ast_type_str(sym->type), f);
	if (sym->n_keys <= 0)
		return;
	fputs(" [", f);
	for (i = 0; i < sym->n_keys && i < ELAB_MAX_KEYS; i++)
		fprintf(f, "%s%s", i ? ", " : "", ast_type_str(sym->key_types[i]));
	fputc(']', f);
}

static void dump_locals(FILE *f, const struct symbol *locals)
{
	const struct symbol *l;
	int n = 0, i;

	for (l = locals; l; l = l->next)
		n++;
	if (!n)
		return;
	fputs("  # locals\n", f);
	/* the list is newest first; print in order of first use */
	for (i = n - 1; i >= 0; i--) {
		int j = 0;

		for (l = locals; j < i; l = l->next)
			j++;
		fprintf(f, "  %s:", l->name);
		dump_type(f, l);
		fputc('\n', f);
	}
}

static void dump_points(FILE *f, const struct probe_point *pp)
{
	for (; pp; pp = pp->next) {
		ast_dump_point(f, pp);
		if (pp->next)
			fputc(',', f);
	}
}

void elab_dump(struct session *s, FILE *f)
{
	const struct symbol *g;
	const struct function *fn;
	const struct derived_probe *dp;
	const struct stapfile *file;
	const struct ast_node *e;
	bool any = false;

	for (file = s->prog.files; file; file = file->next)
		if (file->used && file->embeds)
			any = true;
	if (any) {
		fputs("# global embedded code\n", f);
		for (file = s->prog.files; file; file = file->next)
			if (file->used)
				for (e = file->embeds; e; e = e->next)
					fprintf(f, "%%{%s%%}\n", e->u.str);
	}
	if (s->prog.global_syms)
		fputs("# globals\n", f);
	for (g = s->prog.global_syms; g; g = g->next) {
		fputs(g->name, f);
		if (g->global->size)
			fprintf(f, "[%" PRId64 "]", g->global->size);
		fputc(':', f);
		dump_type(f, g);
		fputc('\n', f);
	}
	if (s->prog.functions)
		fputs("# functions\n", f);
	for (fn = s->prog.functions; fn; fn = fn->next_used) {
		const struct symbol *p;

		fprintf(f, "%s:%s (", fn->name, fn->body->kind == AST_EMBEDDED &&
			fn->ret == TYPE_UNKNOWN ? "unknown" : ast_type_str(fn->ret));
		for (p = fn->info->params; p; p = p->next)
			fprintf(f, "%s%s:%s", p == fn->info->params ? "" : ", ", p->name,
				ast_type_str(p->type));
		fputs(")\n", f);
		dump_locals(f, fn->info->locals);
	}
	if (s->prog.probes)
		fputs("# probes\n", f);
	for (dp = s->prog.probes; dp; dp = dp->next) {
		fprintf(f, "%s /* <- ", dp->pp_str);
		dump_points(f, dp->probe->points);
		fputs(" */\n", f);
		dump_locals(f, dp->locals);
	}
}
