/*
 * Statistics: `x <<< v` adds to this CPU's accumulator without a shared
 * lock (the translator takes the global's lock for reading only);
 * extraction aggregates every CPU's accumulator under the write lock.
 * Histograms: linear (start, stop, interval; one bucket below and one above
 * the range) or log2 (128 buckets around zero).  Printing follows
 * systemtap's ASCII layout: a header, rows of '@' scaled to HIST_WIDTH, up
 * to two empty rows around the data, runs of empty rows elided as '~'.
 */
#ifndef _STP_STAT_H
#define _STP_STAT_H

#ifndef HIST_WIDTH
#define HIST_WIDTH 50
#endif
#ifndef HIST_ELISION
#define HIST_ELISION 2
#endif

int _stp_hist_nbuckets(const struct _stp_hist *h)
{
	if (!h || h->type == STP_HIST_NONE)
		return 0;
	if (h->type == STP_HIST_LOG)
		return STP_HIST_LOG_BUCKETS;
	return h->buckets;
}

/* log2 bucket of v: 64 for 0, 65 + floor(log2 v) above, mirrored below */
static int _stp_log_bucket(int64_t v)
{
	uint64_t a;

	if (v == 0)
		return STP_HIST_LOG_BUCKET0;
	a = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	if (v > 0)
		return min(STP_HIST_LOG_BUCKET0 + 1 + (int)ilog2(a),
			   STP_HIST_LOG_BUCKETS - 1);
	return max(STP_HIST_LOG_BUCKET0 - 1 - (int)ilog2(a), 0);
}

/*
 * linear bucket of v: 0 below start, 1 + (v - start) / interval within the
 * range, buckets - 1 above it.  v - start is taken as the unsigned distance
 * (exact for v >= start, whatever the signs), so no bound near +-2^63 can
 * overflow it, and the index is clamped on both sides before anything is
 * written: always 0 <= b < buckets <= STP_MAX_BUCKETS.
 */
static int _stp_linear_bucket(const struct _stp_hist *h, int64_t v)
{
	uint64_t q;

	if (h->buckets < 3 || h->buckets > STP_MAX_BUCKETS || h->interval <= 0)
		return 0;
	if (v < h->start)
		return 0;
	q = div64_u64((uint64_t)v - (uint64_t)h->start, (uint64_t)h->interval);
	if (q >= (uint64_t)(h->buckets - 2))
		return h->buckets - 1;
	return (int)q + 1;
}

/* the value a log bucket stands for: 0, +-2^k */
static int64_t _stp_log_bucket_val(int b)
{
	if (b == STP_HIST_LOG_BUCKET0)
		return 0;
	if (b > STP_HIST_LOG_BUCKET0)
		return (int64_t)(1ULL << (b - STP_HIST_LOG_BUCKET0 - 1));
	return -(int64_t)(1ULL << min(STP_HIST_LOG_BUCKET0 - 1 - b, 62));
}

static int64_t _stp_sdiv(int64_t a, int64_t b)
{
	bool neg = (a < 0) != (b < 0);
	uint64_t q = div64_u64(a < 0 ? 0 - (uint64_t)a : (uint64_t)a,
			       b < 0 ? 0 - (uint64_t)b : (uint64_t)b);

	return neg ? -(int64_t)q : (int64_t)q;
}

/* one CPU's (or an aggregate's) terms of 4.8's total variance */
static void _stp_stat_merge_variance(struct _stp_stat *dst,
				     const struct _stp_stat *src)
{
	uint64_t n = src->count, a = src->avg_s;

	if (src->merged) {
		dst->wsum += src->wsum;
		dst->wsq += src->wsq;
		dst->s2 += src->s2;
	} else {
		dst->wsum += n * a;
		dst->wsq += n * a * a;
		if (n >= 2)
			dst->s2 += (n - 1) * _stp_sdiv(src->m2, n - 1);
	}
	dst->merged = true;
}

/*
 * 4.8's @variance: the total variance of the CPUs' Welford results,
 * (sum n_i (avg_i - avg)^2 + sum (n_i - 1) var_i) / (n - 1), avg = sum / n,
 * all in truncating integer arithmetic. The first sum is expanded into the
 * merged sums, exact modulo 2^64 as 4.8's own (overflowing) products are.
 */
