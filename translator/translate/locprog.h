/* Location programs (dwarf/locprog.h) as kernel C. */
#ifndef STAP_TRANSLATE_LOCPROG_H
#define STAP_TRANSLATE_LOCPROG_H

#include "dwarf/locprog.h"
#include "util.h"

/* Append to out the body of a C block that runs p in a synthesized embedded-C function:
 * it declares its stack, reads registers from CONTEXT->regs (if p uses them), memory
 * through _STP_KREAD() (runtime/linux/stp_loc.h; `what_` names the expression in fault
 * messages) and sets STAP_RETVALUE; a setter's LP_STORE writes STAP_ARG_value through
 * _STP_KWRITE() or into the saved registers. */
void lp_emit_c(const struct lp_prog *p, struct strbuf *out);

#endif
