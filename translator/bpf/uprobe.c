/* process("PATH").function/.return/.statement/.mark under the BPF runtime: one uprobe
 * program per probe, attached by the loader at every site of the probe (path, file
 * offset, marker semaphore) with the site's dispatch number as the attach cookie. The
 * program's prologue copies the probe's registers (struct pt_regs, the context) and the
 * cookie into the frame, so that target variables, marker arguments and the register
 * functions (int_arg, returnval, uaddr) read F->regs at any depth.
 *
 * A target variable is the location program of each site (dwarf/locprog.h) written as
 * BPF C by bpf_lp_emit() in pass 2 (elaborate/target.c keeps it as the body of the
 * synthesized __tvar_N function); pass 3 puts that body in place of the call
 * (bpf_uprobe_builtin()). process("PATH").begin is a uprobe at PATH's entry point,
 * .end a raw tracepoint on sched_process_exit; with -c or -x the prologue keeps to the
 * target's process tree. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "bpf/gen.h"
#include "tapsets/family.h"
#include "tapsets/uprobe.h"

#define A(g) (&(g)->s->arena)

extern const struct probe_family uprobe_family;

/* indexes in x86_64's struct pt_regs (u64 words) of DWARF registers 0..16 */
static const int dwarf_reg_index[LP_N_REGS] = {
	10, 12, 11, 5, 13, 14, 4, 19, 9, 8, 7, 6, 3, 2, 1, 0, 16,
};
#define REG_AX 10
#define REG_IP 16
#define N_PT_REGS 21

/* the index of pt_regs member name ("di", "r8", ...), or -1 */
static int member_index(const char *name)
{
	static const char *const names[N_PT_REGS] = {
		"r15", "r14", "r13", "r12", "bp", "bx", "r11", "r10", "r9", "r8", "ax", "cx",
		"dx", "si", "di", "orig_ax", "ip", "cs", "flags", "sp", "ss",
	};
	int i;

	for (i = 0; name && i < N_PT_REGS; i++)
		if (!strcmp(names[i], name))
			return i;
	return -1;
}

/* a read of size bytes at address addr into dst; a fault leaves the block with
 * @FF@ set and the address in @FA@ */
static void read_mem(struct strbuf *out, bool user, const char *dst, int size,
		     const char *addr)
{
	sb_printf(out, "\tif (bpf_probe_read_%s(%s, %d, (void *)(%s))) { @FA@ = (s64)(%s); @FF@ = 1; break; }\n",
		  user ? "user" : "kernel", dst, size, addr, addr);
}

/* @L<hex>@: the format fmt, a literal of pass 3 (target_var()) */
static void fmt_ref(struct strbuf *out, const char *fmt)
{
	const unsigned char *c;

	sb_puts(out, "@L");
	for (c = (const unsigned char *)fmt; *c; c++)
		sb_printf(out, "%02x", *c);
	sb_puts(out, "@");
}

/* @RS@ = bpf_snprintf(fmt, @RS@, v) for pretty printing: fmt starts with "%s" (the
 * kernel takes no letter or digit right after a %s: a text is an argument of "%s%s") */
static void cat(struct strbuf *out, const char *fmt, const char *text)
{
	sb_puts(out, "\t{ u64 a_[2] = { (u64)@RS@, ");
	if (text) {
		sb_puts(out, "(u64)");
		fmt_ref(out, text);
	}
	else
		sb_puts(out, "(u64)v");
	sb_puts(out, " }; __builtin_memset(@T@, 0, MSL); bpf_snprintf(@T@, MSL, ");
	fmt_ref(out, fmt);
	sb_puts(out, ", a_, 16); __builtin_memcpy(@RS@, @T@, MSL); }\n");
}

