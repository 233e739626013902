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
static inline unsigned long roundup_pow_of_two(unsigned long n)
{
	return n <= 1 ? 1 : 1UL << (64 - __builtin_clzl(n - 1));
}
#define ALIGN(x, a) (((x) + (a) - 1) & ~((__typeof__(x))(a) - 1))

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

/*
 * "Kernel" memory is this process's: a read of the NULL page faults, and so does one
 * outside [kshim_mapped_lo, kshim_mapped_hi) when a test sets that window (as the
 * kernel's would past the end of a mapping). Every read is counted.
 */
static const char *kshim_mapped_lo, *kshim_mapped_hi;
static unsigned long kshim_reads;

static inline long copy_from_kernel_nofault(void *dst, const void *src, size_t len)
{
	const char *p = src;

	kshim_reads++;
	if ((unsigned long)src < 4096)
		return -14;	/* -EFAULT */
	if (kshim_mapped_lo && (p < kshim_mapped_lo || p > kshim_mapped_hi ||
				len > (size_t)(kshim_mapped_hi - p)))
		return -14;
	memcpy(dst, src, len);
	return 0;
}

#endif
