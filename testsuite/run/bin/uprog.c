/* A program for the process probe tests (testsuite/run/uprobes.suite): functions
 * with parameters and a struct, a return value, and SDT markers written by hand
 * (the .note.stapsdt layout of <sys/sdt.h>), one with a semaphore. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct point {
	int x, y;
	const char *label;
};

/* the semaphore of marker uprog:counted: set by the kernel while a probe is on it */
unsigned short uprog_counted_semaphore __attribute__((section(".probes"), used));

/* one SDT marker: a nop at the probe address and its note; args as "N@OPERAND" */
#define MARK(provider, name, sema, argfmt, ...)                                   \
	__asm__ __volatile__(                                                     \
		"990: nop\n"                                                      \
		".pushsection .note.stapsdt,\"?\",\"note\"\n"                     \
		".balign 4\n"                                                     \
		".4byte 992f-991f, 994f-993f, 3\n"                                \
		"991: .asciz \"stapsdt\"\n"                                       \
		"992: .balign 4\n"                                                \
		"993: .8byte 990b\n"                                              \
		".8byte _.stapsdt.base\n"                                         \
		".8byte " sema "\n"                                               \
		".asciz \"" provider "\"\n"                                       \
		".asciz \"" name "\"\n"                                           \
		".asciz \"" argfmt "\"\n"                                         \
		"994: .balign 4\n"                                                \
		".popsection\n"                                                   \
		".ifndef _.stapsdt.base\n"                                        \
		".pushsection .stapsdt.base,\"aG\",\"progbits\",.stapsdt.base,comdat\n" \
		".weak _.stapsdt.base\n"                                          \
		".hidden _.stapsdt.base\n"                                        \
		"_.stapsdt.base: .space 1\n"                                      \
		".size _.stapsdt.base, 1\n"                                       \
		".popsection\n"                                                   \
		".endif\n"                                                        \
		: : __VA_ARGS__)

__attribute__((noinline)) int add(int a, int b)
{
	__asm__ __volatile__("" ::: "memory");
	return a + b;
}

__attribute__((noinline)) long area(struct point *p, long scale)
{
	__asm__ __volatile__("" ::: "memory");
	return (long)p->x * p->y * scale;
}

__attribute__((noinline)) void greet(const char *who)
{
	__asm__ __volatile__("" ::: "memory");
	(void)who;
}

/* the sum 0 + 1 + ... + n, by recursion (the asm keeps it one: no loop or accumulator) */
__attribute__((noinline)) long sum_to(long n)
{
	long r = n > 0 ? sum_to(n - 1) : 0;

	__asm__ __volatile__("" : "+r"(r) : : "memory");
	return r + n;
}

static void *thread_main(void *arg)
{
	(void)arg;
	add(100, 1);
	return NULL;
}

/* uprog [N [tfwr]]: N rounds (N < 0: forever) of add(i, 40), area(&pt, i + 1), greet("world"),
 * markers uprog:tick(i, total) and, while probed, uprog:counted(7, -i); then 't': a thread
 * running add(100, 1), 'f': a child running add(200, 2), 'w': write(1000, "abc", 3) (EBADF),
 * 'r': sum_to(2), calling itself down to sum_to(0) */
int main(int argc, char **argv)
{
	struct point pt = { 3, 4, "corner" };
	long n = argc > 1 ? atol(argv[1]) : 1, i;
	long total = 0;

	for (i = 0; n < 0 || i < n; i++) {
		total += add((int)i, 40);
		total += area(&pt, i + 1);
		greet("world");
		MARK("uprog", "tick", "0", "-8@%0 8@%1", "r"(i), "r"(total));
		if (uprog_counted_semaphore)
			MARK("uprog", "counted", "uprog_counted_semaphore", "4@$7 -4@%0",
			     "r"((int)-i));
	}
	if (argc > 2 && strchr(argv[2], 't')) {
		pthread_t t;

		if (pthread_create(&t, NULL, thread_main, NULL) || pthread_join(t, NULL))
			return 2;
	}
	if (argc > 2 && strchr(argv[2], 'f')) {
		pid_t child = fork();

		if (child == 0)
			_exit(add(200, 2) != 202);
		if (child < 0 || waitpid(child, NULL, 0) != child)
			return 2;
	}
	if (argc > 2 && strchr(argv[2], 'w') && write(1000, "abc", 3) != -1)
		return 2;
	if (argc > 2 && strchr(argv[2], 'r') && sum_to(2) != 3)
		return 2;
	/* silent: its output would interleave with the probes' */
	return total < 0;
}
