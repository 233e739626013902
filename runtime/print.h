/*
 * Script output: print(), printf() and friends append to the print buffer of
 * the context owning this CPU; _stp_probe_leave() flushes it as one chunk
 * into this CPU's output ring (transport/trace.h).  A hit whose output
 * outgrows STP_BUFSIZE is flushed early, in several chunks.
 *
 * Callers: probe handlers only (preemption disabled, context owned).
 */
#ifndef _STP_PRINT_H
#define _STP_PRINT_H

/* Hand this CPU's buffered output to the transport. */
static inline void _stp_print_flush(void)
{
	struct _stp_context *c = _stp_ctx_this();

	_stp_trace_write(c->print_buf, c->print_len);
	c->print_len = 0;
}

/* Append `len` bytes, flushing as often as the buffer fills up. */
void _stp_print_bytes(const char *s, size_t len)
{
	struct _stp_context *c = _stp_ctx_this();

	while (len) {
		size_t n = min_t(size_t, len, STP_BUFSIZE - c->print_len);

		memcpy(c->print_buf + c->print_len, s, n);
		c->print_len += n;
		s += n;
		len -= n;
		if (c->print_len == STP_BUFSIZE)
			_stp_print_flush();
	}
}

void _stp_print(const char *s)
{
	_stp_print_bytes(s, strlen(s));
}

void _stp_print_char(char ch)
{
	_stp_print_bytes(&ch, 1);
}

/*
 * Formatted output with the kernel's vsnprintf() semantics.  One call prints
 * at most STP_BUFSIZE bytes; the rest of a longer result is cut.
 */
static inline __printf(1, 0) void _stp_vprintf(const char *fmt, va_list ap)
{
	struct _stp_context *c = _stp_ctx_this();
	size_t room = STP_BUFSIZE - c->print_len;
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(c->print_buf + c->print_len, room, fmt, aq);
	va_end(aq);
	if (n < 0)
		return;
	if ((size_t)n < room) {
		c->print_len += n;
		return;
	}
	/* did not fit: flush what was there before, format again */
	_stp_print_flush();
	n = vsnprintf(c->print_buf, STP_BUFSIZE, fmt, ap);
	c->print_len = min_t(size_t, n, STP_BUFSIZE - 1);
}

__printf(1, 2) void _stp_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	_stp_vprintf(fmt, ap);
	va_end(ap);
}

#endif /* _STP_PRINT_H */
