/* bin/ustack.c at -O2. */
#pragma GCC optimize("O2")
#include "ustack.c"
