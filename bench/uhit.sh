#!/bin/bash
# bench/uhit.sh: the per-hit cost of a uprobe, ours against Debian's systemtap 4.8, in one
# qemu guest boot. bench/hitloop makes N calls of its function hit() and prints the mean
# ns per call; it runs bare, then under each module (each hit counts):
#   process("hitloop").function("hit")                    a uprobe at hit()'s entry
#   process("hitloop").function("main").callee("hit")     the same, fired only for main's
#                                                         calls: each hit checks its
#                                                         caller's return address
# built by our stap and by 4.8's, both with -D STP_NO_OVERLOAD (the emulated CPU trips
# the overload check), 4.8's by /usr/bin/stap -p4 on the host (its runtime does not
# compile against Debian's 6.1 headers, which took task_work_cancel_func() from 6.10, so a
# copy patched for that is made in the work directory and passed with -R). 4.8's modules
# run under its own staprun and stapio, shipped into the guest with the libraries they
# load. hitloop is built with DWARF 4, whose call sites 4.8 reads (it reads no DWARF 5
# ones). The cost of a hit is the difference from the bare loop; each row is the fastest
# of R rounds, the rounds interleaved so that a slow stretch of the emulated CPU spreads
# over all rows.
# Usage: bench/uhit.sh   (RELEASE, N=20000 calls, R=3 rounds)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
STAP=$top/translator/stap
RELEASE=${RELEASE:-$("$top/testsuite/lib/newest-release")}
N=${N:-20000}
R=${R:-3}
work=$(mktemp -d /tmp/stap-bench-uhit.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"

gcc -O2 -g -gdwarf-4 -static -o hitloop "$top/bench/hitloop.c"
H=$work/hitloop
names=(bare fn callee)
scripts=(""
	"global n; probe process(\"$H\").function(\"hit\") { n++ }"
	"global n; probe process(\"$H\").function(\"main\").callee(\"hit\") { n++ }")
files=(-f "$H" -f "$top/staprun/staprun:/opt/ours/staprun")
for i in 1 2; do
	"$STAP" -p4 -r "$RELEASE" -D STP_NO_OVERLOAD -m "uhit_${names[$i]}" -e "${scripts[$i]}" \
		> /dev/null
	files+=(-f "$work/uhit_${names[$i]}.ko:/tmp/uhit_${names[$i]}.ko")
done

# 4.8: a runtime that builds against these headers, its modules, its loader
cp -r /usr/share/systemtap/runtime rt48
sed -i -e 's/typeof(&task_work_cancel)/typeof(\&task_work_cancel_func)/' \
	-e 's/#define task_work_cancel (/#define task_work_cancel_func (/' \
	-e 's/twork = task_work_cancel(task, func)/twork = task_work_cancel_func(task, func)/' \
	-e 's/kallsyms_lookup_name("task_work_cancel")/kallsyms_lookup_name("task_work_cancel_func")/' \
	rt48/stp_task_work.c
for i in 1 2; do
	SYSTEMTAP_DIR=$work/s48 SYSTEMTAP_NOSIGN=1 /usr/bin/stap -R "$work/rt48" -p4 -r "$RELEASE" \
		-D STP_NO_OVERLOAD -m "u48_${names[$i]}" -e "${scripts[$i]}" > /dev/null \
		2> "u48_${names[$i]}.err" ||
		{ cat "u48_${names[$i]}.err" >&2; exit 1; }
	files+=(-f "$work/u48_${names[$i]}.ko:/tmp/u48_${names[$i]}.ko")
done
# at its own path: 4.8's stapio runs /usr/bin/staprun to remove the module
files+=(-f /usr/bin/staprun)
for b in /usr/bin/staprun /usr/lib/systemtap/stapio; do
	[ "$b" = /usr/lib/systemtap/stapio ] && files+=(-f "$b")
	for l in $(ldd "$b" | awk '/=>/ { print $3 } /ld-linux/ { print $1 }'); do
		files+=(-f "$(readlink -f "$l"):$l")
	done
done

cmd=""
for r in $(seq "$R"); do
	for i in 0 1 2; do
		if [ "$i" = 0 ]; then
			cmd="$cmd echo -n 'bare '; $H call $N;"
			continue
		fi
		cmd="$cmd echo -n 'ours_${names[$i]} '; /opt/ours/staprun -c '$H call $N' /tmp/uhit_${names[$i]}.ko;"
		cmd="$cmd echo -n 'u48_${names[$i]} '; /usr/bin/staprun -c '$H call $N' /tmp/u48_${names[$i]}.ko;"
	done
done
# a failed round leaves its row out of that round; it does not end the run
"$top/translator/remote/stap-qemu" -r "$RELEASE" -t 900 "${files[@]}" -- "$cmd true" \
	> out.txt 2> err.txt || { cat out.txt err.txt >&2; exit 1; }

fastest() { sort -n | head -n 1; }
row() { sed -n "s/^$1 hitloop \([0-9.]*\)$/\1/p" out.txt | fastest; }
bare=$(row bare)
echo "# kernel $RELEASE, qemu guest; ns per call of hit(), fastest of $R rounds of $N calls"
printf '%-44s %10s %10s %10s %10s\n' "probe" "ours ns" "ours/hit" "4.8 ns" "4.8/hit"
printf '%-44s %10s %10s %10s %10s\n' "none" "$bare" "-" "$bare" "-"
for i in 1 2; do
	o=$(row "ours_${names[$i]}") t=$(row "u48_${names[$i]}")
	printf '%-44s %10s %10s %10s %10s\n' "${scripts[$i]#global n; probe process(\"$H\")}" \
		"$o" "$(awk -v a="$o" -v b="$bare" 'BEGIN { printf "%.0f", a - b }')" \
		"$t" "$(awk -v a="$t" -v b="$bare" 'BEGIN { printf "%.0f", a - b }')"
done