int bpf_lp_emit(const struct lp_prog *p, const char *what, uint64_t at, struct strbuf *out,
		const char **err)
{
	size_t i;
	char a[64];

	sb_printf(out, "//%s\n\tdo { u64 st[%d]; s64 v = 0; u64 t_ = 0; (void)v; (void)t_;\n",
		  what, LP_MAX_DEPTH);
	for (i = 0; i < p->n; i++) {
		const struct lp_op *op = &p->ops[i];
		int top = op->depth - 1;

		switch (op->kind) {
		case LP_CONST: case LP_ADDR:
			if (op->kind == LP_ADDR && p->user && p->ubias) {
				/* relocated by the load bias of the probed object: where the
				 * hit's site is (F->fip) less where it was linked (at) */
				sb_printf(out, "\tst[%d] = 0x%llxULL + (F->fip - 0x%llxULL);\n",
					  op->depth, (unsigned long long)op->n,
					  (unsigned long long)at);
				break;
			}
			sb_printf(out, "\tst[%d] = 0x%llxULL;\n", op->depth,
				  (unsigned long long)op->n);
			break;
		case LP_REG:
			sb_printf(out, "\tst[%d] = F->regs[%d];\n", op->depth,
				  dwarf_reg_index[op->reg]);
			break;
		case LP_BREG:
			sb_printf(out, "\tst[%d] = F->regs[%d] + (%lldLL);\n", op->depth,
				  dwarf_reg_index[op->reg], (long long)op->n);
			break;
		case LP_RETVAL:
			sb_printf(out, "\tst[%d] = F->regs[%d];\n", op->depth, REG_AX);
			break;
		case LP_DUP:
			sb_printf(out, "\tst[%d] = st[%d];\n", op->depth, op->depth - 1);
			break;
		case LP_DROP:
			break;
		case LP_ADD:
			sb_printf(out, "\tst[%d] += %s0x%llxULL;\n", top,
				  (op->flags & LPF_SIGNED) && op->n < 0 ? "-" : "",
				  (unsigned long long)((op->flags & LPF_SIGNED) && op->n < 0 ?
						       -(uint64_t)op->n : (uint64_t)op->n));
			break;
		case LP_NEG:
			sb_printf(out, "\tst[%d] = -st[%d];\n", top, top);
			break;
		case LP_NOT:
			sb_printf(out, "\tst[%d] = ~st[%d];\n", top, top);
			break;
		case LP_BINOP:
			sb_printf(out, "\tst[%d] = st[%d] %s st[%d];\n", top - 1, top - 1,
				  lp_binop_c(op->binop), top);
			break;
		case LP_DEREF:
			snprintf(a, sizeof(a), "st[%d]", top);
			sb_puts(out, "\tt_ = 0;\n");
			read_mem(out, p->user, "&t_", op->size ? op->size : 8, a);
			sb_printf(out, "\tst[%d] = t_;\n", top);
			break;
		case LP_LOAD_PTR:
			read_mem(out, p->user, "&st[0]", 8, "st[0]");
			break;
		case LP_FIELD:
			sb_printf(out, "\tst[0] += %lluULL;\n", (unsigned long long)op->n);
			break;
		case LP_INDEX:
			sb_printf(out, "\tst[0] += %lldLL * %d;\n", (long long)op->n, op->size);
			break;
		case LP_INDEX_ARG:
			sb_printf(out, "\tst[0] += (u64)(@I%d@ * %d);\n", (int)op->n, op->size);
			break;
		case LP_FETCH:
			if (op->flags & LPF_VALUE) {
				sb_printf(out, "\tv = (__%s%d)st[0];\n",
					  op->flags & LPF_SIGNED ? "s" : "u", op->size * 8);
				break;
			}
			sb_puts(out, "\tt_ = 0;\n");
			read_mem(out, p->user, "&t_", op->size, "st[0]");
			sb_printf(out, "\tv = (__%s%d)t_;\n", op->flags & LPF_SIGNED ? "s" : "u",
				  op->size * 8);
			break;
		case LP_BITFIELD:
			sb_printf(out, "\tv = (s64)(((u64)v >> %lld) & ((1ULL << %d) - 1));\n",
				  (long long)op->n, op->size);
			if (op->flags & LPF_SIGNED)
				sb_printf(out, "\tv = (v ^ (1LL << %d)) - (1LL << %d);\n",
					  op->size - 1, op->size - 1);
			break;
		case LP_RESULT:
			sb_puts(out, "\t@RV@ = v;\n");
			break;
		case LP_RESULT_ADDR:
			sb_puts(out, "\t@RV@ = (s64)st[0];\n");
			break;
		case LP_CAST_PTR:
			sb_printf(out, "\tst[%d] = (u64)@P@;\n", op->depth);
			break;
		case LP_TPARG: case LP_STORE:
			*err = "this target expression is not supported by the BPF runtime (--runtime=bpf)";
			return -1;
		case LP_PRINT_TEXT:
			cat(out, "%s%s", op->text);
			break;
		case LP_PRINT_VALUE:
			if (op->fmt == LP_FMT_HEX)
				cat(out, "%s%s", "0x");
			cat(out, op->fmt == LP_FMT_HEX ? "%s%llx" : op->fmt == LP_FMT_CHAR ?
			    "%s'%c'" : p->user ? "%s\"%pus\"" : "%s\"%pks\"", NULL);
			break;
		case LP_ENTER_FIELD:
			sb_printf(out, "\t{ u64 b_ = st[0]; st[0] += %lluULL;\n",
				  (unsigned long long)op->n);
			break;
		case LP_LEAVE_FIELD:
			sb_puts(out, "\tst[0] = b_; }\n");
			break;
		case LP_BEGIN:
			sb_puts(out, "\t{\n");
			break;
		case LP_END:
			sb_puts(out, "\t}\n");
			break;
		}
	}
	sb_puts(out, "\t} while (0);\n");
	return 0;
}

/* ---- the probes ---------------------------------------------------------------------- */

bool bpf_is_uprobe(const struct derived_probe *dp)
{
	return dp->family == &uprobe_family;
}

static int sites(struct bg *g, const struct derived_probe *dp, struct up_bpf_site **out)
{
	const char *why = NULL;
	int n = up_bpf_sites(g->s, dp, out, &why);

	if (n < 0)
		diag_error(g->s, &dp->pp->loc, "probe point %s cannot be used with --runtime=bpf: %s",
			   dp->pp_str, why);
	return n;
}

