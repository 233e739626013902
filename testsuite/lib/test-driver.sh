#!/bin/bash
# The stap driver end to end: options, errors for bad input, the module cache, -p4
# output, and runs in the qemu guest (hello world, Ctrl-C, -o, -c, bad modules).
# Prints TAP and a "N passed, N failed" line.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
STAP=${STAP:-$top/translator/stap}
STAPRUN=${STAPRUN:-$top/staprun/staprun}
STAP_QEMU=${STAP_QEMU:-$top/translator/remote/stap-qemu}
RELEASE=${RELEASE:-$("$top/testsuite/lib/newest-release")}
work=$(mktemp -d /tmp/stap-driver.XXXXXX)
trap 'rm -rf "$work"' EXIT
export SYSTEMTAP_DIR=$work/stapdir
cd "$work" || exit 1
. "$top/testsuite/lib/tap.sh"

# --- bad input on the host -----------------------------------------------------------
run "$STAP" -e 'probe begin { exit() }'
[ $rc = 1 ] && [ "$(wc -l < "$work/err")" = 1 ] && grep -q 'cannot load modules' "$work/err" &&
	grep -q -- '--remote=qemu://' "$work/err"
check "no module support: one-line explanation and a hint, exit 1" $? "rc=$rc $err"

run "$STAP" -p2 /nonexistent/script.stp
[ $rc = 1 ] && grep -q "cannot read script file '/nonexistent/script.stp'" "$work/err"
check "missing script file is a clear error" $? "rc=$rc $err"

run "$STAP" --frobnicate -e 'probe begin {}'
[ $rc = 1 ] && grep -q 'unknown option --frobnicate' "$work/err"
check "unknown long option is a clear error" $? "rc=$rc $err"

run "$STAP" -Q -e 'probe begin {}'
[ $rc = 1 ] && grep -q 'unknown option -Q' "$work/err"
check "unknown short option is a clear error" $? "rc=$rc $err"

run "$STAP" -p
[ $rc = 1 ] && grep -q 'needs an argument' "$work/err"
check "missing option argument is a clear error" $? "rc=$rc $err"

run "$STAP" --remote=libvirt://dom -e 'probe begin { exit() }'
[ $rc = 1 ] && grep -q "unknown remote 'libvirt://dom'" "$work/err"
check "unknown remote is a clear error" $? "rc=$rc $err"

for bad in 'x:ssh://h' '1:' '1:a b' "1:a'b" '1ssh://h'; do
	run "$STAPRUN" -r "$bad" /nonexistent.ko
	[ $rc = 1 ] && grep -qF "ERROR: Cannot process remote id option '$bad'." "$work/err"
	check "staprun -r '$bad' is refused" $? "rc=$rc $err"
done

run "$STAP" --remote=qemu://9.9.9-nosuch -p4 -e 'probe begin { exit() }'
[ $rc = 1 ] && grep -q 'no kernel build tree for 9.9.9-nosuch' "$work/err"
check "remote kernel without headers is a clear error" $? "rc=$rc $err"

run "$STAP" -p5 -e 'probe begin { x = ( }'
[ $rc = 1 ] && grep -q '^parse error: ' "$work/err" && grep -q 'Pass 1: parse failed' "$work/err"
check "syntax error is reported, exit 1" $? "rc=$rc $err"

run "$STAP" -p2 -e 'probe begin { foo(1) }'
[ $rc = 1 ] && grep -q 'unresolved function foo' "$work/err" && grep -q 'Pass 2: analysis failed' "$work/err"
check "semantic error is reported, exit 1" $? "rc=$rc $err"

run "$STAP" -m 'bad-name' -p4 -e 'probe begin {}'
[ $rc = 1 ] && grep -q "invalid module name 'bad-name'" "$work/err"
check "invalid module name is refused" $? "rc=$rc $err"

run "$STAP" -p1 -e 'probe begin {}' -e 'probe end {}'
[ $rc = 1 ] && [ "$err" = "stap: Only one script can be given on the command line." ]
check "a second -e is an error, as in 4.8" $? "rc=$rc $err"

run "$STAP" -V
[ $rc = 0 ] && grep -q 'version' "$work/out"
check "-V prints a version" $? "rc=$rc $out"

run "$STAP" -h
[ $rc = 0 ] && grep -q -- '--remote=qemu' "$work/out"
check "-h prints usage" $? "rc=$rc"

