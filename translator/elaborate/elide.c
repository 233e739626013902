/* Pass 2, step 2b: remove dead code before types are inferred, as systemtap's optimiser
 * does (not with -u):
 * - an assignment (= or <<<) to a local or parameter that is never read becomes its
 *   right-hand side: "Eliding assignment to 'x'", and side effects stay;
 * - an expression statement without side effects goes: "Eliding side-effect-free
 *   expression"; an if with a pure condition and empty branches goes silently;
 * - then locals, functions and globals nothing refers to any more are dropped.
 * This repeats until nothing changes. Like systemtap, only the first round warns (all
 * rounds with -vvv), and never about tapset code; -w silences the warnings.
 * Because it runs before types.c, code that is elided is never typed: `x = y` with y
 * never assigned is not an "unresolved type" error. */
#include <stdlib.h>
#include <string.h>

#include "elaborate/elaborate.h"
#include "util.h"

struct elider {
	struct session *s;
	bool warn;			/* report what is elided (first round or -vvv) */
	bool reduce;			/* second phase: statements, not assignments */
	bool changed;
};

static bool is_user(const struct srcloc *loc)
{
	return loc && loc->file && !loc->file->is_tapset;
}

/* what is elided: a warning in user code; verbose_only ones need -vvv */
static void note(struct elider *e, const struct srcloc *loc, bool verbose_only,
		 const char *what, const char *name)
{
	if (!is_user(loc))
		return;
	if (verbose_only ? e->s->opt.verbose > 2 : e->warn)
		diag_warn(e->s, loc, "Eliding %s%s%s", what, name ? name : "", name ? "'" : "");
}

/* ---- side effects ---------------------------------------------------------------- */

static bool pure_expr(struct session *s, const struct ast_node *n, bool local_writes_ok);
static bool pure_stmt(struct session *s, const struct ast_node *n);

static bool pure_list(struct session *s, const struct ast_node *n, bool lw)
{
	for (; n; n = n->next)
		if (!pure_expr(s, n, lw))
			return false;
	return true;
}

static bool is_local(const struct ast_node *n)
{
	return n && n->kind == AST_IDENT && n->u.ident.sym &&
	       n->u.ident.sym->kind != SYM_GLOBAL;
}

/* A function is pure if its body writes nothing but its own locals, prints nothing,
 * and calls only pure functions; embedded C only if marked (a comment) pure. */
static bool pure_function(struct session *s, struct function *fn)
{
	struct function_info *fi = elab_fn_info(s, fn);

	if (fi->purity == 1)
		return true;	/* recursion: decided by the rest of the body */
	if (fi->purity)
		return fi->purity == 2;
	fi->purity = 1;
	if (fn->body->kind == AST_EMBEDDED)
		fi->purity = strstr(fn->body->u.str, "/* pure */") ? 2 : 3;
	else
		fi->purity = pure_stmt(s, fn->body) ? 2 : 3;
	return fi->purity == 2;
}

static bool pure_call(struct session *s, const struct ast_node *n, bool lw)
{
	struct function *fn;
	enum builtin bi = elab_builtin(n->u.call.name);

	if (!pure_list(s, n->u.call.args, lw))
		return false;
	if (bi != BI_NONE)
		return bi >= BI_SPRINT;
	if (!n->u.call.fn)
		return false;
	/* the call may run any overload, via `next` */
	for (fn = n->u.call.fn; fn; fn = fn->next_overload)
		if (!pure_function(s, fn))
			return false;
	return true;
}