/* the process event of dp (UP_EV_*), 0 for a function, statement or marker probe */
static int proc_event(struct session *s, const struct derived_probe *dp)
{
	struct up_bpf_site *v;
	const char *why;

	return bpf_is_uprobe(dp) && up_bpf_sites(s, dp, &v, &why) == 1 ? v[0].event : 0;
}

/* process("PATH").end and the bare process events are raw tracepoint programs:
 * .end on sched_process_exit for the processes a hidden uprobe at PATH's entry point
 * recorded in the map __procs; process.begin and thread.begin on sys_exit, for the
 * tasks that a hidden program on sched_process_fork recorded (the new task's first
 * return to user space, so that the probe runs in its context, as the module
 * runtime's does); process.end and thread.end on sched_process_exit */
bool bpf_uprobe_is_raw(struct session *s, const struct derived_probe *dp)
{
	int ev = proc_event(s, dp);

	return ev && ev != UP_EV_PATH_BEGIN && ev != UP_EV_SYSCALL && ev != UP_EV_SYSRET;
}

/* process.syscall[.return]: a subprogram of the syscall tapset's sys_enter (sys_exit)
 * dispatcher (bpf/syscall.c) for every call; *ret set for .return */
bool bpf_uprobe_is_sys(struct session *s, const struct derived_probe *dp, bool *ret)
{
	int ev = proc_event(s, dp);

	if (ret)
		*ret = ev == UP_EV_SYSRET;
	return ev == UP_EV_SYSCALL || ev == UP_EV_SYSRET;
}

static void end_recorder(struct bg *g, const struct derived_probe *dp,
			 const struct up_bpf_site *v, const char *pp)
{
	int prog = g->n_prog++;
	char *path = bg_meta_str(v->path);

	g->proc_ends = true;
	sb_printf(&g->progs, "SEC(\"uprobe\") int __prog%d(void *ctx)\n{\n"
		  "\tu32 __z = 0;\n"
		  "\tstruct __globals *G = bpf_map_lookup_elem(&__g, &__z);\n"
		  "\tif (!G || G->__state != 1) return 0;\n"
		  "\ts64 __k = (s64)((bpf_get_current_pid_tgid() >> 32) << 20 | %d);\n"
		  "\t__u8 __one = 1;\n"
		  "\tbpf_map_update_elem(&__procs, &__k, &__one, BPF_ANY);\n"
		  "\treturn 0;\n}\n", prog, dp->id);
	sb_printf(&g->meta, "P uprobe %s 1\nU %s %" PRIu64 " 0 0 0\nS %d\n", pp, path,
		  v->offset, prog);
	free(path);
}

/* the offset of member in struct type (the kernel's BTF), an error naming dp if none */
static int task_member(struct bg *g, const struct derived_probe *dp, const char *type,
		       const char *member)
{
	int off = bpf_btf_member_offset(g->s, type, member);

	if (off < 0)
		diag_error(g->s, &dp->pp->loc, "probe point %s cannot be used with --runtime=bpf: the kernel's BTF has no %s.%s",
			   dp->pp_str, type, member);
	return off;
}

/* process.begin, thread.begin: a program on sched_process_fork records the new task
 * (not a kernel thread; a process for .begin, a thread for thread.begin) under
 * (tid, probe); for process.begin a program on sched_process_exec records the -c
 * target at its first exec, which is created before the probes are attached */
static void begin_recorders(struct bg *g, const struct derived_probe *dp, const char *pp,
			    bool thread)
{
	int prog = g->n_prog++;
	int flags = task_member(g, dp, "task_struct", "flags");
	int pid = task_member(g, dp, "task_struct", "pid");
	int tgid = task_member(g, dp, "task_struct", "tgid");

	g->proc_ends = true;
	sb_printf(&g->progs, "SEC(\"raw_tp\") int __prog%d(void *ctx)\n{\n"
		  "\tu32 __z = 0, __fl = 0;\n\tint __pid = 0, __tgid = 0;\n"
		  "\tstruct __globals *G = bpf_map_lookup_elem(&__g, &__z);\n"
		  "\tif (!G || G->__state != 1) return 0;\n"
		  "\tu64 __c = ((u64 *)ctx)[1];\n"
		  "\tbpf_probe_read_kernel(&__fl, 4, (void *)(__c + %d));\n"
		  "\tbpf_probe_read_kernel(&__pid, 4, (void *)(__c + %d));\n"
		  "\tbpf_probe_read_kernel(&__tgid, 4, (void *)(__c + %d));\n"
		  "\ts64 __k = (s64)((u64)(u32)__pid << 20 | %d);\n"
		  "\t__u8 __one = 1;\n"
		  "\tif (!(__fl & 0x00200000) && __pid %s __tgid)\n"	/* PF_KTHREAD */
		  "\t\tbpf_map_update_elem(&__procs, &__k, &__one, BPF_ANY);\n"
		  "\telse\n"
		  "\t\tbpf_map_delete_elem(&__procs, &__k);\n"
		  "\treturn 0;\n}\n", prog, flags, pid, tgid, dp->id, thread ? "!=" : "==");
	sb_printf(&g->meta, "P raw %s sched/sched_process_fork\nS %d\n", pp, prog);
	if (thread)
		return;
	prog = g->n_prog++;
	sb_printf(&g->progs, "SEC(\"raw_tp\") int __prog%d(void *ctx)\n{\n"
		  "\tu32 __z = 0;\n"
		  "\tstruct __globals *G = bpf_map_lookup_elem(&__g, &__z);\n"
		  "\tif (!G || G->__state != 1 || !G->__target) return 0;\n"
		  "\tu64 __pt = bpf_get_current_pid_tgid();\n"
		  "\tif ((s64)(__pt >> 32) != G->__target) return 0;\n"
		  "\ts64 __seen = %d, __k = (s64)((u64)(u32)__pt << 20 | %d);\n"
		  "\t__u8 __one = 1;\n"
		  "\tif (bpf_map_lookup_elem(&__procs, &__seen)) return 0;\n"
		  "\tbpf_map_update_elem(&__procs, &__seen, &__one, BPF_ANY);\n"
		  "\tbpf_map_update_elem(&__procs, &__k, &__one, BPF_ANY);\n"
		  "\treturn 0;\n}\n", prog, dp->id, dp->id);
	sb_printf(&g->meta, "P raw %s sched/sched_process_exec\nS %d\n", pp, prog);
}

