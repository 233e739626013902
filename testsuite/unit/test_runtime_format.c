/* Unit tests of the runtime's formatted output (runtime/format.h, the print buffer of
 * runtime/print.h) and histogram printing (runtime/stat.h), compiled in userspace against
 * testsuite/unit/kshim: output into a MAXSTRINGLEN string value never overflows it, %b
 * widths, %m/%M with widths and precisions up to INT_MAX and a faulting address, and the
 * histogram layouts that testsuite/run/stats.suite asserts in the guest, as exact text.
 * Prints TAP. */
#include "stap.h"

/* what the transport received: every flushed byte counted, the first ones kept */
static char out_buf[1 << 16];
static size_t out_len, out_total;
static char err_buf[256];
static struct _stp_context ctx, *ctx_ptr = &ctx;

static void _stp_trace_write(const char *buf, size_t len)
{
	size_t n = min(len, sizeof(out_buf) - 1 - out_len);

	memcpy(out_buf + out_len, buf, n);
	out_len += n;
	out_buf[out_len] = '\0';
	out_total += len;
}

void _stp_error(struct _stp_context *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err_buf, sizeof(err_buf), fmt, ap);
	va_end(ap);
	c->last_error = err_buf;
}

#include "context.h"
#include "print.h"
#include "stat.h"
#include "format.h"

#include "tap.h"

/* start a hit: empty print buffer, nothing received, no error */
static void reset(void)
{
	ctx.print_len = 0;
	ctx.last_error = NULL;
	ctx.actionremaining = 1L << 30;
	out_len = out_total = 0;
	out_buf[0] = '\0';
}

/* end the hit: everything it printed, as the transport got it */
static const char *output(void)
{
	_stp_print_flush();
	return out_buf;
}

/* a string value on the heap, so that ASan guards its exact end */
static char *new_string(size_t fill)
{
	char *s = malloc(MAXSTRINGLEN);

	memset(s, 'x', fill);
	s[fill] = '\0';
	return s;
}