/* Does evaluating n change nothing visible (with local_writes_ok: but locals)? */
static bool pure_expr(struct session *s, const struct ast_node *n, bool lw)
{
	if (!n)
		return true;
	switch (n->kind) {
	case AST_NUMBER: case AST_STRING: case AST_IDENT:
		return true;
	case AST_INDEX:
		return pure_expr(s, n->u.index.base, lw) && pure_list(s, n->u.index.keys, lw);
	case AST_CALL:
		return pure_call(s, n, lw);
	case AST_BINARY:
		if (n->u.binary.op == OP_MATCH || n->u.binary.op == OP_NOMATCH)
			return false;	/* sets what matched() returns */
		return pure_expr(s, n->u.binary.lhs, lw) && pure_expr(s, n->u.binary.rhs, lw);
	case AST_UNARY:
		return pure_expr(s, n->u.unary.operand, lw);
	case AST_INCDEC:
		return lw && is_local(n->u.incdec.operand);
	case AST_ASSIGN:
		return lw && is_local(n->u.assign.lhs) && pure_expr(s, n->u.assign.rhs, lw);
	case AST_TERNARY:
		return pure_expr(s, n->u.ternary.cond, lw) && pure_expr(s, n->u.ternary.then, lw) &&
		       pure_expr(s, n->u.ternary.other, lw);
	case AST_IN:
		return pure_list(s, n->u.in.keys, lw) && pure_expr(s, n->u.in.array, lw);
	case AST_STAT:
		return pure_expr(s, n->u.stat.operand, lw) && pure_list(s, n->u.stat.params, lw);
	case AST_EMBEDDED_EXPR:
		return strstr(n->u.str, "/* pure */") != NULL;
	case AST_TARGET: case AST_CAST: case AST_ATVAR: case AST_DEFINED: case AST_ENTRY:
		/* target.c rewrites these into calls; whatever is left, keep */
		return false;
	case AST_BLOCK: case AST_EXPR_STMT: case AST_IF: case AST_WHILE: case AST_FOR:
	case AST_FOREACH: case AST_DELETE: case AST_NEXT: case AST_BREAK: case AST_CONTINUE:
	case AST_RETURN: case AST_TRY: case AST_NULL: case AST_EMBEDDED:
		return pure_stmt(s, n);
	}
	return false;
}

/* a statement of a function body: may write the function's own locals */
static bool pure_stmt(struct session *s, const struct ast_node *n)
{
	const struct ast_node *c;

	if (!n)
		return true;
	switch (n->kind) {
	case AST_BLOCK:
		for (c = n->u.block.stmts; c; c = c->next)
			if (!pure_stmt(s, c))
				return false;
		return true;
	case AST_EXPR_STMT:
	case AST_RETURN:
		return pure_expr(s, n->u.operand, true);
	case AST_IF:
		return pure_expr(s, n->u.cond.cond, true) && pure_stmt(s, n->u.cond.then) &&
		       pure_stmt(s, n->u.cond.other);
	case AST_WHILE:
	case AST_FOR:
		return pure_expr(s, n->u.loop.init, true) && pure_expr(s, n->u.loop.cond, true) &&
		       pure_expr(s, n->u.loop.incr, true) && pure_stmt(s, n->u.loop.body);
	case AST_FOREACH:
		return pure_expr(s, n->u.foreach.array, true) &&
		       pure_expr(s, n->u.foreach.limit, true) && pure_stmt(s, n->u.foreach.body);
	case AST_DELETE:
		return is_local(n->u.operand);
	case AST_TRY:
		return pure_stmt(s, n->u.try_.body) && pure_stmt(s, n->u.try_.handler);
	case AST_NEXT: case AST_BREAK: case AST_CONTINUE: case AST_NULL:
		return true;
	case AST_EMBEDDED:
		return strstr(n->u.str, "/* pure */") != NULL;
	case AST_NUMBER: case AST_STRING: case AST_IDENT: case AST_INDEX: case AST_CALL:
	case AST_BINARY: case AST_UNARY: case AST_INCDEC: case AST_ASSIGN: case AST_TERNARY:
	case AST_IN: case AST_STAT: case AST_TARGET: case AST_CAST: case AST_ATVAR:
	case AST_DEFINED: case AST_ENTRY: case AST_EMBEDDED_EXPR:
		return pure_expr(s, n, true);
	}
	return false;
}

