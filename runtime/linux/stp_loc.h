/*
 * Reading kernel memory from probe context without faulting: the helpers that
 * DWARF target variables ($x->a), @cast and the kernel_* tapset functions use.
 * A bad address becomes a script error naming the expression, never an oops.
 * Also the KASLR offset that relocates link-time addresses from the debuginfo.
 */
#ifndef _STP_LINUX_LOC_H
#define _STP_LINUX_LOC_H

#include <linux/ptrace.h>
#include <linux/uaccess.h>
#include <asm/processor.h>

/*
 * The probe structures of the DWARF-based families (stp_kprobes.h,
 * stp_tracepoints.h) start with this: the synthesized target-variable
 * functions dispatch on `site`, the translator's number for one concrete
 * probe point with its own variable locations.
 */
struct _stp_site_probe {
	struct _stp_probe p;		/* first: the context's probe points here */
	int site;
};

#define _STP_SITE(c) (((const struct _stp_site_probe *)(c)->probe)->site)

/* A tracepoint's i-th argument, stored by its callback (stp_tracepoints.h). */
#define _STP_TPARG(i) (((const u64 *)CONTEXT->data)[i])

/*
 * A .return probe's values of the function's entry (@entry(e), $param), in
 * the kretprobe instance's data: the probe's entry part, run by the entry
 * handler (stp_kprobes.h), saves value k with _stp_entry_save(); the return
 * probe reads it back with _stp_entry_load().  Values are copied whole (8
 * bytes, or MAXSTRINGLEN for a string), each at an 8-byte boundary.
 */
struct _stp_entry_data {
	u32 size;			/* of the instance's data */
	u32 used;			/* bytes taken, header included */
	u32 n;				/* values */
	u32 off[];			/* [n]: where value k is, 0 until saved */
};

/* the header's size; the data holds it, then ALIGN(size, 8) per value */
#define _STP_ENTRY_HDR(n)                                                     \
	ALIGN(sizeof(struct _stp_entry_data) + (n) * sizeof(u32), 8)

static inline void _stp_entry_init(void *data, size_t size, u32 n)
{
	struct _stp_entry_data *d = data;

	d->size = size;
	d->used = _STP_ENTRY_HDR(n);
	d->n = n;
	memset(d->off, 0, n * sizeof(u32));
}

static inline void _stp_entry_save(struct _stp_context *c, u32 k,
				   const void *v, size_t len)
{
	struct _stp_entry_data *d = (struct _stp_entry_data *)c->data;

	if (!d || k >= d->n || d->used + ALIGN(len, 8) > d->size) {
		_stp_error(c, "internal error: no room for entry value %u", k);
		return;
	}
	memcpy((char *)d + d->used, v, len);
	d->off[k] = d->used;
	d->used += ALIGN(len, 8);
}

static inline void _stp_entry_load(struct _stp_context *c, u32 k, void *v,
				   size_t len)
{
	const struct _stp_entry_data *d =
		(const struct _stp_entry_data *)c->data;

	if (!d || k >= d->n || !d->off[k]) {
		_stp_error(c, "internal error: entry value %u was not saved", k);
		return;
	}
	memcpy(v, (const char *)d + d->off[k], len);
}

/* runtime address - link-time address of the kernel image; set before any
 * probe is registered (stp_kprobes.h) */
static unsigned long _stp_kaslr_offset;

static inline unsigned long _stp_reloc(unsigned long addr)
{
	return addr + _stp_kaslr_offset;
}

/* 0, or -EFAULT with nothing written past what could be read */
static inline int _stp_kread(void *dst, unsigned long addr, size_t len)
{
	if (addr < PAGE_SIZE)
		return -EFAULT;
	return copy_from_kernel_nofault(dst, (const void *)addr, len) ? -EFAULT : 0;
}

/*
 * Writing kernel memory for guru-mode target-variable writes ($x = v): 0, or
 * -EFAULT for an address outside the kernel's canonical half or one whose
 * page is missing or read-only (the fault is fixed up, never an oops).
 */
static inline int _stp_kwrite(unsigned long addr, const void *src, size_t len)
{
	unsigned int vbits = boot_cpu_data.x86_virt_bits;

	if (addr < TASK_SIZE_MAX + PAGE_SIZE ||
	    (unsigned long)((long)(addr << (64 - vbits)) >> (64 - vbits)) != addr)
		return -EFAULT;
	pagefault_disable();
	switch (len) {
	case 1:
		__put_kernel_nofault((void *)addr, src, u8, fault);
		break;
	case 2:
		__put_kernel_nofault((void *)addr, src, u16, fault);
		break;
	case 4:
		__put_kernel_nofault((void *)addr, src, u32, fault);
		break;
	case 8:
		__put_kernel_nofault((void *)addr, src, u64, fault);
		break;
	default:
		goto fault;
	}
	pagefault_enable();
	return 0;
fault:
	pagefault_enable();
	return -EFAULT;
}

