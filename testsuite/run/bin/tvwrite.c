/* For the guest test of guru-mode target-variable writes (testsuite/run/kprobes.suite):
 * writes "hello, world\n" to a file, then reads it back with one read() of 77 bytes,
 * which the test script shortens and moves on in the kernel, and prints what it got. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	static const char text[] = "hello, world\n";
	char buf[80] = { 0 };
	long n;
	int fd = open("/tmp/stp-tvwrite", O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || write(fd, text, sizeof(text) - 1) != (ssize_t)sizeof(text) - 1)
		return 1;
	close(fd);
	fd = open("/tmp/stp-tvwrite", O_RDONLY);
	if (fd < 0)
		return 1;
	n = syscall(SYS_read, fd, buf, 77);
	printf("read %ld: %s\n", n, n > 0 ? buf : "");
	close(fd);
	unlink("/tmp/stp-tvwrite");
	return 0;
}
