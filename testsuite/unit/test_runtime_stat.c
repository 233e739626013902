/* Unit tests of the runtime's statistics and histograms (runtime/stat.h), compiled in
 * userspace against testsuite/unit/kshim: fixed cases, then random histogram shapes
 * (every shape pass 2 accepts, bounds anywhere in 64 bits) and values checked against
 * 128-bit reference arithmetic. A bucket index outside the array would be a write into
 * the kernel's memory, so every index is checked, not only left to ASan. Prints TAP. */
#include "stap.h"

static char out_buf[1 << 16];
static size_t out_len;
static char err_buf[256];

void _stp_print_bytes(const char *s, size_t len)
{
	len = min(len, sizeof(out_buf) - 1 - out_len);
	memcpy(out_buf + out_len, s, len);
	out_len += len;
	out_buf[out_len] = '\0';
}

static __printf(1, 0) void _stp_vprintf(const char *fmt, va_list ap)
{
	char tmp[1024];
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);

	if (n > 0)
		_stp_print_bytes(tmp, min((size_t)n, sizeof(tmp) - 1));
}

void _stp_error(struct _stp_context *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err_buf, sizeof(err_buf), fmt, ap);
	va_end(ap);
	c->last_error = err_buf;
}

#include "stat.h"
#include "format.h"

#include "tap.h"

/* what the translator emits for @hist_linear(v, lo, hi, step) (translate/globals.c) */
static struct _stp_hist linear(int64_t lo, int64_t hi, int64_t step)
{
	struct _stp_hist h = { .type = STP_HIST_LINEAR, .start = lo, .stop = hi,
			       .interval = step };

	h.buckets = (int)(((uint64_t)hi - (uint64_t)lo) / (uint64_t)step + 3);
	return h;
}