/* ---- references ------------------------------------------------------------------ */

static void refs(struct ast_node *n);

static void refs_list(struct ast_node *n)
{
	for (; n; n = n->next)
		refs(n);
}

/* a variable written without being read: =, <<<, foreach, catch, delete */
static void ref_write(struct ast_node *n)
{
	if (!n)
		return;
	if (n->kind == AST_IDENT && n->u.ident.sym) {
		n->u.ident.sym->n_refs++;
		return;
	}
	if (n->kind == AST_INDEX && n->u.index.base->kind == AST_IDENT) {
		if (n->u.index.base->u.ident.sym)
			n->u.index.base->u.ident.sym->n_refs++;
		refs_list(n->u.index.keys);
		return;
	}
	refs(n);
}

static void refs(struct ast_node *n)
{
	if (!n)
		return;
	switch (n->kind) {
	case AST_IDENT:
		if (n->u.ident.sym) {
			n->u.ident.sym->n_refs++;
			n->u.ident.sym->read = true;
		}
		break;
	case AST_INDEX:
		refs(n->u.index.base);
		refs_list(n->u.index.keys);
		break;
	case AST_CALL:
		refs_list(n->u.call.args);
		break;
	case AST_BINARY:
		refs(n->u.binary.lhs);
		refs(n->u.binary.rhs);
		break;
	case AST_UNARY:
		refs(n->u.unary.operand);
		break;
	case AST_INCDEC:
		refs(n->u.incdec.operand);
		break;
	case AST_ASSIGN:
		refs(n->u.assign.rhs);
		if (n->u.assign.op == OP_ASSIGN || n->u.assign.op == OP_STAT_ADD)
			ref_write(n->u.assign.lhs);
		else
			refs(n->u.assign.lhs);
		break;
	case AST_TERNARY:
		refs(n->u.ternary.cond);
		refs(n->u.ternary.then);
		refs(n->u.ternary.other);
		break;
	case AST_IN:
		refs_list(n->u.in.keys);
		refs(n->u.in.array);
		break;
	case AST_STAT:
		refs(n->u.stat.operand);
		refs_list(n->u.stat.params);
		break;
	case AST_TARGET: case AST_CAST: case AST_ATVAR: case AST_DEFINED: case AST_ENTRY:
		refs(n->u.target.operand);
		break;
	case AST_BLOCK:
		refs_list(n->u.block.stmts);
		break;
	case AST_EXPR_STMT: case AST_RETURN:
		refs(n->u.operand);
		break;
	case AST_DELETE:
		ref_write(n->u.operand);
		break;
	case AST_IF:
		refs(n->u.cond.cond);
		refs(n->u.cond.then);
		refs(n->u.cond.other);
		break;
	case AST_WHILE: case AST_FOR:
		refs(n->u.loop.init);
		refs(n->u.loop.cond);
		refs(n->u.loop.incr);
		refs(n->u.loop.body);
		break;
	case AST_FOREACH: {
		struct ast_node *k;

		for (k = n->u.foreach.keys; k; k = k->next)
			ref_write(k);
		ref_write(n->u.foreach.value);
		refs(n->u.foreach.array);
		refs(n->u.foreach.limit);
		refs(n->u.foreach.body);
		break;
	}
	case AST_TRY:
		refs(n->u.try_.body);
		ref_write(n->u.try_.var);
		refs(n->u.try_.handler);
		break;
	case AST_NUMBER: case AST_STRING: case AST_EMBEDDED_EXPR: case AST_NEXT:
	case AST_BREAK: case AST_CONTINUE: case AST_NULL: case AST_EMBEDDED:
		break;
	}
}

/* ---- the rewrites ---------------------------------------------------------------- */

/* Locals that generated code reads behind the script's back (elab_probe_local). */
static bool read_by_runtime(const struct symbol *sym)
{
	return sym->external;
}

