/* Building location programs (locprog.h). */
#include <stdlib.h>
#include <string.h>

#include "dwarf/locprog.h"
#include "util.h"

struct lp_op *lp_add(struct lp_prog *p, const struct lp_op *op)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 16;
		p->ops = xrealloc(p->ops, p->cap * sizeof(*p->ops));
	}
	p->ops[p->n] = *op;
	return &p->ops[p->n++];
}

void lp_append(struct lp_prog *p, const struct lp_prog *src)
{
	size_t i;

	for (i = 0; i < src->n; i++)
		lp_add(p, &src->ops[i]);
}

void lp_free(struct lp_prog *p)
{
	free(p->ops);
	p->ops = NULL;
	p->n = p->cap = 0;
}
