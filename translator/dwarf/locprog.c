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

/* The store of a location that is a value: the register it is, or the return value. */
static int value_store(const struct lp_prog *p, size_t fetch, struct lp_op *st,
		       const char **err)
{
	const struct lp_op *src = fetch ? &p->ops[fetch - 1] : NULL;

	if (src && src->depth == 0 && src->kind == LP_REG) {
		st->reg = src->reg;
		return 0;
	}
	if (src && src->depth == 0 && src->kind == LP_RETVAL) {
		st->reg = -1;
		return 0;
	}
	*err = "cannot write to a value computed by the variable's location "
	       "expression (it is in no register or memory)";
	return -1;
}

int lp_make_store(struct lp_prog *p, const char **err)
{
	struct lp_op st = { .kind = LP_STORE };
	size_t f, i;

	if (p->result == LP_RES_STRING) {
		*err = "cannot write to pretty-printed variable";
		return -1;
	}
	if (p->result == LP_RES_ADDRESS) {
		*err = "cannot write to an array or to an address (&): only integers and "
		       "pointers can be written";
		return -1;
	}
	for (f = p->n; f > 0 && p->ops[f - 1].kind != LP_FETCH; f--)
		;
	if (!f) {
		*err = "cannot write to this target expression";
		return -1;
	}
	f--;
	for (i = f + 1; i < p->n; i++)
		if (p->ops[i].kind != LP_BITFIELD && p->ops[i].kind != LP_RESULT) {
			*err = "cannot write to this target expression";
			return -1;
		}
	st.depth = p->ops[f].depth;
	st.size = p->ops[f].size;
	st.flags = p->ops[f].flags & (LPF_SIGNED | LPF_VALUE);
	if ((st.flags & LPF_VALUE) && value_store(p, f, &st, err))
		return -1;
	if (f + 1 < p->n && p->ops[f + 1].kind == LP_BITFIELD) {
		if (st.flags & LPF_VALUE) {
			*err = "cannot write to a bitfield held in a register";
			return -1;
		}
		st.n = p->ops[f + 1].n;
		st.bits = p->ops[f + 1].size;
	}
	p->n = f;
	lp_add(p, &st);
	return 0;
}

const char *lp_binop_c(enum lp_binop op)
{
	static const char *const c[] = {
		[LP_PLUS] = "+", [LP_MINUS] = "-", [LP_MUL] = "*", [LP_AND] = "&",
		[LP_OR] = "|", [LP_XOR] = "^", [LP_SHL] = "<<", [LP_SHR] = ">>",
	};

	return c[op];
}
