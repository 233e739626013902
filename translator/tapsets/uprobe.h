/* What the process family (uprobe.c) offers the rest of pass 2. */
#ifndef STAP_TAPSETS_UPROBE_H
#define STAP_TAPSETS_UPROBE_H

#include "dwarf/dwarf.h"

struct derived_probe;

/* The DWARF of the user program at path (resolved as process("PATH") is), for
 * @cast(p, "type", "PATH"); NULL after reporting at loc. */
struct dw_object *up_dwarf_object(struct session *s, const char *path,
				  const struct srcloc *loc);

/* The resolved executable or library of a process("PATH") probe, NULL for a
 * process-wide one (process.begin, process(PID)...); for the user symbol tables. */
const char *up_probe_path(const struct derived_probe *dp);

#endif
