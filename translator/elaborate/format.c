/* Pass 2: the printf/sprintf format language, as systemtap accepts it. types.c checks
 * and infers the arguments from it; pass 3 may reuse the parse to emit the output;
 * the parser (pass 1) rejects a bad literal format of printf and sprintf, as 4.8 does.
 *
 *   %[flag][0...][width][.precision][length]conversion
 *   flag: at most one of - + space # (4.8 refuses "%-+d"); zeros before the width pad
 *   width, precision: digits or '*' (taken from a long argument before the value)
 *   length: l (any conversion but %%), ll or h (d i u x X o)
 *   conversions: d i u x X o c p b m M (a long), s (a string), %% (nothing)
 *
 * Every value is 64-bit: l and ll change nothing; h prints the value's low 16 bits
 * as a short or unsigned short, as C does. 4.8 accepts l only and refuses %llx and
 * %hd; we take them, as C programmers write them. The other length modifiers (%hhd,
 * %zd, %jd, %Ld) are refused, as 4.8 does. */
#include <string.h>

#include "elaborate/elaborate.h"

static int digits(const char *fmt, size_t *i)
{
	int v = 0;

	while (fmt[*i] >= '0' && fmt[*i] <= '9') {
		if (v < 1000000)
			v = v * 10 + (fmt[*i] - '0');
		(*i)++;
	}
	return v;
}

int elab_parse_format(const char *fmt, struct fmt_spec *out, int max)
{
	size_t i = 0, nf;
	int n = 0;

	while (fmt[i]) {
		struct fmt_spec sp = { .width = -1, .prec = -1 };

		if (fmt[i] != '%') {
			i++;
			continue;
		}
		sp.start = i++;
		nf = 0;
		if (fmt[i] && strchr("-+ #", fmt[i]))
			sp.flags[nf++] = fmt[i++];
		if (fmt[i] == '0') {
			sp.flags[nf++] = '0';
			while (fmt[i] == '0')
				i++;
		}
		if (fmt[i] && strchr("-+ #", fmt[i]))
			return FMT_EBAD;	/* a second flag */
		if (fmt[i] == '*') {
			sp.width = FMT_ARG;
			i++;
		} else if (fmt[i] >= '0' && fmt[i] <= '9') {
			sp.width = digits(fmt, &i);
		}
		if (fmt[i] == '.') {
			i++;
			if (fmt[i] == '*') {
				sp.prec = FMT_ARG;
				i++;
			} else {
				sp.prec = digits(fmt, &i);
			}
		}
		if (fmt[i] == 'l' && fmt[i + 1] == 'l') {
			sp.length = 'L';
			i += 2;
		} else if ((fmt[i] == 'l' && fmt[i + 1] != '%') || fmt[i] == 'h') {
			sp.length = fmt[i++];
		}
		if (!fmt[i])
			return i == sp.start + 1 ? FMT_EBAD : FMT_EINCOMPLETE;
		if (!strchr("diuxXocspbmM%", fmt[i]))
			return FMT_EBAD;
		if ((sp.length == 'L' || sp.length == 'h') && !strchr("diuxXo", fmt[i]))
			return FMT_EBAD;
		if (fmt[i] == '%' && i != sp.start + 1)
			return FMT_EBAD;	/* "%5%" */
		sp.conv = fmt[i++];
		sp.len = i - sp.start;
		if (n < max)
			out[n] = sp;
		n++;
	}
	return n;
}

int elab_format_n_args(const struct fmt_spec *sp)
{
	return (sp->width == FMT_ARG) + (sp->prec == FMT_ARG) + (sp->conv != '%');
}

const char *elab_format_error(int rc)
{
	return rc == FMT_EINCOMPLETE ? "trailing incomplete print format conversion" :
	       "invalid or missing conversion specifier";
}
