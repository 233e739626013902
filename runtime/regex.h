/*
 * Regular expression matching for =~ and !~: a Pike VM (Thompson's
 * simulation with captures) over a program compiled at translate time
 * (regex_types.h).  All threads advance together over the string, one byte
 * per step, and at most one thread per instruction survives a step, so a
 * match takes at most (length + 1) x n_insts thread steps: with the
 * translator's limits, MAXSTRINGLEN x STP_REGEX_MAX_INSTS, whatever the
 * pattern.  Nothing allocates or recurses; the caller's scratch
 * (STP_REGEX_SCRATCH bytes) holds the state.
 *
 * Semantics are POSIX's where it matters most: the leftmost match, and of
 * those the longest.  Subexpressions come from the preferred (greedy, first
 * alternative) path among those producing that match.
 */
#ifndef _STP_REGEX_H
#define _STP_REGEX_H

struct _stp_re_vm {
	const struct _stp_regex *re;
	const unsigned char *s;
	int len, ncaps;
	int *mark;		/* [pc]: position + 1 of the list holding pc */
	int *pcs[2];		/* two thread lists: pcs, then captures */
	int *caps[2];
	int n[2];
	int *stack;		/* pairs: pc (>= 0) or ~slot, value */
	int *cur;		/* captures being propagated */
};

/* Add the thread (pc, vm->cur) at position pos to list l, following every
 * instruction that does not consume a byte, in priority order. */
static void _stp_re_add(struct _stp_re_vm *vm, int l, int pc, int pos)
{
	const struct _stp_re_inst *in;
	int sp = 0;

	vm->stack[sp++] = pc;
	vm->stack[sp++] = 0;
	while (sp) {
		int v = vm->stack[--sp];

		pc = vm->stack[--sp];
		if (pc < 0) {		/* restore a capture slot */
			vm->cur[~pc] = v;
			continue;
		}
		if (vm->mark[pc] == pos + 1)
			continue;
		vm->mark[pc] = pos + 1;
		in = &vm->re->insts[pc];
		switch (in->op) {
		case STP_RE_JMP:
			vm->stack[sp++] = in->x;
			vm->stack[sp++] = 0;
			break;
		case STP_RE_SPLIT:
			vm->stack[sp++] = in->y;
			vm->stack[sp++] = 0;
			vm->stack[sp++] = in->x;
			vm->stack[sp++] = 0;
			break;
		case STP_RE_SAVE:
			vm->stack[sp++] = ~(int)in->arg;
			vm->stack[sp++] = vm->cur[in->arg];
			vm->cur[in->arg] = pos;
			vm->stack[sp++] = pc + 1;
			vm->stack[sp++] = 0;
			break;
		case STP_RE_BOL:
			if (pos == 0) {
				vm->stack[sp++] = pc + 1;
				vm->stack[sp++] = 0;
			}
			break;
		case STP_RE_EOL:
			if (pos == vm->len) {
				vm->stack[sp++] = pc + 1;
				vm->stack[sp++] = 0;
			}
			break;
		default:		/* consumes a byte, or MATCH */
			vm->pcs[l][vm->n[l]] = pc;
			memcpy(vm->caps[l] + vm->n[l] * vm->ncaps, vm->cur,
			       vm->ncaps * sizeof(int));
			vm->n[l]++;
			break;
		}
	}
}

static bool _stp_re_step(const struct _stp_re_inst *in,
			 const unsigned char (*classes)[32], unsigned char ch)
{
	switch (in->op) {
	case STP_RE_CHAR:
		return ch == in->arg;
	case STP_RE_ANY:
		return true;
	case STP_RE_CLASS:
		return classes[in->x][ch >> 3] & (1u << (ch & 7));
	default:
		return false;
	}
}

/*
 * Search s (len bytes) for re; on a match fill caps (STP_REGEX_NCAPS
 * entries: start and end of the match, then of each group, -1 if unset) and
 * return true.  `scratch` holds STP_REGEX_SCRATCH(n_insts, n_groups) bytes.
 */
