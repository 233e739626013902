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
#include <unistd.h>

#include "staprun.h"
#include "stp_msg.h"

#define READ_STEP (256u * 1024)		/* bytes per read() */
#define READ_MAX (8u * 1024 * 1024)	/* unwritten bytes kept per CPU */
#define MAX_STALLS 2

static int open_cpu(struct trace *t, const char *dir, const char *file)
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
	t->cpus[t->n_cpus++].fd = fd;
	return 0;
}

/* Open every trace<N> file in the module's directory `dir`. */
int trace_open(struct trace *t, const char *dir, int out_fd)
{
	struct dirent *de;
	DIR *d;
	int rc = 0;

	memset(t, 0, sizeof(*t));
	t->next_seq = 1;
	t->out_fd = out_fd;
	d = opendir(dir);
	if (!d) {
		int e = errno;

		sr_err("cannot open %s: %s", dir, strerror(e));
		return -e;
	}
	while (rc == 0 && (de = readdir(d)) != NULL)
		if (strncmp(de->d_name, "trace", 5) == 0 && de->d_name[5] &&
		    strspn(de->d_name + 5, "0123456789") == strlen(de->d_name + 5))
			rc = open_cpu(t, dir, de->d_name);
	closedir(d);
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

/* The name of output file n: PATH for the first one unless numbered, else PATH.n */
void trace_out_name(char *buf, size_t cap, const char *path, unsigned int n, bool numbered)
{
	if (n == 0 && !numbered)
		snprintf(buf, cap, "%s", path);
	else
		snprintf(buf, cap, "%s.%u", path, n);
}

/* Close the current output file and open the next; past files_max, remove the
 * oldest. Failures are reported and end the output. */
static void next_file(struct trace *t)
{
	char name[4096];

	if (!t->out_path || t->out_failed)
		return;
	if (close(t->out_fd) < 0)
		sr_err("cannot write %s: %s", t->out_path, strerror(errno));
	t->file_no++;
	trace_out_name(name, sizeof(name), t->out_path, t->file_no, t->numbered);
	t->out_fd = priv_open_as_caller(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC);
	if (t->out_fd < 0) {
		sr_err("cannot open %s: %s", name, strerror(errno));
		t->out_failed = true;
		t->out_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		return;
	}
	t->file_bytes = 0;
	if (t->files_max && t->file_no >= t->files_max) {
		trace_out_name(name, sizeof(name), t->out_path, t->file_no - t->files_max,
			       t->numbered);
		if (priv_unlink_as_caller(name) < 0 && errno != ENOENT)
			sr_err("cannot remove %s: %s", name, strerror(errno));
	}
}

static void output(struct trace *t, const char *p, size_t len)
{
	int rc;

	if (t->out_failed)
		return;
	if (t->out_path && t->size_max && t->file_bytes && t->file_bytes + len > t->size_max)
		next_file(t);
	t->file_bytes += len;
	rc = write_all(t->out_fd, p, len);
	if (rc) {
		sr_err("cannot write output: %s", strerror(-rc));
		t->out_failed = true;
		return;
	}
	t->bytes_out += len;
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
		if (best_ch.seq > t->next_seq &&
		    (final ? !all_eof(t) : t->stalls < MAX_STALLS)) {
			stalled = true;
			break;
		}
		if (best_ch.len == 0 && best_ch.cpu == STP_TRACE_SWITCH_FILE)
			next_file(t);
		output(t, best->buf + best->pos + sizeof(best_ch), best_ch.len);
		best->pos += sizeof(best_ch) + best_ch.len;
		t->next_seq = best_ch.seq + 1;
	}
	t->stalls = stalled ? t->stalls + 1 : 0;
}
