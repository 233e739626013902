/*
 * The whole runtime in order: kernel headers, the limits, the session, the
 * transport, output, errors, the probe-running contract, maps, statistics,
 * formatting.  stp_runtime.c includes it (and runtime_main.h) to build the
 * runtime object that every script's object is linked with; a generated
 * script includes only stap.h, whose prototypes the non-static functions
 * here define.  Hand-written modules (runtime/test/) include this first and
 * runtime_main.h last, all in one file.  docs/INTERNALS.md shows both shapes.
 */
#ifndef _STP_RUNTIME_H
#define _STP_RUNTIME_H

#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/types.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>

#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/percpu.h>
#include <linux/proc_fs.h>
#include <linux/random.h>
#include <linux/timex.h>

#include "stp_msg.h"

#include "stap.h"
#include "session.h"
#include "context.h"
#include "transport/trace.h"
#include "transport/ctl.h"
#include "transport/procfs.h"
#include "transport/debugfs.h"
#include "print.h"
#include "error.h"
#include "probe.h"
#include "lock.h"
#include "stat.h"
#include "map.h"
#include "format.h"
#include "regex.h"
#include "deref.h"

#endif /* _STP_RUNTIME_H */
