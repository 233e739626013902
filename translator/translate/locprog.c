/* Pass 3 for target variables: a location program (dwarf/locprog.h) becomes
 * straight-line kernel C over the probe's pt_regs. The stack is `unsigned long st[]`
 * (each operation knows its depth, so st indexes are constants), the scalar is
 * `int64_t v`, the result STAP_RETVALUE; every memory read goes through the runtime's
 * fault-safe _STP_KREAD() (runtime/linux/stp_loc.h). */
#include <stdio.h>
#include <string.h>

#include "translate/locprog.h"

/* pt_regs members of the x86_64 DWARF registers 0..LP_N_REGS-1 */
static const char *const regnames[LP_N_REGS] = {
	"ax", "dx", "cx", "bx", "si", "di", "bp", "sp",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "ip",
};

static void prologue(const struct lp_prog *p, struct strbuf *out)
{
	sb_printf(out, "\tunsigned long st[%d] __attribute__((unused));\n"
		       "\tint64_t v __attribute__((unused)) = 0;\n", LP_MAX_DEPTH);
	if (p->uses_regs)
		sb_puts(out, "\tstruct pt_regs *regs_ = CONTEXT->regs;\n"
			     "\tif (!regs_) STAP_ERROR(\"no registers available at this probe\");\n");
}

/* text as the inside of a C string literal (DWARF names: nothing to escape) */
static void cat_text(struct strbuf *out, const char *text)
{
	const unsigned char *c;

	sb_puts(out, "\t_stp_rv_cat(STAP_RETVALUE, \"");
	for (c = (const unsigned char *)text; *c; c++) {
		if (*c == '"' || *c == '\\')
			sb_printf(out, "\\%c", *c);
		else if (*c < 32 || *c >= 127)
			sb_printf(out, "\\%03o", *c);
		else
			sb_putc(out, (char)*c);
	}
	sb_puts(out, "\");\n");
}

/* The expression an operation pushes. */
static void push(const struct lp_op *op, bool user, bool ubias, struct strbuf *out)
{
	sb_printf(out, "\tst[%d] = ", op->depth);
	if (op->kind == LP_CONST && (op->flags & LPF_SIGNED))
		sb_printf(out, "(unsigned long)(%lldL)", (long long)op->n);
	else if (op->kind == LP_CONST && (op->flags & LPF_LIT))
		sb_printf(out, "%uUL", (unsigned)op->n);
	else if (op->kind == LP_CONST)
		sb_printf(out, "0x%llxUL", (unsigned long long)op->n);
	else if (op->kind == LP_ADDR && user && ubias)
		sb_printf(out, "0x%llxUL + CONTEXT->ubias", (unsigned long long)op->n);
	else if (op->kind == LP_ADDR && user)
		sb_printf(out, "0x%llxUL", (unsigned long long)op->n);
	else if (op->kind == LP_ADDR)
		sb_printf(out, "_stp_reloc(0x%llxUL)", (unsigned long long)op->n);
	else if (op->kind == LP_REG)
		sb_printf(out, "_STP_REG(%s)", regnames[op->reg]);
	else if (op->kind == LP_BREG)
		sb_printf(out, "_STP_REG(%s) + (%lldL)", regnames[op->reg], (long long)op->n);
	else if (op->kind == LP_RETVAL)
		sb_puts(out, "regs_return_value(regs_)");
	else if (op->kind == LP_TPARG)
		sb_printf(out, "_STP_TPARG(%d)", (int)op->n);
	else if (op->kind == LP_CAST_PTR)
		sb_puts(out, "(unsigned long)STAP_ARG_ptr");
	else	/* LP_DUP */
		sb_printf(out, "st[%d]", op->depth - 1);
	sb_puts(out, ";\n");
}

/* Operations on the stack's top. */
static void stack_op(const struct lp_op *op, const char *rd, struct strbuf *out)
{
	int top = op->depth - 1;

	if (op->kind == LP_ADD && (op->flags & LPF_SIGNED))
		sb_printf(out, "\tst[%d] += (%lldL);\n", top, (long long)op->n);
	else if (op->kind == LP_ADD)
		sb_printf(out, "\tst[%d] += %lluUL;\n", top, (unsigned long long)op->n);
	else if (op->kind == LP_NEG)
		sb_printf(out, "\tst[%d] = -st[%d];\n", top, top);
	else if (op->kind == LP_NOT)
		sb_printf(out, "\tst[%d] = ~st[%d];\n", top, top);
	else if (op->kind == LP_BINOP)
		sb_printf(out, "\tst[%d] = st[%d] %s st[%d];\n", top - 1, top - 1,
			  lp_binop_c(op->binop), top);
	else if (op->kind == LP_DEREF && !op->size)
		sb_printf(out, "\t%s(st[%d], 8, &st[%d]);\n", rd, top, top);
	else if (op->kind == LP_DEREF)
		sb_printf(out, "\t{ u%d t_; %s(st[%d], %d, &t_); st[%d] = t_; }\n",
			  op->size * 8, rd, top, op->size, top);
	/* LP_DROP: nothing to do, the depths of later operations say it */
}

static void fetch(const struct lp_op *op, const char *rd, struct strbuf *out)
{
	bool sgn = op->flags & LPF_SIGNED;
	int bits = op->size * 8;

	if (op->flags & LPF_VALUE) {
		sb_printf(out, "\tv = (%s%d)st[0];\n", sgn ? "s" : "u", bits);
		return;
	}
	sb_printf(out, "\t{ u%d t_; %s(st[0], %d, &t_); v = ", bits, rd, op->size);
	if (sgn)
		sb_printf(out, "(s%d)", bits);
	sb_puts(out, "t_; }\n");
}

