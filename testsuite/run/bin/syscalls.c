/* Known system calls with known arguments, for the syscall tapset's guest test
 * (testsuite/run/syscall.suite). Every call goes through syscall(2) so that the C
 * library picks no other call; buffers and paths live in a page mapped at a fixed
 * address so that pointers print the same on every run. close(-100) and close(-101)
 * mark the start and the end of the calls the test script reports. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PAGE ((char *)0x200000000UL)

int main(void)
{
	char *path = PAGE, *dir = PAGE + 64, *text = PAGE + 128, *buf = PAGE + 256;
	int *fds = (int *)(PAGE + 1024);

	if (syscall(SYS_mmap, PAGE, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != (long)PAGE)
		return 1;
	strcpy(path, "/tmp/stp-syscalls");
	strcpy(dir, "/tmp/stp-syscalls.d");
	strcpy(text, "hello\n");
	syscall(SYS_close, -100);

	syscall(SYS_openat, AT_FDCWD, "/nonexistent", O_RDONLY);
	syscall(SYS_open, path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	syscall(SYS_write, 3, text, 6);
	syscall(SYS_close, 3);
	syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	syscall(SYS_read, 3, buf, 100);
	syscall(SYS_read, 3, buf, 100);
	syscall(SYS_lseek, 3, 2, SEEK_SET);
	syscall(SYS_pread64, 3, buf, 4, 1);
	syscall(SYS_dup, 3);
	syscall(SYS_dup2, 4, 10);
	syscall(SYS_close, 10);
	syscall(SYS_close, 10);
	syscall(SYS_pipe2, fds, O_CLOEXEC);
	syscall(SYS_mkdir, dir, 0755);
	syscall(SYS_mkdir, dir, 0755);
	syscall(SYS_rmdir, dir);
	syscall(SYS_unlink, path);
	syscall(SYS_unlink, path);
	syscall(SYS_getuid);
	syscall(SYS_munmap, PAGE + 8192, 4096);
	syscall(SYS_kill, 0x7fffffff, 0);

	syscall(SYS_close, -101);
	return 0;
}
