#!/bin/bash
# Attacks on the translator from a local user or a hostile command line, each a
# regression test: a poisoned module cache (HOME unset, a cache or cached file someone
# else could have written, a corrupt DWARF index), C injected through the script's file
# name, shell and make injection through -D, -B, -r, --remote and the runtime path; and
# --sign-module: the signature, the key made with safe modes, keys others could read or
# replace refused, signed and unsigned modules cached apart.
# Host only (no guest). Prints TAP and a "N passed, N failed" line.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
STAP=${STAP:-$top/translator/stap}
STAP_QEMU=${STAP_QEMU:-$top/translator/remote/stap-qemu}
RELEASE=${RELEASE:-$("$top/testsuite/lib/newest-release")}
work=$(mktemp -d /tmp/stap-security.XXXXXX)
planted=/tmp/.systemtap-cache
planted_by_us=
trap 'rm -rf "$work"; [ -z "$planted_by_us" ] || rm -rf "$planted"' EXIT
export SYSTEMTAP_DIR=$work/stapdir
cd "$work" || exit 1
. "$top/testsuite/lib/tap.sh"

script='probe begin { println("cache poisoning test") exit() }'

# one real module in our own cache, to copy into places an attacker controls
run "$STAP" -p4 -r "$RELEASE" -e "$script"
ko=$(find "$SYSTEMTAP_DIR/cache" -name '*.ko' | head -n 1)
[ $rc = 0 ] && [ -n "$ko" ]
check "a module is built and cached" $? "rc=$rc $err"
hashdir=$(dirname "$ko")
sub=$(basename "$hashdir")

run "$STAP" -v -p3 -r "$RELEASE" -e "$script"
grep -q '^Pass 3: using cached ' "$work/err" && cmp -s "$work/out" "${ko%.ko}.c"
check "the cache is used when it is the user's own, -p3 printing the cached C" $? "$err"

# the same script checked for another --privilege level is another module (it records
# its level for staprun): never the cached stapdev one
run "$STAP" -v -p3 --unprivileged -r "$RELEASE" -e "$script"
! grep -q '^Pass 3: using cached ' "$work/err" &&
	grep -qx 'MODULE_INFO(stap_privilege, "stapusr");' "$work/out"
check "--unprivileged does not take the cached stapdev module" $? "$err"

# --- 1. cache poisoning ----------------------------------------------------------------
# With HOME unset, 4.8-era code fell back to a shared /tmp/.systemtap-cache that any local
# user can create first. Plant a cache there (unless a real one exists) and check that a
# run without HOME does not take modules from it.
if [ ! -e "$planted" ]; then
	planted_by_us=1
	mkdir -p "$planted/$sub" && cp "$ko" "${ko%.ko}.c" "$planted/$sub/"
	run env -u HOME -u SYSTEMTAP_DIR "$STAP" -v -p3 -r "$RELEASE" -e "$script"
	! grep -q "using cached $planted" "$work/err"
	check "HOME unset: a planted /tmp/.systemtap-cache is not used" $? "$err"
	rm -rf "$planted"
else
	check "HOME unset: a planted /tmp/.systemtap-cache is not used # SKIP $planted exists" 0
fi

# a cache directory that belongs to another user
other=$work/other
mkdir -p "$other" && cp -a "$SYSTEMTAP_DIR/cache" "$other/" && chown -R nobody "$other"
run env SYSTEMTAP_DIR="$other" "$STAP" -v -p3 -r "$RELEASE" -e "$script"
! grep -q '^Pass 3: using cached' "$work/err" &&
	grep -q "WARNING: not using the cache $other/cache: $other.* belongs to another user" "$work/err"
check "a cache directory owned by another user is refused with a warning" $? "$err"

# a cache directory others can write to
grp=$work/grp
mkdir -p "$grp" && cp -a "$SYSTEMTAP_DIR/cache" "$grp/" && chmod 0777 "$grp/cache"
run env SYSTEMTAP_DIR="$grp" "$STAP" -v -p3 -r "$RELEASE" -e "$script"
! grep -q '^Pass 3: using cached' "$work/err" && grep -q 'is writable by others' "$work/err"
check "a world-writable cache directory is refused" $? "$err"

