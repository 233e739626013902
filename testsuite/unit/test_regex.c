/* Unit tests of regular expressions: the translator's compiler (elaborate/regex.c) and
 * the runtime's Pike VM (runtime/regex.h, built here in userspace), checked against
 * fixed cases and, for the overall match, against glibc's regexec() on random patterns
 * and strings. Prints TAP. */
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elaborate/regex.c"
#include "../runtime/regex_types.h"
#include "../runtime/regex.h"

#include "tap.h"

/* compile and run; returns 1 match, 0 none, -1 compile error; caps filled on a match */
static int run(struct arena *a, const char *pat, const char *s, int *caps, int *ngroups)
{
	static struct _stp_re_inst insts[RE_MAX_INSTS];
	struct re_prog prog;
	struct _stp_regex re;
	const char *err;
	void *scratch;
	int i, rc;

	if (re_compile(a, pat, &prog, &err))
		return -1;
	for (i = 0; i < prog.n_insts; i++)
		insts[i] = (struct _stp_re_inst){ (unsigned char)prog.insts[i].op,
						  (unsigned char)prog.insts[i].arg,
						  (unsigned short)prog.insts[i].x,
						  (unsigned short)prog.insts[i].y };
	re = (struct _stp_regex){ insts, (const unsigned char(*)[32])prog.classes,
				  (unsigned short)prog.n_insts, (unsigned char)prog.n_groups };
	scratch = malloc(STP_REGEX_SCRATCH(prog.n_insts, prog.n_groups));
	rc = _stp_regex_run(&re, s, (int)strlen(s), caps, scratch);
	free(scratch);
	*ngroups = prog.n_groups + 1;
	return rc;
}

/* "pattern", "subject", then "" for no match, or "whole|group1|group2..." */
static void check(struct arena *a, const char *pat, const char *s, const char *want)
{
	int caps[2 * (RE_MAX_GROUPS + 1)], ng, rc, i;
	char got[512] = "", what[256];

	rc = run(a, pat, s, caps, &ng);
	if (rc < 0)
		strcpy(got, "<error>");
	for (i = 0; rc > 0 && i < ng; i++) {
		size_t n = strlen(got);

		snprintf(got + n, sizeof(got) - n, "%s%.*s", i ? "|" : "",
			 caps[2 * i] < 0 ? 0 : caps[2 * i + 1] - caps[2 * i],
			 caps[2 * i] < 0 ? "" : s + caps[2 * i]);
	}
	snprintf(what, sizeof(what), "'%s' =~ '%s' gives '%s'%s%s", s, pat, want,
		 strcmp(got, want) ? ", got " : "", strcmp(got, want) ? got : "");
	ok(!strcmp(got, want), what);
}

static void test_cases(void)
{
	struct arena a = { 0 };

	check(&a, "str(ing)", "an example string", "string|ing");
	check(&a, "^abc$", "abc", "abc");
	check(&a, "^abc$", "abcd", "");
	check(&a, "b+", "abbbc", "bbb");
	check(&a, "a|ab|abc", "xabcd", "abc");		/* leftmost-longest */
	check(&a, "(a|ab)(c|bcd)", "abcd", "abcd|a|bcd");
	check(&a, "[[:digit:]]+", "pid 1234!", "1234");
	check(&a, "[^a-z ]+", "abc DEF ghi", "DEF");
	check(&a, "[]x]+", "a]x]b", "]x]");
	check(&a, "x{2,3}", "xxxxx", "xxx");
	check(&a, "x{2}", "x", "");
	check(&a, "x{2,}", "axxxxb", "xxxx");
	check(&a, "(a)|(b)", "b", "b||b");
	check(&a, "$", "abc", "");
	check(&a, "()", "abc", "|");
	check(&a, "a**", "aaa", "aaa");
	check(&a, "(a*)*", "aab", "aa|aa");
	check(&a, "\\.", "a.b", ".");
	check(&a, "a)", "(a)", "a)");
	check(&a, "(", "x", "<error>");
	check(&a, "[z-a]", "x", "<error>");
	check(&a, "(a{255}){255}", "x", "<error>");
	arena_destroy(&a);
}

/* random patterns over a small alphabet: the overall match (leftmost, then longest)
 * equals glibc's */
static void random_pattern(char *out, int depth)
{
	static const char *const atoms[] = { "a", "b", ".", "[ab]", "[^a]", "c", "^", "$" };
	int n = 1 + rand() % 3, i;

	for (i = 0; i < n; i++) {
		if (depth < 2 && rand() % 4 == 0) {
			strcat(out, "(");
			random_pattern(out, depth + 1);
			if (rand() % 2) {
				strcat(out, "|");
				random_pattern(out, depth + 1);
			}
			strcat(out, ")");
		} else {
			/* anchors only outside groups and unrepeated: inside, glibc's
			 * answers differ from POSIX's (e.g. "(^.)+" on "ab") */
			int k = rand() % (depth ? 6 : 8);

			strcat(out, atoms[k]);
			if (k >= 6)
				continue;
		}
		switch (rand() % 6) {
		case 0: strcat(out, "*"); break;
		case 1: strcat(out, "+"); break;
		case 2: strcat(out, "?"); break;
		case 3: strcat(out, "{1,2}"); break;
		default: break;
		}
	}
}

static void test_random(void)
{
	struct arena a = { 0 };
	int i, bad = 0, caps[2 * (RE_MAX_GROUPS + 1)], ng;
	char first_bad[256] = "";

	srand(1);
	for (i = 0; i < 20000; i++) {
		char pat[512] = "", s[16];
		regex_t rx;
		regmatch_t m;
		int len = rand() % 8, j, rc, want;

		random_pattern(pat, 0);
		for (j = 0; j < len; j++)
			s[j] = "abc"[rand() % 3];
		s[len] = '\0';
		if (regcomp(&rx, pat, REG_EXTENDED))
			continue;
		want = regexec(&rx, s, 1, &m, 0) == 0;
		regfree(&rx);
		rc = run(&a, pat, s, caps, &ng);
		if (rc != want || (want && (caps[0] != m.rm_so || caps[1] != m.rm_eo))) {
			if (bad++ < 8)
				printf("# %s\n", pat);
			if (bad == 1)
				snprintf(first_bad, sizeof(first_bad), "'%s' =~ '%s': %d [%d,%d) vs glibc %d [%d,%d)",
					 s, pat, rc, caps[0], caps[1], want, (int)m.rm_so, (int)m.rm_eo);
		}
	}
	if (bad)
		printf("# %d differ, first: %s\n", bad, first_bad);
	ok(bad == 0, "20000 random patterns: the overall match is glibc's");
	arena_destroy(&a);
}

int main(void)
{
	test_cases();
	test_random();
	return tap_done();
}
