#!/bin/bash
# stap --runtime=bpf against bpftrace on this host (root, BPF), side by side in one run:
#   (a) CPU ns a tracepoint probe adds to each syscalls:sys_enter_getppid hit
#   (b) the same for a uprobe on a user function
#   (c) start-up: command start until the first output line (a new script: passes 1-4
#       compile it), (d) the same script again, from the object cache, (e) the CPU
#       a new script's whole run takes; (c) and (e) also with STAP_BPF_CLANG=1 (the
#       C path through clang, as before the instruction emitter), runs interleaved
# Each figure is a median of N runs; hitloop times the driven loop from inside, so the
# per-hit cost leaves start-up and tear-down out. Targets: (a), (b) <= bpftrace's;
# (c) <= bpftrace's; (d) faster than bpftrace's start-up.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
STAP=$top/translator/stap
BPFTRACE=${BPFTRACE:-bpftrace}
if [ "$(id -u)" != 0 ] || ! command -v "$BPFTRACE" > /dev/null; then
	echo "bench/bpf.sh: needs root and bpftrace (Debian's bpftrace package)" >&2
	exit 0
fi
work=$(mktemp -d /tmp/stap-bpfbench.XXXXXX)
trap 'rm -rf "$work"' EXIT
export SYSTEMTAP_DIR=$work/stapdir
cd "$work"
N=${N:-5}
SYS=${SYS:-1000000} CALLS=${CALLS:-200000}

ms() { echo $(( $(date +%s%N) / 1000000 )); }
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
ns() { sed -n 's/^hitloop //p'; }

gcc -O2 -o hitloop "$top/bench/hitloop.c"
H=$work/hitloop

# per-hit cost: the loop's ns per iteration under each tool, less the bare loop's
per_hit() {	# per_hit sys|call N
	local kind=$1 n=$2 i
	for i in $(seq "$N"); do "$H" "$kind" "$n" | ns; done | median > "bare.$kind"
	if [ "$kind" = sys ]; then
		sp='global n; probe kernel.trace("syscalls:sys_enter_getppid") { if (pid() == target()) n++ }'
		bp='tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { @n++; }'
	else
		sp="global n; probe process(\"$H\").function(\"hit\") { n++ }"
		bp="uprobe:$H:hit { @n++; }"
	fi
	"$STAP" --runtime=bpf -e "$sp" -c "$H $kind 1" > /dev/null	# compiled once
	for i in $(seq "$N"); do
		"$STAP" --runtime=bpf -e "$sp" -c "$H $kind $n" | ns
	done | median > "stap.$kind"
	for i in $(seq "$N"); do
		"$BPFTRACE" -e "$bp" -c "$H $kind $n" 2> /dev/null | ns
	done | median > "bpftrace.$kind"
}
per_hit sys "$SYS"
per_hit call "$CALLS"

# start-up to the first line: stap with a new script each run, then the same again
first_line() {	# first_line CMD...: ms from start until its first output line
	local t0 t1
	t0=$(ms)
	"$@" 2> /dev/null | head -n 1 > /dev/null
	t1=$(ms)
	echo $((t1 - t0))
}
# CPU of the whole process (children included), ms
cpu_ms() {	# cpu_ms CMD...
	perf stat -x, -e task-clock -o cpu.out -- "$@" > /dev/null 2>&1
	awk -F, '/task-clock/ { printf "%.0f\n", $1 }' cpu.out
}
# paired, interleaved runs: stap (its own BPF instructions), stap with clang
# (STAP_BPF_CLANG=1, the C path), bpftrace; a new script each time
: > c.stap; : > c.clang; : > c.bpftrace; : > e.stap; : > e.clang; : > e.bpftrace
for i in $(seq "$N"); do
	first_line "$STAP" --runtime=bpf -e "probe begin { println(\"first $i $$\") exit() }" >> c.stap
	STAP_BPF_CLANG=1 first_line "$STAP" --runtime=bpf -e "probe begin { println(\"first $i $$\") exit() }" >> c.clang
	first_line "$BPFTRACE" -e "BEGIN { printf(\"first $i\\n\"); exit(); }" >> c.bpftrace
	cpu_ms "$STAP" --runtime=bpf -e "probe begin { println(\"cpu $i $$\") exit() }" >> e.stap
	STAP_BPF_CLANG=1 cpu_ms "$STAP" --runtime=bpf -e "probe begin { println(\"cpu $i $$\") exit() }" >> e.clang
	cpu_ms "$BPFTRACE" -e "BEGIN { printf(\"cpu $i\\n\"); exit(); }" >> e.bpftrace
done
for f in c.stap c.clang c.bpftrace e.stap e.clang e.bpftrace; do median < $f > $f.m; mv $f.m $f; done
for i in $(seq "$N"); do
	first_line "$STAP" --runtime=bpf -e "probe begin { println(\"first 1 $$\") exit() }"
done | median > d.stap

hit() { awk -v a="$(cat "$1")" -v b="$(cat "$2")" 'BEGIN { printf "%.0f", a - b }'; }
printf '%-56s %10s %10s\n' "measure (median of $N)" "stap bpf" "bpftrace"
printf '%-56s %10s %10s\n' "(a) tracepoint sys_enter_getppid, ns added per hit" \
	"$(hit stap.sys bare.sys)" "$(hit bpftrace.sys bare.sys)"
printf '%-56s %10s %10s\n' "(b) uprobe on a user function, ns added per hit" \
	"$(hit stap.call bare.call)" "$(hit bpftrace.call bare.call)"
printf '%-56s %10s %10s\n' "(c) start-up to the first line, new script, ms" "$(cat c.stap)" "$(cat c.bpftrace)"
printf '%-56s %10s %10s\n' "    the same with STAP_BPF_CLANG=1 (clang), ms" "$(cat c.clang)" "-"
printf '%-56s %10s %10s\n' "(e) new script, whole process CPU, ms" "$(cat e.stap)" "$(cat e.bpftrace)"
printf '%-56s %10s %10s\n' "    the same with STAP_BPF_CLANG=1 (clang), ms" "$(cat e.clang)" "-"
printf '%-56s %10s %10s\n' "(d) the same script again (object cache), ms" "$(cat d.stap)" "-"
printf '%-56s %10s %10s\n' "    bare loop: getppid / call, ns" "$(cat bare.sys)" "$(cat bare.call)"
