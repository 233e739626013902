/* Regular expressions: a POSIX ERE pattern (egrep's syntax without back references)
 * parsed into a small tree, then compiled Thompson-style into the runtime's Pike VM
 * program: SAVE 0, the pattern, SAVE 1, MATCH. Counted repetition is expanded, so the
 * program size is checked against the runtime's limit after compiling.
 *
 *   alt   := cat ('|' cat)*           an empty alternative matches ""
 *   cat   := piece*
 *   piece := atom ('*' | '+' | '?' | '{' m [',' [n]] '}')*
 *   atom  := '(' alt ')' | '.' | '^' | '$' | '[' bracket ']' | '\' byte | byte
 *
 * A ')' without its '(' is an ordinary byte, as in systemtap. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "elaborate/regex.h"

enum re_kind { N_EMPTY, N_CHAR, N_ANY, N_CLASS, N_BOL, N_EOL, N_CAT, N_ALT, N_REP, N_GROUP };

struct re_node {
	enum re_kind kind;
	int val;			/* CHAR: byte; CLASS: index; GROUP: number */
	int min, max;			/* REP; max -1: unbounded */
	struct re_node *a, *b;
};

struct re_parser {
	struct arena *a;
	const char *start, *p;
	const char *err;
	struct re_prog *prog;
	int depth;
	int classes_cap;
	bool full;			/* the program outgrew RE_MAX_INSTS */
};

#define RE_MAX_DEPTH 100

static struct re_node *node(struct re_parser *ps, enum re_kind kind, struct re_node *a,
			    struct re_node *b)
{
	struct re_node *n = arena_alloc(ps->a, sizeof(*n));

	n->kind = kind;
	n->a = a;
	n->b = b;
	return n;
}

static struct re_node *fail(struct re_parser *ps, const char *at, const char *msg)
{
	if (!ps->err)
		ps->err = arena_printf(ps->a, "regex compilation error (at position %d): %s",
				       (int)(at - ps->start), msg);
	return NULL;
}

/* ---- bracket expressions ----------------------------------------------------------- */

static bool in_class(const char *name, int c)
{
	bool upper = c >= 'A' && c <= 'Z', lower = c >= 'a' && c <= 'z';
	bool digit = c >= '0' && c <= '9';

	if (!strcmp(name, "alpha"))
		return upper || lower;
	if (!strcmp(name, "digit"))
		return digit;
	if (!strcmp(name, "alnum"))
		return upper || lower || digit;
	if (!strcmp(name, "upper"))
		return upper;
	if (!strcmp(name, "lower"))
		return lower;
	if (!strcmp(name, "space"))
		return c == ' ' || (c >= '\t' && c <= '\r');
	if (!strcmp(name, "blank"))
		return c == ' ' || c == '\t';
	if (!strcmp(name, "punct"))
		return c > ' ' && c < 127 && !upper && !lower && !digit;
	if (!strcmp(name, "print"))
		return c >= ' ' && c < 127;
	if (!strcmp(name, "graph"))
		return c > ' ' && c < 127;
	if (!strcmp(name, "cntrl"))
		return c < ' ' || c == 127;
	if (!strcmp(name, "xdigit"))
		return digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
	return false;
}

