#!/bin/bash
# test-modules.sh: module("NAME").function probes and KASLR, end to end. Builds a small
# module of its own (stp_testmod.ko, with DWARF: Debian's kbuild has CONFIG_DEBUG_INFO),
# points stap at it with SYSTEMTAP_DEBUGINFO_PATH, and checks in qemu guests that
#  - its probes fire when the module is loaded after staprun started, stop when it is
#    removed and fire again when it is reloaded; .return with $return and entry $x;
#  - they fire when the module was loaded before the session;
#  - a loaded module whose build id is not the debuginfo's gets no probe;
#  - a .callee probe fires for its caller's calls only (not for the init function's);
#  - under KASLR (stap-qemu -k boots the real bzImage) the kernel really is moved and a
#    kernel.function("vfs_read") probe reads $count, and module probes work;
# and on the host that pass 2 refuses a debuginfo whose build id is not the kernel's or
# the module's. Prints TAP and a last "N passed, N failed" line; exits nonzero on a failure.
#
# Environment: STAP (./translator/stap), STAPRUN (./staprun/staprun, static), STAP_QEMU
# (./translator/remote/stap-qemu), RELEASE (the release stap-qemu boots), KEEP=1 keeps
# the work directory.

set -u
export LC_ALL=C

abspath() {
	case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$PWD/$1" ;; esac
}
STAP=$(abspath "${STAP:-./translator/stap}")
STAPRUN=$(abspath "${STAPRUN:-./staprun/staprun}")
STAP_QEMU=$(abspath "${STAP_QEMU:-./translator/remote/stap-qemu}")
for f in "$STAP" "$STAPRUN" "$STAP_QEMU"; do
	[ -x "$f" ] || { echo "Bail out! $f is not an executable"; exit 2; }
