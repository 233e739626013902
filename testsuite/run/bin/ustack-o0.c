/* bin/ustack.c at -O0: frame pointers, so its CFA rules are %rbp-based. */
#pragma GCC optimize("O0")
#include "ustack.c"
