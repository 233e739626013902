/* Pass 2, step 3: infer types to a fixed point over variables, array keys and values,
 * function parameters and returns; then a last walk reports conflicts and anything left
 * untyped. A conflict names both places. */
#include <stdlib.h>
#include <string.h>

#include "elaborate/elaborate.h"
#include "elaborate/regex.h"
#include "util.h"

struct typer {
	struct session *s;
	struct function *fn;		/* current function, NULL in a probe */
	bool changed;
	bool report;			/* the final walk: report errors */
};

/* A slot (variable, key, return) already typed `want` now sees `got` at loc. */
/* @hist_linear(v, low, high, step): literal bounds with step > 0, low < high and at
 * most ELAB_HIST_MAX_BUCKETS buckets counting the two out-of-range ones, computed
 * without overflow for any 64-bit bounds. */
bool elab_hist_linear_ok(const struct ast_node *n)
{
	const struct ast_node *lo = n->u.stat.params, *hi, *step;
	uint64_t span;

	if (!lo || !(hi = lo->next) || !(step = hi->next) || step->next)
		return false;
	if (lo->kind != AST_NUMBER || hi->kind != AST_NUMBER || step->kind != AST_NUMBER)
		return true;	/* reported as not literal */
	if (step->u.num <= 0 || hi->u.num <= lo->u.num)
		return false;
	span = (uint64_t)hi->u.num - (uint64_t)lo->u.num;
	return span / (uint64_t)step->u.num <= ELAB_HIST_MAX_BUCKETS - 3;
}

static void mismatch(struct typer *t, const struct srcloc *loc, enum ast_type want,
		     enum ast_type got, const struct srcloc *first)
{
	if (!t->report)
		return;
	if (first && first->file) {
		diag_error(t->s, loc, "type mismatch (%s)", ast_type_str(got));
		diag_note(t->s, first, "type was first inferred here (%s)", ast_type_str(want));
		return;
	}
	diag_error(t->s, loc, "type mismatch: expected %s but found %s", ast_type_str(want),
		   ast_type_str(got));
}

static void key_mismatch(struct typer *t, const struct srcloc *loc, int i, enum ast_type want,
			 enum ast_type got, const struct srcloc *first)
{
	if (!t->report)
		return;
	diag_error(t->s, loc, "index %d type mismatch (%s)", i, ast_type_str(got));
	if (first && first->file)
		diag_note(t->s, first, "type of index %d was first inferred here (%s)", i,
			  ast_type_str(want));
}

static void arity_mismatch(struct typer *t, const struct srcloc *loc, struct symbol *sym,
			   int n)
{
	if (!t->report)
		return;
	diag_error(t->s, loc, "inconsistent arity (%d vs %d)", sym->n_keys, n);
	if (sym->arity_loc.file)
		diag_note(t->s, &sym->arity_loc, "arity %d first inferred here", sym->n_keys);
}

/* Unify a slot (variable type, key type, return type) with a type seen at loc. */
static void unify(struct typer *t, enum ast_type *slot, struct srcloc *slot_loc,
		  enum ast_type got, const struct srcloc *loc)
{
	if (got == TYPE_UNKNOWN)
		return;
	if (*slot == TYPE_UNKNOWN) {
		*slot = got;
		if (slot_loc && loc)
			*slot_loc = *loc;
		t->changed = true;
		return;
	}
	if (*slot != got)
		mismatch(t, loc, *slot, got, slot_loc);
}

static enum ast_type infer(struct typer *t, struct ast_node *n, enum ast_type want);

static const struct srcloc *sym_type_loc(const struct ast_node *n);

/* the pattern of =~ / !~ compiles (pass 3 compiles it again to emit it) */
static void check_regex(struct session *s, struct ast_node *pattern)
{
	struct re_prog prog;
	const char *err;

	if (re_compile(&s->arena, pattern->u.str, &prog, &err))
		diag_error(s, &pattern->loc, "%s", err);
}

static void expect(struct typer *t, struct ast_node *n, enum ast_type want)
{
	enum ast_type got = infer(t, n, want);

	if (got != TYPE_UNKNOWN && want != TYPE_UNKNOWN && got != want) {
		const struct srcloc *first = sym_type_loc(n);

		if (first)
			mismatch(t, &n->loc, got, want, first);
		else
			mismatch(t, &n->loc, want, got, NULL);
	}
}

