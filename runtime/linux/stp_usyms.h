/*
 * User-space symbols and backtraces (tapset/linux/ubacktrace.stp).  Pass 3
 * embeds, per user-space object (probed executables and libraries, -d PATH,
 * --ldd), its symbols, a compact CFI table derived from .eh_frame and its line
 * table (translator/translate/usyms.c), all at link-time addresses.
 *
 * An address of the current task is mapped to its object through the task's
 * VMAs: mmap_read_trylock() (never waits; a busy lock gives "unknown"), the VMA
 * holding the address, its file's path (d_path) and its file offset, which one
 * of the object's PT_LOAD segments turns into the link-time address; the
 * difference is the load bias (0 for non-PIE executables).  That is done only
 * in task context with interrupts enabled, or in an interrupt that came from
 * user mode (timer.profile): never with locks of the interrupted code held.
 *
 * The unwinder starts from the user registers of the hit (the uprobe's, or the
 * task's saved ones) and steps with the CFI rows: CFA = %rsp or %rbp + offset,
 * return address and %rbp saved at CFA + offsets, up to the outermost frame
 * (_start, whose return address is undefined).  Without a row (objects with
 * no embedded data, PLT stubs) it follows the %rbp chain.  User memory is read
 * with copy_from_user_nofault() (page faults disabled), so nothing sleeps; the
 * depth is bounded by STP_MAXBACKTRACE.
 */
#ifndef _STP_LINUX_USYMS_H
#define _STP_LINUX_USYMS_H

#include <linux/dcache.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/sched/task_stack.h>
#include <linux/uaccess.h>

#include "linux/stp_stack.h"

/* each table entry starts with its link-time address (_stp_ufind) */
struct _stp_usym {
	unsigned long addr, size;
	const char *name;
};

struct _stp_ucfi {
	unsigned long pc;
	long cfa_off;
	int ra_off, bp_off;	/* from the CFA; bp_off 0: %rbp unchanged */
	int cfa_reg;		/* 7 %rsp, 6 %rbp, -1 no rule, -2 outermost frame */
};

struct _stp_uline {
	unsigned long addr;
	const char *file;
	unsigned int line;
};

struct _stp_uobj {
	const char *path;
	int n_seg;
	struct { unsigned long off, vaddr, len; } seg[4];	/* PT_LOAD */
	const struct _stp_usym *syms;
	size_t n_syms;
	const struct _stp_ucfi *cfi;
	size_t n_cfi;
	const struct _stp_uline *lines;
	size_t n_lines;
};

extern const struct _stp_uobj _stp_uobjs[];
extern const size_t _stp_n_uobjs;

#define STP_UPATH_LEN 256

/* what is known of an address of the current task */
struct _stp_uaddr {
	char path[STP_UPATH_LEN];	/* "" when not in a file mapping */
	const struct _stp_uobj *obj;	/* NULL without embedded data */
	unsigned long link;		/* the address at link time, with obj */
	unsigned long base, size;	/* the mapping holding the address */
};

static bool _stp_umaps_ok(struct _stp_context *c)
{
	struct mm_struct *mm = current->mm;

	if (!mm || (current->flags & PF_KTHREAD) || in_nmi())
		return false;
	if (in_task())
		return !irqs_disabled();
	return in_hardirq() && c->regs && user_mode(c->regs);
}

static bool _stp_ulookup(struct _stp_context *c, unsigned long addr, struct _stp_uaddr *u)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	unsigned long off;
	size_t i;
	int k;

	u->path[0] = '\0';
	u->obj = NULL;
	if (!_stp_umaps_ok(c) || !mmap_read_trylock(mm))
		return false;
	vma = vma_lookup(mm, addr);
	if (vma && vma->vm_file) {
		/* d_path writes at the end of the buffer */
		const char *p = d_path(&vma->vm_file->f_path, u->path, sizeof(u->path));

		if (!IS_ERR(p))
			memmove(u->path, p, strlen(p) + 1);
		else
			u->path[0] = '\0';
		off = addr - vma->vm_start + (vma->vm_pgoff << PAGE_SHIFT);
		u->base = vma->vm_start - (vma->vm_pgoff << PAGE_SHIFT);
		u->size = vma->vm_end - u->base;
		for (i = 0; u->path[0] && i < _stp_n_uobjs; i++) {
			const struct _stp_uobj *o = &_stp_uobjs[i];

			if (strcmp(o->path, u->path))
				continue;
			for (k = 0; k < o->n_seg; k++)
				if (off >= (o->seg[k].off & PAGE_MASK) &&
				    off < o->seg[k].off + o->seg[k].len) {
					u->obj = o;
					u->link = off - o->seg[k].off + o->seg[k].vaddr;
					break;
				}
			break;
		}
	}
	mmap_read_unlock(mm);
	return u->path[0] != '\0';
}

