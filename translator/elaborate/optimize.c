/* Pass 2, step 4: drop what does nothing, as systemtap does (not with -u): a probe
 * whose handler is empty is elided with a warning, and with no probe left the script
 * fails ("no probes found"). The remaining probes are numbered again. An empty handler
 * calls nothing, so the reachable functions and globals that elide.c left stand. */
#include "elaborate/elaborate.h"

static bool is_empty(const struct ast_node *n)
{
	const struct ast_node *c;

	if (!n)
		return true;
	switch (n->kind) {
	case AST_NULL:
		return true;
	case AST_BLOCK:
		for (c = n->u.block.stmts; c; c = c->next)
			if (!is_empty(c))
				return false;
		return true;
	case AST_NUMBER: case AST_STRING: case AST_IDENT: case AST_INDEX: case AST_CALL:
	case AST_BINARY: case AST_UNARY: case AST_INCDEC: case AST_ASSIGN: case AST_TERNARY:
	case AST_IN: case AST_STAT: case AST_TARGET: case AST_CAST: case AST_ATVAR:
	case AST_DEFINED: case AST_ENTRY: case AST_EMBEDDED_EXPR: case AST_EXPR_STMT:
	case AST_IF: case AST_WHILE: case AST_FOR: case AST_FOREACH: case AST_DELETE:
	case AST_NEXT: case AST_BREAK: case AST_CONTINUE: case AST_RETURN: case AST_TRY:
	case AST_EMBEDDED:
		return false;
	}
	return false;
}

int elab_optimize(struct session *s)
{
	struct derived_probe **pd = &s->prog.probes, *dp;
	int id = 0;

	if (s->opt.keep_unused)
		return 0;
	while ((dp = *pd)) {
		if (is_empty(dp->body) && !dp->cond) {
			diag_warn(s, &dp->probe->loc, "Probe '%s' has been elided", dp->pp_str);
			*pd = dp->next;
			continue;
		}
		dp->id = id++;
		pd = &dp->next;
	}
	s->prog.n_probes = id;
	if (!id) {
		diag_error(s, NULL, "no probes found");
		return -1;
	}
	return 0;
}
