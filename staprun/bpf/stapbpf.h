/* stapbpf's state: the object, the meta tables (meta.h) and the run. */
#ifndef STAPBPF_H
#define STAPBPF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum probe_kind { PROBE_BEGIN, PROBE_END, PROBE_ERROR, PROBE_TIMER, PROBE_TRACE, PROBE_RAW,
	PROBE_PERF, PROBE_UPROBE };

/* a uprobe of a process probe: in the file at path, the cookie its site's number */
struct usite {
	char *path;
	uint64_t offset, sema, cookie;
	bool ret;
};

struct part {
	int prog;
	bool loop;			/* a foreach body, run per element */
	int map, sort_key, sort_dir, sort_aggr;
	int64_t limit;
};

struct probe {
	enum probe_kind kind;
	char *pp;
	int64_t priority;
	int order;
	uint64_t period;		/* timer: ns; perf: events or hz */
	uint32_t perf_type;		/* perf */
	uint64_t perf_config;
	bool freq;
	bool per_cpu;
	char *target;			/* trace: SYSTEM/NAME */
	struct usite *usites;		/* uprobe */
	int n_usites;
	struct part *parts;
	int n_parts;
};

enum hist_kind { HIST_NONE, HIST_LOG, HIST_LINEAR };

struct smap {
	bool used;
	char *name;
	char kind;			/* l, s: array of longs/strings; S statistic */
	int n_keys;
	char kinds[10];
	int key_size, val_size;
	enum hist_kind hist;
	int64_t start, stop, interval;
	int fd;
};

struct sglobal {
	int idx;
	char *name;
	char kind;
	int offset;
	char *init;
};

struct item {
	char type;			/* T text, C conversion, H histogram */
	char *text;			/* T: text; C: printf spec */
	int nargs;
	char kinds[4];
	int map;
};

struct format {
	struct item *items;
	int n_items;
};

struct state {
	int verbose;
	FILE *out;
	struct bpf_object *obj;
	struct ring_buffer *rb;
	int g_fd, loop_fd;
	unsigned char *gbuf;
	int ncpu;
	int msl;
	char last_log[4096];
	struct probe *probes;
	int n_probes;
	struct smap maps[1024];
	struct sglobal *globals;
	int n_globals;
	char **where, **msgs;
	int n_where;
	struct format *formats;
	int n_formats;
	struct bpf_link **links;
	int n_links;
	int *link_fds;			/* uprobe_multi links */
	int n_link_fds;
	int errors;
	int max_errors;			/* MAXERRORS: errors tolerated before the end */
	bool exiting;
	bool suppress_errors;		/* --suppress-handler-errors */
	/* an instruction object (insn.c): its maps and programs, no libbpf object */
	struct imap { char name[64]; int fd; uint32_t vsize; } *imaps;
	int n_imaps;
	int *prog_fds;
	int n_prog_fds;
	int autoprint[1024];		/* globals written, never read: printed at the end */
	int n_autoprint;
};

extern struct state run;

void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void *xzalloc(size_t n);
int run_prog(int id);
/* the file descriptor of program __progID, of map name (-1: none; *vsize its
 * value size if vsize) */
int prog_fd(int id);
int obj_map_fd(const char *name, uint32_t *vsize);
/* insn.c */
bool insn_is_object(const char *text);
char *insn_load(char *text);
int insn_prog_fd(int id);
int insn_map_fd(const char *name, uint32_t *vsize);
void insn_attach_perf(const struct probe *p, int perf_fd, int prog_fd);
void insn_attach_trace(const struct probe *p, int prog_fd);
/* meta.c */
void meta_parse(char *text);
void meta_maps(void);
void meta_init_globals(void);
/* output.c */
void out_record(const void *data, size_t len);
int run_foreach(const struct part *pt);
void print_autoprint(void);

#endif