# a cached module file others can write to, or one owned by someone else
f=$work/f
mkdir -p "$f" && cp -a "$SYSTEMTAP_DIR/cache" "$f/"
chmod g+w "$f/cache/$sub/"*.ko
run env SYSTEMTAP_DIR="$f" "$STAP" -v -p3 -r "$RELEASE" -e "$script"
! grep -q '^Pass 3: using cached' "$work/err" && grep -q '\.ko is writable by others' "$work/err"
check "a group-writable cached .ko is not used" $? "$err"
chmod g-w "$f/cache/$sub/"*.ko
chown nobody "$f/cache/$sub/"*.ko
run env SYSTEMTAP_DIR="$f" "$STAP" -v -p3 -r "$RELEASE" -e "$script"
! grep -q '^Pass 3: using cached' "$work/err" && grep -q '\.ko belongs to another user' "$work/err"
check "a cached .ko owned by another user is not used" $? "$err"

# a symlink planted in place of the cached module
s=$work/sym
mkdir -p "$s" && cp -a "$SYSTEMTAP_DIR/cache" "$s/"
k=$(ls "$s/cache/$sub/"*.ko)
mv "$k" "$s/elsewhere.ko" && ln -s "$s/elsewhere.ko" "$k"
run env SYSTEMTAP_DIR="$s" "$STAP" -v -p3 -r "$RELEASE" -e "$script"
! grep -q '^Pass 3: using cached' "$work/err" && grep -q 'is a symbolic link' "$work/err"
check "a symlink in place of a cached .ko is not followed" $? "$err"

# filling the cache never writes through a planted symlink, nor chmods its target
victim=$work/victim
echo 'precious' > "$victim" && chmod 0600 "$victim"
w=$work/w
mkdir -p "$w" && cp -a "$SYSTEMTAP_DIR/cache" "$w/" && rm -f "$w/cache/$sub/"*
ln -s "$victim" "$w/cache/$sub/$(basename "$ko")"
ln -s "$victim" "$w/cache/$sub/$(basename "${ko%.ko}.c")"
run env SYSTEMTAP_DIR="$w" "$STAP" -p4 -r "$RELEASE" -e "$script"
[ $rc = 0 ] && [ "$(cat "$victim")" = precious ] && [ "$(stat -c %a "$victim")" = 600 ] &&
	[ ! -L "$w/cache/$sub/$(basename "$ko")" ]
check "storing into the cache replaces a planted symlink instead of following it" $? "rc=$rc $err"

# the guest runner's cache gets the same checks
q=$work/q
mkdir -p "$q/cache/qemu" && chown nobody "$q/cache/qemu"
run env SYSTEMTAP_DIR="$q" "$STAP_QEMU" -r "$RELEASE" -- true
[ $rc != 0 ] && grep -q "not using the cache $q/cache/qemu: $q/cache/qemu belongs to another user" "$work/err"
check "stap-qemu refuses a cache directory owned by another user" $? "rc=$rc $err"