static void bitfield(const struct lp_op *op, struct strbuf *out)
{
	unsigned long long off = (unsigned long long)op->n, bits = (unsigned)op->size;

	sb_printf(out, "\tv = (int64_t)(((u64)v >> %llu) & ((1ULL << %llu) - 1));\n", off,
		  bits);
	if (op->flags & LPF_SIGNED)
		sb_printf(out, "\tv = (v ^ (1LL << %llu)) - (1LL << %llu);\n", bits - 1,
			  bits - 1);
}

/* v is STAP_ARG_value, the setter's argument; the stored value is truncated to the
 * target's size (sign extended into a register when signed) */
static void store(const struct lp_op *op, bool user, struct strbuf *out)
{
	int bits = op->size * 8;
	const char *sgn = op->flags & LPF_SIGNED ? "s" : "u";
	unsigned long long mask;

	if ((op->flags & LPF_VALUE) && op->reg < 0) {
		sb_printf(out, "\tregs_set_return_value(regs_, (unsigned long)(%s%d)STAP_ARG_value);\n",
			  sgn, bits);
		return;
	}
	if (op->flags & LPF_VALUE) {
		sb_printf(out, "\tregs_->%s = (unsigned long)(%s%d)STAP_ARG_value;\n",
			  regnames[op->reg], sgn, bits);
		return;
	}
	if (!op->bits) {
		sb_printf(out, "\t{ u%d t_ = (u%d)STAP_ARG_value; %s(st[0], %d, &t_); }\n",
			  bits, bits, user ? "_STP_LOC_UWRITE" : "_STP_KWRITE", op->size);
		return;
	}
	mask = (op->bits >= 64 ? ~0ULL : (1ULL << op->bits) - 1) << op->n;
	sb_printf(out, "\t{ u%d t_; %s(st[0], %d, &t_);\n"
		       "\t  t_ = (t_ & ~(u%d)0x%llxULL) | (((u%d)STAP_ARG_value << %lld) & 0x%llxULL);\n"
		       "\t  %s(st[0], %d, &t_); }\n",
		  bits, user ? "_STP_LOC_UREAD" : "_STP_KREAD", op->size, bits, mask, bits,
		  (long long)op->n, mask, user ? "_STP_LOC_UWRITE" : "_STP_KWRITE", op->size);
}

static void print_value(const struct lp_op *op, bool user, struct strbuf *out)
{
	switch (op->fmt) {
	case LP_FMT_HEX:
		sb_puts(out, "\t_stp_rv_catf(STAP_RETVALUE, \"%#llx\", (unsigned long long)v);\n");
		break;
	case LP_FMT_CHAR:
		sb_puts(out, "\t_stp_rv_catf(STAP_RETVALUE, \"'%c'\", (int)v);\n");
		break;
	case LP_FMT_STRING:
		sb_printf(out, "\t_stp_rv_cat_%sstr(CONTEXT, STAP_RETVALUE, v);\n", user ? "u" : "");
		break;
	}
}

static void emit_op(const struct lp_op *op, bool user, bool ubias, struct strbuf *out)
{
	const char *rd = user ? "_STP_LOC_UREAD" : "_STP_KREAD";

	switch (op->kind) {
	case LP_CONST: case LP_ADDR: case LP_REG: case LP_BREG: case LP_RETVAL:
	case LP_TPARG: case LP_CAST_PTR: case LP_DUP:
		push(op, user, ubias, out);
		break;
	case LP_DROP: case LP_ADD: case LP_NEG: case LP_NOT: case LP_BINOP: case LP_DEREF:
		stack_op(op, rd, out);
		break;
	case LP_LOAD_PTR:
		sb_printf(out, "\t%s(st[0], 8, &st[0]);\n", rd);
		break;
	case LP_FIELD:
		sb_printf(out, "\tst[0] += %llu;\n", (unsigned long long)op->n);
		break;
	case LP_INDEX:
		sb_printf(out, "\tst[0] += %lldL * %d;\n", (long long)op->n, op->size);
		break;
	case LP_INDEX_ARG:
		sb_printf(out, "\tst[0] += (long)STAP_ARG_i%d * %d;\n", (int)op->n, op->size);
		break;
	case LP_FETCH:
		fetch(op, rd, out);
		break;
	case LP_BITFIELD:
		bitfield(op, out);
		break;
	case LP_RESULT:
		sb_puts(out, "\tSTAP_RETVALUE = v;\n");
		break;
	case LP_RESULT_ADDR:
		sb_puts(out, "\tSTAP_RETVALUE = (int64_t)st[0];\n");
		break;
	case LP_STORE:
		store(op, user, out);
		break;
	case LP_PRINT_TEXT:
		cat_text(out, op->text);
		break;
	case LP_PRINT_VALUE:
		print_value(op, user, out);
		break;
	case LP_ENTER_FIELD:
		sb_printf(out, "\t{ unsigned long b_ = st[0]; st[0] += %llu;\n",
			  (unsigned long long)op->n);
		break;
	case LP_LEAVE_FIELD:
		sb_puts(out, "\tst[0] = b_; }\n");
		break;
	case LP_BEGIN:
		sb_puts(out, "\t{\n");
		break;
	case LP_END:
		sb_puts(out, "\t}\n");
		break;
	}
}

void lp_emit_c(const struct lp_prog *p, struct strbuf *out)
{
	size_t i;

	prologue(p, out);
	for (i = 0; i < p->n; i++)
		emit_op(&p->ops[i], p->user, p->ubias, out);
}
