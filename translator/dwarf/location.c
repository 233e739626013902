/* DWARF location expressions (DW_OP_*) turned into location-program operations
 * (locprog.h): constants, registers of the probe's pt_regs, the frame base and CFA
 * inlined, stack arithmetic and fault-safe memory reads. */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <stdlib.h>
#include <string.h>

#include "dwarf/dwarf.h"
#include "dwarf/internal.h"
#include "util.h"

/* A register operand: DWARF numbers beyond LP_N_REGS are refused here, so that every
 * backend can read every register a program names. */
static bool reg_ok(struct dw_gen *g, unsigned n)
{
	if (n >= LP_N_REGS) {
		g->err = arena_printf(&g->s->arena, "DWARF register %u is not supported", n);
		return false;
	}
	return true;
}

/* CFA at the site from the CFI: the DWARF's .debug_frame, else the object's own
 * .eh_frame (all that user programs built by gcc's defaults carry). */
static int gen_cfa(struct dw_gen *g)
{
	Dwarf_CFI *cfi = dwarf_getcfi(g->k->dw), *eh = NULL;
	Dwarf_Frame *frame = NULL;
	Dwarf_Op *ops;
	size_t n;
	enum loc_kind kind;
	int rc = -1;

	if (!cfi && g->k->elf && !g->k->dwfl)
		cfi = eh = dwarf_getcfi_elf(g->k->elf);
	if (!cfi || dwarf_cfi_addrframe(cfi, g->site->addr, &frame) ||
	    dwarf_frame_cfa(frame, &ops, &n))
		g->err = "no call frame information at this address";
	else
		rc = dw_gen_ops(g, ops, n, NULL, &kind);
	free(frame);
	if (eh)
		dwarf_cfi_end(eh);
	return rc;
}

static int frame_base(struct dw_gen *g, Dwarf_Die *subprog)
{
	Dwarf_Attribute at;
	Dwarf_Op *ops;
	size_t n;
	enum loc_kind kind;

	if (!subprog || !dwarf_attr(subprog, DW_AT_frame_base, &at) ||
	    dwarf_getlocation_addr(&at, g->site->addr, &ops, &n, 1) != 1) {
		g->err = "no frame base at this address";
		return -1;
	}
	if (n == 1 && ops[0].atom == DW_OP_call_frame_cfa)
		return gen_cfa(g);
	return dw_gen_ops(g, ops, n, NULL, &kind);
}

struct lp_op *dw_op(struct dw_gen *g, enum lp_kind kind, int64_t n)
{
	struct lp_op op = { .kind = kind, .depth = g->depth, .n = n };

	return lp_add(g->p, &op);
}

struct lp_op *dw_push(struct dw_gen *g, enum lp_kind kind, int64_t n)
{
	struct lp_op *op = dw_op(g, kind, n);

	g->depth++;
	return op;
}

static void push_reg(struct dw_gen *g, unsigned r, bool with_offset, int64_t off)
{
	if (reg_ok(g, r))
		dw_push(g, with_offset ? LP_BREG : LP_REG, off)->reg = (int)r;
}

/* DW_OP_entry_value: a register's value at function entry, only known at the entry. */
static int entry_value(struct dw_gen *g, const Dwarf_Op *op, Dwarf_Die *subprog)
{
	Dwarf_Attribute at;
	Dwarf_Op *sub;
	size_t nsub;
	enum loc_kind k2;

	if (g->site->addr != g->site->fn->addr && !g->site->in_entry) {
		g->err = "its value at function entry is not available here";
		return 0;
	}
	if (dwarf_getlocation_attr(NULL, op, &at) == 0 &&
	    dwarf_getlocation(&at, &sub, &nsub) == 0)
		return dw_gen_ops(g, sub, nsub, subprog, &k2);
	g->err = "unreadable DW_OP_entry_value";
	return 0;
}

static bool binop(unsigned a, enum lp_binop *out)
{
	static const struct { unsigned atom; enum lp_binop op; } ops[] = {
		{ DW_OP_plus, LP_PLUS }, { DW_OP_minus, LP_MINUS }, { DW_OP_mul, LP_MUL },
		{ DW_OP_and, LP_AND }, { DW_OP_or, LP_OR }, { DW_OP_xor, LP_XOR },
		{ DW_OP_shl, LP_SHL }, { DW_OP_shr, LP_SHR },
	};
	size_t i;

	for (i = 0; i < ARRAY_LEN(ops); i++)
		if (ops[i].atom == a) {
			*out = ops[i].op;
			return true;
		}
	return false;
}

