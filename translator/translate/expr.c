/* Pass 3: statements and expressions to C. Every subexpression is evaluated into a
 * temporary of the current frame in source order, so C sees no side effects inside an
 * expression; run-time errors set last_error and leave the handler through "out". */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

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

static const char *new_tmp(struct xlate *x, enum ast_type t)
{
	int id = x->n_tmp++;

	if (t == TYPE_STRING)
		sb_printf(x->frame, "\tchar t%d[MAXSTRINGLEN];\n", id);
	else
		sb_printf(x->frame, "\tint64_t t%d;\n", id);
	return arena_printf(&x->s->arena, "l->t%d", id);
}

static void fail_if(struct xlate *x, const char *cond, const struct srcloc *loc,
		    const char *msg)
{
	emit_open(x->e, "if (unlikely(%s))", cond);
	emit_line(x->e, "c->base.last_stmt = %s;", xl_where(x, loc));
	emit_line(x->e, "_stp_error(&c->base, \"%s\");", msg);
	emit_line(x->e, "goto out;");
	emit_close(x->e, "}");
}

static void check_error(struct xlate *x)
{
	emit_line(x->e, "if (unlikely(c->base.last_error)) goto out;");
}

/* store a value of type t into the lvalue C expression dst */
static void store(struct xlate *x, enum ast_type t, const char *dst, const char *val)
{
	if (t == TYPE_STRING)
		emit_line(x->e, "strlcpy(%s, %s, MAXSTRINGLEN);", dst, val);
	else
		emit_line(x->e, "%s = %s;", dst, val);
}

static const char *xl_binary_long(struct xlate *x, struct ast_node *n, const char *a,
				  const char *b)
{
	const char *t = new_tmp(x, TYPE_LONG);
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
		fail_if(x, cond, &n->loc, "division by 0");
		if (n->u.binary.op == OP_DIV)
			emit_line(x->e, "%s = (%s == -1) ? (int64_t)(0 - (uint64_t)%s) : %s / %s;",
				  t, b, a, a, b);
		else
			emit_line(x->e, "%s = (%s == -1) ? 0 : %s %% %s;", t, b, a, b);
		break;
	case OP_SHL:
		emit_line(x->e, "%s = (int64_t)((uint64_t)%s << (%s & 63));", t, a, b);
		break;
	case OP_SHR:
		emit_line(x->e, "%s = %s >> (%s & 63);", t, a, b);
		break;
	case OP_BAND:
		emit_line(x->e, "%s = %s & %s;", t, a, b);
		break;
	case OP_BOR:
		emit_line(x->e, "%s = %s | %s;", t, a, b);
		break;
	case OP_BXOR:
		emit_line(x->e, "%s = %s ^ %s;", t, a, b);
		break;
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
	const char *t = new_tmp(x, TYPE_LONG), *a, *b;
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
		t = new_tmp(x, TYPE_STRING);
		emit_line(x->e, "strlcpy(%s, %s, MAXSTRINGLEN);", t, a);
		emit_line(x->e, "strlcat(%s, %s, MAXSTRINGLEN);", t, b);
		return t;
	}
	if (op == OP_MATCH || op == OP_NOMATCH) {
		diag_error(x->s, &n->loc, "regular expression matching is not supported yet");
		return "0";
	}
	if (n->u.binary.lhs->type == TYPE_STRING) {
		t = new_tmp(x, TYPE_LONG);
		emit_line(x->e, "%s = strcmp(%s, %s) %s 0;", t, a, b, ast_op_str(op));
		return t;
	}
	return xl_binary_long(x, n, a, b);
}

/* printf-style formats: check the arguments against the format and build a kernel
 * format string for them. */
static const char *xl_format(struct xlate *x, struct ast_node *call, struct ast_node *fmt,
			     struct ast_node *args, struct strbuf *cargs)
{
	struct strbuf out = { 0 };
	const char *p = fmt->u.str, *res;
	struct ast_node *a = args;

