/* Variables at a probe address: finding them in scope, naming their types the way
 * systemtap prints them (-L), and turning a target expression ($x->a[2], &$x, $x$,
 * $$parms, $return) into C for a synthesized embedded-C function: the DWARF location
 * expression becomes straight-line C over the probe's pt_regs, every memory read goes
 * through the runtime's fault-safe _stp_kread() (runtime/linux/stp_loc.h). */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <stdlib.h>
#include <string.h>

#include "dwarf/dwarf.h"
#include "util.h"

/* ---- types --------------------------------------------------------------------- */

static Dwarf_Die *die_type(Dwarf_Die *die, Dwarf_Die *out)
{
	Dwarf_Attribute at;

	if (!dwarf_attr_integrate(die, DW_AT_type, &at))
		return NULL;
	return dwarf_formref_die(&at, out);
}

/* Skip typedefs and qualifiers. */
static Dwarf_Die *strip_type(Dwarf_Die *t, Dwarf_Die *out)
{
	*out = *t;
	for (;;) {
		switch (dwarf_tag(out)) {
		case DW_TAG_typedef:
		case DW_TAG_const_type:
		case DW_TAG_volatile_type:
		case DW_TAG_restrict_type:
		case DW_TAG_atomic_type:
			if (!die_type(out, out))
				return NULL;	/* const void */
			break;
		default:
			return out;
		}
	}
}

static void type_name(Dwarf_Die *t, struct strbuf *sb)
{
	Dwarf_Die sub;
	const char *name;

	if (!t) {
		sb_puts(sb, "void");
		return;
	}
	name = dwarf_diename(t);
	switch (dwarf_tag(t)) {
	case DW_TAG_base_type:
	case DW_TAG_typedef:
		sb_puts(sb, name ? name : "?");
		return;
	case DW_TAG_structure_type:
		sb_printf(sb, "struct %s", name ? name : "{...}");
		return;
	case DW_TAG_union_type:
		sb_printf(sb, "union %s", name ? name : "{...}");
		return;
	case DW_TAG_enumeration_type:
		sb_printf(sb, "enum %s", name ? name : "{...}");
		return;
	case DW_TAG_pointer_type:
		type_name(die_type(t, &sub), sb);
		sb_putc(sb, '*');
		return;
	case DW_TAG_const_type:
		type_name(die_type(t, &sub), sb);
		sb_puts(sb, " const");
		return;
	case DW_TAG_volatile_type:
		type_name(die_type(t, &sub), sb);
		sb_puts(sb, " volatile");
		return;
	case DW_TAG_array_type: {
		Dwarf_Die sr;
		Dwarf_Word n = 0;
		Dwarf_Attribute at;

		type_name(die_type(t, &sub), sb);
		if (dwarf_child(t, &sr) == 0 &&
		    dwarf_attr(&sr, DW_AT_upper_bound, &at) && dwarf_formudata(&at, &n) == 0)
			sb_printf(sb, "[%llu]", (unsigned long long)n + 1);
		else
			sb_puts(sb, "[]");
		return;
	}
	case DW_TAG_subroutine_type:
		sb_puts(sb, "void");
		return;
	default:
		sb_puts(sb, name ? name : "?");
		return;
	}
}

/* ---- finding a variable -------------------------------------------------------- */

static bool is_var(Dwarf_Die *d)
{
	int tag = dwarf_tag(d);

	return tag == DW_TAG_formal_parameter || tag == DW_TAG_variable;
}

/* The scopes at addr inside fn, innermost first, ending with fn's own DIE; then the CU. */
static int scopes_at(struct dw_kernel *k, const struct dw_func *fn, uint64_t addr,
		     Dwarf_Die **out)
{
	Dwarf_Die cu, *scopes = NULL;
	int n, i;

	if (!dwarf_offdie(k->dw, k->cus[fn->cu].die, &cu))
		return -1;
	n = dwarf_getscopes(&cu, addr, &scopes);
	if (n <= 0)
		return -1;
	/* cut at fn's DIE (an inlined instance sits inside its caller) */
	for (i = 0; i < n; i++)
		if (dwarf_dieoffset(&scopes[i]) == fn->die) {
			scopes[i + 1] = scopes[n - 1];	/* keep the CU for globals */
			n = i + 2;
			break;
		}
	*out = scopes;
	return n;
}

static bool find_var(struct dw_kernel *k, const struct dw_func *fn, uint64_t addr,
		     const char *name, Dwarf_Die *var, Dwarf_Die *subprog)
{
	Dwarf_Die *scopes;
	int n, i;
	bool found = false;

	n = scopes_at(k, fn, addr, &scopes);
	if (n < 0)
		return false;
	*subprog = scopes[n > 1 ? n - 2 : 0];
	for (i = 0; i < n && !found; i++) {
		Dwarf_Die c;

		if (dwarf_tag(&scopes[i]) == DW_TAG_subprogram)
			*subprog = scopes[i];
		if (dwarf_child(&scopes[i], &c) != 0)
			continue;
		do {
			const char *nm;

			if (!is_var(&c) || !(nm = dwarf_diename(&c)) || strcmp(nm, name))
				continue;
			*var = c;
			found = true;
			break;
		} while (dwarf_siblingof(&c, &c) == 0);
	}
	/* the subprogram holding an inlined instance gives the frame base */
	for (; i < n; i++)
		if (dwarf_tag(&scopes[i]) == DW_TAG_subprogram) {
			*subprog = scopes[i];
			break;
		}
	free(scopes);
	return found;
}

