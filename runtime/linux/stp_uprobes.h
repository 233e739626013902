/*
 * process("PATH") probes (translator/tapsets/uprobe.c): inode uprobes and
 * uretprobes on functions, statements and SDT markers, and the process
 * events begin/end/thread.begin/thread.end.
 *
 * At init each path is looked up (kern_path) and its inode held (igrab);
 * every site is registered as (inode, file offset), with its SDT semaphore
 * as the uprobe's reference counter, which the kernel increments in every
 * process mapping the file while the probe is registered.  uprobe_unregister()
 * waits for handlers that are running, so nothing of the module runs after
 * _stp_uprobes_exit().  Process events come from the sched_process_exec,
 * sched_process_fork and sched_process_exit tracepoints; processes that ran
 * PATH are remembered (by tgid, a fixed table) so that PATH's end is known.
 * A new process's or thread's begin runs in its own context at its first
 * return to user space (the sys_exit tracepoint).  process.syscall and
 * process.syscall.return run from the raw sys_enter and sys_exit tracepoints
 * with c->syscall set as the syscall tapset's probes have it; a path scope
 * is the inode of the process's executable (mm->exe_file).
 * With -c or -x, every process probe applies to the target's process tree
 * only; process(PID).function/.mark to PID's tree.  A shared library named as
 * the path is probed in every process that maps it; process("X").library(...)
 * only in processes running X.
 */
#ifndef _STP_LINUX_UPROBES_H
#define _STP_LINUX_UPROBES_H

#include <linux/cred.h>
#include <linux/binfmts.h>
#include <linux/fs.h>
#include <linux/namei.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/spinlock.h>
#include <linux/tracepoint.h>
#include <linux/uprobes.h>
#include <linux/vmalloc.h>

#include "linux/stp_buildid.h"
#include "linux/stp_loc.h"
#include "linux/stp_syscalls.h"
#ifdef STP_UCALLEES
#include "linux/stp_usyms.h"	/* the user unwinder, for .callee probes */
#endif

struct _stp_sdt_arg {
	int size;		/* bytes; negative: signed */
	int kind;		/* 0 constant, 1 register, 2 memory */
	long reg;		/* offset of the register in pt_regs, or -1 */
	long long n;		/* the constant, or the displacement */
};

struct _stp_sdt_site {
	const char *provider, *name;
	int n_args;
	const struct _stp_sdt_arg *args;
};

struct _stp_upath {
	const char *path;
	struct inode *inode;	/* held from init to exit */
};

struct _stp_uprobe {
	struct _stp_site_probe sp;	/* first: the context's probe points here */
	int path;			/* index in the set's paths */
	int exe;			/* process("X").library(...): only processes
					 * running paths[exe]; -1: any that maps path */
	loff_t offset, sema;		/* in the file; sema 0: none */
	unsigned long vaddr;		/* its link-time address (of the function, for
					 * a .return), for the load bias of a hit */
	const char *func;		/* probefunc() */
	const struct _stp_sdt_site *sdt;
	int is_return;
	/* .callee probes: the return addresses (link time) the hit's stack must
	 * hold above the probed frame, innermost first */
	const unsigned long *rets;
	int n_rets;
	int ra_sp;		/* at an entry, the return address is at sp + ra_sp
				 * (the callee's .eh_frame row); -1: unwind */
	pid_t pid;			/* process(PID): only that process's tree; 0: any */
	/* a .return reading values of the function's entry: its entry part,
	 * run at each call to save n_entry values (entry_size bytes, stp_loc.h)
	 * in a slot of the set's pool, which the return hit reads and frees */
	struct _stp_site_probe entry;
	int n_entry;
	size_t entry_size;
	/* a -O0 function, whose prologue stores the parameters: the entry part runs
	 * at this file offset past it (link time entry_vaddr), into the slot the
	 * call took at the entry; 0: at the entry */
	loff_t entry_offset;
	unsigned long entry_vaddr;
	struct _stp_uprobe_set *set;
	struct uprobe_consumer uc, euc;
	bool registered, eregistered;
};

