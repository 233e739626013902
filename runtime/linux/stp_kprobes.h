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
 *
 * Many probes at function entries: a kprobe at an ftrace location is armed
 * by an ftrace code update, one per probe, each a walk of every ftrace
 * record and a round of cross-CPU syncs (tens of ms in an emulated guest),
 * and disarmed the same way; registering it also costs some ms of the
 * kernel's checks.  So the kernel's entry (non-return) probes at an address
 * are attached together through one ftrace_ops of the set: one filter of
 * all their addresses, one code update to start and one to stop.  The
 * translator has refused the places the kernel's kprobes would (its NOKPROBE
 * list and sections, from the debuginfo whose build id is checked here);
 * ftrace refuses an address that is not an ftrace location, and such a
 * probe is registered as a kprobe.  The callback does what the kernel's
 * kprobe-on-ftrace callback does before calling the probe.  The others
 * (.return, kprobe.function, modules) are kprobes registered one by one, and
 * so are all if the ftrace_ops cannot be set up.
 */
#ifndef _STP_LINUX_KPROBES_H
#define _STP_LINUX_KPROBES_H

#include <linux/fs.h>
#include <linux/ftrace.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "linux/stp_buildid.h"
#include "linux/stp_loc.h"
#include "linux/stp_stack.h"

/* x86-64 without IBT: a function's ftrace location is its first byte, the
 * address of its entry probe */
#if defined(STAPCONF_FTRACE_SET_FILTER_IPS) && defined(CONFIG_X86_64) && \
	!defined(CONFIG_X86_KERNEL_IBT) && \
	defined(CONFIG_DYNAMIC_FTRACE_WITH_REGS) && defined(CONFIG_KPROBES_ON_FTRACE)
#define _STP_KPROBES_FTRACE 1
#endif

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
	bool registered;	/* as a kprobe or kretprobe */
	bool via_ftrace;	/* hit through the set's ftrace_ops instead */
};

/* One family's probes; with module probes, a module notifier for them. */
struct _stp_kprobe_set {
	struct _stp_kprobe *kps;
	size_t n;
	bool has_modules;
	bool nb_registered;
	struct notifier_block nb;
#ifdef _STP_KPROBES_FTRACE
	/* the entry probes at ftrace locations, by address (then table order) */
	struct ftrace_ops ops;
	struct _stp_kprobe **ft;
	size_t n_ft;
	bool ops_filtered, ops_registered;
#endif
};

/*
 * Nonzero while one of our kprobe handlers runs on this CPU: a hit through
 * the ftrace_ops meanwhile (from an interrupt) is a missed kprobe, as the
 * kernel counts a kprobe hit while a kprobe runs.
 */
static DEFINE_PER_CPU(int, _stp_kprobe_active);

