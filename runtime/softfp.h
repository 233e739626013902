/*
 * IEEE 754 double precision in integer arithmetic, for the fp_* tapset
 * functions (tapset/floatingpoint.stp): a script keeps a double's 64 bits in
 * a long.  The kernel may not touch the FPU in a probe handler, so every
 * operation here works on the bits.  Arithmetic rounds to nearest, ties to
 * even; a NaN operand comes back (quieted when signaling), an invalid
 * operation gives 0x7FF8000000000000.  Nothing here allocates or sleeps.
 */
#ifndef _STP_SOFTFP_H
#define _STP_SOFTFP_H

#define _STP_FP_FRAC ((1ULL << 52) - 1)
#define _STP_FP_QNAN 0x7FF8000000000000ULL

static inline int _stp_fp_sign(uint64_t a) { return (int)(a >> 63); }
static inline int _stp_fp_exp(uint64_t a) { return (int)((a >> 52) & 0x7ff); }
static inline bool _stp_fp_isnan(uint64_t a)
{
	return _stp_fp_exp(a) == 0x7ff && (a & _STP_FP_FRAC);
}

static inline int _stp_fp_clz(uint64_t v)
{
	return v ? __builtin_clzll(v) : 64;
}

/* v >> n, with any bit shifted out ORed into bit 0 */
static inline uint64_t _stp_fp_shr_jam(uint64_t v, int n)
{
	if (n <= 0)
		return v;
	if (n >= 64)
		return v != 0;
	return (v >> n) | ((v & ((1ULL << n) - 1)) != 0);
}

/* a NaN operand: the first signaling one quieted, else the first NaN */
static inline uint64_t _stp_fp_nan2(uint64_t a, uint64_t b)
{
	bool sig_a = _stp_fp_isnan(a) && !(a & (1ULL << 51));
	bool sig_b = _stp_fp_isnan(b) && !(b & (1ULL << 51));

	if (sig_a || sig_b)
		return (sig_a ? a : b) | (1ULL << 51);
	return _stp_fp_isnan(a) ? a : b;
}

/*
 * sign * sig * 2^(exp - 1023 - 62), rounded to nearest even and packed: sig
 * carries 10 bits below the 53 that are kept (bit 0 sticky); exp may be out
 * of range either way.
 */
static inline uint64_t _stp_fp_pack(int sign, int exp, uint64_t sig)
{
	uint64_t low;

	if (!sig)
		return (uint64_t)sign << 63;
	if (exp < 1) {
		sig = _stp_fp_shr_jam(sig, 1 - exp);
		exp = 1;
	}
	low = sig & 0x3ff;
	sig >>= 10;
	if (low > 0x200 || (low == 0x200 && (sig & 1)))
		sig++;
	if (sig >> 53) {
		sig >>= 1;
		exp++;
	}
	if (exp >= 0x7ff)
		return ((uint64_t)sign << 63) | (0x7ffULL << 52);
	if (!(sig >> 52))
		exp = 0;	/* subnormal (or zero) */
	return ((uint64_t)sign << 63) | ((uint64_t)exp << 52) | (sig & _STP_FP_FRAC);
}

/* a finite non-zero operand as sig with its leading 1 at bit 52, and its exponent */
static inline void _stp_fp_unpack(uint64_t a, int *exp, uint64_t *sig)
{
	int e = _stp_fp_exp(a);
	uint64_t f = a & _STP_FP_FRAC;

	if (e) {
		*sig = f | (1ULL << 52);
		*exp = e;
	} else {		/* subnormal: normalize */
		int s = _stp_fp_clz(f) - 11;

		*sig = f << s;
		*exp = 1 - s;
	}
}