void bpf_uprobe_meta(struct bg *g, const struct derived_probe *dp)
{
	struct up_bpf_site *v;
	char *pp = bg_meta_str(dp->pp_str);
	int i, n;

	n = sites(g, dp, &v);
	if (n == 1 && (v[0].event == UP_EV_SYSCALL || v[0].event == UP_EV_SYSRET)) {
		free(pp);	/* the dispatchers' (bpf/syscall.c) */
		return;
	}
	if (n == 1 && v[0].event && v[0].event != UP_EV_PATH_BEGIN) {
		if (v[0].event == UP_EV_PATH_END)
			end_recorder(g, dp, &v[0], pp);
		if (v[0].event == UP_EV_BEGIN || v[0].event == UP_EV_TBEGIN) {
			begin_recorders(g, dp, pp, v[0].event == UP_EV_TBEGIN);
			sb_printf(&g->meta, "P raw %s raw_syscalls/sys_exit\n", pp);
		} else {
			sb_printf(&g->meta, "P raw %s sched/sched_process_exit\n", pp);
		}
		free(pp);
		return;
	}
	sb_printf(&g->meta, "P uprobe %s %d\n", pp, n < 0 ? 0 : n);
	free(pp);
	for (i = 0; i < n; i++) {
		char *path = bg_meta_str(v[i].path);

		/* a .return's entry part: at the function's entry, or past the prologue
		 * that stores its parameters */
		sb_printf(&g->meta, "U %s %" PRIu64 " %d %" PRIu64 " %d\n", path,
			  dp->entry_of && v[i].entry_offset ? v[i].entry_offset : v[i].offset,
			  v[i].is_return && !dp->entry_of, v[i].sema, v[i].id);
		free(path);
	}
}

/* with -c or -x, process probes see the target's process tree only, as the module
 * runtime's: the current task or one of its 32 nearest ancestors is the target */
static void tree_check(struct bg *g)
{
	int tgid = bpf_btf_member_offset(g->s, "task_struct", "tgid");
	int parent = bpf_btf_member_offset(g->s, "task_struct", "real_parent");

	if (!g->s->opt.target_cmd && !g->s->opt.target_pid)
		return;
	if (tgid < 0 || parent < 0) {
		diag_error(g->s, &g->dp->pp->loc, "probe point %s cannot be used with --runtime=bpf and -c or -x: the kernel's BTF has no task_struct.tgid or .real_parent",
			   g->dp->pp_str);
		return;
	}
	emit_open(g->e, "do");
	emit_line(g->e, "u64 __t = bpf_get_current_task(); int __in = 0;");
	emit_open(g->e, "for (int __i = 0; __i < 32 && __t; __i++)");
	emit_line(g->e, "int __tg = 0;");
	emit_line(g->e, "bpf_probe_read_kernel(&__tg, 4, (void *)(__t + %d));", tgid);
	emit_line(g->e, "if (__tg == G->__target) { __in = 1; break; }");
	emit_line(g->e, "if (__tg <= 1) break;");
	emit_line(g->e, "bpf_probe_read_kernel(&__t, 8, (void *)(__t + %d));", parent);
	emit_close(g->e, "}");
	emit_line(g->e, "if (!__in) return 0;");
	emit_close(g->e, "} while (0);");
}

/* process("PATH").syscall: the current process runs PATH, the file of the inode
 * mm->exe_file->f_inode (its number and its superblock's device) */