static void strings(void)
{
	char *s = new_string(500), big[2000];
	int bad = 0;
	size_t i;

	_stp_out_printf(s, "%s-%d", "0123456789abcdef", 42);
	ok(strlen(s) == MAXSTRINGLEN - 1 && !memcmp(s + 500, "0123456789a", 11),
	   "sprintf appending past MAXSTRINGLEN is cut at MAXSTRINGLEN - 1");
	_stp_out_printf(s, "%*d", 100000, 1);
	_stp_out_bytes(s, "more", 4);
	ok(strlen(s) == MAXSTRINGLEN - 1, "a full string value stays full");
	memset(big, 'b', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (i = 0; i < MAXSTRINGLEN + 3; i++) {
		s[0] = '\0';
		_stp_out_bytes(s, big, i);
		_stp_out_bytes(s, big, sizeof(big));
		_stp_out_printf(s, "%.*s", (int)i, big);
		if (strlen(s) != MAXSTRINGLEN - 1)
			bad++;
	}
	ok(bad == 0, "_stp_out_bytes and _stp_out_printf from every fill level stay within");
	free(s);

	reset();
	_stp_out_printf(NULL, "%s|%s|", big + 1000, big + 1000);
	ok(out_total + ctx.print_len == 2 * 999 + 2, "one printf of 2000 bytes arrives whole");
	reset();
	for (i = 0; i < 5; i++)
		_stp_out_bytes(NULL, big, sizeof(big) - 1);
	ok(strlen(output()) == 5 * (sizeof(big) - 1) && out_total == 5 * (sizeof(big) - 1),
	   "9995 bytes through an 8192-byte print buffer arrive whole");
}

static void binary(void)
{
	char *s = new_string(0);

	reset();
	_stp_out_binary(NULL, 0x41, 1, -1, 0);
	_stp_out_binary(NULL, 0x42, 1, -1, 0);
	_stp_out_binary(NULL, 0x43, 1, -1, 0);
	ok(!strcmp(output(), "ABC"), "%1b%1b%1b of 0x41 0x42 0x43 is ABC (printf.suite)");
	reset();
	_stp_out_binary(NULL, 0x4241, 2, -1, 0);
	_stp_out_binary(NULL, 0x44444443, 4, -1, 0);
	ok(!strcmp(output(), "ABCDDD"), "%2b%4b little endian (printf.suite)");
	reset();
	_stp_out_binary(NULL, 0x4847464544434241LL, 8, -1, 0);
	_stp_out_binary(NULL, 0x5050505050505050LL, 3, -1, 0);
	_stp_out_binary(NULL, 0x5151515151515151LL, -1, -1, 0);
	output();
	ok(out_total == 24 && !memcmp(out_buf, "ABCDEFGHPPPPPPPPQQQQQQQQ", 24),
	   "%8b, %3b and %b write 8 bytes");
	reset();
	_stp_out_binary(NULL, 0x41, 4, 1, 0);
	_stp_out_binary(NULL, 0x4342, 3, 2, 1);
	_stp_out_binary(NULL, 0x44, -1, 1, 0);
	_stp_out_binary(NULL, 0x4645, -1, 3, 0);
	_stp_out_binary(NULL, 0x47, 10, -1, 0);
	output();
	ok(out_total == 4 + 3 + 1 + 8 + 10 &&
	   !memcmp(out_buf, "\0\0\0ABC\0DEF\0\0\0\0\0\0\0\0G\0\0\0\0\0\0\0", 26),
	   "%4.1b pads before, %-3.2b after, %.1b is 1 byte, %.3b 8, %10b pads 8 bytes");
	_stp_out_binary(s, 0x4241, 2, -1, 0);
	_stp_out_binary(s, 0x44434241, 4, -1, 0);
	ok(!strcmp(s, "ABABCD"), "%b into a string value");
	memset(s, 'x', MAXSTRINGLEN - 3);
	s[MAXSTRINGLEN - 3] = '\0';
	_stp_out_binary(s, 0x4443424144434241LL, 8, -1, 0);
	ok(strlen(s) == MAXSTRINGLEN - 1 && !strcmp(s + MAXSTRINGLEN - 3, "AB"),
	   "%8b into a nearly full string is cut");
	free(s);
}

static void memory(void)
{
	static const char mem[] = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	int64_t a = (int64_t)(unsigned long)mem;
	char *s = new_string(0);
	unsigned long reads;
	size_t i;
	int bad = 0;

	kshim_mapped_lo = mem;
	kshim_mapped_hi = mem + sizeof(mem);
	reset();
	_stp_out_memory(&ctx, NULL, a, 3, -1, 0, false);
	_stp_out_memory(&ctx, NULL, a + 26, 2, -1, 0, true);
	_stp_out_memory(&ctx, NULL, a, -1, -1, 0, false);
	ok(!strcmp(output(), "abc3031a") && !ctx.last_error,
	   "%.3m, %.2M, and %m is one byte (printf.suite)");
	reset();
	_stp_out_memory(&ctx, NULL, a, 2, 5, 0, false);
	_stp_out_printf(NULL, "|");
	_stp_out_memory(&ctx, NULL, a, 2, 5, 1, false);
	_stp_out_printf(NULL, "|");
	_stp_out_memory(&ctx, NULL, a, 2, 7, 0, true);
	_stp_out_printf(NULL, "|");
	_stp_out_memory(&ctx, NULL, a, 2, 7, 1, true);
	_stp_out_printf(NULL, "|");
	_stp_out_memory(&ctx, NULL, a, 4, 2, 0, true);
	ok(!strcmp(output(), "   ab|ab   |   6162|6162   |61626364"),
	   "%5.2m %-5.2m %7.2M %-7.2M %2.4M");
	reset();
	_stp_out_memory(&ctx, NULL, a, 100, 0, 0, false);
	ok(!strncmp(output(), mem, 100) && out_total == 100, "%.100m spans several chunks");

	reset();
	kshim_mapped_lo = NULL;
	_stp_out_memory(&ctx, NULL, 16, 4, -1, 0, false);
	ok(ctx.last_error && !strcmp(ctx.last_error, "kernel read fault at 0x10") &&
	   !strcmp(output(), ""), "%.4m of address 16 is an error (printf.suite)");
	kshim_mapped_lo = mem;

	reset();
	_stp_out_memory(&ctx, NULL, a, sizeof(mem) + 10, -1, 0, false);
	ok(ctx.last_error && !strncmp(ctx.last_error, "kernel read fault at 0x", 23),
	   "%m running off the end of a mapping is an error");
	reset();
	_stp_out_memory(&ctx, NULL, 16, INT32_MAX, 5, 0, true);
	ok(ctx.last_error && !strcmp(output(), ""),
	   "%5.*M with precision INT_MAX: no padding (2 * len does not wrap), then the fault");
	reset();
	reads = kshim_reads;
	_stp_out_memory(&ctx, NULL, a, 1, INT32_MAX, 1, false);
	output();
	ok(!ctx.last_error && out_total == STP_BUFSIZE && out_buf[0] == 'a' &&
	   out_buf[1] == ' ' && kshim_reads == reads + 1,
	   "%-*m with width INT_MAX is clamped to the print buffer");
	reset();
	_stp_out_memory(&ctx, NULL, a, 1, (1LL << 32) + 3, 1, false);
	output();
	ok(!ctx.last_error && out_total == STP_BUFSIZE,
	   "%-*m with width 2^32 + 3 is clamped, not cut to 3");
	reset();
	_stp_out_memory(&ctx, NULL, a, 1, -2000000000, 0, false);
	output();
	ok(!ctx.last_error && out_total == 1, "%*m with a negative width: no padding");
	reset();
	ctx.actionremaining = 10;
	reads = kshim_reads;
	_stp_out_memory(&ctx, NULL, a, 1, STP_BUFSIZE, 0, true);
	ok(ctx.last_error && !strcmp(ctx.last_error, "MAXACTION exceeded") &&
	   !strcmp(output(), "") && kshim_reads == reads,
	   "a long %*M field is charged to MAXACTION before it is written");
	reset();
	ok(_stp_fmt_width(2000000000) == STP_BUFSIZE && _stp_fmt_width(-5) == 0 &&
	   _stp_fmt_width((1LL << 32) + 3) == STP_BUFSIZE && _stp_fmt_prec(7) == 7 &&
	   _stp_fmt_prec(INT64_MIN) == 0, "* widths and precisions are clamped to [0, STP_BUFSIZE]");

	for (i = 0; i < MAXSTRINGLEN + 2; i++) {
		int width;

		for (width = -1; width < MAXSTRINGLEN + 2; width += 37) {
			size_t fill = min(i, (size_t)MAXSTRINGLEN - 1);

			memset(s, 'x', fill);
			s[fill] = '\0';
			_stp_out_memory(&ctx, s, a, (int)(i % 100), width, (int)(i & 1), i & 2);
			if (strlen(s) > MAXSTRINGLEN - 1 || ctx.last_error)
				bad++;
		}
	}
	ok(bad == 0, "%m/%M with widths and precisions into a string at every fill level");
	s[0] = '\0';
	reads = kshim_reads;
	_stp_out_memory(&ctx, s, a, 1, INT32_MAX, 0, true);
	ok(strlen(s) == MAXSTRINGLEN - 1 && s[0] == ' ' && kshim_reads == reads && !ctx.last_error,
	   "sprintf(\"%*.1M\", INT_MAX): the padding fills the string, nothing is read");
	s[0] = '\0';
	_stp_out_memory(&ctx, s, a, INT32_MAX, 0, 1, false);
	ok(strlen(s) == MAXSTRINGLEN - 1 || ctx.last_error,
	   "sprintf(\"%.*m\", INT_MAX) stops at the end of the string or at the fault");
	kshim_mapped_lo = kshim_mapped_hi = NULL;
	free(s);
}

/* the text of print(@hist_*(s)) for values v[0..n) */
static const char *hist(const struct _stp_hist *h, const int64_t *v, int n)
{
	static struct _stp_stat st;
	int i;

	memset(&st, 0, sizeof(st));
	for (i = 0; i < n; i++)
		_stp_stat_add(h, &st, v[i]);
	reset();
	_stp_out_hist(NULL, h, &st);
	return output();
}

static struct _stp_hist linear(int64_t lo, int64_t hi, int64_t step)
{
	struct _stp_hist h = { .type = STP_HIST_LINEAR, .start = lo, .stop = hi,
			       .interval = step };

	h.buckets = (int)((hi - lo) / step + 3);
	return h;
}

#define HEAD "value |-------------------------------------------------- count\n"

/* the expected texts are testsuite/run/stats.suite's EXPECT lines */
static void histograms(void)
{
	struct _stp_hist lg = { .type = STP_HIST_LOG, .buckets = STP_HIST_LOG_BUCKETS };
	struct _stp_hist lin = linear(0, 30, 10), lin100 = linear(0, 100, 10);
	int64_t zero_to_9[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, under_over[] = { -5, 0, 15, 15, 99 };
	int64_t ends[] = { 0, 90 }, fours[] = { 4, 4 }, pm4[] = { -4, 4 }, many[250];
	char *s = new_string(0);
	int i;

	ok(!strcmp(hist(&lg, zero_to_9, 10),
		   HEAD
		   "    0 |@                                                  1\n"
		   "    1 |@                                                  1\n"
		   "    2 |@@                                                 2\n"
		   "    4 |@@@@                                               4\n"
		   "    8 |@@                                                 2\n"
		   "   16 |                                                   0\n"
		   "   32 |                                                   0\n"
		   "\n"), "@hist_log of 0..9");
	ok(!strcmp(hist(&lin, under_over, 5),
		   HEAD
		   "   <0 |@                                                  1\n"
		   "    0 |@                                                  1\n"
		   "   10 |@@                                                 2\n"
		   "   20 |                                                   0\n"
		   "   30 |                                                   0\n"
		   "  >30 |@                                                  1\n"
		   "\n"), "@hist_linear(0, 30, 10) with under- and overflow");
	ok(!strcmp(hist(&lin100, ends, 2),
		   HEAD
		   "    0 |@                                                  1\n"
		   "   10 |                                                   0\n"
		   "   20 |                                                   0\n"
		   "      ~\n"
		   "   70 |                                                   0\n"
		   "   80 |                                                   0\n"
		   "   90 |@                                                  1\n"
		   "  100 |                                                   0\n"
		   "\n"), "@hist_linear elides a run of empty buckets");
	for (i = 0; i < 250; i++)
		many[i] = i < 200 ? 1 : 2;
	ok(!strcmp(hist(&lg, many, 250),
		   HEAD
		   "    0 |                                                     0\n"
		   "    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@ 200\n"
		   "    2 |@@@@@@@@@@@@                                        50\n"
		   "    4 |                                                     0\n"
		   "    8 |                                                     0\n"
		   "\n"), "bars are scaled to 50 columns");
	ok(!strcmp(hist(&lg, fours, 2),
		   HEAD
		   "    1 |                                                   0\n"
		   "    2 |                                                   0\n"
		   "    4 |@@                                                 2\n"
		   "    8 |                                                   0\n"
		   "   16 |                                                   0\n"
		   "\n"), "@hist_log of one bucket");
	ok(!strcmp(hist(&lg, pm4, 2),
		   HEAD
		   "  -16 |                                                   0\n"
		   "   -8 |                                                   0\n"
		   "   -4 |@                                                  1\n"
		   "   -2 |                                                   0\n"
		   "   -1 |                                                   0\n"
		   "      ~\n"
		   "    1 |                                                   0\n"
		   "    2 |                                                   0\n"
		   "    4 |@                                                  1\n"
		   "    8 |                                                   0\n"
		   "   16 |                                                   0\n"
		   "\n"), "@hist_log of negative values");
	{
		struct _stp_stat st;

		memset(&st, 0, sizeof(st));
		for (i = 0; i < 10; i++)
			_stp_stat_add(&lg, &st, zero_to_9[i]);
		_stp_out_hist(s, &lg, &st);
		ok(!strcmp(s, hist(&lg, zero_to_9, 10)) && strlen(s) > 100,
		   "sprint of a histogram is the same text");
		for (i = 0; i < 128; i++)
			st.buckets[i] = i % 3 ? 0 : (int64_t)1 << (i % 60);
		s[0] = '\0';
		_stp_out_hist(s, &lg, &st);
		ok(strlen(s) == MAXSTRINGLEN - 1, "a long histogram into a string is cut");
	}
	free(s);
}

int main(void)
{
	_stp_ctx = &ctx_ptr;
	strings();
	binary();
	memory();
	histograms();
	return tap_done();
}
