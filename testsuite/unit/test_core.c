/* Unit tests of the translator's core pieces: arena, interning, strbuf, SHA-256,
 * suggestions. Built with ASan/UBSan by run-unit-tests; prints TAP. */
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "diag.h"
#include "sha256.h"
#include "util.h"

#include "tap.h"

static void test_arena(void)
{
	struct arena a = { 0 };
	const char *x, *y, *z;
	char *big;
	int i, aligned = 1, zero = 1;

	x = strtab_intern(&a, "vfs_read");
	y = strtab_intern_n(&a, "vfs_read_iter", 8);
	z = strtab_intern(&a, "vfs_write");
	ok(x == y, "interned strings compare by pointer");
	ok(x != z && !strcmp(z, "vfs_write"), "different strings stay different");
	for (i = 0; i < 5000; i++) {
		char name[32];

		snprintf(name, sizeof(name), "sym%d", i);
		strtab_intern(&a, name);
	}
	ok(strtab_intern(&a, "sym4999") == strtab_intern(&a, "sym4999") &&
	   strtab_intern(&a, "vfs_read") == x, "interning survives table growth");
	for (i = 1; i < 300; i += 7) {
		unsigned char *p = arena_alloc(&a, (size_t)i);
		int j;

		if ((unsigned long)p % 16)
			aligned = 0;
		for (j = 0; j < i; j++)
			if (p[j])
				zero = 0;
	}
	ok(aligned, "arena allocations are 16-byte aligned");
	ok(zero, "arena allocations are zeroed");
	big = arena_alloc(&a, 1 << 20);
	memset(big, 'x', 1 << 20);
	ok(big[(1 << 20) - 1] == 'x', "arena serves allocations larger than a block");
	ok(!strcmp(arena_printf(&a, "%s:%d", "f.stp", 42), "f.stp:42"), "arena_printf");
	arena_destroy(&a);
}

static void test_strbuf(void)
{
	struct strbuf sb = { 0 };
	int i;

	for (i = 0; i < 1000; i++)
		sb_printf(&sb, "%d,", i);
	ok(sb.len == strlen(sb.buf) && !strncmp(sb.buf, "0,1,2,", 6) &&
	   !strcmp(sb.buf + sb.len - 4, "999,"), "strbuf grows and stays terminated");
	sb_free(&sb);
}

static void sha(const char *in, const char *want, const char *what)
{
	struct sha256 h;
	char hex[65];

	sha256_init(&h);
	sha256_update(&h, in, strlen(in));
	sha256_hex(&h, hex);
	ok(!strcmp(hex, want), what);
}

static void test_sha256(void)
{
	struct sha256 h;
	char hex[65];
	int i;

	sha("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	    "sha256 of the empty string");
	sha("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	    "sha256 of abc");
	sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
	    "sha256 of the two-block test vector");
	sha256_init(&h);
	for (i = 0; i < 1000000; i++)
		sha256_update(&h, "a", 1);
	sha256_hex(&h, hex);
	ok(!strcmp(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
	   "sha256 of a million a's, fed byte by byte");
}

static void test_suggest(void)
{
	const char *const cands[] = { "log", "println", "printf", "print", "exit", "pp" };
	char buf[256];

	diag_suggest("prinln", cands, 6, buf, sizeof(buf));
	ok(!strncmp(buf, "println", 7), "closest suggestion comes first");
	diag_suggest("zzzzzzzzzzzzzz", cands, 6, buf, sizeof(buf));
	ok(buf[0] == '\0', "nothing similar, no suggestion");
}

int main(void)
{
	test_arena();
	test_strbuf();
	test_sha256();
	test_suggest();
	return tap_done();
}