static void exe_check(struct bg *g, const char *path)
{
	const struct derived_probe *dp = g->dp;
	int mm = task_member(g, dp, "task_struct", "mm");
	int exe = task_member(g, dp, "mm_struct", "exe_file");
	int ino = task_member(g, dp, "file", "f_inode");
	int num = task_member(g, dp, "inode", "i_ino");
	int sb = task_member(g, dp, "inode", "i_sb");
	int dev = task_member(g, dp, "super_block", "s_dev");
	struct stat st;

	if (stat(path, &st)) {
		diag_error(g->s, &dp->pp->loc, "probe point %s cannot be used with --runtime=bpf: cannot stat %s: %s",
			   dp->pp_str, path, strerror(errno));
		return;
	}
	emit_open(g->e, "do");
	emit_line(g->e, "u64 __m = 0, __f = 0, __i = 0, __sb = 0, __ino = 0; u32 __dev = 0;");
	emit_line(g->e, "bpf_probe_read_kernel(&__m, 8, (void *)(bpf_get_current_task() + %d));", mm);
	emit_line(g->e, "if (__m) bpf_probe_read_kernel(&__f, 8, (void *)(__m + %d));", exe);
	emit_line(g->e, "if (__f) bpf_probe_read_kernel(&__i, 8, (void *)(__f + %d));", ino);
	emit_line(g->e, "if (!__i) return 0;");
	emit_line(g->e, "bpf_probe_read_kernel(&__ino, 8, (void *)(__i + %d));", num);
	emit_line(g->e, "bpf_probe_read_kernel(&__sb, 8, (void *)(__i + %d));", sb);
	emit_line(g->e, "if (__sb) bpf_probe_read_kernel(&__dev, 4, (void *)(__sb + %d));", dev);
	/* the kernel's dev_t: major << 20 | minor */
	emit_line(g->e, "if (__ino != %lluULL || __dev != %uU) return 0;",
		  (unsigned long long)st.st_ino, (unsigned)(major(st.st_dev) << 20 | minor(st.st_dev)));
	emit_close(g->e, "} while (0);");
}

/* process.end, thread.end: none for a task whose begin is pending (it never reached
 * user space), as the module runtime's */
static void pending_checks(struct bg *g, int begin_event)
{
	const struct derived_probe *b;

	for (b = g->s->prog.probes; b; b = b->next)
		if (proc_event(g->s, b) == begin_event)
			emit_line(g->e, "{ s64 __pk = (s64)((u64)(u32)__pt << 20 | %d); if (bpf_map_lookup_elem(&__procs, &__pk)) return 0; }",
				  b->id);
}

/* the checks that keep a process probe to its processes: process(PID)'s, those
 * running PATH (a .syscall or .thread.*, whose path is the process's program) or X
 * (process("X").library(...)), and with -c or -x the target's tree */
static void scope_checks(struct bg *g, const struct up_bpf_site *v)
{
	const char *exe = v->exe ? v->exe : v->event && v->event != UP_EV_PATH_BEGIN ? v->path : NULL;

	if (v->pid)
		emit_line(g->e, "if ((s64)(bpf_get_current_pid_tgid() >> 32) != %" PRId64 ") return 0;",
			  v->pid);
	if (exe && exe[0])
		exe_check(g, exe);
	tree_check(g);
}

/* a .return probe with entry values and its entry part: the thread's calls of the
 * site in progress, counted in the map __edepth under (thread, site), so that each
 * return reads the values its own call saved (F->edepth, a key of __ent), also in
 * recursion. The entry part counts a call in; the return counts it out before its
 * body runs, so that `next` or an error cannot skip that. A call whose return never
 * comes (longjmp) leaves the count one higher, which later calls keep in step. */
static void call_depth(struct bg *g)
{
	const struct derived_probe *dp = g->dp, *ep;

	if (!dp->entry_of) {
		for (ep = g->s->prog.probes; ep; ep = ep->next)
			if (ep->entry_of && ep->entry_of->body == dp->body)
				break;
		if (!ep)
			return;
	}
	g->entry_values = true;
	emit_open(g->e, "do");
	emit_line(g->e, "u64 __dk = bpf_get_current_pid_tgid() << 32 | (u32)F->site;");
	emit_line(g->e, "s64 *__d = bpf_map_lookup_elem(&__edepth, &__dk);");
	if (dp->entry_of) {
		emit_line(g->e, "F->edepth = (__d ? *__d : 0) + 1;");
		emit_line(g->e, "bpf_map_update_elem(&__edepth, &__dk, &F->edepth, BPF_ANY);");
	} else {
		emit_line(g->e, "F->edepth = __d ? *__d : 0;");
		emit_line(g->e, "if (__d && *__d > 1) *__d -= 1; else if (__d) bpf_map_delete_elem(&__edepth, &__dk);");
	}
	emit_close(g->e, "} while (0);");
}

