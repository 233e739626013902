/* Unit tests of the runtime's integer IEEE doubles (runtime/softfp.h), compiled in
 * userspace: every operation is compared bit for bit with the host's own double
 * arithmetic (SSE2: round to nearest even) on special values and on random operands of
 * every exponent; text against printf("%.*f") and strtod(). Prints TAP. */
#include "stap.h"
#include "softfp.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "tap.h"

static uint64_t bits(double d)
{
	uint64_t u;

	memcpy(&u, &d, sizeof(u));
	return u;
}

static double dbl(uint64_t u)
{
	double d;

	memcpy(&d, &u, sizeof(d));
	return d;
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* random doubles: any exponent, often near each other, some special */
static uint64_t rnd_double(void)
{
	static const uint64_t special[] = {
		0, 1ULL << 63, 0x7ff0000000000000ULL, 0xfff0000000000000ULL, 1, 0x000fffffffffffffULL,
		0x0010000000000000ULL, 0x7fefffffffffffffULL, 0x3ff0000000000000ULL,
		0x7ff8000000000000ULL, 0x7ff0000000000001ULL, 0xfff8000000000123ULL,
	};
	uint64_t r = rnd();

	switch (r % 8) {
	case 0:
		return special[(r >> 8) % (sizeof(special) / sizeof(special[0]))];
	case 1:			/* small exponents: subnormal results */
		return (rnd() & 0x800fffffffffffffULL) | ((r >> 20) % 40) << 52;
	case 2:			/* near 1 */
		return (rnd() & 0x800fffffffffffffULL) | (uint64_t)(1023 - 30 + (r >> 20) % 60) << 52;
	default:
		return rnd();
	}
}

static int same(uint64_t got, uint64_t want)
{
	/* a NaN result must be a NaN with the host's sign and payload rules aside */
	if (_stp_fp_isnan(want))
		return _stp_fp_isnan(got);
	return got == want;
}

static void arith(void)
{
	int i, bad[4] = { 0 };
	uint64_t a, b, r;

	for (i = 0; i < 300000; i++) {
		a = rnd_double();
		b = (i & 1) ? rnd_double() : (a ^ (rnd() & 0x80000000003fffffULL));
		if (!same(_stp_fp_add(a, b), bits(dbl(a) + dbl(b))) && bad[0]++ < 3)
			printf("# add %016llx %016llx: %016llx, want %016llx\n", (unsigned long long)a,
			       (unsigned long long)b, (unsigned long long)_stp_fp_add(a, b),
			       (unsigned long long)bits(dbl(a) + dbl(b)));
		if (!same(_stp_fp_sub(a, b), bits(dbl(a) - dbl(b))) && bad[1]++ < 3)
			printf("# sub %016llx %016llx\n", (unsigned long long)a, (unsigned long long)b);
		if (!same(_stp_fp_mul(a, b), bits(dbl(a) * dbl(b))) && bad[2]++ < 3)
			printf("# mul %016llx %016llx: %016llx, want %016llx\n", (unsigned long long)a,
			       (unsigned long long)b, (unsigned long long)_stp_fp_mul(a, b),
			       (unsigned long long)bits(dbl(a) * dbl(b)));
		if (!same(_stp_fp_div(a, b), bits(dbl(a) / dbl(b))) && bad[3]++ < 3)
			printf("# div %016llx %016llx: %016llx, want %016llx\n", (unsigned long long)a,
			       (unsigned long long)b, (unsigned long long)_stp_fp_div(a, b),
			       (unsigned long long)bits(dbl(a) / dbl(b)));
	}
	ok(!bad[0], "fp_add equals the host's double + on 300000 operand pairs");
	ok(!bad[1], "fp_sub equals the host's double -");
	ok(!bad[2], "fp_mul equals the host's double *");
	ok(!bad[3], "fp_div equals the host's double /");
	for (i = 0; i < 300000; i++) {
		a = rnd_double();
		b = (i & 1) ? rnd_double() : (a ^ (rnd() & 0x00f00000003fffffULL));
		if (!same(_stp_fp_sqrt(a), bits(sqrt(dbl(a)))) && bad[0]++ < 3)
			printf("# sqrt %016llx: %016llx, want %016llx\n", (unsigned long long)a,
			       (unsigned long long)_stp_fp_sqrt(a), (unsigned long long)bits(sqrt(dbl(a))));
		/* an exact zero has a's sign (IEEE 754, softfloat); glibc's remainder()
		 * loses it for some large quotients */
		r = bits(remainder(dbl(a), dbl(b)));
		if (!(r << 1))
			r = a & (1ULL << 63);
		if (!same(_stp_fp_rem(a, b), r) && bad[1]++ < 3)
			printf("# rem %016llx %016llx: %016llx, want %016llx\n", (unsigned long long)a,
			       (unsigned long long)b, (unsigned long long)_stp_fp_rem(a, b),
			       (unsigned long long)bits(remainder(dbl(a), dbl(b))));
	}
	ok(!bad[0], "fp_sqrt equals the host's sqrt");
	ok(!bad[1], "fp_rem equals the host's IEEE remainder()");
	ok(_stp_fp_add(0x7ff0000000000000ULL, 0xfff0000000000000ULL) == _STP_FP_QNAN &&
	   _stp_fp_mul(0, 0x7ff0000000000000ULL) == _STP_FP_QNAN && _stp_fp_div(0, 0) == _STP_FP_QNAN &&
	   _stp_fp_add(0x7ff0000000000001ULL, 0) == 0x7ff8000000000001ULL &&
	   _stp_fp_add(0x3ff0000000000000ULL, 0x7ff8000000000005ULL) == 0x7ff8000000000005ULL,
	   "invalid operations give 0x7FF8000000000000; a NaN operand comes back quieted");
}

static void conversions(void)
{
	int i, bad_from = 0, bad_to = 0, bad_cmp = 0, bad_f32 = 0;

	for (i = 0; i < 200000; i++) {
		int64_t v = (int64_t)(rnd() >> (rnd() % 64));
		uint64_t a = rnd_double(), b = rnd_double();
		double d = dbl(a);
		uint32_t f = (uint32_t)rnd();
		float fl;

		if (i & 1)
			v = -v;
		if (_stp_fp_from_long(v) != bits((double)v))
			bad_from++;
		if (!isnan(d) && fabs(d) < 9.2e18 && _stp_fp_to_long(a, 1) != (int64_t)d)
			bad_to++;
		if (!isnan(d) && fabs(d) < 9.2e18 &&
		    (_stp_fp_to_long(a, 0) != (int64_t)nearbyint(d) ||
		     _stp_fp_to_long(a, 2) != (int64_t)floor(d) ||
		     _stp_fp_to_long(a, 3) != (int64_t)ceil(d) ||
		     _stp_fp_to_long(a, 4) != (int64_t)round(d)))
			bad_to++;
		if (_stp_fp_lt(a, b) != (dbl(a) < dbl(b)) || _stp_fp_le(a, b) != (dbl(a) <= dbl(b)) ||
		    _stp_fp_eq(a, b) != (dbl(a) == dbl(b)) || _stp_fp_eq(a, a) != (dbl(a) == dbl(a)))
			bad_cmp++;
		memcpy(&fl, &f, sizeof(fl));
		if (!same(_stp_fp_from_f32(f), bits((double)fl)) ||
		    (!isnan(fl) && _stp_fp_from_f32(f) != bits((double)fl)))
			bad_f32++;
	}
	ok(!bad_from, "long_to_fp equals the host's conversion, rounding to nearest even");
	ok(!bad_to, "fp_to_long in modes 0 to 4 equals nearbyint, trunc, floor, ceil, round");
	ok(!bad_cmp, "fp_lt, fp_le, fp_eq equal the host's comparisons (NaN unordered, -0 == 0)");
	ok(!bad_f32, "fp32_to_fp64 widens every float exactly");
	ok(_stp_fp_to_long(bits(2.5), 6) == 3 && _stp_fp_to_long(bits(3.0), 6) == 3 &&
	   _stp_fp_to_long(bits(-2.25), 6) == -3 && _stp_fp_to_long(bits(2.5), 5) == 2,
	   "fp_to_long mode 6 rounds to odd; an unknown mode truncates");
	ok(_stp_fp_to_long(bits(1e19), 0) == INT64_MAX && _stp_fp_to_long(bits(-1e19), 0) == INT64_MIN &&
	   _stp_fp_to_long(bits(-9223372036854775808.0), 0) == INT64_MIN &&
	   _stp_fp_to_long(0x7ff8000000000000ULL, 0) == 0 &&
	   _stp_fp_to_long(0x7ff0000000000000ULL, 0) == INT64_MAX,
	   "fp_to_long out of range is the limit of that sign, NaN is 0");
}

static void text(void)
{
	int i, bad_to = 0, bad_from = 0;
	char got[512], want[600], in[64];
	uint64_t r;

	for (i = 0; i < 30000; i++) {
		uint64_t a = rnd_double();
		int prec = (int)(rnd() % 25);

		if (isnan(dbl(a)) || isinf(dbl(a)))
			continue;
		if (i % 3 == 0)
			prec = (int)(rnd() % 101);
		_stp_fp_to_str(got, sizeof(got), a, prec);
		snprintf(want, sizeof(want), "%.*f", prec, dbl(a));
		if (strlen(want) < sizeof(got) && strcmp(got, want) && bad_to++ < 3)
			printf("# to_str %016llx %d: %s, want %s\n", (unsigned long long)a, prec, got, want);
	}
	ok(!bad_to, "fp_to_string equals printf(\"%.*f\") for precision 0 to 100");
	for (i = 0; i < 30000; i++) {
		double d = dbl(rnd_double());

		if (isnan(d) || isinf(d))
			continue;
		snprintf(in, sizeof(in), i & 1 ? "%.*e" : "%.*f", (int)(rnd() % 25), d);
		if (strlen(in) > 60)
			snprintf(in, sizeof(in), "%.17e", d);
		if ((!_stp_fp_from_str(in, &r) || r != bits(strtod(in, NULL))) && bad_from++ < 3)
			printf("# from_str %s: %016llx, want %016llx\n", in, (unsigned long long)r,
			       (unsigned long long)bits(strtod(in, NULL)));
	}
	ok(!bad_from, "string_to_fp equals strtod for decimal and exponent forms");
	ok(_stp_fp_from_str("0.1", &r) && r == bits(0.1) && _stp_fp_from_str("-.5", &r) &&
	   r == bits(-0.5) && _stp_fp_from_str("7.", &r) && r == bits(7.0) &&
	   !_stp_fp_from_str("", &r) && !_stp_fp_from_str("1.2.3", &r) &&
	   !_stp_fp_from_str("abc", &r) && !_stp_fp_from_str("1e", &r),
	   "string_to_fp: short forms, and what is not a number");
	_stp_fp_to_str(got, sizeof(got), 0x7ff8000000000000ULL, 2);
	_stp_fp_to_str(want, sizeof(want), 0xfff0000000000000ULL, 2);
	ok(!strcmp(got, "nan") && !strcmp(want, "-inf"), "fp_to_string of NaN and -inf");
}

int main(void)
{
	arith();
	conversions();
	text();
	return tap_done();
}