done
RELEASE=${RELEASE:-$("$STAP_QEMU" -p)} || { echo "Bail out! no kernel"; exit 2; }
KBUILD=/usr/src/linux-headers-$RELEASE
[ -d "$KBUILD" ] || KBUILD=/lib/modules/$RELEASE/build
[ -d "$KBUILD" ] || { echo "Bail out! no kernel headers for $RELEASE"; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/test-modules.XXXXXX") || exit 2
if [ "${KEEP:-0}" = 1 ]; then
	echo "# work directory: $work"
else
	trap 'rm -rf "$work"' EXIT
fi

n=0
failed=0
ok() {	# status description
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}
show() {	# file: as TAP comments
	sed 's/^/#   /' "$1" | head -n 40
}
expect() {	# description want-file got-file [stderr-file]
	cmp -s "$2" "$3"
	ok $? "$1"
	if ! cmp -s "$2" "$3"; then
		diff -u --label expected --label actual "$2" "$3" | sed 's/^/# /' | head -n 40
		[ -n "${4:-}" ] && [ -s "$4" ] && show "$4"
	fi
	return 0
}

# ---- the test module: testmod_fn runs from init and on writes to its "trigger" ------
build_module() {	# dir variant
	mkdir -p "$1"
	cat >"$1/stp_testmod.c" <<'EOF'
// SPDX-License-Identifier: GPL-2.0
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>

static int testmod_sum;

noinline int testmod_fn(int x, const char *tag)
{
	testmod_sum += x * STP_TESTMOD_VARIANT;
	asm volatile("" : : "r"(tag) : "memory");
	return x * 2 + (int)strlen(tag);
}

static int trigger_set(const char *val, const struct kernel_param *kp)
{
	int x, rc = kstrtoint(val, 0, &x);

	if (rc)
		return rc;
	testmod_fn(x, "trigger");
	return 0;
}

static const struct kernel_param_ops trigger_ops = { .set = trigger_set };
module_param_cb(trigger, &trigger_ops, NULL, 0200);

static int __init testmod_init(void)
{
	testmod_fn(42, "init");
	return 0;
}

static void __exit testmod_exit(void)
{
}

module_init(testmod_init);
module_exit(testmod_exit);
MODULE_LICENSE("GPL");
EOF
	printf 'obj-m := stp_testmod.o\nccflags-y := -g -DSTP_TESTMOD_VARIANT=%s\n' "$2" \
		>"$1/Kbuild"
	make -s -C "$KBUILD" M="$1" modules >"$1/build.log" 2>&1
}

t0=$(date +%s.%N)
build_module "$work/mod" 1
ok $? "stp_testmod.ko builds with kbuild"
[ -f "$work/mod/stp_testmod.ko" ] || { show "$work/mod/build.log"; exit 1; }
build_module "$work/mod2" 3	# same name, other code: another build id
ok $? "a variant of stp_testmod.ko builds"
echo "# two module builds: $(awk -v s="$t0" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }') s"
export SYSTEMTAP_DEBUGINFO_PATH=$work/mod

stap() {	# args...: the translator for RELEASE; stdout and stderr to $work/o, $work/e
	"$STAP" -r "$RELEASE" "$@" >"$work/o" 2>"$work/e" </dev/null
}

# ---- host: pass 2 -----------------------------------------------------------------------
stap -L 'module("stp_testmod").function("testmod_fn")'
grep -q '^module("stp_testmod").function("testmod_fn@.*stp_testmod.c:[0-9]*") \$x:int \$tag:char const\*$' \
	"$work/o"
ok $? "-L lists module(\"stp_testmod\").function(\"testmod_fn\") with \$x and \$tag"
[ -s "$work/o" ] && show "$work/o" | grep -v '^#   module' ; [ -s "$work/e" ] && show "$work/e"

stap -L "module(\"$work/mod/stp_testmod.ko\").function(\"testmod_fn\").return"
grep -q '^module("stp_testmod").function("testmod_fn@.*").return \$return:int \$x:int' "$work/o"
ok $? "module(\"/path/to/stp_testmod.ko\") works without SYSTEMTAP_DEBUGINFO_PATH"

stap -l 'module("stp_testmod").function("trigger_set").callees'
grep -qx 'module("stp_testmod").function("trigger_set@.*stp_testmod.c:[0-9]*").callee("testmod_fn@.*stp_testmod.c:[0-9]*")' \
	"$work/o"
ok $? "-l module(M).function(F).callees lists F's call of testmod_fn"
[ -s "$work/e" ] && show "$work/e"

stap -p2 -e 'probe module("stp_testmod").function("no_such_fn") { }'
grep -q "^semantic error: while resolving probe point" "$work/e"
ok $? "a missing module function is a semantic error"

stap -p2 -e 'probe module("stp_no_such_module").function("f") { }'
grep -q "missing x86_64 kernel/module debuginfo .* for module stp_no_such_module" "$work/e"
ok $? "a module without debuginfo is reported"

# build-id mismatches: a DWARF ELF of the wrong build id found first on the search path
mkdir -p "$work/wrong"
cp "$work/mod2/stp_testmod.ko" "$work/wrong/vmlinux-$RELEASE"
cache=${SYSTEMTAP_DIR:-$HOME/.systemtap}/cache/qemu/vmlinux-$RELEASE
if [ -f "$cache" ] || [ -f "$KBUILD/vmlinux" ]; then
	SYSTEMTAP_DEBUGINFO_PATH=$work/wrong stap -p2 -e 'probe kernel.function("vfs_read") { }'
	grep -q "^semantic error: build-id mismatch \[man error::buildid\]: kernel .* has [0-9a-f]*, debuginfo $work/wrong/vmlinux-$RELEASE has [0-9a-f]*; refusing to probe with the wrong debuginfo" "$work/e"
	ok $? "pass 2 refuses a kernel debuginfo with another build id"
	[ -s "$work/e" ] && head -n 1 "$work/e" | sed 's/^/#   /'
else
	n=$((n + 1))
	echo "ok $n # SKIP no copy of the target kernel to read its build id from"
fi
dep=$(grep -m1 '^kernel/fs/isofs/isofs.ko:' "/lib/modules/$RELEASE/modules.dep" 2>/dev/null)
if [ -n "$dep" ] && [ -f "/lib/modules/$RELEASE/kernel/fs/isofs/isofs.ko" ]; then
	cp "$work/mod/stp_testmod.ko" "$work/wrong/isofs.ko"
	SYSTEMTAP_DEBUGINFO_PATH=$work/wrong stap -p2 -e 'probe module("isofs").function("*") { }'
	grep -q "^semantic error: build-id mismatch \[man error::buildid\]: module /lib/modules/$RELEASE/kernel/fs/isofs/isofs.ko has [0-9a-f]*, debuginfo $work/wrong/isofs.ko has" "$work/e"
	ok $? "pass 2 refuses a module debuginfo with another build id"
else
	n=$((n + 1))
	echo "ok $n # SKIP isofs.ko of $RELEASE is not installed"
fi

# ---- scripts for the guests ---------------------------------------------------------------
fail_build=0
# the module cache tells apart two builds of one module (same name, other build id)
P='probe module("stp_testmod").function("testmod_fn") { println($x) }'
k1=$(SYSTEMTAP_DEBUGINFO_PATH=$work/mod "$STAP" -r "$RELEASE" -p4 -e "$P" 2>/dev/null </dev/null)
k2=$(SYSTEMTAP_DEBUGINFO_PATH=$work/mod2 "$STAP" -r "$RELEASE" -p4 -e "$P" 2>/dev/null </dev/null)
[ -n "$k1" ] && [ -n "$k2" ] && [ "$k1" != "$k2" ]
ok $? "a module built for another build of stp_testmod is not taken from the cache"

build() {	# name script [stap options]: $work/NAME.ko
	local name=$1 prog=$2
	shift 2
	"$STAP" -r "$RELEASE" -p4 -m "$name" "$@" -e "$prog" >"$work/$name.log" 2>&1 </dev/null
	ok $? "$name builds"
	[ -f "$work/$name.ko" ] || { show "$work/$name.log"; fail_build=1; }
}
cd "$work" || exit 2
# t1: loaded after the start, removed, reloaded; entry and return values
build t1 'global n
probe begin { println("ready") }
probe module("stp_testmod").function("testmod_fn") {
	printf("fn x=%d tag=%s\n", $x, kernel_string($tag))
}
probe module("stp_testmod").function("testmod_fn").return {
	printf("ret %d x=%d\n", $return, $x)
	if (++n == 3) exit()
}'
# t2: loaded before the start
build t2 'probe begin { println("ready") }
probe module("stp_testmod").function("testmod_fn") {
	printf("%s %s x=%d\n", probemod(), ppfunc(), $x); exit()
}'
# t3: the loaded module is another build than the debuginfo
build t3 'probe begin { println("ready") }
probe module("stp_testmod").function("testmod_fn") { println("hit") }
probe timer.ms(1500) { println("done"); exit() }'
# t5: a callee probe fires for trigger_set's calls, not for the init function's
build t5 'probe begin { println("ready") }
probe module("stp_testmod").function("trigger_set").callee("testmod_fn") {
	printf("%s x=%d\n", ppfunc(), $x); exit()
}'
# t4: KASLR
build t4 'probe kernel.function("vfs_read") {
	if ($count == 4321) { printf("vfs_read count=%d\n", $count); exit() }
}'
[ "$fail_build" -eq 0 ] || { echo "$((n - failed)) passed, $failed failed"; exit 1; }

