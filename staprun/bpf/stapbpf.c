/* stapbpf: run a BPF object that stap --runtime=bpf built. Loads it with libbpf, runs
 * the begin probes (BPF_PROG_TEST_RUN), attaches the event probes, prints the output
 * records of the ring buffer until exit(), an error, Ctrl-C, -T or the end of -c CMD,
 * then detaches, runs the end probes (or the error probes after an error) and exits
 * 0, or 1 after a run-time error. The object's .stapmeta section says what is what
 * (meta.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <getopt.h>
#include <libelf.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/stapbpf.h"
#include "meta.h"

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

void die(const char *fmt, ...)
{
	va_list ap;

	fputs("stapbpf: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

void *xzalloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);

	if (!p)
		die("out of memory");
	return p;
}

/* the .stapmeta section's text */
static char *read_meta(const char *path)
{
	Elf *elf;
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	char *text = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die("cannot open %s: %s", path, strerror(errno));
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_getshdrstrndx(elf, &shstrndx))
		die("%s is not an ELF object", path);
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh))
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!name || strcmp(name, ".stapmeta"))
			continue;
		d = elf_getdata(scn, NULL);
		if (!d || !d->d_size)
			break;
		text = xzalloc(d->d_size + 1);
		memcpy(text, d->d_buf, d->d_size);
	}
	elf_end(elf);
	close(fd);
	if (!text)
		die("%s has no .stapmeta section: not built by stap --runtime=bpf", path);
	return text;
}

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && run.verbose < 3)
		return 0;
	if (level == LIBBPF_INFO && run.verbose < 2)
		return 0;
	if (level == LIBBPF_WARN && run.verbose < 1) {
		/* keep the verifier's last lines for the error message */
		vsnprintf(run.last_log, sizeof(run.last_log), fmt, ap);
		return 0;
	}
	return vfprintf(stderr, fmt, ap);
}

struct state run;

static struct bpf_program *prog(int id)
{
	char name[32];
	struct bpf_program *p;

	snprintf(name, sizeof(name), "__prog%d", id);
	p = bpf_object__find_program_by_name(run.obj, name);
	if (!p)
		die("program %s missing from the object", name);
	return p;
}

int prog_fd(int id)
{
	return run.obj ? bpf_program__fd(prog(id)) : insn_prog_fd(id);
}

int obj_map_fd(const char *name, uint32_t *vsize)
{
	struct bpf_map *m;

	if (!run.obj)
		return insn_map_fd(name, vsize);
	m = bpf_object__find_map_by_name(run.obj, name);
	if (!m)
		return -1;
	if (vsize)
		*vsize = bpf_map__value_size(m);
	return bpf_map__fd(m);
}

static int map_fd(const char *name, uint32_t *vsize)
{
	int fd = obj_map_fd(name, vsize);

	if (fd < 0)
		die("map %s missing from the object", name);
	return fd;
}

static void set_global(size_t off, const void *v, size_t len)
{
	uint32_t z = 0;

	if (bpf_map_lookup_elem(run.g_fd, &z, run.gbuf))
		die("cannot read the globals: %s", strerror(errno));
	memcpy(run.gbuf + off, v, len);
	if (bpf_map_update_elem(run.g_fd, &z, run.gbuf, BPF_ANY))
		die("cannot write the globals: %s", strerror(errno));
}

static int64_t get_state(void)
{
	uint32_t z = 0;
	int64_t v;

	if (bpf_map_lookup_elem(run.g_fd, &z, run.gbuf))
		return 2;
	memcpy(&v, run.gbuf + META_GLOBALS_STATE, 8);
	return v;
}

static void set_state(int64_t v)
{
	set_global(META_GLOBALS_STATE, &v, 8);
}

static int on_record(void *ctx, void *data, size_t len)
{
	(void)ctx;
	out_record(data, len);
	return 0;
}

static void drain(void)
{
	if (ring_buffer__consume(run.rb) < 0 && errno != EINTR)
		die("cannot read the ring buffer: %s", strerror(errno));
	fflush(run.out);
}

