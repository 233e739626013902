/* Pass 2, last step: the checks that need the whole elaborated program (names resolved,
 * types inferred, target expressions rewritten). After them pass 3 finds nothing to
 * refuse: every condition it would fail on is an internal error there. The walk covers
 * exactly what pass 3 translates: the handlers of emitted probes and the bodies of the
 * reachable functions. */
#include <stdlib.h>
#include <string.h>

#include "elaborate/elaborate.h"
#include "tapsets/family.h"

#define CHECK_MAX_ITER 32		/* nested foreach loops whose arrays are watched */

struct checker {
	struct session *s;
	int loop_depth;
	bool in_function;
	const struct symbol *iter[CHECK_MAX_ITER];	/* arrays of the enclosing foreach */
	int n_iter;
};

/* ---- modifying an array while a foreach walks it ---------------------------------- */

/* the array a write changes: a[k] = , a[k]++, a[k] <<< , delete a[k], delete a */
static const struct symbol *written_array(const struct ast_node *n)
{
	const struct ast_node *l;

	if (n->kind == AST_ASSIGN) {
		l = n->u.assign.lhs;
	} else if (n->kind == AST_INCDEC) {
		l = n->u.incdec.operand;
	} else if (n->kind == AST_DELETE) {
		l = n->u.operand;
		if (l->kind == AST_IDENT && l->u.ident.sym && l->u.ident.sym->n_keys > 0)
			return l->u.ident.sym;
	} else {
		return NULL;
	}
	if (l->kind == AST_INDEX && l->u.index.base->kind == AST_IDENT)
		return l->u.index.base->u.ident.sym;
	return NULL;
}

struct writes_query {
	const struct symbol *sym;
	const struct function **seen;
	int n_seen;
	bool found;
};

static bool fn_writes(struct writes_query *q, const struct function *fn);

static enum ast_walk_rc writes_pre(struct ast_node *n, void *ctx)
{
	struct writes_query *q = ctx;
	const struct function *fn;

	if (written_array(n) == q->sym)
		q->found = true;
	else if (n->kind == AST_CALL)
		for (fn = n->u.call.fn; fn && !q->found; fn = fn->next_overload)
			fn_writes(q, fn);
	return q->found ? AST_WALK_STOP : AST_WALK_CONTINUE;
}

/* does fn, or a function it calls, change q->sym */
static bool fn_writes(struct writes_query *q, const struct function *fn)
{
	const struct ast_walker w = { writes_pre, NULL, q };
	int i;

	for (i = 0; i < q->n_seen; i++)
		if (q->seen[i] == fn)
			return q->found;
	q->seen = xrealloc(q->seen, sizeof(*q->seen) * (size_t)(q->n_seen + 1));
	q->seen[q->n_seen++] = fn;
	if (fn->body && fn->body->kind != AST_EMBEDDED)
		ast_walk(fn->body, &w);
	return q->found;
}

static bool iterated(const struct checker *c, const struct symbol *sym)
{
	int i;

	for (i = 0; sym && i < c->n_iter; i++)
		if (c->iter[i] == sym)
			return true;
	return false;
}

/* 4.8's pass-2 errors for a change to an array that an enclosing foreach walks */
static void check_iter_write(struct checker *c, const struct ast_node *n)
{
	const struct symbol *sym = written_array(n);
	const struct ast_node *l;
	int i;

	if (!c->n_iter)
		return;
	if (sym && iterated(c, sym)) {
		l = n->kind == AST_ASSIGN ? n->u.assign.lhs :
		    n->kind == AST_INCDEC ? n->u.incdec.operand : n->u.operand;
		if (l->kind == AST_INDEX)
			l = l->u.index.base;
		diag_error(c->s, &l->loc, "variable '%s' modified during 'foreach' iteration",
			   sym->name);
		return;
	}
	if (n->kind != AST_CALL || !n->u.call.fn)
		return;
	for (i = 0; i < c->n_iter; i++) {
		struct writes_query q = { c->iter[i], NULL, 0, false };
		const struct function *fn;

		for (fn = n->u.call.fn; fn && !q.found; fn = fn->next_overload)
			fn_writes(&q, fn);
		free(q.seen);
		if (q.found) {
			diag_error(c->s, &n->loc,
				   "function call modifies var '%s' during 'foreach' iteration",
				   c->iter[i]->name);
			return;
		}
	}
}

static enum ast_walk_rc check_pre(struct ast_node *n, void *ctx);

