/* firstline CMD [ARGS...]: run CMD, print on stderr the milliseconds from just before
 * starting it until the first full line of its stdout, drain the rest, exit with its
 * status. Linked statically so it can run inside the test guest. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	int fds[2], status, seen = 0;
	double start;
	char buf[4096];
	ssize_t n;
	pid_t pid;

	if (argc < 2) {
		fputs("usage: firstline CMD [ARGS...]\n", stderr);
		return 2;
	}
	if (pipe(fds))
		return 2;
	start = now_ms();
	pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execvp(argv[1], argv + 1);
		_exit(127);
	}
	close(fds[1]);
	while ((n = read(fds[0], buf, sizeof(buf))) > 0) {
		ssize_t i;

		for (i = 0; i < n && !seen; i++) {
			if (buf[i] == '\n') {
				fprintf(stderr, "firstline %.1f ms\n", now_ms() - start);
				seen = 1;
			}
		}
	}
	if (waitpid(pid, &status, 0) < 0)
		return 2;
	if (!seen)
		fputs("firstline: no line\n", stderr);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
