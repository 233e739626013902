/* Pass 3: the print family. A printf format is checked against its arguments here, at
 * translation time, and becomes kernel vsnprintf() calls on 64-bit values; %b, %m, %M
 * and histograms go through runtime helpers. Output goes to the print buffer, or for
 * sprint* into a string temporary (dst). */
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
	int width, prec;		/* -1 none, -2 from an argument */
	const char *width_arg, *prec_arg;
	char conv;
};

static void spec_prefix(struct strbuf *sb, const struct spec *sp)
{
	sb_putc(sb, '%');
	sb_puts(sb, sp->flags);
	if (sp->width == -2)
		sb_putc(sb, '*');
	else if (sp->width >= 0)
		sb_printf(sb, "%d", sp->width);
	if (sp->prec == -2)
		sb_puts(sb, ".*");
	else if (sp->prec >= 0)
		sb_printf(sb, ".%d", sp->prec);
}

static void star_args(struct fmtout *o, const struct spec *sp)
{
	if (sp->width == -2)
		sb_printf(&o->args, ", (int)%s", sp->width_arg);
	if (sp->prec == -2)
		sb_printf(&o->args, ", (int)%s", sp->prec_arg);
}

/* one conversion with its (already evaluated) value v */
static void conversion(struct fmtout *o, const struct spec *sp, const char *v)
{
	struct xlate *x = o->x;

	switch (sp->conv) {
	case 's':
		spec_prefix(&o->fmt, sp);
		sb_putc(&o->fmt, 's');
		star_args(o, sp);
		sb_printf(&o->args, ", %s", v);
		break;
	case 'c':
		spec_prefix(&o->fmt, sp);
		sb_putc(&o->fmt, 'c');
		star_args(o, sp);
		sb_printf(&o->args, ", (int)%s", v);
		break;
	case 'd': case 'i':
		spec_prefix(&o->fmt, sp);
		sb_puts(&o->fmt, "lld");
		star_args(o, sp);
		sb_printf(&o->args, ", (long long)%s", v);
		break;
	case 'u': case 'x': case 'X': case 'o':
		spec_prefix(&o->fmt, sp);
		sb_printf(&o->fmt, "ll%c", sp->conv);
		star_args(o, sp);
		sb_printf(&o->args, ", (unsigned long long)%s", v);
		break;
	case 'p':
		/* "0x" and 16 hex digits unless a width is given */
		if (sp->width == -1 && !strchr(sp->flags, '-')) {
			sb_puts(&o->fmt, "0x%016llx");
		} else {
			spec_prefix(&o->fmt, sp);
			sb_puts(&o->fmt, "llx");
			star_args(o, sp);
		}
		sb_printf(&o->args, ", (unsigned long long)%s", v);
		break;
	case 'b':
		flush(o);
		emit_line(x->e, "_stp_out_binary(%s, %s, %s);", o->dst, v,
			  sp->width == -2 ? sp->width_arg :
			  arena_printf(&x->s->arena, "%d", sp->width < 0 ? 8 : sp->width));
		break;
	case 'm': case 'M':
		flush(o);
		emit_line(x->e, "_stp_out_memory(&c->base, %s, %s, %s, %s, %d, %s);", o->dst, v,
			  sp->prec == -2 ? sp->prec_arg :
			  arena_printf(&x->s->arena, "%d", sp->prec < 0 ? 1 : sp->prec),
			  sp->width == -2 ? sp->width_arg :
			  arena_printf(&x->s->arena, "%d", sp->width),
			  strchr(sp->flags, '-') != NULL, sp->conv == 'M' ? "true" : "false");
		xl_check(x);
		break;
	}
}

static int number(const char **p)
{
	int v = 0;

	while (**p >= '0' && **p <= '9') {
		if (v < 100000)
			v = v * 10 + (**p - '0');
		(*p)++;
	}
	return v;
}

/* take the next argument of type long, or report */
static const char *long_arg(struct xlate *x, struct ast_node **a, struct ast_node *fmt,
			    const char *what)
{
	const char *v;

	if (!*a) {
		diag_error(x->s, &fmt->loc, "not enough arguments for the format (%s)", what);
		return "0";
	}
	if ((*a)->type != TYPE_LONG)
		diag_error(x->s, &(*a)->loc, "format %s needs a long argument, not %s", what,
			   ast_type_str((*a)->type));
	v = xl_expr(x, *a);
	*a = (*a)->next;
	return v;
}

static void format(struct fmtout *o, struct ast_node *fmt, struct ast_node *a)
{
	struct xlate *x = o->x;
	const char *p = fmt->u.str;

	while (*p) {
		struct spec sp = { .width = -1, .prec = -1 };
		size_t nf = 0;
		const char *v;

		if (*p != '%') {
			lit_char(o, *p++);
			continue;
		}
		p++;
		if (*p == '%') {
			lit_char(o, '%');
			p++;
			continue;
		}
		while (*p && strchr("-+ #0", *p)) {
			if (nf < sizeof(sp.flags) - 1 && !strchr(sp.flags, *p))
				sp.flags[nf++] = *p;
			p++;
		}
		if (*p == '*') {
			sp.width = -2;
			sp.width_arg = long_arg(x, &a, fmt, "'*' width");
			p++;
		} else if (*p >= '0' && *p <= '9') {
			sp.width = number(&p);
		}
		if (*p == '.') {
			p++;
			if (*p == '*') {
				sp.prec = -2;
				sp.prec_arg = long_arg(x, &a, fmt, "'*' precision");
				p++;
			} else {
				sp.prec = number(&p);
			}
		}
		while (*p == 'l' || *p == 'h' || *p == 'z' || *p == 'L')
			p++;	/* size modifiers: every value is 64-bit anyway */
		sp.conv = *p;
		if (!sp.conv || !strchr("diuxXocspbmM", sp.conv)) {
			diag_error(x->s, &fmt->loc, "invalid or unsupported format conversion '%%%c'",
				   sp.conv ? sp.conv : ' ');
			return;
		}
		p++;
		if (!a) {
			diag_error(x->s, &fmt->loc, "not enough arguments for the format '%%%c'", sp.conv);
			return;
		}
		if ((sp.conv == 's') != (a->type == TYPE_STRING)) {
			diag_error(x->s, &a->loc, "format '%%%c' does not match a %s argument", sp.conv,
				   ast_type_str(a->type));
			return;
		}
		v = xl_expr(x, a);
		a = a->next;
		conversion(o, &sp, v);
	}
	if (a)
		diag_error(x->s, &a->loc, "too many arguments for the format");
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
			diag_error(x->s, &n->loc, "%s needs a literal format string", n->u.call.name);
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