static void check(struct checker *c, struct ast_node *n)
{
	const struct ast_walker w = { check_pre, NULL, c };

	ast_walk(n, &w);
}

static void check_list(struct checker *c, struct ast_node *n)
{
	const struct ast_walker w = { check_pre, NULL, c };

	ast_walk_list(n, &w);
}

struct symbol *elab_base_sym(const struct ast_node *n)
{
	if (n->kind == AST_IDENT)
		return n->u.ident.sym;
	if (n->kind == AST_INDEX && n->u.index.base->kind == AST_IDENT)
		return n->u.index.base->u.ident.sym;
	return NULL;
}

static bool is_hist(const struct ast_node *n)
{
	return n->kind == AST_STAT &&
	       (n->u.stat.op == STAT_HIST_LINEAR || n->u.stat.op == STAT_HIST_LOG);
}

/* the base of an element access, `in` or foreach: a global array */
static const struct symbol *check_array(struct checker *c, struct ast_node *base)
{
	struct symbol *sym = base->kind == AST_IDENT ? base->u.ident.sym : NULL;

	if (!sym || sym->kind != SYM_GLOBAL || sym->n_keys <= 0) {
		diag_error(c->s, &base->loc, "only global arrays can be indexed here");
		return NULL;
	}
	return sym;
}

/* the operand of <<< or of a statistic operator: a global statistic, maybe indexed */
static void check_stat_operand(struct checker *c, struct ast_node *operand, const char *msg)
{
	const struct symbol *sym = elab_base_sym(operand);

	if (!sym || sym->kind != SYM_GLOBAL || sym->type != TYPE_STATS)
		diag_error(c->s, &operand->loc, "%s", msg);
	else if (operand->kind == AST_INDEX)
		check_list(c, operand->u.index.keys);
}

/* a read of a[k] (also the read half of a[k] op= v and a[k]++) */
static void check_index_read(struct checker *c, struct ast_node *n)
{
	const struct symbol *arr;

	if (n->u.index.base->kind == AST_STAT) {
		/* @hist_*(x)[i]: one bucket's count */
		check_list(c, n->u.index.keys);
		check_stat_operand(c, n->u.index.base->u.stat.operand,
				   "statistic operators need a global statistic");
		return;
	}
	arr = check_array(c, n->u.index.base);
	if (!arr)
		return;
	if (arr->type == TYPE_STATS) {
		diag_error(c->s, &n->loc, "statistics can only be read with @count, @sum, ... or printed with @hist_*");
		return;
	}
	check_list(c, n->u.index.keys);
}

/* the target of =, op=, ++, --: a variable or a global array's element; a target
 * expression is a call of its synthesized reader (or setter) by now
 * (elaborate/target.c) */
static void check_lvalue(struct checker *c, struct ast_node *op, struct ast_node *l, bool rmw,
			 const char *msg)
{
	if (l->kind == AST_INDEX) {
		if (rmw)
			check_index_read(c, l);
		else if (check_array(c, l->u.index.base))
			check_list(c, l->u.index.keys);
		return;
	}
	if (l->kind == AST_IDENT && l->u.ident.sym)
		return;
	if (l->kind == AST_CALL) {
		/* only a target expression is an lvalue that becomes a call; in guru
		 * mode a probe's $x became a setter (target.c) */
		if (c->s->opt.guru)
			diag_error(c->s, &l->loc, "cannot write to this target variable here");
		else
			diag_error(c->s, &l->loc, "write to target variable not permitted; need stap -g");
		return;
	}
	if (l->kind == AST_NUMBER || l->kind == AST_STRING)
		diag_error(c->s, &op->loc, "Expecting lvalue for assignment");
	else
		diag_error(c->s, &op->loc, "%s", msg);
}

/* a foreach key or value variable */
static void check_foreach_var(struct checker *c, const struct ast_node *var)
{
	if (var->u.ident.sym && var->u.ident.sym->n_keys > 0)
		diag_error(c->s, &var->loc, "a foreach variable cannot be an array");
}

