/* What every unit test prints: TAP lines from ok(), then the plan and the closing
 * "N passed, N failed" line from tap_done(), whose value main returns. */
#ifndef UNIT_TAP_H
#define UNIT_TAP_H

#include <stdio.h>

static int n_tests, n_failed;

static void ok(int cond, const char *what)
{
	n_tests++;
	if (!cond)
		n_failed++;
	printf("%sok %d - %s\n", cond ? "" : "not ", n_tests, what);
}

static int tap_done(void)
{
	printf("1..%d\n%d passed, %d failed\n", n_tests, n_tests - n_failed, n_failed);
	return n_failed != 0;
}

#endif
