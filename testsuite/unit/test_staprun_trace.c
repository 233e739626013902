/* Unit tests of staprun's output merge (staprun/trace.c) on trace files made by hand:
 * chunks from two CPUs come out in sequence order, and a corrupt chunk header (a length
 * no module writes) ends that CPU's output with an error instead of making the final
 * drain spin forever; the output files' names (strftime patterns, -S numbering, bulk
 * mode's per-CPU files with their chunk headers).  Prints TAP. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "staprun.h"
#include "stp_msg.h"

#include "tap.h"

static void put_chunk(FILE *f, uint64_t seq, uint32_t len, const char *data, size_t n)
{
	struct stp_trace_chunk ch = { .seq = seq, .len = len, .cpu = 0 };

	fwrite(&ch, sizeof(ch), 1, f);
	fwrite(data, 1, n, f);
}

/* the final drain of staprun's run_session() on the files of dir, with the output
 * set up as in `cfg`; 0 or the error */
static int drain_to(const char *dir, const struct trace *cfg)
{
	struct trace t = *cfg;
	int rc;

	t.next_seq = 1;
	rc = trace_open(&t, dir);
	if (rc == 0)
		rc = trace_open_output(&t);
	alarm(20);	/* a spinning drain fails the test */
	while (rc == 0 && (rc = trace_read(&t)) == 0) {
		trace_emit(&t, true);
		if (trace_done(&t))
			break;
	}
	alarm(0);
	trace_close(&t);
	if (trace_close_output(&t) && rc == 0)
		rc = -1;
	return rc;
}

static char *slurp(const char *path, size_t *len)
{
	struct stat st;
	char *text;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) < 0) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	text = calloc(1, (size_t)st.st_size + 1);
	if (pread(fd, text, (size_t)st.st_size, 0) != st.st_size)
		text[0] = '\0';
	close(fd);
	if (len)
		*len = (size_t)st.st_size;
	return text;
}

/* the drain into one output file; its text */
static char *drain(const char *dir, int *rc_out)
{
	char out_path[256];
	struct trace cfg = { 0 };
	char *text;

	snprintf(out_path, sizeof(out_path), "%s.out", dir);
	cfg.out_path = out_path;
	*rc_out = drain_to(dir, &cfg);
	text = slurp(out_path, NULL);
	unlink(out_path);
	return text ? text : calloc(1, 1);
}