/* the index past the last of n entries (each size bytes, sorted by the unsigned
 * long they start with) at or below key: 0 when none is */
static size_t _stp_ufind(const void *base, size_t n, size_t size, unsigned long key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (*(const unsigned long *)((const char *)base + mid * size) <= key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* the symbol holding a link-time address, or NULL */
static const struct _stp_usym *_stp_usym_at(const struct _stp_uobj *o, unsigned long link)
{
	size_t i = _stp_ufind(o->syms, o->n_syms, sizeof(*o->syms), link);
	const struct _stp_usym *s = i ? &o->syms[i - 1] : NULL;

	return s && (!s->size || link < s->addr + s->size) ? s : NULL;
}

static const struct _stp_ucfi *_stp_ucfi_at(const struct _stp_uobj *o, unsigned long link)
{
	size_t i = _stp_ufind(o->cfi, o->n_cfi, sizeof(*o->cfi), link);

	return i && o->cfi[i - 1].cfa_reg != -1 ? &o->cfi[i - 1] : NULL;
}

static const struct _stp_uline *_stp_uline_at(const struct _stp_uobj *o, unsigned long link)
{
	size_t i = _stp_ufind(o->lines, o->n_lines, sizeof(*o->lines), link);

	return i ? &o->lines[i - 1] : NULL;
}

/* the symbol of addr in the current task, or NULL; *u describes addr */
static const struct _stp_usym *_stp_usym_of(struct _stp_context *c, unsigned long addr,
					    struct _stp_uaddr *u)
{
	if (!_stp_ulookup(c, addr, u) || !u->obj)
		return NULL;
	return _stp_usym_at(u->obj, u->link);
}

static bool _stp_uword(unsigned long addr, unsigned long *v)
{
	return addr && !copy_from_user_nofault(v, (const void __user *)addr, sizeof(*v));
}

/* Up to max return addresses of the user stack from (ip, sp, bp), innermost first. */
static unsigned int _stp_ustack_from(struct _stp_context *c, unsigned long ip,
				     unsigned long sp, unsigned long bp,
				     unsigned long *out, unsigned int max)
{
	unsigned int n = 0;

	if (!ip || !_stp_umaps_ok(c))
		return 0;
	out[n++] = ip;
	while (n < max) {
		struct _stp_uaddr u;
		const struct _stp_ucfi *r = NULL;
		unsigned long ra, cfa;

		/* a return address may be just past its call's function */
		if (_stp_ulookup(c, n > 1 ? ip - 1 : ip, &u) && u.obj)
			r = _stp_ucfi_at(u.obj, u.link);
		if (r && r->cfa_reg == -2)
			break;
		if (r) {
			cfa = (r->cfa_reg == 7 ? sp : bp) + r->cfa_off;
			if (!_stp_uword(cfa + r->ra_off, &ra))
				break;
			if (r->bp_off && !_stp_uword(cfa + r->bp_off, &bp))
				break;
			sp = cfa;
		} else {
			unsigned long next_bp;

			if (!bp || bp < sp || !_stp_uword(bp + 8, &ra) || !_stp_uword(bp, &next_bp))
				break;
			sp = bp + 16;
			bp = next_bp;
		}
		if (!ra || ra >= TASK_SIZE_MAX)
			break;
		out[n++] = ip = ra;
	}
	return n;
}

/* the user registers of the hit: the probe's if in user mode, else the task's */
static struct pt_regs *_stp_uregs(struct _stp_context *c)
{
	if (c->regs && user_mode(c->regs))
		return c->regs;
	if (current->mm && !(current->flags & PF_KTHREAD))
		return task_pt_regs(current);
	return NULL;
}

static unsigned int _stp_ustack(struct _stp_context *c, unsigned long *out, unsigned int max)
{
	struct pt_regs *r = _stp_uregs(c);

	return r ? _stp_ustack_from(c, r->ip, r->sp, r->bp, out, max) : 0;
}

enum { STP_USYM_FULL, STP_USYM_BRIEF, STP_USYM_NO, STP_USYM_DATA, STP_USYM_FILELINE };

/*
 * One address as 4.8 prints it:
 *   FULL  " 0x4011b6 : c+0x4/0x1b [/usr/bin/prog]\n"
 *   BRIEF "c+0x4\n"
 *   NO    "c+0x4 [/usr/bin/prog]\n"         (sprint_ubacktrace)
 *   DATA  "c+0x4/0x1b [/usr/bin/prog]"      (usymdata)
 *   FILELINE " 0x4011b6 : c+0x4/0x1b at /src/prog.c:12 [/usr/bin/prog]\n", as FULL
 *         where the line is not known
 * without a symbol, the offset in the object: "0x1139 [/usr/bin/prog+0x1139]"
 * (DATA adds the size of the object's mapping: "[/usr/bin/prog+0x1139/0x5000]");
 * without an object, the hex address.
 */
static void _stp_usym_format(struct _stp_context *c, char *buf, size_t len,
			     unsigned long addr, int how)
{
	struct _stp_uaddr u;
	const struct _stp_usym *s = _stp_usym_of(c, addr, &u);
	const struct _stp_uline *ln = s && how == STP_USYM_FILELINE ?
				      _stp_uline_at(u.obj, u.link) : NULL;
	const char *nl = how == STP_USYM_DATA ? "" : "\n";

	if (how == STP_USYM_FILELINE && !(ln && ln->file))
		how = STP_USYM_FULL;	/* no line: the full form */
	if (how == STP_USYM_FILELINE)
		snprintf(buf, len, " 0x%lx : %s+0x%lx/0x%lx at %s:%u [%s]\n", addr, s->name,
			 u.link - s->addr, s->size, ln->file, ln->line, u.path);
	else if (s && how == STP_USYM_BRIEF)
		snprintf(buf, len, "%s+0x%lx\n", s->name, u.link - s->addr);
	else if (s && how == STP_USYM_FULL)
		snprintf(buf, len, " 0x%lx : %s+0x%lx/0x%lx [%s]\n", addr, s->name,
			 u.link - s->addr, s->size, u.path);
	else if (s && how == STP_USYM_DATA)
		snprintf(buf, len, "%s+0x%lx/0x%lx [%s]", s->name, u.link - s->addr, s->size,
			 u.path);
	else if (s)
		snprintf(buf, len, "%s+0x%lx [%s]\n", s->name, u.link - s->addr, u.path);
	else if (u.path[0] && how == STP_USYM_DATA)
		snprintf(buf, len, "0x%lx [%s+0x%lx/0x%lx]", addr, u.path, addr - u.base, u.size);
	else if (u.path[0] && how != STP_USYM_BRIEF)
		snprintf(buf, len, "%s0x%lx [%s+0x%lx]%s", how == STP_USYM_FULL ? " " : "",
			 addr, u.path, addr - u.base, nl);
	else
		snprintf(buf, len, "%s0x%lx%s", how == STP_USYM_FULL ? " " : "", addr, nl);
}

/* print n addresses of the current task, formatted */
static void _stp_ustack_print(struct _stp_context *c, const unsigned long *a, unsigned int n,
			      int how)
{
	char frame[STP_UPATH_LEN + 192];
	unsigned int i;

	for (i = 0; i < n; i++) {
		_stp_usym_format(c, frame, sizeof(frame), a[i], how);
		_stp_print(frame);
	}
}

/* each address of a string of hex addresses, formatted, to out or printed */
static void _stp_ustack_each(struct _stp_context *c, const char *stk, int how,
			     char *out, size_t len)
{
	char frame[STP_UPATH_LEN + 128];
	unsigned long a;

	if (out)
		out[0] = '\0';
	while (stk && (stk = _stp_stack_next(stk, &a))) {
		_stp_usym_format(c, frame, sizeof(frame), a, how);
		if (out)
			strlcat(out, frame, len);
		else
			_stp_print(frame);
	}
}

#endif /* _STP_LINUX_USYMS_H */