static inline uint64_t _stp_fp_addsub(uint64_t a, uint64_t b, bool negate_b)
{
	int sa = _stp_fp_sign(a), sb = _stp_fp_sign(b) ^ negate_b, ea, eb, e;
	uint64_t ma, mb, m;

	if (_stp_fp_isnan(a) || _stp_fp_isnan(b))
		return _stp_fp_nan2(a, b);
	if (_stp_fp_exp(a) == 0x7ff) {
		if (_stp_fp_exp(b) == 0x7ff && sa != sb)
			return _STP_FP_QNAN;	/* inf - inf */
		return a;
	}
	if (_stp_fp_exp(b) == 0x7ff)
		return b ^ ((uint64_t)negate_b << 63);
	if (!(a << 1)) {
		if (!(b << 1))		/* zeros: -0 only from -0 + -0 */
			return (uint64_t)(sa & sb) << 63;
		return b ^ ((uint64_t)negate_b << 63);
	}
	if (!(b << 1))
		return a;
	_stp_fp_unpack(a, &ea, &ma);
	_stp_fp_unpack(b, &eb, &mb);
	ma <<= 10;		/* leading 1 at bit 62 */
	mb <<= 10;
	if (ea < eb || (ea == eb && ma < mb)) {	/* a is the larger magnitude */
		int ts = sa, te = ea;
		uint64_t tm = ma;

		sa = sb, ea = eb, ma = mb;
		sb = ts, eb = te, mb = tm;
	}
	mb = _stp_fp_shr_jam(mb, ea - eb);
	e = ea;
	if (sa == sb) {
		m = ma + mb;
		if (m >> 63) {
			m = _stp_fp_shr_jam(m, 1);
			e++;
		}
	} else {
		int s;

		m = ma - mb;
		if (!m)
			return 0;	/* x - x is +0 */
		s = _stp_fp_clz(m) - 1;
		m <<= s;
		e -= s;
	}
	return _stp_fp_pack(sa, e, m);
}

static inline uint64_t _stp_fp_add(uint64_t a, uint64_t b)
{
	return _stp_fp_addsub(a, b, false);
}

static inline uint64_t _stp_fp_sub(uint64_t a, uint64_t b)
{
	return _stp_fp_addsub(a, b, true);
}

static inline uint64_t _stp_fp_mul(uint64_t a, uint64_t b)
{
	int sign = _stp_fp_sign(a) ^ _stp_fp_sign(b), ea, eb, e;
	uint64_t ma, mb, m;
	unsigned __int128 p;

	if (_stp_fp_isnan(a) || _stp_fp_isnan(b))
		return _stp_fp_nan2(a, b);
	if (_stp_fp_exp(a) == 0x7ff || _stp_fp_exp(b) == 0x7ff) {
		if (!(a << 1) || !(b << 1))
			return _STP_FP_QNAN;	/* 0 * inf */
		return ((uint64_t)sign << 63) | (0x7ffULL << 52);
	}
	if (!(a << 1) || !(b << 1))
		return (uint64_t)sign << 63;
	_stp_fp_unpack(a, &ea, &ma);
	_stp_fp_unpack(b, &eb, &mb);
	p = (unsigned __int128)ma * mb;	/* leading 1 at bit 104 or 105 */
	e = ea + eb - 1023;
	if (p >> 105) {
		m = (uint64_t)(p >> 43) | (((uint64_t)p & ((1ULL << 43) - 1)) != 0);
		e++;
	} else {
		m = (uint64_t)(p >> 42) | (((uint64_t)p & ((1ULL << 42) - 1)) != 0);
	}
	return _stp_fp_pack(sign, e, m);
}

static inline uint64_t _stp_fp_div(uint64_t a, uint64_t b)
{
	int sign = _stp_fp_sign(a) ^ _stp_fp_sign(b), ea, eb, e, i;
	uint64_t ma, mb, q = 0;

	if (_stp_fp_isnan(a) || _stp_fp_isnan(b))
		return _stp_fp_nan2(a, b);
	if (_stp_fp_exp(a) == 0x7ff) {
		if (_stp_fp_exp(b) == 0x7ff)
			return _STP_FP_QNAN;	/* inf / inf */
		return ((uint64_t)sign << 63) | (0x7ffULL << 52);
	}
	if (_stp_fp_exp(b) == 0x7ff)
		return (uint64_t)sign << 63;
	if (!(b << 1)) {
		if (!(a << 1))
			return _STP_FP_QNAN;	/* 0 / 0 */
		return ((uint64_t)sign << 63) | (0x7ffULL << 52);
	}
	if (!(a << 1))
		return (uint64_t)sign << 63;
	_stp_fp_unpack(a, &ea, &ma);
	_stp_fp_unpack(b, &eb, &mb);
	e = ea - eb + 1023;
	if (ma < mb) {
		ma <<= 1;
		e--;
	}
	/* 63 quotient bits of ma / mb in [1, 2), the remainder as the sticky bit */
	for (i = 0; i < 63; i++) {
		q <<= 1;
		if (ma >= mb) {
			ma -= mb;
			q |= 1;
		}
		ma <<= 1;
	}
	return _stp_fp_pack(sign, e, q | (ma != 0));
}

