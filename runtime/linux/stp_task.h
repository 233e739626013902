/*
 * Tasks by address or pid, for the task tapsets: a task_struct address comes
 * from the script, so every read through it is fault-safe.
 */
#ifndef _STP_LINUX_TASK_H
#define _STP_LINUX_TASK_H

#include <linux/pid.h>
#include <linux/sched.h>
#include "linux/stp_loc.h"

/* read (p)->field into dst; 0 or -EFAULT */
#define _STP_TASK_READ(p, field, dst)                                          \
	_stp_kread(&(dst), (unsigned long)&((struct task_struct *)(p))->field, sizeof(dst))

/* the task of a pid in the current namespace, or NULL; under rcu_read_lock() */
static inline struct task_struct *_stp_find_task(int64_t pid)
{
	if (pid <= 0 || pid > PID_MAX_LIMIT)
		return NULL;
	return pid_task(find_vpid((pid_t)pid), PIDTYPE_PID);
}

#endif /* _STP_LINUX_TASK_H */
