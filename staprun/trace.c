/*
 * Script output: read the per-CPU trace files and write the chunks in their
 * global sequence order (include/stp_msg.h), so output from different CPUs
 * comes out in the order the probes flushed it.
 *
 * Sequence numbers have no gaps, so a missing next number means a chunk is
 * still being written on some CPU: emitting waits for it, at most two polls,
 * then goes on without it (it comes out later, out of order).  The final
 * drain, after EXITED, has every chunk published and waits for gaps until
 * every file is read to its end, so it is exact.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "staprun.h"
#include "stp_msg.h"

#define READ_STEP (256u * 1024)		/* bytes per read() */
#define READ_MAX (8u * 1024 * 1024)	/* unwritten bytes kept per CPU */
#define MAX_STALLS 2

static int open_cpu(struct trace *t, const char *dir, const char *file, unsigned int cpu)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		sr_err("cannot open %s: %s", path, strerror(e));
		return -e;
	}
	t->cpus = xrealloc(t->cpus, (t->n_cpus + 1) * sizeof(*t->cpus));
	memset(&t->cpus[t->n_cpus], 0, sizeof(t->cpus[0]));
	t->cpus[t->n_cpus].cpu = cpu;
	t->cpus[t->n_cpus++].fd = fd;
	return 0;
}

static int by_cpu(const void *a, const void *b)
{
	const struct trace_cpu *x = a, *y = b;

	return x->cpu < y->cpu ? -1 : x->cpu > y->cpu;
}

/* Open every trace<N> file in the module's directory `dir`, in CPU order. */
int trace_open(struct trace *t, const char *dir)
{
	struct dirent *de;
	DIR *d;
	int rc = 0;

	t->cpus = NULL;
	t->n_cpus = 0;
	d = opendir(dir);
	if (!d) {
		int e = errno;

		sr_err("cannot open %s: %s", dir, strerror(e));
		return -e;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		char *end;
		unsigned long cpu;

		if (strncmp(de->d_name, "trace", 5) != 0)
			continue;
		cpu = strtoul(de->d_name + 5, &end, 10);
		if (end == de->d_name + 5 || *end || cpu > 1u << 20)
			continue;
		rc = open_cpu(t, dir, de->d_name, (unsigned int)cpu);
	}
	closedir(d);
	if (t->n_cpus)
		qsort(t->cpus, t->n_cpus, sizeof(*t->cpus), by_cpu);
	if (rc == 0 && t->n_cpus == 0) {
		sr_err("no output files in %s", dir);
		rc = -ENOENT;
	}
	return rc;
}

void trace_close(struct trace *t)
{
	size_t i;

	for (i = 0; i < t->n_cpus; i++) {
		close(t->cpus[i].fd);
		free(t->cpus[i].buf);
	}
	free(t->cpus);
	t->cpus = NULL;
	t->n_cpus = 0;
}

/* Read what one CPU has published, up to READ_MAX unwritten bytes. */
static int read_cpu(struct trace_cpu *c)
{
	for (;;) {
		ssize_t n;

		if (c->pos && c->pos == c->len)
			c->pos = c->len = 0;
		if (c->len - c->pos >= READ_MAX)
			return 0;
		if (c->cap - c->len < READ_STEP) {
			if (c->pos) {	/* slide the unwritten bytes down */
				memmove(c->buf, c->buf + c->pos,
					c->len - c->pos);
				c->len -= c->pos;
				c->pos = 0;
			}
			if (c->cap - c->len < READ_STEP) {
				c->cap = c->len + READ_STEP;
				c->buf = xrealloc(c->buf, c->cap);
			}
		}
		n = read(c->fd, c->buf + c->len, c->cap - c->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			sr_err("cannot read output: %s", strerror(e));
			return -e;
		}
		c->eof = n == 0;
		if (n == 0)
			return 0;
		c->len += (size_t)n;
	}
}

/*
 * A next chunk longer than any the module writes means the stream is corrupt:
 * waiting for the rest of it would never end (read_cpu() stops at READ_MAX,
 * so the final drain would spin).  Report it, drop that CPU's unwritten
 * bytes and read it no more.
 */
static void check_cpu(struct trace_cpu *c)
{
	struct stp_trace_chunk ch;

	if (c->corrupt || c->len - c->pos < sizeof(ch))
		return;
	memcpy(&ch, c->buf + c->pos, sizeof(ch));
	if (ch.len <= STP_TRACE_CHUNK_MAX)
		return;
	sr_err("corrupt output (a chunk of %u bytes): "
	       "the rest of that CPU's output is dropped", ch.len);
	c->corrupt = true;
	c->eof = true;
	c->pos = c->len = 0;
}