/* the square root, correctly rounded; of a negative number NaN, of -0 -0 */
static inline uint64_t _stp_fp_sqrt(uint64_t a)
{
	unsigned __int128 op, res = 0, one = (unsigned __int128)1 << 126;
	uint64_t m;
	int e;

	if (_stp_fp_isnan(a))
		return _stp_fp_nan2(a, a);
	if (!(a << 1))
		return a;
	if (_stp_fp_sign(a))
		return _STP_FP_QNAN;
	if (_stp_fp_exp(a) == 0x7ff)
		return a;
	_stp_fp_unpack(a, &e, &m);
	e -= 1075;		/* a = m * 2^e */
	if (e & 1) {
		m <<= 1;
		e--;
	}
	/* the integer square root of m * 2^70: 62 bits, the remainder as sticky */
	op = (unsigned __int128)m << 70;
	while (one > op)
		one >>= 2;
	while (one) {
		if (op >= res + one) {
			op -= res + one;
			res = (res >> 1) + one;
		} else {
			res >>= 1;
		}
		one >>= 2;
	}
	if ((uint64_t)(res >> 61) != 1)		/* not [2^61, 2^62) */
		return _STP_FP_QNAN;
	return _stp_fp_pack(0, (e - 70) / 2 + 1084, ((uint64_t)res << 1) | (op != 0));
}

/*
 * The IEEE remainder a - n * b, n the quotient rounded to nearest even: exact.
 * Of an infinity or by zero NaN; by an infinity a itself.
 */
static inline uint64_t _stp_fp_rem(uint64_t a, uint64_t b)
{
	int sign = _stp_fp_sign(a), ea, eb, s, i;
	uint64_t ma, mb, r;
	bool q = false;

	if (_stp_fp_isnan(a) || _stp_fp_isnan(b))
		return _stp_fp_nan2(a, b);
	if (_stp_fp_exp(a) == 0x7ff || !(b << 1))
		return _STP_FP_QNAN;
	if (_stp_fp_exp(b) == 0x7ff || !(a << 1))
		return a;
	_stp_fp_unpack(a, &ea, &ma);
	_stp_fp_unpack(b, &eb, &mb);
	if (ea < eb - 1)
		return a;	/* |a| < |b| / 2 */
	if (ea == eb - 1) {
		/* a = ma * 2^ea, b = 2 mb * 2^ea: n is 1 only if |a| > |b| / 2 */
		if (ma <= mb)
			return a;
		r = 2 * mb - ma;
		sign ^= 1;
		eb = ea;
	} else {
		r = ma;
		if (r >= mb) {
			r -= mb;
			q = true;
		}
		for (i = 0; i < ea - eb; i++) {
			r <<= 1;
			q = r >= mb;
			if (q)
				r -= mb;
		}
		if (2 * r > mb || (2 * r == mb && q)) {
			r = mb - r;
			sign ^= 1;
		}
	}
	if (!r)
		return (uint64_t)_stp_fp_sign(a) << 63;
	s = _stp_fp_clz(r) - 1;
	return _stp_fp_pack(sign, eb + 10 - s, r << s);
}

static inline uint64_t _stp_fp_from_long(int64_t v)
{
	int sign = v < 0, s;
	uint64_t m = sign ? 0 - (uint64_t)v : (uint64_t)v;

	if (!m)
		return 0;
	if (m >> 63)
		return _stp_fp_pack(sign, 1023 + 63, _stp_fp_shr_jam(m, 1));
	s = _stp_fp_clz(m) - 1;
	return _stp_fp_pack(sign, 1023 + 62 - s, m << s);
}

/*
 * To a long, rounding by mode as softfloat numbers them: 0 nearest even,
 * 1 toward zero, 2 down, 3 up, 4 nearest with ties away, 6 to odd (any
 * other: toward zero).  NaN is 0; out of range the long's limit of that sign.
 */
