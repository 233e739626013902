/* Small userspace helpers: allocation that never returns NULL, growable strings, files. */
#include "util.h"
#include "fsafe.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void oom(void)
{
	fputs("stap: out of memory\n", stderr);
	abort();
}

void *xmalloc(size_t len)
{
	void *p = malloc(len ? len : 1);

	if (!p)
		oom();
	return p;
}

void *xcalloc(size_t n, size_t len)
{
	void *p = calloc(n ? n : 1, len ? len : 1);

	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t len)
{
	p = realloc(p, len ? len : 1);
	if (!p)
		oom();
	return p;
}

char *xstrdup(const char *str)
{
	size_t len = strlen(str) + 1;

	return memcpy(xmalloc(len), str, len);
}

char *xasprintf(const char *fmt, ...)
{
	struct strbuf sb = { 0 };
	va_list ap;

	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	return sb.buf;
}

static void sb_grow(struct strbuf *sb, size_t extra)
{
	size_t need = sb->len + extra + 1;

	if (need <= sb->cap)
		return;
	sb->cap = sb->cap ? sb->cap : 64;
	while (sb->cap < need)
		sb->cap *= 2;
	sb->buf = xrealloc(sb->buf, sb->cap);
}

void sb_add(struct strbuf *sb, const char *data, size_t len)
{
	sb_grow(sb, len);
	if (len)	/* an empty array may be NULL (an object without functions) */
		memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void sb_puts(struct strbuf *sb, const char *str)
{
	sb_add(sb, str, strlen(str));
}

void sb_putc(struct strbuf *sb, char c)
{
	sb_add(sb, &c, 1);
}

void sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		return;
	sb_grow(sb, (size_t)n);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
}

void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sb_vprintf(sb, fmt, ap);
	va_end(ap);
}

void sb_free(struct strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}

void strlist_add(struct strlist *l, const char *str)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = str;
}

void strlist_free(struct strlist *l)
{
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

int read_file(const char *path, char **out, size_t *lenp)
{
	struct strbuf sb = { 0 };
	char chunk[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	sb_grow(&sb, 0);
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			int err = errno;

			if (err == EINTR)
				continue;
			close(fd);
			sb_free(&sb);
			return -err;
		}
		sb_add(&sb, chunk, (size_t)n);
	}
	close(fd);
	*out = sb.buf;
	if (lenp)
		*lenp = sb.len;
	return 0;
}

int write_file(const char *path, const char *data, size_t len)
{
	return fs_write_atomic(path, data, len, 0644);
}

int mkdir_p(const char *path, unsigned mode)
{
	char *p = xstrdup(path), *q;
	int rc = 0;

	for (q = p + 1; ; q++) {
		char c = *q;

		if (c != '/' && c != '\0')
			continue;
		*q = '\0';
		if (mkdir(p, mode) && errno != EEXIST) {
			rc = -errno;
			break;
		}
		*q = c;
		if (!c)
			break;
	}
	free(p);
	if (!rc && !is_dir(path))
		rc = -ENOTDIR;
	return rc;
}

int remove_tree(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	int rc = 0;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlink(path) ? -errno : 0;
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char *sub;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		sub = xasprintf("%s/%s", path, de->d_name);
		if (remove_tree(sub))
			rc = -EIO;
		free(sub);
	}
	closedir(d);
	if (rmdir(path))
		rc = -errno;
	return rc;
}

int copy_file(const char *from, const char *to, unsigned mode)
{
	char *data;
	size_t len;
	int rc = read_file(from, &data, &len);

	if (rc)
		return rc;
	rc = fs_write_atomic(to, data, len, mode);
	free(data);
	return rc;
}

int file_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

int is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static char guard_dir[PATH_MAX];
static volatile sig_atomic_t guard_set, guard_keep, guard_child;

/* async-signal-safe: kill, fork, execve, waitpid, access, nanosleep, signal and
 * raise only */
static void on_fatal_signal(int sig)
{
	static char rm[] = "rm", rf[] = "-rf", dashes[] = "--";
	char *argv[] = { rm, rf, dashes, guard_dir, NULL };
	char *envp[] = { NULL };

	if (guard_child > 0) {
		/* the whole group: make's compilers would go on writing into the
		 * directory while it is removed */
		kill(-guard_child, sig);
		kill(guard_child, sig);
		while (waitpid(guard_child, NULL, 0) < 0 && errno == EINTR)
			;
	}
	/* a compiler still dying may create a file behind rm: try again a few times */
	for (int i = 0; i < 20 && guard_set && !guard_keep && access(guard_dir, F_OK) == 0; i++) {
		struct timespec pause = { 0, 100 * 1000 * 1000 };
		pid_t pid;

		if (i)
			nanosleep(&pause, NULL);
		pid = fork();
		if (pid == 0) {
			execve("/bin/rm", argv, envp);
			_exit(127);
		}
		if (pid > 0)
			while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
				;
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

void tmp_dir_signals(int keep)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa = { .sa_handler = on_fatal_signal };
	size_t i;

	guard_keep = keep;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction old;

		/* a signal ignored when stap started stays ignored (nohup, &) */
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		sigaddset(&sa.sa_mask, sigs[i]);
	}
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigismember(&sa.sa_mask, sigs[i]))
			sigaction(sigs[i], &sa, NULL);
}

void tmp_dir_guard(const char *path)
{
	size_t len = strlen(path);

	if (len >= sizeof(guard_dir) || path[0] != '/')
		return;
	guard_set = 0;
	memcpy(guard_dir, path, len + 1);
	guard_set = 1;
}

void tmp_dir_child(int pid)
{
	guard_child = pid;
}

void sb_sh_quote(struct strbuf *sb, const char *w)
{
	sb_putc(sb, '\'');
	for (; *w; w++) {
		if (*w == '\'')
			sb_puts(sb, "'\\''");
		else
			sb_putc(sb, *w);
	}
	sb_putc(sb, '\'');
}