void bpf_uprobe_prologue(struct bg *g)
{
	struct up_bpf_site *v;
	const char *why;
	int i, n = up_bpf_sites(g->s, g->dp, &v, &why), ev = n == 1 ? v[0].event : 0;

	if (n < 0)
		return;		/* reported by bpf_uprobe_meta() */
	switch (ev) {
	case UP_EV_PATH_END:
		/* the exit of a recorded process's last thread (its leader) */
		emit_line(g->e, "u64 __pt = bpf_get_current_pid_tgid();");
		emit_line(g->e, "if ((u32)__pt != (u32)(__pt >> 32)) return 0;");
		emit_line(g->e, "s64 __k = (s64)((__pt >> 32) << 20 | %d);", g->dp->id);
		emit_line(g->e, "if (!bpf_map_lookup_elem(&__procs, &__k)) return 0;");
		emit_line(g->e, "bpf_map_delete_elem(&__procs, &__k);");
		emit_line(g->e, "F->site = 0;");
		return;
	case UP_EV_BEGIN:
	case UP_EV_TBEGIN:
		/* the first return to user space of a task recorded at its creation */
		emit_line(g->e, "u64 __pt = bpf_get_current_pid_tgid();");
		emit_line(g->e, "s64 __k = (s64)((u64)(u32)__pt << 20 | %d);", g->dp->id);
		emit_line(g->e, "if (!bpf_map_lookup_elem(&__procs, &__k)) return 0;");
		emit_line(g->e, "bpf_map_delete_elem(&__procs, &__k);");
		emit_line(g->e, "F->site = 0;");
		scope_checks(g, &v[0]);
		return;
	case UP_EV_SYSCALL:
	case UP_EV_SYSRET:
		scope_checks(g, &v[0]);
		return;
	case UP_EV_END:
	case UP_EV_TEND: {
		/* process.end: the exit of a process's last thread; thread.end: of a
		 * thread other than the leader (which still has its mm here) */
		int sig = task_member(g, g->dp, "task_struct", "signal");
		int live = task_member(g, g->dp, "signal_struct", "live");

		emit_line(g->e, "u64 __pt = bpf_get_current_pid_tgid();");
		if (ev == UP_EV_END) {
			emit_line(g->e, "u64 __sig = 0; int __live = 1;");
			emit_line(g->e, "bpf_probe_read_kernel(&__sig, 8, (void *)(bpf_get_current_task() + %d));", sig);
			emit_line(g->e, "bpf_probe_read_kernel(&__live, 4, (void *)(__sig + %d));", live);
			emit_line(g->e, "if (__live) return 0;");
			emit_open(g->e, "if ((u32)__pt == (u32)(__pt >> 32))");
			pending_checks(g, UP_EV_BEGIN);
			emit_close(g->e, "}");
		} else {
			emit_line(g->e, "if ((u32)__pt == (u32)(__pt >> 32)) return 0;");
			pending_checks(g, UP_EV_TBEGIN);
		}
		emit_line(g->e, "F->site = 0;");
		scope_checks(g, &v[0]);
		return;
	}
	default:
		break;
	}
	if (n > 0)
		scope_checks(g, &v[0]);
	else
		tree_check(g);
	for (i = 0; i < N_PT_REGS; i++)
		emit_line(g->e, "F->regs[%d] = ((u64 *)ctx)[%d];", i, i);
	emit_line(g->e, "F->site = (s64)bpf_get_attach_cookie(ctx);");
	emit_line(g->e, "F->fip = bpf_get_func_ip(ctx);");
	call_depth(g);
}

/* ---- functions of the probes ---------------------------------------------------------- */

/* a string that depends on the site: str(site) of each */
static const char *site_str(struct bg *g, const struct up_bpf_site *v, int n,
			    const char *(*str)(const struct up_bpf_site *))
{
	const char *t;
	int i;
	bool same = true;

	for (i = 1; i < n; i++)
		same = same && !strcmp(str(&v[i]), str(&v[0]));
	if (n <= 0)
		return bg_lit(g, "");
	if (same)
		return bg_lit(g, str(&v[0]));
	t = bg_tmp_str(g);
	for (i = 0; i < n; i++)
		emit_line(g->e, "%sif (F->site == %d) __builtin_memcpy(%s, %s, MSL);",
			  i ? "else " : "", v[i].id, t, bg_lit(g, str(&v[i])));
	return t;
}

static const char *s_func(const struct up_bpf_site *b) { return b->func; }
static const char *s_pp(const struct up_bpf_site *b) { return b->pp; }
static const char *s_name(const struct up_bpf_site *b) { return b->name ? b->name : ""; }
static const char *s_provider(const struct up_bpf_site *b)
{
	return b->provider ? b->provider : "";
}

/* the value of SDT argument a (1-based k) into t */
static void sdt_arg(struct bg *g, const struct up_sdt_arg *a, const char *t)
{
	int size = a->size < 0 ? -a->size : a->size, r = member_index(a->reg);
	const char *sg = a->size < 0 ? "s" : "u";

	if (size != 1 && size != 2 && size != 4 && size != 8)
		size = 8;
	if (a->kind == UP_ARG_CONST) {
		emit_line(g->e, "%s = %" PRId64 "LL;", t, a->n);
	} else if (a->kind == UP_ARG_REG) {
		emit_line(g->e, "%s = (s64)(__%s%d)F->regs[%d];", t, sg, size * 8, r);
	} else {
		emit_open(g->e, "do");
		emit_line(g->e, "u64 __m = 0;");
		if (r >= 0)
			emit_line(g->e, "bpf_probe_read_user(&__m, %d, (void *)(F->regs[%d] + (%" PRId64 "LL)));",
				  size, r, a->n);
		else
			emit_line(g->e, "bpf_probe_read_user(&__m, %d, (void *)%" PRId64 "LL);", size, a->n);
		emit_line(g->e, "%s = (s64)(__%s%d)__m;", t, sg, size * 8);
		emit_close(g->e, "} while (0);");
	}
}