/*
 * For synthesized target-variable functions: `what_` names the expression,
 * `regs_` holds the probe's registers.
 */
#define _STP_REG(r) ((unsigned long)regs_->r)
#define _STP_KREAD(addr, len, dst)                                            \
	do {                                                                  \
		unsigned long a_ = (unsigned long)(addr);                     \
		if (_stp_kread((dst), a_, (len)))                             \
			STAP_ERROR("kernel read fault at 0x%lx (%s)", a_, what_); \
	} while (0)

/* process probes (tapsets/uprobe.c): the probed process's memory, read
 * with page faults disabled; a fault is a script error */
static inline int _stp_loc_uread(void *dst, unsigned long addr, size_t len)
{
	if (addr < PAGE_SIZE || addr >= TASK_SIZE_MAX)
		return -EFAULT;
	return copy_from_user_nofault(dst, (const void __user *)addr, len) ?
		       -EFAULT : 0;
}

#define _STP_LOC_UREAD(addr, len, dst)                                            \
	do {                                                                  \
		unsigned long a_ = (unsigned long)(addr);                     \
		if (_stp_loc_uread((dst), a_, (len)))                             \
			STAP_ERROR("user read fault at 0x%lx (%s)", a_, what_); \
	} while (0)

/* writing a process's memory from a probe is not supported */
#define _STP_LOC_UWRITE(addr, len, src)                                           \
	do {                                                                  \
		(void)(src);                                                  \
		STAP_ERROR("cannot write user memory at 0x%lx (%s)",         \
			   (unsigned long)(addr), what_);                     \
	} while (0)

#define _STP_KWRITE(addr, len, src)                                           \
	do {                                                                  \
		unsigned long a_ = (unsigned long)(addr);                     \
		if (_stp_kwrite(a_, (src), (len)))                            \
			STAP_ERROR("kernel write fault at 0x%lx (%s)", a_, what_); \
	} while (0)

/* Copy a NUL-terminated string of at most len-1 bytes; -EFAULT on a bad
 * address.  Reads page by page so a string ending before a bad page works. */
static inline int _stp_kstrncpy(char *dst, unsigned long addr, size_t len)
{
	size_t i = 0;

	if (!len)
		return 0;
	while (i + 1 < len) {
		size_t chunk = PAGE_SIZE - ((addr + i) & (PAGE_SIZE - 1));
		size_t j;

		if (chunk > len - 1 - i)
			chunk = len - 1 - i;
		if (_stp_kread(dst + i, addr + i, chunk)) {
			/* the string may end before the fault: byte by byte */
			for (j = 0; j < chunk; j++) {
				if (_stp_kread(dst + i + j, addr + i + j, 1)) {
					dst[i + j] = '\0';
					return -EFAULT;
				}
				if (!dst[i + j])
					return 0;
			}
		}
		for (j = 0; j < chunk; j++)
			if (!dst[i + j])
				return 0;
		i += chunk;
	}
	dst[i] = '\0';
	return 0;
}

static inline void _stp_rv_cat(char *rv, const char *s)
{
	strlcat(rv, s, MAXSTRINGLEN);
}

static inline __printf(2, 3) void _stp_rv_catf(char *rv, const char *fmt, ...)
{
	size_t n = strlen(rv);
	va_list ap;

	if (n >= MAXSTRINGLEN - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(rv + n, MAXSTRINGLEN - n, fmt, ap);
	va_end(ap);
}

/* "\"text\"" for a char * in pretty-printed values; the address if unreadable */
static inline void _stp_rv_cat_str(struct _stp_context *c, char *rv, int64_t addr)
{
	char buf[64];

	(void)c;
	if (_stp_kstrncpy(buf, (unsigned long)addr, sizeof(buf))) {
		_stp_rv_catf(rv, "%#llx", (unsigned long long)addr);
		return;
	}
	_stp_rv_catf(rv, "\"%s\"", buf);
}

/* the same for a char * of the probed process */
static inline void _stp_rv_cat_ustr(struct _stp_context *c, char *rv, int64_t addr)
{
	char buf[64];
	size_t i;

	(void)c;
	for (i = 0; i + 1 < sizeof(buf); i++) {
		if (_stp_loc_uread(&buf[i], (unsigned long)addr + i, 1)) {
			_stp_rv_catf(rv, "%#llx", (unsigned long long)addr);
			return;
		}
		if (!buf[i])
			break;
	}
	buf[i] = '\0';
	_stp_rv_catf(rv, "\"%s\"", buf);
}

#endif /* _STP_LINUX_LOC_H */
