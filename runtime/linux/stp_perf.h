/*
 * perf.* probes (tapsets/perf.c): one kernel perf counter per online CPU and
 * probe, created at START and released at the end. The counter's overflow
 * (every `period` events, or `period` times a second with freq) runs the probe,
 * in NMI or interrupt context, with the interrupted registers. A counter the
 * machine cannot provide (no hardware PMU) fails the start with an error
 * naming the probe.
 *
 * With .process(PATH) a probe counts in the processes that run PATH instead:
 * the sched_process_exec tracepoint notes each one (a task reference in a slot
 * of a fixed table) and adds a task work that gives it a counter of its own
 * (perf_event_create_kernel_counter on the task) in its own context, before it
 * returns to user space from the exec; sched_process_exit hands the slot to a
 * work item, which releases the counter. The end waits for task works not run
 * yet (a process runs them at its next return to user space or exit). With .counter(NAME) the counter has no handler
 * and no sampling: @perf("NAME") (_stp_perf_read) reads the current task's,
 * 0 when it has none, in any probe, after bringing it up to date when it is
 * counting on this CPU (pmu->read, as perf_event_read_local does, with
 * interrupts off).
 */
#ifndef _STP_LINUX_PERF_H
#define _STP_LINUX_PERF_H

#include <linux/binfmts.h>
#include <linux/cpumask.h>
#include <linux/fs.h>
#include <linux/namei.h>
#include <linux/perf_event.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/delay.h>
#include <linux/task_work.h>
#include <linux/tracepoint.h>
#include <linux/workqueue.h>

#include "linux/stp_buildid.h"	/* _stp_kp_msg_ctx, for warnings */

#ifndef STP_PERF_TASKS
#define STP_PERF_TASKS 64	/* processes counted at once per .process probe */
#endif

struct _stp_perf;

struct _stp_perf_task {
	struct task_struct *task;	/* held; NULL: a free slot */
	struct perf_event *ev;		/* NULL until its task work made it */
	bool dead;			/* exited: the work item releases it */
	struct _stp_perf *perf;
	struct callback_head twork;	/* makes the counter in the task's context */
};

struct _stp_perf {
	const struct _stp_probe *probe;
	u32 type;
	u64 config, period;
	int freq;
	const char *what;		/* the point as written, for messages */
	const char *path;		/* .process(PATH), or NULL: system-wide */
	const char *counter;		/* .counter(NAME): read by @perf, no handler */
	struct perf_event **events;	/* nr_cpu_ids, NULL where none */
	struct inode *inode;		/* PATH's, held */
	struct _stp_perf_task tasks[STP_PERF_TASKS];
};

/* the .process probes' shared state: the tracepoints, the task works not run yet,
 * the work item that releases counters, one lock for the slots */
static struct {
	struct _stp_perf *v;
	size_t n;
	struct tracepoint *tp_exec, *tp_exit;
	atomic_t pending;
	struct work_struct work;
	spinlock_t lock;
	bool registered;
} _stp_perf_procs;

static void _stp_perf_hit(struct perf_event *ev, struct perf_sample_data *data,
			  struct pt_regs *regs)
{
	const struct _stp_perf *sp = ev->overflow_handler_context;

	_stp_probe_run_regs(sp->probe, regs);
}

static struct perf_event_attr _stp_perf_attr(const struct _stp_perf *p)
{
	struct perf_event_attr attr = {
		.type = p->type,
		.size = sizeof(attr),
		.config = p->config,
		.sample_period = p->counter ? 0 : p->period,
		.freq = p->freq && !p->counter ? 1 : 0,
		.pinned = 1,
	};

	return attr;
}

/* the work item: the counters of processes gone are released */
static void _stp_perf_work(struct work_struct *w)
{
	size_t i, j;

	(void)w;
	for (i = 0; i < _stp_perf_procs.n; i++) {
		for (j = 0; j < STP_PERF_TASKS; j++) {
			struct _stp_perf_task *t = &_stp_perf_procs.v[i].tasks[j];
			struct task_struct *task = NULL;
			struct perf_event *ev = NULL;
			unsigned long flags;

			spin_lock_irqsave(&_stp_perf_procs.lock, flags);
			if (t->task && t->dead) {
				task = t->task;
				ev = t->ev;
				t->task = NULL;
				t->ev = NULL;
			}
			spin_unlock_irqrestore(&_stp_perf_procs.lock, flags);
			if (ev)
				perf_event_release_kernel(ev);
			if (task)
				put_task_struct(task);
		}
	}
}