# --- pass 4 and the cache --------------------------------------------------------------
script='probe begin { println("cached") exit() }'
run "$STAP" -p4 -r "$RELEASE" -e "$script"
ko=$(tail -n 1 "$work/out")
name=${ko%.ko}
[ $rc = 0 ] && [ -f "$ko" ] && [ "$(/sbin/modinfo -F name "$ko")" = "$name" ] &&
	[ "$(/sbin/modinfo -F vermagic "$ko" | cut -d' ' -f1)" = "$RELEASE" ]
check "-p4 leaves NAME.ko whose module name is NAME, built for -r" $? "rc=$rc $out $err"

run "$STAP" -v -p4 -r "$RELEASE" -e "$script"
[ $rc = 0 ] && grep -q '^Pass 4: using cached ' "$work/err" && [ "$(tail -n 1 "$work/out")" = "$ko" ]
check "an identical rerun hits the cache" $? "rc=$rc $err"

run "$STAP" -v -p4 -r "$RELEASE" -m hello_mod -e "$script"
[ $rc = 0 ] && [ -f hello_mod.ko ] && [ "$(/sbin/modinfo -F name hello_mod.ko)" = hello_mod ] &&
	grep -q '^Pass 4: compiled C into' "$work/err"
check "-m NAME builds a module named NAME" $? "rc=$rc $err"

run "$STAP" -v -p4 -r "$RELEASE" -m hello_mod -e "$script"
[ $rc = 0 ] && grep -q '^Pass 4: using cached ' "$work/err"
check "the cache also works with -m" $? "rc=$rc $err"

run "$STAP" -v -p4 -r "$RELEASE" -m hello_mod -D MAXACTION=5000 -e "$script"
[ $rc = 0 ] && grep -q '^Pass 4: compiled C into' "$work/err"
check "-D changes the cache key" $? "rc=$rc $err"

run "$STAP" -v -p1 -e "$script"
[ $rc = 0 ] && grep -q '^Pass 1: parsed user script and [0-9]* library scripts using [0-9]*virt/[0-9]*res/[0-9]*shr/[0-9]*data kb, in [0-9]*usr/[0-9]*sys/[0-9]*real ms.$' "$work/err"
check "-v prints systemtap-style pass lines" $? "$err"