enum {
	STP_UPROC_BEGIN = 1, STP_UPROC_END, STP_UPROC_TBEGIN, STP_UPROC_TEND,
	STP_UPROC_SYSCALL, STP_UPROC_SYSRET
};

struct _stp_uproc_probe {
	struct _stp_probe p;
	int kind;
	int path;		/* -1: any program */
	pid_t pid;		/* 0: any process */
};

#ifndef STP_UPROBE_MAXPROCS
#define STP_UPROBE_MAXPROCS 256
#endif
#ifndef STP_UPROBE_MAXPENDING
#define STP_UPROBE_MAXPENDING 64
#endif
#ifndef STP_UPROBE_ENTRY_SLOTS
#define STP_UPROBE_ENTRY_SLOTS 256	/* calls in flight with saved entry values */
#endif

struct _stp_uprobe_set {
	struct _stp_upath *paths;
	size_t n_paths;
	struct _stp_uprobe *ups;
	size_t n_ups;
	struct _stp_uproc_probe *procs;
	size_t n_procs;
	bool tree;		/* -c: only the target's process tree */
	struct tracepoint *tp_exec, *tp_fork, *tp_exit, *tp_sys_exit, *tp_sys_enter;
	bool has_sys, has_sysret;	/* process.syscall[.return] probes */
	/* processes running one of the paths: tgid and path index */
	spinlock_t lock;
	struct { pid_t tgid; int path; } running[STP_UPROBE_MAXPROCS];
	/* new tasks whose begin runs at their first return to user space */
	atomic_t n_pending;
	struct { pid_t tid; int kind, path; } pending[STP_UPROBE_MAXPENDING];
	bool target_seen;	/* the -c target's first exec was seen */
	/* entry values of .return probes: slot i is data + i * slot_size */
	struct { pid_t tid; const struct _stp_uprobe *u; u64 seq; bool filled; }
		slots[STP_UPROBE_ENTRY_SLOTS];
	char *slot_data;
	size_t slot_size;
	u64 seq;
};

/* the set's tree, for the handlers */
static bool _stp_uprobe_tree;

/* is t in the process tree of tgid root? */
static bool _stp_uprobe_in_tree_of(struct task_struct *t, pid_t root)
{
	bool in = false;

	rcu_read_lock();
	for (;;) {
		struct task_struct *parent;

		if (t->tgid == root) {
			in = true;
			break;
		}
		parent = rcu_dereference(t->real_parent);
		if (!parent || parent == t || t->pid <= 1)
			break;
		t = parent;
	}
	rcu_read_unlock();
	return in;
}

/* is t in the -c/-x target's process tree (or is there no target)? */
#ifdef STP_PRIVILEGE_STAPUSR
/* staprun: the uid of the user who runs a --privilege=stapusr module */
static int _stp_uid = -1;
module_param(_stp_uid, int, 0);

/* stapusr: only the user's own processes, real and effective uid theirs (not a
 * setuid program they started); nothing when staprun did not say who */
static bool _stp_uprobe_mine(struct task_struct *t)
{
	kuid_t me = make_kuid(&init_user_ns, _stp_uid);

	return _stp_uid >= 0 && uid_eq(task_uid(t), me) && uid_eq(task_euid(t), me);
}
#else
static bool _stp_uprobe_mine(struct task_struct *t)
{
	return true;
}
#endif

static bool _stp_uprobe_in_tree(struct task_struct *t)
{
	pid_t target = _stp_target();

	if (!_stp_uprobe_mine(t))
		return false;
	return !_stp_uprobe_tree || !target || _stp_uprobe_in_tree_of(t, target);
}

static bool _stp_uproc_exe_is(struct inode *inode);

/* does a hit of u in the current task count (the target's tree, process(PID)'s, the
 * program's of a library probe)? */
static bool _stp_uprobe_wanted(const struct _stp_uprobe *u)
{
	return _stp_uprobe_in_tree(current) &&
	       (!u->pid || _stp_uprobe_in_tree_of(current, u->pid)) &&
	       (u->exe < 0 || _stp_uproc_exe_is(u->set->paths[u->exe].inode));
}

#define STP_UCALLEES_MAX 16