# --- DWARF index files are validated before use --------------------------------------------
probe='probe kernel.function("vfs_read") { println($count) }'
run "$STAP" -p2 -r "$RELEASE" -e "$probe"
idx=$(ls "$SYSTEMTAP_DIR"/cache/dwarf/*.idx 2>/dev/null | head -n 1)
[ $rc = 0 ] && [ -n "$idx" ]
check "kernel DWARF is indexed into the cache" $? "rc=$rc $err"
if [ -n "$idx" ]; then
	# header: magic 8, build_id_len 4, pad 4, build_id 64, then n_cus, n_funcs, n_types,
	# strings_len (8 bytes each); a huge n_funcs and, separately, a function whose name
	# offset points far past the strings
	cp "$idx" "$work/good.idx"
	printf '\377\377\377\377\377\377\377\017' | dd of="$idx" bs=1 seek=88 conv=notrunc 2>/dev/null
	run "$STAP" -p2 -r "$RELEASE" -e "$probe"
	[ $rc = 0 ] && [ "$rc" -lt 128 ]
	check "an index with an impossible function count is rebuilt, not trusted" $? "rc=$rc $err"
	cp "$work/good.idx" "$idx"
	ncus=$(od -An -t u8 -j 80 -N 8 "$idx" | tr -d ' ')
	funcs=$(( (80 + 32 + ncus * 16 + 7) / 8 * 8 ))
	printf '\377\377\377\177' | dd of="$idx" bs=1 seek="$funcs" conv=notrunc 2>/dev/null
	run "$STAP" -p2 -r "$RELEASE" -e "$probe"
	[ $rc = 0 ]
	check "an index with a string offset out of range is rebuilt, not trusted" $? "rc=$rc $err"
	cmp -s "$idx" "$work/good.idx"
	check "the rebuilt index is the good one again" $?
fi

# --- 3. C injection through the script's file name -------------------------------------
evil='x*/ int injected_by_name; /*y.stp'
mkdir -p "$(dirname "$work/names/$evil")" && printf 'probe begin { exit() }\n' > "$work/names/$evil"
run "$STAP" -p3 "$work/names/$evil"
printf '%s\n' "$out" > "$work/gen.c"
# comments and string literals removed, nothing of the name may be left as code
gcc -fpreprocessed -dD -E -P "$work/gen.c" 2>/dev/null |
	sed -E 's/"([^"\\]|\\.)*"//g' > "$work/code.c"
[ $rc = 0 ] && [ -s "$work/code.c" ] && ! grep -q injected_by_name "$work/code.c"
check "a script's file name never becomes live C" $? "rc=$rc $(grep -n injected_by_name "$work/code.c" | head -3)"

# --- 4. shell and make injection ---------------------------------------------------------
rm -f "$work/pwned"
run "$STAP" -p4 -r "$RELEASE" -D "X=1 \$(shell touch $work/pwned)" -e "$script"
[ $rc = 1 ] && grep -q "invalid -D 'X=1" "$work/err" && [ ! -e "$work/pwned" ]
check "-D with make syntax is refused before anything runs" $? "rc=$rc $err"

bad=0
for d in 'X=1+2' 'X="s"' '1X=2' 'X=' 'X=a b'; do
	run "$STAP" -p2 -D "$d" -e "$script"
	[ $rc = 1 ] && grep -q 'invalid -D' "$work/err" || { bad=1; break; }
done
check "-D values outside NAME[=[-]VALUE] are refused (as 4.8)" $bad "$d: rc=$rc $err"

run "$STAP" -p2 -D MAXACTION=-1 -D STP_NO_OVERLOAD -D x_y=abc_1 -e "$script"
[ $rc = 0 ]
check "-D NAME, NAME=-N, NAME=word are accepted" $? "rc=$rc $err"

rm -f "$work/pwned"
run "$STAP" -p4 -r "$RELEASE" --disable-cache -B "V=0' ; touch $work/pwned ; '" -e "$script"
[ ! -e "$work/pwned" ]
check "-B values reach make as arguments, never a shell" $? "rc=$rc $err"

rm -f "$work/pwned"
run "$STAP" -p4 -r "6.1'; touch pwned; '" -e "$script"
[ $rc = 1 ] && grep -q "invalid kernel release" "$work/err" && [ ! -e "$work/pwned" ]
check "-r with shell syntax is refused" $? "rc=$rc $err"

run "$STAP" -p4 --remote="qemu://x\$(touch $work/pwned)" -e "$script"
[ $rc = 1 ] && grep -q "invalid kernel release" "$work/err" && [ ! -e "$work/pwned" ]
check "--remote=qemu://RELEASE with shell syntax is refused" $? "rc=$rc $err"

run "$STAP_QEMU" -r "../../etc" -- true
[ $rc != 0 ] && grep -q "invalid kernel release" "$work/err"
check "stap-qemu -r refuses a release that is a path" $? "rc=$rc $err"

rt="$work/rt\$(touch $work/pwned)"
mkdir -p "$rt" && cp -a "$top/runtime/." "$rt/"
run env SYSTEMTAP_RUNTIME="$rt" "$STAP" -p4 -r "$RELEASE" --disable-cache -e "$script"
[ $rc = 1 ] && grep -q "kbuild cannot use the runtime directory" "$work/err" && [ ! -e "$work/pwned" ]
check "a runtime path with make syntax is refused, not expanded" $? "rc=$rc $err"

# --- signed modules ------------------------------------------------------------------------
# --sign-module: the module is signed with the user's key, made on first use in
# $SYSTEMTAP_DIR with mode 0600; signed and unsigned modules are cached apart; a key
# others could read or replace is refused
sscript='probe begin { println("signed module test") exit() }'
run "$STAP" -p4 -m signtest --sign-module -r "$RELEASE" -e "$sscript"
signer=$(modinfo -F signer signtest.ko 2>&1)
sigid=$(modinfo -F sig_id signtest.ko 2>&1)
algo=$(modinfo -F sig_hashalgo signtest.ko 2>&1)
[ $rc = 0 ] && [ "$out" = signtest.ko ] && [ "$signer" = "SystemTap module signing key" ] &&
	[ "$sigid" = "PKCS#7" ] && [ "$algo" = sha256 ] &&
	[ "$err" = "Made a module signing key in $SYSTEMTAP_DIR. A machine with Secure Boot loads modules signed with it once it is enrolled: mokutil --import $SYSTEMTAP_DIR/signing_key.x509, then reboot and confirm." ]
check "--sign-module -p4 signs the module (modinfo signer, sig_id, sig_hashalgo)" $? \
	"rc=$rc $err signer=$signer sig_id=$sigid sig_hashalgo=$algo"
modes=$(stat -c '%a %U' "$SYSTEMTAP_DIR/signing_key.priv" "$SYSTEMTAP_DIR/signing_key.x509" 2>&1)
[ "$modes" = "600 $(id -un)
600 $(id -un)" ]
check "the signing key files are the user's, mode 0600" $? "$modes"
run openssl x509 -inform DER -noout -subject -in "$SYSTEMTAP_DIR/signing_key.x509"
[ "$out" = "subject=O = SystemTap, CN = SystemTap module signing key" ]
check "the certificate is DER, with our subject" $? "$out $err"

run "$STAP" -v -p4 -m signtest -r "$RELEASE" -e "$sscript"
signer=$(modinfo -F signer signtest.ko 2>&1)
[ $rc = 0 ] && ! grep -q '^Pass 3: using cached ' "$work/err" && [ -z "$signer" ]
check "an unsigned build does not take the cached signed module" $? "rc=$rc signer=$signer"
run "$STAP" -v -p4 -m signtest --sign-module -r "$RELEASE" -e "$sscript"
signer=$(modinfo -F signer signtest.ko 2>&1)
[ $rc = 0 ] && grep -q '^Pass 3: using cached ' "$work/err" &&
	[ "$signer" = "SystemTap module signing key" ]
check "a signed build takes the cached signed module, not the unsigned one" $? \
	"rc=$rc signer=$signer $err"
mkdir -m 700 "$work/key2"
run "$STAP" -v -p3 -m signtest --sign-module="$work/key2" -r "$RELEASE" -e "$sscript"
[ $rc = 0 ] && ! grep -q '^Pass 3: using cached ' "$work/err" &&
	[ -s "$work/key2/signing_key.x509" ]
check "--sign-module=DIR: another key, another cached module" $? "rc=$rc $err"

mkdir "$work/openkeys" && chmod 777 "$work/openkeys"
run "$STAP" -p3 --sign-module="$work/openkeys" -r "$RELEASE" -e "$sscript"
[ $rc = 1 ] && [ "$(head -n 1 "$work/err")" = "error: refusing the signing key directory $work/openkeys: $work/openkeys is writable by others" ] &&
	[ ! -e "$work/openkeys/signing_key.priv" ]
check "--sign-module refuses a key directory writable by others" $? "rc=$rc $err"
chmod 644 "$work/key2/signing_key.priv"
run "$STAP" -p3 --sign-module="$work/key2" -r "$RELEASE" -e "$sscript"
[ $rc = 1 ] && [ "$(head -n 1 "$work/err")" = "error: refusing the signing key $work/key2/signing_key.priv: its mode is 0644, others may read or change it (chmod 600 $work/key2/signing_key.priv)" ]
check "--sign-module refuses a private key others can read" $? "rc=$rc $err"
rm "$work/key2/signing_key.priv"
run "$STAP" -p3 --sign-module="$work/key2" -r "$RELEASE" -e "$sscript"
[ $rc = 1 ] && [ "$(head -n 1 "$work/err")" = "error: $work/key2 has signing_key.x509 but not signing_key.priv: remove it, and a new key is made" ]
check "--sign-module refuses half a key pair" $? "rc=$rc $err"
run "$STAP" -p3 --runtime=bpf --sign-module -e "$sscript"
[ $rc = 1 ] && [ "$(head -n 1 "$work/err")" = "stap: --sign-module signs kernel modules: it does not apply to --runtime=bpf" ]
check "--sign-module is refused with --runtime=bpf" $? "rc=$rc $err"

# a build tree without scripts/sign-file (a copy of the real one, less that file)
B=$(readlink -f "/lib/modules/$RELEASE/build")
mkdir "$work/kb" "$work/kb/scripts"
cp -a "$B/.config" "$B/Makefile" "$B/Module.symvers" "$B/arch" "$B/include" "$work/kb/"
ln -s "$(readlink -f "$B/tools")" "$work/kb/tools"
for f in "$(readlink -f "$B/scripts")"/*; do
	[ "${f##*/}" = sign-file ] || ln -s "$f" "$work/kb/scripts/"
