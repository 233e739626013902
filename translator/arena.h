/* Run-lifetime memory: an arena that owns every AST node and interned string. */
#ifndef STAP_ARENA_H
#define STAP_ARENA_H

#include <stddef.h>

struct arena_block;

struct arena {
	struct arena_block *head;
	size_t used_total;
	/* interning table: open addressing, pointers into the arena */
	const char **strs;
	size_t n_strs, cap_strs;
};

void *arena_alloc(struct arena *a, size_t len);	/* zeroed, 16-byte aligned */
char *arena_strndup(struct arena *a, const char *str, size_t len);
char *arena_strdup(struct arena *a, const char *str);
char *arena_printf(struct arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Interned strings compare equal by pointer. */
const char *strtab_intern(struct arena *a, const char *str);
const char *strtab_intern_n(struct arena *a, const char *str, size_t len);
void arena_destroy(struct arena *a);

#endif