static int64_t _stp_stat_variance(const struct _stp_stat *st)
{
	uint64_t wsum = st->wsum, wsq = st->wsq, s2 = st->s2, avg, s1;

	if (st->count < 2)
		return 0;
	if (!st->merged) {	/* one CPU's accumulator */
		wsum = (uint64_t)st->count * (uint64_t)st->avg_s;
		wsq = wsum * (uint64_t)st->avg_s;
		s2 = (uint64_t)(st->count - 1) * (uint64_t)_stp_sdiv(st->m2, st->count - 1);
	}
	avg = _stp_sdiv(st->sum, st->count);
	s1 = wsq - 2 * avg * wsum + avg * avg * (uint64_t)st->count;
	return _stp_sdiv((int64_t)(s1 + s2), st->count - 1);
}

void _stp_stat_add(const struct _stp_hist *h, struct _stp_stat *st, int64_t v)
{
	if (st->count == 0 || v < st->min)
		st->min = v;
	if (st->count == 0 || v > st->max)
		st->max = v;
	if (st->count == 0) {
		st->avg_s = v;
		st->m2 = 0;
	} else {
		/* Welford with truncating division, as 4.8 (whose delta is
		 * an int: we keep all 64 bits) */
		int64_t delta = (int64_t)((uint64_t)v - (uint64_t)st->avg_s);

		st->avg_s = (int64_t)((uint64_t)st->avg_s +
				      (uint64_t)_stp_sdiv(delta, st->count + 1));
		st->m2 = (int64_t)((uint64_t)st->m2 +
				   (uint64_t)delta * ((uint64_t)v - (uint64_t)st->avg_s));
	}
	st->count++;
	st->sum += v;
	if (!h)
		return;
	if (h->type == STP_HIST_LOG) {
		st->buckets[_stp_log_bucket(v)]++;
	} else if (h->type == STP_HIST_LINEAR) {
		st->buckets[_stp_linear_bucket(h, v)]++;
	}
}

/* dst += src, for aggregation */
static void _stp_stat_merge(const struct _stp_hist *h, struct _stp_stat *dst,
			    const struct _stp_stat *src)
{
	int i, n = _stp_hist_nbuckets(h);

	if (!src->count)
		return;
	if (!dst->count || src->min < dst->min)
		dst->min = src->min;
	if (!dst->count || src->max > dst->max)
		dst->max = src->max;
	dst->count += src->count;
	dst->sum += src->sum;
	_stp_stat_merge_variance(dst, src);
	for (i = 0; i < n; i++)
		dst->buckets[i] += src->buckets[i];
}

static void _stp_stat_zero(const struct _stp_hist *h, struct _stp_stat *st)
{
	st->count = st->sum = st->min = st->max = 0;
	st->avg_s = st->m2 = st->wsum = st->wsq = st->s2 = 0;
	st->merged = false;
	memset(st->buckets, 0, sizeof(st->buckets[0]) * _stp_hist_nbuckets(h));
}


/* an extractor's value for sorting foreach: never an error (an empty statistic is 0) */
static int64_t _stp_stat_sort_value(const struct _stp_stat *st, int op)
{
	if (op == 0)
		return st->count;
	if (st->count == 0)
		return 0;
	switch (op) {
	case 1:
		return st->sum;
	case 2:
		return st->min;
	case 3:
		return st->max;
	case 4:
		return _stp_sdiv(st->sum, st->count);
	default:
		return _stp_stat_variance(st);
	}
}

int64_t _stp_stat_extract(struct _stp_context *c, const struct _stp_stat *st,
			  int op)
{
	/* @count and @sum of nothing are 0; the others have no value */
	if (op == 0)
		return st->count;
	if (op == 1)
		return st->sum;
	if (st->count == 0) {
		_stp_error(c, "empty aggregate");
		return 0;
	}
	switch (op) {
	case 2:
		return st->min;
	case 3:
		return st->max;
	case 4:
		return _stp_sdiv(st->sum, st->count);
	default:
		return _stp_stat_variance(st);
	}
}

int64_t _stp_stat_bucket(const struct _stp_hist *h, const struct _stp_stat *st,
			 int64_t i)
{
	if (i < 0 || i >= _stp_hist_nbuckets(h))
		return 0;
	return st->buckets[i];
}

int _stp_statvar_init(struct _stp_statvar *sv)
{
	sv->pcpu = vzalloc(array_size(nr_cpu_ids, sizeof(*sv->pcpu)));
	return sv->pcpu ? 0 : -ENOMEM;
}

void _stp_statvar_free(struct _stp_statvar *sv)
{
	vfree(sv->pcpu);
	sv->pcpu = NULL;
}

void _stp_statvar_add(struct _stp_statvar *sv, int64_t v)
{
	_stp_stat_add(sv->hist, &sv->pcpu[smp_processor_id()], v);
}

void _stp_statvar_get(struct _stp_statvar *sv, struct _stp_stat *out)
{
	unsigned int cpu;

	_stp_stat_zero(sv->hist, out);
	for_each_possible_cpu(cpu)
		_stp_stat_merge(sv->hist, out, &sv->pcpu[cpu]);
}