/* text with "@NAME@" replaced by "value" */
static char *subst(char *text, const char *name, const char *value)
{
	struct strbuf sb = { 0 };
	const char *p = text, *q;
	size_t len = strlen(name);

	sb_puts(&sb, "");
	while ((q = strstr(p, name))) {
		sb_add(&sb, p, (size_t)(q - p));
		sb_puts(&sb, value);
		p = q + len;
	}
	sb_puts(&sb, p);
	free(text);
	return sb.buf;
}

/* text with each @L<hex>@ of fmt_ref() replaced by the name of the literal */
static char *literals(struct bg *g, char *text)
{
	struct strbuf sb = { 0 }, lit = { 0 };
	const char *p = text, *q;

	sb_puts(&sb, "");
	while ((q = strstr(p, "@L"))) {
		sb_add(&sb, p, (size_t)(q - p));
		lit.len = 0;
		sb_puts(&lit, "");
		for (q += 2; q[0] && q[1] && q[0] != '@'; q += 2) {
			char h[3] = { q[0], q[1], 0 };

			sb_putc(&lit, (char)strtol(h, NULL, 16));
		}
		sb_puts(&sb, bg_lit(g, lit.buf));
		p = *q ? q + 1 : q;
	}
	sb_puts(&sb, p);
	sb_free(&lit);
	free(text);
	return sb.buf;
}

/* __tvar_N(i0...): the sites' BPF C (bpf_lp_emit()) in place of the call */
static const char *target_var(struct bg *g, struct ast_node *n, const struct function *fn)
{
	const char *rv = bg_tmp_long(g), *ff = bg_tmp_long(g), *fa = bg_tmp_long(g);
	const char *body = fn->body->u.str, *nl, *rs = NULL;
	char *text = xstrdup(body), *what, *msg;
	struct ast_node *a;
	int i, first;

	/* @cast's address first (LP_CAST_PTR), then the index arguments */
	first = strstr(body, "@P@") != NULL;
	for (a = n->u.call.args, i = 0; a; a = a->next, i++) {
		const char *t = bg_tmp_long(g), *v = bg_expr(g, a);
		char name[16];

		emit_line(g->e, "%s = %s;", t, v);
		snprintf(name, sizeof(name), i < first ? "@P@" : "@I%d@", i - first);
		text = subst(text, name, t);
	}
	if (fn->ret == TYPE_STRING) {
		rs = bg_tmp_str(g);
		text = subst(text, "@RS@", rs);
		text = subst(text, "@T@", bg_tmp_str(g));
		emit_line(g->e, "__builtin_memset(%s, 0, MSL);", rs);
	}
	text = literals(g, text);
	text = subst(text, "@RV@", rv);
	text = subst(text, "@FF@", ff);
	text = subst(text, "@FA@", fa);
	emit_line(g->e, "%s = 0; %s = 0; %s = 0;", rv, ff, fa);
	emit_raw(g->e, text);
	free(text);
	/* the first line of a site's code: "//WHAT" */
	what = strstr(body, "//");
	nl = what ? strchr(what, '\n') : NULL;
	what = what && nl ? xasprintf("%.*s", (int)(nl - what - 2), what + 2) : xstrdup("?");
	msg = xasprintf("user read fault at 0x%%llx (%s)", what);
	bg_fail_value(g, ff, &n->loc, msg, fa);
	free(what);
	free(msg);
	return rs ? rs : rv;
}

/* __entry_save_N(v) in a .return probe's entry part and __entry_load_M() in the
 * probe (elaborate/target.c): the value of the function's entry, kept in the hash
 * map __ent under the thread, N and the call's depth (call_depth()) */
static const char *entry_value(struct bg *g, struct ast_node *n, struct function *fn, bool save)
{
	struct function *sv = save ? fn : elab_fn_info(g->s, fn)->ret_like;
	const char *k = bg_tmp_str(g), *b = bg_tmp_str(g), *t;
	int id = sv ? atoi(sv->name + strlen("__entry_save_")) : -1;

	if (id < 0) {
		bg_unsupported(g, &n->loc, "this entry value");
		return "0";
	}
	g->entry_values = true;
	emit_line(g->e, "((u64 *)%s)[0] = (u64)(u32)bpf_get_current_pid_tgid() << 32 | %d; ((u64 *)%s)[1] = (u64)F->edepth;",
		  k, id, k);
	if (save) {
		const char *v = bg_expr(g, n->u.call.args);

		if (n->u.call.args->type == TYPE_STRING) {
			bg_scpy(g, b, v);
		} else {
			emit_line(g->e, "__builtin_memset(%s, 0, MSL);", b);
			emit_line(g->e, "*(s64 *)%s = %s;", b, v);
		}
		emit_line(g->e, "bpf_map_update_elem(&__ent, %s, %s, BPF_ANY);", k, b);
		return "0";
	}
	emit_open(g->e, "do");
	emit_line(g->e, "char *__e = bpf_map_lookup_elem(&__ent, %s);", k);
	emit_line(g->e, "if (__e) __builtin_memcpy(%s, __e, MSL); else __builtin_memset(%s, 0, MSL);",
		  b, b);
	emit_close(g->e, "} while (0);");
	if (fn->ret == TYPE_STRING)
		return b;
	t = bg_tmp_long(g);
	emit_line(g->e, "%s = *(s64 *)%s;", t, b);
	return t;
}

