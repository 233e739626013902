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
/* -s below stapdev: at most 4.8's default buffer, so that a member of stapusr
 * cannot pin more kernel memory than any session does by default */
#define STAPRUN_BUFSIZE_USR_MAX 16
/* certificates of the keys whose signed modules members of stapusr may run */
#define STAPRUN_TRUST_DIR "/etc/systemtap/staprun"

/* trace.c: one CPU's output file and the bytes read from it, not yet
 * written out */
struct trace_cpu {
	int fd;
	unsigned int cpu;	/* N of its file traceN */
	char *buf;
	size_t pos;		/* first byte not yet written out */
	size_t len;		/* bytes read into buf */
	size_t cap;
	bool eof;		/* the last read() found the file empty */
	bool corrupt;		/* a chunk header made no sense: not read again */
};

/* trace.c: one output stream: stdout, or a file that -S and switch_file() move on */
struct trace_out {
	int fd;
	unsigned int cpu;		/* bulk mode: the CPU it holds */
	unsigned int file_no;		/* 0, 1, ...: the current file */
	uint64_t file_bytes;		/* written to the current file */
	char **names;			/* -S SIZE,N: the last N files' names, by file_no % N */
};

/* trace.c: all CPUs' output, merged back into one ordered stream, or in bulk
 * mode written out per CPU with its chunk headers (for stap-merge) */
struct trace {
	struct trace_cpu *cpus;
	size_t n_cpus;
	uint64_t next_seq;	/* the chunk that should come next, 0: the
				 * first one seen (staprun -A) */
	unsigned int stalls;	/* polls spent waiting for next_seq */
	bool bulk;
	struct trace_out *outs;	/* one, or in bulk mode one per CPU */
	size_t n_outs;
	bool out_failed;	/* a write failed: output is discarded */
	uint64_t bytes_out;
	/* output files (-o PATH, strftime(3) patterns expanded as each file is
	 * opened): PATH, then PATH.1, PATH.2, ... at each switch_file(); with
	 * -S SIZE[,N] (numbered) PATH.0, PATH.1, ..., also when a file would
	 * outgrow size_max, keeping the newest files_max.  Bulk mode: PATH_CPU
	 * (numbered: PATH_cpuCPU.0, ...), without -o stpd_cpuCPU */
	const char *out_path;
	bool numbered;
	uint64_t size_max;		/* bytes, 0: no limit */
	unsigned int files_max;		/* 0: keep all */
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
	bool load_only;			/* -L: start the session, then detach */
	bool attach;			/* -A: attach to a loaded module */
	bool daemon;			/* -D: go on in the background */
	bool rename;			/* -R: load under a name of its own */
	unsigned int poll_ms;		/* -T */
	long remote_id;			/* -r N:URI, -1 without */
	const char *remote_uri;
	const char *out_path;
	uint64_t size_max;		/* -S SIZE (MB), in bytes */
	unsigned int files_max;		/* -S SIZE,N */
	const char *cmd;		/* -c */
	pid_t target;			/* -x, or the -c child */
	unsigned int bufsize_mb;	/* -s, 0 for the module's default */
	const char *module_path;
	bool in_moddir;			/* below stapdev: module_path is in moddir */
	char moddir[4096];		/* /lib/modules/RELEASE/systemtap, resolved */
	char *params;			/* module parameters, space separated */

	char name[STAPRUN_MODNAME_MAX];	/* from the module's .modinfo */
	char dir[128];			/* the session's files: STP_DEBUGFS_DIR/NAME or
					 * STP_PROC_DIR/NAME (session_dir()) */
	const char *ctl_name;		/* the control file's name in dir */
	bool loaded;
	int ctl_fd;
	int input_fd;			/* the module's input file, while stdin lasts */
	bool input_tried;		/* looked for it once the session started */
	struct trace trace;

	int child_go_fd;		/* -c: write end of the child's go pipe */
	bool child_running;
	bool bulk;			/* the module's output is per CPU (stap -b) */
	bool started, exit_sent, exited, failed;
	bool detach;			/* leave the module running */
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
int modinfo_rename(void *image, size_t size, const char *name);

/* priv.c */
int priv_init(struct staprun *sr);
void priv_drop(void);
int priv_open_as_caller(const char *path, int flags);
int priv_unlink_as_caller(const char *path);
const char *priv_module_path(struct staprun *sr, const char *given);
int priv_check_file(const struct staprun *sr, int fd);
int priv_check_image(const struct staprun *sr, const void *img, size_t size);
int priv_check_params(const struct staprun *sr, char **params, int n);
int priv_check_root_dir(const char *dir, char *why, size_t cap);

/* sig.c */
bool sig_present(const void *img, size_t size);
int sig_verify(const void *img, size_t size, char *why, size_t cap);

/* module.c */
int module_name_arg(const char *arg, char *name, size_t cap);
int module_load(struct staprun *sr);
int module_unload(struct staprun *sr);
void debugfs_ensure(const struct staprun *sr);
int session_dir(struct staprun *sr);
int module_delete(const char *arg);

/* ctl.c */
int ctl_open(struct staprun *sr);
int ctl_send(struct staprun *sr, uint32_t type, const void *data,
	     uint32_t len);
int ctl_handle_input(struct staprun *sr);

/* trace.c */
int trace_open(struct trace *t, const char *dir);
int trace_open_output(struct trace *t);
int trace_close_output(struct trace *t);
void trace_close(struct trace *t);
int trace_read(struct trace *t);
void trace_emit(struct trace *t, bool final);
bool trace_done(const struct trace *t);
void trace_switch_file(struct trace *t);

#endif /* STAPRUN_H */