/*
 * .callee probes (4.8's semantics): does the user stack of the hit hold, above
 * the probed frame, u's return addresses (moved by the object's load bias)?  At a
 * return, regs is already back in the caller, at the first of them.  The stack
 * is unwound by the CFI embedded for the probed program.  -DSTAP_CALLEE_MATCHALL
 * fires the probe for every call, as in 4.8.
 */
static bool _stp_ucallers_match(struct _stp_context *c, const struct _stp_uprobe *u,
				struct pt_regs *regs, unsigned long bias)
{
#if defined(STP_UCALLEES) && !defined(STAP_CALLEE_MATCHALL)
	unsigned long st[STP_UCALLEES_MAX + 1];
	int first = u->is_return ? 0 : 1, n = u->n_rets, i;

	if (!n)
		return true;
	if (n == 1 && first && u->ra_sp >= 0) {
		unsigned long ra;

		return _stp_uword(regs->sp + u->ra_sp, &ra) && ra == u->rets[0] + bias;
	}
	if (n > STP_UCALLEES_MAX ||
	    (int)_stp_ustack_from(c, instruction_pointer(regs), regs->sp, regs->bp, st,
				  n + first) < n + first)
		return false;
	for (i = 0; i < n; i++)
		if (st[first + i] != u->rets[i] + bias)
			return false;
#endif
	return true;
}

static int _stp_uprobe_hit(struct _stp_uprobe *u, struct pt_regs *regs, unsigned long bias)
{
	struct _stp_context *c;

	if (!_stp_uprobe_wanted(u))
		return 0;
	c = _stp_probe_enter(&u->sp.p);
	if (!c)
		return 0;
	c->regs = regs;
	if (!_stp_ucallers_match(c, u, regs, bias)) {
		_stp_probe_leave(c);
		return 0;
	}
	c->probe_func = u->func;
	c->data = (char *)u->sdt;
	c->ubias = bias;
	u->sp.p.fn(c);
	c->data = NULL;
	_stp_probe_leave(c);
	return 0;
}

static int _stp_uprobe_handler(struct uprobe_consumer *uc, struct pt_regs *regs)
{
	struct _stp_uprobe *u = container_of(uc, struct _stp_uprobe, uc);

	/* the breakpoint's address is in regs->ip while handlers run */
	return _stp_uprobe_hit(u, regs, instruction_pointer(regs) - u->vaddr);
}

/* a free slot for u's call in the current task, or -1 (full: no return hit) */
static int _stp_uentry_alloc(struct _stp_uprobe *u)
{
	struct _stp_uprobe_set *set = u->set;
	unsigned long flags;
	int i;

	spin_lock_irqsave(&set->lock, flags);
	for (i = 0; i < STP_UPROBE_ENTRY_SLOTS; i++)
		if (!set->slots[i].tid) {
			set->slots[i].tid = current->pid;
			set->slots[i].u = u;
			set->slots[i].seq = ++set->seq;
			set->slots[i].filled = false;
			break;
		}
	spin_unlock_irqrestore(&set->lock, flags);
	return i < STP_UPROBE_ENTRY_SLOTS ? i : -1;
}

/* the newest slot of u's calls in the current task, or -1 */
static int _stp_uentry_find(struct _stp_uprobe *u)
{
	struct _stp_uprobe_set *set = u->set;
	unsigned long flags;
	int i, best = -1;

	spin_lock_irqsave(&set->lock, flags);
	for (i = 0; i < STP_UPROBE_ENTRY_SLOTS; i++)
		if (set->slots[i].tid == current->pid && set->slots[i].u == u &&
		    (best < 0 || set->slots[i].seq > set->slots[best].seq))
			best = i;
	spin_unlock_irqrestore(&set->lock, flags);
	return best;
}

static void _stp_uentry_free(struct _stp_uprobe_set *set, int i)
{
	unsigned long flags;

	spin_lock_irqsave(&set->lock, flags);
	set->slots[i].tid = 0;
	spin_unlock_irqrestore(&set->lock, flags);
}

