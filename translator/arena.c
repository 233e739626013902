/* Run-lifetime memory: an arena that owns every AST node and interned string. */
#include "arena.h"
#include "util.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK (64 * 1024)

struct arena_block {
	struct arena_block *next;
	size_t used, cap;
	_Alignas(16) unsigned char data[];
};

void *arena_alloc(struct arena *a, size_t len)
{
	struct arena_block *b = a->head;
	void *p;

	len = (len + 15) & ~(size_t)15;
	if (!b || b->cap - b->used < len) {
		size_t cap = len > ARENA_BLOCK ? len : ARENA_BLOCK;

		b = xmalloc(sizeof(*b) + cap);
		b->cap = cap;
		b->used = 0;
		b->next = a->head;
		a->head = b;
	}
	p = b->data + b->used;
	b->used += len;
	a->used_total += len;
	memset(p, 0, len);
	return p;
}

char *arena_strndup(struct arena *a, const char *str, size_t len)
{
	char *p = arena_alloc(a, len + 1);

	memcpy(p, str, len);
	p[len] = '\0';
	return p;
}

char *arena_strdup(struct arena *a, const char *str)
{
	return arena_strndup(a, str, strlen(str));
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	struct strbuf sb = { 0 };
	va_list ap;
	char *p;

	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	p = arena_strndup(a, sb.buf ? sb.buf : "", sb.len);
	sb_free(&sb);
	return p;
}

static uint64_t hash_str(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL;

	while (len--) {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL;
	}
	return h;
}

static void strtab_grow(struct arena *a)
{
	size_t cap = a->cap_strs ? a->cap_strs * 2 : 1024, i;
	const char **strs = xcalloc(cap, sizeof(*strs));

	for (i = 0; i < a->cap_strs; i++) {
		const char *s = a->strs[i];
		size_t j;

		if (!s)
			continue;
		j = hash_str(s, strlen(s)) & (cap - 1);
		while (strs[j])
			j = (j + 1) & (cap - 1);
		strs[j] = s;
	}
	free(a->strs);
	a->strs = strs;
	a->cap_strs = cap;
}

const char *strtab_intern_n(struct arena *a, const char *str, size_t len)
{
	size_t j;

	if ((a->n_strs + 1) * 2 > a->cap_strs)
		strtab_grow(a);
	j = hash_str(str, len) & (a->cap_strs - 1);
	while (a->strs[j]) {
		const char *s = a->strs[j];

		if (!strncmp(s, str, len) && s[len] == '\0')
			return s;
		j = (j + 1) & (a->cap_strs - 1);
	}
	a->strs[j] = arena_strndup(a, str, len);
	a->n_strs++;
	return a->strs[j];
}

const char *strtab_intern(struct arena *a, const char *str)
{
	return strtab_intern_n(a, str, strlen(str));
}

void arena_destroy(struct arena *a)
{
	struct arena_block *b = a->head;

	while (b) {
		struct arena_block *next = b->next;

		free(b);
		b = next;
	}
	free(a->strs);
	memset(a, 0, sizeof(*a));
}
