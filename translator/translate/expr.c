/* Pass 3: statements and expressions to C. Every subexpression is evaluated into a
 * temporary of the current frame in source order, so C sees no side effects inside an
 * expression; run-time errors set last_error and leave the handler through "out". */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "elaborate/regex.h"
#include "translate/translate.h"

const char *xl_ctype(enum ast_type t)
{
	return t == TYPE_STRING ? "char" : "int64_t";
}

const char *xl_where(struct xlate *x, const struct srcloc *loc)
{
	char *text, *lit;
	const char *out;

	if (!loc || !loc->file)
		return "\"\"";
	text = xasprintf("%s%sat %s:%d:%d", loc->tok ? loc->tok : "", loc->tok ? " " : "",
			 loc->file->name, loc->line, loc->col);
	lit = emit_cstr(text);
	out = arena_strdup(&x->s->arena, lit);
	free(text);
	free(lit);
	return out;
}

const char *xl_sym(struct xlate *x, const struct symbol *sym)
{
	switch (sym->kind) {
	case SYM_GLOBAL:
		return arena_printf(&x->s->arena, "global_%s", sym->name);
	case SYM_LOCAL:
		return arena_printf(&x->s->arena, "l->l_%s", sym->name);
	case SYM_PARAM:
		return arena_printf(&x->s->arena, "l->p_%s", sym->name);
	}
	return "?";
}

const char *xl_tmp(struct xlate *x, enum ast_type t)
{
	int id = x->n_tmp++;

	if (t == TYPE_STRING)
		sb_printf(x->frame, "\tchar t%d[MAXSTRINGLEN];\n", id);
	else
		sb_printf(x->frame, "\tint64_t t%d;\n", id);
	return arena_printf(&x->s->arena, "l->t%d", id);
}

void xl_fail_if(struct xlate *x, const char *cond, const struct srcloc *loc, const char *msg)
{
	emit_open(x->e, "if (unlikely(%s))", cond);
	emit_line(x->e, "c->base.last_stmt = %s;", xl_where(x, loc));
	emit_line(x->e, "_stp_error(&c->base, \"%s\");", msg);
	emit_line(x->e, "goto %s;", x->err_label);
	emit_close(x->e, "}");
}

void xl_check(struct xlate *x)
{
	emit_line(x->e, "if (unlikely(c->base.last_error)) goto %s;", x->err_label);
}

void xl_store(struct xlate *x, enum ast_type t, const char *dst, const char *val)
{
	if (t == TYPE_STRING)
		emit_line(x->e, "_stp_scpy(%s, %s);", dst, val);
	else
		emit_line(x->e, "%s = %s;", dst, val);
}

static const char *xl_binary_long(struct xlate *x, struct ast_node *n, const char *a,
				  const char *b)
{
	const char *t = xl_tmp(x, TYPE_LONG);
	const char *cond;

	switch (n->u.binary.op) {
	case OP_ADD:
		emit_line(x->e, "%s = (int64_t)((uint64_t)%s + (uint64_t)%s);", t, a, b);
		break;
	case OP_SUB:
		emit_line(x->e, "%s = (int64_t)((uint64_t)%s - (uint64_t)%s);", t, a, b);
		break;
	case OP_MUL:
		emit_line(x->e, "%s = (int64_t)((uint64_t)%s * (uint64_t)%s);", t, a, b);
		break;
	case OP_DIV:
	case OP_MOD:
		cond = arena_printf(&x->s->arena, "%s == 0", b);
		xl_fail_if(x, cond, &n->loc, "division by 0");
		emit_line(x->e, "%s = _stp_%s(&c->base, %s, %s);", t,
			  n->u.binary.op == OP_DIV ? "div" : "mod", a, b);
		break;
	case OP_SHL:
		emit_line(x->e, "%s = (int64_t)((uint64_t)%s << (%s & 63));", t, a, b);
		break;
	case OP_SHR:
		emit_line(x->e, "%s = %s >> (%s & 63);", t, a, b);
		break;
	case OP_BAND: case OP_BOR: case OP_BXOR:
	case OP_EQ: case OP_NE: case OP_LT: case OP_LE: case OP_GT: case OP_GE:
		emit_line(x->e, "%s = %s %s %s;", t, a, ast_op_str(n->u.binary.op), b);
		break;
	case OP_LAND: case OP_LOR: case OP_CONCAT: case OP_MATCH: case OP_NOMATCH:
	case OP_NEG: case OP_NOT: case OP_BNOT: case OP_PLUS: case OP_INC: case OP_DEC:
	case OP_ASSIGN: case OP_STAT_ADD:
		diag_internal(x->s, "%s:%d: unexpected operator %s", __FILE__, __LINE__,
			      ast_op_str(n->u.binary.op));
		break;
	}
	return t;
}