/* the entry part of u's call in slot i saves the values; false on an error */
static bool _stp_uentry_fill(struct _stp_uprobe *u, struct pt_regs *regs, int i,
			     unsigned long vaddr)
{
	struct _stp_uprobe_set *set = u->set;
	struct _stp_context *c;
	unsigned long flags;
	char *data;
	bool ok;

	data = set->slot_data + i * set->slot_size;
	_stp_entry_init(data, u->entry_size, u->n_entry);
	c = _stp_probe_enter(&u->entry.p);
	if (!c)
		return false;
	c->regs = regs;
	c->data = data;
	c->ubias = instruction_pointer(regs) - vaddr;
	u->entry.p.fn(c);
	ok = !c->last_error;
	c->data = NULL;
	_stp_probe_leave(c);
	if (ok) {
		spin_lock_irqsave(&set->lock, flags);
		set->slots[i].filled = true;
		spin_unlock_irqrestore(&set->lock, flags);
	}
	return ok;
}

/* a call of a .return probe's function: its entry part saves the values, here or
 * (entry_offset) past the prologue, into the slot taken here */
static int _stp_uprobe_entry_handler(struct uprobe_consumer *uc, struct pt_regs *regs)
{
	struct _stp_uprobe *u = container_of(uc, struct _stp_uprobe, uc);
	int i;

	if (!_stp_uprobe_wanted(u))
		return 0;
	i = _stp_uentry_alloc(u);
	if (i < 0 || u->entry_offset)
		return 0;
	if (!_stp_uentry_fill(u, regs, i, u->vaddr))
		_stp_uentry_free(u->set, i);
	return 0;
}

/* past the prologue of a call of a -O0 function: the entry part fills the newest
 * slot of its calls in this task, unless filled already (a loop back to here) */
static int _stp_uprobe_past_prologue_handler(struct uprobe_consumer *uc,
					     struct pt_regs *regs)
{
	struct _stp_uprobe *u = container_of(uc, struct _stp_uprobe, euc);
	int i = _stp_uentry_find(u);

	if (i >= 0 && !u->set->slots[i].filled)
		_stp_uentry_fill(u, regs, i, u->entry_vaddr);
	return 0;
}

static int _stp_uretprobe_handler(struct uprobe_consumer *uc, unsigned long func,
				  struct pt_regs *regs)
{
	struct _stp_uprobe *u = container_of(uc, struct _stp_uprobe, uc);
	struct _stp_context *c;
	int i;

	if (!u->n_entry)
		return _stp_uprobe_hit(u, regs, func - u->vaddr);
	/* the values of this call's entry; a call without them gets no hit */
	i = _stp_uentry_find(u);
	if (i < 0)
		return 0;
	if (!u->set->slots[i].filled) {	/* returned before its prologue's end */
		_stp_uentry_free(u->set, i);
		return 0;
	}
	c = _stp_probe_enter(&u->sp.p);
	if (c && !_stp_ucallers_match(c, u, regs, func - u->vaddr)) {
		_stp_probe_leave(c);
		c = NULL;
	}
	if (c) {
		c->regs = regs;
		c->probe_func = u->func;
		c->data = u->set->slot_data + i * u->set->slot_size;
		c->ubias = func - u->vaddr;
		u->sp.p.fn(c);
		c->data = NULL;
		_stp_probe_leave(c);
	}
	_stp_uentry_free(u->set, i);
	return 0;
}

/* $argN of a marker hit (the context's data is its site); an error if absent */
static int64_t _stp_sdt_arg(struct _stp_context *c, int64_t i)
{
	const struct _stp_sdt_site *site = (const void *)c->data;
	const struct _stp_sdt_arg *a;
	unsigned long v = 0;
	int size;

	if (!site || !c->regs || i < 1 || i > site->n_args) {
		_stp_error(c, "marker argument %lld is not available here",
			   (long long)i);
		return 0;
	}
	a = &site->args[i - 1];
	size = a->size < 0 ? -a->size : a->size;
	if (a->kind == 0)
		return a->n;
	if (a->reg >= 0)
		v = *(const unsigned long *)((const char *)c->regs + a->reg);
	if (a->kind == 2) {
		unsigned long addr = v + (unsigned long)a->n;

		v = 0;
		if (size > 8 || _stp_loc_uread(&v, addr, size)) {
			_stp_error(c, "user read fault at 0x%lx (marker argument %lld)",
				   addr, (long long)i);
			return 0;
		}
	}
	switch (size) {
	case 1:
		return a->size < 0 ? (int64_t)(s8)v : (int64_t)(u8)v;
	case 2:
		return a->size < 0 ? (int64_t)(s16)v : (int64_t)(u16)v;
	case 4:
		return a->size < 0 ? (int64_t)(s32)v : (int64_t)(u32)v;
	default:
		return (int64_t)v;
	}
}

