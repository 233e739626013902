#ifndef KSHIM_KERNEL_H
#define KSHIM_KERNEL_H

#include "linux/types.h"
#include "linux/compiler.h"

#include <errno.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define container_of(p, type, member) ((type *)((char *)(p) - offsetof(type, member)))
#define min(a, b) ((a) < (b) ? (a) : (b))
#define max(a, b) ((a) > (b) ? (a) : (b))
#define min_t(t, a, b) ((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b) ((t)(a) > (t)(b) ? (t)(a) : (t)(b))

static inline u64 div64_u64(u64 a, u64 b) { return a / b; }
static inline u64 div_u64(u64 a, u32 b) { return a / b; }
static inline s64 div64_s64(s64 a, s64 b) { return a / b; }
static inline int ilog2(u64 v) { return 63 - __builtin_clzll(v); }

/* one possible CPU */
#define nr_cpu_ids 1u
#define smp_processor_id() 0
#define for_each_possible_cpu(cpu) for ((cpu) = 0; (cpu) < 1; (cpu)++)

static inline size_t array_size(size_t n, size_t len)
{
	return n && len > SIZE_MAX / n ? SIZE_MAX : n * len;
}
static inline void *vzalloc(size_t len) { return len == SIZE_MAX ? NULL : calloc(1, len); }
static inline void vfree(const void *p) { free((void *)p); }

/* "kernel" memory is this process's: a read of a NULL page faults */
static inline long copy_from_kernel_nofault(void *dst, const void *src, size_t len)
{
	if ((unsigned long)src < 4096)
		return -14;	/* -EFAULT */
	memcpy(dst, src, len);
	return 0;
}

#endif