static inline int64_t _stp_fp_to_long(uint64_t a, int64_t mode)
{
	int sign = _stp_fp_sign(a), e = _stp_fp_exp(a), sh;
	uint64_t sig = (a & _STP_FP_FRAC) | (e ? 1ULL << 52 : 0), ip, frac;
	bool sticky = false, up = false;

	if (_stp_fp_isnan(a))
		return 0;
	if (e >= 1023 + 63) {	/* |a| >= 2^63 */
		if (sign && a == 0xC3E0000000000000ULL)
			return INT64_MIN;
		return sign ? INT64_MIN : INT64_MAX;
	}
	if (!e)
		e = 1;
	sh = 1075 - e;		/* fraction bits of sig */
	if (sh <= 0) {
		ip = sig << -sh;
		frac = 0;
	} else if (sh < 64) {
		ip = sig >> sh;
		frac = sig << (64 - sh);	/* the fraction, from bit 63 down */
	} else if (sh < 128) {
		ip = 0;
		frac = sig >> (sh - 64);
		sticky = (sig & ((1ULL << (sh - 64)) - 1)) != 0;
	} else {
		ip = 0;
		frac = 0;
		sticky = sig != 0;
	}
	if (frac || sticky) {
		switch (mode) {
		case 0:
			up = frac > (1ULL << 63) || (frac == (1ULL << 63) && (sticky || (ip & 1)));
			break;
		case 2:
			up = sign;
			break;
		case 3:
			up = !sign;
			break;
		case 4:
			up = frac >= (1ULL << 63);
			break;
		case 6:
			ip |= 1;
			break;
		default:
			break;
		}
	}
	ip += up;
	if (ip >> 63)
		return sign && ip == (1ULL << 63) ? INT64_MIN : sign ? INT64_MIN : INT64_MAX;
	return sign ? -(int64_t)ip : (int64_t)ip;
}

/* the 32-bit float in a's low half, widened exactly */
static inline uint64_t _stp_fp_from_f32(uint64_t a)
{
	uint64_t s = (a >> 31) & 1, f = a & 0x7fffff;
	int e = (int)((a >> 23) & 0xff);

	if (e == 0xff)
		return (s << 63) | (0x7ffULL << 52) | (f ? (1ULL << 51) | (f << 29) : 0);
	if (!e) {
		int n;

		if (!f)
			return s << 63;
		n = _stp_fp_clz(f) - 40;	/* move the leading 1 to bit 23 */
		f = (f << n) & 0x7fffff;
		e = 1 - n;
	}
	return (s << 63) | ((uint64_t)(e - 127 + 1023) << 52) | (f << 29);
}

static inline bool _stp_fp_eq(uint64_t a, uint64_t b)
{
	if (_stp_fp_isnan(a) || _stp_fp_isnan(b))
		return false;
	return a == b || !((a | b) << 1);
}

static inline bool _stp_fp_lt(uint64_t a, uint64_t b)
{
	int sa = _stp_fp_sign(a), sb = _stp_fp_sign(b);

	if (_stp_fp_isnan(a) || _stp_fp_isnan(b))
		return false;
	if (sa != sb)
		return sa && ((a | b) << 1);
	return a != b && (sa ^ (a < b));
}

static inline bool _stp_fp_le(uint64_t a, uint64_t b)
{
	return _stp_fp_lt(a, b) || _stp_fp_eq(a, b);
}

/* ---- decimal text: exact, with a small unsigned big number ----------------------- */

#define _STP_BN_LIMBS 48	/* 1536 bits: a double times 10^100 fits */

struct _stp_bn {
	uint32_t l[_STP_BN_LIMBS];	/* little-endian limbs */
};

static inline void _stp_bn_set(struct _stp_bn *n, uint64_t v)
{
	memset(n, 0, sizeof(*n));
	n->l[0] = (uint32_t)v;
	n->l[1] = (uint32_t)(v >> 32);
}

static inline bool _stp_bn_zero(const struct _stp_bn *n)
{
	int i;

	for (i = 0; i < _STP_BN_LIMBS; i++)
		if (n->l[i])
			return false;
	return true;
}

/* n = n * m + add; the top carry is dropped (sizes keep it zero) */
static inline void _stp_bn_muladd(struct _stp_bn *n, uint32_t m, uint32_t add)
{
	uint64_t c = add;
	int i;

	for (i = 0; i < _STP_BN_LIMBS; i++) {
		c += (uint64_t)n->l[i] * m;
		n->l[i] = (uint32_t)c;
		c >>= 32;
	}
}