static const struct _stp_sdt_site *_stp_sdt_site(struct _stp_context *c)
{
	if (!c->data)
		_stp_error(c, "marker variables are not available here");
	return (const void *)c->data;
}

/* ---- process events ------------------------------------------------------- */

/*
 * Run the probes of an event of t: unscoped ones and those of t's path (or
 * pid). _stp_uproc_run_path() runs only those scoped to exactly `path` (-1:
 * the unscoped ones), for exec, where the process changes program.
 */
static void _stp_uproc_run_scoped(struct _stp_uprobe_set *set, int kind, int path,
				  struct task_struct *t, bool exact)
{
	size_t i;

	if (!_stp_uprobe_in_tree(t))
		return;
	for (i = 0; i < set->n_procs; i++) {
		const struct _stp_uproc_probe *p = &set->procs[i];

		if (p->kind != kind || (p->pid && p->pid != t->tgid))
			continue;
		if (exact ? p->path != path : (p->path >= 0 && p->path != path))
			continue;
		_stp_probe_run(&p->p);
	}
}

static void _stp_uproc_run(struct _stp_uprobe_set *set, int kind, int path,
			   struct task_struct *t)
{
	_stp_uproc_run_scoped(set, kind, path, t, false);
}

static void _stp_uproc_run_path(struct _stp_uprobe_set *set, int kind, int path,
				struct task_struct *t)
{
	_stp_uproc_run_scoped(set, kind, path, t, true);
}

/* the path index a process runs (as remembered), or -1; forget it if drop */
static int _stp_uproc_path(struct _stp_uprobe_set *set, pid_t tgid, bool drop)
{
	unsigned long flags;
	int i, path = -1;

	spin_lock_irqsave(&set->lock, flags);
	for (i = 0; i < STP_UPROBE_MAXPROCS; i++)
		if (set->running[i].tgid == tgid) {
			path = set->running[i].path;
			if (drop)
				set->running[i].tgid = 0;
			break;
		}
	spin_unlock_irqrestore(&set->lock, flags);
	return path;
}

static void _stp_uproc_remember(struct _stp_uprobe_set *set, pid_t tgid, int path)
{
	unsigned long flags;
	int i;

	spin_lock_irqsave(&set->lock, flags);
	for (i = 0; i < STP_UPROBE_MAXPROCS; i++)
		if (!set->running[i].tgid || set->running[i].tgid == tgid) {
			set->running[i].tgid = tgid;
			set->running[i].path = path;
			break;
		}
	spin_unlock_irqrestore(&set->lock, flags);
}

/*
 * A new process or thread: its begin probes run in its own context, at its
 * first return to user space (the raw sys_exit tracepoint, which every task
 * created while it is registered runs), so that pid() and tid() are its own.
 */
static void _stp_uproc_pend(struct _stp_uprobe_set *set, struct task_struct *t,
			    int kind, int path)
{
	unsigned long flags;
	int i;

	spin_lock_irqsave(&set->lock, flags);
	for (i = 0; i < STP_UPROBE_MAXPENDING; i++)
		if (!set->pending[i].tid) {
			set->pending[i].tid = t->pid;
			set->pending[i].kind = kind;
			set->pending[i].path = path;
			atomic_inc(&set->n_pending);
			break;
		}
	spin_unlock_irqrestore(&set->lock, flags);
	if (i == STP_UPROBE_MAXPENDING)	/* full: run it from the creator */
		_stp_uproc_run(set, kind, path, t);
}

