#!/bin/bash
# Front-end benchmark: -p2 time and peak memory of our stap next to Debian's systemtap
# (when installed) on the same inputs. Prints a table; self-contained.
#   a) a generated script of 5,000 probes and 5,000 functions
#   b) alias expansion: a wildcard over a generated library of 400 probe aliases (-I)
#   c) `probe syscall.* { }` over each translator's own tapset library
#   d) `probe begin { exit() }`: the cost of the library for a script that uses little
#      of it (ours parses only the files it needs, from the tapset index); and, as the
#      bare parse, our -p1 of it
# Usage: bench/frontend.sh [N]   (N probes/functions for (a), default 5000)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
OURS=${STAP:-$top/translator/stap}
THEIRS=${SYSTEMTAP:-/usr/bin/stap}
N=${1:-5000}
REL=${RELEASE:-$("$top/testsuite/lib/newest-release")}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# a) many probes and functions
{
	echo "global total, hist"
	for ((i = 0; i < N; i++)); do
		echo "function f$i:long (x:long, s:string) { if (x > $i && s != \"\") return x - $i; return x + $i }"
		echo "probe begin { total += f$i($i, \"s$i\"); hist[$i % 16] <<< total }"
	done
	echo "probe end { foreach (k in hist) printf(\"%d %d\\n\", k, @count(hist[k])) }"
} > "$tmp/many.stp"

# b) a library of aliases, and a script using them through a wildcard
mkdir -p "$tmp/lib"
{
	for ((i = 0; i < 400; i++)); do
		echo "probe benchfam.call$i = begin { name = \"call$i\"; argstr = sprintf(\"%d\", $i) }"
		echo "probe benchfam.call$i.return = end { name = \"call$i\"; retval = $i }"
	done
} > "$tmp/lib/benchfam.stp"
echo 'probe benchfam.* { printf("%s(%s)\n", name, argstr) }' > "$tmp/aliases.stp"
echo 'probe syscall.* { }' > "$tmp/syscalls.stp"
echo 'probe begin { exit() }' > "$tmp/begin.stp"

# run LABEL BINARY ARGS...: prints "secs maxrss_kb status"
measure() {
	local bin=$1; shift
	/usr/bin/time -f "%e %M" -o "$tmp/t" "$bin" "$@" > /dev/null 2> "$tmp/err"
	local rc=$?
	printf '%s %s\n' "$(cat "$tmp/t" | tail -n 1)" "$rc"
}

row() {	# row NAME OUR-ARGS -- THEIR-ARGS
	local name=$1; shift
	local ours=() theirs=() seen=0 a
	for a in "$@"; do
		if [ "$a" = "--" ]; then seen=1; continue; fi
		if [ $seen = 0 ]; then ours+=("$a"); else theirs+=("$a"); fi
	done
	read -r ot om orc <<< "$(measure "$OURS" "${ours[@]}")"
	if [ -x "$THEIRS" ] && [ -n "$REL" ]; then
		read -r tt tm trc <<< "$(measure "$THEIRS" -r "$REL" "${theirs[@]}")"
	else
		tt=- tm=- trc=-
	fi
	local rt=- rm=-
	if [ "$tt" != - ] && [ "$trc" = 0 ] && [ "$orc" = 0 ]; then
		rt=$(awk -v a="$ot" -v b="$tt" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }')
		rm=$(awk -v a="$om" -v b="$tm" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }')
	fi
	printf '%-28s %8s %9s %4s | %8s %9s %4s | %6s %6s\n' "$name" "$ot" "$om" "$orc" \
		"$tt" "$tm" "$trc" "$rt" "$rm"
}

printf '%-28s %8s %9s %4s | %8s %9s %4s | %6s %6s\n' "input (-p2)" "ours s" "ours KB" "rc" \
	"stap s" "stap KB" "rc" "time" "mem"
row "$N probes + functions" -p2 "$tmp/many.stp" -- -p2 "$tmp/many.stp"
row "400x2 aliases, wildcard" -p2 -I "$tmp/lib" "$tmp/aliases.stp" -- -p2 -I "$tmp/lib" "$tmp/aliases.stp"
row "syscall.* (own library)" -p2 -w "$tmp/syscalls.stp" -- -p2 -w "$tmp/syscalls.stp"
row "begin { exit() }" -p2 "$tmp/begin.stp" -- -p2 "$tmp/begin.stp"
row "begin { exit() }, ours -p1" -p1 "$tmp/begin.stp" -- -p2 "$tmp/begin.stp"
echo "(time, mem: ours / systemtap; target <= 0.2. rc != 0 means that run failed, e.g."
echo " no syscall aliases in our tapset library yet; '-' means systemtap is not installed.)"
