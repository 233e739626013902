/* Pass 2, step 4: drop what does nothing, as systemtap does (not with -u): a probe
 * whose handler is empty is elided with a warning, and with no probe left the script
 * fails ("no probes found"). The remaining probes are numbered again. An empty handler
 * calls nothing, so the reachable functions and globals that elide.c left stand. */
#include "elaborate/elaborate.h"
#include "tapsets/perf.h"

/* the walk stops at anything but blocks and empty statements */
static enum ast_walk_rc empty_pre(struct ast_node *n, void *ctx)
{
	(void)ctx;
	return n->kind == AST_BLOCK || n->kind == AST_NULL ? AST_WALK_CONTINUE : AST_WALK_STOP;
}

static bool is_empty(struct ast_node *n)
{
	static const struct ast_walker w = { .pre = empty_pre };

	return ast_walk(n, &w);
}

int elab_optimize(struct session *s)
{
	struct derived_probe **pd = &s->prog.probes, *dp;
	int id = 0;

	if (s->opt.keep_unused)
		return 0;
	while ((dp = *pd)) {
		/* a perf .counter(NAME) runs no handler: it is there for @perf(NAME) */
		if (is_empty(dp->body) && !dp->cond && !perf_has_counter(dp, NULL)) {
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
