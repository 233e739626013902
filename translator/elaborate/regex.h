/* Regular expressions of =~ and !~: a POSIX ERE pattern compiled into the program the
 * runtime's Pike VM runs (runtime/regex_types.h, runtime/regex.h). Pass 2 compiles each
 * literal pattern to report a bad one at its location; pass 3 compiles it again and emits
 * the tables as static const data. */
#ifndef STAP_REGEX_H
#define STAP_REGEX_H

#include "arena.h"

/* the runtime's limits (runtime/regex_types.h) */
#define RE_MAX_INSTS 1024
#define RE_MAX_GROUPS 31
#define RE_DUP_MAX 255

/* same order and meaning as the runtime's enum _stp_re_op */
enum re_op { RE_CHAR, RE_ANY, RE_CLASS, RE_SPLIT, RE_JMP, RE_SAVE, RE_BOL, RE_EOL, RE_MATCH };

struct re_inst {
	enum re_op op;
	int arg;		/* CHAR: the byte; SAVE: the capture slot */
	int x, y;		/* SPLIT: preferred, other; JMP: target; CLASS: x = class */
};

struct re_prog {
	struct re_inst *insts;
	int n_insts;
	unsigned char (*classes)[32];	/* byte bitmaps */
	int n_classes;
	int n_groups;			/* parenthesised subexpressions */
};

/* Compile pattern into out (allocated from a). 0, or -1 with *err set to a message
 * (from a) that names the byte offset of the problem. */
int re_compile(struct arena *a, const char *pattern, struct re_prog *out, const char **err);

/* A DFA answering only whether pattern matches somewhere in a string (no captures),
 * for the BPF runtime: bytes fall into n_cls classes (cls[], class 0 is NUL, the end);
 * trans[state * n_cls + class] is the next state, from state 0 at the string's start;
 * accept[state] bit 0: a match ends here, bit 1: a match ends here if the string
 * does. -1 if it needs more than max_states (at most 256) states. */
struct re_dfa {
	unsigned char cls[256];
	int n_cls, n_states;
	unsigned char *trans;
	unsigned char *accept;
};

int re_dfa(struct arena *a, const struct re_prog *p, int max_states, struct re_dfa *out);

#endif