cat >"$work/lib.sh" <<'EOF'
start() {	# module: staprun it in the background until it prints "ready"
	staprun "/t/$1.ko" >"/t/$1.out" 2>"/t/$1.err" &
	pid=$!
	i=0
	while ! grep -q ready "/t/$1.out" 2>/dev/null && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}
finish() {	# module: wait for staprun, then its output between markers
	wait $pid
	echo "== $1 rc=$?"
	cat "/t/$1.out"
	echo "== $1 stderr"
	cat "/t/$1.err"
}
trigger() {
	echo "$1" >/sys/module/stp_testmod/parameters/trigger
}
EOF
cat >"$work/pvh.sh" <<'EOF'
. /t/lib.sh
start t1
insmod /t/m1.ko
trigger 7
rmmod stp_testmod
insmod /t/m1.ko
finish t1
rmmod stp_testmod
insmod /t/m1.ko
start t2
trigger 5
finish t2
rmmod stp_testmod
insmod /t/m2.ko
start t3
trigger 6
finish t3
rmmod stp_testmod
start t5
insmod /t/m1.ko
trigger 8
finish t5
EOF
cat >"$work/kaslr.sh" <<'EOF'
. /t/lib.sh
echo "== kallsyms"
grep ' _stext$' /proc/kallsyms
staprun /t/t4.ko >/t/t4.out 2>/t/t4.err &
pid=$!
sleep 2
dd if=/dev/zero of=/dev/null bs=4321 count=1 2>/dev/null
finish t4
insmod /t/m1.ko
start t2
trigger 9
finish t2
rmmod stp_testmod
start t5
insmod /t/m1.ko
trigger 8
finish t5
EOF
guest() {	# name [stap-qemu options]: run $work/NAME.sh, output in $work/NAME.out
	local name=$1 t
	shift
	t=$(date +%s.%N)
	"$STAP_QEMU" -r "$RELEASE" -t 300 -c "$work/$name.console" "$@" \
		-f "$STAPRUN:/usr/bin/staprun" -f "$work/lib.sh:/t/lib.sh" \
		-f "$work/$name.sh:/t/$name.sh" -f "$work/mod/stp_testmod.ko:/t/m1.ko" \
		-f "$work/mod2/stp_testmod.ko:/t/m2.ko" \
		-f "$work/t1.ko:/t/t1.ko" -f "$work/t2.ko:/t/t2.ko" -f "$work/t3.ko:/t/t3.ko" \
		-f "$work/t4.ko:/t/t4.ko" -f "$work/t5.ko:/t/t5.ko" \
		-- sh "/t/$name.sh" >"$work/$name.out" 2>"$work/$name.msgs" \
		</dev/null
	ok $? "the $name guest runs"
	echo "# $name guest: $(awk -v s="$t" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }') s"
	[ -s "$work/$name.msgs" ] && grep -v '^qemu: ' "$work/$name.msgs" | head -n 20 | sed 's/^/#   /'
}
section() {	# file marker: the lines after "== MARKER" up to the next "=="
	awk -v m="== $2" '/^== / { on = ($0 == m) ; next } on' "$1"
}