done
run "$STAP" -p4 --sign-module -r "$work/kb" -e "$sscript"
[ $rc = 1 ] && grep -qx "error: cannot sign the module: $work/kb/scripts/sign-file is missing (Debian: apt-get install linux-kbuild-[0-9]*\.[0-9]*, which linux-headers-.* depends on)" "$work/err"
check "--sign-module without the build tree's sign-file is a clear error" $? "rc=$rc $err"

# --- stap interrupted in passes 1-4 ------------------------------------------------------
# Ctrl-C (or SIGTERM) during the build left the run's temporary directory, with the
# generated C, behind. The signal is passed on to make, the directory removed, and stap
# dies of the signal. Job control (set -m) so that the background stap keeps SIGINT.
for sig in INT TERM; do
	rm -rf "$work/sigtmp"
	mkdir -p "$work/sigtmp"
	st=$(
		set -m
		"$STAP" -p4 --tmpdir="$work/sigtmp" -r "$RELEASE" \
			-e "probe begin { println(\"sig $sig\") }" >/dev/null 2>&1 &
		pid=$!
		for _ in $(seq 600); do
			ls "$work"/sigtmp/*/Kbuild >/dev/null 2>&1 && break
			sleep 0.1
		done
		kill -$sig $pid
		wait $pid
		echo $?
	)
	left=$(ls -A "$work/sigtmp")
	[ "$st" -gt 128 ] && [ -z "$left" ]
	check "SIG$sig during pass 4 removes the temporary directory" $? "status $st, left: $left"
done

# one program in two places (one build id): bare process probes of -c's program find
# it by path, so the second place is another module, not the first one's from the cache
mkdir -p "$work/pa" "$work/pb"
printf 'int add_one(int x) { return x + 1; }\nint main(void) { return add_one(1); }\n' |
	gcc -O1 -g -x c -o "$work/pa/prog" - && cp "$work/pa/prog" "$work/pb/prog"
run "$STAP" -v -p4 -r "$RELEASE" -c "$work/pa/prog" -e 'probe process.function("add_one") { println(1) }'
run "$STAP" -v -p4 -r "$RELEASE" -c "$work/pb/prog" -e 'probe process.function("add_one") { println(1) }'
[ $rc = 0 ] && ! grep -q '^Pass 3: using cached ' "$work/err"
check "the same program at another path is not the cached module of the first" $? "$err"

echo "1..$n"
echo "$pass passed, $fail failed"
[ $fail = 0 ]