static const char *xl_logical(struct xlate *x, struct ast_node *n)
{
	const char *t = xl_tmp(x, TYPE_LONG), *a, *b;
	bool is_and = n->u.binary.op == OP_LAND;

	a = xl_expr(x, n->u.binary.lhs);
	emit_line(x->e, "%s = %s;", t, is_and ? "0" : "1");
	emit_open(x->e, "if (%s%s)", is_and ? "" : "!", a);
	b = xl_expr(x, n->u.binary.rhs);
	emit_line(x->e, "%s = (%s != 0);", t, b);
	emit_close(x->e, "}");
	return t;
}

static const char *xl_binary(struct xlate *x, struct ast_node *n)
{
	const char *a, *b, *t;
	enum ast_op op = n->u.binary.op;

	if (op == OP_LAND || op == OP_LOR)
		return xl_logical(x, n);
	a = xl_expr(x, n->u.binary.lhs);
	b = xl_expr(x, n->u.binary.rhs);
	if (op == OP_CONCAT) {
		t = xl_tmp(x, TYPE_STRING);
		emit_line(x->e, "_stp_scpy(%s, %s);", t, a);
		emit_line(x->e, "_stp_scat(%s, %s);", t, b);
		return t;
	}
	if (op == OP_MATCH || op == OP_NOMATCH) {
		XL_INTERNAL(x->s, "=~ outside xl_regex()");
		return "0";
	}
	if (n->u.binary.lhs->type == TYPE_STRING) {
		t = xl_tmp(x, TYPE_LONG);
		emit_line(x->e, "%s = strcmp(%s, %s) %s 0;", t, a, b, ast_op_str(op));
		return t;
	}
	return xl_binary_long(x, n, a, b);
}

/* One function of a call's overload chain: arguments into its frame, the call, its value
 * into t. A `next` in it (last_error == _stp_next_msg) runs the following overload with
 * the same arguments; after the last one it is the error "all functions exhausted". */
static void xl_call_one(struct xlate *x, struct ast_node *n, struct function *fn,
			const char **vals, const char *where, const char *t)
{
	const char *frame = arena_printf(&x->s->arena, "c->frames[c->base.nesting + 1].f_%s",
					 xl_fn_cname(x->s, fn));
	struct symbol *p;
	int i;

	for (p = fn->info->params, i = 0; p; p = p->next, i++)
		xl_store(x, p->type, arena_printf(&x->s->arena, "%s.p_%s", frame, p->name), vals[i]);
	emit_line(x->e, "c->base.nesting++;");
	emit_line(x->e, "function_%s(c);", xl_fn_cname(x->s, fn));
	emit_line(x->e, "c->base.nesting--;");
	emit_open(x->e, "if (unlikely(c->base.last_error == _stp_next_msg))");
	emit_line(x->e, "c->base.last_error = NULL;");
	if (fn->next_overload) {
		xl_call_one(x, n, fn->next_overload, vals, where, t);
	} else {
		emit_line(x->e, "c->base.last_stmt = %s;", where);
		emit_line(x->e, "_stp_error(&c->base, \"all functions exhausted\");");
	}
	if (t) {
		emit_close(x->e, "} else {");
		x->e->indent++;
		xl_store(x, n->u.call.fn->ret, t, arena_printf(&x->s->arena, "%s.retvalue", frame));
	}
	emit_close(x->e, "}");
}

static const char *xl_call(struct xlate *x, struct ast_node *n)
{
	struct function *fn = n->u.call.fn;
	enum builtin bi = elab_builtin(n->u.call.name);
	struct ast_node *a;
	const char **vals;
	const char *t = NULL, *where;
	int i = 0;

	if (bi != BI_NONE)
		return xl_print(x, n, bi);
	if (!fn) {
		XL_INTERNAL(x->s, "unresolved call to %s", n->u.call.name);
		return "0";
	}
	vals = arena_alloc(&x->s->arena, sizeof(*vals) * (size_t)(fn->n_params + 1));
	for (a = n->u.call.args; a; a = a->next)
		vals[i++] = xl_expr(x, a);
	where = xl_where(x, &n->loc);
	emit_line(x->e, "c->base.last_stmt = %s;", where);
	/* the callee gets frames[nesting + 1]: at most MAXNESTING calls deep */
	xl_fail_if(x, "c->base.nesting >= MAXNESTING", &n->loc, "MAXNESTING exceeded");
	if (fn->ret == TYPE_STRING || fn->ret == TYPE_LONG)
		t = xl_tmp(x, fn->ret);
	xl_call_one(x, n, fn, vals, where, t);
	xl_check(x);
	return t ? t : "0";
}