/* Read all CPUs' output available now; 0 or -errno (reported). */
int trace_read(struct trace *t)
{
	size_t i;
	int rc;

	for (i = 0; i < t->n_cpus; i++) {
		if (t->cpus[i].corrupt)
			continue;
		rc = read_cpu(&t->cpus[i]);
		if (rc)
			return rc;
		check_cpu(&t->cpus[i]);
	}
	return 0;
}

static bool next_chunk(const struct trace_cpu *c, struct stp_trace_chunk *ch);

/* True when every file was read to its end and every chunk written out. */
bool trace_done(const struct trace *t)
{
	struct stp_trace_chunk ch;
	size_t i;

	for (i = 0; i < t->n_cpus; i++)
		if (!t->cpus[i].eof || next_chunk(&t->cpus[i], &ch))
			return false;
	return true;
}

/* The header of the next complete chunk of `c`, if there is one. */
static bool next_chunk(const struct trace_cpu *c, struct stp_trace_chunk *ch)
{
	size_t avail = c->len - c->pos;

	if (avail < sizeof(*ch))
		return false;
	memcpy(ch, c->buf + c->pos, sizeof(*ch));
	return avail - sizeof(*ch) >= ch->len;
}

/*
 * The name of file n of output `o` in buf; 0, or -EINVAL when the strftime(3)
 * expansion of the -o pattern is empty or too long.
 */
static int out_name(const struct trace *t, const struct trace_out *o, unsigned int n,
		    char *buf, size_t cap)
{
	char base[4096];
	time_t now = time(NULL);
	struct tm tm;
	size_t len = 0;

	if (!t->out_path) {	/* bulk mode without -o */
		if (n == 0)
			snprintf(buf, cap, "stpd_cpu%u", o->cpu);
		else
			snprintf(buf, cap, "stpd_cpu%u.%u", o->cpu, n);
		return 0;
	}
	/* the user's pattern is the format: that is the point of the option */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	if (localtime_r(&now, &tm))
		len = strftime(base, sizeof(base), t->out_path, &tm);
#pragma GCC diagnostic pop
	if (len == 0)
		return -EINVAL;
	if (t->bulk && n == 0 && !t->numbered)
		len = (size_t)snprintf(buf, cap, "%s_%u", base, o->cpu);
	else if (t->bulk)
		len = (size_t)snprintf(buf, cap, "%s_cpu%u.%u", base, o->cpu, n);
	else if (n == 0 && !t->numbered)
		len = (size_t)snprintf(buf, cap, "%s", base);
	else
		len = (size_t)snprintf(buf, cap, "%s.%u", base, n);
	return len < cap ? 0 : -EINVAL;
}

/* Open file o->file_no of output `o` as the caller (never with staprun's
 * privileges); 0 or -errno, reported. */
static int open_out(struct trace *t, struct trace_out *o)
{
	char name[4096];
	int e;

	if (out_name(t, o, o->file_no, name, sizeof(name))) {
		sr_err("invalid output file name '%s': its strftime patterns expand to "
		       "nothing or too much", t->out_path);
		return -EINVAL;
	}
	o->fd = priv_open_as_caller(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC);
	if (o->fd < 0) {
		e = errno;
		sr_err("cannot open %s: %s", name, strerror(e));
		return -e;
	}
	o->file_bytes = 0;
	if (t->files_max) {
		char **slot = &o->names[o->file_no % t->files_max];

		/* the slot's previous file is files_max behind: the oldest */
		if (*slot && priv_unlink_as_caller(*slot) < 0 && errno != ENOENT)
			sr_err("cannot remove %s: %s", *slot, strerror(errno));
		free(*slot);
		*slot = xstrdup(name);
	}
	return 0;
}

/*
 * The output files (or stdout): one stream, or one per CPU in bulk mode.
 * Called once the trace files are open; 0 or -errno, reported.
 */
int trace_open_output(struct trace *t)
{
	size_t i;
	int rc;

	t->n_outs = t->bulk ? t->n_cpus : 1;
	t->outs = xmalloc(t->n_outs * sizeof(*t->outs));
	memset(t->outs, 0, t->n_outs * sizeof(*t->outs));
	for (i = 0; i < t->n_outs; i++) {
		struct trace_out *o = &t->outs[i];

		o->fd = -1;
		o->cpu = t->bulk ? t->cpus[i].cpu : 0;
		if (t->files_max)
			o->names = xmalloc(t->files_max * sizeof(char *)),
			memset(o->names, 0, t->files_max * sizeof(char *));
		if (!t->out_path && !t->bulk) {
			o->fd = STDOUT_FILENO;
			continue;
		}
		rc = open_out(t, o);
		if (rc)
			return rc;
	}
	return 0;
}