static bool dead_target(const struct ast_node *lhs)
{
	const struct symbol *sym;

	if (!is_local(lhs))
		return false;
	sym = lhs->u.ident.sym;
	return !sym->read && !read_by_runtime(sym);
}

static void elide_expr(struct elider *e, struct ast_node *n);

static void elide_list(struct elider *e, struct ast_node *n)
{
	for (; n; n = n->next)
		elide_expr(e, n);
}

/* Replace n in place by r, keeping n's place in its list. */
static void replace(struct ast_node *n, const struct ast_node *r)
{
	struct ast_node *next = n->next;

	*n = *r;
	n->next = next;
}

static void elide_expr(struct elider *e, struct ast_node *n)
{
	if (!n || e->reduce)
		return;
	switch (n->kind) {
	case AST_ASSIGN:
		elide_expr(e, n->u.assign.rhs);
		if ((n->u.assign.op == OP_ASSIGN || n->u.assign.op == OP_STAT_ADD) &&
		    dead_target(n->u.assign.lhs)) {
			note(e, &n->loc, false, "assignment to '",
			     n->u.assign.lhs->u.ident.name);
			replace(n, n->u.assign.rhs);
			e->changed = true;
			return;
		}
		elide_expr(e, n->u.assign.lhs);
		break;
	case AST_INDEX:
		elide_list(e, n->u.index.keys);
		break;
	case AST_CALL:
		elide_list(e, n->u.call.args);
		break;
	case AST_BINARY:
		elide_expr(e, n->u.binary.lhs);
		elide_expr(e, n->u.binary.rhs);
		break;
	case AST_UNARY:
		elide_expr(e, n->u.unary.operand);
		break;
	case AST_TERNARY:
		elide_expr(e, n->u.ternary.cond);
		elide_expr(e, n->u.ternary.then);
		elide_expr(e, n->u.ternary.other);
		break;
	case AST_IN:
		elide_list(e, n->u.in.keys);
		break;
	case AST_STAT:
		elide_list(e, n->u.stat.params);
		break;
	case AST_NUMBER: case AST_STRING: case AST_IDENT: case AST_INCDEC:
	case AST_TARGET: case AST_CAST: case AST_ATVAR: case AST_DEFINED: case AST_ENTRY:
	case AST_EMBEDDED_EXPR:
		break;
	case AST_BLOCK: case AST_EXPR_STMT: case AST_IF: case AST_WHILE: case AST_FOR:
	case AST_FOREACH: case AST_DELETE: case AST_NEXT: case AST_BREAK: case AST_CONTINUE:
	case AST_RETURN: case AST_TRY: case AST_NULL: case AST_EMBEDDED:
		break;	/* statements are elide_stmt()'s */
	}
}

static bool is_empty(const struct ast_node *n)
{
	const struct ast_node *c;

	if (!n || n->kind == AST_NULL)
		return true;
	if (n->kind != AST_BLOCK)
		return false;
	for (c = n->u.block.stmts; c; c = c->next)
		if (c->kind != AST_NULL)
			return false;
	return true;
}

static void to_null(struct ast_node *n)
{
	memset(&n->u, 0, sizeof(n->u));
	n->kind = AST_NULL;
}

