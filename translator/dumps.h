/* dumps.c: what the driver does instead of the passes for some options. */
#ifndef STAP_DUMPS_H
#define STAP_DUMPS_H

#include "session.h"

/* 4.8 looks for --example scripts here (package systemtap-doc) */
#define EXAMPLES_DIR "/usr/share/systemtap/examples"

/* print the listing on stdout; 0 or -1 (reported) */
int dump_probe_types(struct session *s);
int dump_probe_aliases(struct session *s);
int dump_functions(struct session *s);
/* the path of the installed example NAME or NAME.stp, or NULL (reported) */
const char *opts_find_example(struct session *s, const char *name);

#endif
