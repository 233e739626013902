/*
 * kprobes and kretprobes for kernel.function/.statement and kprobe.function
 * probes.  The translator emits a table of struct _stp_kprobe (link-time
 * addresses from the debuginfo, or symbol names) plus the debuginfo's build
 * id; _stp_kprobes_init() refuses to register anything if the running
 * kernel's build id differs (the addresses would be wrong), computes the
 * KASLR offset, and registers every probe.  A probe that the kernel refuses
 * is reported and skipped, as in systemtap.
 */
#ifndef _STP_LINUX_KPROBES_H
#define _STP_LINUX_KPROBES_H

#include <linux/fs.h>
#include <linux/kprobes.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "linux/stp_buildid.h"
#include "linux/stp_loc.h"

struct _stp_kprobe {
	struct _stp_site_probe sp;	/* first: the context's probe points here */
	unsigned long addr;		/* link-time address, or 0 */
	const char *symbol;		/* or a symbol name (kprobe.function) */
	unsigned int offset;
	int is_return;
	int maxactive;
	/* .return: saves n_entry values of the function's entry (1 + n_entry
	 * u64 of the instance's data: a mask of the ones read, the values) */
	void (*entry)(struct pt_regs *regs, u64 *slots);
	int n_entry;
	union {
		struct kprobe kp;
		struct kretprobe rp;
	} u;
	bool registered;
};

static void _stp_kprobe_run(struct _stp_kprobe *k, struct pt_regs *regs,
			    void *entry_data)
{
	struct _stp_context *c = _stp_probe_enter(&k->sp.p);

	if (!c)
		return;
	c->regs = regs;
	c->data = entry_data;
	k->sp.p.fn(c);
	c->data = NULL;
	_stp_probe_leave(c);
}

static int _stp_kprobe_pre(struct kprobe *kp, struct pt_regs *regs)
{
	_stp_kprobe_run(container_of(kp, struct _stp_kprobe, u.kp), regs, NULL);
	return 0;
}

static int _stp_kretprobe_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct kretprobe *rp = get_kretprobe(ri);

	if (rp)
		_stp_kprobe_run(container_of(rp, struct _stp_kprobe, u.rp), regs,
				ri->data);
	return 0;
}

static int _stp_kretprobe_entry(struct kretprobe_instance *ri,
				struct pt_regs *regs)
{
	struct kretprobe *rp = get_kretprobe(ri);
	struct _stp_kprobe *k;
	u64 *slots = (u64 *)ri->data;

	if (!rp)
		return 1;
	k = container_of(rp, struct _stp_kprobe, u.rp);
	slots[0] = 0;
	k->entry(regs, slots);
	return 0;
}

/*
 * Check the build id, relocate, register.  `anchor` is the runtime address
 * of the relocation anchor function, `anchor_link` its link-time address.
 * 0 or -errno (nothing left registered).
 */
static int _stp_kprobes_init(struct _stp_kprobe *kps, size_t n,
			     const unsigned char *build_id, size_t build_id_len,
			     const char *debuginfo, unsigned long anchor,
			     unsigned long anchor_link)
{
	size_t i;

	if (_stp_check_build_id(build_id, build_id_len, debuginfo))
		return -ENOEXEC;
	if (anchor_link)
		_stp_kaslr_offset = anchor - anchor_link;
	for (i = 0; i < n; i++) {
		struct _stp_kprobe *k = &kps[i];
		struct kprobe *kp = k->is_return ? &k->u.rp.kp : &k->u.kp;
		int rc;

		memset(&k->u, 0, sizeof(k->u));
		if (k->symbol) {
			kp->symbol_name = k->symbol;
			kp->offset = k->offset;
		} else {
			kp->addr = (kprobe_opcode_t *)_stp_reloc(k->addr);
		}
		if (k->is_return) {
			k->u.rp.handler = _stp_kretprobe_ret;
			k->u.rp.maxactive = k->maxactive;
			if (k->entry) {
				k->u.rp.entry_handler = _stp_kretprobe_entry;
				k->u.rp.data_size = (1 + k->n_entry) * sizeof(u64);
			}
			rc = register_kretprobe(&k->u.rp);
		} else {
			kp->pre_handler = _stp_kprobe_pre;
			rc = register_kprobe(kp);
		}
		k->registered = rc == 0;
		if (rc)
			_stp_warn(&_stp_kp_msg_ctx,
				  "probe %s (address 0x%lx) registration error "
				  "(rc %d)\n", k->sp.p.pp,
				  k->symbol ? 0UL : _stp_reloc(k->addr), rc);
	}
	return 0;
}

/* Unregister in batches: one RCU grace period for all, not one per probe. */
static void _stp_kprobes_exit(struct _stp_kprobe *kps, size_t n)
{
	struct kprobe **kp = kcalloc(n, sizeof(*kp), GFP_KERNEL);
	struct kretprobe **rp = kcalloc(n, sizeof(*rp), GFP_KERNEL);
	size_t i, nk = 0, nr = 0;

	for (i = 0; i < n; i++) {
		struct _stp_kprobe *k = &kps[i];

		if (!k->registered)
			continue;
		k->registered = false;
		if (k->is_return) {
			if (rp)
				rp[nr++] = &k->u.rp;
			else
				unregister_kretprobe(&k->u.rp);
		} else {
			if (kp)
				kp[nk++] = &k->u.kp;
			else
				unregister_kprobe(&k->u.kp);
		}
	}
	if (nk)
		unregister_kprobes(kp, (int)nk);
	if (nr)
		unregister_kretprobes(rp, (int)nr);
	kfree(kp);
	kfree(rp);
}

#endif /* _STP_LINUX_KPROBES_H */