int main(void)
{
	char dir[] = "/tmp/stp-trace-XXXXXX", path[300];
	static char big[9u << 20];
	FILE *f0, *f1;
	char *out;
	int rc;

	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/trace0", dir);
	f0 = fopen(path, "w");
	snprintf(path, sizeof(path), "%s/trace1", dir);
	f1 = fopen(path, "w");
	put_chunk(f0, 1, 2, "a\n", 2);
	put_chunk(f1, 2, 2, "b\n", 2);
	put_chunk(f0, 3, 2, "c\n", 2);
	fclose(f0);
	fclose(f1);
	out = drain(dir, &rc);
	ok(rc == 0 && !strcmp(out, "a\nb\nc\n"), "chunks of two CPUs merge in sequence order");
	free(out);

	/* CPU 0: one good chunk, then a header claiming 4 GB followed by 9 MB: more than
	 * staprun buffers, so waiting for the rest never ends */
	snprintf(path, sizeof(path), "%s/trace0", dir);
	f0 = fopen(path, "w");
	put_chunk(f0, 1, 2, "a\n", 2);
	memset(big, 'x', sizeof(big));
	put_chunk(f0, 3, 0xfffffff0u, big, sizeof(big));
	fclose(f0);
	snprintf(path, sizeof(path), "%s/trace1", dir);
	f1 = fopen(path, "w");
	put_chunk(f1, 2, 2, "b\n", 2);
	fclose(f1);
	out = drain(dir, &rc);
	ok(rc == 0 && !strcmp(out, "a\nb\n"),
	   "a chunk longer than any module writes ends that CPU's output; the drain ends");
	free(out);

	/* a corrupt header right at the start, with little after it */
	snprintf(path, sizeof(path), "%s/trace0", dir);
	f0 = fopen(path, "w");
	put_chunk(f0, 1, STP_TRACE_CHUNK_MAX + 1, "zz", 2);
	fclose(f0);
	snprintf(path, sizeof(path), "%s/trace1", dir);
	f1 = fopen(path, "w");
	fclose(f1);
	out = drain(dir, &rc);
	ok(rc == 0 && !strcmp(out, ""), "a corrupt first header: nothing written, the drain ends");
	free(out);

	/* output file names: -o with strftime(3) patterns, expanded as it is opened */
	{
		char pat[300], want[300], year[8], *text;
		time_t now = time(NULL);
		struct tm tm;
		struct trace cfg = { 0 };
		size_t len;

		localtime_r(&now, &tm);
		strftime(year, sizeof(year), "%Y", &tm);
		snprintf(path, sizeof(path), "%s/trace0", dir);
		f0 = fopen(path, "w");
		put_chunk(f0, 1, 2, "a\n", 2);
		fclose(f0);
		snprintf(path, sizeof(path), "%s/trace1", dir);
		f1 = fopen(path, "w");
		put_chunk(f1, 2, 2, "b\n", 2);
		fclose(f1);
		snprintf(pat, sizeof(pat), "%s.o-%%Y", dir);
		cfg.out_path = pat;
		rc = drain_to(dir, &cfg);
		snprintf(want, sizeof(want), "%s.o-%s", dir, year);
		text = slurp(want, NULL);
		ok(rc == 0 && text && !strcmp(text, "a\nb\n"), "-o expands strftime patterns");
		free(text);
		unlink(want);

		/* bulk mode: FILE_CPU, each CPU's chunks with their headers */
		cfg.bulk = true;
		rc = drain_to(dir, &cfg);
		snprintf(want, sizeof(want), "%s.o-%s_1", dir, year);
		text = slurp(want, &len);
		ok(rc == 0 && text && len == sizeof(struct stp_trace_chunk) + 2 &&
		   !memcmp(text + sizeof(struct stp_trace_chunk), "b\n", 2),
		   "bulk mode: FILE_N holds CPU N's chunks, headers and all");
		free(text);
		unlink(want);
		snprintf(want, sizeof(want), "%s.o-%s_0", dir, year);
		text = slurp(want, &len);
		ok(text && len == sizeof(struct stp_trace_chunk) + 2, "bulk mode: FILE_0 too");
		free(text);
		unlink(want);

		/* bulk mode with -S: FILE_cpuN.0 */
		cfg.numbered = true;
		cfg.size_max = 1 << 20;
		rc = drain_to(dir, &cfg);
		snprintf(want, sizeof(want), "%s.o-%s_cpu1.0", dir, year);
		text = slurp(want, &len);
		ok(rc == 0 && text && len == sizeof(struct stp_trace_chunk) + 2,
		   "bulk mode with -S: FILE_cpuN.0");
		free(text);
		unlink(want);
		snprintf(want, sizeof(want), "%s.o-%s_cpu0.0", dir, year);
		unlink(want);

		/* switch_file() with -S SIZE,2: FILE.0, FILE.1, FILE.2; FILE.0 removed */
		snprintf(path, sizeof(path), "%s/trace0", dir);
		f0 = fopen(path, "w");
		put_chunk(f0, 1, 2, "a\n", 2);
		put_chunk(f0, 2, 0, "", 0);
		fclose(f0);
		snprintf(path, sizeof(path), "%s/trace1", dir);
		f1 = fopen(path, "w");
		put_chunk(f1, 3, 2, "b\n", 2);
		put_chunk(f1, 4, 0, "", 0);
		put_chunk(f1, 5, 2, "c\n", 2);
		fclose(f1);
		{
			/* the marks: a chunk of no bytes from cpu STP_TRACE_SWITCH_FILE */
			struct stp_trace_chunk ch = { .seq = 2, .len = 0, .cpu = STP_TRACE_SWITCH_FILE };
			int fd;

			snprintf(path, sizeof(path), "%s/trace0", dir);
			fd = open(path, O_WRONLY);
			pwrite(fd, &ch, sizeof(ch), sizeof(ch) + 2);
			close(fd);
			snprintf(path, sizeof(path), "%s/trace1", dir);
			fd = open(path, O_WRONLY);
			ch.seq = 4;
			pwrite(fd, &ch, sizeof(ch), sizeof(ch) + 2);
			close(fd);
		}
		cfg.bulk = false;
		cfg.files_max = 2;
		rc = drain_to(dir, &cfg);
		snprintf(want, sizeof(want), "%s.o-%s.0", dir, year);
		ok(rc == 0 && access(want, F_OK) != 0, "-S SIZE,2: the oldest of three files is removed");
		snprintf(want, sizeof(want), "%s.o-%s.1", dir, year);
		text = slurp(want, NULL);
		ok(text && !strcmp(text, "b\n"), "-S SIZE,2: FILE.1 after the first switch_file()");
		free(text);
		unlink(want);
		snprintf(want, sizeof(want), "%s.o-%s.2", dir, year);
		text = slurp(want, NULL);
		ok(text && !strcmp(text, "c\n"), "-S SIZE,2: FILE.2 after the second");
		free(text);
		unlink(want);
	}

	snprintf(path, sizeof(path), "%s/trace0", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/trace1", dir);
	unlink(path);
	rmdir(dir);
	return tap_done();
}
