/* Pass 2, after check.c: how the code uses the globals. For each derived probe, the
 * globals its handler and the functions it calls read and write (its lock set: a
 * write, or reading a statistic, which aggregates it, takes the lock exclusively; <<<
 * takes it shared); for each global, whether it is printed at the end of the session
 * (a user global that is written but never read). Pass 3 only reads the results. */
#include <stdlib.h>
#include <string.h>

#include "elaborate/elaborate.h"

enum { ACC_NONE, ACC_READ, ACC_WRITE };

struct access {
	struct session *s;
	int n_globals;
	unsigned char *mode;		/* by global index: the current probe's lock modes */
	bool *written, *read;		/* by global index: of the whole program */
	struct function **seen;		/* functions the current probe reaches */
	int n_seen, cap_seen;
};

static enum ast_walk_rc access_pre(struct ast_node *n, void *ctx);

static void walk(struct access *a, struct ast_node *n)
{
	const struct ast_walker w = { access_pre, NULL, a };

	ast_walk(n, &w);
}

static void walk_list(struct access *a, struct ast_node *n)
{
	for (; n; n = n->next)
		walk(a, n);
}

static int global_index(struct session *s, const struct symbol *sym)
{
	const struct symbol *g;
	int i = 0;

	for (g = s->prog.global_syms; g; g = g->next, i++)
		if (g == sym)
			return i;
	return -1;
}

/* a use of sym: mode is the lock it needs; written/read say how it is used */
static void use(struct access *a, const struct symbol *sym, int mode, bool written, bool read)
{
	int i;

	if (!sym || sym->kind != SYM_GLOBAL)
		return;
	i = global_index(a->s, sym);
	if (i < 0)
		return;
	if (a->mode[i] < mode)
		a->mode[i] = (unsigned char)mode;
	a->written[i] |= written;
	a->read[i] |= read;
}

/* an lvalue written (and read too when rmw) */
static void walk_lvalue(struct access *a, struct ast_node *n, bool rmw)
{
	if (n->kind == AST_INDEX && n->u.index.base->kind == AST_IDENT) {
		walk_list(a, n->u.index.keys);
		use(a, n->u.index.base->u.ident.sym, ACC_WRITE, true, rmw);
	} else if (n->kind == AST_IDENT) {
		use(a, n->u.ident.sym, ACC_WRITE, true, rmw);
	} else {
		walk(a, n);
	}
}

static void walk_function(struct access *a, struct function *fn)
{
	int i;

	for (i = 0; i < a->n_seen; i++)
		if (a->seen[i] == fn)
			return;
	if (a->n_seen == a->cap_seen) {
		a->cap_seen = a->cap_seen ? 2 * a->cap_seen : 16;
		a->seen = xrealloc(a->seen, sizeof(*a->seen) * (size_t)a->cap_seen);
	}
	a->seen[a->n_seen++] = fn;
	if (fn->body->kind != AST_EMBEDDED)
		walk(a, fn->body);
}

static void walk_foreach(struct access *a, struct ast_node *n)
{
	struct symbol *arr = elab_base_sym(n->u.foreach.array);
	struct ast_node *k;

	if (n->u.foreach.array->kind == AST_STAT)
		walk(a, n->u.foreach.array);
	else if (arr && arr->type == TYPE_STATS)
		use(a, arr, ACC_WRITE, true, true);	/* aggregated: exclusive */
	else
		use(a, arr, ACC_READ, false, true);
	walk_list(a, n->u.foreach.slice);
	for (k = n->u.foreach.keys; k; k = k->next)
		walk_lvalue(a, k, false);
	if (n->u.foreach.value)
		walk_lvalue(a, n->u.foreach.value, false);
	walk(a, n->u.foreach.limit);
	walk(a, n->u.foreach.body);
}

static enum ast_walk_rc access_pre(struct ast_node *n, void *ctx)
{
	struct access *a = ctx;
	struct ast_node *l;

