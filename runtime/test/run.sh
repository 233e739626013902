#!/bin/sh
# Build the hand-written test modules in runtime/test/ against the installed
# Debian kernel headers, build staprun, and run guest-checks.sh in a qemu
# guest through translator/remote/stap-qemu.  Prints TAP; exits non-zero if
# anything failed.
#
#   runtime/test/run.sh [-r RELEASE] [-k]     (-k: keep the build directory)
set -e
top=$(cd "$(dirname "$0")/../.." && pwd)
rel=
keep=
while getopts r:k opt; do
	case $opt in
	r) rel=$OPTARG ;;
	k) keep=1 ;;
	*) echo "usage: $0 [-r RELEASE] [-k]" >&2; exit 2 ;;
	esac
done
[ -n "$rel" ] || rel=$("$top/testsuite/lib/newest-release")
kdir=/usr/src/linux-headers-$rel
[ -d "$kdir" ] || { echo "no kernel headers for '$rel' in $kdir" >&2; exit 2; }
qemu=${STAP_QEMU:-$top/translator/remote/stap-qemu}
[ -x "$qemu" ] || { echo "guest runner $qemu not built" >&2; exit 2; }

dir=$(mktemp -d /tmp/stp-runtime-test.XXXXXX)
[ -n "$keep" ] && echo "# build directory $dir" || trap 'rm -rf "$dir"' EXIT
mods="hello timer error flood maxaction misc"
objs=
for m in $mods; do
	cp "$top/runtime/test/$m.c" "$dir/stap_$m.c"
	objs="$objs stap_$m.o"
done
# the kernel feature probes, as pass 4 runs them (translator/build.c): each
# runtime/autoconf/NAME.c that compiles becomes STAPCONF_NAME in stp_autoconf.h
mkdir "$dir/ac"
acobjs=
for f in "$top"/runtime/autoconf/*.c; do
	b=$(basename "$f" .c)
	cp "$f" "$dir/ac/ac_$b.c"
	acobjs="$acobjs ac_$b.o"
done
echo "ccflags-y := -Werror" >"$dir/ac/Kbuild"
# shellcheck disable=SC2086
make -s -k -C "$kdir" M="$dir/ac" $acobjs >/dev/null 2>&1 || true
echo "/* kernel features found by runtime/autoconf/ probes */" >"$dir/stp_autoconf.h"
for o in $acobjs; do
	[ -f "$dir/ac/$o" ] || continue
	n=$(echo "${o#ac_}" | sed 's/\.o$//; s/[-.]/_/g' | tr a-z A-Z)
	echo "#define STAPCONF_$n 1" >>"$dir/stp_autoconf.h"
done
cat > "$dir/Kbuild" <<KBUILD
obj-m := $objs
ccflags-y := -I$dir -I$top/runtime -I$top/include -Werror
KBUILD
make -s -C "$kdir" M="$dir" modules 2>&1 | grep -v 'Skipping BTF' >&2 || true
for m in $mods; do
	[ -f "$dir/stap_$m.ko" ] || { echo "building stap_$m.ko failed" >&2; exit 1; }
done
gcc -static -O2 -std=gnu11 -Wall -Wextra -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wwrite-strings -Wformat=2 -Wswitch-enum -Wundef \
	-Werror -I"$top/include" -pthread -o "$dir/staprun" "$top"/staprun/*.c -lcrypto
cp "$top/runtime/test/guest-checks.sh" "$dir/"

files=
for f in "$dir"/*.ko "$dir/staprun" "$dir/guest-checks.sh"; do
	files="$files -f $f"
done
# shellcheck disable=SC2086
"$qemu" -r "$rel" -t 300 $files -- sh "$dir/guest-checks.sh" "$dir"
