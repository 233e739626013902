/* 64 system calls (80 calls) with known arguments, for the syscall tapset's guest test
 * (testsuite/run/syscall.suite): files, directories, memory maps, pipes, sockets,
 * signals, timers, processes, failing calls. Every call goes through syscall(2) so
 * that the C library picks no other call; buffers and paths live in a page mapped at
 * a fixed address so that pointers print the same on every run. close(-100) and
 * close(-101) mark the start and the end of the calls the test script reports. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <time.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PAGE ((char *)0x200000000UL)

int main(void)
{
	char *path = PAGE, *dir = PAGE + 64, *text = PAGE + 128, *buf = PAGE + 256;
	int *fds = (int *)(PAGE + 1024);
	struct timespec *ts = (struct timespec *)(PAGE + 1100);
	struct sockaddr_un *un = (struct sockaddr_un *)(PAGE + 1200);
	struct sockaddr_in *in = (struct sockaddr_in *)(PAGE + 1400);
	char *path2 = PAGE + 1500, *argv0 = PAGE + 1600, *arg1 = PAGE + 1632;
	char **argv = (char **)(PAGE + 1700), **envp = (char **)(PAGE + 1800);
	long s1, s2;

	if (syscall(SYS_mmap, PAGE, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != (long)PAGE)
		return 1;
	strcpy(path, "/tmp/stp-syscalls");
	strcpy(dir, "/tmp/stp-syscalls.d");
	strcpy(text, "hello\n");
	strcpy(path2, "/tmp/stp-syscalls.2");
	strcpy(argv0, "/nonexistent-prog");
	strcpy(arg1, "-x");
	argv[0] = argv0;
	argv[1] = arg1;
	argv[2] = NULL;
	envp[0] = arg1;
	envp[1] = arg1;
	envp[2] = NULL;
	ts->tv_sec = 0;
	ts->tv_nsec = 1000;
	un->sun_family = AF_UNIX;
	strcpy(un->sun_path, "/tmp/stp-sock");
	in->sin_family = AF_INET;
	in->sin_port = htons(9);
	in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
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

	syscall(SYS_open, path, O_RDWR | O_CREAT | O_EXCL | O_APPEND, 0600);
	syscall(SYS_fstat, 3, buf);
	syscall(SYS_stat, path, buf);
	syscall(SYS_lstat, "/nonexistent", buf);
	syscall(SYS_newfstatat, AT_FDCWD, path, buf, AT_SYMLINK_NOFOLLOW);
	syscall(SYS_access, path, R_OK | W_OK);
	syscall(SYS_faccessat, AT_FDCWD, "/nonexistent", F_OK, 0);
	syscall(SYS_fcntl, 3, F_GETFD, 0);
	syscall(SYS_fcntl, 3, F_SETFL, O_NONBLOCK);
	syscall(SYS_dup3, 3, 12, O_CLOEXEC);
	syscall(SYS_rename, path, path2);
	syscall(SYS_renameat, AT_FDCWD, path2, AT_FDCWD, path);
	syscall(SYS_unlinkat, AT_FDCWD, path, 0);
	syscall(SYS_mkdirat, AT_FDCWD, dir, 0700);
	syscall(SYS_unlinkat, AT_FDCWD, dir, AT_REMOVEDIR);
	syscall(SYS_mprotect, PAGE, 4096, PROT_READ | PROT_WRITE | PROT_EXEC);
	syscall(SYS_mmap, PAGE + 65536, 8192, PROT_READ, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED,
		-1, 0);
	syscall(SYS_munmap, PAGE + 65536, 8192);
	syscall(SYS_nanosleep, ts, NULL);
	syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, ts, NULL);
	syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, NULL, 8);
	syscall(SYS_rt_sigaction, SIGUSR1, NULL, NULL, 8);
	syscall(SYS_wait4, -1, NULL, WNOHANG, NULL);
	s1 = syscall(SYS_socket, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	syscall(SYS_bind, s1, un, sizeof(*un));
	s2 = syscall(SYS_socket, AF_INET, SOCK_STREAM, IPPROTO_TCP);
	syscall(SYS_connect, s2, in, sizeof(*in));
	syscall(SYS_sendto, s1, text, 6, MSG_DONTWAIT, un, sizeof(*un));
	syscall(SYS_recvfrom, s1, buf, 100, MSG_DONTWAIT, NULL, NULL);
	syscall(SYS_ioctl, 3, 0x5401, buf);
	syscall(SYS_listen, s2, 5);
	syscall(SYS_accept, s1, NULL, NULL);
	syscall(SYS_accept4, s1, NULL, NULL, SOCK_CLOEXEC);
	syscall(SYS_pwrite64, 7, text, 6, 0);
	syscall(SYS_ftruncate, 7, 2);
	syscall(SYS_fsync, 7);
	syscall(SYS_fdatasync, 7);
	syscall(SYS_fchmod, 7, 0640);
	syscall(SYS_chmod, path, 0600);
	syscall(SYS_truncate, path, 0);
	syscall(SYS_symlink, path, path2);
	syscall(SYS_readlink, path2, buf, 100);
	syscall(SYS_link, path2, path2);
	syscall(SYS_unlink, path2);
	syscall(SYS_umask, 027);
	syscall(SYS_umask, 022);
	syscall(SYS_chdir, "/tmp");
	syscall(SYS_getcwd, buf, 100);
	syscall(SYS_fchdir, -1);
	syscall(SYS_alarm, 0);
	syscall(SYS_sched_yield);
	syscall(SYS_geteuid);
	syscall(SYS_getgid);
	syscall(SYS_tgkill, 0x7fffffff, 0x7fffffff, 0);
	syscall(SYS_unlink, "/tmp/stp-sock");
	syscall(SYS_execve, argv0, argv, envp);

	syscall(SYS_close, -101);
	return 0;
}