static void set_type(struct typer *t, struct ast_node *n, enum ast_type ty)
{
	if (ty != TYPE_UNKNOWN && n->type != ty) {
		n->type = ty;
		t->changed = true;
	}
}

static struct symbol *array_sym(struct ast_node *base)
{
	return base->kind == AST_IDENT ? base->u.ident.sym : NULL;
}

/* where the type of the variable or array behind n was first inferred */
static const struct srcloc *sym_type_loc(const struct ast_node *n)
{
	const struct symbol *sym = NULL;

	if (n->kind == AST_IDENT)
		sym = n->u.ident.sym;
	else if (n->kind == AST_INDEX)
		sym = array_sym(n->u.index.base);
	return sym && sym->type_loc.file ? &sym->type_loc : NULL;
}

static void infer_keys(struct typer *t, struct symbol *sym, struct ast_node *keys,
		       const struct srcloc *loc)
{
	int n = ast_list_len(keys), i = 0;
	struct ast_node *k;

	if (!sym)
		return;
	if (sym->n_keys <= 0) {
		if (sym->n_keys == 0 && (sym->kind != SYM_GLOBAL || !sym->global->is_array) &&
		    (sym->type != TYPE_UNKNOWN || sym->arity_loc.file)) {
			arity_mismatch(t, loc, sym, n);
			return;
		}
		sym->n_keys = n;
		sym->arity_loc = *loc;
		t->changed = true;
	} else if (sym->n_keys != n) {
		arity_mismatch(t, loc, sym, n);
		return;
	}
	for (k = keys; k && i < ELAB_MAX_KEYS; k = k->next, i++) {
		enum ast_type kt = infer(t, k, sym->key_types[i]);

		if (kt == TYPE_UNKNOWN)
			continue;
		if (kt == TYPE_STATS) {
			if (t->report)
				diag_error(t->s, &k->loc, "array keys must be long or string");
			continue;
		}
		if (sym->key_types[i] == TYPE_UNKNOWN) {
			sym->key_types[i] = kt;
			sym->key_locs[i] = k->loc;
			t->changed = true;
		} else if (sym->key_types[i] != kt) {
			key_mismatch(t, &k->loc, i, sym->key_types[i], kt, &sym->key_locs[i]);
		}
	}
}

static enum ast_type infer_var(struct typer *t, struct ast_node *n, enum ast_type want)
{
	struct symbol *sym = n->u.ident.sym;

	if (!sym)
		return TYPE_UNKNOWN;
	if (sym->n_keys > 0) {
		arity_mismatch(t, &n->loc, sym, 0);
		return TYPE_UNKNOWN;
	}
	if (sym->n_keys < 0 || (sym->kind == SYM_GLOBAL && sym->global->is_array)) {
		if (t->report)
			diag_error(t->s, &n->loc, "array %s used without an index", sym->name);
		return TYPE_UNKNOWN;
	}
	if (!sym->arity_loc.file)
		sym->arity_loc = n->loc;
	if (sym->type == TYPE_UNKNOWN && want != TYPE_UNKNOWN)
		unify(t, &sym->type, &sym->type_loc, want, &n->loc);
	set_type(t, n, sym->type);
	return sym->type;
}

static enum ast_type infer_index(struct typer *t, struct ast_node *n, enum ast_type want)
{
	struct symbol *sym = array_sym(n->u.index.base);

	if (!sym && n->u.index.base->kind == AST_STAT) {
		/* @hist_*(x)[i]: the count of bucket i */
		infer(t, n->u.index.base, TYPE_UNKNOWN);
		expect(t, n->u.index.keys, TYPE_LONG);
		set_type(t, n, TYPE_LONG);
		return TYPE_LONG;
	}
	if (!sym) {
		if (t->report)
			diag_error(t->s, &n->loc, "only global arrays can be indexed");
		return TYPE_UNKNOWN;
	}
	infer_keys(t, sym, n->u.index.keys, &n->u.index.base->loc);
	if (sym->type == TYPE_UNKNOWN && want != TYPE_UNKNOWN)
		unify(t, &sym->type, &sym->type_loc, want, &n->loc);
	set_type(t, n, sym->type);
	return sym->type;
}

