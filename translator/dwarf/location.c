/* DWARF location expressions (DW_OP_*) turned into straight-line C over the probe's
 * pt_regs: a small translate-time stack st[] whose entries are C expressions, every
 * memory read through the runtime's fault-safe _STP_KREAD() (runtime/linux/stp_loc.h). */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <stdlib.h>
#include <string.h>

#include "dwarf/dwarf.h"
#include "dwarf/internal.h"
#include "util.h"

static const char *const regnames[] = {
	"ax", "dx", "cx", "bx", "si", "di", "bp", "sp",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "ip",
};

static const char *reg(struct dw_gen *g, unsigned n)
{
	if (n >= ARRAY_LEN(regnames)) {
		g->err = arena_printf(&g->s->arena, "DWARF register %u is not supported", n);
		return "0";
	}
	return arena_printf(&g->s->arena, "_STP_REG(%s)", regnames[n]);
}

/* CFA at the site from the CFI (.debug_frame / .eh_frame). */
static int gen_cfa(struct dw_gen *g)
{
	Dwarf_CFI *cfi = dwarf_getcfi(g->k->dw);
	Dwarf_Frame *frame = NULL;
	Dwarf_Op *ops;
	size_t n;
	enum loc_kind kind;
	int rc;

	if (!cfi || dwarf_cfi_addrframe(cfi, g->site->addr, &frame) ||
	    dwarf_frame_cfa(frame, &ops, &n)) {
		free(frame);
		g->err = "no call frame information at this address";
		return -1;
	}
	rc = dw_gen_ops(g, ops, n, NULL, &kind);
	free(frame);
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

void dw_push_expr(struct dw_gen *g, const char *expr)
{
	sb_printf(g->c, "\tst[%d] = %s;\n", g->depth, expr);
	g->depth++;
}

int dw_gen_ops(struct dw_gen *g, const Dwarf_Op *ops, size_t n, Dwarf_Die *subprog,
	       enum loc_kind *kind)
{
	size_t i;

	*kind = LOC_MEMORY;
	for (i = 0; i < n && !g->err; i++) {
		const Dwarf_Op *op = &ops[i];
		unsigned a = op->atom;

		if (g->depth >= 7) {
			g->err = "DWARF expression too deep";
			break;
		}
		if (a >= DW_OP_lit0 && a <= DW_OP_lit31) {
			dw_push_expr(g, arena_printf(&g->s->arena, "%uUL", a - DW_OP_lit0));
		} else if (a >= DW_OP_reg0 && a <= DW_OP_reg31) {
			dw_push_expr(g, reg(g, a - DW_OP_reg0));
			*kind = LOC_VALUE;
		} else if (a >= DW_OP_breg0 && a <= DW_OP_breg31) {
			dw_push_expr(g, arena_printf(&g->s->arena, "%s + (%lldL)",
						  reg(g, a - DW_OP_breg0),
						  (long long)op->number));
		} else {
			switch (a) {
			case DW_OP_regx:
				dw_push_expr(g, reg(g, (unsigned)op->number));
				*kind = LOC_VALUE;
				break;
			case DW_OP_bregx:
				dw_push_expr(g, arena_printf(&g->s->arena, "%s + (%lldL)",
							  reg(g, (unsigned)op->number),
							  (long long)op->number2));
				break;
			case DW_OP_addr:
				if (g->k->module) {
					/* would need the module's section bases */
					g->err = arena_printf(&g->s->arena, "static variables of module "
							      "%s are not supported yet", g->k->module);
					return -1;
				}
				dw_push_expr(g, arena_printf(&g->s->arena, "_stp_reloc(0x%llxUL)",
							  (unsigned long long)op->number));
				break;
			case DW_OP_const1u: case DW_OP_const2u: case DW_OP_const4u:
			case DW_OP_const8u: case DW_OP_constu:
				dw_push_expr(g, arena_printf(&g->s->arena, "0x%llxUL",
							  (unsigned long long)op->number));
				break;
			case DW_OP_const1s: case DW_OP_const2s: case DW_OP_const4s:
			case DW_OP_const8s: case DW_OP_consts:
				dw_push_expr(g, arena_printf(&g->s->arena, "(unsigned long)(%lldL)",
							  (long long)op->number));
				break;
			case DW_OP_fbreg:
				if (frame_base(g, subprog))
					return -1;
				sb_printf(g->c, "\tst[%d] += (%lldL);\n", TOP(g),
					  (long long)op->number);
				break;
			case DW_OP_call_frame_cfa:
				if (gen_cfa(g))
					return -1;
				break;
			case DW_OP_plus_uconst:
				sb_printf(g->c, "\tst[%d] += %lluUL;\n", TOP(g),
					  (unsigned long long)op->number);
				break;
			case DW_OP_dup:
				dw_push_expr(g, arena_printf(&g->s->arena, "st[%d]", TOP(g)));
				break;
			case DW_OP_drop:
				g->depth--;
				break;
			case DW_OP_deref:
				sb_printf(g->c, "\t_STP_KREAD(st[%d], 8, &st[%d]);\n", TOP(g), TOP(g));
				break;
			case DW_OP_deref_size:
				sb_printf(g->c, "\t{ u%d t_; _STP_KREAD(st[%d], %d, &t_); st[%d] = t_; }\n",
					  (int)op->number * 8, TOP(g), (int)op->number, TOP(g));
				if (op->number != 1 && op->number != 2 && op->number != 4 &&
				    op->number != 8)
					g->err = "unsupported DW_OP_deref_size";
				break;
			case DW_OP_neg:
				sb_printf(g->c, "\tst[%d] = -st[%d];\n", TOP(g), TOP(g));
				break;
			case DW_OP_not:
				sb_printf(g->c, "\tst[%d] = ~st[%d];\n", TOP(g), TOP(g));
				break;
			case DW_OP_plus: case DW_OP_minus: case DW_OP_mul: case DW_OP_and:
			case DW_OP_or: case DW_OP_xor: case DW_OP_shl: case DW_OP_shr: {
				const char *o = a == DW_OP_plus ? "+" : a == DW_OP_minus ? "-" :
						a == DW_OP_mul ? "*" : a == DW_OP_and ? "&" :
						a == DW_OP_or ? "|" : a == DW_OP_xor ? "^" :
						a == DW_OP_shl ? "<<" : ">>";

				if (g->depth < 2) {
					g->err = "bad DWARF expression";
					break;
				}
				sb_printf(g->c, "\tst[%d] = st[%d] %s st[%d];\n", g->depth - 2,
					  g->depth - 2, o, TOP(g));
				g->depth--;
				break;
			}
			case DW_OP_stack_value:
				*kind = LOC_VALUE;
				break;
			case DW_OP_entry_value:
			case DW_OP_GNU_entry_value: {
				/* a register's value at function entry: only known at the entry */
				Dwarf_Attribute at;
				Dwarf_Op *sub;
				size_t nsub;
				enum loc_kind k2;

				if (g->site->addr != g->site->fn->addr && !g->site->in_entry) {
					g->err = "its value at function entry is not available here";
					break;
				}
				if (dwarf_getlocation_attr(NULL, op, &at) == 0 &&
				    dwarf_getlocation(&at, &sub, &nsub) == 0) {
					if (dw_gen_ops(g, sub, nsub, subprog, &k2))
						return -1;
				} else {
					g->err = "unreadable DW_OP_entry_value";
				}
				break;
			}
			case DW_OP_piece:
				if (i != 0 && i + 1 == n)
					break;	/* the first piece holds the value we read */
				if (i > 0) {
					i = n;	/* keep the first piece only */
					break;
				}
				g->err = "a variable split in pieces is not supported";
				break;
			case DW_OP_nop:
				break;
			default:
				g->err = arena_printf(&g->s->arena,
						      "DWARF operation 0x%x is not supported", a);
				break;
			}
		}
	}
	if (g->err)
		return -1;
	if (g->depth < 1) {
		g->err = "empty DWARF location";
		return -1;
	}
	return 0;
}