static void elide_stmt(struct elider *e, struct ast_node *n)
{
	struct ast_node *c;

	if (!n)
		return;
	switch (n->kind) {
	case AST_BLOCK:
		for (c = n->u.block.stmts; c; c = c->next)
			elide_stmt(e, c);
		break;
	case AST_EXPR_STMT:
		elide_expr(e, n->u.operand);
		if (e->reduce && pure_expr(e->s, n->u.operand, false)) {
			note(e, &n->loc, false, "side-effect-free expression ", NULL);
			to_null(n);
			e->changed = true;
		}
		break;
	case AST_RETURN:
		elide_expr(e, n->u.operand);
		break;
	case AST_IF:
		elide_expr(e, n->u.cond.cond);
		elide_stmt(e, n->u.cond.then);
		elide_stmt(e, n->u.cond.other);
		if (e->reduce && is_empty(n->u.cond.then) && is_empty(n->u.cond.other) &&
		    pure_expr(e->s, n->u.cond.cond, false)) {
			note(e, &n->loc, true, "side-effect-free if statement ", NULL);
			to_null(n);
			e->changed = true;
		}
		break;
	case AST_WHILE:
	case AST_FOR:
		elide_expr(e, n->u.loop.init);
		elide_expr(e, n->u.loop.cond);
		elide_expr(e, n->u.loop.incr);
		elide_stmt(e, n->u.loop.body);
		break;
	case AST_FOREACH:
		elide_expr(e, n->u.foreach.limit);
		elide_stmt(e, n->u.foreach.body);
		break;
	case AST_TRY:
		elide_stmt(e, n->u.try_.body);
		elide_stmt(e, n->u.try_.handler);
		break;
	case AST_DELETE: case AST_NEXT: case AST_BREAK: case AST_CONTINUE: case AST_NULL:
	case AST_EMBEDDED:
		break;
	case AST_NUMBER: case AST_STRING: case AST_IDENT: case AST_INDEX: case AST_CALL:
	case AST_BINARY: case AST_UNARY: case AST_INCDEC: case AST_ASSIGN: case AST_TERNARY:
	case AST_IN: case AST_STAT: case AST_TARGET: case AST_CAST: case AST_ATVAR:
	case AST_DEFINED: case AST_ENTRY: case AST_EMBEDDED_EXPR:
		elide_expr(e, n);
		break;
	}
}

/* ---- scopes ---------------------------------------------------------------------- */

/* Points of one probe share its body (and locals): only the first derived probe with a
 * given body owns it. Computed once, as resolution groups them (symbols.c). */
static void find_owners(struct session *s)
{
	struct derived_probe *dp, *first = NULL, *q;

	for (dp = s->prog.probes; dp; dp = dp->next) {
		if (!first || first->probe != dp->probe)
			first = dp;
		for (q = first; q != dp && q->body != dp->body; q = q->next)
			;
		dp->owns_body = q == dp;
	}
}

static struct derived_probe *body_owner(struct session *s, struct derived_probe *dp)
{
	struct derived_probe *q, *owner = NULL;

	if (dp->owns_body)
		return dp;
	for (q = s->prog.probes; q != dp; q = q->next)
		if (q->owns_body && q->body == dp->body)
			owner = q;
	return owner ? owner : dp;
}

static void clear_refs(struct symbol *l)
{
	for (; l; l = l->next) {
		l->n_refs = 0;
		if (l->kind != SYM_GLOBAL)
			l->read = false;	/* a global's reads are resolution's */
	}
}

/* Count references to every symbol from the code that is left. */
static void count_refs(struct session *s)
{
	struct derived_probe *dp;
	struct function *fn;

	clear_refs(s->prog.global_syms);
	for (fn = s->prog.functions; fn; fn = fn->next_used) {
		clear_refs(fn->info->params);
		clear_refs(fn->info->locals);
	}
	for (dp = s->prog.probes; dp; dp = dp->next)
		if (dp->owns_body)
			clear_refs(dp->locals);
	for (fn = s->prog.functions; fn; fn = fn->next_used)
		refs(fn->body);
	for (dp = s->prog.probes; dp; dp = dp->next) {
		refs(dp->cond);
		if (dp->owns_body)
			refs(dp->body);
	}
	/* globals are written for the end-of-run report; their reads don't matter here */
}

static void drop_locals(struct elider *e, struct symbol **list, int *n)
{
	struct symbol **pl = list, *l;
	int i;

	while ((l = *pl)) {
		if (!l->n_refs && !read_by_runtime(l)) {
			note(e, &l->loc, true, "unused variable '", l->name);
			*pl = l->next;
			e->changed = true;
			continue;
		}
		pl = &l->next;
	}
	/* the list is newest first; indexes count from the oldest */
	for (i = 0, l = *list; l; l = l->next)
		i++;
	*n = i;
	for (l = *list; l; l = l->next)
		l->index = --i;
}

