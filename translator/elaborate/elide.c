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

static bool pure(struct session *s, struct ast_node *n, bool local_writes_ok);

static bool is_local(const struct ast_node *n)
{
	return n && n->kind == AST_IDENT && n->u.ident.sym &&
	       n->u.ident.sym->kind != SYM_GLOBAL;
}

static bool marked_pure(const char *code)
{
	return strstr(code, "/* pure */") != NULL;
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
	fi->purity = 1;		/* being decided */
	fi->purity = pure(s, fn->body, true) ? 2 : 3;
	return fi->purity == 2;
}

/* the call itself, its arguments being pure */
static bool pure_callee(struct session *s, const struct ast_node *n)
{
	struct function *fn;
	enum builtin bi = elab_builtin(n->u.call.name);

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

struct purity {
	struct session *s;
	bool lw;			/* writes to locals (of a function body) are fine */
};

/* the walk stops at the first node with a visible effect */
static enum ast_walk_rc pure_pre(struct ast_node *n, void *ctx)
{
	const struct purity *p = ctx;
	bool ok = true;

	if (n->kind == AST_BINARY)	/* a regex match sets what matched() returns */
		ok = n->u.binary.op != OP_MATCH && n->u.binary.op != OP_NOMATCH;
	else if (n->kind == AST_INCDEC)
		ok = p->lw && is_local(n->u.incdec.operand);
	else if (n->kind == AST_ASSIGN)
		ok = p->lw && is_local(n->u.assign.lhs);
	else if (n->kind == AST_DELETE)
		ok = is_local(n->u.operand);
	else if (n->kind == AST_EMBEDDED_EXPR || n->kind == AST_EMBEDDED)
		ok = marked_pure(n->u.str);
	else if (n->kind == AST_TARGET || n->kind == AST_CAST || n->kind == AST_ATVAR ||
		 n->kind == AST_DEFINED || n->kind == AST_ENTRY)
		ok = false;	/* target.c rewrites these into calls; whatever is left, keep */
	return ok ? AST_WALK_CONTINUE : AST_WALK_STOP;
}

static enum ast_walk_rc pure_post(struct ast_node *n, void *ctx)
{
	const struct purity *p = ctx;

	if (n->kind == AST_CALL && !pure_callee(p->s, n))
		return AST_WALK_STOP;
	return AST_WALK_CONTINUE;
}

/* Does running n change nothing visible (with local_writes_ok: but locals)? */
static bool pure(struct session *s, struct ast_node *n, bool local_writes_ok)
{
	struct purity p = { .s = s, .lw = local_writes_ok };
	const struct ast_walker w = { .pre = pure_pre, .post = pure_post, .ctx = &p };

	return ast_walk(n, &w);
}

/* ---- references ------------------------------------------------------------------ */

static void refs(struct ast_node *n);

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
		for (n = n->u.index.keys; n; n = n->next)
			refs(n);
		return;
	}
	refs(n);
}

/* the slots of a foreach or try: the variables it sets are written */
static void refs_slot(struct ast_node **slot, bool is_list, void *ctx)
{
	struct ast_node *parent = ctx, *n;
	bool written = parent->kind == AST_FOREACH ?
		slot == &parent->u.foreach.keys || slot == &parent->u.foreach.value :
		slot == &parent->u.try_.var;

	for (n = *slot; n; n = is_list ? n->next : NULL) {
		if (written)
			ref_write(n);
		else
			refs(n);
	}
}

static enum ast_walk_rc refs_pre(struct ast_node *n, void *ctx)
{
	(void)ctx;
	if (n->kind == AST_IDENT && n->u.ident.sym) {
		n->u.ident.sym->n_refs++;
		n->u.ident.sym->read = true;
	} else if (n->kind == AST_ASSIGN &&
		   (n->u.assign.op == OP_ASSIGN || n->u.assign.op == OP_STAT_ADD)) {
		refs(n->u.assign.rhs);
		ref_write(n->u.assign.lhs);
		return AST_WALK_SKIP;
	} else if (n->kind == AST_DELETE) {
		ref_write(n->u.operand);
		return AST_WALK_SKIP;
	} else if (n->kind == AST_FOREACH || n->kind == AST_TRY) {
		ast_each_child(n, refs_slot, n);
		return AST_WALK_SKIP;
	}
	return AST_WALK_CONTINUE;
}

/* Count the references to each symbol in n: n_refs, and `read` for a read. */
static void refs(struct ast_node *n)
{
	static const struct ast_walker w = { .pre = refs_pre };

	ast_walk(n, &w);
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

/* Replace n in place by r, keeping n's place in its list. */
static void replace(struct ast_node *n, const struct ast_node *r)
{
	struct ast_node *next = n->next;

	*n = *r;
	n->next = next;
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

static void elide(struct elider *e, struct ast_node *n);

/* first phase: `x = e` with x never read becomes e (rhs first, as systemtap) */
static void elide_assign(struct elider *e, struct ast_node *n)
{
	elide(e, n->u.assign.rhs);
	if ((n->u.assign.op == OP_ASSIGN || n->u.assign.op == OP_STAT_ADD) &&
	    dead_target(n->u.assign.lhs)) {
		note(e, &n->loc, false, "assignment to '", n->u.assign.lhs->u.ident.name);
		replace(n, n->u.assign.rhs);
		e->changed = true;
		return;
	}
	elide(e, n->u.assign.lhs);
}

static enum ast_walk_rc elide_pre(struct ast_node *n, void *ctx)
{
	struct elider *e = ctx;

	if (!e->reduce && n->kind == AST_ASSIGN) {
		elide_assign(e, n);
		return AST_WALK_SKIP;
	}
	return AST_WALK_CONTINUE;
}

/* second phase: statements without effect go, after what they contain */
static enum ast_walk_rc elide_post(struct ast_node *n, void *ctx)
{
	struct elider *e = ctx;

	if (!e->reduce)
		return AST_WALK_CONTINUE;
	if (n->kind == AST_EXPR_STMT && pure(e->s, n->u.operand, false)) {
		note(e, &n->loc, false, "side-effect-free expression ", NULL);
		to_null(n);
		e->changed = true;
	} else if (n->kind == AST_IF && is_empty(n->u.cond.then) &&
		   is_empty(n->u.cond.other) && pure(e->s, n->u.cond.cond, false)) {
		note(e, &n->loc, true, "side-effect-free if statement ", NULL);
		to_null(n);
		e->changed = true;
	}
	return AST_WALK_CONTINUE;
}

static void elide(struct elider *e, struct ast_node *n)
{
	const struct ast_walker w = { .pre = elide_pre, .post = elide_post, .ctx = e };

	ast_walk(n, &w);
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

static void mark_calls(struct session *s, struct ast_node *n);

static void reach_function(struct session *s, struct function *fn)
{
	for (; fn; fn = fn->next_overload) {
		if (fn->info->reachable)
			continue;
		fn->info->reachable = true;
		mark_calls(s, fn->body);
	}
}

static enum ast_walk_rc calls_post(struct ast_node *n, void *ctx)
{
	if (n->kind == AST_CALL)
		reach_function(ctx, n->u.call.fn);
	return AST_WALK_CONTINUE;
}

/* the functions n may call */
static void mark_calls(struct session *s, struct ast_node *n)
{
	const struct ast_walker w = { .post = calls_post, .ctx = s };

	ast_walk(n, &w);
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
					elide(&e, fn->body);
			for (dp = s->prog.probes; dp; dp = dp->next)
				if (dp->owns_body)
					elide(&e, dp->body);
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