/* The arguments of printf/sprintf: their number and types follow from the format
 * (elaborate/format.c), which also infers the types of untyped variables. */
static void infer_format(struct typer *t, struct ast_node *n)
{
	struct ast_node *fmt = n->u.call.args, *a;
	struct fmt_spec few[16], *specs = few;
	int n_specs, need = 0, i, k;

	if (!fmt || fmt->kind != AST_STRING) {
		for (a = fmt; a; a = a->next)
			infer(t, a, TYPE_UNKNOWN);
		if (t->report)
			diag_error(t->s, &n->loc, "%s needs a literal format string", n->u.call.name);
		return;
	}
	n_specs = elab_parse_format(fmt->u.str, few, 16);
	if (n_specs > 16) {
		specs = xmalloc((size_t)n_specs * sizeof(*specs));
		elab_parse_format(fmt->u.str, specs, n_specs);
	}
	for (i = 0; i < n_specs; i++)
		need += elab_format_n_args(&specs[i]);
	if (n_specs < 0 || need != ast_list_len(fmt->next)) {
		for (a = fmt->next; a; a = a->next)
			infer(t, a, TYPE_UNKNOWN);
		if (t->report && n_specs < 0)
			diag_error(t->s, &fmt->loc, "%s", elab_format_error(n_specs));
		else if (t->report)
			diag_error(t->s, &n->loc, "Wrong number of args to formatted print operator");
		goto out;
	}
	a = fmt->next;
	for (i = 0; i < n_specs; i++) {
		for (k = elab_format_n_args(&specs[i]); k > 0; k--, a = a->next)
			expect(t, a, k == 1 && specs[i].conv == 's' ? TYPE_STRING : TYPE_LONG);
	}
out:
	if (specs != few)
		free(specs);
}

static enum ast_type infer_call(struct typer *t, struct ast_node *n, enum ast_type want)
{
	struct function *fn = n->u.call.fn;
	struct ast_node *a;
	struct symbol *p;
	enum builtin bi = elab_builtin(n->u.call.name);

	if (bi != BI_NONE) {
		if (bi == BI_PRINTF || bi == BI_SPRINTF)
			infer_format(t, n);
		else
			for (a = n->u.call.args; a; a = a->next)
				infer(t, a, TYPE_UNKNOWN);
		if (bi == BI_PRINTD || bi == BI_PRINTDLN || bi == BI_SPRINTD || bi == BI_SPRINTDLN) {
			if (ast_list_len(n->u.call.args) < 2 && t->report)
				diag_error(t->s, &n->loc, "%s needs a delimiter and at least one value",
					   n->u.call.name);
		}
		set_type(t, n, bi >= BI_SPRINT ? TYPE_STRING : TYPE_LONG);
		return n->type;
	}
	if (!fn)
		return TYPE_UNKNOWN;
	for (a = n->u.call.args, p = fn->info->params; a && p; a = a->next, p = p->next) {
		enum ast_type at = infer(t, a, p->type);

		unify(t, &p->type, &p->type_loc, at, &a->loc);
	}
	if (fn->info->ret_like && fn->info->ret_like->info && fn->info->ret_like->info->params)
		unify(t, &fn->ret, NULL, fn->info->ret_like->info->params->type, &n->loc);
	/* a function returning no value takes its type from a use, as in 4.8 */
	if (fn->ret == TYPE_UNKNOWN && want != TYPE_UNKNOWN && fn->body->kind != AST_EMBEDDED &&
	    (want == TYPE_LONG || want == TYPE_STRING))
		unify(t, &fn->ret, NULL, want, &n->loc);
	set_type(t, n, fn->ret);
	return fn->ret;
}

static enum ast_type infer_binary(struct typer *t, struct ast_node *n)
{
	struct ast_node *l = n->u.binary.lhs, *r = n->u.binary.rhs;

