/* A program calling into a shared library (ulib.so.c; the runner links it at
 * @BIN@-lib.so, and @BIN@-dyn is this program linked to it and to libc) and into
 * libc: ulib_clamp(ulib_scale(i, 10), 25) for i = 1..N (argv[1], default 3), the
 * global ulib_round set to i, then getppid() once. */
#include <stdlib.h>
#include <unistd.h>

int ulib_scale(int v, int k);
int ulib_clamp(int v, int hi);

int ulib_round;		/* the round of the loop below */

int main(int argc, char **argv)
{
	int i, n = argc > 1 ? atoi(argv[1]) : 3, s = 0;

	for (i = 1; i <= n; i++) {
		ulib_round = i;
		s += ulib_clamp(ulib_scale(i, 10), 25);
	}
	return getppid() > 0 && s > 0 ? 0 : 1;
}