/* argument registers of the x86_64 calling convention: di si dx cx r8 r9 */
static const int arg_regs[6] = { 14, 13, 12, 11, 9, 8 };

const char *bpf_uprobe_builtin(struct bg *g, struct ast_node *n, bool *done)
{
	const char *name = n->u.call.name;
	struct function *fn = n->u.call.fn;
	struct up_bpf_site *v;
	int nsites, i;

	*done = false;
	if (!strncmp(name, "__tvar_", 7) && fn->body->u.str && !strstr(fn->body->u.str, "F->site")) {
		/* @cast of a user program's type: the same in any probe */
		*done = true;
		return target_var(g, n, fn);
	}
	if (!g->dp || !bpf_is_uprobe(g->dp) || g->n_calling)
		return NULL;
	if (!strncmp(name, "__tvar_", 7)) {
		*done = true;
		return target_var(g, n, fn);
	}
	if (!strncmp(name, "__entry_save_", 13) || !strncmp(name, "__entry_load_", 13)) {
		*done = true;
		return entry_value(g, n, n->u.call.fn, name[8] == 's');
	}
	if (!strcmp(name, "returnval")) {
		*done = true;
		return arena_printf(A(g), "((s64)F->regs[%d])", REG_AX);
	}
	if (!strcmp(name, "uaddr")) {
		*done = true;
		return arena_printf(A(g), "((s64)F->regs[%d])", REG_IP);
	}
	if (!strcmp(name, "user_mode")) {
		*done = true;
		return "1LL";
	}
	if (!strcmp(name, "int_arg") || !strcmp(name, "uint_arg") || !strcmp(name, "long_arg") ||
	    !strcmp(name, "ulong_arg") || !strcmp(name, "pointer_arg")) {
		const struct ast_node *a = n->u.call.args;
		int k = a && a->kind == AST_NUMBER ? (int)a->u.num : 0;

		*done = true;
		if (k < 1 || k > 6) {
			bg_unsupported(g, &n->loc, "an argument number other than a literal 1..6");
			return "0";
		}
		return arena_printf(A(g), "((s64)(%s)F->regs[%d])", name[0] == 'i' ? "__s32" :
				    name[1] == 'i' ? "__u32" : "__u64", arg_regs[k - 1]);
	}
	if (strcmp(name, "probefunc") && strcmp(name, "ppfunc") && strcmp(name, "pp") &&
	    strcmp(name, "__plt_name") && strncmp(name, "__sdt_", 6))
		return NULL;
	nsites = up_bpf_sites(g->s, g->dp, &v, &name);
	if (nsites < 0)
		return NULL;
	name = n->u.call.name;
	*done = true;
	if (!strcmp(name, "probefunc") || !strcmp(name, "ppfunc") || !strcmp(name, "__plt_name"))
		return site_str(g, v, nsites, s_func);	/* a .plt's $$name */
	if (!strcmp(name, "pp"))
		return site_str(g, v, nsites, s_pp);
	if (!strcmp(name, "__sdt_name"))
		return site_str(g, v, nsites, s_name);
	if (!strcmp(name, "__sdt_provider"))
		return site_str(g, v, nsites, s_provider);
	if (!strcmp(name, "__sdt_parms")) {
		const char *t = bg_tmp_str(g), *a = bg_tmp_long(g);

		emit_line(g->e, "__builtin_memset(%s, 0, MSL);", t);
		for (i = 0; i < nsites; i++) {
			struct strbuf f = { 0 };
			int k, nk = v[i].n_args > 12 ? 12 : v[i].n_args;

			if (!nk)
				continue;
			emit_open(g->e, "if (F->site == %d)", v[i].id);
			emit_line(g->e, "u64 __a[%d];", nk);
			for (k = 0; k < nk; k++) {
				sdt_arg(g, &v[i].args[k], a);
				emit_line(g->e, "__a[%d] = (u64)%s;", k, a);
				sb_printf(&f, "%sarg%d=0x%%llx", k ? " " : "", k + 1);
			}
			emit_line(g->e, "bpf_snprintf(%s, MSL, %s, __a, %d);", t, bg_lit(g, f.buf),
				  8 * nk);
			emit_close(g->e, "}");
			sb_free(&f);
		}
		return t;
	}
	if (!strcmp(name, "__sdt_arg") && n->u.call.args && n->u.call.args->kind == AST_NUMBER) {
		const char *t = bg_tmp_long(g);
		int k = (int)n->u.call.args->u.num;

		emit_line(g->e, "%s = 0;", t);
		for (i = 0; i < nsites; i++) {
			if (k < 1 || k > v[i].n_args)
				continue;
			emit_open(g->e, "if (F->site == %d)", v[i].id);
			sdt_arg(g, &v[i].args[k - 1], t);
			emit_close(g->e, "}");
		}
		return t;
	}
	*done = false;
	return NULL;
}