static void check_foreach(struct checker *c, struct ast_node *n)
{
	struct ast_node *k;
	const struct symbol *arr = NULL;

	if (n->u.foreach.array->kind == AST_STAT) {
		if (n->u.foreach.keys && n->u.foreach.keys->next) {
			diag_error(c->s, &n->loc, "a histogram has one index");
			return;
		}
		check_stat_operand(c, n->u.foreach.array->u.stat.operand,
				   "statistic operators need a global statistic");
	} else {
		arr = check_array(c, n->u.foreach.array);
		if (!arr)
			return;
		check_list(c, n->u.foreach.slice);
		if (n->u.foreach.sort_aggr && arr->type != TYPE_STATS)
			diag_error(c->s, &n->u.foreach.array->loc,
				   "sorting by %s needs an array of statistics, not of %s values",
				   ast_stat_str((enum stat_op)(n->u.foreach.sort_aggr - 1)),
				   ast_type_str(arr->type));
		check(c, n->u.foreach.limit);
	}
	for (k = n->u.foreach.keys; k; k = k->next)
		check_foreach_var(c, k);
	if (n->u.foreach.value) {
		if (arr && arr->type == TYPE_STATS)
			diag_error(c->s, &n->u.foreach.value->loc,
				   "the value of a statistic is read with @count(a[k]), ...");
		else
			check_foreach_var(c, n->u.foreach.value);
	}
	c->loop_depth++;
	if (arr && c->n_iter < CHECK_MAX_ITER) {
		c->iter[c->n_iter++] = arr;
		check(c, n->u.foreach.body);
		c->n_iter--;
	} else {
		check(c, n->u.foreach.body);
	}
	c->loop_depth--;
}

/* the print family's values: a histogram is printed whole (not printd's delimiter) */
static void check_call(struct checker *c, struct ast_node *n)
{
	enum builtin bi = elab_builtin(n->u.call.name);
	struct ast_node *a = n->u.call.args;

	if (bi == BI_NONE || bi == BI_PRINTF || bi == BI_SPRINTF) {
		check_list(c, a);
		return;
	}
	if (a && (bi == BI_PRINTD || bi == BI_PRINTDLN || bi == BI_SPRINTD || bi == BI_SPRINTDLN)) {
		check(c, a);
		a = a->next;
	}
	for (; a; a = a->next) {
		if (is_hist(a))
			check_stat_operand(c, a->u.stat.operand,
					   "statistic operators need a global statistic");
		else
			check(c, a);
	}
}

/* every @hist_* of a statistic must describe the same histogram: the first one, which
 * is stored for pass 3 (sym->hist) */
static enum ast_walk_rc check_hist_shape(struct ast_node *n, void *ctx)
{
	struct checker *c = ctx;
	struct symbol *sym;
	const struct ast_node *p, *q;

	if (!is_hist(n))
		return AST_WALK_CONTINUE;
	sym = elab_base_sym(n->u.stat.operand);
	if (!sym)
		return AST_WALK_CONTINUE;
	if (!sym->hist) {
		sym->hist = n;
		return AST_WALK_CONTINUE;
	}
	if (sym->hist->u.stat.op == n->u.stat.op) {
		for (p = sym->hist->u.stat.params, q = n->u.stat.params; p && q;
		     p = p->next, q = q->next)
			if (p->kind != AST_NUMBER || q->kind != AST_NUMBER || p->u.num != q->u.num)
				break;
		if (!p && !q)
			return AST_WALK_CONTINUE;
	}
	diag_error(c->s, &n->loc, "statistic %s is used with two different histograms", sym->name);
	return AST_WALK_CONTINUE;
}

static enum ast_walk_rc check_pre(struct ast_node *n, void *ctx)
{
	struct checker *c = ctx;
	const struct symbol *sym;

