/*
 * Run-time errors and warnings of a probe hit.
 *
 * _stp_error() only records the error in the context; the generated code
 * leaves the handler at its next check (STP_ACTION or STP_CHECK, probe.h),
 * and _stp_probe_leave() reports `ERROR: <msg> near <last_stmt>` to staprun's
 * stderr and counts it.  The error beyond MAXERRORS ends the session
 * (_stp_session_fail): with the default MAXERRORS=0, the first one does.
 */
#ifndef _STP_ERROR_H
#define _STP_ERROR_H

/*
 * Record a run-time error for the current hit; the first one wins, later ones
 * in the same hit are ignored.  The message is formatted into c->error_buf
 * (MAXSTRINGLEN bytes at most).
 */
__printf(2, 3) void _stp_error(struct _stp_context *c, const char *fmt, ...)
{
	va_list ap;

	if (c->last_error)
		return;
	va_start(ap, fmt);
	vsnprintf(c->error_buf, sizeof(c->error_buf), fmt, ap);
	va_end(ap);
	c->last_error = c->error_buf;
}

/*
 * Format `prefix` and one line into `buf` (`size` bytes) and send it as OOB
 * text; the line always ends in a newline, even when cut.  Any context.
 */
static __printf(4, 0) void _stp_oob_vprintf(char *buf, size_t size,
					     const char *prefix,
					     const char *fmt, va_list ap)
{
	ssize_t n = strscpy(buf, prefix, size);

	if (n < 0)
		n = size - 1;

	n += vscnprintf(buf + n, size - n, fmt, ap);
	/* n <= size - 1: there is always room for the newline */
	if (n == 0 || buf[n - 1] != '\n')
		buf[n++] = '\n';
	_stp_ctl_oob(buf, n);
}

static __printf(3, 4) void _stp_oob_printf(char *buf, size_t size,
					    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	_stp_oob_vprintf(buf, size, "", fmt, ap);
	va_end(ap);
}

/* `WARNING: <msg>` on staprun's stderr; the session goes on. */
__printf(2, 3) void _stp_warn(struct _stp_context *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	_stp_oob_vprintf(c->oob_buf, sizeof(c->oob_buf), "WARNING: ", fmt, ap);
	va_end(ap);
}

/* `ERROR: <msg>` on staprun's stderr at START (process context), from a family
 * that cannot register its probes; the start then fails with its -errno. */
__printf(1, 2) void _stp_start_error(const char *fmt, ...)
{
	static char buf[256];
	va_list ap;

	va_start(ap, fmt);
	_stp_oob_vprintf(buf, sizeof(buf), "ERROR: ", fmt, ap);
	va_end(ap);
}

const char _stp_abort_msg[] = "abort";
const char _stp_next_msg[] = "next";

void _stp_abort(struct _stp_context *c)
{
	_stp_exit();
	if (!c->last_error)
		c->last_error = _stp_abort_msg;
}

/* Report and count the error recorded in `c`.  Called by the hit's end. */
static void _stp_report_error(struct _stp_context *c)
{
	if (c->last_error == _stp_abort_msg || c->last_error == _stp_next_msg)
		return;
#ifdef STP_SUPPRESS_HANDLER_ERRORS
	return;
#endif
	if (c->last_stmt)
		_stp_oob_printf(c->oob_buf, sizeof(c->oob_buf),
				"ERROR: %s near %s\n", c->last_error,
				c->last_stmt);
	else
		_stp_oob_printf(c->oob_buf, sizeof(c->oob_buf), "ERROR: %s\n",
				c->last_error);
	if (atomic_inc_return(&_stp_session.errors) > MAXERRORS)
		_stp_session_fail();
}

/* Count a skipped hit; past MAXSKIPPED the session ends with an error. */
static void _stp_probe_skipped(void)
{
	static const char msg[] =
		"ERROR: too many skipped probes (MAXSKIPPED)\n";

	atomic_inc(&_stp_session.skipped);
	if (atomic_inc_return(&_stp_session.skipped_limited) == MAXSKIPPED + 1) {
		_stp_ctl_oob(msg, sizeof(msg) - 1);
		atomic_inc(&_stp_session.errors);
		_stp_session_fail();
	}
}

/*
 * Count a hit skipped because it came from inside another on its CPU (a
 * timer interrupting a kprobe handler): reported, but as 4.8 not counted
 * toward MAXSKIPPED, since it says nothing about the script's own health.
 */
static void _stp_probe_skipped_reentrant(void)
{
	atomic_inc(&_stp_session.skipped);
	atomic_inc(&_stp_session.skipped_reentrant);
}

#endif /* _STP_ERROR_H */