/* The tracepoint callback's first parameter is the registration's data pointer. */
static bool is_tp_data(Dwarf_Die *param, bool tracepoint)
{
	const char *nm = dwarf_diename(param);

	return tracepoint && nm && !strcmp(nm, "__data");
}

void dw_list_vars(struct session *s, struct dw_kernel *k, const struct dw_probe_site *site,
		  struct strbuf *out)
{
	const struct dw_func *fn = site->fn;
	uint64_t addr = site->addr;
	bool locals = !strncmp(site->pp, "kernel.statement", 16);
	bool tp = site->tp != NULL;
	Dwarf_Die die, c, t;
	Dwarf_Die *scopes;
	int n, i;

	(void)s;
	if (!dwarf_offdie(k->dw, fn->die, &die))
		return;
	if (site->is_return && die_type(&die, &t)) {
		sb_puts(out, " $return:");
		type_name(&t, out);
	}
	if (!locals) {
		if (dwarf_child(&die, &c) != 0)
			return;
		do {
			const char *nm = dwarf_diename(&c);

			if (dwarf_tag(&c) != DW_TAG_formal_parameter || !nm || is_tp_data(&c, tp))
				continue;
			sb_printf(out, " $%s:", nm);
			type_name(die_type(&c, &t), out);
		} while (dwarf_siblingof(&c, &c) == 0);
		return;
	}
	n = scopes_at(k, fn, addr, &scopes);
	for (i = n - 2; i >= 0; i--) {
		if (dwarf_child(&scopes[i], &c) != 0)
			continue;
		do {
			const char *nm = dwarf_diename(&c);

			if (!is_var(&c) || !nm)
				continue;
			sb_printf(out, " $%s:", nm);
			type_name(die_type(&c, &t), out);
		} while (dwarf_siblingof(&c, &c) == 0);
	}
	if (n > 0)
		free(scopes);
}

/* ---- location expressions to C ------------------------------------------------- */

enum loc_kind { LOC_MEMORY, LOC_VALUE };

struct gen {
	struct session *s;
	struct dw_kernel *k;
	const struct dw_site *site;
	struct strbuf *c;
	const char *what;		/* the expression's text, for fault messages */
	const char *err;
	int depth;			/* translate-time stack depth */
};

static const char *const regnames[] = {
	"ax", "dx", "cx", "bx", "si", "di", "bp", "sp",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "ip",
};

static const char *reg(struct gen *g, unsigned n)
{
	if (n >= ARRAY_LEN(regnames)) {
		g->err = arena_printf(&g->s->arena, "DWARF register %u is not supported", n);
		return "0";
	}
	return arena_printf(&g->s->arena, "_STP_REG(%s)", regnames[n]);
}

static int gen_ops(struct gen *g, const Dwarf_Op *ops, size_t n, Dwarf_Die *subprog,
		   enum loc_kind *kind);

/* CFA at the site from the CFI (.debug_frame / .eh_frame). */
static int gen_cfa(struct gen *g)
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
	rc = gen_ops(g, ops, n, NULL, &kind);
	free(frame);
	return rc;
}

static int frame_base(struct gen *g, Dwarf_Die *subprog)
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
	return gen_ops(g, ops, n, NULL, &kind);
}

#define TOP(g) ((g)->depth - 1)

static void push_expr(struct gen *g, const char *expr)
{
	sb_printf(g->c, "\tst[%d] = %s;\n", g->depth, expr);
	g->depth++;
}