run "$STAP" -k -p3 -e "$script"
dir=$(sed -n 's/^Keeping temporary directory "\(.*\)"$/\1/p' "$work/err")
[ $rc = 0 ] && [ -n "$dir" ] && [ -d "$dir" ] && ls "$dir"/*.c > /dev/null
check "-k keeps the temporary directory and says where" $? "rc=$rc $err"
[ -n "$dir" ] && rm -rf "$dir"

# --- runs in the guest ------------------------------------------------------------------
run timeout 120 "$STAP" --remote=qemu:// -e 'probe begin { println("hello, world") exit() }'
[ $rc = 0 ] && [ "$out" = "hello, world" ]
check "stap --remote=qemu:// runs hello world" $? "rc=$rc out=$out $err"

run timeout 120 "$STAP" --remote=qemu:// -o "$work/o.txt" -e 'probe begin { println("to a file") exit() }'
[ $rc = 0 ] && [ -z "$out" ] && [ "$(cat "$work/o.txt")" = "to a file" ]
check "-o FILE gets the script's output" $? "rc=$rc out=$out $err"

run timeout 120 "$STAP" --remote=qemu:// -e 'probe begin { println(remote_id(), " ", remote_uri()) exit() }'
[ $rc = 0 ] && [ "$out" = "0 qemu://" ]
check "remote_id() and remote_uri() in a --remote=qemu:// run" $? "rc=$rc out=$out $err"

run timeout 120 "$STAP" --remote=qemu:// -e 'probe begin { error("oops") } probe end { println("not printed") }'
[ $rc = 1 ] && grep -q '^ERROR: oops near ' "$work/err" &&
	grep -q 'WARNING: Number of errors: 1, skipped probes: 0' "$work/err" && [ -z "$out" ]
check "a run-time error ends the session: exit 1, end probes skipped" $? "rc=$rc out=$out $err"

# Ctrl-C: end probes run and their output arrives
run_until_sigint ready "$STAP" --remote=qemu:// \
	-e 'probe begin { println("ready") } probe end { println("bye") }'
[ $rc = 0 ] && [ "$(cat "$work/out")" = "$(printf 'ready\nbye')" ]
check "SIGINT runs end probes, drains output, exit 0" $? "rc=$rc $(cat "$work/out" "$work/err")"

run timeout 120 "$STAP" --remote=qemu:// -c 'echo from-the-command' \
	-e 'probe begin { println("started") } probe end { println("ended") }'
[ $rc = 0 ] && grep -q '^started$' "$work/out" && grep -q '^ended$' "$work/out" &&
	grep -q '^from-the-command$' "$work/out"
check "-c CMD runs the command and ends with it" $? "rc=$rc out=$out $err"

# what the module was built for (-d PATH) and -c's program go into the guest at their paths
printf '#include <stdio.h>\nint main(void) { puts("from prog"); return 0; }\n' > "$work/prog.c"
gcc -static -o "$work/prog" "$work/prog.c"
run timeout 120 "$STAP" --remote=qemu:// -d "$work/prog" -c "exec $work/prog" \
	-e 'probe end { println("end") }'
[ $rc = 0 ] && [ "$out" = "$(printf 'from prog\nend')" ]
check "--remote=qemu:// -d PATH: the object is in the guest at PATH" $? "rc=$rc out=$out $err"
run timeout 120 "$STAP" --remote=qemu:// -c "$work/prog --an-argument" \
	-e 'probe end { println("end") }'
[ $rc = 0 ] && [ "$out" = "$(printf 'from prog\nend')" ]
check "--remote=qemu:// -c /PATH: the program is in the guest at PATH" $? "rc=$rc out=$out $err"
gcc -o "$work/dprog" "$work/prog.c"
run timeout 120 "$STAP" --remote=qemu:// -c "$work/dprog" -e 'probe end { println("end") }'
[ $rc = 0 ] && [ "$out" = "$(printf 'from prog\nend')" ]
check "--remote=qemu:// -c /PATH: a dynamic program's libc and interpreter come along" $? \
	"rc=$rc out=$out $err"

# -c naming by a bare name the program the probes were built for: the guest has an `ls` of
# its own (busybox's), runs this host's instead, with its libraries (some loaded through
# soname links, libpcre2-8.so.0 -> libpcre2-8.so.0.11.2)
run timeout 120 "$STAP" --remote=qemu:// -c 'ls --version' \
	-e 'global n; probe process.plt { n++ } probe end { println(n ? "plt calls seen" : "none") }'
[ $rc = 0 ] && [ "$out" = "$(ls --version; echo 'plt calls seen')" ]
check "--remote=qemu:// -c NAME: the host program the probes were built for runs" $? \
	"rc=$rc out=$out $err"

# bad modules given to staprun in the guest
printf 'not an ELF file' > "$work/bad.ko"
run timeout 120 "$STAP_QEMU" -r "$RELEASE" -f "$STAPRUN:/usr/bin/staprun" \
	-f "$work/bad.ko:/tmp/bad.ko" -- 'staprun /tmp/bad.ko; echo "status $?"; staprun /tmp/missing.ko; echo "status $?"'
[ "$(grep -c '^status 1$' "$work/out")" = 2 ] && grep -qi 'not a kernel module\|not an ELF\|invalid' "$work/err" &&
	grep -qi 'missing.ko' "$work/err"
check "staprun: a non-module and a missing file are clear errors" $? "rc=$rc out=$out $err"

cp "$ko" "$work/renamed.ko"
run timeout 120 "$STAP_QEMU" -r "$RELEASE" -f "$STAPRUN:/usr/bin/staprun" \
	-f "$work/renamed.ko:/tmp/renamed.ko" -- 'insmod /tmp/renamed.ko 2>/dev/null; staprun /tmp/renamed.ko; echo "status $?"'
grep -q '^status 1$' "$work/out" && grep -q 'already loaded' "$work/err"
check "staprun: an already loaded module is a clear error" $? "rc=$rc out=$out $err"

run timeout 120 "$STAP_QEMU" -r "$RELEASE" -f "$STAPRUN:/usr/bin/staprun" \
	-f "$work/renamed.ko:/tmp/renamed.ko" -- 'staprun /tmp/renamed.ko; echo "status $?"; grep -c "^'"$name"' " /proc/modules'
[ "$out" = "$(printf 'cached\nstatus 0\n0')" ]
check "staprun: a renamed .ko runs under its own name and is removed after" $? "rc=$rc out=$out $err"

echo "1..$n"
echo "$pass passed, $fail failed"
[ $fail = 0 ]