/* run program id with BPF_PROG_TEST_RUN: its return value (0 on, 1 break, 2 stop) */
int run_prog(int id)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	int rc = bpf_prog_test_run_opts(prog_fd(id), &opts);

	if (rc)
		die("cannot run program __prog%d: %s", id, strerror(errno));
	drain();
	return (int)opts.retval;
}

/* the parts of a begin, end or error probe */
static void run_probe(const struct probe *p)
{
	int i;

	for (i = 0; i < p->n_parts; i++) {
		const struct part *pt = &p->parts[i];

		if (!pt->loop) {
			if (run_prog(pt->prog) == 2)
				return;
		} else if (run_foreach(pt) == 2) {
			return;
		}
	}
}

static int cmp_probe(const void *a, const void *b)
{
	const struct probe *x = *(const struct probe *const *)a, *y = *(const struct probe *const *)b;

	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	return x->order - y->order;
}

/* begin, end or error probes in priority order; begin ones only while running */
static void run_kind(enum probe_kind kind)
{
	struct probe **v = xzalloc(sizeof(*v) * (size_t)(run.n_probes + 1));
	int i, n = 0;

	for (i = 0; i < run.n_probes; i++)
		if (run.probes[i].kind == kind)
			v[n++] = &run.probes[i];
	qsort(v, (size_t)n, sizeof(*v), cmp_probe);
	for (i = 0; i < n; i++) {
		if (kind == PROBE_BEGIN && (get_state() != 1 || run.errors > run.max_errors))
			break;
		run_probe(v[i]);
	}
	free(v);
}