/* compound assignment: the new value of `old op v` into a temp */
static const char *compound(struct xlate *x, struct ast_node *n, enum ast_op op, const char *old,
			    const char *v)
{
	struct ast_node fake = *n;

	fake.kind = AST_BINARY;
	fake.u.binary.op = op;
	return xl_binary_long(x, &fake, old, v);
}

static const char *xl_assign(struct xlate *x, struct ast_node *n)
{
	struct ast_node *l = n->u.assign.lhs;
	enum ast_op op = n->u.assign.op;
	const char *dst, *v, *old, *t;

	if (op == OP_STAT_ADD) {
		v = xl_expr(x, n->u.assign.rhs);
		gl_stat_add(x, l, v);
		return v;
	}
	if (l->kind == AST_INDEX) {
		/* a[k] op= v: keys first, then the value, then read-modify-write */
		v = xl_expr(x, n->u.assign.rhs);
		if (op == OP_ASSIGN) {
			gl_index_set(x, l, v);
			return v;
		}
		old = gl_index_get(x, l);
		if (op == OP_CONCAT) {
			emit_line(x->e, "_stp_scat(%s, %s);", old, v);
			t = old;
		} else {
			t = compound(x, n, op, old, v);
		}
		gl_index_set(x, l, t);
		return t;
	}
	if (l->kind != AST_IDENT || !l->u.ident.sym) {
		XL_INTERNAL(x->s, "this kind of lvalue cannot be assigned");
		return "0";
	}
	dst = xl_sym(x, l->u.ident.sym);
	v = xl_expr(x, n->u.assign.rhs);
	if (op == OP_ASSIGN) {
		xl_store(x, l->type, dst, v);
	} else if (op == OP_CONCAT) {
		if (!strcmp(v, dst)) {
			t = xl_tmp(x, TYPE_STRING);
			xl_store(x, TYPE_STRING, t, v);
			v = t;
		}
		emit_line(x->e, "_stp_scat(%s, %s);", dst, v);
	} else {
		emit_line(x->e, "%s = %s;", dst, compound(x, n, op, dst, v));
	}
	return dst;
}

static const char *xl_incdec(struct xlate *x, struct ast_node *n)
{
	struct ast_node *o = n->u.incdec.operand;
	const char *dst, *t, *nv;
	const char *sign = n->u.incdec.op == OP_INC ? "+" : "-";

	if (o->kind == AST_INDEX) {
		const char *old = gl_index_get(x, o);

		nv = xl_tmp(x, TYPE_LONG);
		emit_line(x->e, "%s = (int64_t)((uint64_t)%s %s 1);", nv, old, sign);
		gl_index_set(x, o, nv);
		return n->u.incdec.post ? old : nv;
	}
	if (o->kind != AST_IDENT || !o->u.ident.sym) {
		XL_INTERNAL(x->s, "++/-- needs a variable or an array element");
		return "0";
	}
	dst = xl_sym(x, o->u.ident.sym);
	t = xl_tmp(x, TYPE_LONG);
	if (n->u.incdec.post)
		emit_line(x->e, "%s = %s;", t, dst);
	emit_line(x->e, "%s = (int64_t)((uint64_t)%s %s 1);", dst, dst, sign);
	if (!n->u.incdec.post)
		emit_line(x->e, "%s = %s;", t, dst);
	return t;
}

/* str =~ "pattern": the pattern's program as static const tables in a block of its own,
 * run by the runtime over the context's regex scratch (sized in translate.c for the
 * largest program of the script). */
static const char *xl_regex(struct xlate *x, struct ast_node *n)
{
	static const char *const ops[] = {
		[RE_CHAR] = "STP_RE_CHAR", [RE_ANY] = "STP_RE_ANY", [RE_CLASS] = "STP_RE_CLASS",
		[RE_SPLIT] = "STP_RE_SPLIT", [RE_JMP] = "STP_RE_JMP", [RE_SAVE] = "STP_RE_SAVE",
		[RE_BOL] = "STP_RE_BOL", [RE_EOL] = "STP_RE_EOL", [RE_MATCH] = "STP_RE_MATCH",
	};
	struct ast_node *pat = n->u.binary.rhs;
	struct re_prog prog;
	struct strbuf sb = { 0 };
	const char *err, *subject, *t;
	int i, j;

	subject = xl_expr(x, n->u.binary.lhs);
	if (pat->kind != AST_STRING) {
		XL_INTERNAL(x->s, "regular expression must be a literal string");
		return "0";
	}
	if (re_compile(&x->s->arena, pat->u.str, &prog, &err)) {
		XL_INTERNAL(x->s, "%s", err);
		return "0";
	}
	if (prog.n_insts > x->re_max->n_insts)
		x->re_max->n_insts = prog.n_insts;
	if (prog.n_groups > x->re_max->n_groups)
		x->re_max->n_groups = prog.n_groups;
	t = xl_tmp(x, TYPE_LONG);
	emit_open(x->e, "%s", "");
	emit_line(x->e, "static const struct _stp_re_inst insts[] = {");
	for (i = 0; i < prog.n_insts; i++) {
		const struct re_inst *in = &prog.insts[i];

		emit_line(x->e, "\t{ %s, %d, %d, %d },", ops[in->op], in->arg, in->x, in->y);
	}
	emit_line(x->e, "};");
	if (prog.n_classes) {
		emit_line(x->e, "static const unsigned char classes[][32] = {");
		for (i = 0; i < prog.n_classes; i++) {
			sb.len = 0;
			if (sb.buf)
				sb.buf[0] = '\0';
			for (j = 0; j < 32; j++)
				sb_printf(&sb, "%s0x%02x", j ? "," : "", prog.classes[i][j]);
			emit_line(x->e, "\t{ %s },", sb.buf);
		}
		emit_line(x->e, "};");
	}
	emit_line(x->e, "static const struct _stp_regex re = { insts, %s, %d, %d };",
		  prog.n_classes ? "classes" : "NULL", prog.n_insts, prog.n_groups);
	emit_line(x->e, "%s = %s_stp_regex_match(&c->base, &re, %s, c->regex_scratch);", t,
		  n->u.binary.op == OP_NOMATCH ? "!" : "", subject);
	emit_close(x->e, "}");
	sb_free(&sb);
	return t;
}

