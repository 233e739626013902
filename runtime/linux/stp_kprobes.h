/*
 * kprobes and kretprobes for kernel.function/.statement and kprobe.function
 * probes.  The translator emits a table of struct _stp_kprobe (link-time
 * addresses from the debuginfo, or symbol names) plus the debuginfo's build
 * id; _stp_kprobes_init() refuses to register anything if the running
 * kernel's build id differs (the addresses would be wrong), computes the
 * KASLR offset, and registers every probe.  A probe that the kernel refuses
 * is reported and skipped, as in systemtap.  Probes in a module
 * (module("NAME").function) are "NAME:SYMBOL"+offset, registered whenever
 * NAME is loaded, before or during the session (a module notifier).
 */
#ifndef _STP_LINUX_KPROBES_H
#define _STP_LINUX_KPROBES_H

#include <linux/fs.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "linux/stp_buildid.h"
#include "linux/stp_loc.h"
#include "linux/stp_stack.h"

struct _stp_kprobe {
	struct _stp_site_probe sp;	/* first: the context's probe points here */
	unsigned long addr;		/* link-time address, or 0 */
	const char *symbol;		/* or a symbol name (kprobe.function), */
	unsigned int offset;		/* "MOD:SYM" in a module, + offset */
	/* module probes: registered while the module is loaded */
	const char *module;
	const unsigned char *mod_build_id;
	size_t mod_build_id_len;
	const char *mod_debuginfo;
	int is_return;
	int maxactive;
	/* .callee probes: the return addresses (relative to the probed address)
	 * the hit's stack must hold above the probed frame, innermost first */
	const long *rets;
	int n_rets;
	/* .return reading values of the function's entry: the probe's entry
	 * part (same site), run at each entry to save n_entry values into the
	 * kretprobe instance's data (entry_size bytes, stp_loc.h); a call
	 * whose values could not be saved gets no return hit */
	struct _stp_site_probe entry;
	int n_entry;
	size_t entry_size;
	union {
		struct kprobe kp;
		struct kretprobe rp;
	} u;
	bool registered;
};

/* One family's probes; with module probes, a module notifier for them. */
struct _stp_kprobe_set {
	struct _stp_kprobe *kps;
	size_t n;
	bool has_modules;
	bool nb_registered;
	struct notifier_block nb;
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
	struct _stp_kprobe *k = container_of(kp, struct _stp_kprobe, u.kp);
	unsigned long ip = instruction_pointer(regs);

	/* the handler sees the probed instruction's address (the trap left the
	 * one after the int3), for backtraces and uaddr-like functions */
	instruction_pointer_set(regs, (unsigned long)kp->addr);
	if (!k->n_rets || _stp_kcallers_match(regs, (unsigned long)kp->addr, k->rets,
					      k->n_rets, false))
		_stp_kprobe_run(k, regs, NULL);
	instruction_pointer_set(regs, ip);
	return 0;
}

static int _stp_kretprobe_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct kretprobe *rp = get_kretprobe(ri);
	struct _stp_kprobe *k;

	if (!rp)
		return 0;
	k = container_of(rp, struct _stp_kprobe, u.rp);
	if (!k->n_rets || _stp_kcallers_match(regs, (unsigned long)rp->kp.addr, k->rets,
					      k->n_rets, true))
		_stp_kprobe_run(k, regs, ri->data);
	return 0;
}

static int _stp_kretprobe_entry(struct kretprobe_instance *ri,
				struct pt_regs *regs)
{
	struct kretprobe *rp = get_kretprobe(ri);
	struct _stp_context *c;
	struct _stp_kprobe *k;
	bool ok;

	if (!rp)
		return 1;
	k = container_of(rp, struct _stp_kprobe, u.rp);
	_stp_entry_init(ri->data, k->entry_size, k->n_entry);
	c = _stp_probe_enter(&k->entry.p);
	if (!c)
		return 1;
	c->regs = regs;
	c->data = ri->data;
	k->entry.p.fn(c);
	ok = !c->last_error;
	c->data = NULL;
	_stp_probe_leave(c);
	return ok ? 0 : 1;
}

/* (Re)register one probe from its table entry; 0 or -errno. */
static int _stp_kprobe_register(struct _stp_kprobe *k)
{
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
		if (k->entry.p.fn) {
			k->u.rp.entry_handler = _stp_kretprobe_entry;
			k->u.rp.data_size = k->entry_size;
		}
		rc = register_kretprobe(&k->u.rp);
	} else {
		kp->pre_handler = _stp_kprobe_pre;
		rc = register_kprobe(kp);
	}
	k->registered = rc == 0;
	return rc;
}

static void _stp_kprobe_warn(struct _stp_kprobe *k, int rc)
{
	if (k->symbol)
		_stp_warn(&_stp_kp_msg_ctx,
			  "probe %s (%s+0x%x) registration error (rc %d)\n",
			  k->sp.p.pp, k->symbol, k->offset, rc);
	else
		_stp_warn(&_stp_kp_msg_ctx,
			  "probe %s (address 0x%lx) registration error "
			  "(rc %d)\n", k->sp.p.pp, _stp_reloc(k->addr), rc);
}

