/*
 * stap-merge [-v] [-o OUTPUT] FILE...
 *
 * Put the output of a bulk mode session (stap -b: one file per CPU, written
 * by staprun as chunks with their headers, include/stp_msg.h) back in the
 * order the probes printed it: the chunks of all FILEs, merged on their
 * sequence numbers, written without headers to OUTPUT or stdout.  Rotated
 * files (-S) may be given together.  -v puts "[CPU:N, seq=S, length=L]"
 * before each chunk.  Exits 1 when a file cannot be read or is not such a
 * stream (a truncated last chunk is reported and left out).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stp_msg.h"

struct input {
	const char *name;
	unsigned char *data;
	size_t len, pos;
};

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p) {
		fputs("stap-merge: out of memory\n", stderr);
		exit(1);
	}
	return p;
}

static int read_input(struct input *in)
{
	int fd = open(in->name, O_RDONLY | O_CLOEXEC);
	struct stat st;
	size_t done = 0;

	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "stap-merge: cannot read %s: %s\n", in->name, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	in->len = (size_t)st.st_size;
	in->data = xmalloc(in->len);
	while (done < in->len) {
		ssize_t n = read(fd, in->data + done, in->len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "stap-merge: cannot read %s: %s\n", in->name,
				n < 0 ? strerror(errno) : "file shrank");
			close(fd);
			return -1;
		}
		done += (size_t)n;
	}
	close(fd);
	return 0;
}

/* The header of the next chunk of `in`, if a whole, sane one is there; a bad
 * one is reported and ends that input. */
static bool next_chunk(struct input *in, struct stp_trace_chunk *ch, int *bad)
{
	size_t avail = in->len - in->pos;

	if (avail == 0)
		return false;
	if (avail >= sizeof(*ch)) {
		memcpy(ch, in->data + in->pos, sizeof(*ch));
		if (ch->len <= STP_TRACE_CHUNK_MAX && avail - sizeof(*ch) >= ch->len)
			return true;
	}
	fprintf(stderr, "stap-merge: %s: %s at byte %zu: the rest is left out\n", in->name,
		avail < sizeof(*ch) || ch->len <= STP_TRACE_CHUNK_MAX ?
			"a truncated chunk" : "not a bulk mode output file", in->pos);
	in->pos = in->len;
	*bad = 1;
	return false;
}

static void usage(void)
{
	fputs("usage: stap-merge [-v] [-o OUTPUT] FILE...\n", stderr);
	exit(1);
}

int main(int argc, char **argv)
{
	const char *out_name = NULL;
	struct input *in;
	FILE *out = stdout;
	int opt, n, i, bad = 0;
	bool verbose = false;

	while ((opt = getopt(argc, argv, "vo:")) != -1) {
		if (opt == 'v')
			verbose = true;
		else if (opt == 'o')
			out_name = optarg;
		else
			usage();
	}
	n = argc - optind;
	if (n < 1)
		usage();
	in = xmalloc((size_t)n * sizeof(*in));
	memset(in, 0, (size_t)n * sizeof(*in));
	for (i = 0; i < n; i++) {
		in[i].name = argv[optind + i];
		if (read_input(&in[i]))
			return 1;
	}
	if (out_name && !(out = fopen(out_name, "w"))) {
		fprintf(stderr, "stap-merge: cannot open %s: %s\n", out_name, strerror(errno));
		return 1;
	}
	for (;;) {
		struct stp_trace_chunk ch, best_ch = { 0 };
		int best = -1;

		for (i = 0; i < n; i++)
			if (next_chunk(&in[i], &ch, &bad) && (best < 0 || ch.seq < best_ch.seq)) {
				best = i;
				best_ch = ch;
			}
		if (best < 0)
			break;
		in[best].pos += sizeof(best_ch);
		if (verbose)
			fprintf(out, "[CPU:%u, seq=%llu, length=%u]\n", best_ch.cpu,
				(unsigned long long)best_ch.seq, best_ch.len);
		fwrite(in[best].data + in[best].pos, 1, best_ch.len, out);
		in[best].pos += best_ch.len;
	}
	if (fflush(out) || ferror(out) || (out != stdout && fclose(out))) {
		fprintf(stderr, "stap-merge: cannot write %s\n", out_name ? out_name : "the output");
		return 1;
	}
	return bad;
}
