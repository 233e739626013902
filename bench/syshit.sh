#!/bin/bash
# bench/syshit.sh: the per-hit cost of syscall probes, in the qemu guest, one boot.
# bench/readloop makes B batches of N one-byte reads of /dev/zero and prints the mean ns
# per read of its fastest batch; it runs bare, then under staprun with each of these
# modules (each hit counts):
#   syscall.read                      our alias, on the raw syscall tracepoints
#   syscall.*                         every alias: one dispatch on the call's number
#   kernel.function("ksys_read")      a kprobe, as 4.8's syscall.read is (4.8 cannot
#                                     build modules for this kernel, so this stands in)
# The cost of a hit is the difference from the bare loop. Each row is the fastest of R
# rounds (other load on the host only adds time), the rounds interleaved so that a slow
# stretch of the emulated CPU spreads over all rows, the modules' order turning.
# Usage: bench/syshit.sh   (RELEASE, N=5000 reads a batch, B=40 batches, R=5 rounds)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
STAP=$top/translator/stap
RELEASE=${RELEASE:-$("$top/testsuite/lib/newest-release")}
N=${N:-5000}
B=${B:-40}
R=${R:-5}
work=$(mktemp -d /tmp/stap-bench-syshit.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"

gcc -O2 -static -o readloop "$top/bench/readloop.c"
names=(bare read all kfunc)
scripts=(""
	'global n; probe syscall.read { n++ }'
	'global n; probe syscall.* { n++ }'
	'global n; probe kernel.function("ksys_read") { n++ }')
files=(-f "$work/readloop:/usr/bin/readloop" -f "$top/staprun/staprun:/usr/bin/staprun")
mods=("")
for i in 1 2 3; do
	"$STAP" -p4 -r "$RELEASE" -m "hit_${names[$i]}" -e "${scripts[$i]}" > /dev/null
	mods[$i]=hit_${names[$i]}.ko
	files+=(-f "$work/${mods[$i]}:/tmp/${mods[$i]}")
done

# each round starts with the bare loop; the modules take turns at running first
# after it, which has been seen to cost a module up to 50 ns a hit
cmd=""
for r in $(seq "$R"); do
	for k in 0 1 2 3; do
		i=$(( k == 0 ? 0 : (k + r) % 3 + 1 ))
		if [ "$i" = 0 ]; then
			run="/usr/bin/readloop $N $B"
		else
			run="staprun -c '/usr/bin/readloop $N $B' /tmp/${mods[$i]}"
		fi
		cmd="$cmd echo -n '${names[$i]} '; $run;"
	done
done
"$top/translator/remote/stap-qemu" -r "$RELEASE" -t 600 "${files[@]}" -- "$cmd" \
	> out.txt 2> err.txt || { cat err.txt >&2; exit 1; }

fastest() { sort -n | head -n 1; }
bare=$(sed -n 's/^bare readloop \([0-9]*\)$/\1/p' out.txt | fastest)
echo "# kernel $RELEASE, qemu guest; ns per read(2), fastest batch of $N reads in $R rounds of $B"
printf '%-32s %8s %10s\n' "probe" "ns/read" "ns/hit"
printf '%-32s %8s %10s\n' "none" "$bare" "-"
for i in 1 2 3; do
	v=$(sed -n "s/^${names[$i]} readloop \([0-9]*\)$/\1/p" out.txt | fastest)
	printf '%-32s %8s %10s\n' "${scripts[$i]#global n; probe }" "$v" "$((v - bare))"
done