	switch (n->kind) {
	case AST_IDENT:
		use(a, n->u.ident.sym, ACC_READ, false, true);
		return AST_WALK_SKIP;
	case AST_CALL:
		walk_list(a, n->u.call.args);
		if (n->u.call.fn)
			walk_function(a, n->u.call.fn);
		return AST_WALK_SKIP;
	case AST_INCDEC:
		walk_lvalue(a, n->u.incdec.operand, true);
		return AST_WALK_SKIP;
	case AST_ASSIGN:
		walk(a, n->u.assign.rhs);
		l = n->u.assign.lhs;
		if (n->u.assign.op != OP_STAT_ADD) {
			walk_lvalue(a, l, n->u.assign.op != OP_ASSIGN);
			return AST_WALK_SKIP;
		}
		if (l->kind == AST_INDEX)
			walk_list(a, l->u.index.keys);
		/* per-CPU accumulation: shared with other adders, and a write as far
		 * as printing at the end is concerned */
		use(a, elab_base_sym(l), ACC_READ, true, false);
		return AST_WALK_SKIP;
	case AST_STAT:
		/* aggregation rebuilds shared state: exclusive */
		if (n->u.stat.operand->kind == AST_INDEX)
			walk_list(a, n->u.stat.operand->u.index.keys);
		use(a, elab_base_sym(n->u.stat.operand), ACC_WRITE, true, true);
		return AST_WALK_SKIP;
	case AST_DELETE:
		walk_lvalue(a, n->u.operand, false);
		return AST_WALK_SKIP;
	case AST_FOREACH:
		walk_foreach(a, n);
		return AST_WALK_SKIP;
	case AST_TRY:
		walk(a, n->u.try_.body);
		if (n->u.try_.var)
			walk_lvalue(a, n->u.try_.var, false);
		walk(a, n->u.try_.handler);
		return AST_WALK_SKIP;
	case AST_NUMBER: case AST_STRING: case AST_EMBEDDED_EXPR: case AST_EMBEDDED:
	case AST_NEXT: case AST_BREAK: case AST_CONTINUE: case AST_NULL:
	case AST_TARGET: case AST_CAST: case AST_ATVAR: case AST_DEFINED: case AST_ENTRY:
		return AST_WALK_SKIP;
	case AST_INDEX: case AST_BINARY: case AST_UNARY: case AST_TERNARY: case AST_IN:
	case AST_BLOCK: case AST_EXPR_STMT: case AST_RETURN: case AST_IF: case AST_WHILE:
	case AST_FOR:
		return AST_WALK_CONTINUE;
	}
	return AST_WALK_CONTINUE;
}

static bool is_user_global(struct session *s, const struct symbol *g)
{
	struct stapfile *f;
	struct global *gl;

	for (f = s->prog.files; f; f = f->next)
		for (gl = f->globals; gl; gl = gl->next)
			if (gl == g->global)
				return !f->is_tapset;
	return false;
}

/* dp's lock set from a->mode, in global order */
static void store_locks(struct access *a, struct derived_probe *dp)
{
	struct global_lock *locks;
	const struct symbol *g;
	int i, n = 0;

	for (i = 0; i < a->n_globals; i++)
		n += a->mode[i] != ACC_NONE;
	dp->n_locks = n;
	dp->locks = NULL;
	if (!n)
		return;
	locks = arena_alloc(&a->s->arena, sizeof(*locks) * (size_t)n);
	for (g = a->s->prog.global_syms, i = 0, n = 0; g; g = g->next, i++)
		if (a->mode[i] != ACC_NONE) {
			locks[n].sym = g;
			locks[n++].write = a->mode[i] == ACC_WRITE;
		}
	dp->locks = locks;
}

int elab_access(struct session *s)
{
	struct access a = { .s = s };
	struct derived_probe *dp;
	struct symbol *g;
	int i;

	for (g = s->prog.global_syms; g; g = g->next)
		a.n_globals++;
	a.mode = xcalloc((size_t)a.n_globals + 1, 1);
	a.written = xcalloc((size_t)a.n_globals + 1, sizeof(bool));
	a.read = xcalloc((size_t)a.n_globals + 1, sizeof(bool));
	for (dp = s->prog.probes; dp; dp = dp->next) {
		memset(a.mode, 0, (size_t)a.n_globals);
		a.n_seen = 0;
		walk(&a, dp->cond);
		walk(&a, dp->body);
		store_locks(&a, dp);
	}
	/* functions no probe reaches are translated too: their uses count for printing */
	memset(a.mode, 0, (size_t)a.n_globals);
	a.n_seen = 0;
	{
		struct function *fn;

		for (fn = s->prog.functions; fn; fn = fn->next_used)
			walk_function(&a, fn);
	}
	for (g = s->prog.global_syms, i = 0; g; g = g->next, i++)
		g->autoprint = (g->written || a.written[i]) && !(g->read || a.read[i]) &&
			       is_user_global(s, g);
	free(a.mode);
	free(a.written);
	free(a.read);
	free(a.seen);
	return 0;
}
