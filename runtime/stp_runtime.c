/*
 * The runtime as an object of its own: compiled once per target kernel and
 * option set (-D ...) by translator/build.c, cached, and linked with each
 * script's object into the module.  The script object provides the probe
 * table, the size of its struct context and its init/exit (docs/INTERNALS.md).
 */
#define STP_SPLIT 1

#include "runtime.h"

extern const struct _stp_probe _stp_probes[];
extern const size_t _stp_n_probes;
extern const size_t _stp_context_size;
int _stp_script_init(void);
void _stp_script_exit(void);

#define STP_N_PROBES _stp_n_probes
#define STP_CONTEXT_SIZE _stp_context_size

#include "runtime_main.h"