guest pvh
section "$work/pvh.out" "t1 rc=0" >"$work/got"
printf '%s\n' ready 'fn x=42 tag=init' 'ret 88 x=42' 'fn x=7 tag=trigger' 'ret 21 x=7' \
	'fn x=42 tag=init' 'ret 88 x=42' >"$work/want"
expect "probes of a module loaded after the start fire; removed and reloaded, they fire again" \
	"$work/want" "$work/got" "$work/pvh.out"
section "$work/pvh.out" "t2 rc=0" >"$work/got"
printf '%s\n' ready 'stp_testmod testmod_fn x=5' >"$work/want"
expect "probes of a module loaded before the start fire" "$work/want" "$work/got"
section "$work/pvh.out" "t3 rc=0" >"$work/got"
printf '%s\n' ready done >"$work/want"
expect "a loaded module of another build id gets no probe" "$work/want" "$work/got" \
	"$work/pvh.out"
section "$work/pvh.out" "t3 stderr" | grep -q '^WARNING: Build-id mismatch \[man error::buildid\]: module "stp_testmod" [0-9a-f]* vs ".*/mod/stp_testmod.ko" [0-9a-f]*; its probes are not registered'
ok $? "... and staprun says why"
section "$work/pvh.out" "t5 rc=0" >"$work/got"
printf '%s\n' ready 'testmod_fn x=8' >"$work/want"
expect "module(M).function(F).callee(G) fires for F's calls of G, not init's" "$work/want" \
	"$work/got" "$work/pvh.out"

guest kaslr -k
link=$(readelf -SW "/usr/lib/debug/boot/vmlinux-$RELEASE" 2>/dev/null |
	awk '{ for (i = 1; i < NF; i++) if ($i == ".text") print $(i + 2) }')
run=$(section "$work/kaslr.out" kallsyms | awk '{ print $1 }')
echo "# _stext: linked at ${link:-?}, running at ${run:-?}"
[ -n "$run" ] && [ -n "$link" ] && [ "$((16#$run))" -ne "$((16#$link))" ]
ok $? "the bzImage boot moved the kernel (KASLR)"
section "$work/kaslr.out" "t4 rc=0" >"$work/got"
printf '%s\n' 'vfs_read count=4321' >"$work/want"
expect "kernel.function(\"vfs_read\") reads \$count under KASLR" "$work/want" "$work/got" \
	"$work/kaslr.out"
section "$work/kaslr.out" "t2 rc=0" >"$work/got"
printf '%s\n' ready 'stp_testmod testmod_fn x=9' >"$work/want"
expect "module probes work under KASLR" "$work/want" "$work/got" "$work/kaslr.out"
section "$work/kaslr.out" "t5 rc=0" >"$work/got"
printf '%s\n' ready 'testmod_fn x=8' >"$work/want"
expect "module callee probes work under KASLR" "$work/want" "$work/got" "$work/kaslr.out"

echo "$((n - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