static void mark_calls(struct session *s, const struct ast_node *n);

static void reach_function(struct session *s, struct function *fn)
{
	for (; fn; fn = fn->next_overload) {
		if (fn->info->reachable)
			continue;
		fn->info->reachable = true;
		mark_calls(s, fn->body);
	}
}

/* the functions n may call: walk every node, whatever its kind */
static void mark_calls(struct session *s, const struct ast_node *n)
{
	for (; n; n = n->next) {
		switch (n->kind) {
		case AST_CALL:
			mark_calls(s, n->u.call.args);
			reach_function(s, n->u.call.fn);
			break;
		case AST_INDEX:
			mark_calls(s, n->u.index.base);
			mark_calls(s, n->u.index.keys);
			break;
		case AST_BINARY:
			mark_calls(s, n->u.binary.lhs);
			mark_calls(s, n->u.binary.rhs);
			break;
		case AST_ASSIGN:
			mark_calls(s, n->u.assign.lhs);
			mark_calls(s, n->u.assign.rhs);
			break;
		case AST_UNARY:
			mark_calls(s, n->u.unary.operand);
			break;
		case AST_INCDEC:
			mark_calls(s, n->u.incdec.operand);
			break;
		case AST_TERNARY:
			mark_calls(s, n->u.ternary.cond);
			mark_calls(s, n->u.ternary.then);
			mark_calls(s, n->u.ternary.other);
			break;
		case AST_IN:
			mark_calls(s, n->u.in.keys);
			mark_calls(s, n->u.in.array);
			break;
		case AST_STAT:
			mark_calls(s, n->u.stat.operand);
			mark_calls(s, n->u.stat.params);
			break;
		case AST_TARGET: case AST_CAST: case AST_ATVAR: case AST_DEFINED: case AST_ENTRY:
			mark_calls(s, n->u.target.operand);
			break;
		case AST_BLOCK:
			mark_calls(s, n->u.block.stmts);
			break;
		case AST_EXPR_STMT: case AST_RETURN: case AST_DELETE:
			mark_calls(s, n->u.operand);
			break;
		case AST_IF:
			mark_calls(s, n->u.cond.cond);
			mark_calls(s, n->u.cond.then);
			mark_calls(s, n->u.cond.other);
			break;
		case AST_WHILE: case AST_FOR:
			mark_calls(s, n->u.loop.init);
			mark_calls(s, n->u.loop.cond);
			mark_calls(s, n->u.loop.incr);
			mark_calls(s, n->u.loop.body);
			break;
		case AST_FOREACH:
			mark_calls(s, n->u.foreach.array);
			mark_calls(s, n->u.foreach.limit);
			mark_calls(s, n->u.foreach.body);
			break;
		case AST_TRY:
			mark_calls(s, n->u.try_.body);
			mark_calls(s, n->u.try_.handler);
			break;
		case AST_NUMBER: case AST_STRING: case AST_IDENT: case AST_EMBEDDED_EXPR:
		case AST_NEXT: case AST_BREAK: case AST_CONTINUE: case AST_NULL:
		case AST_EMBEDDED:
			break;
		}
	}
}

/* Keep only the functions the remaining probes still call, and the globals the
 * remaining code still refers to (count_refs() has just run). */
