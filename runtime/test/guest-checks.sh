#!/bin/sh
# Guest half of runtime/test/run.sh: runs staprun on the hand-written test
# modules in directory $1 and prints TAP.  Needs busybox sh, awk, and root.
# Exit status: the number of failed checks.
cd "$1" || exit 99
S=./staprun
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() {
	n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"
	for f in o e; do [ -s $f ] && sed "s/^/#  $f: /" $f | head -20; done
}
check() { if [ "$2" = "$3" ]; then ok "$1"; else notok "$1 (got '$2')"; fi; }
nl='
'
loaded() { grep -q "^$1 " /proc/modules; }

# hello: begin prints and exits, end prints; module gone afterwards
$S stap_hello.ko > o 2> e; rc=$?
check "hello: exit status" "$rc" 0
check "hello: stdout" "$(cat o)" "hello, world${nl}bye"
check "hello: stderr" "$(cat e)" ""
loaded stap_hello && notok "hello: module removed" || ok "hello: module removed"

# a renamed .ko: staprun reads the name from .modinfo
cp stap_hello.ko renamed.ko
$S renamed.ko > o 2> e
check "renamed .ko" "$(cat o)" "hello, world${nl}bye"

# -o FILE
rm -f f.out; $S -o f.out stap_hello.ko > o 2> e
check "-o FILE" "$(cat f.out)$(cat o)" "hello, world${nl}bye"

# a timer until SIGINT: end probe runs, its output arrives, status 0
$S stap_timer.ko > o 2> e & p=$!
sleep 1; kill -INT $p; wait $p; rc=$?
check "timer+SIGINT: exit status" "$rc" 0
check "timer+SIGINT: begin line" "$(head -1 o)" "begin target=0"
check "timer+SIGINT: end line" "$(tail -1 o | sed 's/[0-9][0-9]*/N/')" \
	"end after N ticks"
ticks=$(grep -c '^tick' o)
[ "$ticks" -ge 3 ] && ok "timer+SIGINT: $ticks ticks" || notok "timer ticks"
loaded stap_timer && notok "timer: module removed" || ok "timer: module removed"

# an error: ERROR line, summary, status 1, error probe instead of end probe
$S stap_error.ko > o 2> e; rc=$?
check "error: exit status" "$rc" 1
check "error: stdout" "$(cat o)" "before${nl}error probe"
check "error: stderr" "$(cat e)" "ERROR: division by zero near operator '/' at error.stp:1:41${nl}WARNING: Number of errors: 1, skipped probes: 0"

# MAXACTION in an event probe (softirq)
$S stap_maxaction.ko > o 2> e; rc=$?
check "maxaction: status and stderr" "$rc $(head -1 e)" \
	"1 ERROR: MAXACTION exceeded near operator '++' at maxaction.stp:1:32"

# two sessions at once; the same module twice is refused
$S stap_timer.ko > o2 2> e2 & p=$!
sleep 0.5
$S stap_hello.ko > o 2> e
check "two sessions: second one's output" "$(cat o)" "hello, world${nl}bye"
$S stap_timer.ko > o 2> e; rc=$?
check "already loaded" "$rc $(cat e)" "1 ERROR: module stap_timer is already loaded"
kill -TERM $p; wait $p; rc=$?
check "two sessions: first one ends by SIGTERM" "$rc $(tail -1 o2 | cut -c1-9)" "0 end after"

# -c CMD: target() is the command's pid; the session ends with it
$S -c 'echo child $$; sleep 0.3' stap_timer.ko > o 2> e; rc=$?
t=$(sed -n 's/^begin target=//p' o); c=$(sed -n 's/^child //p' o)
check "-c: exit status" "$rc" 0
[ -n "$t" ] && [ "$t" = "$c" ] && ok "-c: target() is the command's pid" ||
	notok "-c: target $t, child $c"

# -x PID
$S -x 1 stap_timer.ko > o 2> e & p=$!
sleep 0.3; kill -HUP $p; wait $p
check "-x: target()" "$(head -1 o)" "begin target=1"

# staprun killed: the module stays, unloading it runs the stop sequence
$S stap_timer.ko > o 2> e & p=$!
sleep 0.5; kill -9 $p; wait $p 2>/dev/null
rmmod stap_timer; rc=$?
loaded stap_timer && rc=1
check "kill -9 then rmmod" "$rc" 0

# output volume: every line from every CPU arrives intact, once
$S stap_flood.ko lines=20 > o 2> e & p=$!
sleep 2; kill -INT $p; wait $p
r=$(awk '$1 == "total" { total = $2; next }
	NF != 3 || $3 != "padding-padding-padding-padding" { bad++; next }
	seen[$2]++ { dup++ } { n++ }
	END { print (bad + dup == 0 && n == total && n > 0) ? "ok" : "bad", n }' o)
check "flood: all lines intact ($r)" "${r%% *}$(cat e)" "ok"

# a full output buffer: bytes dropped and reported; -s makes it fit.  -L
# starts the module with nobody reading, so begin's 2 MiB overflow the 1 MiB
# ring whatever the vCPUs' timing; -A attaches and sees the summary at exit.
$S -L stap_flood.ko begin_kb=2048 lines=0 > o 2> e
$S -A stap_flood > o 2> e & p=$!
sleep 0.5; kill -INT $p; wait $p
check "drops reported" "$(sed 's/[0-9][0-9]*/N/' e)" \
	"WARNING: N bytes of output dropped: the output buffer was full (try staprun -s)"
$S -s 4 stap_flood.ko begin_kb=2048 lines=0 > o 2> e & p=$!
sleep 0.5; kill -INT $p; wait $p
check "-s 4: 2 MiB arrive" "$(wc -c < o) $(cat e)" "2097160 "

# ctl queue overflow, error in end, failing init, exit() then print
$S stap_misc.ko mode=1 > o 2> e; rc=$?
check "misc 1: ctl overflow counted" "$rc $(tail -1 e | sed 's/[0-9][0-9]*/N/')" \
	"0 WARNING: N control messages dropped"
$S stap_misc.ko mode=2 > o 2> e; rc=$?
check "misc 2: error in end probe" "$rc $(cat o)" "1 begin after exit()${nl}end"
$S stap_misc.ko mode=3 > o 2> e; rc=$?
check "misc 3: init fails" "$rc $(cat e)" "1 ERROR: module stap_misc failed to start: No such device"
$S stap_misc.ko mode=4 > o 2> e; rc=$?
check "misc 4: exit() lets the handler finish" "$rc $(cat o)" \
	"0 begin after exit()${nl}end${nl}second end"

# start-up latency, as staprun -v measures it
$S -v stap_hello.ko 2>&1 >/dev/null | sed -n 's/^staprun: first output/# first output/p'

check "no modules left" "$(grep -c '^stap_' /proc/modules)" 0
dmesg | grep -E 'Oops|BUG:|WARNING:|Call Trace' > e
check "kernel log clean" "$(cat e)" ""
echo "1..$n"
echo "$((n - fails)) passed, $fails failed"
exit $fails