	switch (n->u.binary.op) {
	case OP_CONCAT:
		expect(t, l, TYPE_STRING);
		expect(t, r, TYPE_STRING);
		set_type(t, n, TYPE_STRING);
		break;
	case OP_EQ: case OP_NE: case OP_LT: case OP_LE: case OP_GT: case OP_GE: {
		enum ast_type lt = infer(t, l, TYPE_UNKNOWN);
		enum ast_type rt = infer(t, r, lt);

		if (lt == TYPE_UNKNOWN)
			lt = infer(t, l, rt);
		if ((lt == TYPE_STATS || rt == TYPE_STATS) && t->report)
			diag_error(t->s, &n->loc, "statistics cannot be compared; use an @operator");
		else if (lt != TYPE_UNKNOWN && rt != TYPE_UNKNOWN && lt != rt)
			mismatch(t, &n->loc, lt, rt, NULL);
		set_type(t, n, TYPE_LONG);
		break;
	}
	case OP_MATCH: case OP_NOMATCH:
		expect(t, l, TYPE_STRING);
		expect(t, r, TYPE_STRING);
		if (r->kind != AST_STRING && t->report)
			diag_error(t->s, &r->loc, "regular expression must be a literal string");
		else if (t->report)
			check_regex(t->s, r);
		set_type(t, n, TYPE_LONG);
		break;
	case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV: case OP_MOD:
	case OP_SHL: case OP_SHR: case OP_BAND: case OP_BOR: case OP_BXOR:
	case OP_LAND: case OP_LOR:
		expect(t, l, TYPE_LONG);
		expect(t, r, TYPE_LONG);
		set_type(t, n, TYPE_LONG);
		break;
	case OP_NEG: case OP_NOT: case OP_BNOT: case OP_PLUS: case OP_INC: case OP_DEC:
	case OP_ASSIGN: case OP_STAT_ADD:
		break;
	}
	return n->type;
}

static enum ast_type infer_assign(struct typer *t, struct ast_node *n)
{
	struct ast_node *l = n->u.assign.lhs, *r = n->u.assign.rhs;
	enum ast_type lt, rt;

	if (n->u.assign.op == OP_STAT_ADD) {
		expect(t, r, TYPE_LONG);
		lt = infer(t, l, TYPE_STATS);
		if (lt != TYPE_UNKNOWN && lt != TYPE_STATS)
			mismatch(t, &n->loc, lt, TYPE_STATS, NULL);
		set_type(t, n, TYPE_LONG);
		return n->type;
	}
	if (n->u.assign.op == OP_CONCAT) {
		expect(t, l, TYPE_STRING);
		expect(t, r, TYPE_STRING);
		set_type(t, n, TYPE_STRING);
		return n->type;
	}
	if (n->u.assign.op == OP_ASSIGN) {
		lt = infer(t, l, TYPE_UNKNOWN);
		rt = infer(t, r, lt);
		if (lt == TYPE_UNKNOWN)
			lt = infer(t, l, rt);
		if (lt != TYPE_UNKNOWN && rt != TYPE_UNKNOWN && lt != rt)
			mismatch(t, &l->loc, lt, rt, sym_type_loc(l));
		set_type(t, n, lt);
		return n->type;
	}
	expect(t, l, TYPE_LONG);
	expect(t, r, TYPE_LONG);
	set_type(t, n, TYPE_LONG);
	return n->type;
}

static void infer_stmt(struct typer *t, struct ast_node *n);

