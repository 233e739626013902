/*
 * Kernel backtraces for print_backtrace(), backtrace(), print_stack(): the
 * kernel's own unwinder (ORC on Debian's x86_64 kernels) started from the
 * probe's registers, so the trace begins at the probed instruction and holds
 * none of the probe machinery; without registers (tracepoints, timers) from
 * the handler itself, skipping this module's frames.  Symbols come from the
 * kernel's kallsyms through %pS, which also names modules' symbols.
 */
#ifndef _STP_LINUX_STACK_H
#define _STP_LINUX_STACK_H

#include <linux/module.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/stacktrace.h>
#include <asm/unwind.h>

#ifndef STP_MAXBACKTRACE
#define STP_MAXBACKTRACE 20
#endif

/* Up to max return addresses of the hit's kernel stack, innermost first. */
static unsigned int _stp_stack_kernel(struct _stp_context *c,
				      unsigned long *out, unsigned int max)
{
	unsigned int n = 0, i, got;

	if (c->regs && !user_mode(c->regs)) {
		struct unwind_state state;

		/* the unwinder starts at the caller of the frame regs is in */
		out[n++] = instruction_pointer(c->regs);
		for (unwind_start(&state, current, c->regs, NULL);
		     !unwind_done(&state) && n < max; unwind_next_frame(&state)) {
			unsigned long a = unwind_get_return_address(&state);

			if (!a)
				break;
			out[n++] = a;
		}
		return n;
	}
	got = stack_trace_save(out, max, 0);
	for (i = 0; i < got; i++)
		if (!within_module((unsigned long)out[i], THIS_MODULE))
			out[n++] = out[i];
	return n;
}

/*
 * .callee probes (4.8's semantics): does the kernel stack of a hit at regs hold,
 * above the probed frame, the n return addresses base + rel[i], innermost first?
 * At a return (ret) regs is already back in the caller, at the first of them.
 * -DSTAP_CALLEE_MATCHALL fires the probe for every call, as in 4.8.
 */
static bool _stp_kcallers_match(struct pt_regs *regs, unsigned long base,
				const long *rel, int n, bool ret)
{
#ifdef STAP_CALLEE_MATCHALL
	return true;
#else
	struct unwind_state state;
	int i = 0;

	if (ret && instruction_pointer(regs) != base + rel[i++])
		return false;
	/* the unwinder starts at the caller of the frame regs is in */
	for (unwind_start(&state, current, regs, NULL);
	     i < n && !unwind_done(&state); unwind_next_frame(&state))
		if (unwind_get_return_address(&state) != base + rel[i++])
			return false;
	return i == n;
#endif
}

/* " 0xADDR : sym+0xoff/0xsize [module]" as systemtap prints a frame */
static void _stp_stack_frame(char *buf, size_t len, unsigned long addr)
{
	char sym[128];
	size_t n;

	snprintf(sym, sizeof(sym), "%pS", (void *)addr);
	n = strlen(sym);
	snprintf(buf, len, " 0x%lx : %s%s\n", addr, sym,
		 n && sym[n - 1] == ']' ? "" : " [kernel]");
}

/* the next address of a string of hex addresses, as backtrace() returns; the
 * rest of the string, or NULL at its end */
static const char *_stp_stack_next(const char *stk, unsigned long *addr)
{
	char *end;

	*addr = simple_strtoul(stk, &end, 16);
	if (end == stk)
		return NULL;
	while (*end == ' ')
		end++;
	return end;
}

/* "0x1 0x2 ...": n addresses as backtrace() and ubacktrace() return them */
static void _stp_stack_hex(char *out, size_t len, const unsigned long *a, unsigned int n)
{
	size_t used = 0;
	unsigned int i;

	out[0] = '\0';
	for (i = 0; i < n && used < len - 1; i++)
		used += scnprintf(out + used, len - used, "%s0x%lx", i ? " " : "", a[i]);
}

/* the symbolic form of a string of hex addresses, to out or printed when out is NULL */
static void _stp_stack_sprint(char *out, size_t len, const char *stk)
{
	char frame[192];
	unsigned long a;

	if (out)
		out[0] = '\0';
	while (stk && (stk = _stp_stack_next(stk, &a))) {
		_stp_stack_frame(frame, sizeof(frame), a);
		if (out)
			strlcat(out, frame, len);
		else
			_stp_print(frame);
	}
}

#endif /* _STP_LINUX_STACK_H */