void _stp_statvar_clear(struct _stp_statvar *sv)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		_stp_stat_zero(sv->hist, &sv->pcpu[cpu]);
}

/* decimal digits of v, with its sign */
static int _stp_digits(int64_t v)
{
	uint64_t a = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	int n = v < 0 ? 2 : 1;

	while (a >= 10) {
		a = div_u64(a, 10);
		n++;
	}
	return n;
}

/* start + k * interval, wrapping as two's complement instead of overflowing */
static int64_t _stp_linear_val(const struct _stp_hist *h, int k)
{
	return (int64_t)((uint64_t)h->start + (uint64_t)k * (uint64_t)h->interval);
}

static int64_t _stp_hist_row_val(const struct _stp_hist *h, int i)
{
	if (h->type == STP_HIST_LOG)
		return _stp_log_bucket_val(i);
	if (i == 0)
		return h->start;
	if (i == h->buckets - 1)
		return _stp_linear_val(h, i - 2);
	return _stp_linear_val(h, i - 1);
}

static bool _stp_hist_elided(const struct _stp_stat *st, int i, int lo, int hi)
{
	int k, from = max(lo, i - HIST_ELISION), to = min(hi, i + HIST_ELISION);

	if (HIST_ELISION < 0)
		return false;
	for (k = from; k <= to; k++)
		if (st->buckets[k])
			return false;
	return true;
}

void _stp_out_hist(char *dst, const struct _stp_hist *h,
		   const struct _stp_stat *st)
{
	int n = _stp_hist_nbuckets(h), lo = -1, hi = 0, i, j;
	int vspace, cspace, under = 0, over = 0;
	int64_t vmax = 0, scale = 1;
	bool eliding = false;

	for (i = 0; i < n; i++) {
		if (st->buckets[i] > 0) {
			if (lo < 0)
				lo = i;
			hi = i;
		}
		vmax = max(vmax, st->buckets[i]);
	}
	if (lo < 0) {
		/* nothing recorded: an empty frame */
		lo = h->type == STP_HIST_LOG ? STP_HIST_LOG_BUCKET0 : 1;
		hi = lo;
	}
	/* up to two empty rows on either side of the data */
	for (i = 0; i < 2; i++) {
		if (h->type == STP_HIST_LOG) {
			if (lo != STP_HIST_LOG_BUCKET0 && lo > 0)
				lo--;
		} else if (lo > 0) {
			lo--;
		}
		if (hi < n - 1)
			hi++;
	}
	if (h->type == STP_HIST_LINEAR) {
		if (lo == 0 && st->buckets[0] == 0)
			lo++;
		if (hi == n - 1 && st->buckets[hi] == 0)
			hi--;
		under = lo == 0;
		over = hi == n - 1;
		vspace = max(_stp_digits(h->start) + under,
			     _stp_digits(_stp_linear_val(h, hi)) + over);
	} else {
		vspace = max(_stp_digits(_stp_log_bucket_val(hi)),
			     _stp_digits(_stp_log_bucket_val(lo)));
	}
	vspace = max(vspace, 5);
	if (vmax > HIST_WIDTH)
		scale = div64_u64(vmax + HIST_WIDTH - 1, HIST_WIDTH);
	cspace = _stp_digits(vmax);

	_stp_out_printf(dst, "%*s |", vspace, "value");
	for (j = 0; j < HIST_WIDTH; j++)
		_stp_out_bytes(dst, "-", 1);
	_stp_out_printf(dst, " count\n");
	for (i = lo; i <= hi; i++) {
		const char *prefix = "";
		int64_t v = _stp_hist_row_val(h, i), bar;

		if (_stp_hist_elided(st, i, lo, hi)) {
			eliding = true;
			continue;
		}
		if (eliding) {
			_stp_out_printf(dst, "%*s ~\n", vspace, "");
			eliding = false;
		}
		if (h->type == STP_HIST_LINEAR && i == 0)
			prefix = "<";
		else if (h->type == STP_HIST_LINEAR && i == n - 1)
			prefix = ">";
		_stp_out_printf(dst, "%*s%lld |", vspace - _stp_digits(v), prefix,
				(long long)v);
		bar = div64_u64(st->buckets[i], scale);
		for (j = 0; j < bar; j++)
			_stp_out_bytes(dst, "@", 1);
		_stp_out_printf(dst, "%*lld\n", (int)(HIST_WIDTH - bar + 1 + cspace),
				(long long)st->buckets[i]);
	}
	_stp_out_bytes(dst, "\n", 1);
}

#endif /* _STP_STAT_H */
