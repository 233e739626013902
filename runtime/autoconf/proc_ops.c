/* struct proc_ops (5.6+) rather than file_operations for /proc files */
#include <linux/proc_fs.h>

static const struct proc_ops stp_probe_ops __attribute__((used)) = { .proc_read = NULL };
