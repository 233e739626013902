/*
 * Tasks by address or pid, for the task tapsets: a task_struct address comes
 * from the script, so every read through it is fault-safe.
 */
#ifndef _STP_LINUX_TASK_H
#define _STP_LINUX_TASK_H

#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include "linux/stp_loc.h"

/* read (p)->field into dst; 0 or -EFAULT */
#define _STP_TASK_READ(p, field, dst)                                          \
	_stp_kread(&(dst), (unsigned long)&((struct task_struct *)(p))->field, sizeof(dst))

/*
 * The task of a pid in the current task's pid namespace, or NULL; under
 * rcu_read_lock().  A task late in exit has no namespace any more (probes in
 * the scheduler see it): its pids are looked up in the initial namespace.
 */
static inline struct task_struct *_stp_find_task(int64_t pid)
{
	struct pid_namespace *ns;

	if (pid <= 0 || pid > PID_MAX_LIMIT)
		return NULL;
	ns = task_active_pid_ns(current);
	if (!ns)
		ns = &init_pid_ns;
	return pid_task(find_pid_ns((pid_t)pid, ns), PIDTYPE_PID);
}

#endif /* _STP_LINUX_TASK_H */
