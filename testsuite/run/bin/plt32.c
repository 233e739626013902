/* An i386 program for .plt probes (built -m32 as @BIN@-m32): two calls through the PLT
 * per argument, and puts once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		char *p = malloc(strlen(argv[i]) + 1);

		strcpy(p, argv[i]);
		free(p);
	}
	puts("done");
	return 0;
}
