/* stapbpf: loading an instruction object, which stap --runtime=bpf writes for scripts
 * its own BPF emitter covers (translator/bpf/insn.c) instead of compiling C with
 * clang. The file is text:
 *   stapbpf-insn 1
 *   map NAME TYPE KEYSIZE VALUESIZE MAXENTRIES FLAGS [HEX]   a map; HEX: the bytes of
 *                                     element 0 of an array, which is then frozen
 *   prog ID TYPE N [S...]             program __progID of BPF_PROG_TYPE TYPE, then N
 *                                     lines of one instruction each in 16 hex digits
 *                                     (its 8 bytes in memory order); S: where each
 *                                     subprogram (a bpf_loop() callback) starts
 *   meta                              the rest of the file is the meta text (meta.h)
 * A 64-bit immediate load with src_reg 1 (BPF_PSEUDO_MAP_FD) or 2
 * (BPF_PSEUDO_MAP_VALUE) carries the map's line number (from 0) in imm, replaced here
 * by its file descriptor. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/stapbpf.h"

#define INSN_MAGIC "stapbpf-insn 1\n"

bool insn_is_object(const char *text)
{
	return !strncmp(text, INSN_MAGIC, strlen(INSN_MAGIC));
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* n bytes from hex text at p into out; false on a bad digit */
static bool unhex(const char *p, unsigned char *out, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int hi = hexval(p[2 * i]), lo = hi < 0 ? -1 : hexval(p[2 * i + 1]);

		if (lo < 0)
			return false;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return true;
}

static void add_map(const char *name, int fd, uint32_t vsize)
{
	run.imaps = realloc(run.imaps, sizeof(*run.imaps) * (size_t)(run.n_imaps + 1));
	if (!run.imaps)
		die("out of memory");
	snprintf(run.imaps[run.n_imaps].name, sizeof(run.imaps[0].name), "%s", name);
	run.imaps[run.n_imaps].fd = fd;
	run.imaps[run.n_imaps++].vsize = vsize;
}

static int map_line(char *line)
{
	char name[64];
	unsigned type, ks, vs, max, flags;
	int pos = 0, fd;
	LIBBPF_OPTS(bpf_map_create_opts, o);

	if (sscanf(line, "map %63s %u %u %u %u %u%n", name, &type, &ks, &vs, &max, &flags, &pos) != 6)
		die("bad map line in the object: %s", line);
	if (!strcmp(name, "__frame"))
		max = (unsigned)libbpf_num_possible_cpus();
	o.map_flags = flags;
	fd = bpf_map_create((enum bpf_map_type)type, name, ks, vs, max, &o);
	if (fd < 0)
		die("cannot create map %s: %s", name, strerror(errno));
	if (line[pos] == ' ') {	/* initial contents, then frozen */
		unsigned char *v = xzalloc(vs);
		uint32_t z = 0;

		if (strlen(line + pos + 1) != 2 * (size_t)vs || !unhex(line + pos + 1, v, vs))
			die("bad data of map %s in the object", name);
		if (bpf_map_update_elem(fd, &z, v, BPF_ANY) || bpf_map_freeze(fd))
			die("cannot fill map %s: %s", name, strerror(errno));
		free(v);
	}
	add_map(name, fd, vs);
	return fd;
}

/* BTF for a program with subprograms, which the kernel wants for bpf_loop()
 * callbacks: long f(void *) for the program, static long cb(unsigned int, void *)
 * for each callback; its file descriptor, and func_info (n_sub + 1 records) */
