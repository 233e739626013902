/* Pass 3: the print family. A printf format, parsed and checked against its arguments
 * in pass 2 (elaborate/format.c, types.c), becomes kernel vsnprintf() calls on 64-bit
 * values; %b, %m, %M and histograms go through runtime helpers. Output goes to the print
 * buffer, or for sprint* into a string temporary (dst). */
#include <stdlib.h>
#include <string.h>

#include "translate/translate.h"

struct fmtout {
	struct xlate *x;
	const char *dst;		/* "NULL" or a string temp */
	struct strbuf fmt, args;	/* pending kernel format and its arguments */
};

static void flush(struct fmtout *o)
{
	char *lit;

	if (!o->fmt.len)
		return;
	lit = emit_cstr(o->fmt.buf);
	emit_line(o->x->e, "_stp_out_printf(%s, %s%s);", o->dst, lit, o->args.buf ? o->args.buf : "");
	free(lit);
	o->fmt.len = 0;
	o->fmt.buf[0] = '\0';
	o->args.len = 0;
	if (o->args.buf)
		o->args.buf[0] = '\0';
}

static void lit_char(struct fmtout *o, char ch)
{
	if (ch == '%')
		sb_puts(&o->fmt, "%%");
	else
		sb_putc(&o->fmt, ch);
}

struct spec {
	char flags[8];
	int width, prec;		/* -1 none, FMT_ARG from an argument */
	const char *width_arg, *prec_arg;
	char conv;
	char length;			/* 'h': the low 16 bits */
};

static void spec_prefix(struct strbuf *sb, const struct spec *sp)
{
	const char *f;

	sb_putc(sb, '%');
	for (f = sp->flags; *f; f++)	/* C ignores 0 with -, and gcc's -Wformat says so */
		if (*f != '0' || !strchr(sp->flags, '-'))
			sb_putc(sb, *f);
	if (sp->width == FMT_ARG)
		sb_putc(sb, '*');
	else if (sp->width >= 0)
		sb_printf(sb, "%d", sp->width);
	if (sp->prec == FMT_ARG)
		sb_puts(sb, ".*");
	else if (sp->prec >= 0)
		sb_printf(sb, ".%d", sp->prec);
}

static void star_args(struct fmtout *o, const struct spec *sp)
{
	if (sp->width == FMT_ARG)
		sb_printf(&o->args, ", _stp_fmt_width(%s)", sp->width_arg);
	if (sp->prec == FMT_ARG)
		sb_printf(&o->args, ", _stp_fmt_prec(%s)", sp->prec_arg);
}

/* a width or precision for a runtime helper: the number, its argument, or -1 */
static const char *num_or_arg(struct xlate *x, int n, const char *arg, bool prec)
{
	if (n == FMT_ARG)
		return arena_printf(&x->s->arena, prec ? "_stp_fmt_prec(%s)" :
				    "_stp_fmt_width(%s)", arg);
	return arena_printf(&x->s->arena, "%d", n < 0 ? -1 : n);
}

/*
 * A written width or precision above this goes through the runtime's clamp
 * like a `*` argument: the kernel's vsnprintf() warns above 2^23 - 1 (width)
 * and 2^15 - 1 (precision), and no field is wider than the print buffer.
 */
#define FMT_STATIC_MAX 4096

/* one conversion with its (already evaluated) value v */
static void conversion(struct fmtout *o, const struct spec *sp0, const char *v)
{
	struct xlate *x = o->x;
	struct spec big = *sp0;
	const struct spec *sp = &big;

	if (big.width > FMT_STATIC_MAX) {
		big.width_arg = arena_printf(&x->s->arena, "%dLL", big.width);
		big.width = FMT_ARG;
	}
	if (big.prec > FMT_STATIC_MAX) {
		big.prec_arg = arena_printf(&x->s->arena, "%dLL", big.prec);
		big.prec = FMT_ARG;
	}

	switch (sp->conv) {
	case 's': case 'c':
		spec_prefix(&o->fmt, sp);
		sb_putc(&o->fmt, sp->conv);
		star_args(o, sp);
		sb_printf(&o->args, sp->conv == 'c' ? ", (int)%s" : ", %s", v);
		break;
	case 'd': case 'i':
		spec_prefix(&o->fmt, sp);
		sb_puts(&o->fmt, "lld");
		star_args(o, sp);
		sb_printf(&o->args, sp->length == 'h' ? ", (long long)(short)%s" :
				    ", (long long)%s", v);
		break;
	case 'u': case 'x': case 'X': case 'o':
		spec_prefix(&o->fmt, sp);
		sb_printf(&o->fmt, "ll%c", sp->conv);
		star_args(o, sp);
		sb_printf(&o->args, sp->length == 'h' ? ", (unsigned long long)(unsigned short)%s" :
				    ", (unsigned long long)%s", v);
		break;
	case 'p':
	{
		/* since systemtap 1.3, %p is %#x */
		struct spec alt = *sp;

		if (!strchr(alt.flags, '#'))
			alt.flags[strlen(alt.flags)] = '#';
		spec_prefix(&o->fmt, &alt);
		sb_puts(&o->fmt, "llx");
		star_args(o, sp);
		sb_printf(&o->args, ", (unsigned long long)%s", v);
		break;
	}
	case 'b':
		flush(o);
		emit_line(x->e, "_stp_out_binary(%s, %s, %s, %s, %d);", o->dst, v,
			  num_or_arg(x, sp->width, sp->width_arg, false),
			  num_or_arg(x, sp->prec, sp->prec_arg, true), strchr(sp->flags, '-') != NULL);
		break;
	case 'm': case 'M':
		flush(o);
		emit_line(x->e, "_stp_out_memory(&c->base, %s, %s, %s, %s, %d, %s);", o->dst, v,
			  sp->prec == FMT_ARG ? sp->prec_arg :
			  arena_printf(&x->s->arena, "%d", sp->prec < 0 ? 1 : sp->prec),
			  sp->width == FMT_ARG ? sp->width_arg :
			  arena_printf(&x->s->arena, "%d", sp->width),
			  strchr(sp->flags, '-') != NULL, sp->conv == 'M' ? "true" : "false");
		xl_check(x);
		break;
	}
}