/* the pending begin of tid (removed), or 0 */
static int _stp_uproc_unpend(struct _stp_uprobe_set *set, pid_t tid, int *path)
{
	unsigned long flags;
	int i, kind = 0;

	if (!atomic_read(&set->n_pending))
		return 0;
	spin_lock_irqsave(&set->lock, flags);
	for (i = 0; i < STP_UPROBE_MAXPENDING; i++)
		if (set->pending[i].tid == tid) {
			kind = set->pending[i].kind;
			*path = set->pending[i].path;
			set->pending[i].tid = 0;
			atomic_dec(&set->n_pending);
			break;
		}
	spin_unlock_irqrestore(&set->lock, flags);
	return kind;
}

/* does the current process run the program of inode? */
static bool _stp_uproc_exe_is(struct inode *inode)
{
	struct mm_struct *mm = current->mm;
	struct file *f;
	bool is;

	if (!mm || !inode)
		return false;
	rcu_read_lock();
	f = rcu_dereference(mm->exe_file);
	is = f && file_inode(f) == inode;
	rcu_read_unlock();
	return is;
}

/* the process.syscall (or .return) probes of the current task's call nr */
static void _stp_uproc_run_sys(struct _stp_uprobe_set *set, int kind, struct pt_regs *regs,
			       long nr, long ret)
{
	struct _stp_sys_hit h = { .regs = regs, .nr = nr, .ret = ret };
	size_t i;

	if (_stp_sys_skip(regs) || !_stp_uprobe_in_tree(current))
		return;
	for (i = 0; i < set->n_procs; i++) {
		const struct _stp_uproc_probe *p = &set->procs[i];
		struct _stp_context *c;

		if (p->kind != kind || (p->pid && p->pid != current->tgid))
			continue;
		if (p->path >= 0 && !_stp_uproc_exe_is(set->paths[p->path].inode))
			continue;
		c = _stp_probe_enter(&p->p);
		if (!c)
			continue;
		c->syscall = &h;
		p->p.fn(c);
		c->syscall = NULL;
		_stp_probe_leave(c);
	}
}

static void _stp_uproc_sys_enter(void *data, struct pt_regs *regs, long id)
{
	_stp_uproc_run_sys(data, STP_UPROC_SYSCALL, regs, id, 0);
}

static void _stp_uproc_sys_exit(void *data, struct pt_regs *regs, long ret)
{
	struct _stp_uprobe_set *set = data;
	int path = -1, kind = _stp_uproc_unpend(set, current->pid, &path);

	if (kind)
		_stp_uproc_run(set, kind, path, current);
	if (set->has_sysret)
		_stp_uproc_run_sys(set, STP_UPROC_SYSRET, regs,
				   syscall_get_nr(current, regs), ret);
}

/*
 * exec: a process starts running PATH (process("PATH").begin); the -c target,
 * created before the probes were registered, gets its process.begin at its
 * first exec.
 */
static void _stp_uproc_exec(void *data, struct task_struct *p, pid_t old_pid,
			    struct linux_binprm *bprm)
{
	struct _stp_uprobe_set *set = data;
	struct inode *inode = bprm && bprm->file ? file_inode(bprm->file) : NULL;
	int path = -1, old = _stp_uproc_path(set, p->tgid, true);
	size_t i;

	(void)old_pid;
	for (i = 0; i < set->n_paths; i++)
		if (inode && set->paths[i].inode == inode)
			path = (int)i;
	if (old >= 0 && old != path)
		_stp_uproc_run_path(set, STP_UPROC_END, old, p);
	if (path >= 0)
		_stp_uproc_remember(set, p->tgid, path);
	if (path >= 0 && path != old)
		_stp_uproc_run_path(set, STP_UPROC_BEGIN, path, p);
	if (p->tgid == _stp_target() && !set->target_seen) {
		set->target_seen = true;
		_stp_uproc_run_path(set, STP_UPROC_BEGIN, -1, p);
	}
}

static void _stp_uproc_fork(void *data, struct task_struct *parent,
			    struct task_struct *child)
{
	struct _stp_uprobe_set *set = data;
	int path = _stp_uproc_path(set, parent->tgid, false);

	if (child->flags & PF_KTHREAD)
		return;
	if (child->pid != child->tgid) {
		_stp_uproc_pend(set, child, STP_UPROC_TBEGIN, path);
		return;
	}
	if (path >= 0)
		_stp_uproc_remember(set, child->tgid, path);
	_stp_uproc_pend(set, child, STP_UPROC_BEGIN, path);
}