/* the task work, in the process that ran PATH, before it returns to user space */
static void _stp_perf_twork(struct callback_head *cb)
{
	struct _stp_perf_task *t = container_of(cb, struct _stp_perf_task, twork);
	struct _stp_perf *p = t->perf;
	struct perf_event_attr attr = _stp_perf_attr(p);
	struct perf_event *ev = NULL;
	unsigned long flags;

	if (!(current->flags & PF_EXITING)) {
		ev = perf_event_create_kernel_counter(&attr, -1, current,
						      p->counter ? NULL : _stp_perf_hit, p);
		if (IS_ERR(ev)) {
			_stp_warn(&_stp_kp_msg_ctx, "perf probe %s: no counter for process "
				  "%d (rc %ld)\n", p->what, (int)current->tgid, PTR_ERR(ev));
			ev = NULL;
		}
	}
	spin_lock_irqsave(&_stp_perf_procs.lock, flags);
	if (ev && !t->dead) {
		t->ev = ev;
		ev = NULL;
	}
	spin_unlock_irqrestore(&_stp_perf_procs.lock, flags);
	if (ev)
		perf_event_release_kernel(ev);
	atomic_dec(&_stp_perf_procs.pending);
}

static void _stp_perf_exec(void *data, struct task_struct *task, pid_t old_pid,
			   struct linux_binprm *bprm)
{
	struct inode *inode = bprm && bprm->file ? file_inode(bprm->file) : NULL;
	unsigned long flags;
	size_t i, j;

	(void)data;
	(void)old_pid;
	if (!inode || task != current)
		return;
	spin_lock_irqsave(&_stp_perf_procs.lock, flags);
	for (i = 0; i < _stp_perf_procs.n; i++) {
		struct _stp_perf *p = &_stp_perf_procs.v[i];
		struct _stp_perf_task *t;

		if (p->inode != inode)
			continue;
		for (j = 0; j < STP_PERF_TASKS; j++)
			if (p->tasks[j].task == task)
				break;
		if (j < STP_PERF_TASKS)
			continue;	/* counted already (an exec of PATH again) */
		for (j = 0; j < STP_PERF_TASKS && p->tasks[j].task; j++)
			;
		if (j == STP_PERF_TASKS)
			continue;	/* no slot free: not counted */
		t = &p->tasks[j];
		t->perf = p;
		t->ev = NULL;
		t->dead = false;
		init_task_work(&t->twork, _stp_perf_twork);
		atomic_inc(&_stp_perf_procs.pending);
		if (task_work_add(task, &t->twork, TWA_RESUME)) {
			atomic_dec(&_stp_perf_procs.pending);
			continue;
		}
		get_task_struct(task);
		t->task = task;
	}
	spin_unlock_irqrestore(&_stp_perf_procs.lock, flags);
}

static void _stp_perf_task_exit(void *data, struct task_struct *task)
{
	unsigned long flags;
	bool queued = false;
	size_t i, j;

	(void)data;
	spin_lock_irqsave(&_stp_perf_procs.lock, flags);
	for (i = 0; i < _stp_perf_procs.n; i++)
		for (j = 0; j < STP_PERF_TASKS; j++)
			if (_stp_perf_procs.v[i].tasks[j].task == task) {
				_stp_perf_procs.v[i].tasks[j].dead = true;
				queued = true;
			}
	spin_unlock_irqrestore(&_stp_perf_procs.lock, flags);
	if (queued)
		schedule_work(&_stp_perf_procs.work);
}

/* @perf("NAME"): the current task's count of the .counter(NAME) probe. A probe may
 * run in NMI (a perf overflow) while this CPU holds the lock: then it reads 0 rather
 * than wait. */
static int64_t _stp_perf_read(const char *name)
{
	unsigned long flags;
	int64_t value = 0;
	size_t i, j;

	if (!spin_trylock_irqsave(&_stp_perf_procs.lock, flags))
		return 0;
	for (i = 0; i < _stp_perf_procs.n; i++) {
		struct _stp_perf *p = &_stp_perf_procs.v[i];

		if (!p->counter || strcmp(p->counter, name))
			continue;
		for (j = 0; j < STP_PERF_TASKS; j++) {
			struct perf_event *ev = p->tasks[j].ev;

			if (p->tasks[j].task != current || !ev)
				continue;
			if (ev->state == PERF_EVENT_STATE_ACTIVE &&
			    ev->oncpu == smp_processor_id())
				ev->pmu->read(ev);
			value += local64_read(&ev->count);
		}
	}
	spin_unlock_irqrestore(&_stp_perf_procs.lock, flags);
	return value;
}

