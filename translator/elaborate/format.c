/* Pass 2: the printf/sprintf format language, as systemtap accepts it. types.c checks
 * and infers the arguments from it; pass 3 may reuse the parse to emit the output.
 *
 *   %[flags][width][.precision]conversion     flags: - + space # 0
 *   width, precision: digits or '*' (taken from a long argument before the value)
 *   conversions: d i u x X o c p b m M (a long), s (a string), %% (nothing)
 *
 * Every value is 64-bit: one 'l' before the conversion (%ld, %lx, %ls) is accepted and
 * ignored, as systemtap 4.8 does; it rejects the other length modifiers (%lld, %hd, %zd)
 * and so do we. */
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
		for (nf = 0; fmt[i] && strchr("-+ #0", fmt[i]); i++)
			if (nf < sizeof(sp.flags) - 1 && !memchr(sp.flags, fmt[i], nf))
				sp.flags[nf++] = fmt[i];
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
		if (fmt[i] == 'l' && fmt[i + 1] != '%')
			i++;
		if (!fmt[i])
			return i == sp.start + 1 ? FMT_EBAD : FMT_EINCOMPLETE;
		if (!strchr("diuxXocspbmM%", fmt[i]))
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
