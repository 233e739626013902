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