static enum ast_type infer(struct typer *t, struct ast_node *n, enum ast_type want)
{
	if (!n)
		return TYPE_UNKNOWN;
	switch (n->kind) {
	case AST_NUMBER:
		n->type = TYPE_LONG;	/* 9223372036854775808 not negated: INT64_MIN */
		return TYPE_LONG;
	case AST_STRING:
		return TYPE_STRING;
	case AST_IDENT:
		return infer_var(t, n, want);
	case AST_INDEX:
		return infer_index(t, n, want);
	case AST_CALL:
		return infer_call(t, n, want);
	case AST_BINARY:
		return infer_binary(t, n);
	case AST_UNARY:
		expect(t, n->u.unary.operand, TYPE_LONG);
		set_type(t, n, TYPE_LONG);
		return TYPE_LONG;
	case AST_INCDEC:
		expect(t, n->u.incdec.operand, TYPE_LONG);
		set_type(t, n, TYPE_LONG);
		return TYPE_LONG;
	case AST_ASSIGN:
		return infer_assign(t, n);
	case AST_TERNARY: {
		enum ast_type a, b;

		expect(t, n->u.ternary.cond, TYPE_LONG);
		a = infer(t, n->u.ternary.then, want);
		b = infer(t, n->u.ternary.other, a != TYPE_UNKNOWN ? a : want);
		if (a == TYPE_UNKNOWN)
			a = infer(t, n->u.ternary.then, b);
		if (a != TYPE_UNKNOWN && b != TYPE_UNKNOWN && a != b)
			mismatch(t, &n->loc, a, b, NULL);
		set_type(t, n, a != TYPE_UNKNOWN ? a : b);
		return n->type;
	}
	case AST_IN:
		infer_keys(t, array_sym(n->u.in.array), n->u.in.keys, &n->u.in.array->loc);
		set_type(t, n, TYPE_LONG);
		return TYPE_LONG;
	case AST_STAT: {
		enum ast_type ot = infer(t, n->u.stat.operand, TYPE_STATS);
		struct ast_node *p;

		if (ot != TYPE_UNKNOWN && ot != TYPE_STATS)
			mismatch(t, &n->loc, TYPE_STATS, ot, NULL);
		for (p = n->u.stat.params; p; p = p->next) {
			expect(t, p, TYPE_LONG);
			if (p->kind != AST_NUMBER && t->report)
				diag_error(t->s, &p->loc, "histogram parameters must be literal numbers");
		}
		if (n->u.stat.op == STAT_HIST_LINEAR && t->report && !elab_hist_linear_ok(n))
			diag_error(t->s, &n->loc, "@hist_linear needs (value, low, high, step) with step > 0, low < high and at most %d buckets",
				   ELAB_HIST_MAX_BUCKETS - 2);
		set_type(t, n, TYPE_LONG);
		return TYPE_LONG;
	}
	case AST_EMBEDDED_EXPR:
		set_type(t, n, TYPE_LONG);
		return TYPE_LONG;
	case AST_TARGET: case AST_CAST: case AST_ATVAR: case AST_DEFINED: case AST_ENTRY:
		set_type(t, n, TYPE_LONG);
		return TYPE_LONG;
	case AST_BLOCK: case AST_EXPR_STMT: case AST_IF: case AST_WHILE: case AST_FOR:
	case AST_FOREACH: case AST_DELETE: case AST_NEXT: case AST_BREAK:
	case AST_CONTINUE: case AST_RETURN: case AST_TRY: case AST_NULL: case AST_EMBEDDED:
		infer_stmt(t, n);
		return TYPE_UNKNOWN;
	}
	return TYPE_UNKNOWN;
}

static void infer_foreach(struct typer *t, struct ast_node *n)
{
	struct symbol *sym = array_sym(n->u.foreach.array);
	struct ast_node *k;
	int i = 0;

	if (sym && n->u.foreach.slice)
		infer_keys(t, sym, n->u.foreach.slice, &n->u.foreach.array->loc);
	if (!sym) {
		infer(t, n->u.foreach.array, TYPE_UNKNOWN);
		/* foreach (bucket in @hist_*(x)): bucket numbers and counts */
		for (k = n->u.foreach.keys; k; k = k->next)
			if (k->u.ident.sym) {
				unify(t, &k->u.ident.sym->type, &k->u.ident.sym->type_loc, TYPE_LONG, &k->loc);
				set_type(t, k, TYPE_LONG);
			}
		if (n->u.foreach.value && n->u.foreach.value->u.ident.sym) {
			struct symbol *vs = n->u.foreach.value->u.ident.sym;

			unify(t, &vs->type, &vs->type_loc, TYPE_LONG, &n->u.foreach.value->loc);
			set_type(t, n->u.foreach.value, TYPE_LONG);
		}
		return;
	}
	if (sym->n_keys < 0)
		sym->n_keys = ast_list_len(n->u.foreach.keys);
	if (sym->n_keys != ast_list_len(n->u.foreach.keys) && t->report)
		diag_error(t->s, &n->loc, "inconsistent arity (%d vs %d)", sym->n_keys,
			   ast_list_len(n->u.foreach.keys));
	for (k = n->u.foreach.keys; k && i < ELAB_MAX_KEYS; k = k->next, i++) {
		struct symbol *ks = k->u.ident.sym;

		if (!ks)
			continue;
		if (sym->key_types[i] != TYPE_UNKNOWN)
			unify(t, &ks->type, &ks->type_loc, sym->key_types[i], &k->loc);
		else if (ks->type != TYPE_UNKNOWN)
			unify(t, &sym->key_types[i], NULL, ks->type, &k->loc);
		set_type(t, k, ks->type);
	}
	if (n->u.foreach.value && n->u.foreach.value->u.ident.sym) {
		struct symbol *vs = n->u.foreach.value->u.ident.sym;

		unify(t, &vs->type, &vs->type_loc, sym->type == TYPE_STATS ? TYPE_UNKNOWN : sym->type,
		      &n->u.foreach.value->loc);
		set_type(t, n->u.foreach.value, vs->type);
	}
	expect(t, n->u.foreach.limit, TYPE_LONG);
}