static int btf_for(const unsigned *sub, int n_sub, struct bpf_func_info *fi)
{
	static const char strs[] = "\0long\0unsigned int\0f\0cb\0i\0c";	/* 1 6 19 21 24 26 */
	uint32_t t[64], *p = t;
	unsigned char blob[sizeof(t) + 24 + sizeof(strs)];
	uint32_t hdr[6];
	int i, fd;

	*p++ = 1; *p++ = (1u << 24); *p++ = 8; *p++ = (1u << 24) | 64;	/* 1 long */
	*p++ = 6; *p++ = (1u << 24); *p++ = 4; *p++ = 32;		/* 2 unsigned int */
	*p++ = 0; *p++ = (2u << 24); *p++ = 0;				/* 3 void * */
	*p++ = 0; *p++ = (13u << 24) | 1; *p++ = 1; *p++ = 26; *p++ = 3;	/* 4 long (void *c) */
	*p++ = 0; *p++ = (13u << 24) | 2; *p++ = 1;			/* 5 long (unsigned i, */
	*p++ = 24; *p++ = 2; *p++ = 26; *p++ = 3;			/*   void *c) */
	*p++ = 19; *p++ = (12u << 24) | 1; *p++ = 4;			/* 6 global f */
	*p++ = 21; *p++ = (12u << 24); *p++ = 5;			/* 7 static cb */
	hdr[0] = 0xeB9F | (1u << 16);	/* magic, version 1, flags 0 */
	hdr[1] = 24;			/* header length */
	hdr[2] = 0;
	hdr[3] = (uint32_t)((p - t) * 4);
	hdr[4] = hdr[3];
	hdr[5] = sizeof(strs);
	memcpy(blob, hdr, 24);
	memcpy(blob + 24, t, hdr[3]);
	memcpy(blob + 24 + hdr[3], strs, sizeof(strs));
	fd = bpf_btf_load(blob, 24 + hdr[3] + sizeof(strs), NULL);
	if (fd < 0)
		die("cannot load the BTF of a program's loop callbacks: %s", strerror(errno));
	fi[0] = (struct bpf_func_info){ .insn_off = 0, .type_id = 6 };
	for (i = 0; i < n_sub; i++)
		fi[i + 1] = (struct bpf_func_info){ .insn_off = sub[i], .type_id = 7 };
	return fd;
}

static void load_prog(int id, unsigned type, struct bpf_insn *insns, size_t n,
		      const unsigned *sub, int n_sub)
{
	static char log[1 << 16];
	LIBBPF_OPTS(bpf_prog_load_opts, o);
	struct bpf_func_info *fi = NULL;
	char name[32];
	size_t i;
	int fd;

	if (n_sub) {
		fi = xzalloc(sizeof(*fi) * (size_t)(n_sub + 1));
		o.prog_btf_fd = (uint32_t)btf_for(sub, n_sub, fi);
		o.func_info = fi;
		o.func_info_cnt = (uint32_t)n_sub + 1;
		o.func_info_rec_size = sizeof(*fi);
	}

	for (i = 0; i + 1 < n; i++) {
		if (insns[i].code != (BPF_LD | BPF_IMM | BPF_DW))
			continue;
		if (insns[i].src_reg == BPF_PSEUDO_MAP_FD || insns[i].src_reg == BPF_PSEUDO_MAP_VALUE) {
			if (insns[i].imm < 0 || insns[i].imm >= run.n_imaps)
				die("program __prog%d refers to map %d, not in the object", id, insns[i].imm);
			insns[i].imm = run.imaps[insns[i].imm].fd;
		}
		i++;
	}
	snprintf(name, sizeof(name), "__prog%d", id);
	fd = bpf_prog_load((enum bpf_prog_type)type, name, "GPL", insns, n, &o);
	if (fd < 0) {
		/* again with the verifier's log, for the message */
		LIBBPF_OPTS(bpf_prog_load_opts, lo, .log_buf = log, .log_size = sizeof(log),
			    .log_level = 1, .prog_btf_fd = o.prog_btf_fd, .func_info = o.func_info,
			    .func_info_cnt = o.func_info_cnt,
			    .func_info_rec_size = o.func_info_rec_size);
		int err = errno;

		log[0] = '\0';
		fd = bpf_prog_load((enum bpf_prog_type)type, name, "GPL", insns, n, &lo);
		if (fd < 0) {
			size_t len = strlen(log);
			const char *tail = len > 2000 ? log + len - 2000 : log;

			die("the kernel refused the BPF program %s: %s\n%s", name, strerror(err), tail);
		}
	}
	if (id >= run.n_prog_fds) {
		int j, old = run.n_prog_fds;

		run.n_prog_fds = id + 1;
		run.prog_fds = realloc(run.prog_fds, sizeof(int) * (size_t)run.n_prog_fds);
		if (!run.prog_fds)
			die("out of memory");
		for (j = old; j < run.n_prog_fds; j++)
			run.prog_fds[j] = -1;
	}
	run.prog_fds[id] = fd;
	if (n_sub)
		close((int)o.prog_btf_fd);
	free(fi);
}

