#!/bin/bash
# test-stap-qemu.sh: self-test of the qemu guest runner (translator/remote/qemu.c through the
# stap-qemu CLI): exit status, live and byte-exact streaming, timeouts, SIGINT forwarding,
# file placement, module loading, the ram disk module, oops detection, extra kernel
# command-line words. Prints TAP; exits nonzero on a failure.
#
# Environment: STAP_QEMU (default ./translator/remote/stap-qemu), RELEASE (default: the
# release stap-qemu picks). Needs the kernel headers of RELEASE to build two test modules.

set -u
export LC_ALL=C

STAP_QEMU=${STAP_QEMU:-./translator/remote/stap-qemu}
case $STAP_QEMU in /*) ;; *) STAP_QEMU=$PWD/$STAP_QEMU ;; esac
[ -x "$STAP_QEMU" ] || { echo "Bail out! $STAP_QEMU is not an executable"; exit 2; }
RELEASE=${RELEASE:-$("$STAP_QEMU" -p)} || { echo "Bail out! no kernel"; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/test-stap-qemu.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
# stap-qemu's own temporary directories go here, so that leaks can be seen
export TMPDIR=$work/tmp
mkdir -p "$TMPDIR"

n=0
failed=0
ok() {	# condition-status description
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}
check() {	# description command...: ok iff the command succeeds
	local what=$1
	shift
	"$@"
	ok $? "$what"
}
show() {	# file: as TAP comments
	sed 's/^/#   /' "$1" | head -n 40
}
now() {
	date +%s.%N
}
elapsed_below() {	# start seconds
	awk -v s="$1" -v e="$(now)" -v m="$2" 'BEGIN { exit !(e - s < m) }'
}
sq() {	# stap-qemu with output to $work/out, $work/err; sets rc
	"$STAP_QEMU" -r "$RELEASE" "$@" >"$work/out" 2>"$work/err" </dev/null
	rc=$?
}

# 1. exit status, stdout and stderr kept apart, files placed with parents and modes
printf '#!/bin/sh\necho "script $1"\n' >"$work/x.sh"
chmod 755 "$work/x.sh"
echo data >"$work/d.txt"
sq -v -f "$work/x.sh:/a/b/c/x.sh" -f "$work/d.txt:/tmp/d.txt" -- \
	'uname -r; echo out; /a/b/c/x.sh arg; cat /tmp/d.txt; echo err >&2; exit 3'
check "exit status 3 comes back" [ "$rc" -eq 3 ]
printf '%s\nout\nscript arg\ndata\n' "$RELEASE" >"$work/want"
check "stdout is exact (kernel $RELEASE, files placed, mode kept)" cmp -s "$work/want" "$work/out"
check "stderr carries the command's stderr" grep -qx err "$work/err"
grep 'qemu: command started\|qemu: qemu exited' "$work/err" | sed 's/^/# /'
[ "$rc" -eq 3 ] || show "$work/err"

# 2. a command killed by a signal reports 128+N
sq -- 'kill -9 $$'
check "a command killed by SIGKILL reports 137" [ "$rc" -eq 137 ]

# 3. output is streamed live, not at the end
"$STAP_QEMU" -r "$RELEASE" -- 'echo first; echo first-err >&2; sleep 4; echo second' \
	2>"$work/err" </dev/null | while IFS= read -r line; do
	echo "$(now) $line"
done >"$work/stamped"
awk '$2 == "first" { a = $1 } $2 == "second" { b = $1 }
     END { exit !(a && b && b - a >= 3) }' "$work/stamped"
ok $? "stdout arrives live (first line seconds before the last)"
check "stderr arrives too" grep -qx first-err "$work/err"

# 4. 4 MiB of random bytes round-trip exactly
sq -- 'dd if=/dev/urandom of=/tmp/r bs=1M count=4 2>/dev/null; md5sum </tmp/r >&2; cat /tmp/r'
want=$(awk '{ print $1 }' "$work/err")
got=$(md5sum <"$work/out" | awk '{ print $1 }')
[ "$rc" -eq 0 ] && [ -n "$want" ] && [ "$want" = "$got" ] &&
	[ "$(stat -c %s "$work/out")" -eq 4194304 ]
ok $? "4 MiB of binary stdout is byte-exact"

# 5. the timeout kills the guest and says so
start=$(now)
sq -t 8 -- 'echo started; sleep 100'
check "a timeout gives 125" [ "$rc" -eq 125 ]
check "the timeout is explained" grep -q 'timed out' "$work/err"
check "the timeout fires on time" elapsed_below "$start" 15
check "output before the timeout is kept" grep -qx started "$work/out"

# 6. SIGINT is forwarded: the guest's command gets SIGINT, its handler's output arrives
"$STAP_QEMU" -r "$RELEASE" -- \
	'trap "echo got-int; exit 9" INT; echo started; sleep 100 & wait' \
	>"$work/out" 2>"$work/err" </dev/null &
pid=$!
for _ in $(seq 600); do
	grep -q started "$work/out" 2>/dev/null && break
	sleep 0.1
done
start=$(now)
kill -INT "$pid"
wait "$pid"
rc=$?
check "SIGINT reaches the guest command's handler (status 9)" [ "$rc" -eq 9 ]
check "output of the SIGINT handler is delivered" grep -qx got-int "$work/out"
check "the interrupted run returns promptly" elapsed_below "$start" 5

# 7. a plain command interrupted dies of SIGINT: 130
"$STAP_QEMU" -r "$RELEASE" -- 'echo started; sleep 100' >"$work/out" 2>"$work/err" </dev/null &
pid=$!
for _ in $(seq 600); do
	grep -q started "$work/out" 2>/dev/null && break
	sleep 0.1
done
kill -INT "$pid"
wait "$pid"
check "an interrupted sleep reports 130" [ "$?" -eq 130 ]

# 8. a module loads, and its printk reaches dmesg and the console log
mod() {	# name body: build $work/name/name.ko
	mkdir -p "$work/$1"
	cat >"$work/$1/$1.c" <<EOF
#include <linux/module.h>
#include <linux/init.h>
static int __init m_init(void) { $2 return 0; }
static void __exit m_exit(void) { }
module_init(m_init);
module_exit(m_exit);
MODULE_LICENSE("GPL");
EOF
	echo "obj-m := $1.o" >"$work/$1/Makefile"
	make -s -C "/usr/src/linux-headers-$RELEASE" M="$work/$1" modules \
		>"$work/$1/log" 2>&1 && [ -f "$work/$1/$1.ko" ]
}
if mod hello 'pr_info("hello-stap-qemu: loaded\n");'; then
	sq -c "$work/console.log" -f "$work/hello/hello.ko:/m/hello.ko" -- \
		'insmod /m/hello.ko && rmmod hello && dmesg | grep -c "hello-stap-qemu: loaded"'
	[ "$rc" -eq 0 ] && grep -qx 1 "$work/out"
	ok $? "insmod of a hello-world module works, its printk is in dmesg"
	check "its printk is in the console log" grep -q 'hello-stap-qemu: loaded' "$work/console.log"
	[ "$rc" -eq 0 ] || show "$work/err"
else
	ok 1 "build a hello-world module"
	show "$work/hello/log"
fi

# 9. a kernel warning fails the run even though the command succeeded
if mod warn 'WARN_ON(1);'; then
	sq -f "$work/warn/warn.ko:/m/warn.ko" -- 'insmod /m/warn.ko'
	check "a guest WARNING gives 125" [ "$rc" -eq 125 ]
	check "the console excerpt is shown" grep -q 'WARNING: CPU' "$work/err"
else
	ok 1 "build a module that warns"
	show "$work/warn/log"
fi

# 10. the guest has no disk, but modprobe brd gives it a ram disk to read and write
sq -- 'modprobe brd rd_nr=1 rd_size=1024 && echo block-data | dd of=/dev/ram0 2>/dev/null &&
	dd if=/dev/ram0 bs=4096 count=1 iflag=direct 2>/dev/null | head -c 10; echo;
	modprobe loop && [ -b /dev/loop0 ] && echo loop'
printf 'block-data\nloop\n' >"$work/want"
check "modprobe brd and loop work; /dev/ram0 reads back what was written" \
	cmp -s "$work/want" "$work/out"
[ "$rc" -eq 0 ] || show "$work/err"

# 11. infrastructure errors are clear
"$STAP_QEMU" -r no-such-release -- true >"$work/out" 2>"$work/err" </dev/null
rc=$?
check "an unknown release gives 125" [ "$rc" -eq 125 ]
check "an unknown release is explained" grep -q 'no kernel image' "$work/err"

# 11. -a (and $STAP_QEMU_APPEND) add kernel command-line words; only plain words pass
sq -a 'debugfs=off lockdown=integrity' -- 'cat /proc/cmdline; ls /sys/kernel/debug | wc -l'
grep -q ' debugfs=off lockdown=integrity$' "$work/out" && grep -qx 0 "$work/out"
ok $? "-a puts its words on the guest's kernel command line (no debugfs with debugfs=off)"
[ "$rc" -eq 0 ] || show "$work/err"
STAP_QEMU_APPEND='module.sig_enforce=1' sq -- 'cat /proc/cmdline'
check "STAP_QEMU_APPEND does the same" grep -q ' module.sig_enforce=1$' "$work/out"
sq -a 'quiet" init=/bin/sh' -- true
[ "$rc" -eq 125 ] && grep -q "invalid kernel command-line words 'quiet\" init=/bin/sh'" "$work/err"
ok $? "-a with a quote is refused before any boot"

check "no temporary files are left behind" [ -z "$(ls -A "$TMPDIR")" ]

echo "1..$n"
echo "$((n - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