static int perf_open(const struct probe *p, int cpu)
{
	struct perf_event_attr a = {
		.type = PERF_TYPE_SOFTWARE, .size = sizeof(a), .config = PERF_COUNT_SW_CPU_CLOCK,
		.sample_period = p->period,
	};

	if (p->kind == PROBE_PERF) {
		a.type = p->perf_type;
		a.config = p->perf_config;
		a.freq = p->freq;
	}
	return (int)syscall(__NR_perf_event_open, &a, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

static void add_link(struct bpf_link *l, const struct probe *p)
{
	long err = libbpf_get_error(l);

	if (err)
		die("cannot attach probe %s: %s", p->pp, strerror((int)-err));
	run.links = realloc(run.links, sizeof(*run.links) * (size_t)(run.n_links + 1));
	if (!run.links)
		die("out of memory");
	run.links[run.n_links++] = l;
}

/* BPF_LINK_CREATE of a uprobe_multi link (kernel 6.6; not in libbpf 1.1): every
 * uprobe of a probe in one file is one link, unregistered with one RCU wait at the
 * end rather than one per uprobe (about 0.1 s each here) */
#define STAP_TRACE_UPROBE_MULTI 48
#define STAP_F_UPROBE_MULTI_RETURN 1

struct uprobe_multi_attr {
	uint32_t prog_fd, target_fd, attach_type, flags;
	uint64_t path, offsets, ref_ctr_offsets, cookies;
	uint32_t cnt, flags2, pid;
	uint32_t pad[7];
};

static int uprobe_multi(int prog_fd, const char *path, const struct usite *const *v, int n)
{
	struct uprobe_multi_attr a = { 0 };
	uint64_t *off = xzalloc(sizeof(*off) * (size_t)n), *ref = xzalloc(sizeof(*ref) * (size_t)n);
	uint64_t *cookie = xzalloc(sizeof(*cookie) * (size_t)n);
	int i, fd;

	for (i = 0; i < n; i++) {
		off[i] = v[i]->offset;
		ref[i] = v[i]->sema;
		cookie[i] = v[i]->cookie;
	}
	a.prog_fd = (uint32_t)prog_fd;
	a.attach_type = STAP_TRACE_UPROBE_MULTI;
	a.path = (uint64_t)(uintptr_t)path;
	a.offsets = (uint64_t)(uintptr_t)off;
	a.ref_ctr_offsets = (uint64_t)(uintptr_t)ref;
	a.cookies = (uint64_t)(uintptr_t)cookie;
	a.cnt = (uint32_t)n;
	a.flags2 = v[0]->ret ? STAP_F_UPROBE_MULTI_RETURN : 0;
	fd = (int)syscall(__NR_bpf, BPF_LINK_CREATE, &a, sizeof(a));
	free(off);
	free(ref);
	free(cookie);
	return fd < 0 ? -errno : fd;
}

/* the uprobes v[0..n) of p in one file: one link, or halves of them when the kernel
 * refuses one (an instruction uprobes cannot step over): as the module runtime, a
 * site the kernel refuses is skipped with a warning */
static void attach_some(const struct probe *p, int prog_fd, const struct usite *const *v, int n)
{
	int fd = uprobe_multi(prog_fd, v[0]->path, v, n);

	if (fd >= 0) {
		run.link_fds = realloc(run.link_fds, sizeof(*run.link_fds) * (size_t)(run.n_link_fds + 1));
		if (!run.link_fds)
			die("out of memory");
		run.link_fds[run.n_link_fds++] = fd;
		return;
	}
	if (n > 1) {
		attach_some(p, prog_fd, v, n / 2);
		attach_some(p, prog_fd, v + n / 2, n - n / 2);
		return;
	}
	if (fd == -ENOENT || fd == -EINVAL || fd == -EPERM || fd == -EBADF)
		die("cannot attach probe %s at %s+0x%llx: %s", p->pp, v[0]->path,
		    (unsigned long long)v[0]->offset, strerror(-fd));
	fprintf(stderr, "WARNING: probe %s (%s+0x%llx) registration error (rc %d)\n", p->pp,
		v[0]->path, (unsigned long long)v[0]->offset, fd);
}

static void attach_uprobes(const struct probe *p, struct bpf_program *bp)
{
	const struct usite **v = xzalloc(sizeof(*v) * (size_t)(p->n_usites + 1));
	int i, j, n;

	/* one link per file and direction */
	for (i = 0; i < p->n_usites; i++) {
		bool seen = false;

		for (j = 0; j < i && !seen; j++)
			seen = !strcmp(p->usites[j].path, p->usites[i].path) &&
			       p->usites[j].ret == p->usites[i].ret;
		if (seen)
			continue;
		for (j = i, n = 0; j < p->n_usites; j++)
			if (!strcmp(p->usites[j].path, p->usites[i].path) &&
			    p->usites[j].ret == p->usites[i].ret)
				v[n++] = &p->usites[j];
		attach_some(p, bpf_program__fd(bp), v, n);
	}
	free(v);
}

static void attach(void)
{
	int i, cpu, ncpu = libbpf_num_possible_cpus();

	for (i = 0; i < run.n_probes; i++) {
		const struct probe *p = &run.probes[i];
		struct bpf_program *bp;

		if (p->kind != PROBE_TIMER && p->kind != PROBE_TRACE && p->kind != PROBE_RAW &&
		    p->kind != PROBE_PERF && p->kind != PROBE_UPROBE)
			continue;
		if (!run.obj) {	/* an instruction object: by file descriptor */
			int fd = prog_fd(p->parts[0].prog);

			if (p->kind == PROBE_RAW || p->kind == PROBE_TRACE) {
				insn_attach_trace(p, fd);
				continue;
			}
			if (p->kind == PROBE_UPROBE)
				die("probe %s: process probes need a clang-built object", p->pp);
			for (cpu = 0; cpu < (p->per_cpu ? ncpu : 1); cpu++) {
				int pfd = perf_open(p, cpu);

				if (pfd < 0) {
					if (p->per_cpu && errno == ENODEV)
						continue;
					die("cannot open a perf event for %s: %s", p->pp, strerror(errno));
				}
				insn_attach_perf(p, pfd, fd);
			}
			continue;
		}
		bp = prog(p->parts[0].prog);
		if (p->kind == PROBE_UPROBE) {
			attach_uprobes(p, bp);
			continue;
		}
		if (p->kind == PROBE_RAW) {
			add_link(bpf_program__attach_raw_tracepoint(bp, strchr(p->target, '/') ?
				strchr(p->target, '/') + 1 : p->target), p);
			continue;
		}
		if (p->kind == PROBE_TRACE) {
			char sys[256], *name;

			snprintf(sys, sizeof(sys), "%s", p->target);
			name = strchr(sys, '/');
			if (!name)
				die("bad tracepoint %s", p->target);
			*name++ = '\0';
			add_link(bpf_program__attach_tracepoint(bp, sys, name), p);
			continue;
		}
		for (cpu = 0; cpu < (p->per_cpu ? ncpu : 1); cpu++) {
			int fd = perf_open(p, cpu);

			if (fd < 0) {
				if (p->per_cpu && errno == ENODEV)
					continue;	/* a CPU that is not online */
				die("cannot open a perf event for %s: %s", p->pp, strerror(errno));
			}
			add_link(bpf_program__attach_perf_event(bp, fd), p);
		}
	}
}

static void detach(void)
{
	int i;

	for (i = 0; i < run.n_links; i++)
		bpf_link__destroy(run.links[i]);
	run.n_links = 0;
	for (i = 0; i < run.n_link_fds; i++)
		close(run.link_fds[i]);
	run.n_link_fds = 0;
}

/* -c CMD: forked now, waiting on a pipe until the probes are attached */
static pid_t start_target(const char *cmd, int *go)
{
	int fds[2];
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC))
		die("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		char c;

		close(fds[1]);
		if (read(fds[0], &c, 1) != 1)
			_exit(1);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		fprintf(stderr, "stapbpf: cannot run /bin/sh: %s\n", strerror(errno));
		_exit(127);
	}
	close(fds[0]);
	*go = fds[1];
	return pid;
}

