/* readloop N: N one-byte read(2)s of /dev/zero, then "readloop NS" on stdout, the mean
 * nanoseconds per read. Linked statically so it can run inside the test guest. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long i, n = argc > 1 ? atol(argv[1]) : 0;
	int fd = open("/dev/zero", O_RDONLY);
	double start;
	char c;

	if (n <= 0 || fd < 0) {
		fputs("usage: readloop N (reads /dev/zero)\n", stderr);
		return 2;
	}
	start = now_ns();
	for (i = 0; i < n; i++)
		if (syscall(SYS_read, fd, &c, 1) != 1)
			return 1;
	printf("readloop %.0f\n", (now_ns() - start) / n);
	return 0;
}