	for (; *p; p++) {
		char conv;

		if (*p != '%') {
			sb_putc(&out, *p);
			continue;
		}
		sb_putc(&out, *p++);
		if (*p == '%') {
			sb_putc(&out, '%');
			continue;
		}
		while (*p && strchr("-+ #0", *p))
			sb_putc(&out, *p++);
		if (*p == '*') {
			if (!a || a->type != TYPE_LONG) {
				diag_error(x->s, &fmt->loc, "format '*' width needs a long argument");
				goto out;
			}
			sb_printf(cargs, ", (int)%s", xl_expr(x, a));
			a = a->next;
			sb_putc(&out, *p++);
		}
		while (*p >= '0' && *p <= '9')
			sb_putc(&out, *p++);
		if (*p == '.') {
			sb_putc(&out, *p++);
			while (*p >= '0' && *p <= '9')
				sb_putc(&out, *p++);
		}
		conv = *p;
		if (!conv || !strchr("diuxXocsp", conv)) {
			diag_error(x->s, &fmt->loc, "invalid or unsupported format conversion '%%%c'",
				   conv ? conv : ' ');
			goto out;
		}
		if (!a) {
			diag_error(x->s, &call->loc, "too few arguments for format");
			goto out;
		}
		if ((conv == 's') != (a->type == TYPE_STRING)) {
			diag_error(x->s, &a->loc, "format '%%%c' does not match a %s argument", conv,
				   ast_type_str(a->type));
			goto out;
		}
		switch (conv) {
		case 's':
			sb_putc(&out, 's');
			sb_printf(cargs, ", %s", xl_expr(x, a));
			break;
		case 'c':
			sb_putc(&out, 'c');
			sb_printf(cargs, ", (int)%s", xl_expr(x, a));
			break;
		case 'p':
			sb_puts(&out, "llx");
			sb_printf(cargs, ", (unsigned long long)%s", xl_expr(x, a));
			break;
		case 'd': case 'i':
			sb_puts(&out, "lld");
			sb_printf(cargs, ", (long long)%s", xl_expr(x, a));
			break;
		default:
			sb_printf(&out, "ll%c", conv);
			sb_printf(cargs, ", (unsigned long long)%s", xl_expr(x, a));
			break;
		}
		a = a->next;
	}
	if (a)
		diag_error(x->s, &a->loc, "too many arguments for format");
out:
	res = arena_strdup(&x->s->arena, out.buf ? out.buf : "");
	sb_free(&out);
	return res;
}

static const char *xl_print(struct xlate *x, struct ast_node *n, enum builtin bi)
{
	struct ast_node *a = n->u.call.args;
	bool to_str = bi >= BI_SPRINT;
	const char *t = to_str ? new_tmp(x, TYPE_STRING) : NULL;
	struct strbuf fmt = { 0 }, cargs = { 0 };
	const char *delim = NULL;
	char *lit;

	if (bi == BI_PRINTF || bi == BI_SPRINTF) {
		sb_puts(&fmt, xl_format(x, n, a, a->next, &cargs));
	} else {
		if (bi == BI_PRINTD || bi == BI_PRINTDLN || bi == BI_SPRINTD || bi == BI_SPRINTDLN) {
			delim = xl_expr(x, a);
			a = a->next;
		}
		for (; a; a = a->next) {
			const char *v = xl_expr(x, a);

			if (a->type == TYPE_STRING) {
				sb_puts(&fmt, "%s");
				sb_printf(&cargs, ", %s", v);
			} else {
				sb_puts(&fmt, "%lld");
				sb_printf(&cargs, ", (long long)%s", v);
			}
			if (delim && a->next) {
				sb_puts(&fmt, "%s");
				sb_printf(&cargs, ", %s", delim);
			}
		}
		if (bi == BI_PRINTLN || bi == BI_SPRINTLN || bi == BI_PRINTDLN || bi == BI_SPRINTDLN)
			sb_puts(&fmt, "\n");
	}
	lit = emit_cstr(fmt.buf ? fmt.buf : "");
	if (to_str)
		emit_line(x->e, "snprintf(%s, MAXSTRINGLEN, %s%s);", t, lit,
			  cargs.buf ? cargs.buf : "");
	else
		emit_line(x->e, "_stp_printf(%s%s);", lit, cargs.buf ? cargs.buf : "");
	free(lit);
	sb_free(&fmt);
	sb_free(&cargs);
	return to_str ? t : "0";
}