const char *xl_expr(struct xlate *x, struct ast_node *n)
{
	const char *a, *t;

	switch (n->kind) {
	case AST_NUMBER:
		if (n->u.num == INT64_MIN)
			return "INT64_MIN";
		return arena_printf(&x->s->arena, "%" PRId64 "LL", n->u.num);
	case AST_STRING: {
		char *lit = emit_cstr(n->u.str);
		const char *out = arena_strdup(&x->s->arena, lit);

		free(lit);
		return out;
	}
	case AST_IDENT:
		if (n->u.ident.sym && n->u.ident.sym->n_keys > 0) {
			XL_INTERNAL(x->s, "array %s used without an index", n->u.ident.name);
			return "0";
		}
		if (n->u.ident.sym && n->u.ident.sym->type == TYPE_STATS) {
			XL_INTERNAL(x->s, "statistic %s read as a value", n->u.ident.name);
			return "0";
		}
		return n->u.ident.sym ? xl_sym(x, n->u.ident.sym) : "0";
	case AST_CALL:
		return xl_call(x, n);
	case AST_BINARY:
		if (n->u.binary.op == OP_MATCH || n->u.binary.op == OP_NOMATCH)
			return xl_regex(x, n);
		return xl_binary(x, n);
	case AST_UNARY:
		a = xl_expr(x, n->u.unary.operand);
		t = xl_tmp(x, TYPE_LONG);
		if (n->u.unary.op == OP_NEG)
			emit_line(x->e, "%s = (int64_t)(0 - (uint64_t)%s);", t, a);
		else if (n->u.unary.op == OP_NOT)
			emit_line(x->e, "%s = !%s;", t, a);
		else if (n->u.unary.op == OP_BNOT)
			emit_line(x->e, "%s = ~%s;", t, a);
		else
			emit_line(x->e, "%s = %s;", t, a);
		return t;
	case AST_INCDEC:
		return xl_incdec(x, n);
	case AST_ASSIGN:
		return xl_assign(x, n);
	case AST_TERNARY:
		t = xl_tmp(x, n->type);
		a = xl_expr(x, n->u.ternary.cond);
		emit_open(x->e, "if (%s)", a);
		xl_store(x, n->type, t, xl_expr(x, n->u.ternary.then));
		emit_close(x->e, "}");
		emit_open(x->e, "else");
		xl_store(x, n->type, t, xl_expr(x, n->u.ternary.other));
		emit_close(x->e, "}");
		return t;
	case AST_EMBEDDED_EXPR:
		t = xl_tmp(x, TYPE_LONG);
		emit_line(x->e, "%s = (int64_t)(%s);", t, n->u.str);
		return t;
	case AST_INDEX:
		return gl_index_get(x, n);
	case AST_IN:
		return gl_in(x, n);
	case AST_STAT:
		return gl_stat_op(x, n);
	case AST_TARGET: case AST_CAST: case AST_ATVAR: case AST_DEFINED: case AST_ENTRY:
		XL_INTERNAL(x->s, "target expression not rewritten");
		return "0";
	case AST_BLOCK: case AST_EXPR_STMT: case AST_IF: case AST_WHILE: case AST_FOR:
	case AST_FOREACH: case AST_DELETE: case AST_NEXT: case AST_BREAK:
	case AST_CONTINUE: case AST_RETURN: case AST_TRY: case AST_NULL: case AST_EMBEDDED:
		xl_stmt(x, n);
		return "0";
	}
	return "0";
}