	check_iter_write(c, n);
	switch (n->kind) {
	case AST_IDENT:
		/* a variable's value; other uses of a name are checked by their parent */
		sym = n->u.ident.sym;
		if (sym && sym->n_keys > 0)
			diag_error(c->s, &n->loc, "array %s used without an index", n->u.ident.name);
		else if (sym && sym->type == TYPE_STATS)
			diag_error(c->s, &n->loc, "statistic %s is read with @count, @sum, ...",
				   n->u.ident.name);
		return AST_WALK_SKIP;
	case AST_INDEX:
		check_index_read(c, n);
		return AST_WALK_SKIP;
	case AST_IN:
		if (check_array(c, n->u.in.array))
			check_list(c, n->u.in.keys);
		return AST_WALK_SKIP;
	case AST_STAT:
		if (is_hist(n))
			diag_error(c->s, &n->loc, "a histogram can only be printed, indexed or iterated");
		else
			check_stat_operand(c, n->u.stat.operand,
					   "statistic operators need a global statistic");
		return AST_WALK_SKIP;
	case AST_CALL:
		check_call(c, n);
		return AST_WALK_SKIP;
	case AST_ASSIGN:
		check(c, n->u.assign.rhs);
		if (n->u.assign.op == OP_STAT_ADD)
			check_stat_operand(c, n->u.assign.lhs, "<<< needs a global statistic");
		else
			check_lvalue(c, n, n->u.assign.lhs, n->u.assign.op != OP_ASSIGN,
				     "this kind of lvalue cannot be assigned");
		return AST_WALK_SKIP;
	case AST_INCDEC:
		check_lvalue(c, n, n->u.incdec.operand, true,
			     "++/-- needs a variable or an array element");
		return AST_WALK_SKIP;
	case AST_DELETE:
		if (n->u.operand->kind == AST_INDEX) {
			if (check_array(c, n->u.operand->u.index.base))
				check_list(c, n->u.operand->u.index.keys);
		} else if (n->u.operand->kind != AST_IDENT || !n->u.operand->u.ident.sym) {
			diag_error(c->s, &n->u.operand->loc,
				   "delete needs a variable or an array element");
		}
		return AST_WALK_SKIP;
	case AST_FOREACH:
		check_foreach(c, n);
		return AST_WALK_SKIP;
	case AST_TRY:
		/* the catch variable is only stored into */
		check(c, n->u.try_.body);
		check(c, n->u.try_.handler);
		return AST_WALK_SKIP;
	case AST_WHILE: case AST_FOR:
		check(c, n->u.loop.init);
		check(c, n->u.loop.cond);
		check(c, n->u.loop.incr);
		c->loop_depth++;
		check(c, n->u.loop.body);
		c->loop_depth--;
		return AST_WALK_SKIP;
	case AST_BREAK: case AST_CONTINUE:
		if (!c->loop_depth)
			diag_error(c->s, &n->loc, "%s outside a loop",
				   n->kind == AST_BREAK ? "break" : "continue");
		return AST_WALK_CONTINUE;
	case AST_RETURN:
		if (!c->in_function)
			diag_error(c->s, &n->loc, "return outside a function");
		return AST_WALK_CONTINUE;
	case AST_TARGET: case AST_CAST: case AST_ATVAR: case AST_DEFINED: case AST_ENTRY:
		/* elaborate/target.c rewrote every one it accepted */
		diag_error(c->s, &n->loc, "target variables are not supported yet");
		return AST_WALK_SKIP;
	case AST_NUMBER: case AST_STRING: case AST_BINARY: case AST_UNARY: case AST_TERNARY:
	case AST_EMBEDDED_EXPR: case AST_BLOCK: case AST_EXPR_STMT: case AST_IF:
	case AST_NEXT: case AST_NULL: case AST_EMBEDDED:
		return AST_WALK_CONTINUE;
	}
	return AST_WALK_CONTINUE;
}

static bool is_emitted(const struct derived_probe *dp)
{
	return !dp->family->not_emitted;
}

int elab_check(struct session *s)
{
	struct checker c = { .s = s };
	const struct ast_walker hw = { check_hist_shape, NULL, &c };
	struct derived_probe *dp, *prev;
	struct function *fn;
	int errors = s->diag.n_errors;

	for (dp = s->prog.probes; dp; dp = dp->next) {
		ast_walk(dp->body, &hw);
		if (!is_emitted(dp))
			continue;
		for (prev = s->prog.probes; prev != dp; prev = prev->next)
			if (is_emitted(prev) && prev->body == dp->body && prev->cond == dp->cond)
				break;
		if (prev != dp)
			continue;	/* the same handler as an earlier probe */
		check(&c, dp->cond);
		check(&c, dp->body);
	}
	c.in_function = true;
	for (fn = s->prog.functions; fn; fn = fn->next_used) {
		/* as 4.8: embedded C not marked safe for every user is for stapdev/stapsys */
		if (fn->body->kind == AST_EMBEDDED && s->opt.privilege == PRIV_STAPUSR &&
		    !strstr(fn->body->u.str, "/* unprivileged */"))
			diag_error(s, &fn->loc, "function may not be used when "
				   "--privilege=stapusr is specified");
		if (fn->body->kind == AST_EMBEDDED)
			continue;
		ast_walk(fn->body, &hw);
		check(&c, fn->body);
	}
	return s->diag.n_errors > errors ? -1 : 0;
}