static void _stp_uproc_exit(void *data, struct task_struct *p)
{
	struct _stp_uprobe_set *set = data;
	bool group_dead = atomic_read(&p->signal->live) == 0;
	int path = -1, pend = _stp_uproc_unpend(set, p->pid, &path);

	/* a task that never reached user space has had no begin: no end either */
	path = _stp_uproc_path(set, p->tgid, group_dead);
	if (p->pid != p->tgid && !pend)
		_stp_uproc_run(set, STP_UPROC_TEND, path, p);
	if (group_dead && !(pend && p->pid == p->tgid))
		_stp_uproc_run(set, STP_UPROC_END, path, p);
}

static void _stp_uproc_lookup(struct tracepoint *tp, void *priv)
{
	struct _stp_uprobe_set *set = priv;

	if (!strcmp(tp->name, "sched_process_exec"))
		set->tp_exec = tp;
	else if (!strcmp(tp->name, "sched_process_fork"))
		set->tp_fork = tp;
	else if (!strcmp(tp->name, "sched_process_exit"))
		set->tp_exit = tp;
	else if (!strcmp(tp->name, "sys_exit"))
		set->tp_sys_exit = tp;
	else if (!strcmp(tp->name, "sys_enter"))
		set->tp_sys_enter = tp;
}

/* ---- registration --------------------------------------------------------- */

static void _stp_uprobes_exit(struct _stp_uprobe_set *set)
{
	size_t i;

	for (i = 0; i < set->n_ups; i++) {
		struct _stp_uprobe *u = &set->ups[i];

		if (u->registered)
			uprobe_unregister(set->paths[u->path].inode, u->offset, &u->uc);
		if (u->eregistered)
			uprobe_unregister(set->paths[u->path].inode, u->entry_offset, &u->euc);
		u->registered = u->eregistered = false;
	}
	if (set->tp_exec) {
		tracepoint_probe_unregister(set->tp_exec, _stp_uproc_exec, set);
		tracepoint_probe_unregister(set->tp_fork, _stp_uproc_fork, set);
		tracepoint_probe_unregister(set->tp_exit, _stp_uproc_exit, set);
		tracepoint_probe_unregister(set->tp_sys_exit, _stp_uproc_sys_exit, set);
		if (set->has_sys)
			tracepoint_probe_unregister(set->tp_sys_enter, _stp_uproc_sys_enter,
						    set);
		tracepoint_synchronize_unregister();
		set->tp_exec = NULL;
	}
	for (i = 0; i < set->n_paths; i++) {
		if (set->paths[i].inode)
			iput(set->paths[i].inode);
		set->paths[i].inode = NULL;
	}
	vfree(set->slot_data);
	set->slot_data = NULL;
}