/* n /= d, returning the remainder */
static inline uint32_t _stp_bn_divsmall(struct _stp_bn *n, uint32_t d)
{
	uint64_t r = 0;
	int i;

	for (i = _STP_BN_LIMBS - 1; i >= 0; i--) {
		r = (r << 32) | n->l[i];
		n->l[i] = (uint32_t)(r / d);
		r %= d;
	}
	return (uint32_t)r;
}

static inline void _stp_bn_shl(struct _stp_bn *n, int bits)
{
	int w = bits / 32, b = bits % 32, i;

	for (i = _STP_BN_LIMBS - 1; i >= 0; i--) {
		uint64_t v = i - w >= 0 ? n->l[i - w] : 0;
		uint64_t lo = i - w - 1 >= 0 ? n->l[i - w - 1] : 0;

		n->l[i] = (uint32_t)(((v << 32 | lo) << b) >> 32);
	}
}

/* bit i of n */
static inline int _stp_bn_bit(const struct _stp_bn *n, int i)
{
	return i >= 0 && i < 32 * _STP_BN_LIMBS ? (n->l[i / 32] >> (i % 32)) & 1 : 0;
}

/* are bits below i all zero */
static inline bool _stp_bn_low_zero(const struct _stp_bn *n, int i)
{
	int k;

	for (k = 0; k < i / 32 && k < _STP_BN_LIMBS; k++)
		if (n->l[k])
			return false;
	return i % 32 == 0 || k >= _STP_BN_LIMBS || !(n->l[k] & ((1U << (i % 32)) - 1));
}

static inline void _stp_bn_shr(struct _stp_bn *n, int bits)
{
	int w = bits / 32, b = bits % 32, i;

	for (i = 0; i < _STP_BN_LIMBS; i++) {
		uint64_t v = i + w < _STP_BN_LIMBS ? n->l[i + w] : 0;
		uint64_t hi = i + w + 1 < _STP_BN_LIMBS ? n->l[i + w + 1] : 0;

		n->l[i] = (uint32_t)((hi << 32 | v) >> b);
	}
}

/*
 * a with prec digits after the point (0 to 100; none and no point for 0),
 * the exact value rounded to nearest with ties to even, as C's printf("%.*f")
 * does; "nan", "inf" and "-inf" for those.
 */
static inline void _stp_fp_to_str(char *out, size_t outlen, uint64_t a, int64_t prec)
{
	char digits[512];
	int e = _stp_fp_exp(a), n = 0, k, i, sh;
	uint64_t sig = (a & _STP_FP_FRAC) | (e ? 1ULL << 52 : 0);
	struct _stp_bn v;
	size_t o = 0;

	if (e == 0x7ff) {
		const char *w = _stp_fp_isnan(a) ? "nan" : _stp_fp_sign(a) ? "-inf" : "inf";

		while (*w && o + 1 < outlen)
			out[o++] = *w++;
		if (outlen)
			out[o] = '\0';
		return;
	}
	prec = prec < 0 ? 0 : prec > 100 ? 100 : prec;
	if (!e)
		e = 1;
	sh = e - 1075;		/* a = sig * 2^sh */
	_stp_bn_set(&v, sig);
	for (i = 0; i < prec; i++)
		_stp_bn_muladd(&v, 10, 0);
	if (sh >= 0) {
		_stp_bn_shl(&v, sh);
	} else {
		/* v / 2^-sh, rounded to nearest even */
		int half = _stp_bn_bit(&v, -sh - 1);
		bool rest = _stp_bn_low_zero(&v, -sh - 1);

		_stp_bn_shr(&v, -sh);
		if (half && (!rest || (v.l[0] & 1)))
			_stp_bn_muladd(&v, 1, 1);
	}
	do {
		digits[n++] = (char)('0' + _stp_bn_divsmall(&v, 10));
	} while (!_stp_bn_zero(&v) && n < (int)sizeof(digits) - 1);
	while (n <= prec)
		digits[n++] = '0';
	if (_stp_fp_sign(a) && o + 1 < outlen)
		out[o++] = '-';
	for (k = n - 1; k >= 0 && o + 1 < outlen; k--) {
		out[o++] = digits[k];
		if (k == prec && prec && o + 1 < outlen)
			out[o++] = '.';
	}
	out[o] = '\0';
}