static void _stp_kprobe_run(struct _stp_kprobe *k, struct pt_regs *regs,
			    void *entry_data)
{
	struct _stp_context *c = _stp_probe_enter(&k->sp.p);

	if (!c)
		return;
	__this_cpu_inc(_stp_kprobe_active);
	c->regs = regs;
	c->data = entry_data;
	k->sp.p.fn(c);
	c->data = NULL;
	__this_cpu_dec(_stp_kprobe_active);
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
	__this_cpu_inc(_stp_kprobe_active);
	c->regs = regs;
	c->data = ri->data;
	k->entry.p.fn(c);
	ok = !c->last_error;
	c->data = NULL;
	__this_cpu_dec(_stp_kprobe_active);
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

#ifdef _STP_KPROBES_FTRACE
/*
 * The ftrace_ops callback: the probes at `ip` (the function's ftrace
 * location, the probes' kprobe address), later ones in the table first, as
 * the kernel runs several kprobes at one address.  As its kprobe-on-ftrace
 * callback does: no recursion in one context, a hit while a kprobe handler
 * of ours runs on this CPU is missed, the handler sees the probed address
 * as the instruction pointer.
 */
static void notrace _stp_kprobe_ftrace_hit(unsigned long ip,
					   unsigned long parent_ip,
					   struct ftrace_ops *ops,
					   struct ftrace_regs *fregs)
{
	struct _stp_kprobe_set *set =
		container_of(ops, struct _stp_kprobe_set, ops);
	struct pt_regs *regs = ftrace_get_regs(fregs);
	size_t lo = 0, hi = set->n_ft, end;
	int bit;

	if (!regs)
		return;
	bit = ftrace_test_recursion_trylock(ip, parent_ip);
	if (bit < 0)
		return;
	while (lo < hi) {	/* the first probe at ip */
		size_t mid = lo + (hi - lo) / 2;

		if ((unsigned long)set->ft[mid]->u.kp.addr < ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < set->n_ft &&
	     (unsigned long)set->ft[end]->u.kp.addr == ip; end++)
		;
	while (end-- > lo) {
		struct _stp_kprobe *k = set->ft[end];
		unsigned long orig_ip = instruction_pointer(regs);

		if (__this_cpu_read(_stp_kprobe_active)) {
			k->u.kp.nmissed++;
			continue;
		}
		instruction_pointer_set(regs, ip);
		if (!k->n_rets || _stp_kcallers_match(regs, ip, k->rets,
						      k->n_rets, false))
			_stp_kprobe_run(k, regs, NULL);
		instruction_pointer_set(regs, orig_ip);
	}
	ftrace_test_recursion_unlock(bit);
}

static int _stp_kprobe_cmp_addr(const void *a, const void *b)
{
	const struct _stp_kprobe *x = *(struct _stp_kprobe *const *)a;
	const struct _stp_kprobe *y = *(struct _stp_kprobe *const *)b;
	unsigned long xa = (unsigned long)x->u.kp.addr;
	unsigned long ya = (unsigned long)y->u.kp.addr;

	if (xa != ya)
		return xa < ya ? -1 : 1;
	return x < y ? -1 : x > y;	/* table order */
}

/* Register as a kprobe a probe that the ftrace_ops could not take. */
static void _stp_kprobe_register_warn(struct _stp_kprobe *k)
{
	int rc = _stp_kprobe_register(k);

	if (rc)
		_stp_kprobe_warn(k, rc);
}

/*
 * Mark in ok[] which of ips[lo..hi) ftrace takes (ftrace locations): the
 * whole range in the scratch filter, else each half; a few refused
 * addresses among thousands cost a few tries each (it is not registered,
 * so nothing is patched).
 */
static void _stp_kprobes_ftrace_sift(struct ftrace_ops *scratch,
				     unsigned long *ips, bool *ok,
				     size_t lo, size_t hi)
{
	while (hi > lo) {
		size_t mid = lo + (hi - lo) / 2;

		if (!ftrace_set_filter_ips(scratch, ips + lo,
					   (unsigned int)(hi - lo), 0, 1)) {
			memset(ok + lo, 1, hi - lo);
			return;
		}
		if (hi - lo == 1)
			return;
		_stp_kprobes_ftrace_sift(scratch, ips, ok, lo, mid);
		lo = mid;
	}
}

/* The distinct addresses of set->ft[] (sorted) into ips; their number. */
static size_t _stp_kprobes_ftrace_ips(struct _stp_kprobe_set *set,
				      unsigned long *ips)
{
	size_t i, n = 0;

	for (i = 0; i < set->n_ft; i++) {
		unsigned long a = (unsigned long)set->ft[i]->u.kp.addr;

		if (!n || ips[n - 1] != a)
			ips[n++] = a;
	}
	return n;
}

/*
 * Attach set->ft[0..n_ft) (entry probes with their addresses in u.kp.addr):
 * one filter, one code update.  If ftrace refuses an address, the probes
 * there become kprobes (_stp_kprobes_ftrace_sift finds them); if the
 * ftrace_ops cannot be set up at all, every probe does.
 */
static void _stp_kprobes_attach_ftrace(struct _stp_kprobe_set *set)
{
	struct ftrace_ops *scratch = NULL;
	unsigned long *ips;
	bool *ok = NULL;
	size_t i, j, n;
	int rc = -ENOMEM;

	if (!set->n_ft)
		return;
	sort(set->ft, set->n_ft, sizeof(*set->ft), _stp_kprobe_cmp_addr, NULL);
	ips = kvcalloc(set->n_ft, sizeof(*ips), GFP_KERNEL);
	if (!ips)
		goto kprobes;
	n = _stp_kprobes_ftrace_ips(set, ips);
	set->ops.func = _stp_kprobe_ftrace_hit;
	set->ops.flags = FTRACE_OPS_FL_SAVE_REGS;
	set->ops_filtered = true;
	rc = ftrace_set_filter_ips(&set->ops, ips, (unsigned int)n, 0, 1);
	if (rc == -EINVAL) {
		scratch = kzalloc(sizeof(*scratch), GFP_KERNEL);
		ok = kvcalloc(n, sizeof(*ok), GFP_KERNEL);
	}
	if (scratch && ok) {
		_stp_kprobes_ftrace_sift(scratch, ips, ok, 0, n);
		ftrace_free_filter(scratch);
		/* ips[] and ft[] are in the same order */
		for (i = j = n = 0; i < set->n_ft; i++) {
			struct _stp_kprobe *k = set->ft[i];

			if (i && set->ft[i - 1]->u.kp.addr != k->u.kp.addr)
				n++;
			if (ok[n])
				set->ft[j++] = k;
			else
				_stp_kprobe_register_warn(k);
		}
		set->n_ft = j;
		n = _stp_kprobes_ftrace_ips(set, ips);
		rc = n ? ftrace_set_filter_ips(&set->ops, ips, (unsigned int)n, 0, 1)
		       : 0;
	}
	kfree(scratch);
	kvfree(ok);
	kvfree(ips);
	if (!rc && set->n_ft)
		rc = register_ftrace_function(&set->ops);
	if (!rc) {
		set->ops_registered = set->n_ft > 0;
		for (i = 0; i < set->n_ft; i++)
			set->ft[i]->via_ftrace = true;
		return;
	}
kprobes:
	for (i = 0; i < set->n_ft; i++)
		_stp_kprobe_register_warn(set->ft[i]);
	set->n_ft = 0;
}

/* Stop the ftrace_ops; when this returns no callback runs any more. */
static void _stp_kprobes_detach_ftrace(struct _stp_kprobe_set *set)
{
	size_t i;

	if (set->ops_registered)
		unregister_ftrace_function(&set->ops);
	set->ops_registered = false;
	if (set->ops_filtered)
		ftrace_free_filter(&set->ops);
	set->ops_filtered = false;
	for (i = 0; i < set->n_ft; i++)
		set->ft[i]->via_ftrace = false;
	set->n_ft = 0;
	kvfree(set->ft);
	set->ft = NULL;
}
#endif /* _STP_KPROBES_FTRACE */

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
#ifdef _STP_KPROBES_FTRACE
	set->ft = kvcalloc(set->n, sizeof(*set->ft), GFP_KERNEL);
	set->n_ft = 0;
#endif
	for (i = 0; i < set->n; i++) {
		struct _stp_kprobe *k = &set->kps[i];

		if (k->registered)	/* its module came meanwhile */
			continue;
		if (k->module && _stp_check_module_build_id(k->module,
				k->mod_build_id, k->mod_build_id_len,
				k->mod_debuginfo))
			continue;
#ifdef _STP_KPROBES_FTRACE
		if (set->ft && !k->module && !k->is_return && !k->symbol) {
			memset(&k->u, 0, sizeof(k->u));
			k->u.kp.addr = (kprobe_opcode_t *)_stp_reloc(k->addr);
			set->ft[set->n_ft++] = k;
			continue;
		}
#endif
		rc = _stp_kprobe_register(k);
		/* -ENOENT: "MOD:SYM" of a module not loaded yet */
		if (rc && !(k->module && rc == -ENOENT))
			_stp_kprobe_warn(k, rc);
	}
#ifdef _STP_KPROBES_FTRACE
	_stp_kprobes_attach_ftrace(set);
#endif
	mutex_unlock(&_stp_kprobes_mutex);
	return 0;
}

/* Unregister in batches: one RCU grace period for all, not one per probe;
 * the probes attached through the ftrace_ops also in one code update. */
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
#ifdef _STP_KPROBES_FTRACE
	_stp_kprobes_detach_ftrace(set);
#endif
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