static int64_t now_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* the text of an instruction object (insn.c), or NULL for an ELF one */
static char *read_insn(const char *path)
{
	char head[16] = "", *text;
	FILE *f = fopen(path, "re");
	long len;

	if (!f)
		die("cannot open %s: %s", path, strerror(errno));
	if (fread(head, 1, sizeof(head) - 1, f) < 1 || !insn_is_object(head)) {
		fclose(f);
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		die("cannot read %s: %s", path, strerror(errno));
	text = xzalloc((size_t)len + 1);
	if (fread(text, 1, (size_t)len, f) != (size_t)len)
		die("cannot read %s: %s", path, strerror(errno));
	fclose(f);
	return text;
}

/* open and load a clang-built object with libbpf */
static void load_object(const char *path)
{
	int err;

	run.obj = bpf_object__open_file(path, NULL);
	err = (int)libbpf_get_error(run.obj);
	if (err || !run.obj)
		die("cannot open %s: %s%s%s", path, strerror(err ? -err : errno),
		    run.last_log[0] ? "\n" : "", run.last_log);
	/* event probes' frames: one per possible CPU */
	if (bpf_object__find_map_by_name(run.obj, "__frame"))
		bpf_map__set_max_entries(bpf_object__find_map_by_name(run.obj, "__frame"),
					 (__u32)libbpf_num_possible_cpus());
	for (int i = 0; i < run.n_probes; i++)
		if (run.probes[i].kind == PROBE_UPROBE)
			bpf_program__set_expected_attach_type(prog(run.probes[i].parts[0].prog),
							      STAP_TRACE_UPROBE_MULTI);
	err = bpf_object__load(run.obj);
	if (err)
		die("the kernel refused the BPF programs of %s: %s%s%s", path,
		    strerror(-err), run.last_log[0] ? "\n" : "", run.last_log);
}

static void usage(void)
{
	fputs("usage: stapbpf [-v] [-o FILE] [-c CMD | -x PID] [-T SECONDS] OBJECT.bpf.o\n",
	      stderr);
	exit(1);
}

int main(int argc, char **argv)
{
	const char *out_file = NULL, *cmd = NULL;
	long timeout = 0, target = 0;
	struct sigaction sa = { .sa_handler = on_signal };
	pid_t child = 0;
	int opt, go = -1;
	int64_t v, deadline = 0;
	char *meta, *text;
	uint32_t gsize = 0;

	while ((opt = getopt(argc, argv, "vo:c:x:T:")) != -1) {
		switch (opt) {
		case 'v':
			run.verbose++;
			break;
		case 'o':
			out_file = optarg;
			break;
		case 'c':
			cmd = optarg;
			break;
		case 'x':
			target = atol(optarg);
			break;
		case 'T':
			timeout = atol(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 1)
		usage();
	run.out = stdout;
	if (out_file) {
		run.out = fopen(out_file, "we");
		if (!run.out)
			die("cannot open %s: %s", out_file, strerror(errno));
	}
	libbpf_set_print(libbpf_log);
	text = read_insn(argv[optind]);
	if (text) {	/* stap's own instructions: no ELF, no libbpf object */
		meta = insn_load(text);
		meta_parse(meta);
		meta = text;
	} else {
		meta = read_meta(argv[optind]);
		meta_parse(meta);
		load_object(argv[optind]);
	}
	run.g_fd = map_fd("__g", &gsize);
	run.loop_fd = map_fd("__loopkey", NULL);
	run.gbuf = xzalloc(gsize);
	run.ncpu = libbpf_num_possible_cpus();
	meta_maps();
	run.rb = ring_buffer__new(map_fd("__rb", NULL), on_record, NULL, NULL);
	if (!run.rb)
		die("cannot open the ring buffer: %s", strerror(errno));
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (cmd)
		child = start_target(cmd, &go);
	v = child ? child : target;
	set_global(META_GLOBALS_TARGET, &v, 8);
	v = run.ncpu;
	set_global(META_GLOBALS_NCPU, &v, 8);
	v = now_ns(CLOCK_REALTIME) - now_ns(CLOCK_BOOTTIME);
	set_global(META_GLOBALS_RTOFF, &v, 8);
	meta_init_globals();
	set_state(1);
	run_kind(PROBE_BEGIN);
	if (get_state() == 1 && run.errors <= run.max_errors) {
		attach();
		if (go >= 0) {
			if (write(go, "g", 1) != 1)
				die("cannot start %s: %s", cmd, strerror(errno));
			close(go);
			go = -1;
		}
		if (timeout)
			deadline = now_ns(CLOCK_MONOTONIC) + (int64_t)timeout * 1000000000;
		while (!got_signal && run.errors <= run.max_errors && !run.exiting && get_state() == 1) {
			int st;

			/* 50 ms, as staprun: the end of -c CMD or -T is seen that soon */
			if (ring_buffer__poll(run.rb, 50) < 0 && errno != EINTR)
				die("cannot read the ring buffer: %s", strerror(errno));
			fflush(run.out);
			if (deadline && now_ns(CLOCK_MONOTONIC) >= deadline)
				break;
			if (child && waitpid(child, &st, WNOHANG) == child) {
				child = 0;
				break;
			}
		}
	}
	set_state(2);
	detach();
	drain();
	if (go >= 0)
		close(go);	/* the command never starts */
	run_kind(run.errors > run.max_errors ? PROBE_ERROR : PROBE_END);
	drain();
	if (run.errors <= run.max_errors)
		print_autoprint();
	if (child) {
		kill(child, SIGTERM);
		waitpid(child, NULL, 0);
	}
	{
		uint32_t z = 0;
		int64_t dropped = 0;

		if (bpf_map_lookup_elem(run.g_fd, &z, run.gbuf) == 0)
			memcpy(&dropped, run.gbuf + META_GLOBALS_DROPPED, 8);
		if (dropped)
			fprintf(stderr, "WARNING: %lld bytes of output dropped: the output buffer was full\n",
				(long long)dropped);
	}
	if (run.errors)
		fprintf(stderr, "WARNING: Number of errors: %d, skipped probes: 0\n", run.errors);
	ring_buffer__free(run.rb);
	if (run.obj)
		bpf_object__close(run.obj);
	if (run.out != stdout && fclose(run.out))
		die("cannot write %s: %s", out_file, strerror(errno));
	free(meta);
	return run.errors ? 1 : 0;
}