static bool _stp_regex_run(const struct _stp_regex *re, const char *s,
			   int len, int *caps, void *scratch)
{
	struct _stp_re_vm vm;
	int n = re->n_insts, ncaps = STP_REGEX_NCAPS(re->n_groups);
	int *p = scratch, pos, i, l = 0;
	bool matched = false;

	vm.re = re;
	vm.s = (const unsigned char *)s;
	vm.len = len;
	vm.ncaps = ncaps;
	vm.mark = p;
	p += n;
	vm.pcs[0] = p;
	p += n;
	vm.pcs[1] = p;
	p += n;
	vm.caps[0] = p;
	p += n * ncaps;
	vm.caps[1] = p;
	p += n * ncaps;
	vm.stack = p;
	p += 2 * (2 * n + 2);
	vm.cur = p;
	memset(vm.mark, 0, n * sizeof(int));
	vm.n[0] = vm.n[1] = 0;
	for (pos = 0; pos <= len; pos++) {
		int nl = !l;

		if (!matched) {		/* a new start, least preferred */
			for (i = 0; i < ncaps; i++)
				vm.cur[i] = -1;
			_stp_re_add(&vm, l, 0, pos);
		}
		if (vm.n[l] == 0) {
			if (matched)
				break;
			continue;	/* e.g. "$" before the end */
		}
		vm.n[nl] = 0;
		for (i = 0; i < vm.n[l]; i++) {
			const struct _stp_re_inst *in = &re->insts[vm.pcs[l][i]];
			int *tc = vm.caps[l] + i * ncaps;

			/* a later start cannot beat the leftmost match */
			if (matched && tc[0] > caps[0])
				continue;
			if (in->op == STP_RE_MATCH) {
				if (!matched || tc[0] < caps[0] ||
				    (tc[0] == caps[0] && tc[1] > caps[1])) {
					memcpy(caps, tc, ncaps * sizeof(int));
					matched = true;
				}
				continue;
			}
			if (pos < len && _stp_re_step(in, re->classes, vm.s[pos])) {
				memcpy(vm.cur, tc, ncaps * sizeof(int));
				_stp_re_add(&vm, nl, vm.pcs[l][i] + 1, pos + 1);
			}
		}
		l = nl;
	}
	return matched;
}

#ifdef __KERNEL__
/*
 * str =~ re: 1 or 0.  Records the outcome for matched()/ngroups(): on a
 * match the captures and a copy of str, else ngroups = -1.
 */
int64_t _stp_regex_match(struct _stp_context *c, const struct _stp_regex *re,
			 const char *str, void *scratch)
{
	int len = strnlen(str, MAXSTRINGLEN - 1);

	if (!_stp_regex_run(re, str, len, c->match.caps, scratch)) {
		c->match.ngroups = -1;
		return 0;
	}
	c->match.ngroups = re->n_groups + 1;
	memcpy(c->match_str, str, len);
	c->match_str[len] = '\0';
	return 1;
}

/* matched(n): the n-th subexpression of the last =~ of this hit */
void _stp_regex_matched(struct _stp_context *c, int64_t n, char *out)
{
	int start, end;

	out[0] = '\0';
	if (c->match.ngroups < 0) {
		_stp_error(c, "Attempted to get subexpression %lld from failed match",
			   (long long)n);
		return;
	}
	if (n < 0 || n >= c->match.ngroups) {
		_stp_error(c, "Attempted to get nonexistent subexpression %lld",
			   (long long)n);
		return;
	}
	start = c->match.caps[2 * n];
	end = c->match.caps[2 * n + 1];
	if (start < 0 || end < start)	/* the group took no part */
		return;
	memcpy(out, c->match_str + start, end - start);
	out[end - start] = '\0';
}

/* ngroups(): groups of the last successful =~, the whole match included */
int64_t _stp_regex_ngroups(struct _stp_context *c)
{
	if (c->match.ngroups < 0) {
		_stp_error(c, "Attempted to get subexpression count from failed match");
		return 0;
	}
	return c->match.ngroups;
}
#endif /* __KERNEL__ */

#endif /* _STP_REGEX_H */