static void drop_unreachable(struct elider *e)
{
	struct session *s = e->s;
	struct derived_probe *dp;
	struct function **pf = &s->prog.functions, *fn;
	struct global **pg = &s->prog.globals, *g;
	struct symbol **ps = &s->prog.global_syms, *sym;

	for (fn = s->prog.functions; fn; fn = fn->next_used)
		fn->info->reachable = false;
	for (dp = s->prog.probes; dp; dp = dp->next) {
		mark_calls(s, dp->cond);
		if (dp->owns_body)
			mark_calls(s, dp->body);
	}
	while ((fn = *pf)) {
		if (!fn->info->reachable) {
			note(e, &fn->loc, true, "unused function '", fn->name);
			*pf = fn->next_used;
			e->changed = true;
			continue;
		}
		pf = &fn->next_used;
	}
	while ((sym = *ps)) {
		if (!sym->n_refs) {
			note(e, &sym->loc, true, "unused variable '", sym->name);
			*ps = sym->next;
			e->changed = true;
			continue;
		}
		ps = &sym->next;
	}
	while ((g = *pg)) {
		if (g->sym && !g->sym->n_refs) {
			*pg = g->next_used;
			continue;
		}
		pg = &g->next_used;
	}
}

/* "never-assigned local variable", from what resolution found (before eliding), in
 * order of first use (the list is newest first) */
static void warn_never_assigned(struct session *s, struct symbol *list)
{
	struct symbol *l, **v;
	size_t n = 0, i;

	for (l = list; l; l = l->next)
		n += l->kind == SYM_LOCAL && !l->written;
	if (!n)
		return;
	v = xmalloc(n * sizeof(*v));
	for (i = n, l = list; l; l = l->next)
		if (l->kind == SYM_LOCAL && !l->written)
			v[--i] = l;
	for (i = 0; i < n; i++)
		diag_warn(s, &v[i]->loc, "never-assigned local variable '%s'", v[i]->name);
	free(v);
}

static void warn_never_assigned_globals(struct session *s)
{
	struct symbol *g;

	for (g = s->prog.global_syms; g; g = g->next)
		if (!g->written && g->read && !g->global->init && !g->global->file->is_tapset)
			diag_warn(s, &g->global->loc, "never-assigned global variable '%s'",
				  g->name);
}

int elab_elide(struct session *s)
{
	struct elider e = { .s = s, .warn = true };
	struct derived_probe *dp, *owner = NULL;
	struct function *fn;
	int round;

	find_owners(s);
	for (fn = s->prog.functions; fn; fn = fn->next_used)
		if (fn->body->kind != AST_EMBEDDED)
			warn_never_assigned(s, fn->info->locals);
	for (dp = s->prog.probes; dp; dp = dp->next)
		if (dp->owns_body)
			warn_never_assigned(s, dp->locals);
	warn_never_assigned_globals(s);
	if (s->opt.keep_unused)
		return 0;
	for (round = 0; round < 1000; round++) {
		e.changed = false;
		e.warn = round == 0 || s->opt.verbose > 2;
		count_refs(s);
		/* like systemtap: all dead assignments, then all pure statements */
		for (e.reduce = false;; e.reduce = true) {
			for (fn = s->prog.functions; fn; fn = fn->next_used)
				if (fn->body->kind != AST_EMBEDDED)
					elide_stmt(&e, fn->body);
			for (dp = s->prog.probes; dp; dp = dp->next)
				if (dp->owns_body)
					elide_stmt(&e, dp->body);
			if (e.reduce)
				break;
		}
		count_refs(s);
		for (fn = s->prog.functions; fn; fn = fn->next_used)
			drop_locals(&e, &fn->info->locals, &fn->info->n_locals);
		for (dp = s->prog.probes; dp; dp = dp->next) {
			if (dp->owns_body) {
				drop_locals(&e, &dp->locals, &dp->n_locals);
				owner = dp;
			} else {
				if (!owner || owner->body != dp->body)
					owner = body_owner(s, dp);
				dp->locals = owner->locals;
				dp->n_locals = owner->n_locals;
			}
		}
		drop_unreachable(&e);
		if (!e.changed)
			break;
	}
	/* reads as the rest of pass 2 and pass 3 expect them */
	count_refs(s);
	return 0;
}