/* the bucket v belongs in, in exact arithmetic */
static int ref_bucket(const struct _stp_hist *h, int64_t v)
{
	__int128 q;

	if (v < h->start)
		return 0;
	q = ((__int128)v - h->start) / h->interval;
	if (q >= h->buckets - 2)
		return h->buckets - 1;
	return (int)q + 1;
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* values near the interesting places: 0, the extremes, a bound */
static int64_t pick(int64_t near)
{
	switch (next() % 5) {
	case 0: return (int64_t)next();
	case 1: return INT64_MIN + (int64_t)(next() % 1000);
	case 2: return INT64_MAX - (int64_t)(next() % 1000);
	case 3: return (int64_t)(next() % 2001) - 1000;
	default: return (int64_t)((uint64_t)near + next() % 2001 - 1000);
	}
}

static int bucket_of(const struct _stp_hist *h, int64_t v)
{
	struct _stp_stat st;
	int i, found = -1;

	memset(&st, 0, sizeof(st));
	_stp_stat_add(h, &st, v);
	for (i = 0; i < STP_MAX_BUCKETS; i++)
		if (st.buckets[i])
			found = found < 0 ? i : -2;
	return found;
}

static void fixed_cases(void)
{
	struct _stp_hist h = linear(0, 10, 1);
	struct _stp_hist evil = linear((int64_t)0xc000000000000000ULL,
				       (int64_t)0xc00000000000000aULL, 1);

	ok(h.buckets == 13, "linear(0, 10, 1) has 13 buckets");
	ok(bucket_of(&h, -1) == 0 && bucket_of(&h, 0) == 1 && bucket_of(&h, 10) == 11 &&
	   bucket_of(&h, 11) == 12, "linear(0, 10, 1): below, first, last, above");
	/* the review's case: (v - start) overflowed, the index went negative */
	ok(bucket_of(&evil, 4611686018427388903LL) == evil.buckets - 1,
	   "a value 2^63 above a negative start lands in the overflow bucket");
	ok(bucket_of(&evil, INT64_MAX) == evil.buckets - 1 && bucket_of(&evil, INT64_MIN) == 0,
	   "INT64_MAX and INT64_MIN against a range near -2^62");
	h = linear(INT64_MIN, INT64_MIN + 100, 1);
	ok(bucket_of(&h, INT64_MAX) == h.buckets - 1 && bucket_of(&h, INT64_MIN) == 1,
	   "a range starting at INT64_MIN");
	h = linear(INT64_MAX - 100, INT64_MAX, 1);
	ok(bucket_of(&h, INT64_MIN) == 0 && bucket_of(&h, INT64_MAX) == h.buckets - 2,
	   "a range ending at INT64_MAX");
	h = linear(INT64_MIN, INT64_MAX, INT64_MAX / 60);
	ok(h.buckets <= STP_MAX_BUCKETS && bucket_of(&h, 0) > 0 &&
	   bucket_of(&h, INT64_MAX) < h.buckets, "the whole 64-bit range in 120 steps");
}

static void random_shapes(void)
{
	int i, bad = 0;

	for (i = 0; i < 200000 && bad < 5; i++) {
		int64_t lo = pick(0), step = 1 + (int64_t)(next() % (1ULL << (next() % 63)));
		__int128 hi = (__int128)lo + (__int128)step * (1 + (int64_t)(next() % 125)) -
			      (int64_t)(next() % (uint64_t)step);
		struct _stp_hist h;
		int64_t v;
		int b;

		if (hi <= lo || hi > INT64_MAX)
			continue;
		h = linear(lo, (int64_t)hi, step);
		if (h.buckets > STP_MAX_BUCKETS)
			continue;
		v = pick(next() & 1 ? lo : (int64_t)hi);
		b = bucket_of(&h, v);
		if (b != ref_bucket(&h, v)) {
			printf("# lo %lld hi %lld step %lld v %lld: bucket %d, want %d\n",
			       (long long)lo, (long long)hi, (long long)step, (long long)v, b,
			       ref_bucket(&h, v));
			bad++;
		}
	}
	ok(bad == 0, "200000 random shapes and values: every bucket in range and exact");
}

static void printing(void)
{
	struct _stp_hist h = linear(INT64_MAX - 1000, INT64_MAX, 100);
	struct _stp_hist lg = { .type = STP_HIST_LOG, .buckets = STP_HIST_LOG_BUCKETS };
	struct _stp_stat st;
	char dst[MAXSTRINGLEN];

	memset(&st, 0, sizeof(st));
	_stp_stat_add(&h, &st, INT64_MAX);
	_stp_stat_add(&h, &st, INT64_MIN);
	out_len = 0;
	_stp_out_hist(NULL, &h, &st);
	ok(strstr(out_buf, "value |") && strstr(out_buf, "<9223372036854774807 |"),
	   "a histogram near INT64_MAX prints its rows");
	memset(&st, 0, sizeof(st));
	_stp_stat_add(&lg, &st, INT64_MIN);
	_stp_stat_add(&lg, &st, INT64_MAX);
	_stp_stat_add(&lg, &st, 0);
	out_len = 0;
	_stp_out_hist(NULL, &lg, &st);
	ok(strstr(out_buf, "-4611686018427387904 |") && strstr(out_buf, "4611686018427387904 |"),
	   "a log histogram of the extremes");
	dst[0] = '\0';
	_stp_out_hist(dst, &h, &st);
	ok(strlen(dst) < MAXSTRINGLEN, "a histogram into a string stays within MAXSTRINGLEN");
}

static void extractors(void)
{
	struct _stp_context c;
	struct _stp_stat st;

	memset(&c, 0, sizeof(c));
	memset(&st, 0, sizeof(st));
	ok(_stp_stat_extract(&c, &st, 0) == 0 && !c.last_error, "@count of nothing is 0");
	ok(_stp_stat_extract(&c, &st, 1) == 0 && !c.last_error, "@sum of nothing is 0");
	_stp_stat_extract(&c, &st, 2);
	ok(c.last_error && !strcmp(c.last_error, "empty aggregate"), "@min of nothing is an error");
	c.last_error = NULL;
	_stp_stat_extract(&c, &st, 4);
	ok(c.last_error && !strcmp(c.last_error, "empty aggregate"), "@avg of nothing is an error");
	c.last_error = NULL;
	_stp_stat_add(NULL, &st, INT64_MIN);
	_stp_stat_add(NULL, &st, INT64_MIN);
	ok(_stp_stat_extract(&c, &st, 2) == INT64_MIN && _stp_stat_extract(&c, &st, 0) == 2,
	   "@min and @count of INT64_MIN twice");
	(void)_stp_stat_extract(&c, &st, 4);
	(void)_stp_stat_extract(&c, &st, 5);
	ok(!c.last_error, "@avg and @variance of values that overflow the sums do not trap");
}

/* @variance of the values vals[0..n) split at `cut` between two CPUs, merged */
static int64_t variance_of(const int64_t *vals, int n, int cut)
{
	static struct _stp_stat cpu[2], agg, entry;
	struct _stp_context c;
	int i;

	memset(&c, 0, sizeof(c));
	_stp_stat_zero(NULL, &cpu[0]);
	_stp_stat_zero(NULL, &cpu[1]);
	for (i = 0; i < n; i++)
		_stp_stat_add(NULL, &cpu[i >= cut], vals[i]);
	_stp_stat_zero(NULL, &agg);
	_stp_stat_merge(NULL, &agg, &cpu[0]);
	_stp_stat_merge(NULL, &agg, &cpu[1]);
	/* an array entry's aggregate is merged once more into the result */
	_stp_stat_zero(NULL, &entry);
	_stp_stat_merge(NULL, &entry, &agg);
	if (_stp_stat_extract(&c, &entry, 5) != _stp_stat_extract(&c, &agg, 5))
		return -12345;
	if (cut >= n && _stp_stat_extract(&c, &cpu[0], 5) != _stp_stat_extract(&c, &agg, 5))
		return -54321;
	return _stp_stat_extract(&c, &agg, 5);
}

/*
 * 4.8's @variance: Welford per CPU in truncating integer division, then the
 * total variance over CPUs. Worked by hand for 1 2 4 8 16: the running mean
 * goes 1 1 2 3 5, M2 = 1 + 6 + 30 + 143 = 180, var = 180/4 = 45; the mean of
 * the sum is 31/5 = 6, so (5 (5 - 6)^2 + 4 * 45) / 4 = 46 (not the 37 of
 * (n sum x^2 - (sum x)^2) / (n (n - 1))).
 */
static void variance(void)
{
	static const int64_t a[] = { 1, 2 }, b[] = { 1, 2, 4, 8, 16 },
			     d[] = { 10, 0, 0, 0, 0, 1 }, e[] = { -5, 3, -1, 8 },
			     f[] = { 100, 1, 1, 1 }, g[] = { 2, 4, 6 }, h[] = { 3 };

	ok(variance_of(a, 2, 2) == 1, "@variance of 1 2 is 1, as 4.8");
	ok(variance_of(b, 5, 5) == 46, "@variance of 1 2 4 8 16 is 46, as 4.8");
	ok(variance_of(d, 6, 6) == 23, "@variance of 10 0 0 0 0 1 is 23");
	ok(variance_of(e, 4, 4) == 31, "@variance of -5 3 -1 8 is 31");
	ok(variance_of(f, 4, 4) == 2516, "@variance of 100 1 1 1 is 2516");
	ok(variance_of(g, 3, 3) == 4 && variance_of(h, 1, 1) == 0,
	   "@variance of 2 4 6 is 4, of one value 0");
	ok(variance_of(b, 5, 3) == 39, "@variance of 1 2 4 | 8 16 on two CPUs is 39");
	ok(variance_of(d, 6, 3) == 20, "@variance of 10 0 0 | 0 0 1 on two CPUs is 20");
	ok(variance_of(g, 3, 0) == 4 && variance_of(b, 5, 1) == 39,
	   "@variance with all values on the second CPU, and of 1 | 2 4 8 16");
}

int main(void)
{
	fixed_cases();
	random_shapes();
	printing();
	variance();
	extractors();
	return tap_done();
}
