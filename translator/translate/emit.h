/* Pass 3's output channel: indentation, C string escaping, temporaries. */
#ifndef STAP_EMIT_H
#define STAP_EMIT_H

#include <stdio.h>

#include "util.h"

struct emitter {
	struct strbuf out;
	int indent;
};

void emit_line(struct emitter *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void emit_open(struct emitter *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void emit_close(struct emitter *e, const char *text);
void emit_raw(struct emitter *e, const char *text);
/* A C string literal for str, escaped; returned in a malloc'd buffer. */
/* STR made safe inside a C comment: no comment end, only printable ASCII; freed by
 * the caller. User text (file names, probe points) reaches comments only through this. */
char *emit_comment_text(const char *str);
char *emit_cstr(const char *str);

#endif
