/* Small userspace helpers: allocation that never returns NULL, growable strings, files. */
#ifndef STAP_UTIL_H
#define STAP_UTIL_H

#include <stdarg.h>
#include <stddef.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

void *xmalloc(size_t len);
void *xcalloc(size_t n, size_t len);
void *xrealloc(void *p, size_t len);
char *xstrdup(const char *str);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable, always NUL-terminated byte string. */
struct strbuf {
	char *buf;
	size_t len, cap;
};

void sb_add(struct strbuf *sb, const char *data, size_t len);
void sb_puts(struct strbuf *sb, const char *str);
void sb_putc(struct strbuf *sb, char c);
void sb_printf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
void sb_free(struct strbuf *sb);
/* append W as one word for a POSIX shell: in '...', each ' written as '\'' */
void sb_sh_quote(struct strbuf *sb, const char *w);

/* A growable list of borrowed strings. */
struct strlist {
	const char **v;
	size_t n, cap;
};

void strlist_add(struct strlist *l, const char *str);
void strlist_free(struct strlist *l);

/* Read a whole file; returns 0 or -errno. *out is NUL-terminated, caller frees. */
int read_file(const char *path, char **out, size_t *len);
/* Write a whole file atomically (mkstemp temporary + rename), mode 0644. 0 or -errno. */
int write_file(const char *path, const char *data, size_t len);
/* mkdir -p; 0 or -errno. */
int mkdir_p(const char *path, unsigned mode);
/* rm -rf; 0 or -errno. */
int remove_tree(const char *path);
/*
 * The run's temporary directory, removed when SIGINT, SIGTERM or SIGHUP ends stap
 * in passes 1-4 (Ctrl-C during a build); tmp_dir_signals() installs the handlers,
 * keep (-k) leaves the directory.  tmp_dir_guard() names the directory once made.
 */
void tmp_dir_signals(int keep);
void tmp_dir_guard(const char *path);
/* the command (make) stap waits for, or 0: the signal is passed on to it and it is
 * waited for before the directory goes */
void tmp_dir_child(int pid);
/* Copy a file; 0 or -errno. */
int copy_file(const char *from, const char *to, unsigned mode);
int file_exists(const char *path);
int is_dir(const char *path);

/* Milliseconds since an arbitrary start, monotonic. */
double now_ms(void);

#endif
