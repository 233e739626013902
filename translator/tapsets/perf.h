/* perf.* probe points, shared by the kernel runtime's family (tapsets/perf.c) and the
 * BPF runtime's (bpf/trace.c). */
#ifndef STAP_TAPSETS_PERF_H
#define STAP_TAPSETS_PERF_H

#include <stdbool.h>
#include <stdint.h>

struct session;
struct probe_point;
struct pp_comp;

/* one perf event: perf_event_attr's type and config, and its rate */
struct perf_point {
	int64_t type, config;
	int64_t period;		/* .sample(N) (default 1000000), or .hz(N) if freq */
	bool freq;
	const char *path;	/* .process(PATH): the program resolved, else NULL */
	const char *counter;	/* .counter(NAME), else NULL */
};

/* Parse pp as perf.sw.NAME, perf.hw.NAME, perf.hw_cache.CACHE.OP.RESULT or
 * perf.type(T).config(C), then an optional .sample(N) or .hz(N). Returns 0 if pp is not a perf point, -1 after reporting, or 1
 * with *p filled and *rest the first component after all that (NULL if none), which
 * the caller accepts or refuses. */
int perf_parse(struct session *s, const struct probe_point *pp, struct perf_point *p,
	       const struct pp_comp **rest);

/* Is dp a perf probe with .counter(NAME) (NAME NULL: with any .counter)? */
struct derived_probe;
bool perf_has_counter(const struct derived_probe *dp, const char *name);

#endif