static bool is_expr(const struct ast_node *n)
{
	switch (n->kind) {
	case AST_NUMBER: case AST_STRING: case AST_IDENT: case AST_INDEX: case AST_CALL:
	case AST_BINARY: case AST_UNARY: case AST_INCDEC: case AST_ASSIGN: case AST_TERNARY:
	case AST_IN: case AST_STAT: case AST_TARGET: case AST_CAST: case AST_ATVAR:
	case AST_DEFINED: case AST_ENTRY: case AST_EMBEDDED_EXPR:
		return true;
	case AST_BLOCK: case AST_EXPR_STMT: case AST_IF: case AST_WHILE: case AST_FOR:
	case AST_FOREACH: case AST_DELETE: case AST_NEXT: case AST_BREAK: case AST_CONTINUE:
	case AST_RETURN: case AST_TRY: case AST_NULL: case AST_EMBEDDED:
		return false;
	}
	return false;
}

static void infer_delete(struct typer *t, struct ast_node *n)
{
	if (n->u.operand->kind == AST_IDENT) {
		struct symbol *sym = n->u.operand->u.ident.sym;

		if (sym && sym->n_keys != 0)
			return;	/* a whole array */
		/* nothing known of it yet: a later use (an index in a function typed
		 * after this probe) may make it an array; wait for the last round */
		if (sym && !t->report && sym->type == TYPE_UNKNOWN && !sym->arity_loc.file)
			return;
	}
	infer(t, n->u.operand, TYPE_UNKNOWN);
}

static void infer_return(struct typer *t, struct ast_node *n)
{
	enum ast_type rt;

	if (!t->fn) {
		if (t->report)
			diag_error(t->s, &n->loc, "return outside a function");
		return;
	}
	if (!n->u.operand)
		return;
	rt = infer(t, n->u.operand, t->fn->ret);
	unify(t, &t->fn->ret, NULL, rt, &n->u.operand->loc);
}

/* a child of an if, loop or try: conditions are long, a catch variable a string */
struct stmt_child {
	struct typer *t;
	struct ast_node *parent;
};

static void stmt_slot(struct ast_node **slot, bool is_list, void *ctx)
{
	struct stmt_child *c = ctx;
	struct ast_node *p = c->parent, *n = *slot;

	(void)is_list;
	if ((p->kind == AST_IF && slot == &p->u.cond.cond) ||
	    ((p->kind == AST_WHILE || p->kind == AST_FOR) && slot == &p->u.loop.cond)) {
		expect(c->t, n, TYPE_LONG);
	} else if (p->kind == AST_TRY && slot == &p->u.try_.var) {
		if (n && n->u.ident.sym) {
			struct symbol *vs = n->u.ident.sym;

			unify(c->t, &vs->type, &vs->type_loc, TYPE_STRING, &n->loc);
			set_type(c->t, n, TYPE_STRING);
		}
	} else {
		infer_stmt(c->t, n);
	}
}

/* Expressions in statement position are typed on their own (want nothing); the
 * statements with a rule of their own say what they expect of their children. */
static enum ast_walk_rc stmt_pre(struct ast_node *n, void *ctx)
{
	struct typer *t = ctx;
	struct stmt_child c = { .t = t, .parent = n };

