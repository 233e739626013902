/* .callee(s) through a symbol alias (calias.so.c): main calls calias_open, an alias of
 * calias_impl, which calls calias_leaf; N calls (argv[1], default 2). */
#include <stdlib.h>

int calias_open(int x);

int main(int argc, char **argv)
{
	int i, n = argc > 1 ? atoi(argv[1]) : 2, t = 0;

	for (i = 0; i < n; i++)
		t += calias_open(i);
	return t > 0 ? 0 : 1;
}
