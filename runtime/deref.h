/*
 * Safe reads of kernel memory for script code and probe families: a bad
 * address is a script error ("kernel read fault at 0x..."), never an oops.
 * copy_from_kernel_nofault() disables page faults and checks the range, so
 * these work in any context, interrupts included.
 */
#ifndef _STP_DEREF_H
#define _STP_DEREF_H

uint64_t _stp_deref(struct _stp_context *c, unsigned long addr, int size)
{
	union {
		u8 b;
		u16 w;
		u32 l;
		u64 q;
	} v = { .q = 0 };

	if ((size != 1 && size != 2 && size != 4 && size != 8) ||
	    copy_from_kernel_nofault(&v, (const void *)addr, size)) {
		_stp_error(c, "kernel read fault at 0x%lx", addr);
		return 0;
	}
	switch (size) {
	case 1:
		return v.b;
	case 2:
		return v.w;
	case 4:
		return v.l;
	default:
		return v.q;
	}
}

char *_stp_kernel_string(struct _stp_context *c, char *dst, unsigned long addr,
			 size_t maxlen)
{
	size_t i;

	maxlen = min_t(size_t, maxlen, MAXSTRINGLEN);
	/* byte by byte: strncpy_from_kernel_nofault() is not exported */
	for (i = 0; i + 1 < maxlen; i++) {
		if (copy_from_kernel_nofault(&dst[i], (const void *)(addr + i),
					     1)) {
			dst[0] = '\0';
			_stp_error(c, "kernel string copy fault at 0x%lx",
				   addr + i);
			return dst;
		}
		if (!dst[i])
			return dst;
	}
	if (maxlen)
		dst[i] = '\0';
	return dst;
}

int _stp_deref_buffer(struct _stp_context *c, void *dst, unsigned long addr,
		      size_t len)
{
	size_t i;
	char b;

	for (i = 0; !dst && i < len; i++)
		if (copy_from_kernel_nofault(&b, (const void *)(addr + i), 1))
			goto fault;
	if (dst && copy_from_kernel_nofault(dst, (const void *)addr, len))
		goto fault;
	return 0;
fault:
	_stp_error(c, "kernel read fault at 0x%lx", addr);
	return -EFAULT;
}

#endif /* _STP_DEREF_H */