static int gen_ops(struct gen *g, const Dwarf_Op *ops, size_t n, Dwarf_Die *subprog,
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
			push_expr(g, arena_printf(&g->s->arena, "%uUL", a - DW_OP_lit0));
		} else if (a >= DW_OP_reg0 && a <= DW_OP_reg31) {
			push_expr(g, reg(g, a - DW_OP_reg0));
			*kind = LOC_VALUE;
		} else if (a >= DW_OP_breg0 && a <= DW_OP_breg31) {
			push_expr(g, arena_printf(&g->s->arena, "%s + (%lldL)",
						  reg(g, a - DW_OP_breg0),
						  (long long)op->number));
		} else {
			switch (a) {
			case DW_OP_regx:
				push_expr(g, reg(g, (unsigned)op->number));
				*kind = LOC_VALUE;
				break;
			case DW_OP_bregx:
				push_expr(g, arena_printf(&g->s->arena, "%s + (%lldL)",
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
				push_expr(g, arena_printf(&g->s->arena, "_stp_reloc(0x%llxUL)",
							  (unsigned long long)op->number));
				break;
			case DW_OP_const1u: case DW_OP_const2u: case DW_OP_const4u:
			case DW_OP_const8u: case DW_OP_constu:
				push_expr(g, arena_printf(&g->s->arena, "0x%llxUL",
							  (unsigned long long)op->number));
				break;
			case DW_OP_const1s: case DW_OP_const2s: case DW_OP_const4s:
			case DW_OP_const8s: case DW_OP_consts:
				push_expr(g, arena_printf(&g->s->arena, "(unsigned long)(%lldL)",
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
				push_expr(g, arena_printf(&g->s->arena, "st[%d]", TOP(g)));
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
					if (gen_ops(g, sub, nsub, subprog, &k2))
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

/* ---- the access path ------------------------------------------------------------ */

static bool member_offset(Dwarf_Die *m, uint64_t *off)
{
	Dwarf_Attribute at;
	Dwarf_Word w;

	*off = 0;
	if (!dwarf_attr(m, DW_AT_data_member_location, &at))
		return true;	/* union members */
	if (dwarf_formudata(&at, &w) == 0) {
		*off = w;
		return true;
	}
	return false;
}

/* Find member `name` in struct/union t, looking into anonymous members; adds offsets. */
static bool find_member(Dwarf_Die *t, const char *name, Dwarf_Die *out, uint64_t *off)
{
	Dwarf_Die c;

	if (dwarf_child(t, &c) != 0)
		return false;
	do {
		const char *nm = dwarf_diename(&c);
		uint64_t o;

		if (dwarf_tag(&c) != DW_TAG_member || !member_offset(&c, &o))
			continue;
		if (nm && !strcmp(nm, name)) {
			*out = c;
			*off += o;
			return true;
		}
		if (!nm) {
			Dwarf_Die mt, st;
			uint64_t inner = 0;

			if (die_type(&c, &mt) && strip_type(&mt, &st) &&
			    (dwarf_tag(&st) == DW_TAG_structure_type ||
			     dwarf_tag(&st) == DW_TAG_union_type) &&
			    find_member(&st, name, out, &inner)) {
				*off += o + inner;
				return true;
			}
		}
	} while (dwarf_siblingof(&c, &c) == 0);
	return false;
}

static int type_size(Dwarf_Die *t)
{
	Dwarf_Word sz;

	if (dwarf_aggregate_size(t, &sz))
		return -1;
	return (int)sz;
}

static bool is_signed(Dwarf_Die *t)
{
	Dwarf_Attribute at;
	Dwarf_Word enc;

	if (dwarf_tag(t) == DW_TAG_enumeration_type)
		return true;
	if (!dwarf_attr(t, DW_AT_encoding, &at) || dwarf_formudata(&at, &enc))
		return false;
	return enc == DW_ATE_signed || enc == DW_ATE_signed_char;
}

static bool is_float(Dwarf_Die *t)
{
	Dwarf_Attribute at;
	Dwarf_Word enc;

	return dwarf_attr(t, DW_AT_encoding, &at) && dwarf_formudata(&at, &enc) == 0 &&
	       (enc == DW_ATE_float || enc == DW_ATE_complex_float);
}

static bool is_char(Dwarf_Die *t)
{
	const char *nm = dwarf_diename(t);

	return dwarf_tag(t) == DW_TAG_base_type && type_size(t) == 1 && nm &&
	       strstr(nm, "char");
}

/* The value of a scalar (base, enum, pointer) into v: from memory at st[0] or from
 * the value st[0]. */
static void fetch_scalar(struct gen *g, Dwarf_Die *t, enum loc_kind kind, Dwarf_Die *member)
{
	int size = type_size(t);
	bool sgn = is_signed(t);
	Dwarf_Attribute at;
	Dwarf_Word bits = 0, bitoff = 0;

	if (size <= 0 || size > 8 || (size & (size - 1))) {
		g->err = "cannot fetch a value of this size";
		return;
	}
	if (kind == LOC_MEMORY)
		sb_printf(g->c, "\t{ u%d t_; _STP_KREAD(st[0], %d, &t_); v = %st_; }\n",
			  size * 8, size, sgn ? arena_printf(&g->s->arena, "(s%d)", size * 8) : "");
	else
		sb_printf(g->c, "\tv = (%s%d)st[0];\n", sgn ? "s" : "u", size * 8);
	if (member && dwarf_attr(member, DW_AT_bit_size, &at) && dwarf_formudata(&at, &bits) == 0) {
		if (dwarf_attr(member, DW_AT_data_bit_offset, &at) &&
		    dwarf_formudata(&at, &bitoff) == 0) {
			/* DWARF 4+: bit offset from the member location's start (little endian) */
			bitoff %= (Dwarf_Word)size * 8;
		} else if (dwarf_attr(member, DW_AT_bit_offset, &at) &&
			   dwarf_formudata(&at, &bitoff) == 0) {
			bitoff = (Dwarf_Word)size * 8 - bitoff - bits;
		}
		sb_printf(g->c, "\tv = (int64_t)(((u64)v >> %llu) & ((1ULL << %llu) - 1));\n",
			  (unsigned long long)bitoff, (unsigned long long)bits);
		if (sgn)
			sb_printf(g->c, "\tv = (v ^ (1LL << %llu)) - (1LL << %llu);\n",
				  (unsigned long long)bits - 1, (unsigned long long)bits - 1);
	}
}

/* "$a $b" for the arguments of the site's tracepoint */
static const char *tp_arg_names(struct gen *g)
{
	struct strbuf sb = { 0 };
	const char *out;
	Dwarf_Die die, c;

	if (dwarf_offdie(g->k->dw, g->site->fn->die, &die) && dwarf_child(&die, &c) == 0) {
		do {
			const char *nm = dwarf_diename(&c);

			if (dwarf_tag(&c) == DW_TAG_formal_parameter && nm && !is_tp_data(&c, true))
				sb_printf(&sb, "%s$%s", sb.len ? " " : "", nm);
		} while (dwarf_siblingof(&c, &c) == 0);
	}
	out = arena_strdup(&g->s->arena, sb.buf ? sb.buf : "");
	sb_free(&sb);
	return out;
}

/* A tracepoint argument: the callback stored it in the context (stp_tracepoints.h). */
static int tp_arg(struct gen *g, const char *name, Dwarf_Die *var, Dwarf_Die *type)
{
	Dwarf_Die die;
	int i = 0;

	if (dwarf_offdie(g->k->dw, g->site->fn->die, &die) && dwarf_child(&die, var) == 0) {
		do {
			const char *nm = dwarf_diename(var);

			if (dwarf_tag(var) != DW_TAG_formal_parameter || is_tp_data(var, true))
				continue;
			if (nm && !strcmp(nm, name)) {
				if (!die_type(var, type)) {
					g->err = "tracepoint argument without a type";
					return -1;
				}
				push_expr(g, arena_printf(&g->s->arena, "_STP_TPARG(%d)", i));
				return LOC_VALUE;
			}
			i++;
		} while (dwarf_siblingof(var, var) == 0);
	}
	g->err = arena_printf(&g->s->arena, "unable to find tracepoint variable '$%s' "
			      "(alternatives: %s)", name, tp_arg_names(g));
	return -1;
}

/* Start the location expression at the site: fills st[0] and *kind. */
static int gen_var(struct gen *g, const char *name, Dwarf_Die *var, Dwarf_Die *type)
{
	Dwarf_Die subprog;
	Dwarf_Attribute at;
	Dwarf_Op *ops;
	size_t n;
	enum loc_kind kind;
	int rc;

	if (g->site->is_tracepoint)
		return tp_arg(g, name, var, type);
	if (!find_var(g->k, g->site->fn, g->site->addr, name, var, &subprog)) {
		g->err = arena_printf(&g->s->arena, "unable to find local '%s', [man error::dwarf] "
				      "dieoffset %#llx in kernel, near pc %#llx in %s %s",
				      name, (unsigned long long)g->site->fn->die,
				      (unsigned long long)g->site->addr,
				      dw_str(g->k, g->site->fn->name), dw_str(g->k, g->site->fn->file));
		return -1;
	}
	if (!die_type(var, type)) {
		g->err = "variable without a type";
		return -1;
	}
	if (dwarf_attr(var, DW_AT_const_value, &at)) {
		Dwarf_Sword sv;

		if (dwarf_formsdata(&at, &sv)) {
			g->err = "unsupported constant value";
			return -1;
		}
		push_expr(g, arena_printf(&g->s->arena, "(unsigned long)(%lldL)", (long long)sv));
		return LOC_VALUE;
	}
	if (!dwarf_attr(var, DW_AT_location, &at)) {
		g->err = "not accessible at this address: it has no location (optimized out)";
		return -1;
	}
	rc = dwarf_getlocation_addr(&at, g->site->addr, &ops, &n, 1);
	if (rc != 1 || n == 0) {
		g->err = arena_printf(&g->s->arena, "not accessible at this address (pc: %#llx): "
				      "optimized out here", (unsigned long long)g->site->addr);
		return -1;
	}
	if (gen_ops(g, ops, n, &subprog, &kind))
		return -1;
	if (g->depth != 1) {
		g->err = "unsupported DWARF location (stack not balanced)";
		return -1;
	}
	return kind;
}

static const char *comp_text(struct session *s, const struct ast_node *t,
			     const struct target_comp *upto)
{
	struct strbuf sb = { 0 };
	const struct target_comp *c;
	const char *out;

	if (t->kind == AST_CAST)
		sb_printf(&sb, "@cast(..., \"%s\")", t->u.target.type_name);
	else if (t->kind == AST_ATVAR)
		sb_printf(&sb, "@var(\"%s\")", t->u.target.name);
	else
		sb_puts(&sb, t->u.target.name);
	for (c = t->u.target.comps; c && c != upto; c = c->next) {
		if (c->kind == COMP_FIELD)
			sb_printf(&sb, "->%s", c->name);
		else if (c->kind == COMP_INDEX)
			sb_printf(&sb, "[%lld]", (long long)c->index);
		else
			sb_puts(&sb, "[...]");
	}
	out = arena_strdup(&s->arena, sb.buf ? sb.buf : "");
	sb_free(&sb);
	return out;
}

/* Walk the ->/[] chain; on return st[0] and *kind locate a value of type *t. */
static int walk_comps(struct gen *g, const struct ast_node *target, Dwarf_Die *t,
		      enum loc_kind *kind, Dwarf_Die *member, bool *has_member)
{
	const struct target_comp *c;
	int idx_arg = 0;

	*has_member = false;
	for (c = target->u.target.comps; c; c = c->next) {
		Dwarf_Die st, sub;
		int tag;

		if (!strip_type(t, &st)) {
			g->err = "dereferencing a void value";
			return -1;
		}
		tag = dwarf_tag(&st);
		if (tag == DW_TAG_pointer_type) {
			/* the pointer's value becomes the address of what it points to */
			if (*kind == LOC_MEMORY)
				sb_puts(g->c, "\t_STP_KREAD(st[0], 8, &st[0]);\n");
			*kind = LOC_MEMORY;
			if (!die_type(&st, &sub)) {
				g->err = arena_printf(&g->s->arena, "cannot dereference a void "
						      "pointer in %s", comp_text(g->s, target, c->next));
				return -1;
			}
			if (c->kind != COMP_FIELD) {
				int sz = type_size(strip_type(&sub, &st) ? &st : &sub);

				if (sz <= 0) {
					g->err = "indexing a pointer to a type without size";
					return -1;
				}
				if (c->kind == COMP_INDEX)
					sb_printf(g->c, "\tst[0] += %lldL * %d;\n",
						  (long long)c->index, sz);
				else
					sb_printf(g->c, "\tst[0] += (long)STAP_ARG_i%d * %d;\n",
						  idx_arg++, sz);
				*t = sub;
				*has_member = false;
				continue;
			}
			*t = sub;
			if (!strip_type(t, &st)) {
				g->err = "dereferencing a void value";
				return -1;
			}
			tag = dwarf_tag(&st);
		}
		if (c->kind == COMP_FIELD) {
			uint64_t off = 0;

			if (tag != DW_TAG_structure_type && tag != DW_TAG_union_type) {
				struct strbuf tn = { 0 };

				type_name(&st, &tn);
				g->err = arena_printf(&g->s->arena, "'%s' is not a struct or union "
						      "(in %s)", tn.buf ? tn.buf : "?",
						      comp_text(g->s, target, c->next));
				sb_free(&tn);
				return -1;
			}
			if (*kind != LOC_MEMORY) {
				g->err = "a struct held in registers is not supported";
				return -1;
			}
			if (!find_member(&st, c->name, member, &off)) {
				g->err = arena_printf(&g->s->arena, "unable to find member '%s' for "
						      "struct %s (in %s)", c->name,
						      dwarf_diename(&st) ? dwarf_diename(&st) : "{...}",
						      comp_text(g->s, target, c->next));
				return -1;
			}
			if (off)
				sb_printf(g->c, "\tst[0] += %llu;\n", (unsigned long long)off);
			if (!die_type(member, t)) {
				g->err = "member without a type";
				return -1;
			}
			*has_member = true;
		} else {
			int sz;

			if (tag != DW_TAG_array_type || *kind != LOC_MEMORY) {
				g->err = arena_printf(&g->s->arena, "cannot index %s: not an array "
						      "or pointer", comp_text(g->s, target, c));
				return -1;
			}
			if (!die_type(&st, t) || (sz = type_size(strip_type(t, &sub) ? &sub : t)) <= 0) {
				g->err = "array of elements without size";
				return -1;
			}
			if (c->kind == COMP_INDEX)
				sb_printf(g->c, "\tst[0] += %lldL * %d;\n", (long long)c->index, sz);
			else
				sb_printf(g->c, "\tst[0] += (long)STAP_ARG_i%d * %d;\n", idx_arg++, sz);
			*has_member = false;
		}
	}
	return 0;
}

/* $x$ / $$: a value as systemtap prints it; depth limits nested structs. */
static void pretty(struct gen *g, Dwarf_Die *t, enum loc_kind kind, int depth, bool top)
{
	Dwarf_Die st, c;
	int tag;

	if (!strip_type(t, &st)) {
		sb_puts(g->c, "\t_stp_rv_cat(STAP_RETVALUE, \"?\");\n");
		return;
	}
	tag = dwarf_tag(&st);
	if (tag == DW_TAG_structure_type || tag == DW_TAG_union_type) {
		bool first = true;

		if (kind != LOC_MEMORY || depth <= 0) {
			sb_puts(g->c, "\t_stp_rv_cat(STAP_RETVALUE, \"{...}\");\n");
			return;
		}
		sb_puts(g->c, "\t_stp_rv_cat(STAP_RETVALUE, \"{\");\n");
		if (dwarf_child(&st, &c) == 0) {
			do {
				const char *nm = dwarf_diename(&c);
				uint64_t off;
				Dwarf_Die mt;

				if (dwarf_tag(&c) != DW_TAG_member || !member_offset(&c, &off) ||
				    !die_type(&c, &mt))
					continue;
				sb_printf(g->c, "\t_stp_rv_cat(STAP_RETVALUE, \"%s.%s=\");\n",
					  first ? "" : ", ", nm ? nm : "");
				first = false;
				sb_printf(g->c, "\t{ unsigned long b_ = st[0]; st[0] += %llu;\n",
					  (unsigned long long)off);
				pretty(g, &mt, LOC_MEMORY, depth - 1, false);
				sb_puts(g->c, "\tst[0] = b_; }\n");
			} while (dwarf_siblingof(&c, &c) == 0);
		}
		sb_puts(g->c, "\t_stp_rv_cat(STAP_RETVALUE, \"}\");\n");
		return;
	}
	if (tag == DW_TAG_array_type) {
		sb_puts(g->c, "\t_stp_rv_cat(STAP_RETVALUE, \"[...]\");\n");
		return;
	}
	if (tag == DW_TAG_pointer_type) {
		Dwarf_Die pt, sp;

		fetch_scalar(g, &st, kind, NULL);
		if (die_type(&st, &pt) && strip_type(&pt, &sp) && is_char(&sp) && !top)
			sb_puts(g->c, "\t_stp_rv_cat_str(CONTEXT, STAP_RETVALUE, v);\n");
		else if (die_type(&st, &pt) && strip_type(&pt, &sp) && is_char(&sp))
			sb_puts(g->c, "\t_stp_rv_cat_str(CONTEXT, STAP_RETVALUE, v);\n");
		else
			sb_puts(g->c, "\t_stp_rv_catf(STAP_RETVALUE, \"%#llx\", (unsigned long long)v);\n");
		return;
	}
	fetch_scalar(g, &st, kind, NULL);
	if (is_char(&st))
		sb_puts(g->c, "\t_stp_rv_catf(STAP_RETVALUE, \"'%c'\", (int)v);\n");
	else
		sb_puts(g->c, "\t_stp_rv_catf(STAP_RETVALUE, \"%#llx\", (unsigned long long)v);\n");
}

static void open_block(struct gen *g)
{
	sb_puts(g->c, "\tunsigned long st[8] __attribute__((unused));\n"
		      "\tint64_t v __attribute__((unused)) = 0;\n");
	if (g->site->is_tracepoint || g->site->no_regs)
		return;
	sb_puts(g->c, "\tstruct pt_regs *regs_ = CONTEXT->regs;\n"
		      "\tif (!regs_) STAP_ERROR(\"no registers available at this probe\");\n");
}

/* $$vars / $$parms / $$locals: "name=value ..." */
static int gen_vars(struct gen *g, const char *which, int depth)
{
	Dwarf_Die die, c;
	struct strlist names = { 0 };
	size_t i;
	bool parms = !strcmp(which, "$$parms") || !strcmp(which, "$$vars");
	bool locals = !strcmp(which, "$$locals") || !strcmp(which, "$$vars");

	if (!dwarf_offdie(g->k->dw, g->site->fn->die, &die))
		return -1;
	if (dwarf_child(&die, &c) == 0) {
		do {
			const char *nm = dwarf_diename(&c);
			int tag = dwarf_tag(&c);

			if (!nm || (tag == DW_TAG_formal_parameter && !parms) ||
			    (tag == DW_TAG_variable && !locals) || !is_var(&c) ||
			    is_tp_data(&c, g->site->is_tracepoint) ||
			    (tag == DW_TAG_variable && g->site->is_tracepoint))
				continue;
			strlist_add(&names, nm);
		} while (dwarf_siblingof(&c, &c) == 0);
	}
	for (i = 0; i < names.n; i++) {
		Dwarf_Die var, t;
		struct strbuf code = { 0 };
		struct gen sub = *g;
		int kind;

		sub.c = &code;
		sub.depth = 0;
		sub.err = NULL;
		sb_printf(g->c, "\t_stp_rv_cat(STAP_RETVALUE, \"%s%s=\");\n", i ? " " : "",
			  names.v[i]);
		kind = gen_var(&sub, names.v[i], &var, &t);
		if (kind >= 0) {
			sb_puts(g->c, "\t{\n");
			sb_add(g->c, code.buf, code.len);
			sub.c = g->c;
			pretty(&sub, &t, (enum loc_kind)kind, depth, false);
			sb_puts(g->c, "\t}\n");
		}
		if (kind < 0 || sub.err)
			sb_puts(g->c, "\t_stp_rv_cat(STAP_RETVALUE, \"?\");\n");
		sb_free(&code);
	}
	strlist_free(&names);
	return 0;
}

/* From st[0]/kind locating a value of type t: the ->/[] chain, then &, $, or the
 * value itself into STAP_RETVALUE. */
static int finish_target(struct gen *g, const struct ast_node *target, Dwarf_Die *t0,
			 int kind, enum ast_type *type, const char **err)
{
	struct session *s = g->s;
	struct strbuf *code = g->c;
	Dwarf_Die t = *t0, member, st;
	bool has_member = false;

	if (walk_comps(g, target, &t, (enum loc_kind *)&kind, &member, &has_member)) {
		*err = g->err;
		return -1;
	}
	if (target->u.target.addr) {
		if (kind != LOC_MEMORY) {
			*err = arena_printf(&s->arena, "cannot take the address of %s: it is "
					    "not in memory", g->what);
			return -1;
		}
		sb_puts(code, "\tSTAP_RETVALUE = (int64_t)st[0];\n");
		return 0;
	}
	if (target->u.target.pretty) {
		*type = TYPE_STRING;
		pretty(g, &t, (enum loc_kind)kind, target->u.target.pretty >= 2 ? 3 : 1, true);
		*err = g->err;
		return g->err ? -1 : 0;
	}
	if (!strip_type(&t, &st)) {
		*err = "a void value cannot be read";
		return -1;
	}
	switch (dwarf_tag(&st)) {
	case DW_TAG_structure_type:
	case DW_TAG_union_type: {
		struct strbuf tn = { 0 };

		type_name(&st, &tn);
		*err = arena_printf(&s->arena, "'%s' is being accessed instead of a member "
				    "(try %s$ to print it)", tn.buf ? tn.buf : "?", g->what);
		sb_free(&tn);
		return -1;
	}
	case DW_TAG_array_type:
		if (kind != LOC_MEMORY) {
			*err = "an array held in registers is not supported";
			return -1;
		}
		sb_puts(code, "\tSTAP_RETVALUE = (int64_t)st[0];\n");
		return 0;
	default:
		fetch_scalar(g, &st, (enum loc_kind)kind, has_member ? &member : NULL);
		if (g->err) {
			*err = g->err;
			return -1;
		}
		sb_puts(code, "\tSTAP_RETVALUE = v;\n");
		return 0;
	}
}

const char **dw_tracepoint_ctypes(struct session *s, struct dw_kernel *k,
				  const struct dw_tracepoint *tp, int *n, const char **err)
{
	const char **v = NULL;
	Dwarf_Die die, c, t, st;
	int cap = 0;

	*n = 0;
	if (!dwarf_offdie(k->dw, tp->fn->die, &die) || dwarf_child(&die, &c) != 0)
		return arena_alloc(&s->arena, sizeof(*v));
	do {
		const char *nm = dwarf_diename(&c);
		int tag, size;

		if (dwarf_tag(&c) != DW_TAG_formal_parameter || is_tp_data(&c, true))
			continue;
		if (!die_type(&c, &t) || !strip_type(&t, &st)) {
			*err = arena_printf(&s->arena, "tracepoint argument '%s' has no type",
					    nm ? nm : "?");
			return NULL;
		}
		tag = dwarf_tag(&st);
		size = type_size(&st);
		if (*n == cap) {
			const char **old = v;

			cap = cap ? cap * 2 : 8;
			v = arena_alloc(&s->arena, (size_t)cap * sizeof(*v));
			if (old)
				memcpy(v, old, (size_t)*n * sizeof(*v));
		}
		if (tag == DW_TAG_pointer_type || tag == DW_TAG_array_type) {
			v[(*n)++] = "void *";
		} else if ((tag == DW_TAG_base_type || tag == DW_TAG_enumeration_type) &&
			   (size == 1 || size == 2 || size == 4 || size == 8) &&
			   !is_float(&st)) {
			v[(*n)++] = arena_printf(&s->arena, "%c%d", is_signed(&st) ? 's' : 'u',
						 size * 8);
		} else {
			struct strbuf tn = { 0 };

			type_name(&st, &tn);
			*err = arena_printf(&s->arena, "tracepoint argument '%s' has type '%s', "
					    "which is not supported", nm ? nm : "?",
					    tn.buf ? tn.buf : "?");
			sb_free(&tn);
			return NULL;
		}
	} while (dwarf_siblingof(&c, &c) == 0);
	return v ? v : arena_alloc(&s->arena, sizeof(*v));
}

/* The type @cast names: "struct foo", "union foo", "enum foo", or a typedef or
 * struct "foo"; the first definition in the index. */
static bool find_type(struct dw_kernel *k, const char *spec, Dwarf_Die *out)
{
	static const struct { const char *kw; int tag; } kws[] = {
		{ "struct ", DW_TAG_structure_type }, { "union ", DW_TAG_union_type },
		{ "enum ", DW_TAG_enumeration_type },
	};
	const int any[] = { DW_TAG_typedef, DW_TAG_structure_type, DW_TAG_union_type };
	const char *name = spec;
	size_t len, i, j;
	int want = 0;

	while (*name == ' ')
		name++;
	for (i = 0; i < ARRAY_LEN(kws); i++)
		if (!strncmp(name, kws[i].kw, strlen(kws[i].kw))) {
			want = kws[i].tag;
			name += strlen(kws[i].kw);
			break;
		}
	while (*name == ' ')
		name++;
	len = strlen(name);
	while (len && name[len - 1] == ' ')
		len--;
	for (j = 0; j < (want ? 1 : ARRAY_LEN(any)); j++) {
		int tag = want ? want : any[j];

		for (i = 0; i < k->n_types; i++) {
			const char *tn = dw_str(k, k->types[i].name);

			if ((int)k->types[i].tag == tag && !strncmp(tn, name, len) && !tn[len])
				return dwarf_offdie(k->dw, k->types[i].die, out) != NULL;
		}
	}
	return false;
}

/* @cast(ptr, "type"[, "kernel"]): the object of that type at the address ptr (the
 * synthesized function's first argument). */
static int cast_code(struct gen *g, const struct ast_node *target, enum ast_type *type,
		     const char **err)
{
	const char *mod = target->u.target.module;
	Dwarf_Die t;

	if (mod && strncmp(mod, "kernel", 6)) {
		*err = arena_printf(&g->s->arena, "@cast to a type of module '%s' is not "
				    "supported yet", mod);
		return -1;
	}
	if (!find_type(g->k, target->u.target.type_name, &t)) {
		*err = arena_printf(&g->s->arena, "type definition '%s' not found in the "
				    "kernel's debuginfo", target->u.target.type_name);
		return -1;
	}
	push_expr(g, "(unsigned long)STAP_ARG_ptr");
	return finish_target(g, target, &t, LOC_MEMORY, type, err);
}

/* A variable with a static location at the top level of a CU. */
static bool cu_global(struct dw_kernel *k, uint64_t cu_off, const char *name, Dwarf_Die *var)
{
	Dwarf_Die cu;

	if (!dwarf_offdie(k->dw, cu_off, &cu) || dwarf_child(&cu, var) != 0)
		return false;
	do {
		const char *nm = dwarf_diename(var);

		if (dwarf_tag(var) == DW_TAG_variable && nm && !strcmp(nm, name) &&
		    dwarf_hasattr(var, DW_AT_location))
			return true;
	} while (dwarf_siblingof(var, var) == 0);
	return false;
}

/* @var("name[@file]"[, "kernel"]): a global of the CUs matching file, or of the CU
 * of the probe point. */
static int atvar_code(struct gen *g, const struct ast_node *target, enum ast_type *type,
		      const char **err)
{
	const char *spec = target->u.target.name, *at = strchr(spec, '@');
	const char *mod = target->u.target.module;
	const char *name = at ? arena_strndup(&g->s->arena, spec, (size_t)(at - spec)) : spec;
	Dwarf_Attribute attr;
	Dwarf_Op *ops;
	Dwarf_Die var, t;
	enum loc_kind kind;
	bool found = false;
	size_t i, n;

	if (mod && strncmp(mod, "kernel", 6)) {
		*err = arena_printf(&g->s->arena, "@var in module '%s' is not supported yet", mod);
		return -1;
	}
	if (at) {
		for (i = 0; i < g->k->n_cus && !found; i++)
			found = dw_file_match(at + 1, dw_str(g->k, g->k->cus[i].name)) &&
				cu_global(g->k, g->k->cus[i].die, name, &var);
	} else if (g->site->fn) {
		found = cu_global(g->k, g->k->cus[g->site->fn->cu].die, name, &var);
	}
	if (!found) {
		*err = arena_printf(&g->s->arena, "unable to find global '%s' in %s", name,
				    at ? at + 1 : "the probe point's compilation unit");
		return -1;
	}
	if (!die_type(&var, &t) || !dwarf_attr(&var, DW_AT_location, &attr) ||
	    dwarf_getlocation(&attr, &ops, &n) || n == 0) {
		*err = arena_printf(&g->s->arena, "global '%s' has no static location", name);
		return -1;
	}
	if (g->k->module) {
		*err = arena_printf(&g->s->arena, "static variables of module %s are not "
				    "supported yet", g->k->module);
		return -1;
	}
	if (ops[0].atom == DW_OP_addr && ops[0].number < 0x100000) {
		*err = arena_printf(&g->s->arena, "'%s' is a per-CPU variable, which @var does "
				    "not support yet", name);
		return -1;
	}
	if (gen_ops(g, ops, n, NULL, &kind))
		return -1;
	return finish_target(g, target, &t, kind, type, err);
}

int dw_target_code(struct session *s, struct dw_kernel *k, const struct dw_site *site,
		   const struct ast_node *target, struct strbuf *code, enum ast_type *type,
		   const char **err)
{
	struct gen g = { .s = s, .k = k, .site = site, .c = code };
	const char *name = target->u.target.name;
	Dwarf_Die var, t;
	int kind;

	g.what = comp_text(s, target, NULL);
	open_block(&g);
	*type = TYPE_LONG;
	if (target->kind == AST_CAST || target->kind == AST_ATVAR) {
		int rc = target->kind == AST_CAST ? cast_code(&g, target, type, err) :
						     atvar_code(&g, target, type, err);

		if (rc && !*err)
			*err = g.err;
		return rc;
	}
	if (!strncmp(name, "$$", 2)) {
		*type = TYPE_STRING;
		if (strcmp(name, "$$vars") && strcmp(name, "$$parms") && strcmp(name, "$$locals")) {
			*err = arena_printf(&s->arena, "unknown target variable %s", name);
			return -1;
		}
		gen_vars(&g, name, target->u.target.pretty >= 1 ? 2 : 1);
		*err = g.err;
		return g.err ? -1 : 0;
	}
	if (!strcmp(name, "$return")) {
		Dwarf_Die fdie;

		if (!site->is_return) {
			*err = "$return is only available in .return probes";
			return -1;
		}
		if (!dwarf_offdie(k->dw, site->fn->die, &fdie) || !die_type(&fdie, &t)) {
			*err = "the function returns void: no $return";
			return -1;
		}
		push_expr(&g, "regs_return_value(regs_)");
		kind = LOC_VALUE;
	} else {
		kind = gen_var(&g, name + 1, &var, &t);
		if (kind < 0) {
			*err = g.err;
			return -1;
		}
	}
	return finish_target(&g, target, &t, kind, type, err);
}
