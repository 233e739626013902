/* A program whose SDT markers come from a DTrace provider file (dprov.d) through our
 * dtrace command: for i = 0..N-1 (argv[1], default 3) it fires work(i, "job") only
 * when a tool probes it (is-enabled), then done__one(i, whether work was enabled),
 * then idle(). */
#include <stdlib.h>

#include "dprov.h"

int main(int argc, char **argv)
{
	int i, n = argc > 1 ? atoi(argv[1]) : 3;

	for (i = 0; i < n; i++) {
		int enabled = DPROV_WORK_ENABLED() != 0;

		if (enabled)
			DPROV_WORK(i, "job");
		DPROV_DONE_ONE(i, enabled);
		DPROV_IDLE();
	}
	return 0;
}
