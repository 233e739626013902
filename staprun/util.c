/* staprun helpers: allocation that cannot fail, messages, full writes. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "staprun.h"

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		abort();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		abort();
	return p;
}

char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xmalloc(n), s, n);
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* "<label><msg>\n" on stderr */
static void say(const char *label, const char *fmt, va_list ap)
{
	fputs(label, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

/* "ERROR: <msg>\n" on stderr, the form the module's errors take too. */
void sr_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say("ERROR: ", fmt, ap);
	va_end(ap);
}

/* With -v: "staprun: <msg>\n" on stderr. */
void sr_dbg(const struct staprun *sr, const char *fmt, ...)
{
	va_list ap;

	if (!sr->verbose)
		return;
	va_start(ap, fmt);
	say("staprun: ", fmt, ap);
	va_end(ap);
}

/* Write all of buf, retrying on EINTR; 0 or -errno. */
int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * The module's warnings and errors (STP_MSG_OOB) as they may reach a terminal:
 * every control character but newline and tab, DEL and the C1 controls (UTF-8
 * C2 80..C2 9F) become octal escapes ("\033"), so a script's error("...")
 * text cannot move the cursor, retitle the window or answer back through the
 * terminal.  `out` holds 4 * len bytes; returns the bytes written.  The
 * script's own output (print, printf) is data and is not filtered.
 */
size_t filter_controls(const unsigned char *in, size_t len, char *out)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		unsigned char ch = in[i];
		bool c1 = ch == 0xc2 && i + 1 < len && in[i + 1] >= 0x80 && in[i + 1] <= 0x9f;

		if ((ch < 0x20 && ch != '\n' && ch != '\t') || ch == 0x7f || c1) {
			if (c1)
				ch = in[++i];
			n += (size_t)sprintf(out + n, "\\%03o", ch);
			continue;
		}
		out[n++] = (char)ch;
	}
	return n;
}
