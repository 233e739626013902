/* The syscall tapset's translator side (tapsets/syscall.c). */
#ifndef STAP_TAPSETS_SYSCALL_H
#define STAP_TAPSETS_SYSCALL_H

#include "session.h"

/* Parse the generated aliases syscall.NAME and syscall.NAME.return of the target
 * kernel's calls the library does not define (once); 0, or -1 after reporting at loc. */
int syscall_tapset(struct session *s, const struct srcloc *loc);

#endif