static bool is_class_name(const char *name)
{
	static const char *const names[] = { "alpha", "digit", "alnum", "upper", "lower", "space",
					      "blank", "punct", "print", "graph", "cntrl", "xdigit" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

/* one end of a range: a byte, or [.c.] / [=c=] naming one; -1 on error */
static int bracket_char(struct re_parser *ps)
{
	const char *at = ps->p;
	char kind;
	int c;

	if (ps->p[0] != '[' || (ps->p[1] != '.' && ps->p[1] != '='))
		return (unsigned char)*ps->p++;
	kind = ps->p[1];
	c = (unsigned char)ps->p[2];
	if (!c || ps->p[3] != kind || ps->p[4] != ']') {
		fail(ps, at, "unsupported collating element (only one byte, like [.-.])");
		return -1;
	}
	ps->p += 5;
	return c;
}

static struct re_node *parse_bracket(struct re_parser *ps)
{
	const char *open = ps->p;
	unsigned char set[32] = { 0 };
	bool neg = false, first = true;
	struct re_node *n;
	int c, i;

	ps->p++;
	if (*ps->p == '^') {
		neg = true;
		ps->p++;
	}
	for (;;) {
		int lo, hi;

		if (!*ps->p)
			return fail(ps, open, "unclosed character class");
		if (*ps->p == ']' && !first) {
			ps->p++;
			break;
		}
		first = false;
		if (ps->p[0] == '[' && ps->p[1] == ':') {
			const char *name = ps->p + 2, *end = strstr(name, ":]");
			char buf[16];

			if (!end)
				return fail(ps, ps->p, "unclosed character class name");
			if ((size_t)(end - name) >= sizeof(buf) ||
			    (memcpy(buf, name, end - name), buf[end - name] = '\0',
			     !is_class_name(buf)))
				return fail(ps, ps->p, arena_printf(ps->a, "unknown character class '%.*s'",
								    (int)(end - name), name));
			for (c = 1; c < 256; c++)
				if (in_class(buf, c))
					set[c >> 3] |= 1u << (c & 7);
			ps->p = end + 2;
			continue;
		}
		lo = bracket_char(ps);
		if (lo < 0)
			return NULL;
		hi = lo;
		if (ps->p[0] == '-' && ps->p[1] && ps->p[1] != ']') {
			const char *at = ps->p + 1;

			ps->p++;
			hi = bracket_char(ps);
			if (hi < 0)
				return NULL;
			if (hi < lo)
				return fail(ps, at, arena_printf(ps->a, "inverted character range %c-%c",
								 lo, hi));
		}
		for (c = lo; c <= hi; c++)
			set[c >> 3] |= 1u << (c & 7);
	}
	if (neg)
		for (i = 0; i < 32; i++)
			set[i] = (unsigned char)~set[i];
	set[0] &= (unsigned char)~1u;	/* strings hold no NUL */
	if (ps->prog->n_classes == ps->classes_cap)
		return fail(ps, open, "too many bracket expressions");
	memcpy(ps->prog->classes[ps->prog->n_classes], set, sizeof(set));
	n = node(ps, N_CLASS, NULL, NULL);
	n->val = ps->prog->n_classes++;
	return n;
}

/* ---- the grammar -------------------------------------------------------------------- */

static struct re_node *parse_alt(struct re_parser *ps);

static int parse_count(struct re_parser *ps)
{
	int n = 0;

	if (*ps->p < '0' || *ps->p > '9') {
		fail(ps, ps->p, "expected number");
		return -1;
	}
	while (*ps->p >= '0' && *ps->p <= '9') {
		n = n * 10 + (*ps->p++ - '0');
		if (n > RE_DUP_MAX) {
			fail(ps, ps->p, "repetition count above 255");
			return -1;
		}
	}
	return n;
}

/* '{' m [',' [n]] '}' after an atom */
static struct re_node *parse_braces(struct re_parser *ps, struct re_node *atom)
{
	const char *open = ps->p;
	int min, max;
	struct re_node *n;

	ps->p++;
	min = parse_count(ps);
	if (min < 0)
		return NULL;
	max = min;
	if (*ps->p == ',') {
		ps->p++;
		max = -1;
		if (*ps->p != '}') {
			max = parse_count(ps);
			if (max < 0)
				return NULL;
		}
	}
	if (*ps->p != '}')
		return fail(ps, ps->p, "expected '}'");
	ps->p++;
	if (max >= 0 && max < min)
		return fail(ps, open, arena_printf(ps->a, "invalid repetition {%d,%d}", min, max));
	n = node(ps, N_REP, atom, NULL);
	n->min = min;
	n->max = max;
	return n;
}

static struct re_node *parse_atom(struct re_parser *ps)
{
	const char *at = ps->p;
	struct re_node *n;

	switch (*ps->p) {
	case '(':
		if (++ps->depth > RE_MAX_DEPTH)
			return fail(ps, at, "subexpressions nested too deeply");
		if (ps->prog->n_groups == RE_MAX_GROUPS)
			return fail(ps, at, "more than 31 subexpressions");
		ps->p++;
		n = node(ps, N_GROUP, NULL, NULL);
		n->val = ++ps->prog->n_groups;
		n->a = parse_alt(ps);
		if (!n->a)
			return NULL;
		if (*ps->p != ')')
			return fail(ps, ps->p, "expected ')', found the end of the pattern");
		ps->p++;
		ps->depth--;
		return n;
	case '.':
		ps->p++;
		return node(ps, N_ANY, NULL, NULL);
	case '^':
		ps->p++;
		return node(ps, N_BOL, NULL, NULL);
	case '$':
		ps->p++;
		return node(ps, N_EOL, NULL, NULL);
	case '[':
		return parse_bracket(ps);
	case '*': case '+': case '?': case '{':
		return fail(ps, at, arena_printf(ps->a, "unexpected '%c'", *at));
	case '\\':
		if (!ps->p[1])
			return fail(ps, at, "trailing backslash");
		if (ps->p[1] >= '1' && ps->p[1] <= '9')
			return fail(ps, at, "back references are not supported");
		ps->p++;
		break;
	default:
		break;
	}
	n = node(ps, N_CHAR, NULL, NULL);
	n->val = (unsigned char)*ps->p++;
	return n;
}

static struct re_node *parse_piece(struct re_parser *ps)
{
	struct re_node *n = parse_atom(ps), *r;

	while (n && (*ps->p == '*' || *ps->p == '+' || *ps->p == '?' || *ps->p == '{')) {
		if (*ps->p == '{') {
			n = parse_braces(ps, n);
			continue;
		}
		r = node(ps, N_REP, n, NULL);
		r->min = *ps->p == '+' ? 1 : 0;
		r->max = *ps->p == '?' ? 1 : -1;
		ps->p++;
		n = r;
	}
	return n;
}

static struct re_node *parse_cat(struct re_parser *ps)
{
	struct re_node *n = node(ps, N_EMPTY, NULL, NULL), *piece;

	while (*ps->p && *ps->p != '|' && !(*ps->p == ')' && ps->depth > 0)) {
		piece = parse_piece(ps);
		if (!piece)
			return NULL;
		n = n->kind == N_EMPTY ? piece : node(ps, N_CAT, n, piece);
	}
	return n;
}

static struct re_node *parse_alt(struct re_parser *ps)
{
	struct re_node *n = parse_cat(ps), *b;

	while (n && *ps->p == '|') {
		ps->p++;
		b = parse_cat(ps);
		if (!b)
			return NULL;
		n = node(ps, N_ALT, n, b);
	}
	return n;
}

/* ---- code generation ---------------------------------------------------------------- */

static int emit(struct re_parser *ps, enum re_op op, int arg, int x)
{
	struct re_prog *p = ps->prog;

	if (p->n_insts >= RE_MAX_INSTS) {
		ps->full = true;
		return 0;
	}
	p->insts[p->n_insts] = (struct re_inst){ .op = op, .arg = arg, .x = x };
	return p->n_insts++;
}

static void gen(struct re_parser *ps, const struct re_node *n)
{
	struct re_prog *p = ps->prog;
	int split, jmp, i;

	if (ps->full)
		return;
	switch (n->kind) {
	case N_EMPTY:
		break;
	case N_CHAR:
		emit(ps, RE_CHAR, n->val, 0);
		break;
	case N_ANY:
		emit(ps, RE_ANY, 0, 0);
		break;
	case N_CLASS:
		emit(ps, RE_CLASS, 0, n->val);
		break;
	case N_BOL:
		emit(ps, RE_BOL, 0, 0);
		break;
	case N_EOL:
		emit(ps, RE_EOL, 0, 0);
		break;
	case N_CAT:
		gen(ps, n->a);
		gen(ps, n->b);
		break;
	case N_ALT:
		/* SPLIT a, b; a; JMP end; b; end: */
		split = emit(ps, RE_SPLIT, 0, p->n_insts + 1);
		gen(ps, n->a);
		jmp = emit(ps, RE_JMP, 0, 0);
		p->insts[split].y = p->n_insts;
		gen(ps, n->b);
		p->insts[jmp].x = p->n_insts;
		break;
	case N_GROUP:
		emit(ps, RE_SAVE, 2 * n->val, 0);
		gen(ps, n->a);
		emit(ps, RE_SAVE, 2 * n->val + 1, 0);
		break;
	case N_REP:
		for (i = 0; i < n->min && !ps->full; i++)
			gen(ps, n->a);
		if (n->max < 0) {
			/* loop: SPLIT body, end; body; JMP loop; end: */
			split = emit(ps, RE_SPLIT, 0, p->n_insts + 1);
			gen(ps, n->a);
			emit(ps, RE_JMP, 0, split);
			p->insts[split].y = p->n_insts;
			break;
		}
		/* each further one optional: SPLIT body, next; body; next: */
		for (i = n->min; i < n->max && !ps->full; i++) {
			split = emit(ps, RE_SPLIT, 0, p->n_insts + 1);
			gen(ps, n->a);
			p->insts[split].y = p->n_insts;
		}
		break;
	}
}

int re_compile(struct arena *a, const char *pattern, struct re_prog *out, const char **err)
{
	struct re_parser ps = { .a = a, .start = pattern, .p = pattern, .prog = out };
	struct re_node *root;

	memset(out, 0, sizeof(*out));
	ps.classes_cap = (int)strlen(pattern) / 2 + 1;
	out->classes = arena_alloc(a, sizeof(*out->classes) * (size_t)ps.classes_cap);
	out->insts = arena_alloc(a, sizeof(*out->insts) * RE_MAX_INSTS);
	root = parse_alt(&ps);	/* at depth 0 only the end stops it */
	if (!root) {
		*err = ps.err;
		return -1;
	}
	emit(&ps, RE_SAVE, 0, 0);
	gen(&ps, root);
	emit(&ps, RE_SAVE, 1, 0);
	emit(&ps, RE_MATCH, 0, 0);
	if (ps.full) {
		*err = arena_printf(a, "regex compilation error: the pattern needs more than %d "
				    "instructions (fewer or smaller repetition counts?)",
				    RE_MAX_INSTS);
		return -1;
	}
	return 0;
}

/* ---- a DFA for a yes/no search ------------------------------------------------------ */

struct dfa_build {
	const struct re_prog *p;
	int words;			/* of a state's pc set */
	uint64_t *sets;			/* [state][words] */
	unsigned char *bol;		/* the state is the start (^ holds) */
	int n, max;
	uint64_t *seen;
	int *stack;
};

static bool consumes(const struct re_prog *p, const struct re_inst *in, int ch)
{
	switch (in->op) {
	case RE_CHAR:
		return ch == in->arg;
	case RE_ANY:
		return true;
	case RE_CLASS:
		return p->classes[in->x][ch >> 3] & (1u << (ch & 7));
	case RE_SPLIT: case RE_JMP: case RE_SAVE: case RE_BOL: case RE_EOL: case RE_MATCH:
		break;
	}
	return false;
}

#define HAS(set, pc) ((set)[(pc) / 64] >> ((pc) % 64) & 1)
#define ADD(set, pc) ((set)[(pc) / 64] |= 1ull << ((pc) % 64))

/* add to set pc and what it reaches without a byte, keeping the instructions that
 * consume one, MATCH, and $ (unless eol holds); true if MATCH is reached. What an
 * earlier call since the last memset of b->seen reached is not walked again: the
 * calls of one step together cost O(instructions). */
static bool closure(struct dfa_build *b, uint64_t *set, int pc, bool bol, bool eol)
{
	const struct re_prog *p = b->p;
	int sp = 0;
	bool match = false;

	b->stack[sp++] = pc;
	while (sp) {
		const struct re_inst *in;

		pc = b->stack[--sp];
		if (pc < 0 || pc >= p->n_insts || HAS(b->seen, pc))
			continue;
		ADD(b->seen, pc);
		in = &p->insts[pc];
		switch (in->op) {
		case RE_JMP:
			b->stack[sp++] = in->x;
			break;
		case RE_SPLIT:
			b->stack[sp++] = in->y;
			b->stack[sp++] = in->x;
			break;
		case RE_SAVE:
			b->stack[sp++] = pc + 1;
			break;
		case RE_BOL:
			if (bol)
				b->stack[sp++] = pc + 1;
			break;
		case RE_EOL:
			if (eol)
				b->stack[sp++] = pc + 1;
			else
				ADD(set, pc);
			break;
		case RE_MATCH:
			match = true;
			ADD(set, pc);
			break;
		case RE_CHAR: case RE_ANY: case RE_CLASS:
			ADD(set, pc);
			break;
		}
	}
	return match;
}

/* the state with this set and start flag, added if new; -1 past the limit */
static int dfa_state(struct dfa_build *b, const uint64_t *set, bool bol)
{
	int i;

	for (i = 0; i < b->n; i++)
		if (b->bol[i] == bol && !memcmp(b->sets + (size_t)i * b->words, set, (size_t)b->words * 8))
			return i;
	if (b->n == b->max)
		return -1;
	memcpy(b->sets + (size_t)b->n * b->words, set, (size_t)b->words * 8);
	b->bol[b->n] = bol;
	return b->n++;
}

int re_dfa(struct arena *a, const struct re_prog *p, int max_states, struct re_dfa *out)
{
	struct dfa_build b = { .p = p, .max = max_states };
	size_t sigsz = (size_t)(p->n_insts + 7) / 8;
	unsigned char *sig = arena_alloc(a, 256 * sigsz), rep[256];
	uint64_t *set;
	int c, i, s, pc;

	b.words = (p->n_insts + 63) / 64;
	b.sets = arena_alloc(a, (size_t)max_states * b.words * 8);
	b.bol = arena_alloc(a, (size_t)max_states);
	b.seen = arena_alloc(a, (size_t)b.words * 8);
	b.stack = arena_alloc(a, ((size_t)p->n_insts * 2 + 2) * sizeof(int));
	set = arena_alloc(a, (size_t)b.words * 8);
	memset(out, 0, sizeof(*out));
	/* byte classes: bytes that every instruction consuming one treats alike (NUL
	 * ends the string: never consumed, class 0 of its own) */
	memset(sig, 0, 256 * sigsz);
	for (c = 1; c < 256; c++)
		for (pc = 0; pc < p->n_insts; pc++)
			if (consumes(p, &p->insts[pc], c))
				sig[c * sigsz + pc / 8] |= (unsigned char)(1u << (pc % 8));
	out->n_cls = 1;
	rep[0] = 0;
	for (c = 1; c < 256; c++) {
		for (i = 1; i < out->n_cls && memcmp(sig + rep[i] * sigsz, sig + c * sigsz, sigsz); i++)
			;
		if (i == out->n_cls)
			rep[out->n_cls++] = (unsigned char)c;
		out->cls[c] = (unsigned char)i;
	}
	out->trans = arena_alloc(a, (size_t)max_states * out->n_cls);
	out->accept = arena_alloc(a, (size_t)max_states);
	memset(set, 0, (size_t)b.words * 8);
	memset(b.seen, 0, (size_t)b.words * 8);
	closure(&b, set, 0, true, false);	/* position 0, where ^ holds */
	dfa_state(&b, set, true);
	for (s = 0; s < b.n; s++) {
		const uint64_t *cur = b.sets + (size_t)s * b.words;

		out->accept[s] = 0;
		memset(set, 0, (size_t)b.words * 8);
		memset(b.seen, 0, (size_t)b.words * 8);
		for (pc = 0; pc < p->n_insts; pc++) {
			if (!HAS(cur, pc))
				continue;
			if (p->insts[pc].op == RE_MATCH)
				out->accept[s] |= 1;
			/* at the end, where $ holds */
			if (p->insts[pc].op == RE_EOL && closure(&b, set, pc + 1, b.bol[s], true))
				out->accept[s] |= 2;
		}
		out->trans[(size_t)s * out->n_cls] = (unsigned char)s;	/* NUL: unused */
		for (c = 1; c < out->n_cls; c++) {
			int t;

			memset(set, 0, (size_t)b.words * 8);
			memset(b.seen, 0, (size_t)b.words * 8);
			for (pc = 0; pc < p->n_insts; pc++)
				if (HAS(cur, pc) && consumes(p, &p->insts[pc], rep[c]))
					closure(&b, set, pc + 1, false, false);
			closure(&b, set, 0, false, false);	/* a match may start here */
			t = dfa_state(&b, set, false);
			if (t < 0)
				return -1;
			out->trans[(size_t)s * out->n_cls + c] = (unsigned char)t;
		}
	}
	out->n_states = b.n;
	return 0;
}
