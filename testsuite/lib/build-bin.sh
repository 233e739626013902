# build-bin.sh: sourced by run-guest-tests and test-bpf.sh; builds a test program of the
# guest suites (testsuite/run/README, BIN) the one way both use.
#
# build_test_bin BINDIR NAME OUT WORKDIR DTRACE [M32]: testsuite/run/bin/NAME.c at OUT (static,
# -O1 -g), OUT-pie (static PIE), OUT-nodebug (without DWARF) and OUT-dyn (a PIE linked
# with libc); with NAME.so.c, that file is linked into the static ones and built as the
# shared library OUT-lib.so, which OUT-dyn then loads; with NAME.d, DTRACE writes NAME.h
# and the semaphore object in WORKDIR, linked into every build; with M32 1, also OUT-m32,
# an i386 build (gcc -m32, dynamic, from gcc-multilib); with O0 1, also OUT-O0, built
# static without optimization (gcc -g's default -O0).  Compiler messages go to
# standard error; the status is 0 when every build worked.
build_test_bin() {
	local bindir=$1 name=$2 out=$3 d=$4 dtrace=$5 m32=${6:-0} o0=${7:-0}
	local src=("$bindir/$name.c") so=$bindir/$name.so.c prov=$bindir/$name.d

	[ -f "$so" ] && src+=("$so")
	if [ -f "$prov" ]; then
		"$dtrace" -h -s "$prov" -o "$d/$name.h" &&
			"$dtrace" -G -s "$prov" -o "$d/$name-d.o" || return 1
		src+=(-I"$d" "$d/$name-d.o")
	fi
	if [ "$m32" = 1 ] && [ ! -x "$out-m32" ]; then
		gcc -m32 -O1 -g -o "$out-m32" "$bindir/$name.c" || return 1
	fi
	if [ "$o0" = 1 ] && [ ! -x "$out-O0" ]; then
		gcc -static -O0 -g -o "$out-O0" "${src[@]}" || return 1
	fi
	gcc -static -O1 -g -o "$out" "${src[@]}" &&
		gcc -static-pie -O1 -g -o "$out-pie" "${src[@]}" &&
		strip --strip-debug -o "$out-nodebug" "$out" || return 1
	if [ -f "$so" ]; then
		gcc -shared -fPIC -O1 -g -o "$out-lib.so" "$so" &&
			gcc -O1 -g -o "$out-dyn" "${src[0]}" "$out-lib.so"
	else
		gcc -pie -fPIE -O1 -g -o "$out-dyn" "${src[@]}"
	fi
}
