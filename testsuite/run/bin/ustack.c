/* A known user call chain for the ubacktrace() tests (ubacktrace.suite):
 * main -> ua -> ub -> uc, each out of line and none a tail call, run N times
 * (argv[1], default 1). noipa keeps gcc from inlining or cloning them at any
 * optimization level (ustack-o0.c and ustack-o2.c build this file at -O0 and -O2). */
#include <stdlib.h>

volatile int sink;

__attribute__((noipa)) int uc(int x)
{
	sink = x;
	return x * 3;
}

__attribute__((noipa)) int ub(int x)
{
	return uc(x + 1) + 1;
}

__attribute__((noipa)) int ua(int x)
{
	return ub(x + 2) + 2;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1, i, s = 0;

	for (i = 0; i < n; i++)
		s += ua(i);
	return s == -1;
}
