/* hitloop sys|call N: N getppid(2) system calls, or N calls of the function hit(),
 * then "hitloop NS" on stdout, the mean nanoseconds per iteration; what a probe on
 * syscalls:sys_enter_getppid or on hit() adds to that is the probe's cost per hit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

__attribute__((noinline)) long hit(long i)
{
	__asm__ __volatile__("" ::: "memory");
	return i + 1;
}

int main(int argc, char **argv)
{
	long i, n = argc > 2 ? atol(argv[2]) : 0, sum = 0;
	int sys = argc > 1 && !strcmp(argv[1], "sys");
	double start;

	if (n <= 0 || argc < 3 || (!sys && strcmp(argv[1], "call"))) {
		fputs("usage: hitloop sys|call N\n", stderr);
		return 2;
	}
	start = now_ns();
	for (i = 0; i < n; i++)
		sum += sys ? syscall(SYS_getppid) : hit(i);
	printf("hitloop %.1f\n", (now_ns() - start) / (double)n);
	return sum == 0;
}
