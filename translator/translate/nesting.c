/* Pass 3: the default MAXNESTING, from the call graph as systemtap 4.8 derives it: the
 * deepest chain of script function calls from any probe (at least 1); a call back into a
 * function already on the chain counts two more levels, and any such recursion adds 10
 * (4.8 gives 13 for a function calling itself, 14 for two calling each other).
 * `stap -D MAXNESTING=N` still wins: the generated #define is #ifndef-guarded. */
#include <stdlib.h>

#include "translate/translate.h"

#define NEST_MAX_VISITS 200000	/* a pathological call graph: give up, assume recursion */

struct nest_walk {
	const struct function **path;
	int n_path, cap;
	int max;
	long visits;
	bool recursive;
};

static void nest_calls(struct nest_walk *w, const struct ast_node *n);

static void nest_call(struct nest_walk *w, const struct function *fn)
{
	int i;

	for (; fn; fn = fn->next_overload) {
		if (++w->visits > NEST_MAX_VISITS) {
			w->recursive = true;
			return;
		}
		for (i = 0; i < w->n_path && w->path[i] != fn; i++)
			;
		if (i < w->n_path) {
			w->recursive = true;
			if (w->n_path + 2 > w->max)
				w->max = w->n_path + 2;
			continue;
		}
		if (w->n_path == w->cap) {
			w->cap = w->cap ? 2 * w->cap : 16;
			w->path = xrealloc(w->path, sizeof(*w->path) * (size_t)w->cap);
		}
		w->path[w->n_path++] = fn;
		if (w->n_path > w->max)
			w->max = w->n_path;
		if (fn->body->kind != AST_EMBEDDED)
			nest_calls(w, fn->body);
		w->n_path--;
	}
}

static void nest_calls(struct nest_walk *w, const struct ast_node *n)
{
	for (; n; n = n->next) {
		switch (n->kind) {
		case AST_CALL:
			nest_calls(w, n->u.call.args);
			nest_call(w, n->u.call.fn);
			break;
		case AST_INDEX:
			nest_calls(w, n->u.index.base);
			nest_calls(w, n->u.index.keys);
			break;
		case AST_BINARY:
			nest_calls(w, n->u.binary.lhs);
			nest_calls(w, n->u.binary.rhs);
			break;
		case AST_ASSIGN:
			nest_calls(w, n->u.assign.lhs);
			nest_calls(w, n->u.assign.rhs);
			break;
		case AST_UNARY:
			nest_calls(w, n->u.unary.operand);
			break;
		case AST_INCDEC:
			nest_calls(w, n->u.incdec.operand);
			break;
		case AST_TERNARY:
			nest_calls(w, n->u.ternary.cond);
			nest_calls(w, n->u.ternary.then);
			nest_calls(w, n->u.ternary.other);
			break;
		case AST_IN:
			nest_calls(w, n->u.in.keys);
			nest_calls(w, n->u.in.array);
			break;
		case AST_STAT:
			nest_calls(w, n->u.stat.operand);
			nest_calls(w, n->u.stat.params);
			break;
		case AST_TARGET: case AST_CAST: case AST_ATVAR: case AST_DEFINED: case AST_ENTRY:
			nest_calls(w, n->u.target.operand);
			break;
		case AST_BLOCK:
			nest_calls(w, n->u.block.stmts);
			break;
		case AST_EXPR_STMT: case AST_RETURN: case AST_DELETE:
			nest_calls(w, n->u.operand);
			break;
		case AST_IF:
			nest_calls(w, n->u.cond.cond);
			nest_calls(w, n->u.cond.then);
			nest_calls(w, n->u.cond.other);
			break;
		case AST_WHILE: case AST_FOR:
			nest_calls(w, n->u.loop.init);
			nest_calls(w, n->u.loop.cond);
			nest_calls(w, n->u.loop.incr);
			nest_calls(w, n->u.loop.body);
			break;
		case AST_FOREACH:
			nest_calls(w, n->u.foreach.array);
			nest_calls(w, n->u.foreach.limit);
			nest_calls(w, n->u.foreach.body);
			break;
		case AST_TRY:
			nest_calls(w, n->u.try_.body);
			nest_calls(w, n->u.try_.handler);
			break;
		case AST_NUMBER: case AST_STRING: case AST_IDENT: case AST_EMBEDDED_EXPR:
		case AST_NEXT: case AST_BREAK: case AST_CONTINUE: case AST_NULL:
		case AST_EMBEDDED:
			break;
		}
	}
}

int xl_max_nesting(struct session *s)
{
	struct nest_walk w = { 0 };
	struct derived_probe *dp;

	for (dp = s->prog.probes; dp; dp = dp->next) {
		nest_calls(&w, dp->cond);
		nest_calls(&w, dp->body);
	}
	free(w.path);
	if (w.max < 1)
		w.max = 1;
	return w.recursive ? w.max + 10 : w.max;
}