/* Constants and registers; false if op is none of them. */
static bool gen_push(struct dw_gen *g, const Dwarf_Op *op, enum loc_kind *kind)
{
	unsigned a = op->atom;

	if (a >= DW_OP_lit0 && a <= DW_OP_lit31) {
		dw_push(g, LP_CONST, a - DW_OP_lit0)->flags = LPF_LIT;
	} else if (a >= DW_OP_reg0 && a <= DW_OP_reg31) {
		push_reg(g, a - DW_OP_reg0, false, 0);
		*kind = LOC_VALUE;
	} else if (a >= DW_OP_breg0 && a <= DW_OP_breg31) {
		push_reg(g, a - DW_OP_breg0, true, (int64_t)op->number);
	} else if (a == DW_OP_regx) {
		push_reg(g, (unsigned)op->number, false, 0);
		*kind = LOC_VALUE;
	} else if (a == DW_OP_bregx) {
		push_reg(g, (unsigned)op->number, true, (int64_t)op->number2);
	} else if (a == DW_OP_const1u || a == DW_OP_const2u || a == DW_OP_const4u ||
		   a == DW_OP_const8u || a == DW_OP_constu) {
		dw_push(g, LP_CONST, (int64_t)op->number);
	} else if (a == DW_OP_const1s || a == DW_OP_const2s || a == DW_OP_const4s ||
		   a == DW_OP_const8s || a == DW_OP_consts) {
		dw_push(g, LP_CONST, (int64_t)op->number)->flags = LPF_SIGNED;
	} else {
		return false;
	}
	return true;
}

/* One operation other than a constant or register push: ops[*i], of n. -1 ends the
 * whole expression at once (the error is in g->err). */
static int gen_op(struct dw_gen *g, const Dwarf_Op *ops, size_t n, size_t *i,
		  Dwarf_Die *subprog, enum loc_kind *kind)
{
	const Dwarf_Op *op = &ops[*i];
	unsigned a = op->atom;
	enum lp_binop bop;

	if (binop(a, &bop)) {
		if (g->depth < 2) {
			g->err = "bad DWARF expression";
			return 0;
		}
		dw_op(g, LP_BINOP, 0)->binop = bop;
		g->depth--;
		return 0;
	}
	switch (a) {
	case DW_OP_addr:
		if (g->k->name) {
			/* would need the module's section bases */
			g->err = arena_printf(&g->s->arena, "static variables of module "
					      "%s are not supported yet", g->k->name);
			return -1;
		}
		dw_push(g, LP_ADDR, (int64_t)op->number);
		break;
	case DW_OP_fbreg:
		if (frame_base(g, subprog))
			return -1;
		dw_op(g, LP_ADD, (int64_t)op->number)->flags = LPF_SIGNED;
		break;
	case DW_OP_call_frame_cfa:
		if (gen_cfa(g))
			return -1;
		break;
	case DW_OP_plus_uconst:
		dw_op(g, LP_ADD, (int64_t)op->number);
		break;
	case DW_OP_dup:
		dw_push(g, LP_DUP, 0);
		break;
	case DW_OP_drop:
		dw_op(g, LP_DROP, 0);
		g->depth--;
		break;
	case DW_OP_deref:
		dw_op(g, LP_DEREF, 0);
		break;
	case DW_OP_deref_size:
		dw_op(g, LP_DEREF, 0)->size = (int)op->number;
		if (op->number != 1 && op->number != 2 && op->number != 4 && op->number != 8)
			g->err = "unsupported DW_OP_deref_size";
		break;
	case DW_OP_neg: case DW_OP_not:
		dw_op(g, a == DW_OP_neg ? LP_NEG : LP_NOT, 0);
		break;
	case DW_OP_stack_value:
		*kind = LOC_VALUE;
		break;
	case DW_OP_entry_value:
	case DW_OP_GNU_entry_value:
		return entry_value(g, op, subprog);
	case DW_OP_piece:
		if (*i != 0 && *i + 1 == n)
			break;	/* the first piece holds the value we read */
		if (*i > 0) {
			*i = n;	/* keep the first piece only */
			break;
		}
		g->err = "a variable split in pieces is not supported";
		break;
	case DW_OP_nop:
		break;
	default:
		g->err = arena_printf(&g->s->arena, "DWARF operation 0x%x is not supported", a);
		break;
	}
	return 0;
}

int dw_gen_ops(struct dw_gen *g, const Dwarf_Op *ops, size_t n, Dwarf_Die *subprog,
	       enum loc_kind *kind)
{
	size_t i;

	*kind = LOC_MEMORY;
	for (i = 0; i < n && !g->err; i++) {
		if (g->depth >= LP_MAX_DEPTH - 1) {
			g->err = "DWARF expression too deep";
			break;
		}
		if (!gen_push(g, &ops[i], kind) && gen_op(g, ops, n, &i, subprog, kind))
			return -1;
	}
	if (g->err)
		return -1;
	if (g->depth < 1) {
		g->err = "empty DWARF location";
		return -1;
	}
	return 0;
}
