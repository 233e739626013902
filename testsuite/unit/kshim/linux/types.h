/* Userspace stand-in for the kernel headers runtime/stap.h includes: just enough of the
 * kernel's types, helpers and per-CPU model for the runtime's plain-C parts (statistics,
 * histograms, maps, formatting) to be compiled and tested under ASan/UBSan. One CPU. */
#ifndef KSHIM_TYPES_H
#define KSHIM_TYPES_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;
typedef struct { int counter; } atomic_t;

#endif
