#!/bin/bash
# bench/dwarf.sh: kernel probes with DWARF, our stap against Debian's systemtap 4.8
# (if installed), side by side: wall time and peak memory (max RSS) of
#   (a) -p2 of kernel.function("*@fs/*.c")
#   (b) -L 'kernel.function("vfs_*")'
#   (c) the first compile of a tracepoint script, with a cold cache: our -p4 (our
#       tracepoint list needs no compile, so it includes kbuild), and 4.8's -p2, where
#       its once-per-kernel tracepoint module build happens (its -p4 does not build
#       against today's Debian kernel without a patched runtime, see
#       docs guest-testing.md)
# Ours runs once with a cold DWARF index (first line, "cold") and then warm (median of N).
# Target: at most 1/5 of 4.8's time and memory. STAP48=0 skips systemtap 4.8.
# Usage: bench/dwarf.sh   (RELEASE, N=3, STAP48=1)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
STAP=$top/translator/stap
RELEASE=${RELEASE:-$("$top/testsuite/lib/newest-release")}
N=${N:-3}
STAP48=${STAP48:-1}
work=$(mktemp -d /tmp/stap-bench-dwarf.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"

[ -x /usr/bin/stap ] && /usr/bin/stap -V 2>&1 | grep -q 'version 4\.' || STAP48=0

# measure DIR CMD...: "seconds maxrss_MB" of one run, SYSTEMTAP_DIR=DIR (output discarded)
measure() {
	local dir=$1
	shift
	SYSTEMTAP_DIR=$dir SYSTEMTAP_NOSIGN=1 /usr/bin/time -f '%e %M' -o "$work/t" \
		"$@" > /dev/null 2> "$work/err" || { echo "FAILED: $*" >&2; tail -5 "$work/err" >&2; }
	awk '{ printf "%.2f %.0f\n", $1, $2 / 1024 }' "$work/t"
}

median() { sort -n | awk '{v[NR] = $0} END {print v[int((NR + 1) / 2)]}'; }

cat > fs.stp <<'EOF'
global n
probe kernel.function("*@fs/*.c") { n++ }
EOF
cat > tp.stp <<'EOF'
probe kernel.trace("sched:sched_switch") { printf("%s %d\n", kernel_string($prev->comm), $next->pid) exit() }
EOF

row() {	# name, then the ours/4.8 command lines via globals
	printf '%-34s %9s %8s %9s %8s %9s %8s\n' "$1" "$2" "$3" "$4" "$5" "$6" "$7"
}

# ours: cold (fresh SYSTEMTAP_DIR: builds the DWARF index), then warm
ours() {	# label, args...: prints "cold_s cold_mb warm_s warm_mb"
	local cold warm
	rm -rf "$work/ours"
	cold=$(measure "$work/ours" "$STAP" "$@")
	warm=$(for i in $(seq "$N"); do measure "$work/ours" "$STAP" "$@"; done | median)
	echo "$cold $warm"
}

theirs() {	# args...: one run of 4.8 with its own warm cache dir
	[ "$STAP48" = 1 ] || { echo "- -"; return; }
	measure "$work/s48" /usr/bin/stap "$@"
}

ours_tp() {	# the tracepoint compile: cold each time (fresh cache, index kept)
	local idx=$work/ours/cache/dwarf
	for i in $(seq "$N"); do
		rm -rf "$work/tp"
		mkdir -p "$work/tp/cache"
		[ -d "$idx" ] && cp -r "$idx" "$work/tp/cache/"
		measure "$work/tp" "$STAP" -p4 -r "$RELEASE" tp.stp
	done | median
}

echo "# kernel $RELEASE; ours: cold = first run (DWARF index built), warm = median of $N"
row "" "ours cold" "MB" "ours warm" "MB" "4.8" "MB"
read -r c1 c2 w1 w2 <<<"$(ours -p2 -r "$RELEASE" fs.stp)"
read -r t1 t2 <<<"$(theirs -p2 -r "$RELEASE" fs.stp)"
row '-p2 kernel.function("*@fs/*.c")' "$c1" "$c2" "$w1" "$w2" "$t1" "$t2"
read -r c1 c2 w1 w2 <<<"$(ours -r "$RELEASE" -L 'kernel.function("vfs_*")')"
read -r t1 t2 <<<"$(theirs -r "$RELEASE" -L 'kernel.function("vfs_*")')"
row "-L 'kernel.function(\"vfs_*\")'" "$c1" "$c2" "$w1" "$w2" "$t1" "$t2"
read -r c1 c2 w1 w2 <<<"$(ours -p2 -r "$RELEASE" tp.stp)"
row '-p2 kernel.trace(sched_switch)' "$c1" "$c2" "$w1" "$w2" "" ""
read -r w1 w2 <<<"$(ours_tp)"
if [ "$STAP48" = 1 ]; then
	rm -rf "$work/s48tp"
	read -r t1 t2 <<<"$(measure "$work/s48tp" /usr/bin/stap -p2 -r "$RELEASE" tp.stp)"
else
	t1=- t2=-
fi
row 'first tracepoint compile (*)' "" "" "$w1" "$w2" "$t1" "$t2"
echo "(*) ours: -p4 on an empty module cache (DWARF index kept); 4.8: -p2 on an empty cache"
