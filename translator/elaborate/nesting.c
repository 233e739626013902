/* Pass 2, after access.c: the default MAXNESTING (s->prog.max_nesting, which pass 3
 * emits), from the call graph as systemtap 4.8 derives it: the deepest chain of script
 * function calls from any probe (at least 1); a call back into a function already on
 * the chain counts two more levels, and any such recursion adds 10 (4.8 gives 13 for a
 * function calling itself, 14 for two calling each other). `stap -D MAXNESTING=N`
 * still wins: the generated #define is #ifndef-guarded. */
#include <stdlib.h>

#include "elaborate/elaborate.h"

#define NEST_MAX_VISITS 200000	/* a pathological call graph: give up, assume recursion */

struct nest_walk {
	const struct function **path;
	int n_path, cap;
	int max;
	long visits;
	bool recursive;
};

static void nest_calls(struct nest_walk *w, struct ast_node *n);

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

static enum ast_walk_rc nest_post(struct ast_node *n, void *ctx)
{
	if (n->kind == AST_CALL)
		nest_call(ctx, n->u.call.fn);	/* after the arguments */
	return AST_WALK_CONTINUE;
}

static void nest_calls(struct nest_walk *w, struct ast_node *n)
{
	const struct ast_walker walker = { .post = nest_post, .ctx = w };

	ast_walk(n, &walker);
}

void elab_nesting(struct session *s)
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
	s->prog.max_nesting = w.recursive ? w.max + 10 : w.max;
}
