/* Pass 2: elaborate the parsed files into derived probes, reachable functions and
 * globals, with every name resolved and every expression typed. */
#include <stdio.h>
#include <string.h>

#include "elaborate/elaborate.h"
#include "bpf/bpf.h"
#include "passes.h"

static const struct { const char *name; enum builtin bi; } builtins[] = {
	{ "print", BI_PRINT }, { "println", BI_PRINTLN }, { "printf", BI_PRINTF },
	{ "printd", BI_PRINTD }, { "printdln", BI_PRINTDLN }, { "sprint", BI_SPRINT },
	{ "sprintln", BI_SPRINTLN }, { "sprintf", BI_SPRINTF }, { "sprintd", BI_SPRINTD },
	{ "sprintdln", BI_SPRINTDLN },
};

enum builtin elab_builtin(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (!strcmp(builtins[i].name, name))
			return builtins[i].bi;
	return BI_NONE;
}

/* a node pass 2 must not hand to pass 3 (the contracts in elaborate.h) */
static enum ast_walk_rc check_pre(struct ast_node *n, void *ctx)
{
	struct session *s = ctx;
	const char *what = NULL;

	if (n->kind == AST_TARGET || n->kind == AST_CAST || n->kind == AST_ATVAR ||
	    n->kind == AST_DEFINED || n->kind == AST_ENTRY)
		what = "target expression";
	else if (n->kind == AST_IDENT && !n->u.ident.sym)
		what = "unresolved variable";
	else if (n->kind == AST_CALL && !n->u.call.fn && elab_builtin(n->u.call.name) == BI_NONE)
		what = "unresolved call";
	if (what)
		diag_error(s, &n->loc, "internal error: %s:%d: %s left after pass 2", __FILE__,
			   __LINE__, what);
	return AST_WALK_CONTINUE;
}

int elab_check_post_pass2(struct session *s)
{
	const struct ast_walker w = { .pre = check_pre, .ctx = s };
	int errors = s->diag.n_errors;
	struct derived_probe *dp;
	struct function *fn;
	struct global *g;

	for (dp = s->prog.probes; dp; dp = dp->next) {
		ast_walk(dp->cond, &w);
		if (dp->owns_body)
			ast_walk(dp->body, &w);
	}
	for (fn = s->prog.functions; fn; fn = fn->next_used)
		ast_walk(fn->body, &w);
	for (g = s->prog.globals; g; g = g->next_used)
		ast_walk(g->init, &w);
	return s->diag.n_errors > errors ? -1 : 0;
}

/* --check-version: what the script uses that a systemtap_v condition shapes, in 4.8's
 * words and order (4.8 never flags the globals and functions it means to) */
static void check_version(struct session *s)
{
	static const char msg[] = "uses tapset constructs that are dependent on systemtap version";
	const struct derived_probe *dp;
	const struct stapfile *f;
	const struct function *fn;
	const struct global *g;
	struct probe *pr;

	for (g = s->prog.globals; g; g = g->next_used)
		if (g->version_dependent)
			diag_warn(s, &g->loc, "This global %s", msg);
	for (fn = s->prog.functions; fn; fn = fn->next_used)
		if (fn->version_dependent)
			diag_warn(s, &fn->loc, "This function %s", msg);
	for (dp = s->prog.probes; dp; dp = dp->next)
		if (dp->probe->version_dependent && !dp->probe->expanded) {
			dp->probe->expanded = true;	/* once for all its points */
			diag_warn(s, &dp->probe->loc, "This probe %s", msg);
		}
	for (f = s->prog.files; f; f = f->next)
		for (pr = f->probes; pr; pr = pr->next)
			if (pr->is_alias && pr->expanded && pr->version_dependent)
				diag_warn(s, &pr->loc, "This alias %s", msg);
}

int pass2_elaborate(struct session *s)
{
	/* the user script's own file counts as used */
	if (elab_probes(s))
		return -1;
	if (elab_resolve(s))
		return -1;
	if (s->opt.check_version)
		check_version(s);
	if (elab_elide(s))
		return -1;
	if (elab_types(s))
		return -1;
	if (elab_optimize(s))
		return -1;
	if (s->diag.n_errors)
		return -1;
	if (elab_check_post_pass2(s))
		return -1;
	if (elab_check(s))
		return -1;
	if (s->opt.bpf && bpf_check(s))
		return -1;
	elab_access(s);
	elab_nesting(s);
	/* like pass 1's -p1 dump: the driver stops after this pass */
	if (s->opt.last_pass == 2)
		elab_dump(s, stdout);
	return 0;
}