/* Close the output files; 0, or -EIO when one could not be written (reported). */
int trace_close_output(struct trace *t)
{
	size_t i;
	unsigned int j;
	int rc = 0;

	for (i = 0; i < t->n_outs; i++) {
		struct trace_out *o = &t->outs[i];

		if (o->fd > STDERR_FILENO && close(o->fd) < 0 && rc == 0) {
			sr_err("cannot write output: %s", strerror(errno));
			rc = -EIO;
		}
		for (j = 0; o->names && j < t->files_max; j++)
			free(o->names[j]);
		free(o->names);
	}
	free(t->outs);
	t->outs = NULL;
	t->n_outs = 0;
	return rc;
}

/* Close the output's current file and open the next; past files_max, remove
 * the oldest.  Failures are reported and end the output. */
static void next_file(struct trace *t, struct trace_out *o)
{
	if (!(t->out_path || t->bulk) || t->out_failed)
		return;
	if (close(o->fd) < 0)
		sr_err("cannot write output: %s", strerror(errno));
	o->file_no++;
	if (open_out(t, o)) {
		t->out_failed = true;
		o->fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	}
}

static void output(struct trace *t, struct trace_out *o, const void *p, size_t len)
{
	int rc;

	if (t->out_failed)
		return;
	if (t->size_max && o->file_bytes && o->file_bytes + len > t->size_max)
		next_file(t, o);
	o->file_bytes += len;
	rc = write_all(o->fd, p, len);
	if (rc) {
		sr_err("cannot write output: %s", strerror(-rc));
		t->out_failed = true;
		return;
	}
	t->bytes_out += len;
}

/* switch_file() and SIGUSR2: every output file moves on to its next file
 * (standard output stays) */
void trace_switch_file(struct trace *t)
{
	size_t i;

	for (i = 0; i < t->n_outs; i++)
		next_file(t, &t->outs[i]);
}

/*
 * Bulk mode: each CPU's complete chunks, header and all, go to its own file
 * as they come; stap-merge puts them in order later.
 */
static void emit_bulk(struct trace *t)
{
	size_t i;

	for (i = 0; i < t->n_cpus; i++) {
		struct trace_cpu *c = &t->cpus[i];
		struct stp_trace_chunk ch;

		while (next_chunk(c, &ch)) {
			size_t n = sizeof(ch) + ch.len;

			if (ch.len == 0 && ch.cpu == STP_TRACE_SWITCH_FILE)
				trace_switch_file(t);
			else
				output(t, &t->outs[i], c->buf + c->pos, n);
			c->pos += n;
		}
	}
}

static bool all_eof(const struct trace *t)
{
	size_t i;

	for (i = 0; i < t->n_cpus; i++)
		if (!t->cpus[i].eof)
			return false;
	return true;
}

/*
 * Write out complete chunks in sequence order.  `final`: every chunk is
 * published, so a gap only waits for unread bytes (call trace_read() and
 * this again until trace_done()).
 */
void trace_emit(struct trace *t, bool final)
{
	bool stalled = false;

	if (t->bulk) {
		emit_bulk(t);
		return;
	}
	for (;;) {
		struct stp_trace_chunk ch, best_ch = { 0 };
		struct trace_cpu *best = NULL;
		size_t i;

		for (i = 0; i < t->n_cpus; i++)
			if (next_chunk(&t->cpus[i], &ch) &&
			    (!best || ch.seq < best_ch.seq)) {
				best = &t->cpus[i];
				best_ch = ch;
			}
		if (!best)
			break;
		if (t->next_seq == 0)	/* attached: the oldest chunk left begins */
			t->next_seq = best_ch.seq;
		if (best_ch.seq > t->next_seq &&
		    (final ? !all_eof(t) : t->stalls < MAX_STALLS)) {
			stalled = true;
			break;
		}
		if (best_ch.len == 0 && best_ch.cpu == STP_TRACE_SWITCH_FILE)
			trace_switch_file(t);
		output(t, &t->outs[0], best->buf + best->pos + sizeof(best_ch), best_ch.len);
		best->pos += sizeof(best_ch) + best_ch.len;
		t->next_seq = best_ch.seq + 1;
	}
	t->stalls = stalled ? t->stalls + 1 : 0;
}
