/* security_locked_down() and LOCKDOWN_DEBUGFS (5.4+) */
#include <linux/security.h>

int stp_probe_lockdown(void);
int stp_probe_lockdown(void)
{
	return security_locked_down(LOCKDOWN_DEBUGFS);
}
