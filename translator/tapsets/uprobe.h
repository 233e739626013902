/* What the process family (uprobe.c) offers the rest of pass 2. */
#ifndef STAP_TAPSETS_UPROBE_H
#define STAP_TAPSETS_UPROBE_H

#include "dwarf/dwarf.h"

/* The DWARF of the user program at path (resolved as process("PATH") is), for
 * @cast(p, "type", "PATH"); NULL after reporting at loc. */
struct dw_object *up_dwarf_object(struct session *s, const char *path,
				  const struct srcloc *loc);

#endif
