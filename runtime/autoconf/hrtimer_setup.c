/* hrtimer_setup() (6.13+), which replaces hrtimer_init() + setting .function */
#include <linux/hrtimer.h>

static enum hrtimer_restart stp_probe_fn(struct hrtimer *t)
{
	return HRTIMER_NORESTART;
}

void stp_probe_setup(struct hrtimer *t);
void stp_probe_setup(struct hrtimer *t)
{
	hrtimer_setup(t, stp_probe_fn, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
}
