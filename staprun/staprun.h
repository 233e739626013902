/*
 * staprun: load a generated module, run its session, stream its output,
 * remove it.  Small, privileged C: every syscall and path is checked.  The
 * protocol with the module is include/stp_msg.h; nothing else is shared.
 */
#ifndef STAPRUN_H
#define STAPRUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define STAPRUN_DEBUGFS "/sys/kernel/debug"
#define STAPRUN_MODNAME_MAX 64	/* the kernel's MODULE_NAME_LEN is 56 */

/* trace.c: one CPU's output file and the bytes read from it, not yet
 * written out */
struct trace_cpu {
	int fd;
	char *buf;
	size_t pos;		/* first byte not yet written out */
	size_t len;		/* bytes read into buf */
	size_t cap;
	bool eof;		/* the last read() found the file empty */
	bool corrupt;		/* a chunk header made no sense: not read again */
};

/* trace.c: all CPUs' output, merged back into one ordered stream */
struct trace {
	struct trace_cpu *cpus;
	size_t n_cpus;
	uint64_t next_seq;	/* the chunk that should come next */
	unsigned int stalls;	/* polls spent waiting for next_seq */
	int out_fd;
	bool out_failed;	/* a write failed: output is discarded */
	uint64_t bytes_out;
	/* output files (-o PATH): PATH, then PATH.1, PATH.2, ... at each
	 * switch_file(); with -S SIZE[,N] (numbered) PATH.0, PATH.1, ..., also
	 * when a file would outgrow size_max, keeping the newest files_max */
	const char *out_path;		/* NULL: stdout, never switched */
	bool numbered;
	unsigned int file_no;
	uint64_t size_max;		/* bytes, 0: no limit */
	unsigned int files_max;		/* 0: keep all */
	uint64_t file_bytes;		/* written to the current file */
};

/* priv.c: what the caller may run (root or stapdev: anything) */
enum priv_level { PRIV_USR, PRIV_SYS, PRIV_DEV };

struct staprun {
	/* command line, read-only once parsed */
	int verbose;
	enum priv_level level;		/* the caller's, from priv_init() */
	char **user_params;		/* the words after MODULE.ko */
	int n_user_params;
	bool delete;			/* -d: remove a module, nothing else */
	const char *out_path;
	uint64_t size_max;		/* -S SIZE (MB), in bytes */
	unsigned int files_max;		/* -S SIZE,N */
	const char *cmd;		/* -c */
	pid_t target;			/* -x, or the -c child */
	unsigned int bufsize_mb;	/* -s, 0 for the module's default */
	const char *remote;		/* -r N:URI, for remote_id() and remote_uri() */
	const char *module_path;
	char *params;			/* module parameters, space separated */

	char name[STAPRUN_MODNAME_MAX];	/* from the module's .modinfo */
	bool loaded;
	int ctl_fd;
	int input_fd;			/* the module's input file, while stdin lasts */
	bool input_tried;		/* looked for it once the session started */
	struct trace trace;

	int child_go_fd;		/* -c: write end of the child's go pipe */
	bool child_running;
	bool started, exit_sent, exited, failed;
	int exit_status;		/* from EXITED */
	uint64_t t_start_ns;		/* CLOCK_MONOTONIC at startup */
	bool first_output_seen;
};

/* util.c */
void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
uint64_t now_ns(void);
void sr_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sr_dbg(const struct staprun *sr, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int write_all(int fd, const void *buf, size_t len);
size_t filter_controls(const unsigned char *in, size_t len, char *out);

/* modinfo.c */
int modinfo_name(const void *image, size_t size, char *name, size_t cap);
int modinfo_field(const void *image, size_t size, const char *key, char *val, size_t cap);

/* priv.c */
int priv_init(struct staprun *sr);
void priv_drop(void);
int priv_open_as_caller(const char *path, int flags);
int priv_unlink_as_caller(const char *path);
const char *priv_module_path(struct staprun *sr, const char *given);
int priv_check_file(const struct staprun *sr, int fd);
int priv_check_image(const struct staprun *sr, const void *img, size_t size);
int priv_check_params(const struct staprun *sr, char **params, int n);

/* module.c */
int module_load(struct staprun *sr);
int module_unload(struct staprun *sr);
int debugfs_ensure(void);
int module_delete(const char *arg);

/* ctl.c */
int ctl_open(struct staprun *sr);
int ctl_send(struct staprun *sr, uint32_t type, const void *data,
	     uint32_t len);
int ctl_handle_input(struct staprun *sr);

/* trace.c */
int trace_open(struct trace *t, const char *dir, int out_fd);
void trace_close(struct trace *t);
int trace_read(struct trace *t);
void trace_emit(struct trace *t, bool final);
bool trace_done(const struct trace *t);
void trace_out_name(char *buf, size_t cap, const char *path, unsigned int n, bool numbered);

#endif /* STAPRUN_H */