/* create the maps and load the programs of an instruction object; its meta text */
char *insn_load(char *text)
{
	char *p = text + strlen(INSN_MAGIC), *nl;

	for (; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			break;
		*nl = '\0';
		if (!strcmp(p, "meta"))
			return nl + 1;
		if (!strncmp(p, "map ", 4)) {
			map_line(p);
			continue;
		}
		if (!strncmp(p, "prog ", 5)) {
			int id, n_sub = 0, pos = 0, k;
			unsigned type, sub[64];
			size_t n, i;
			struct bpf_insn *v;
			char *q;

			if (sscanf(p, "prog %d %u %zu%n", &id, &type, &n, &pos) != 3 || id < 0 ||
			    !n || n > 1000000)
				die("bad prog line in the object: %s", p);
			for (q = p + pos; *q == ' '; q += k) {
				if (n_sub == 64 || sscanf(q, " %u%n", &sub[n_sub], &k) != 1 ||
				    sub[n_sub] >= n)
					die("bad prog line in the object: %s", p);
				n_sub++;
			}
			v = xzalloc(n * sizeof(*v));
			for (i = 0; i < n; i++) {
				p = nl + 1;
				nl = strchr(p, '\n');
				if (!nl || nl - p != 16 || !unhex(p, (unsigned char *)&v[i], 8))
					die("bad instruction %zu of program __prog%d in the object", i, id);
			}
			load_prog(id, type, v, n, sub, n_sub);
			free(v);
			continue;
		}
		die("bad line in the object: %s", p);
	}
	die("the object has no meta text");
}

int insn_prog_fd(int id)
{
	if (id < 0 || id >= run.n_prog_fds || run.prog_fds[id] < 0)
		die("program __prog%d missing from the object", id);
	return run.prog_fds[id];
}

int insn_map_fd(const char *name, uint32_t *vsize)
{
	int i;

	for (i = 0; i < run.n_imaps; i++)
		if (!strcmp(run.imaps[i].name, name)) {
			if (vsize)
				*vsize = run.imaps[i].vsize;
			return run.imaps[i].fd;
		}
	return -1;
}

/* the tracepoint's id in tracefs, or -1 */
static long tracepoint_id(const char *target)
{
	static const char *const roots[] = { "/sys/kernel/tracing/events",
		"/sys/kernel/debug/tracing/events" };
	char path[512], buf[32];
	size_t i;

	for (i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		int fd;
		ssize_t n;

		snprintf(path, sizeof(path), "%s/%s/id", roots[i], target);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0) {
			buf[n] = '\0';
			return atol(buf);
		}
	}
	return -1;
}

static void keep_fd(int fd)
{
	run.link_fds = realloc(run.link_fds, sizeof(*run.link_fds) * (size_t)(run.n_link_fds + 1));
	if (!run.link_fds)
		die("out of memory");
	run.link_fds[run.n_link_fds++] = fd;
}

/* a perf event (or a perf tracepoint) running program fd: kept until the end */
void insn_attach_perf(const struct probe *p, int perf_fd, int prog_fd)
{
	if (ioctl(perf_fd, PERF_EVENT_IOC_SET_BPF, prog_fd) ||
	    ioctl(perf_fd, PERF_EVENT_IOC_ENABLE, 0))
		die("cannot attach probe %s: %s", p->pp, strerror(errno));
	keep_fd(perf_fd);
}

void insn_attach_trace(const struct probe *p, int prog_fd)
{
	long id;
	int fd;

	if (p->kind == PROBE_RAW) {
		const char *name = strchr(p->target, '/') ? strchr(p->target, '/') + 1 : p->target;

		fd = bpf_raw_tracepoint_open(name, prog_fd);
		if (fd < 0)
			die("cannot attach probe %s: %s", p->pp, strerror(errno));
		keep_fd(fd);
		return;
	}
	id = tracepoint_id(p->target);
	if (id < 0)
		die("cannot attach probe %s: no tracepoint %s", p->pp, p->target);
	{
		struct perf_event_attr a = {
			.type = PERF_TYPE_TRACEPOINT, .size = sizeof(a), .config = (uint64_t)id,
			.sample_period = 1, .wakeup_events = 1,
		};

		fd = (int)syscall(__NR_perf_event_open, &a, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	}
	if (fd < 0)
		die("cannot attach probe %s: %s", p->pp, strerror(errno));
	insn_attach_perf(p, fd, prog_fd);
}