	if (is_expr(n)) {
		infer(t, n, TYPE_UNKNOWN);
	} else if (n->kind == AST_DELETE) {
		infer_delete(t, n);
	} else if (n->kind == AST_RETURN) {
		infer_return(t, n);
	} else if (n->kind == AST_FOREACH) {
		infer_foreach(t, n);
		infer_stmt(t, n->u.foreach.body);
	} else if (n->kind == AST_IF || n->kind == AST_WHILE || n->kind == AST_FOR ||
		   n->kind == AST_TRY) {
		ast_each_child(n, stmt_slot, &c);
	} else {
		return AST_WALK_CONTINUE;	/* blocks, expression statements, ... */
	}
	return AST_WALK_SKIP;
}

static void infer_stmt(struct typer *t, struct ast_node *n)
{
	const struct ast_walker w = { .pre = stmt_pre, .ctx = t };

	ast_walk(n, &w);
}

static void walk_all(struct typer *t)
{
	struct derived_probe *dp;
	struct function *fn;

	for (dp = t->s->prog.probes; dp; dp = dp->next) {
		t->fn = NULL;
		expect(t, dp->cond, TYPE_LONG);
		infer_stmt(t, dp->body);
	}
	for (fn = t->s->prog.functions; fn; fn = fn->next_used) {
		t->fn = fn;
		infer_stmt(t, fn->body);
	}
}

static void check_untyped(struct typer *t, struct symbol *list)
{
	for (; list; list = list->next) {
		if (list->type == TYPE_UNKNOWN)
			diag_error(t->s, &list->loc, "unresolved type");
	}
}

static void check_globals(struct typer *t)
{
	struct symbol *g;

	for (g = t->s->prog.global_syms; g; g = g->next) {
		if (g->type == TYPE_UNKNOWN)
			diag_error(t->s, &g->loc, "unresolved type");
	}
}

static enum ast_walk_rc void_pre(struct ast_node *n, void *ctx)
{
	struct typer *t = ctx;
	const struct ast_walker w = { .pre = void_pre, .ctx = t };
	const struct function *fn;

	if (n->kind == AST_EXPR_STMT && n->u.operand->kind == AST_CALL) {
		/* a call for its effect: only its arguments are values */
		ast_walk_list(n->u.operand->u.call.args, &w);
		return AST_WALK_SKIP;
	}
	if (n->kind != AST_CALL)
		return AST_WALK_CONTINUE;
	fn = n->u.call.fn;
	if (fn && fn->ret == TYPE_UNKNOWN && fn->body->kind != AST_EMBEDDED)
		diag_error(t->s, &n->loc, "unresolved type");
	return AST_WALK_CONTINUE;
}

/* the values of calls of functions that return none, where nothing typed them */
static void void_values(struct typer *t)
{
	const struct ast_walker w = { .pre = void_pre, .ctx = t };
	struct derived_probe *dp;
	struct function *fn;

	for (dp = t->s->prog.probes; dp; dp = dp->next)
		ast_walk(dp->body, &w);
	for (fn = t->s->prog.functions; fn; fn = fn->next_used)
		ast_walk(fn->body, &w);
}

int elab_types(struct session *s)
{
	struct typer t = { .s = s };
	struct derived_probe *dp;
	struct function *fn;
	int i, errors = s->diag.n_errors;

	for (i = 0; i < 50; i++) {
		t.changed = false;
		walk_all(&t);
		if (!t.changed)
			break;
	}
	/* a function that returns no value and that no use gives a type: its value
	 * may not be used (4.8's "unresolved type"); called for its effect only, it
	 * is "long" returning 0 */
	void_values(&t);
	for (fn = s->prog.functions; fn; fn = fn->next_used)
		if (fn->ret == TYPE_UNKNOWN)
			fn->ret = TYPE_LONG;
	t.report = true;
	walk_all(&t);
	for (fn = s->prog.functions; fn; fn = fn->next_used) {
		if (fn->body->kind == AST_EMBEDDED)
			continue;
		check_untyped(&t, fn->info->params);
		check_untyped(&t, fn->info->locals);
	}
	for (dp = s->prog.probes; dp; dp = dp->next)
		if (!dp->next || dp->next->locals != dp->locals)
			check_untyped(&t, dp->locals);	/* shared lists are adjacent */
	check_globals(&t);
	return s->diag.n_errors > errors ? -1 : 0;
}