static const char *xl_call(struct xlate *x, struct ast_node *n)
{
	struct function *fn = n->u.call.fn;
	enum builtin bi = elab_builtin(n->u.call.name);
	struct ast_node *a;
	struct symbol *p;
	const char **vals;
	const char *t = NULL, *frame;
	int i = 0;

	if (bi != BI_NONE)
		return xl_print(x, n, bi);
	vals = arena_alloc(&x->s->arena, sizeof(*vals) * (size_t)(fn->n_params + 1));
	for (a = n->u.call.args; a; a = a->next)
		vals[i++] = xl_expr(x, a);
	fail_if(x, "c->base.nesting + 1 >= MAXNESTING", &n->loc, "MAXNESTING exceeded");
	frame = arena_printf(&x->s->arena, "c->frames[c->base.nesting + 1].f_%s", fn->name);
	for (p = fn->info->params, i = 0; p; p = p->next, i++)
		store(x, p->type, arena_printf(&x->s->arena, "%s.p_%s", frame, p->name), vals[i]);
	emit_line(x->e, "c->base.nesting++;");
	emit_line(x->e, "function_%s(c);", fn->name);
	emit_line(x->e, "c->base.nesting--;");
	check_error(x);
	if (fn->ret == TYPE_STRING || fn->ret == TYPE_LONG) {
		t = new_tmp(x, fn->ret);
		store(x, fn->ret, t, arena_printf(&x->s->arena, "%s.retvalue", frame));
	}
	return t ? t : "0";
}

static const char *xl_assign(struct xlate *x, struct ast_node *n)
{
	struct ast_node *l = n->u.assign.lhs;
	const char *dst, *v;

	if (l->kind != AST_IDENT || !l->u.ident.sym) {
		diag_error(x->s, &n->loc, "assignment to this kind of lvalue is not supported yet");
		return "0";
	}
	if (n->u.assign.op == OP_STAT_ADD) {
		diag_error(x->s, &n->loc, "statistics are not supported yet");
		return "0";
	}
	dst = xl_sym(x, l->u.ident.sym);
	v = xl_expr(x, n->u.assign.rhs);
	if (n->u.assign.op == OP_ASSIGN) {
		store(x, l->type, dst, v);
	} else if (n->u.assign.op == OP_CONCAT) {
		emit_line(x->e, "strlcat(%s, %s, MAXSTRINGLEN);", dst, v);
	} else {
		struct ast_node fake = *n;

		fake.kind = AST_BINARY;
		fake.u.binary.op = n->u.assign.op;
		emit_line(x->e, "%s = %s;", dst, xl_binary_long(x, &fake, dst, v));
	}
	return dst;
}

static const char *xl_incdec(struct xlate *x, struct ast_node *n)
{
	struct ast_node *o = n->u.incdec.operand;
	const char *dst, *t;

	if (o->kind != AST_IDENT || !o->u.ident.sym) {
		diag_error(x->s, &n->loc, "++/-- on this kind of lvalue is not supported yet");
		return "0";
	}
	dst = xl_sym(x, o->u.ident.sym);
	t = new_tmp(x, TYPE_LONG);
	if (n->u.incdec.post)
		emit_line(x->e, "%s = %s;", t, dst);
	emit_line(x->e, "%s = (int64_t)((uint64_t)%s %s 1);", dst, dst,
		  n->u.incdec.op == OP_INC ? "+" : "-");
	if (!n->u.incdec.post)
		emit_line(x->e, "%s = %s;", t, dst);
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
		return n->u.ident.sym ? xl_sym(x, n->u.ident.sym) : "0";
	case AST_CALL:
		return xl_call(x, n);
	case AST_BINARY:
		return xl_binary(x, n);
	case AST_UNARY:
		a = xl_expr(x, n->u.unary.operand);
		t = new_tmp(x, TYPE_LONG);
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
		t = new_tmp(x, n->type);
		a = xl_expr(x, n->u.ternary.cond);
		emit_open(x->e, "if (%s)", a);
		store(x, n->type, t, xl_expr(x, n->u.ternary.then));
		emit_close(x->e, "}");
		emit_open(x->e, "else");
		store(x, n->type, t, xl_expr(x, n->u.ternary.other));
		emit_close(x->e, "}");
		return t;
	case AST_EMBEDDED_EXPR:
		t = new_tmp(x, TYPE_LONG);
		emit_line(x->e, "%s = (int64_t)(%s);", t, n->u.str);
		return t;
	case AST_INDEX: case AST_IN: case AST_STAT:
		diag_error(x->s, &n->loc, "arrays and statistics are not supported yet");
		return "0";
	case AST_TARGET: case AST_CAST: case AST_ATVAR: case AST_DEFINED: case AST_ENTRY:
		diag_error(x->s, &n->loc, "target variables are not supported yet");
		return "0";
	case AST_BLOCK: case AST_EXPR_STMT: case AST_IF: case AST_WHILE: case AST_FOR:
	case AST_FOREACH: case AST_DELETE: case AST_NEXT: case AST_BREAK:
	case AST_CONTINUE: case AST_RETURN: case AST_TRY: case AST_NULL: case AST_EMBEDDED:
		xl_stmt(x, n);
		return "0";
	}
	return "0";
}