/*
 * "[+-]digits[.digits][e[+-]digits]" (also ".5", "5.") to the nearest double,
 * ties to even; false for anything else.  Digits past the 40th significant
 * one only decide the rounding, as a sticky bit.
 */
static inline bool _stp_fp_from_str(const char *s, uint64_t *res)
{
	struct _stp_bn num, den;
	int sign = 0, nd = 0, dexp = 0, ex = 0, exsign = 1, i, top, e;
	bool any = false, sticky = false;
	uint64_t q = 0;

	_stp_bn_set(&num, 0);
	if (*s == '+' || *s == '-')
		sign = *s++ == '-';
	for (; *s >= '0' && *s <= '9'; s++, any = true) {
		if (nd < 40) {
			_stp_bn_muladd(&num, 10, (uint32_t)(*s - '0'));
			nd += nd || *s != '0';
		} else {
			dexp++;
			sticky |= *s != '0';
		}
	}
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++, any = true) {
			if (nd < 40) {
				_stp_bn_muladd(&num, 10, (uint32_t)(*s - '0'));
				nd += nd || *s != '0';
				dexp--;
			} else {
				sticky |= *s != '0';
			}
		}
	if (!any)
		return false;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			exsign = *s++ == '-' ? -1 : 1;
		if (*s < '0' || *s > '9')
			return false;
		for (; *s >= '0' && *s <= '9'; s++)
			if (ex < 10000)
				ex = ex * 10 + (*s - '0');
	}
	if (*s)
		return false;
	dexp += exsign * ex;
	if (_stp_bn_zero(&num) || dexp < -400) {
		*res = (uint64_t)sign << 63;	/* (a sticky-only rest is far below 2^-1074) */
		return true;
	}
	if (dexp > 330) {
		*res = ((uint64_t)sign << 63) | (0x7ffULL << 52);
		return true;
	}
	/* value = num * 10^dexp = num / den, as num and den big numbers */
	_stp_bn_set(&den, 1);
	for (i = 0; i < (dexp < 0 ? -dexp : dexp); i++)
		_stp_bn_muladd(dexp < 0 ? &den : &num, 10, 0);
	for (top = 32 * _STP_BN_LIMBS - 1; top > 0 && !_stp_bn_bit(&num, top); top--)
		;
	for (i = 32 * _STP_BN_LIMBS - 1; i > 0 && !_stp_bn_bit(&den, i); i--)
		;
	/* scale by 2^-e so that num's top bit is 64 above den's: the quotient
	 * then lies in [2^63, 2^65) */
	e = top - i - 64;
	if (e < 0)
		_stp_bn_shl(&num, -e);
	else
		_stp_bn_shl(&den, e);
	/* long division, bit by bit: quotient bits 64 down to 0 */
	{
		struct _stp_bn d = den;
		int b, j;
		bool hi = false;

		_stp_bn_shl(&d, 64);
		for (b = 64; b >= 0; b--) {
			bool ge = true;

			for (j = _STP_BN_LIMBS - 1; j >= 0; j--)
				if (num.l[j] != d.l[j]) {
					ge = num.l[j] > d.l[j];
					break;
				}
			if (ge) {
				uint64_t borrow = 0;

				for (j = 0; j < _STP_BN_LIMBS; j++) {
					uint64_t t = (uint64_t)num.l[j] - d.l[j] - borrow;

					num.l[j] = (uint32_t)t;
					borrow = (t >> 32) & 1;
				}
				if (b == 64)
					hi = true;
				else
					q |= 1ULL << b;
			}
			_stp_bn_shr(&d, 1);
		}
		sticky |= !_stp_bn_zero(&num);
		if (hi) {	/* 65 bits: keep the top 64 */
			sticky |= q & 1;
			q = (q >> 1) | (1ULL << 63);
			e++;
		}
	}
	/* value = q * 2^e with q's top bit at 63 */
	*res = _stp_fp_pack(sign, e + 1086, _stp_fp_shr_jam(q, 1) | sticky);
	return true;
}

#endif /* _STP_SOFTFP_H */
