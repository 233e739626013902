/* Pass 3's output channel: indentation, C string escaping. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "translate/emit.h"

static void indent(struct emitter *e)
{
	int i;

	for (i = 0; i < e->indent; i++)
		sb_putc(&e->out, '\t');
}

/* an indented line: the formatted text, then end */
static void emit_v(struct emitter *e, const char *end, const char *fmt, va_list ap)
{
	indent(e);
	sb_vprintf(&e->out, fmt, ap);
	sb_puts(&e->out, end);
}

void emit_line(struct emitter *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit_v(e, "\n", fmt, ap);
	va_end(ap);
}

void emit_open(struct emitter *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit_v(e, " {\n", fmt, ap);
	va_end(ap);
	e->indent++;
}

void emit_close(struct emitter *e, const char *text)
{
	e->indent--;
	indent(e);
	sb_puts(&e->out, text);
	sb_putc(&e->out, '\n');
}

void emit_raw(struct emitter *e, const char *text)
{
	sb_puts(&e->out, text);
}

char *emit_cstr(const char *str)
{
	struct strbuf sb = { 0 };
	const unsigned char *p;

	sb_putc(&sb, '"');
	for (p = (const unsigned char *)str; *p; p++) {
		switch (*p) {
		case '"': sb_puts(&sb, "\\\""); break;
		case '\\': sb_puts(&sb, "\\\\"); break;
		case '\n': sb_puts(&sb, "\\n"); break;
		case '\t': sb_puts(&sb, "\\t"); break;
		case '?': sb_puts(&sb, "\\?"); break;	/* no trigraphs */
		default:
			if (*p < 32 || *p >= 127)
				sb_printf(&sb, "\\%03o", *p);
			else
				sb_putc(&sb, (char)*p);
		}
	}
	sb_putc(&sb, '"');
	return sb.buf;
}

char *emit_comment_text(const char *str)
{
	struct strbuf sb = { 0 };
	const unsigned char *p;

	sb_puts(&sb, "");
	for (p = (const unsigned char *)str; *p; p++) {
		/* "*" "/" would end the comment, "/" "*" draws -Wcomment */
		if ((p[0] == '*' && p[1] == '/') || (p[0] == '/' && p[1] == '*')) {
			sb_putc(&sb, (char)p[0]);
			sb_putc(&sb, '\\');
		} else if (*p < 32 || *p >= 127) {
			sb_putc(&sb, '?');
		} else {
			sb_putc(&sb, (char)*p);
		}
	}
	return sb.buf;
}