static void stmt_prologue(struct xlate *x, struct ast_node *n)
{
	emit_line(x->e, "c->base.last_stmt = %s;", xl_where(x, &n->loc));
	emit_line(x->e, "if (unlikely(--c->base.actionremaining < 0)) { _stp_error(&c->base, \"MAXACTION exceeded\"); goto out; }");
}

static void xl_loop(struct xlate *x, struct ast_node *n)
{
	const char *cond;

	if (n->u.loop.init)
		xl_expr(x, n->u.loop.init);
	emit_open(x->e, "for (;;)");
	stmt_prologue(x, n);
	if (n->u.loop.cond) {
		cond = xl_expr(x, n->u.loop.cond);
		emit_line(x->e, "if (!%s) break;", cond);
	}
	x->loop_depth++;
	/* continue jumps to the increment, so the body is its own block with a label */
	emit_open(x->e, "do");
	xl_stmt(x, n->u.loop.body);
	emit_close(x->e, "} while (0);");
	x->loop_depth--;
	emit_line(x->e, "if (unlikely(c->base.last_error)) goto out;");
	emit_line(x->e, "if (l->brk) { l->brk = 0; break; }");
	if (n->u.loop.incr)
		xl_expr(x, n->u.loop.incr);
	emit_close(x->e, "}");
}

void xl_stmt(struct xlate *x, struct ast_node *n)
{
	struct ast_node *c;

	if (!n || n->kind == AST_NULL)
		return;
	if (n->kind == AST_BLOCK) {
		for (c = n->u.block.stmts; c; c = c->next)
			xl_stmt(x, c);
		return;
	}
	stmt_prologue(x, n);
	switch (n->kind) {
	case AST_EXPR_STMT:
		xl_expr(x, n->u.operand);
		break;
	case AST_IF:
		emit_open(x->e, "if (%s)", xl_expr(x, n->u.cond.cond));
		xl_stmt(x, n->u.cond.then);
		if (n->u.cond.other) {
			emit_close(x->e, "} else {");
			x->e->indent++;
			xl_stmt(x, n->u.cond.other);
		}
		emit_close(x->e, "}");
		break;
	case AST_WHILE:
	case AST_FOR:
		xl_loop(x, n);
		break;
	case AST_NEXT:
		if (x->fn)
			diag_error(x->s, &n->loc, "next in a function is not supported yet");
		emit_line(x->e, "goto out;");
		break;
	case AST_BREAK:
	case AST_CONTINUE:
		if (!x->loop_depth) {
			diag_error(x->s, &n->loc, "%s outside a loop",
				   n->kind == AST_BREAK ? "break" : "continue");
			break;
		}
		/* inside the do { } while (0) of the loop body */
		if (n->kind == AST_BREAK)
			emit_line(x->e, "l->brk = 1;");
		emit_line(x->e, "break;");
		break;
	case AST_RETURN:
		if (!x->fn) {
			diag_error(x->s, &n->loc, "return outside a function");
			break;
		}
		if (n->u.operand)
			store(x, x->fn->ret, "l->retvalue", xl_expr(x, n->u.operand));
		emit_line(x->e, "goto out;");
		break;
	case AST_EMBEDDED:
		emit_raw(x->e, n->u.str);
		emit_raw(x->e, "\n");
		break;
	case AST_FOREACH:
	case AST_DELETE:
		diag_error(x->s, &n->loc, "arrays are not supported yet");
		break;
	case AST_TRY:
		diag_error(x->s, &n->loc, "try/catch is not supported yet");
		break;
	case AST_BLOCK: case AST_NULL:
		break;
	case AST_NUMBER: case AST_STRING: case AST_IDENT: case AST_INDEX: case AST_CALL:
	case AST_BINARY: case AST_UNARY: case AST_INCDEC: case AST_ASSIGN: case AST_TERNARY:
	case AST_IN: case AST_STAT: case AST_TARGET: case AST_CAST: case AST_ATVAR:
	case AST_DEFINED: case AST_ENTRY: case AST_EMBEDDED_EXPR:
		xl_expr(x, n);
		break;
	}
	check_error(x);
}
