/* timer_delete_sync() (6.2+; backported), formerly del_timer_sync() */
#include <linux/timer.h>

void stp_probe_del(struct timer_list *t);
void stp_probe_del(struct timer_list *t)
{
	timer_delete_sync(t);
}