/* take the next argument, a long ('*' width or precision) */
static const char *long_arg(struct xlate *x, struct ast_node **a)
{
	const char *v;

	if (!*a || (*a)->type != TYPE_LONG) {
		XL_INTERNAL(x->s, "format argument count or type passed pass 2");
		return "0";
	}
	v = xl_expr(x, *a);
	*a = (*a)->next;
	return v;
}

/* the conversions of fmt as pass 2 parsed and checked them (elaborate/format.c) */
static void format(struct fmtout *o, struct ast_node *fmt, struct ast_node *a)
{
	struct xlate *x = o->x;
	const char *p = fmt->u.str;
	struct fmt_spec few[16], *specs = few;
	size_t pos = 0;
	int n, i;

	n = elab_parse_format(p, few, 16);
	if (n > 16) {
		specs = xmalloc((size_t)n * sizeof(*specs));
		elab_parse_format(p, specs, n);
	}
	if (n < 0)
		XL_INTERNAL(x->s, "invalid format passed pass 2: %s", elab_format_error(n));
	for (i = 0; i < n; i++) {
		const struct fmt_spec *fs = &specs[i];
		struct spec sp = { .width = fs->width, .prec = fs->prec, .conv = fs->conv,
				   .length = fs->length };

		while (pos < fs->start)
			lit_char(o, p[pos++]);
		pos = fs->start + fs->len;
		if (fs->conv == '%') {
			lit_char(o, '%');
			continue;
		}
		memcpy(sp.flags, fs->flags, sizeof(fs->flags));
		if (sp.width == FMT_ARG)
			sp.width_arg = long_arg(x, &a);
		if (sp.prec == FMT_ARG)
			sp.prec_arg = long_arg(x, &a);
		if (!a || (sp.conv == 's') != (a->type == TYPE_STRING)) {
			XL_INTERNAL(x->s, "format argument count or type passed pass 2");
			goto out;
		}
		conversion(o, &sp, xl_expr(x, a));
		a = a->next;
	}
	while (n >= 0 && p[pos])
		lit_char(o, p[pos++]);
	if (a)
		XL_INTERNAL(x->s, "format argument count passed pass 2");
out:
	if (specs != few)
		free(specs);
}

static bool is_hist(const struct ast_node *a)
{
	return a->kind == AST_STAT &&
	       (a->u.stat.op == STAT_HIST_LINEAR || a->u.stat.op == STAT_HIST_LOG);
}

/* one value of print/println/printd...: a string, a number or a histogram */
static void value(struct fmtout *o, struct ast_node *a)
{
	const char *v;

	if (is_hist(a)) {
		const char *hist;

		flush(o);
		hist = gl_stat_fetch(o->x, a->u.stat.operand);
		emit_line(o->x->e, "_stp_out_hist(%s, %s, &c->base.stat);", o->dst, hist);
		return;
	}
	v = xl_expr(o->x, a);
	if (a->type == TYPE_STRING) {
		sb_puts(&o->fmt, "%s");
		sb_printf(&o->args, ", %s", v);
	} else {
		sb_puts(&o->fmt, "%lld");
		sb_printf(&o->args, ", (long long)%s", v);
	}
}

const char *xl_print(struct xlate *x, struct ast_node *n, enum builtin bi)
{
	struct ast_node *a = n->u.call.args;
	bool to_str = bi >= BI_SPRINT;
	struct fmtout o = { .x = x };
	const char *t = NULL, *delim = NULL;
	bool newline = bi == BI_PRINTLN || bi == BI_SPRINTLN || bi == BI_PRINTDLN ||
		       bi == BI_SPRINTDLN;

	if (to_str) {
		t = xl_tmp(x, TYPE_STRING);
		o.dst = t;
	} else {
		o.dst = "NULL";
	}
	sb_puts(&o.fmt, "");
	sb_puts(&o.args, "");
	if (bi == BI_PRINTF || bi == BI_SPRINTF) {
		if (!a || a->kind != AST_STRING) {
			XL_INTERNAL(x->s, "%s without a literal format", n->u.call.name);
			return "0";
		}
		if (to_str)
			emit_line(x->e, "%s[0] = '\\0';", t);
		format(&o, a, a->next);
	} else {
		if (bi == BI_PRINTD || bi == BI_PRINTDLN || bi == BI_SPRINTD || bi == BI_SPRINTDLN) {
			delim = xl_expr(x, a);
			a = a->next;
		}
		if (to_str)
			emit_line(x->e, "%s[0] = '\\0';", t);
		for (; a; a = a->next) {
			value(&o, a);
			if (delim && a->next) {
				sb_puts(&o.fmt, "%s");
				sb_printf(&o.args, ", %s", delim);
			}
		}
		if (newline)
			sb_puts(&o.fmt, "\n");
	}
	flush(&o);
	sb_free(&o.fmt);
	sb_free(&o.args);
	return to_str ? t : "0";
}
