#!/bin/bash
# The tapset index (translator/libindex.c, parse.c): a run parses only the library
# files its script needs, from an index cached per library tree that follows changes
# to the files, and falls back to the whole library when pass 2 misses a name.
# Each run's -vvv line "Pass 1: N of M library scripts needed" says how many it parsed.
# Usage: test-tapset-index.sh   (STAP, RELEASE)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
STAP=${STAP:-$top/translator/stap}
RELEASE=${RELEASE:-$("$top/testsuite/lib/newest-release")}
work=$(mktemp -d /tmp/stap-tapidx.XXXXXX)
trap 'rm -rf "$work"' EXIT
export SYSTEMTAP_DIR=$work/stapdir
cd "$work" || exit 1
. "$top/testsuite/lib/tap.sh"

needed() {	# needed: N of the last run's "N of M library scripts needed"
	sed -n 's/^Pass 1: \([0-9]*\) of [0-9]* library scripts needed$/\1/p' "$work/err"
}

# a library of our own: -I DIR, next to the installed one
mkdir -p lib
cat > lib/zz_alpha.stp <<'STP'
function zz_alpha() { return zz_beta() + 1 }
STP
cat > lib/zz_beta.stp <<'STP'
global zz_count
function zz_beta() { return 41 }
STP
cat > lib/zz_alias.stp <<'STP'
probe zz_tick = begin { zz_n = 1 }
STP

run "$STAP" -vvv -p2 -r "$RELEASE" -e 'probe begin { exit() }'
n1=$(needed)
[ $rc = 0 ] && [ "${n1:-99}" -le 2 ] && ls "$SYSTEMTAP_DIR"/cache/tapsets/*.idx > /dev/null 2>&1
check "probe begin { exit() } parses at most 2 library files and writes the index" $? \
	"rc=$rc needed=$n1 $err"

run "$STAP" -vvv -p2 -r "$RELEASE" -I lib -e 'probe begin { println(zz_alpha()) }'
[ $rc = 0 ] && grep -q '^zz_alpha:long' "$work/out" && grep -q '^zz_beta:long' "$work/out" &&
	! grep -q 'parsed the other' "$work/err"
check "a function of an -I file, and one it calls in another file, resolve" $? "rc=$rc $out $err"

run "$STAP" -vvv -p2 -r "$RELEASE" -I lib -e 'probe zz_tick { zz_count++ }'
[ $rc = 0 ] && grep -q '^zz_count:long' "$work/out" && grep -q '<- zz_tick' "$work/out" &&
	! grep -q 'parsed the other' "$work/err"
check "an alias and a global of library files are found by their names" $? "rc=$rc $out $err"

# a changed file: its new function is found (the index follows the file)
sleep 1
echo 'function zz_gamma() { return 7 }' >> lib/zz_beta.stp
run "$STAP" -vvv -p2 -r "$RELEASE" -I lib -e 'probe begin { println(zz_gamma()) }'
[ $rc = 0 ] && grep -q '^zz_gamma:long' "$work/out" && ! grep -q 'parsed the other' "$work/err"
check "a function added to a library file is found on the next run, by the index" $? "rc=$rc $out $err"

# what a file needs of the others is in the index: a chain of three files resolves from
# the cached index alone (the second run reads no file but those it parses)
cat > lib/zz_c1.stp <<'STP'
function zz_c1() { return zz_c2() * 2 }
STP
cat > lib/zz_c2.stp <<'STP'
function zz_c2() { return zz_c3() + 1 }
STP
cat > lib/zz_c3.stp <<'STP'
function zz_c3() { return 20 }
STP
run "$STAP" -vvv -p2 -r "$RELEASE" -I lib -e 'probe begin { println(zz_c1()) }'
run "$STAP" -vvv -p2 -r "$RELEASE" -I lib -e 'probe begin { println(zz_c1()) }'
n=$(needed)
[ $rc = 0 ] && grep -q '^zz_c3:long' "$work/out" && ! grep -q 'parsed the other' "$work/err" &&
	[ "${n:-0}" = 3 ]
check "a chain of three library files resolves from the cached index, parsing those 3" $? \
	"rc=$rc needed=$n $out $err"
# a file that changes what it calls: the index's links follow it
sleep 1
cat > lib/zz_c2.stp <<'STP'
function zz_c2() { return zz_alpha() + 1 }
STP
run "$STAP" -vvv -p2 -r "$RELEASE" -I lib -e 'probe begin { println(zz_c1()) }'
n=$(needed)
[ $rc = 0 ] && grep -q '^zz_beta:long' "$work/out" && ! grep -q '^zz_c3' "$work/out" &&
	! grep -q 'parsed the other' "$work/err" && [ "${n:-0}" = 4 ]
check "after a file changes its calls, the index needs the new chain, not the old" $? \
	"rc=$rc needed=$n $out $err"

# the same set of files from the cache, a different script: the same answers as the
# whole library (syscall aliases, tapset functions through macros)
run "$STAP" -p2 -r "$RELEASE" -e 'global st; probe syscall.openat { st <<< strlen(filename) } probe end { @prints(st) }'
[ $rc = 0 ]
check "a script using a library macro and syscall aliases elaborates" $? "rc=$rc $err"

# an unresolved function still lists similar names of the whole library
run "$STAP" -p2 -r "$RELEASE" -e 'probe begin { println(execnam()) }'
[ $rc = 1 ] && grep -q 'unresolved function execnam (similar: execname' "$work/err"
check "an unresolved function suggests names from files the index left out" $? "rc=$rc $err"

# the library's doc comments make one man page per function without a warning (an
# overload's second form has a plain comment, its first form's page covers both)
run "$top/man/gen-tapset-man" "$work/man" "$top/tapset" test
[ $rc = 0 ] && [ -z "$err" ] && [ -f "$work/man/function::user_string_warn.3stap" ]
check "gen-tapset-man documents the library without warnings" $? "rc=$rc $err"

echo "$pass passed, $fail failed"
[ $fail = 0 ]
