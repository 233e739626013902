/*
 * Regular expressions (=~, !~): the program the translator compiles a
 * pattern into (translator/elaborate/regex.c), emitted as static const data,
 * and run by the Pike VM in regex.h.  Part of the API (stap.h); free of
 * kernel headers so that testsuite/unit can run the matcher in userspace.
 *
 * A program is a list of instructions; a thread is a program counter plus
 * its capture positions.  Instruction 0 starts the match.
 */
#ifndef _STP_REGEX_TYPES_H
#define _STP_REGEX_TYPES_H

enum _stp_re_op {
	STP_RE_CHAR,		/* the byte `arg`, then pc + 1 */
	STP_RE_ANY,		/* any byte */
	STP_RE_CLASS,		/* a byte in the bitmap classes[x] */
	STP_RE_SPLIT,		/* go on at x and at y; x is preferred */
	STP_RE_JMP,		/* go on at x */
	STP_RE_SAVE,		/* capture slot `arg` = position, then pc + 1 */
	STP_RE_BOL,		/* only at the start of the string */
	STP_RE_EOL,		/* only at its end */
	STP_RE_MATCH,		/* success */
};

struct _stp_re_inst {
	unsigned char op;	/* enum _stp_re_op */
	unsigned char arg;
	unsigned short x, y;
};

/* Limits the translator enforces: they bound a match's time and scratch. */
#define STP_REGEX_MAX_INSTS 1024
#define STP_REGEX_MAX_GROUPS 31

struct _stp_regex {
	const struct _stp_re_inst *insts;
	const unsigned char (*classes)[32];	/* 256-bit byte sets */
	unsigned short n_insts;
	unsigned char n_groups;		/* parenthesised subexpressions */
};

/* The last =~ of a probe hit, for matched() and ngroups(). */
struct _stp_match {
	int ngroups;			/* groups incl. the whole match; -1 after
					 * a failed match or before any */
	int caps[2 * (STP_REGEX_MAX_GROUPS + 1)];	/* start, end; -1 unset */
};

/*
 * Scratch bytes a match needs for a program of n instructions and g groups:
 * a mark per instruction, two thread lists (pc + captures each), the
 * explicit stack of the closure walk, the captures being propagated.  The
 * generated context holds this much for the script's largest program.
 */
#define STP_REGEX_NCAPS(g) (2 * ((g) + 1))
#define STP_REGEX_SCRATCH(n, g)                                             \
	(sizeof(int) * ((n) + 2 * (n) * (1 + STP_REGEX_NCAPS(g)) +         \
			2 * (2 * (n) + 2) + STP_REGEX_NCAPS(g)))

#endif /* _STP_REGEX_TYPES_H */
