#ifndef KSHIM_SLAB_H
#define KSHIM_SLAB_H

#include "linux/types.h"

#define GFP_KERNEL 0

static inline void *kcalloc(size_t n, size_t len, int gfp)
{
	(void)gfp;
	return calloc(n, len);
}
static inline void kfree(const void *p) { free((void *)p); }

#endif
