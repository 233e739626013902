/*
 * Formatted output for printf/sprintf and friends.  The translator checks a
 * format against its arguments and turns the usual conversions into one
 * kernel vsnprintf() format (64-bit values); the conversions the kernel does
 * not have (%b, %m, %M) and histograms are written by the functions here.
 * Output goes to the hit's print buffer (dst NULL) or is appended to a
 * string value of MAXSTRINGLEN bytes (truncated).
 */
#ifndef _STP_FORMAT_H
#define _STP_FORMAT_H

__printf(2, 3) void _stp_out_printf(char *dst, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (!dst) {
		_stp_vprintf(fmt, ap);
	} else {
		size_t n = strnlen(dst, MAXSTRINGLEN - 1);

		vsnprintf(dst + n, MAXSTRINGLEN - n, fmt, ap);
	}
	va_end(ap);
}

void _stp_out_bytes(char *dst, const char *s, size_t len)
{
	size_t n;

	if (!dst) {
		_stp_print_bytes(s, len);
		return;
	}
	n = strnlen(dst, MAXSTRINGLEN - 1);
	len = min(len, MAXSTRINGLEN - 1 - n);
	memcpy(dst + n, s, len);
	dst[n + len] = '\0';
}

static int _stp_binary_size(int n)
{
	return n == 1 || n == 2 || n == 4 || n == 8 ? n : -1;
}

/*
 * %b as systemtap 4.8 defines it: the precision (1, 2, 4 or 8) is the size
 * of the value, the width the size of the field, padded with NUL bytes
 * (after the value with '-'). Without a valid precision the width is the
 * size if it is a valid one, else the size is 8; neither gives 8 and 8.
 */
void _stp_out_binary(char *dst, int64_t v, int width, int prec, int left)
{
	static const char zeros[8];
	u8 b1 = v;
	u16 b2 = v;
	u32 b4 = v;
	int pad;

	prec = _stp_binary_size(prec);
	if (width < 0) {
		width = prec < 0 ? 8 : prec;
		prec = width;
	} else if (prec < 0) {
		prec = _stp_binary_size(width);
		if (prec < 0)
			prec = 8;
	}
	pad = min(width, 1024) - prec;
	for (; !left && pad > 0; pad -= 8)
		_stp_out_bytes(dst, zeros, min(pad, 8));
	switch (prec) {
	case 1:
		_stp_out_bytes(dst, (const char *)&b1, 1);
		break;
	case 2:
		_stp_out_bytes(dst, (const char *)&b2, 2);
		break;
	case 4:
		_stp_out_bytes(dst, (const char *)&b4, 4);
		break;
	default:
		_stp_out_bytes(dst, (const char *)&v, 8);
		break;
	}
	for (; left && pad > 0; pad -= 8)
		_stp_out_bytes(dst, zeros, min(pad, 8));
}

/* long formatting costs one statement per this many bytes (MAXACTION) */
#define STP_FMT_ACTION_BYTES 256

/* `n` blanks; false once a string value is full (the rest would be cut) */
static bool _stp_out_blanks(char *dst, int64_t n)
{
	static const char blanks[] = "                                ";

	while (n > 0) {
		size_t k = min_t(int64_t, n, sizeof(blanks) - 1);

		if (dst && strnlen(dst, MAXSTRINGLEN - 1) == MAXSTRINGLEN - 1)
			return false;
		_stp_out_bytes(dst, blanks, k);
		n -= k;
	}
	return true;
}

void _stp_out_memory(struct _stp_context *c, char *dst, int64_t addr,
		     int64_t len, int64_t width, int left, bool hex)
{
	static const char hexdig[] = "0123456789abcdef";
	char buf[64];
	int64_t shown, pad;
	int done = 0;

	if (len <= 0)
		len = 1;	/* as 4.8: no (or a zero) precision reads one byte */
	len = _stp_fmt_prec(len);
	width = _stp_fmt_width(width);
	shown = hex ? 2 * len : len;
	pad = width > shown ? width - shown : 0;
	if (_stp_action(c, (shown + pad) / STP_FMT_ACTION_BYTES))
		return;
	if (!left && !_stp_out_blanks(dst, pad))
		return;
	while (done < len) {
		int n = min_t(int64_t, len - done, hex ? sizeof(buf) / 2 : sizeof(buf));
		char raw[64];
		int i;

		if (dst && strnlen(dst, MAXSTRINGLEN - 1) == MAXSTRINGLEN - 1)
			return;	/* a string value is full: the rest would be cut */
		if (copy_from_kernel_nofault(raw, (const void *)(unsigned long)
					     (addr + done), n)) {
			_stp_error(c, "kernel read fault at 0x%llx",
				   (unsigned long long)(addr + done));
			return;
		}
		if (hex) {
			/* no snprintf: its NUL after the last pair would be
			 * buf[64], one past the end */
			for (i = 0; i < n; i++) {
				buf[2 * i] = hexdig[(u8)raw[i] >> 4];
				buf[2 * i + 1] = hexdig[(u8)raw[i] & 15];
			}
			_stp_out_bytes(dst, buf, 2 * n);
		} else {
			_stp_out_bytes(dst, raw, n);
		}
		done += n;
	}
	if (left)
		_stp_out_blanks(dst, pad);
}

#endif /* _STP_FORMAT_H */