/* 0 or -errno (nothing left registered) */
static int _stp_uprobes_init(struct _stp_uprobe_set *set)
{
	size_t i;
	int rc;

	_stp_uprobe_tree = set->tree;
	spin_lock_init(&set->lock);
	memset(set->slots, 0, sizeof(set->slots));
	set->seq = 0;
	set->slot_size = 0;
	for (i = 0; i < set->n_ups; i++)
		if (set->ups[i].n_entry && set->ups[i].entry_size > set->slot_size)
			set->slot_size = ALIGN(set->ups[i].entry_size, 8);
	set->slot_data = NULL;
	if (set->slot_size) {
		set->slot_data = vzalloc(set->slot_size * STP_UPROBE_ENTRY_SLOTS);
		if (!set->slot_data)
			return -ENOMEM;
	}
	memset(set->running, 0, sizeof(set->running));
	set->tp_exec = set->tp_fork = set->tp_exit = set->tp_sys_exit = NULL;
	set->tp_sys_enter = NULL;
	set->has_sys = set->has_sysret = false;
	for (i = 0; i < set->n_procs; i++) {
		set->has_sys |= set->procs[i].kind == STP_UPROC_SYSCALL;
		set->has_sysret |= set->procs[i].kind == STP_UPROC_SYSRET;
	}
	atomic_set(&set->n_pending, 0);
	memset(set->pending, 0, sizeof(set->pending));
	set->target_seen = false;
	for (i = 0; i < set->n_paths; i++) {
		struct path p;

		set->paths[i].inode = NULL;
		rc = kern_path(set->paths[i].path, LOOKUP_FOLLOW, &p);
		if (rc) {
			_stp_warn(&_stp_kp_msg_ctx, "process probes on %s: cannot find it "
				  "(rc %d)\n", set->paths[i].path, rc);
			continue;
		}
		set->paths[i].inode = igrab(d_inode(p.dentry));
		path_put(&p);
	}
	for (i = 0; i < set->n_ups; i++) {
		struct _stp_uprobe *u = &set->ups[i];
		struct inode *inode = set->paths[u->path].inode;

		u->registered = u->eregistered = false;
		if (!inode)
			continue;
		memset(&u->uc, 0, sizeof(u->uc));
		memset(&u->euc, 0, sizeof(u->euc));
		u->set = set;
		if (u->is_return)
			u->uc.ret_handler = _stp_uretprobe_handler;
		if (u->is_return && u->n_entry)
			u->uc.handler = _stp_uprobe_entry_handler;
		else if (!u->is_return)
			u->uc.handler = _stp_uprobe_handler;
		rc = u->sema ? uprobe_register_refctr(inode, u->offset, u->sema, &u->uc) :
			       uprobe_register(inode, u->offset, &u->uc);
		if (rc) {
			_stp_warn(&_stp_kp_msg_ctx, "probe %s (%s+0x%llx) registration "
				  "error (rc %d)\n", u->sp.p.pp, set->paths[u->path].path,
				  (unsigned long long)u->offset, rc);
			continue;
		}
		u->registered = true;
		if (!u->is_return || !u->n_entry || !u->entry_offset)
			continue;
		u->euc.handler = _stp_uprobe_past_prologue_handler;
		rc = uprobe_register(inode, u->entry_offset, &u->euc);
		if (rc) {	/* no hit rather than values read too early */
			_stp_warn(&_stp_kp_msg_ctx, "probe %s (%s+0x%llx) registration "
				  "error (rc %d)\n", u->sp.p.pp, set->paths[u->path].path,
				  (unsigned long long)u->entry_offset, rc);
			continue;
		}
		u->eregistered = true;
	}
	if (set->n_procs) {
		for_each_kernel_tracepoint(_stp_uproc_lookup, set);
		if (!set->tp_exec || !set->tp_fork || !set->tp_exit || !set->tp_sys_exit ||
		    (set->has_sys && !set->tp_sys_enter)) {
			set->tp_exec = NULL;
			rc = -ENOENT;
			goto fail;
		}
		rc = tracepoint_probe_register(set->tp_exec, _stp_uproc_exec, set);
		if (rc)
			goto fail_tp;
		rc = tracepoint_probe_register(set->tp_fork, _stp_uproc_fork, set);
		if (rc)
			goto fail_exec;
		rc = tracepoint_probe_register(set->tp_exit, _stp_uproc_exit, set);
		if (rc)
			goto fail_fork;
		rc = tracepoint_probe_register(set->tp_sys_exit, _stp_uproc_sys_exit, set);
		if (rc)
			goto fail_exit;
		if (set->has_sys) {
			rc = tracepoint_probe_register(set->tp_sys_enter, _stp_uproc_sys_enter,
						       set);
			if (rc)
				goto fail_sys_exit;
		}
	}
	return 0;
fail_sys_exit:
	tracepoint_probe_unregister(set->tp_sys_exit, _stp_uproc_sys_exit, set);
fail_exit:
	tracepoint_probe_unregister(set->tp_exit, _stp_uproc_exit, set);
fail_fork:
	tracepoint_probe_unregister(set->tp_fork, _stp_uproc_fork, set);
fail_exec:
	tracepoint_probe_unregister(set->tp_exec, _stp_uproc_exec, set);
fail_tp:
	tracepoint_synchronize_unregister();
	set->tp_exec = NULL;
fail:
	_stp_uprobes_exit(set);
	return rc;
}

#endif /* _STP_LINUX_UPROBES_H */
