#!/bin/bash
# The dtrace command (translator/dtrace): headers (-h) and semaphore objects (-G) from
# provider descriptions, their macros compiled against <sys/sdt.h>, the markers and
# semaphores stap sees in the program, and clear errors for bad descriptions.
# Prints TAP and a "N passed, N failed" line. The guest tests of the markers are in
# testsuite/run/uprobes.suite (bin/dprov.d).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
DTRACE=${DTRACE:-$top/translator/dtrace/dtrace}
STAP=${STAP:-$top/translator/stap}
work=$(mktemp -d /tmp/stap-dtrace.XXXXXX)
trap 'rm -rf "$work"' EXIT
export SYSTEMTAP_DIR=$work/stapdir
cd "$work" || exit 1
. "$top/testsuite/lib/tap.sh"

cat > app.d <<'D'
/* comments, and a preprocessor line */
#pragma D attributes Evolving/Evolving/Common provider app provider
provider app {
	probe query__start(const char *, int); // two arguments
	probe tick(void);
	probe nested(int (*)(int, int), long);
};
D
run "$DTRACE" -h -s app.d
[ $rc = 0 ] && [ -f app.h ] &&
	grep -qx '#define APP_QUERY_START(arg1, arg2) STAP_PROBE2(app, query__start, arg1, arg2)' app.h &&
	grep -qx '#define APP_QUERY_START_ENABLED() __builtin_expect(app_query__start_semaphore, 0)' app.h &&
	grep -qx '#define APP_TICK() STAP_PROBE(app, tick)' app.h &&
	grep -qx '#define APP_NESTED(arg1, arg2) STAP_PROBE2(app, nested, arg1, arg2)' app.h &&
	grep -qx '#include <sys/sdt.h>' app.h
check "-h writes PROVIDER.h: PROBE(...) and PROBE_ENABLED() macros, __ as _" $? "rc=$rc $err"

run "$DTRACE" -G -s app.d -o app-sema.o
syms=$(nm app-sema.o 2>/dev/null | awk '{print $3}' | sort | tr '\n' ' ')
[ $rc = 0 ] && [ "$syms" = "app_nested_semaphore app_query__start_semaphore app_tick_semaphore " ]
check "-G -o FILE writes the semaphores' object" $? "rc=$rc $syms $err"

cat > app.c <<'C'
#include "app.h"
int main(int argc, char **argv)
{
	(void)argv;
	if (APP_QUERY_START_ENABLED())
		APP_QUERY_START("select", argc);
	APP_TICK();
	return 0;
}
C
gcc -O1 -g -Wall -Wextra -Werror -o app app.c app-sema.o > "$work/cc" 2>&1
check "the header compiles with <sys/sdt.h> and links with the -G object" $? "$(cat "$work/cc")"

run "$STAP" -L "process(\"$work/app\").mark(\"*\")"
want=$(printf 'process("%s").mark("query__start") $arg1:long $arg2:long\nprocess("%s").mark("tick")' \
	"$work/app" "$work/app")
[ $rc = 0 ] && [ "$out" = "$want" ]
check "stap -L lists the program's markers with their arguments" $? "rc=$rc $out $err"

run "$STAP" -p2 -e "probe process(\"$work/app\").mark(\"query__start\") { println(\$arg1) }"
[ $rc = 0 ] && grep -q 'mark("query__start")' "$work/out"
check "a probe on a dtrace marker resolves" $? "rc=$rc $err"

printf '#define N 2\nprovider cp { probe p(int, int); };\n' > cp.d
run "$DTRACE" -C -DX=1 -h -s cp.d -o cp-out.h
[ $rc = 0 ] && grep -qx '#define CP_P(arg1, arg2) STAP_PROBE2(cp, p, arg1, arg2)' cp-out.h
check "-C runs cpp first; -o names the header" $? "rc=$rc $err"

printf 'provider bad {\n\tprobe p(int;\n};\n' > bad.d
run "$DTRACE" -h -s bad.d -o bad.h
[ $rc = 1 ] && [ "$err" = "dtrace: bad.d:2: unterminated argument list of probe p" ]
check "a malformed description is an error naming file and line" $? "rc=$rc $err"

printf 'provider bad {\n\tfrobnicate p(int);\n};\n' > bad2.d
run "$DTRACE" -h -s bad2.d -o bad2.h
[ $rc = 1 ] && [ "$err" = "dtrace: bad2.d:2: expected 'probe NAME(...);' in provider bad" ]
check "an unknown declaration in a provider is an error" $? "rc=$rc $err"

run "$DTRACE" -s app.d
[ $rc = 1 ] && printf '%s\n' "$err" | grep -q '^Usage: '
check "without -h or -G: the usage, exit 1" $? "rc=$rc $err"

echo "$pass passed, $fail failed"
[ $fail = 0 ]