static void _stp_perf_lookup(struct tracepoint *tp, void *priv)
{
	(void)priv;
	if (!strcmp(tp->name, "sched_process_exec"))
		_stp_perf_procs.tp_exec = tp;
	else if (!strcmp(tp->name, "sched_process_exit"))
		_stp_perf_procs.tp_exit = tp;
}

static void _stp_perf_exit(struct _stp_perf *v, size_t n)
{
	size_t i, j;
	unsigned int cpu;

	if (_stp_perf_procs.registered) {
		tracepoint_probe_unregister(_stp_perf_procs.tp_exec, _stp_perf_exec, NULL);
		tracepoint_probe_unregister(_stp_perf_procs.tp_exit, _stp_perf_task_exit, NULL);
		tracepoint_synchronize_unregister();
		_stp_perf_procs.registered = false;
	}
	if (_stp_perf_procs.v) {
		/* task works run at the process's next return to user space or exit */
		while (atomic_read(&_stp_perf_procs.pending))
			msleep(1);
		cancel_work_sync(&_stp_perf_procs.work);
		_stp_perf_procs.n = 0;
		_stp_perf_procs.v = NULL;
	}
	for (i = 0; i < n; i++) {
		for (j = 0; j < STP_PERF_TASKS; j++) {
			if (v[i].tasks[j].ev)
				perf_event_release_kernel(v[i].tasks[j].ev);
			if (v[i].tasks[j].task)
				put_task_struct(v[i].tasks[j].task);
			v[i].tasks[j].task = NULL;
			v[i].tasks[j].ev = NULL;
		}
		if (v[i].inode) {
			iput(v[i].inode);
			v[i].inode = NULL;
		}
		if (!v[i].events)
			continue;
		for_each_possible_cpu(cpu)
			if (v[i].events[cpu])
				perf_event_release_kernel(v[i].events[cpu]);
		kfree(v[i].events);
		v[i].events = NULL;
	}
}

/* 0, or -errno with none left (reported on staprun's stderr) */
static int _stp_perf_init(struct _stp_perf *v, size_t n)
{
	size_t i;
	unsigned int cpu;

	bool procs = false;

	spin_lock_init(&_stp_perf_procs.lock);
	atomic_set(&_stp_perf_procs.pending, 0);
	INIT_WORK(&_stp_perf_procs.work, _stp_perf_work);
	for (i = 0; i < n; i++) {
		struct perf_event_attr attr = _stp_perf_attr(&v[i]);

		if (v[i].path) {
			struct path pth;
			int rc = kern_path(v[i].path, LOOKUP_FOLLOW, &pth);

			if (rc) {
				_stp_start_error("perf probe %s: cannot find %s (rc %d)",
						 v[i].what, v[i].path, rc);
				_stp_perf_exit(v, i);
				return rc;
			}
			v[i].inode = igrab(d_inode(pth.dentry));
			path_put(&pth);
			procs = true;
			continue;
		}
		v[i].events = kcalloc(nr_cpu_ids, sizeof(*v[i].events), GFP_KERNEL);
		if (!v[i].events) {
			_stp_perf_exit(v, i);
			return -ENOMEM;
		}
		cpus_read_lock();
		for_each_online_cpu(cpu) {
			struct perf_event *ev;

			ev = perf_event_create_kernel_counter(&attr, cpu, NULL,
							      _stp_perf_hit, &v[i]);
			if (IS_ERR(ev)) {
				int rc = PTR_ERR(ev);

				cpus_read_unlock();
				_stp_start_error("perf probe %s is not supported by this kernel or machine (rc %d)",
						 v[i].what, rc);
				_stp_perf_exit(v, i + 1);
				return rc;
			}
			v[i].events[cpu] = ev;
		}
		cpus_read_unlock();
	}
	if (!procs)
		return 0;
	_stp_perf_procs.v = v;
	_stp_perf_procs.n = n;
	for_each_kernel_tracepoint(_stp_perf_lookup, NULL);
	if (!_stp_perf_procs.tp_exec || !_stp_perf_procs.tp_exit ||
	    tracepoint_probe_register(_stp_perf_procs.tp_exec, _stp_perf_exec, NULL)) {
		_stp_start_error("perf .process probes: cannot watch process starts");
		_stp_perf_exit(v, n);
		return -ENOENT;
	}
	if (tracepoint_probe_register(_stp_perf_procs.tp_exit, _stp_perf_task_exit, NULL)) {
		tracepoint_probe_unregister(_stp_perf_procs.tp_exec, _stp_perf_exec, NULL);
		tracepoint_synchronize_unregister();
		_stp_start_error("perf .process probes: cannot watch process exits");
		_stp_perf_exit(v, n);
		return -ENOENT;
	}
	_stp_perf_procs.registered = true;
	return 0;
}

#endif
