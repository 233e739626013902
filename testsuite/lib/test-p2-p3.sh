#!/bin/bash
# Pass 2 is authoritative: "stap -p2" accepts a script if and only if "stap -p3"
# does. Runs every testsuite/semok and transok script (with its own options) and every
# PROG of testsuite/run/*.suite (with its ARGS) through both and prints TAP; a test
# fails when exactly one of the two runs fails, or when -p3 reports an internal error.
#
# Usage: test-p2-p3.sh [--save DIR]
#   --save DIR  also write each script's -p3 output to DIR/<test>.c (to compare the
#               generated C before and after a change)
# Environment: STAP (default translator/stap), RELEASE (newest installed headers).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
STAP=${STAP:-$top/translator/stap}
save=
if [ "${1:-}" = --save ]; then
	save=$2
	mkdir -p "$save" || exit 1
fi
RELEASE=${RELEASE:-$(ls /usr/src 2>/dev/null | sed -n 's/^linux-headers-\(.*-amd64\)$/\1/p' | sort -V | tail -n 1)}
out=$top/testsuite/out/p2p3.$$
mkdir -p "$out"
trap 'rm -rf "$out"' EXIT
export SYSTEMTAP_DIR=${SYSTEMTAP_DIR:-$top/testsuite/out/stapdir}

n=0 pass=0 fail=0

# check NAME DIR ARGS...: run "stap -p2 ARGS" and "stap -p3 ARGS" in DIR and compare
check() {
	local name=$1 dir=$2 rc2 rc3
	shift 2
	(cd "$dir" && timeout 300 "$STAP" -r "$RELEASE" -p2 "$@") >/dev/null 2>"$out/e2"
	rc2=$?
	(cd "$dir" && timeout 300 "$STAP" -r "$RELEASE" -p3 "$@") >"$out/c" 2>"$out/e3"
	rc3=$?
	[ -n "$save" ] && cp "$out/c" "$save/$name.c"
	n=$((n + 1))
	if [ $rc2 = $rc3 ] && ! grep -q 'internal error' "$out/e2" "$out/e3"; then
		pass=$((pass + 1))
		echo "ok $n - $name (-p2 $rc2, -p3 $rc3)"
	else
		fail=$((fail + 1))
		echo "not ok $n - $name (-p2 exit $rc2, -p3 exit $rc3)"
		sed 's/^/#   -p2: /' "$out/e2" | head -n 10
		sed 's/^/#   -p3: /' "$out/e3" | head -n 10
	fi
}

# a script file: its first line "#! stap -pN OPTIONS" gives the options
for f in testsuite/semok/*.stp testsuite/transok/*.stp; do
	line=$(head -n 1 "$f")
	args=${line#"#! stap "}
	args=${args/-p[0-9]/}
	d=${f%/*}
	# word-split the options on purpose, as run-host-tests does
	# shellcheck disable=SC2086
	check "${d##*/}-$(basename "$f" .stp)" "$top/$d" $args "$(basename "$f")"
done

# the suites: records separated by blank lines, PROG lines joined, ARGS shell words
run_record() {	# suite index
	local name
	name=$(basename "$1" .suite)-$2
	[ -n "$prog" ] || return 0
	eval "set -- $args" || return 0
	check "$name" "$top" "$@" -e "$prog"
	if [ -n "$prog2" ]; then
		eval "set -- $args"
		check "$name-prog2" "$top" "$@" -e "$prog2"
	fi
}
for suite in testsuite/run/*.suite; do
	i=0 prog= prog2= args=
	while IFS= read -r line || [ -n "$line" ]; do
		line=${line%$'\r'}
		if [[ $line =~ ^[[:space:]]*$ ]]; then
			[ -n "$prog" ] && i=$((i + 1))
			run_record "$suite" "$i"
			prog= prog2= args=
			continue
		fi
		[[ $line == \#* ]] && continue
		[[ $line =~ ^([A-Z][A-Z0-9]*)([[:space:]]+(.*))?$ ]] || continue
		val=${BASH_REMATCH[3]}
		[[ $val == \|* ]] && val=${val#|}
		case ${BASH_REMATCH[1]} in
		PROG) prog=${prog:+$prog$'\n'}$val ;;
		PROG2) prog2=${prog2:+$prog2$'\n'}$val ;;
		ARGS) args="$args ${val//@KEYS@/$out/keys}" ;;	# a signing key of this run
		esac
	done <"$suite"
	[ -n "$prog" ] && i=$((i + 1))
	run_record "$suite" "$i"
done

echo "1..$n"
echo "$pass passed, $fail failed"
[ $fail = 0 ]
