#ifndef KSHIM_STRING_H
#define KSHIM_STRING_H

#include <string.h>
#include <sys/types.h>

/* the kernel's strscpy: copies at most len - 1 bytes, always terminates */
static inline ssize_t strscpy(char *dst, const char *src, size_t len)
{
	size_t n;

	if (!len)
		return -7;	/* -E2BIG */
	n = strnlen(src, len);
	if (n == len) {
		memcpy(dst, src, len - 1);
		dst[len - 1] = '\0';
		return -7;
	}
	memcpy(dst, src, n + 1);
	return (ssize_t)n;
}

#endif
