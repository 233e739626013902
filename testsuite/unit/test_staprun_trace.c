/* Unit tests of staprun's output merge (staprun/trace.c) on trace files made by hand:
 * chunks from two CPUs come out in sequence order, and a corrupt chunk header (a length
 * no module writes) ends that CPU's output with an error instead of making the final
 * drain spin forever.  Prints TAP. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* the final drain of staprun's run_session(), on the files of dir; its output */
static char *drain(const char *dir, int *rc_out)
{
	char out_path[256];
	struct trace t;
	int out_fd, rc;
	char *text;
	struct stat st;

	snprintf(out_path, sizeof(out_path), "%s.out", dir);
	out_fd = open(out_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	rc = trace_open(&t, dir, out_fd);
	alarm(20);	/* a spinning drain fails the test */
	while (rc == 0 && (rc = trace_read(&t)) == 0) {
		trace_emit(&t, true);
		if (trace_done(&t))
			break;
	}
	alarm(0);
	trace_close(&t);
	fstat(out_fd, &st);
	text = calloc(1, (size_t)st.st_size + 1);
	pread(out_fd, text, (size_t)st.st_size, 0);
	close(out_fd);
	unlink(out_path);
	*rc_out = rc;
	return text;
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

	snprintf(path, sizeof(path), "%s/trace0", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/trace1", dir);
	unlink(path);
	rmdir(dir);
	return tap_done();
}
