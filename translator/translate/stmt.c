/* Pass 3: statements to C. Each statement charges the action budget and names itself
 * in last_stmt for error messages; an error jumps to x->err_label, which is the
 * handler's "out" or the catch block of the innermost try. Loop bodies are a
 * do { } while (0) so that a script `continue` is a C `break` out of it; a script
 * `break` jumps to the label after the loop (no state in the frame: frames are not
 * cleared between hits, and another probe's locals share the memory). */
#include <string.h>

#include "translate/translate.h"

void xl_stmt_prologue(struct xlate *x, struct ast_node *n)
{
	emit_line(x->e, "c->base.last_stmt = %s;", xl_where(x, &n->loc));
	emit_line(x->e, "if (unlikely(--c->base.actionremaining < 0)) { _stp_error(&c->base, \"MAXACTION exceeded\"); goto %s; }",
		  x->err_label);
}

static void xl_loop(struct xlate *x, struct ast_node *n)
{
	const char *cond;
	int id;

	if (n->u.loop.init)
		xl_expr(x, n->u.loop.init);
	emit_open(x->e, "for (;;)");
	xl_stmt_prologue(x, n);
	if (n->u.loop.cond) {
		cond = xl_expr(x, n->u.loop.cond);
		emit_line(x->e, "if (!%s) break;", cond);
	}
	id = xl_loop_body(x, n->u.loop.body);
	if (n->u.loop.incr)
		xl_expr(x, n->u.loop.incr);
	emit_close(x->e, "}");
	xl_loop_end(x, id);
}

int xl_loop_body(struct xlate *x, struct ast_node *body)
{
	int id = x->n_labels++, outer = x->brk_label;

	x->loop_depth++;
	x->brk_label = id;
	emit_open(x->e, "do");
	xl_stmt(x, body);
	emit_close(x->e, "} while (0);");
	x->brk_label = outer;
	x->loop_depth--;
	xl_check(x);
	return id;
}

void xl_loop_end(struct xlate *x, int id)
{
	emit_line(x->e, "brk_%d: __attribute__((unused));", id);
}

/*
 * try { body } catch (msg) { handler }: errors in body (also in functions it calls)
 * land in the catch block, which takes the message and clears the error. An exhausted
 * action budget or nesting limit is not caught: it would only fail again at once.
 */
static void xl_try(struct xlate *x, struct ast_node *n)
{
	int id = x->n_labels++;
	const char *outer = x->err_label;
	char *catch_label = arena_printf(&x->s->arena, "catch_%d", id);
	struct symbol *var = n->u.try_.var ? n->u.try_.var->u.ident.sym : NULL;

	emit_open(x->e, "%s", "");
	x->err_label = catch_label;
	xl_stmt(x, n->u.try_.body);
	x->err_label = outer;
	emit_line(x->e, "goto catch_%d_end;", id);
	emit_close(x->e, "}");
	/* unused when nothing in the body can fail (a pure call whose value is unused is
	 * dropped) */
	emit_line(x->e, "%s: __attribute__((unused));", catch_label);
	emit_line(x->e, "if (c->base.actionremaining < 0 || c->base.last_error == _stp_abort_msg || c->base.last_error == _stp_next_msg || !strcmp(c->base.last_error, \"MAXNESTING exceeded\")) goto %s;",
		  outer);
	if (var)
		xl_store(x, TYPE_STRING, xl_sym(x, var), "c->base.last_error");
	emit_line(x->e, "c->base.last_error = NULL;");
	emit_open(x->e, "%s", "");
	xl_stmt(x, n->u.try_.handler);
	emit_close(x->e, "}");
	emit_line(x->e, "catch_%d_end: ;", id);
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
	if (n->kind != AST_FOREACH && n->kind != AST_WHILE && n->kind != AST_FOR)
		xl_stmt_prologue(x, n);
	else
		emit_line(x->e, "c->base.last_stmt = %s;", xl_where(x, &n->loc));
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
	case AST_FOREACH:
		gl_foreach(x, n);
		break;
	case AST_DELETE:
		gl_delete(x, n->u.operand);
		break;
	case AST_NEXT:
		/* in a function: leave the whole handler, through every caller's check */
		if (x->fn)
			emit_line(x->e, "c->base.last_error = _stp_next_msg;");
		emit_line(x->e, "goto out;");
		break;
	case AST_BREAK:
	case AST_CONTINUE:
		if (!x->loop_depth) {
			XL_INTERNAL(x->s, "%s outside a loop",
				    n->kind == AST_BREAK ? "break" : "continue");
			break;
		}
		/* inside the do { } while (0) of the loop body */
		if (n->kind == AST_BREAK)
			emit_line(x->e, "goto brk_%d;", x->brk_label);
		else
			emit_line(x->e, "break;");
		break;
	case AST_RETURN:
		if (!x->fn) {
			XL_INTERNAL(x->s, "return outside a function");
			break;
		}
		if (n->u.operand)
			xl_store(x, x->fn->ret, "l->retvalue", xl_expr(x, n->u.operand));
		emit_line(x->e, "goto out;");
		break;
	case AST_EMBEDDED:
		emit_raw(x->e, n->u.str);
		emit_raw(x->e, "\n");
		break;
	case AST_TRY:
		xl_try(x, n);
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
	xl_check(x);
}