/* serializes registration from init, the module notifier and exit */
static DEFINE_MUTEX(_stp_kprobes_mutex);

/*
 * A module with probes comes or goes: register its probes before its init
 * function runs (MODULE_STATE_COMING, when "MOD:SYM" resolves), unregister
 * them before its memory is freed (MODULE_STATE_GOING, also after a failed
 * init).  The build id of a module that arrives now cannot be checked.
 */
static int _stp_kprobes_module_event(struct notifier_block *nb,
				     unsigned long state, void *data)
{
	struct _stp_kprobe_set *set =
		container_of(nb, struct _stp_kprobe_set, nb);
	struct module *mod = data;
	size_t i;

	if (state != MODULE_STATE_COMING && state != MODULE_STATE_GOING)
		return NOTIFY_DONE;
	mutex_lock(&_stp_kprobes_mutex);
	for (i = 0; i < set->n; i++) {
		struct _stp_kprobe *k = &set->kps[i];
		int rc;

		if (!k->module || strcmp(k->module, mod->name))
			continue;
		if (state == MODULE_STATE_COMING && !k->registered) {
			rc = _stp_kprobe_register(k);
			if (rc)
				_stp_kprobe_warn(k, rc);
		} else if (state == MODULE_STATE_GOING && k->registered) {
			k->registered = false;
			if (k->is_return)
				unregister_kretprobe(&k->u.rp);
			else
				unregister_kprobe(&k->u.kp);
		}
	}
	mutex_unlock(&_stp_kprobes_mutex);
	return NOTIFY_DONE;
}

/*
 * Check the build id, relocate, register.  `anchor` is the runtime address
 * of the relocation anchor function, `anchor_link` its link-time address.
 * Module probes are registered now if their module is loaded (and has the
 * debuginfo's build id), else when it comes.  0 or -errno (nothing left
 * registered).
 */
static int _stp_kprobes_init(struct _stp_kprobe_set *set,
			     const unsigned char *build_id, size_t build_id_len,
			     const char *debuginfo, unsigned long anchor,
			     unsigned long anchor_link)
{
	size_t i;
	int rc;

	if (_stp_check_build_id(build_id, build_id_len, debuginfo))
		return -ENOEXEC;
	if (anchor_link)
		_stp_kaslr_offset = anchor - anchor_link;
	if (set->has_modules) {
		/* first, so that no module can come unseen */
		set->nb.notifier_call = _stp_kprobes_module_event;
		rc = register_module_notifier(&set->nb);
		if (rc)
			return rc;
		set->nb_registered = true;
	}
	mutex_lock(&_stp_kprobes_mutex);
	for (i = 0; i < set->n; i++) {
		struct _stp_kprobe *k = &set->kps[i];

		if (k->registered)	/* its module came meanwhile */
			continue;
		if (k->module && _stp_check_module_build_id(k->module,
				k->mod_build_id, k->mod_build_id_len,
				k->mod_debuginfo))
			continue;
		rc = _stp_kprobe_register(k);
		/* -ENOENT: "MOD:SYM" of a module not loaded yet */
		if (rc && !(k->module && rc == -ENOENT))
			_stp_kprobe_warn(k, rc);
	}
	mutex_unlock(&_stp_kprobes_mutex);
	return 0;
}

/* Unregister in batches: one RCU grace period for all, not one per probe. */
static void _stp_kprobes_exit(struct _stp_kprobe_set *set)
{
	struct kprobe **kp = kcalloc(set->n, sizeof(*kp), GFP_KERNEL);
	struct kretprobe **rp = kcalloc(set->n, sizeof(*rp), GFP_KERNEL);
	size_t i, nk = 0, nr = 0;

	/* waits for a running notifier, which takes the mutex */
	if (set->nb_registered)
		unregister_module_notifier(&set->nb);
	set->nb_registered = false;
	mutex_lock(&_stp_kprobes_mutex);
	for (i = 0; i < set->n; i++) {
		struct _stp_kprobe *k = &set->kps[i];

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
	/*
	 * Hits the kernel could not deliver, as 4.8 reports them at exit: a
	 * kprobe hit while another kprobe ran on its CPU, a return whose call
	 * found no free kretprobe instance (maxactive).
	 */
	for (i = 0; i < set->n; i++) {
		struct _stp_kprobe *k = &set->kps[i];
		unsigned long missed = k->is_return ?
			(unsigned long)k->u.rp.nmissed + k->u.rp.kp.nmissed :
			k->u.kp.nmissed;

		if (missed)
			_stp_warn(&_stp_kp_msg_ctx,
				  "Skipped due to missed %s on '%s': %lu\n",
				  k->is_return ? "kretprobe" : "kprobe",
				  k->sp.p.pp, missed);
	}
	mutex_unlock(&_stp_kprobes_mutex);
	kfree(kp);
	kfree(rp);
}

#endif /* _STP_LINUX_KPROBES_H */
