/* The syscall tapset's translator side (tapsets/syscall.c). */
#ifndef STAP_TAPSETS_SYSCALL_H
#define STAP_TAPSETS_SYSCALL_H

#include "session.h"

/* Parse the generated aliases syscall.NAME and syscall.NAME.return of the target
 * kernel's calls the library does not define (once); 0, or -1 after reporting at loc. */
int syscall_tapset(struct session *s, const struct srcloc *loc);

struct dw_syscall;
/* the calls syscall_tapset() and the family read (n of them) */
const struct dw_syscall *syscall_calls(size_t *n);
/* a probe of the family: its call's number (-1: any) and whether it is a .return */
bool syscall_probe_nr(const struct derived_probe *dp, int *nr, bool *ret);

#endif
