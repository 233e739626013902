#!/bin/bash
# stap --runtime=bpf on this host (root, a kernel with BPF): real scripts through all
# five passes, output compared exactly.
#   1. testsuite/bpf/*.suite, then the guest suites testsuite/run/*.suite (format:
#      testsuite/run/README), run here with --runtime=bpf instead of in a guest. A test
#      the BPF runtime refuses at pass 2 (".. not supported by the BPF runtime", "cannot
#      be used with --runtime=bpf") is a SKIP carrying that message. A BIN program is
#      built here as the guest suites build it; a RUN of `staprun [-c 'CMD'] $MOD` is
#      stap [-c 'CMD'], other RUN and PROG2 tests (staprun in the guest) are skipped.
#   2. what a suite cannot say: -c and target(), -o, -T, SIGINT, the object cache,
#      a tracepoint driven by a program, error messages.
# Usage: test-bpf.sh [--suites-only | --own-only] [-t REGEX]
# With STAP_BPF_CLANG=1 in the environment every script but the emitter's own tests
# takes the C path through clang, not stap's BPF instruction emitter.
# Prints TAP and a "N passed, N failed" line; skipped tests count as passed.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
STAP=${STAP:-$top/translator/stap}
work=$(mktemp -d /tmp/stap-bpf.XXXXXX)
trap 'rm -rf "$work"' EXIT
export SYSTEMTAP_DIR=$work/stapdir
. "$top/testsuite/lib/tap.sh"
. "$top/testsuite/lib/build-bin.sh"
DTRACE=${DTRACE:-$top/translator/dtrace/dtrace}
suites=1 own=1 filter=
while [ $# -gt 0 ]; do
	case $1 in
	--suites-only) own=0 ;;
	--own-only) suites=0 ;;
	-t) filter=$2; shift ;;
	esac
	shift
done

if [ "$(id -u)" != 0 ] || [ ! -e /sys/kernel/btf/vmlinux ] || ! command -v clang > /dev/null; then
	echo "1..0 # SKIP needs root, a kernel with BPF and BTF, and clang"
	echo "0 passed, 0 failed"
	exit 0
fi
skipped=0
skip() {	# skip NAME WHY
	n=$((n + 1)) pass=$((pass + 1)) skipped=$((skipped + 1))
	echo "ok $n - $1 # SKIP $2"
}

# --- 1. suites ---------------------------------------------------------------------
run_record() {	# the record in the variables below
	local argv=() rc exp_out got why b m32 o0
	[ -n "$filter" ] && ! [[ $name =~ $filter ]] && return
	if [ -n "$prog2" ]; then
		skip "$name" "talks to staprun in the guest (PROG2)"
		return
	fi
	if [ -n "$bin" ]; then
		m32=0 o0=0
		[[ "$prog$runcmd$args" == *@BIN@-m32* ]] && m32=1
		[[ "$prog$runcmd$args" == *@BIN@-O0* ]] && o0=1
		build_bin "$bin" "$m32" "$o0" || { check "$name: building bin/$bin.c" 1 "$(cat "$work/bin.err")"; return; }
		b=$work/bin/$bin
		prog=${prog//@BIN@/$b} args=${args//@BIN@/$b} expect=${expect//@BIN@/$b}
		runcmd=${runcmd//@BIN@/$b}
	fi
	# staprun [-c 'CMD'] $MOD is stap [-c 'CMD']: anything else talks to the session
	if [ -n "$runcmd" ]; then
		local re="^staprun -c '([^']*)' \\\$MOD$"
		runcmd=${runcmd%$'\n'}
		if [[ $runcmd =~ $re ]]; then
			b=${BASH_REMATCH[1]}
			[[ " $args " =~ " -c " ]] || args+=" -c '$b'"
		elif [ "$runcmd" != 'staprun $MOD' ]; then
			skip "$name" "talks to staprun in the guest (RUN)"
			return
		fi
	fi
	why=$(not_applicable "$name")
	if [ -n "$why" ]; then
		skip "$name" "$why"
		return
	fi
	eval "argv=($args)"
	timeout -s INT -k 10 "${tmo:-20}" "$STAP" --runtime=bpf "${argv[@]}" -e "${prog%$'\n'}" \
		> "$work/out" 2> "$work/err" < /dev/null
	rc=$?
	if [ $rc = 1 ] && grep -qE 'not supported by the BPF runtime|cannot be used with --runtime=bpf|which the BPF runtime .* cannot run|not supported yet: .* with --runtime=bpf' "$work/err"; then
		why=$(grep -m1 -oE '(semantic error: )?[^:]*(not supported by the BPF runtime[^:]*|cannot be used with --runtime=bpf: [^:]*|which the BPF runtime[^:]*|not supported yet: .* with --runtime=bpf.*)' "$work/err")
		[ -n "$bin" ] && why=${why//$work\/bin\/$bin/@BIN@}
		skip "$name" "$why"
		return
	fi
	printf '%s' "$expect" > "$work/exp"
	got=1
	cmp -s "$work/exp" "$work/out" && [ "$rc" = "${exit_st:-0}" ] && got=0
	if [ $got = 0 ] && [ -n "$stderr_re" ]; then
		grep -qE -- "$stderr_re" "$work/err" || got=1
	fi
	check "$name" $got "exit $rc (want ${exit_st:-0})
$(diff "$work/exp" "$work/out" | head -n 20)
stderr: $(head -n 8 "$work/err")"
}

# guest tests of what the BPF runtime has no counterpart of, and why
not_applicable() {	# not_applicable NAME: the reason, or nothing
	case $1 in
	*"cannot get its locks"*) echo "BPF maps take no locks: no hit is skipped for one" ;;
	*"without a hardware PMU"*) echo "this host has a hardware PMU: the counter starts" ;;
	*"by libc's path fires in a dynamically linked program"*)
		echo "the host's /bin/sh, which starts -c's command, calls libc's getppid too" ;;
	*"overload check"*) echo "no overload check in the BPF runtime yet" ;;
	*"of the -c command (run by sh -c, which execs it)"*)
		echo "the host's /bin/sh (dash) forks the -c command, the guest's busybox sh execs it" ;;
	*"serial line the guest talks on"*) echo "the guest's serial line: this host's interrupts have other names" ;;
	*"MAXSTRINGLEN truncates at 511"* | *"keys longer than MAXSTRINGLEN"* | \
	*"a string past its limit is cut"* | *"regex: matching in an event probe, in a loop, on long strings"*)
		echo "the BPF runtime's default MAXSTRINGLEN is 128, not 512" ;;
	*"function(F).label(L) fires where the C label is reached"*)
		echo "pp() here is longer than the BPF runtime's default MAXSTRINGLEN of 128: its end, which =~ looks for, is cut" ;;
	esac
}

# BIN NAME: testsuite/run/bin/NAME.c built as the guest suites build it, once, at
# $work/bin/NAME and its variants (build-bin.sh; NAME-m32 when M32 is 1, NAME-O0 when O0 is 1)
build_bin() {	# NAME [M32 [O0]]
	local b=$work/bin/$1
	[ -x "$b" ] && { [ "${2:-0}" = 0 ] || [ -x "$b-m32" ]; } &&
		{ [ "${3:-0}" = 0 ] || [ -x "$b-O0" ]; } && return 0
	mkdir -p "$work/bin"
	build_test_bin "$top/testsuite/run/bin" "$1" "$b" "$work/bin" "$DTRACE" "${2:-0}" "${3:-0}" \
		2> "$work/bin.err"
}

run_suite() {	# run_suite FILE
	local line key val
	name= prog= args= expect= exit_st= stderr_re= tmo= runcmd= bin= prog2=
	while IFS= read -r line || [ -n "$line" ]; do
		case $line in
		'#'*) continue ;;
		'')
			[ -n "$name" ] && run_record
			name= prog= args= expect= exit_st= stderr_re= tmo= runcmd= bin= prog2=
			continue ;;
		esac
		key=${line%%[ 	]*}
		val=${line#"$key"}
		val=${val#"${val%%[! 	]*}"}
		[ "${val:0:1}" = '|' ] && val=${val:1}
		case $key in
		NAME) name=$val ;;
		PROG) prog+="$val"$'\n' ;;
		ARGS) args="${val//@KEYS@/$work/keys}" ;;	# a signing key of this run
		EXPECT) expect+="$val"$'\n' ;;
		EXIT) exit_st=$val ;;
		STDERR) stderr_re=$val ;;
		TIMEOUT) tmo=$val ;;
		RUN) runcmd+="$val"$'\n' ;;
		BIN) bin=$val ;;
		PROG2) prog2=1 ;;
		esac
	done < "$1"
	[ -n "$name" ] && run_record
}

if [ $suites = 1 ]; then
	for f in "$top"/testsuite/run/*.suite; do
		run_suite "$f"
	done
fi

# --- 2. the rest -------------------------------------------------------------------
if [ $own = 1 ]; then
	cd "$work" || exit 1
	S() { "$STAP" --runtime=bpf "$@"; }

	# -c CMD: target() is its pid, the session ends when it exits
	run S -e 'probe end { printf("target=%d\n", target()) }' -c 'echo "pid=$$"'
	[ $rc = 0 ] && [ "$(sed -n 's/^pid=//p' "$work/out")" = "$(sed -n 's/^target=//p' "$work/out")" ] &&
		[ "$(wc -l < "$work/out")" = 2 ]
	check "-c CMD: target() is the command's pid, the session ends with it" $? "rc=$rc $out $err"

	# a tracepoint counting the hits of one program
	printf '#include <unistd.h>\nint main(void) { for (int i = 0; i < 7; i++) getppid(); return 0; }\n' > getppid7.c
	gcc -O2 -o getppid7 getppid7.c
	run S -e 'global hits; probe kernel.trace("syscalls:sys_enter_getppid") { if (pid() == target() && execname() == "getppid7") hits++ } probe end { printf("hits=%d\n", hits) }' \
		-c "exec $work/getppid7"
	[ $rc = 0 ] && [ "$out" = "hits=7" ]
	check "kernel.trace(\"syscalls:sys_enter_getppid\") counts a program's 7 calls" $? "rc=$rc $out $err"

	# process("X").library(LIB): hits in processes running X only (another program
	# calls the same libc function as often)
	cp getppid7 other7
	libc=$(ldd getppid7 | awk '/libc[.]so/ { print $3 }')
	run S -c "$work/other7; exec $work/getppid7" -e 'global scoped, other
		probe process("'"$work"'/getppid7").library("libc.so.6").function("getppid") { scoped++ }
		probe process("'"$libc"'").function("getppid") { if (execname() == "other7") other++ }
		probe end { printf("%d %d\n", scoped, other) }'
	[ $rc = 0 ] && [ "$out" = "7 7" ]
	check "process(\"X\").library(\"libc.so.6\").function: only in processes running X" $? "rc=$rc $out $err"

	# the syscall tapset: aliases on one raw sys_enter/sys_exit program each, driven by
	# a static program (no dynamic loader: its calls are exactly these)
	cat > sysprog.c <<'EOF'
#include <fcntl.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	char b[4];
	int fd;

	(void)argc;
	for (int i = 0; i < 3; i++)
		getppid();
	fd = openat(AT_FDCWD, argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0640);
	write(fd, "hi\n", 3);
	close(fd);
	openat(AT_FDCWD, "/nonexistent-bpfsys", O_RDONLY);
	return read(-1, b, sizeof(b)) < 0 ? 0 : 1;
}
EOF
	if gcc -O2 -static -o sysprog sysprog.c 2> /dev/null; then
		SP="exec $work/sysprog $work/sys.txt"
		run S -c "$SP" -e 'probe syscall.openat { if (pid() == target() && execname() == "sysprog") printf("%s %s\n", execname(), argstr) }'
		[ $rc = 0 ] && [ "$out" = "sysprog AT_FDCWD, \"$work/sys.txt\", O_WRONLY|O_CREAT|O_TRUNC, 0640
sysprog AT_FDCWD, \"/nonexistent-bpfsys\", O_RDONLY" ]
		check "syscall.openat: execname() and argstr as 4.8 writes them" $? "rc=$rc $out $err"

		run S -c "$SP" -e 'probe syscall.openat { if (pid() == target() && execname() == "sysprog") printf("%d %s %s %#o\n", dfd, filename, flags_str, mode) }
			probe syscall.write { if (pid() == target()) printf("%s|%d %s %d\n", argstr, fd, buf_str, count) }'
		[ $rc = 0 ] && [ "$out" = "-100 \"$work/sys.txt\" O_WRONLY|O_CREAT|O_TRUNC 0640
3, \"hi\\n\", 3|3 \"hi\\n\" 3
-100 \"/nonexistent-bpfsys\" O_RDONLY 0" ]
		check "syscall.openat, syscall.write: the arguments by 4.8's names" $? "rc=$rc $out $err"

		run S -c "$SP" -e 'probe syscall.read.return, syscall.openat.return { if (pid() == target() && execname() == "sysprog" && retval < 0) printf("%s %d %s\n", name, retval, retstr) }'
		[ $rc = 0 ] && [ "$out" = "openat -2 -2 (ENOENT)
read -9 -9 (EBADF)" ]
		check "syscall.NAME.return: retval and retstr with the errno name" $? "rc=$rc $out $err"

		run S -c "$SP" -e 'global n; probe syscall.* { if (pid() == target() && execname() == "sysprog") n[name]++ }
			probe end { printf("getppid=%d openat=%d write=%d close=%d read=%d\n", n["getppid"], n["openat"], n["write"], n["close"], n["read"]) }'
		[ $rc = 0 ] && [ "$out" = "getppid=3 openat=2 write=1 close=1 read=1" ]
		check "syscall.*: every call by name, one program on sys_enter" $? "rc=$rc $out $err"

		run S -c "$SP" -e 'probe syscall_any { if (pid() == target() && execname() == "sysprog" && name == "getppid") printf("%s %d %s\n", name, syscall_nr, pp()) }
			probe syscall_any.return { if (pid() == target() && execname() == "sysprog" && name == "close") printf("%s %d %d\n", name, syscall_nr, retval) }
			probe syscall.getppid { if (pid() == target() && execname() == "sysprog") printf("[%s] %s\n", argstr, pp()) }'
		[ $rc = 0 ] && [ "$out" = "[] syscall.getppid
getppid 110 syscall_any
[] syscall.getppid
getppid 110 syscall_any
[] syscall.getppid
getppid 110 syscall_any
close 3 0" ]
		check "syscall_any[.return]: name, syscall_nr, retval; a generated alias's pp()" $? "rc=$rc $out $err"

		# process.syscall[.return]: every call of the -c tree only (a loop outside it
		# calls getppid too; .return counts the tree's: the program's 3 and the one
		# of the sh that execs it), process("PATH").syscall of that program only
		(while :; do "$work/getppid7"; done) & loop=$!
		run S -c "$SP" -e 'global n, r, o; probe process.syscall { if ($syscall == 110 && execname() == "sysprog") n++ }
			probe process.syscall.return { if ($syscall == 110 && $return > 0) r++ }
			probe process("'"$work"'/sysprog").syscall { if ($syscall == 257) o++ }
			probe end { printf("%d %d %d\n", n, r, o) }'
		kill $loop; wait $loop 2> /dev/null
		[ $rc = 0 ] && [ "$out" = "3 4 2" ]
		check "process.syscall[.return] in the -c tree, process(\"PATH\").syscall: \$syscall, \$return" $? "rc=$rc $out $err"
	else
		check "syscall tapset: no static libc to build the driving program # SKIP" 0
	fi
	# the tapset's flag decoders in BPF, of values known only at run time
	run S -e 'global a[5]; probe begin { a[0] = 0; a[1] = 7 | 0x40000000; a[2] = 0x100022; a[4] = 0x80241; printf("%s|%s|%s|%s|%s|%s\n", _sys_mprotect_prot_str(a[0]), _sys_mprotect_prot_str(a[1]), _sys_mmap_flags_str(a[2]), _sys_mmap_flags_str(a[3]), _sys_open_flag_str(a[4]), _sys_open_flag_str(a[4] | 3)) exit() }'
	[ $rc = 0 ] && [ "$out" = "PROT_NONE|PROT_READ|PROT_WRITE|PROT_EXEC|0x40000000|MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE|0x0|O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC|O_ACCMODE|O_CREAT|O_TRUNC|O_CLOEXEC" ]
	check "_sys_mprotect_prot_str, _sys_mmap_flags_str, _sys_open_flag_str as the module's" $? "rc=$rc $out $err"

	# user_string_n(): at most n bytes, none for n < 0, the whole string past MAXSTRINGLEN
	run S -c 'echo hello-there > /dev/null' -e 'probe kernel.trace("syscalls:sys_enter_write") { if (pid() == target()) println(user_string_n($buf, 5), "|", user_string_n($buf, -1), "|", user_string_n($buf, 0), "|", user_string_n($buf, 300), "|", user_string_n(0, 3, "bad")) }'
	[ $rc = 0 ] && [ "$out" = "hello|||hello-there
|bad" ]
	check "user_string_n(): n bytes, none for n < 0, a fault's err_msg" $? "rc=$rc $out $err"

	# cmdline_*() read the process's arguments from its memory; ppid(), pexecname()
	run S -c 'exec /bin/echo one "two  three" x >/dev/null' -e 'probe kernel.trace("sched:sched_process_exec") { if (pid() != target() || cmdline_arg(0) != "/bin/echo") next
		printf("[%s] [%s] [%s]\n", cmdline_str(), cmdline_arg(0), cmdline_arg(2))
		printf("[%s] [%s] [%s] [%s]\n", cmdline_args(1, 2, "|"), cmdline_args(2, -1, ","), cmdline_args(3, 1, "+"), cmdline_arg(4))
		printf("%d %s\n", ppid() > 1 && ppid() != pid(), pexecname()) }
		probe begin { printf("[%s]\n", cmdline_arg(99)) }'
	[ $rc = 0 ] && [ "$out" = "[]
[/bin/echo one two  three x] [/bin/echo] [two  three]
[one|two  three] [two  three,x] [x] []
1 stapbpf" ]
	check "cmdline_str(), cmdline_arg(), cmdline_args(), ppid(), pexecname() as the module's" $? "rc=$rc $out $err"

	# =~ as a DFA: yes/no answers as grep -E gives them (POSIX ERE), subjects known
	# only at run time, one of them MAXSTRINGLEN - 1 bytes long
	long=$(printf 'x%.0s' $(seq 126))y
	re_pairs=("abc|b" "abc|^b" "abc|c\$" "abc|^abc\$" "|^\$" "|a*" "x|^\$" "aaa|a{3}" "aa|a{3}"
		"aaaa|^a{2,3}\$" "ab|^a{1,}b\$" "b|^a{1,}b\$" "foo.bar|o\.b" "fooxbar|o\.b" "fooxbar|o.b"
		"Tab9|[[:upper:]][[:lower:]]+[[:digit:]]" "tab9|^[[:upper:]]" "a]b|[]]" "abc|[^abc]"
		"abd|[^abc]" "catdog|^(cat|dog)+\$" "catdgo|^(cat|dog)+\$" "x-y|[a-c-]" "xyz|(x|xy)z"
		"mississippi|(ss)i(ss)?i" "vfs_read|^vfs_(read|write)\$" "vfs_readv|^vfs_(read|write)\$"
		"$long|x{100}y\$" "$long|^y" "$long|^x+y\$" "ab|a\$|^b" "ab|b\$|^a")
	re_prog='global s[64]; probe begin {'
	re_exp=
	i=0
	for pr in "${re_pairs[@]}"; do
		re_prog+=" s[$i] = \"${pr%%|*}\";"
		i=$((i + 1))
	done
	i=0
	for pr in "${re_pairs[@]}"; do
		pat=${pr#*|}
		re_prog+=" print(s[$i] =~ \"${pat//\\/\\\\}\");"
		if printf '%s\n' "${pr%%|*}" | LC_ALL=C grep -Eq -- "$pat"; then re_exp+=1; else re_exp+=0; fi
		i=$((i + 1))
	done
	re_prog+=' println("") exit() }'
	run S -e "$re_prog"
	[ $rc = 0 ] && [ "$out" = "$re_exp" ]
	check "=~ gives grep -E's answers: anchors, classes, brackets, {m,n}, groups, alternation" $? "rc=$rc $out (want $re_exp) $err"
	run S -e 'probe begin { println("ab" =~ "a[ab]{8}") }'
	[ $rc = 1 ] && grep -q "semantic error: a regular expression whose DFA needs more than 256 states is not supported by the BPF runtime" "$work/err"
	check "=~ whose DFA outgrows 256 states: a pass-2 error" $? "rc=$rc $out $err"

	# matched() and ngroups(): the groups of 60 random patterns and subjects as the
	# module runtime's matcher (runtime/regex.h, built here as the unit tests build it)
	# gives them
	cat > regxref.c <<'EOF'
/* testsuite/unit/test_regex.c's random patterns and its run() of the runtime's matcher */
#define main test_regex_main
#include "testsuite/unit/test_regex.c"
#undef main

int main(void)
{
	struct arena a = { 0 };
	int i = 0, j, caps[2 * (RE_MAX_GROUPS + 1)], ng;
	FILE *stp = fopen("rx.stp", "w"), *exp = fopen("rx.exp", "w");

	srand(7);
	fprintf(stp, "function show(i) { printf(\"%%d:%%s\", i, matched(0)); for (k = 1; k < ngroups(); k++) printf(\"|%%s\", matched(k)); println(\"\") }\n");
	while (i < 60) {
		char pat[512] = "", s[16];
		struct re_prog p;
		struct re_dfa d;
		const char *err;
		int len = rand() % 10;

		random_pattern(pat, 0);
		for (j = 0; j < len; j++)
			s[j] = "abc"[rand() % 3];
		s[len] = '\0';
		if (!strchr(pat, '(') || re_compile(&a, pat, &p, &err) || re_dfa(&a, &p, 256, &d))
			continue;
		fprintf(exp, "%d:", i);
		if (run(&a, pat, s, caps, &ng) > 0)
			for (j = 0; j < ng; j++)
				fprintf(exp, "%s%.*s", j ? "|" : "", caps[2 * j] < 0 ? 0 : caps[2 * j + 1] - caps[2 * j],
					caps[2 * j] < 0 ? "" : s + caps[2 * j]);
		else
			fprintf(exp, "-");
		fprintf(exp, "\n");
		fprintf(stp, "probe begin(%d) { if (\"%s\" =~ \"%s\") show(%d) else println(\"%d:-\") }\n",
			i, s, pat, i, i);
		i++;
	}
	fprintf(stp, "probe begin(60) { exit() }\n");
	return fclose(stp) || fclose(exp);
}
EOF
	if gcc -std=gnu11 -O1 -I"$top" -I"$top/translator" -o regxref regxref.c "$top/translator/arena.c" \
		"$top/translator/util.c" "$top/translator/fsafe.c" "$top/translator/sha256.c" \
		"$top/translator/diag.c" 2> regxref.err && ./regxref; then
		run S rx.stp
		[ $rc = 0 ] && [ "$out" = "$(cat rx.exp)" ]
		check "matched(), ngroups(): the groups of 60 random patterns as the module runtime's matcher" $? "rc=$rc $(diff rx.exp "$work/out" | head -n 10) $err"
	else
		check "building the module runtime's matcher" 1 "$(cat regxref.err)"
	fi
	# in a loop of an event probe, on a string MAXSTRINGLEN allows
	run S -D MAXACTION=5000 -e 'global hits, len
		probe timer.ms(1) { s = "x"; for (i = 0; i < 6; i++) s = s . s; s = s . "end"; len = strlen(s)
			for (i = 0; i < 20; i++) if (s =~ "^(x|y)*e(n)d$" && matched(2) == "n") hits++
			if (hits >= 100) exit() }
		probe end { println(hits, " ", len) }'
	[ $rc = 0 ] && [ "$out" = "100 67" ]
	check "matched() after =~ in a loop of an event probe" $? "rc=$rc $out $err"
	run S -p2 -e 'probe begin { if ("a" =~ "(a|b){40}c{30}") println(matched(1)) }'
	[ $rc = 1 ] && grep -q "^semantic error: matched() or ngroups() after a regular expression of more than 256 instructions is not supported by the BPF runtime (--runtime=bpf): string '(a|b){40}c{30}' at <input>:1:26$" "$work/err"
	check "matched() after a pattern of more than 256 instructions: a pass-2 error" $? "rc=$rc $err"

	# a call whose event has its kernel function's name (sys_enter_newuname)
	run S -c 'exec uname -s > /dev/null' -e 'probe syscall.uname { if (pid() == target()) printf("%s %s %d\n", name, pp(), name_arg != 0) }'
	[ $rc = 0 ] && [ "$out" = "uname syscall.uname 1" ]
	check "syscall.uname: the call of the event sys_enter_newuname" $? "rc=$rc $out $err"

	# typed $args from the kernel's BTF: the prototype's parameters and member chains
	run S -e 'probe kernel.trace("sched:sched_process_exec") { f = kernel_string($bprm->filename); if ($p->tgid == target() && f == "/bin/true") { printf("%s %d %s\n", f, $p->pid == tid(), kernel_string($p->comm)); exit() } }' \
		-c 'exec /bin/true'
	[ $rc = 0 ] && [ "$out" = "/bin/true 1 true" ]
	check "kernel.trace(\"sched:sched_process_exec\"): \$bprm->filename, \$p->pid, \$p->comm" $? "rc=$rc $out $err"

	# @defined of a BTF tracepoint's member chains: the tapset's scheduler.ctxswitch
	# picks $prev->__state this way
	run S -e 'probe kernel.trace("sched:sched_switch") { println(@defined($prev->__state), " ", @defined($prev->state), " ", @defined($nosuch), " ", @defined($prev)) exit() }'
	# (a switch on another CPU may run it once more before exit() takes effect)
	[ $rc = 0 ] && [ "$(sort -u <<< "$out")" = "1 0 0 1" ]
	check "@defined(\$prev->__state) of a BTF tracepoint: 1 for a member that exists, 0 else" $? "rc=$rc $out $err"

	# format fields of a syscall event: a user pointer read with user_string()
	run S -e 'probe kernel.trace("syscalls:sys_enter_openat") { if (pid() == target() && user_string($filename, "") == "/etc/hostname") { printf("%s %d\n", execname(), $dfd); exit() } }' \
		-c 'exec cat /etc/hostname > /dev/null'
	[ $rc = 0 ] && [ "$out" = "cat -100" ]
	check "kernel.trace(\"syscalls:sys_enter_openat\"): user_string(\$filename)" $? "rc=$rc $out $err"

	# sprintf's conversions bpf_snprintf() lacks, of values known only at run time
	run S -e 'global a[5]; probe begin { a[0] = 0; a[1] = 0640; a[2] = 8; a[3] = 4096; a[4] = 255; printf("%s|%s|%s|%s|%s\n", sprintf("%#o %o %#o", a[1], a[2], a[0]), sprintf("%p", a[0]), sprintf("%p", a[3]), sprintf("%#x %#X", a[4], a[4]), sprintf("%#x %o", a[0], a[0])) exit() }'
	[ $rc = 0 ] && [ "$out" = "0640 10 0|0x0|0x1000|0xff 0XFF|0x0 0" ]
	check "sprintf(): %o, %#o, %p, %#x, %#X as the module runtime writes them" $? "rc=$rc $out $err"

	run S -e 'probe begin { s = "0123456789"; printf("[%s] [%s] [%s] [%s]\n", substr(s, 2, 3), substr(s, 8, 100), substr(s, 20, 2), substr(s, 0, 0)) exit() }'
	[ $rc = 0 ] && [ "$out" = "[234] [89] [] []" ]
	check "substr(): inside, past the end, beyond the string, empty" $? "rc=$rc $out $err"

	run S -e 'probe begin { println(kernel_string(8)) }'
	[ $rc = 1 ] && grep -q "^ERROR: kernel string copy fault at 0x8 \[man error::fault\] near identifier 'kernel_string' at <input>:1:23$" "$work/err"
	check "kernel_string() of a bad address: the module runtime's error" $? "rc=$rc $err"

	# perf software events
	run S -e 'global n; probe perf.sw.page_faults.sample(1) { if (pid() == target()) n++ } probe end { println(n > 10 ? "faults" : "none") }' \
		-c 'exec ls / > /dev/null'
	[ $rc = 0 ] && [ "$out" = faults ]
	check "perf.sw.page_faults.sample(1) counts a program's page faults" $? "rc=$rc $out $err"

	run S -p2 -e 'probe perf.hw.cpu_cycles { }'
	if [ -e /sys/bus/event_source/devices/cpu ]; then
		check "perf.hw.*: this machine has hardware counters # SKIP" 0
	else
		[ $rc = 1 ] && grep -q 'perf.hw.cpu_cycles cannot be used with --runtime=bpf: this kernel has no hardware counters' "$work/err"
		check "perf.hw.*: refused, no hardware counters here" $? "rc=$rc $err"
	fi

	# -x PID
	run S -e 'probe begin { println(target()) exit() }' -x 4242
	[ $rc = 0 ] && [ "$out" = 4242 ]
	check "-x PID sets target()" $? "rc=$rc $out $err"

	# -o FILE
	run S -o "$work/o.txt" -e 'probe begin { println("to a file") exit() }'
	[ $rc = 0 ] && [ -z "$out" ] && [ "$(cat "$work/o.txt" 2> /dev/null)" = "to a file" ]
	check "-o FILE takes the output" $? "rc=$rc $out $err"

	# -T SECONDS ends a session that would not end, end probes run
	run S -T 1 -e 'global n; probe timer.ms(100) { n++ } probe end { println(n >= 5 && n <= 12 ? "ok" : "bad") }'
	[ $rc = 0 ] && [ "$out" = ok ]
	check "-T 1 ends the session, end probes run" $? "rc=$rc $out $err"

	# Ctrl-C (SIGINT to stap): end probes run, output drained
	# (its own process group, as a terminal's Ctrl-C signals stap and stapbpf)
	setsid "$STAP" --runtime=bpf -e 'probe timer.s(60) { } probe begin { println("started") }
		probe end { println("end ran") }' > "$work/int.out" 2> "$work/int.err" &
	bg=$!
	for _ in $(seq 50); do
		sleep 0.1
		grep -q started "$work/int.out" && break
	done
	kill -INT -- -$bg 2> /dev/null
	wait $bg
	rc=$?
	[ $rc = 0 ] && [ "$(cat "$work/int.out")" = "started
end ran" ]
	check "SIGINT: end probes run, exit 0" $? "rc=$rc $(cat "$work/int.out" "$work/int.err")"

	# the object cache: the second run compiles nothing
	P='probe begin { println("cached") exit() }'
	run S -v -e "$P"
	run S -v -e "$P"
	[ $rc = 0 ] && [ "$out" = cached ] && ls "$SYSTEMTAP_DIR"/cache/*/*.bpf.o > /dev/null 2>&1 &&
		! grep -q 'Pass 4' <<< "$(grep -v 'Pass 4: using cached' "$work/err")"
	check "a second run takes the object from the cache" $? "rc=$rc $out $err"

	# run-time errors as the module runtime reports them
	run S -e 'probe begin { x = 0; printf("%d\n", 10 / x) }'
	[ $rc = 1 ] && [ -z "$out" ] && [ "$err" = "ERROR: division by 0 near operator '/' at <input>:1:40
WARNING: Number of errors: 1, skipped probes: 0" ]
	check "division by 0: ERROR near the operator, exit 1" $? "rc=$rc $out $err"

	run S -e 'probe begin { while (1) { } }'
	[ $rc = 1 ] && grep -q "^ERROR: MAXACTION exceeded near keyword 'while' at <input>:1:15$" "$work/err"
	check "an endless loop: MAXACTION exceeded" $? "rc=$rc $err"

	run S -e 'probe begin { error("boom") } probe error { println("error probe") } probe end { println("end probe") }'
	[ $rc = 1 ] && [ "$out" = "error probe" ] && grep -q "^ERROR: boom near identifier 'error'" "$work/err"
	check "error(): ERROR, error probes instead of end probes" $? "rc=$rc $out $err"

	run S -e 'global a[3]; probe begin { for (i = 0; i < 5; i++) a[i] = i }'
	[ $rc = 1 ] && grep -q "^ERROR: Array overflow, check size limit (3) near " "$work/err"
	check "a full array: Array overflow" $? "rc=$rc $err"

	# hostile scripts: what the module runtime's hostile.suite does in the guest
	# a print flood: every byte is printed or counted as dropped (100 MB)
	"$STAP" --runtime=bpf -D MAXACTION=5000 -e 'global s, n
		probe begin { s = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd" }
		probe timer.ms(1) { for (i = 0; i < 2048; i++) printf("%s\n", s); if (++n == 800) exit() }' \
		2> "$work/flood.err" | wc -c > "$work/flood.n"
	d=$(sed -n 's/^WARNING: \([0-9]*\) bytes of output dropped.*/\1/p' "$work/flood.err")
	[ $(( $(cat "$work/flood.n") + ${d:-0} )) = $((800 * 2048 * 63)) ]
	check "hostile: a 100 MB print flood loses nothing silently" $? "$(cat "$work/flood.n") printed, ${d:-0} dropped: $(cat "$work/flood.err")"

	# a huge width or precision: one print call writes at most 8191 bytes, as the
	# module's print buffer
	run S -e 'probe begin { printf("%*d|%.*s|\n", 2000000000, 1, 2000000000, "ab"); printf("%9999999d|%.99999s|\n", 2, "cd") exit() }'
	[ $rc = 0 ] && [ "$(wc -c < "$work/out")" = 16382 ]
	check "hostile: a huge * width or precision is bounded" $? "rc=$rc $(wc -c < "$work/out") bytes"

	# two sessions at once, each with its own maps and output
	"$STAP" --runtime=bpf -e 'global n; probe timer.ms(10) { if (++n == 20) exit() } probe end { println("one ", n) }' > "$work/s1" 2>&1 &
	p1=$!
	"$STAP" --runtime=bpf -e 'global n; probe timer.ms(7) { if (++n == 30) exit() } probe end { println("two ", n) }' > "$work/s2" 2>&1
	wait $p1
	[ "$(cat "$work/s1" "$work/s2")" = "one 20
two 30" ]
	check "hostile: two sessions at once" $? "$(cat "$work/s1" "$work/s2")"

	# calls and loops nested deeper than the kernel's 8 BPF frames: a pass-2 error,
	# not the verifier's refusal at pass 5
	run S -p2 -e 'function a(n) { return n + 1 } function b(n) { return a(n) } function c(n) { return b(n) } function d(n) { return c(n) } function e(n) { return d(n) } function f(n) { return e(n) } function g(n) { return f(n) } function h(n) { return g(n) } probe begin { println(h(0)) }'
	[ $rc = 1 ] && grep -q "^semantic error: loops and function calls nested 9 deep are not supported by the BPF runtime (--runtime=bpf): it runs at most 8 nested BPF frames: identifier 'h' at <input>:1:264$" "$work/err"
	check "hostile: calls nested past 8 BPF frames: a pass-2 error" $? "rc=$rc $err"
	run S -e 'function a(n) { while (n < 3) n++; return n } function b(n) { for (i = 0; i < 2; i++) n += a(i); return n } probe begin { println(b(1)) exit() }'
	[ $rc = 0 ] && [ "$out" = 7 ]
	check "loops inside called functions within 8 BPF frames run" $? "rc=$rc $out $err"

	# a bad pointer through a user program's type: the module runtime's fault error
	if build_bin uprog; then
		run S -e "probe begin { println(@cast(0, \"struct point\", \"$work/bin/uprog\")->y) }"
		[ $rc = 1 ] && [ -z "$out" ] && grep -q "^ERROR: user read fault at 0x4 (@cast(...)) near operator '@cast' at <input>:1:23$" "$work/err"
		check "hostile: @cast of a bad user pointer: a read fault error" $? "rc=$rc $out $err"

		# -c and -x: process probes see the target's process tree only (the
		# uprobes.suite tests of this talk to staprun in the guest)
		U=$work/bin/uprog
		(while :; do "$U" 5 > /dev/null; done) &
		loop=$!
		run S -c "$U 3; $U 2" -e "global adds; probe process(\"$U\").function(\"add\") { adds++ } probe end { println(adds) }"
		[ $rc = 0 ] && [ "$out" = 5 ]
		check "with -c, process probes see only the target's process tree" $? "rc=$rc $out $err"
		"$U" -1 > /dev/null &
		p=$!
		run S -x $p -e "global n, other; probe process(\"$U\").function(\"add\") { if (pid() != target()) other++; if (++n == 5) exit() } probe end { println(n, \" \", other) }"
		kill $loop $p
		wait $loop $p 2> /dev/null
		[ $rc = 0 ] && [ "$out" = "5 0" ]
		check "with -x PID, process probes see only that process's tree" $? "rc=$rc $out $err"

		# @cast without a module in a process probe: the program's type, read in
		# the process's memory
		run S -c "$U 2" -e "probe process(\"$U\").function(\"area\") { println(@cast(\$p, \"struct point\")->x, \" \", @cast(\$p, \"struct point\")->y, \" \", user_string(@cast(\$p, \"struct point\")->label)) }"
		[ $rc = 0 ] && [ "$out" = "3 4 corner
3 4 corner" ]
		check "@cast without a module in a process probe reads the program's type" $? "rc=$rc $out $err"
	else
		check "building bin/uprog.c" 1 "$(cat "$work/bin.err")"
	fi

	# .return in mutual recursion, in two threads: each return reads its own call's
	# entry values; a return that ends with `next` still counts its call out
	cat > rec.c <<'EOF'
#include <pthread.h>
__attribute__((noinline)) long odd(long n);
__attribute__((noinline)) long even(long n)
{
	long r = n > 0 ? odd(n - 1) : 0;

	__asm__ __volatile__("" : "+r"(r) : : "memory");
	return r + n;
}
__attribute__((noinline)) long odd(long n)
{
	long r = n > 0 ? even(n - 1) : 0;

	__asm__ __volatile__("" : "+r"(r) : : "memory");
	return r + 2 * n;
}
static void *thr(void *a) { return (void *)even((long)a); }
int main(void)
{
	pthread_t t;

	pthread_create(&t, NULL, thr, (void *)3);
	pthread_join(t, NULL);
	return even(5) != 21;
}
EOF
	gcc -O1 -g -pthread -o rec rec.c
	run S -c "$work/rec" -e 'probe process("'"$work"'/rec").function("even").return { if ($n == 1) next; printf("%d even %d %s = %d\n", tid() == pid(), $n, @entry(sprint("e", $n * 10)), $return) }
		probe process("'"$work"'/rec").function("odd").return { printf("%d odd %d %d = %d\n", tid() == pid(), $n, @entry($n + 100), $return) }'
	[ $rc = 0 ] && [ "$out" = "0 odd 0 100 = 0
0 odd 2 102 = 5
0 even 3 e30 = 8
1 odd 0 100 = 0
1 odd 2 102 = 5
1 even 3 e30 = 8
1 odd 4 104 = 16
1 even 5 e50 = 21" ]
	check ".return in mutual recursion and two threads: each return with its own call's @entry" $? "rc=$rc $out $err"

	# globals of a PIE program relocated by its load bias: $global, @var("name"),
	# @var("name", "PATH"), a member through a global, entry values; the global of
	# another object is refused at pass 2, as are those of a PIE outside its probes
	cat > pieg.c <<'EOF'
int counter = 10;
struct pair { int a, b; } pair = { 3, 4 };
__attribute__((noinline)) int bump(int k)
{
	__asm__ __volatile__("" ::: "memory");
	counter += k;
	return counter;
}
int main(void)
{
	for (int i = 1; i <= 3; i++)
		bump(i);
	return 0;
}
EOF
	gcc -O1 -g -fPIE -pie -o pieg pieg.c
	G=$work/pieg
	run S -c "$G" -e 'probe process("'"$G"'").function("bump") { printf("%d %d %d %d\n", $counter, @var("counter", "'"$G"'"), @var("pair")->b, @var("pair@pieg.c", "'"$G"'")->a) }
		probe process("'"$G"'").function("bump").return { printf("= %d %d %d at entry %d\n", $return, @var("counter"), $counter, @entry($counter + $k)) }'
	[ $rc = 0 ] && [ "$out" = "10 10 4 3
= 11 11 10 at entry 11
11 11 4 3
= 13 13 11 at entry 13
13 13 4 3
= 16 16 13 at entry 16" ]
	check "a PIE's globals in its probes: \$global, @var(\"name\"[, \"PATH\"]), relocated by the load bias" $? "rc=$rc $out $err"
	run S -p2 -e 'probe process("'"$G"'").function("bump") { println(@var("counter", "/bin/sh")) }'
	[ $rc = 1 ] && grep -q "^semantic error: @var(\"counter\", \"/bin/sh\") in a probe on $G: a program's or library's globals are read in probes on it only: operator '@var' at <input>:1:" "$work/err"
	check "@var(\"name\", \"PATH\") in a probe on another object: a pass-2 error" $? "rc=$rc $err"
	run S -p2 -e 'probe begin { println(@var("counter@pieg.c", "'"$G"'")) }'
	[ $rc = 1 ] && grep -q "^semantic error: @var(\"counter@pieg.c\"): the address of a global of $G, a position-independent object, is known only in a probe on that object" "$work/err"
	check "@var(\"name@file\", \"PIE\") outside of the PIE's probes: a pass-2 error" $? "rc=$rc $err"

	# bare process.begin/.end and process.thread.begin/.end: the scheduler's tracepoints;
	# a new task's begin runs in its context, the -c target's at its first exec
	cat > thrfork.c <<'EOF'
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>
static void *thr(void *a) { return a; }
int main(int argc, char **argv)
{
	pthread_t t;

	while (argc > 1 && access(argv[1], F_OK))	/* thrfork FILE: once FILE is there */
		usleep(10000);
	pthread_create(&t, NULL, thr, NULL);
	pthread_join(t, NULL);
	if (fork() == 0)
		_exit(0);
	wait(NULL);
	return 0;
}
EOF
	gcc -O2 -pthread -o thrfork thrfork.c
	run S -c "exec $work/thrfork" -e 'function who() { return pid() != target() ? "child" : tid() != pid() ? "thread" : "target" }
		probe process.begin { printf("begin %s %s %d\n", execname(), who(), tid() == pid()) }
		probe process.end { printf("end %s %s\n", execname(), who()) }
		probe process.thread.begin { printf("thread.begin %s %s\n", execname(), who()) }
		probe process.thread.end { printf("thread.end %s %s\n", execname(), who()) }
		global pt; probe process("'"$work"'/thrfork").thread.begin { pt++ } probe process("/bin/true").thread.begin { pt += 100 }
		probe process("'"$work"'/thrfork").thread.end { pt += 10 } probe end { printf("path threads %d\n", pt) }'
	[ $rc = 0 ] && [ "$out" = "begin sh target 1
thread.begin thrfork thread
thread.end thrfork thread
begin thrfork child 1
end thrfork child
end thrfork target
path threads 11" ]
	check "process.begin/.end, [process(\"PATH\").]thread.begin/.end: in the task's own context, -c's tree" $? "rc=$rc $out $err"

	# process(PID).begin/.end/.thread.*: of that process only (its forked child has
	# its own id: no process(PID).begin or .end of it); thrfork waits for a file the
	# test makes once the session has started
	rm -f "$work/go"
	"$work/thrfork" "$work/go" &
	p=$!
	"$STAP" --runtime=bpf -e 'probe begin { println("started") }
		probe process('$p').begin { println("begin ", pid()) }
		probe process('$p').thread.begin { printf("thread.begin %d %d\n", pid() == '$p', tid() != pid()) }
		probe process('$p').thread.end { printf("thread.end %d %d\n", pid() == '$p', tid() != pid()) }
		probe process.begin { if (ppid() == '$p') println("child begin") }
		probe process.end { if (ppid() == '$p') println("child end") }
		probe process('$p').end { printf("end %s %d\n", execname(), pid() == '$p'); exit() }' \
		> "$work/pid.out" 2> "$work/pid.err" &
	bg=$!
	for _ in $(seq 300); do
		sleep 0.1
		grep -q started "$work/pid.out" && break
	done
	touch "$work/go"
	wait $bg
	rc=$?
	kill $p 2> /dev/null
	wait $p 2> /dev/null
	[ $rc = 0 ] && [ "$(cat "$work/pid.out")" = "started
thread.begin 1 1
thread.end 1 1
child begin
child end
end thrfork 1" ]
	check "process(PID).begin/.end/.thread.begin/.thread.end: of that process only" $? "rc=$rc $(cat "$work/pid.out" "$work/pid.err")"

	# refused at pass 2, with the construct named
	run S -p2 -e 'function f(n) { return n ? f(n - 1) : 0 } probe begin { println(f(3)) }'
	[ $rc = 1 ] && grep -q "^semantic error: recursive call of function 'f' is not supported by the BPF runtime (--runtime=bpf): identifier 'f' at <input>:1:28" "$work/err"
	check "recursion: a pass-2 error" $? "rc=$rc $err"

	run S -p2 -e 'probe kernel.function("vfs_read") { }'
	[ $rc = 1 ] && grep -q '^semantic error: probe point kernel.function("vfs_read") cannot be used with --runtime=bpf: ' "$work/err" &&
		grep -q 'Pass 2: analysis failed' "$work/err"
	check "kernel.function: refused at pass 2 with the reason" $? "rc=$rc $err"

	run S -p2 -e 'probe kernel.trace("nosuch:tracepoint") { }'
	[ $rc = 1 ] && grep -q 'kernel.trace("nosuch:tracepoint"): no such tracepoint in the running kernel' "$work/err"
	check "an unknown tracepoint: named" $? "rc=$rc $err"

	run S -p2 -e 'probe kernel.trace("syscalls:sys_enter_getppid") { println($nosuch) }'
	[ $rc = 1 ] && grep -q "unable to find tracepoint variable '\$nosuch'" "$work/err"
	check "an unknown tracepoint field: named" $? "rc=$rc $err"

	run S -p2 -g -e 'function f() %{ /* */ %} probe begin { f() }'
	[ $rc = 1 ] && grep -q "function 'f' is embedded C, which the BPF runtime (--runtime=bpf) cannot run" "$work/err"
	check "embedded C: refused" $? "rc=$rc $err"

	# the BPF instruction emitter (translator/bpf/insn.c): a script in its subset runs
	# with a clang that fails (first in PATH), one outside it reaches that clang; the
	# emitter is on for these even when the run forces clang (STAP_BPF_CLANG=1)
	forced=${STAP_BPF_CLANG-}
	unset STAP_BPF_CLANG
	mkdir -p noclang
	printf '#!/bin/sh\ntouch %s/noclang/ran\nexit 3\n' "$work" > noclang/clang
	chmod +x noclang/clang
	NC() { PATH=$work/noclang:$PATH "$STAP" --runtime=bpf "$@"; }
	rm -f noclang/ran
	run NC -v -e 'global n = 2; probe begin { n *= 21; printf("n=%d %s\n", n, pp()) exit() }'
	[ $rc = 0 ] && [ "$out" = "n=42 begin" ] && [ ! -e noclang/ran ] &&
		grep -q '^Pass 3: wrote BPF instructions (no clang) into ' "$work/err" &&
		grep -q '^Pass 4: no C to compile: ' "$work/err"
	check "emitter: a begin script runs without clang, -v says so" $? "rc=$rc $out $err"
	rm -f noclang/ran
	run NC -e 'global hits; probe kernel.trace("syscalls:sys_enter_getppid") { if (pid() == target()) hits++ } probe timer.ms(5) { t++ } probe end { printf("hits>=7: %d\n", hits >= 7) }' \
		-c "exec $work/getppid7"
	[ $rc = 0 ] && [ "$out" = "hits>=7: 1" ] && [ ! -e noclang/ran ]
	check "emitter: a tracepoint and a timer probe without clang" $? "rc=$rc $out $err"
	rm -f noclang/ran
	run NC -v -e 'global a; probe begin { a[1] = 2; exit() }'
	[ $rc = 1 ] && [ -e noclang/ran ] &&
		grep -q "^Pass 3: C for clang: the BPF instruction emitter does not cover arrays and string globals (at <input>:1:8)" "$work/err" &&
		grep -q 'clang could not compile' "$work/err"
	check "emitter: an array falls back to clang, -v says why" $? "rc=$rc $err"
	rm -f noclang/ran
	STAP_BPF_CLANG=1 run NC -v -e 'probe begin { exit() }'
	[ $rc = 1 ] && [ -e noclang/ran ] && grep -q '^Pass 3: STAP_BPF_CLANG is set: C for clang' "$work/err"
	check "emitter: STAP_BPF_CLANG=1 forces clang" $? "rc=$rc $err"

	# both paths give the same bytes: output, errors and their messages, exit status
	both() {	# both NAME STAP-ARGS...
		local name=$1 o1 o2
		shift
		STAP_BPF_CLANG=1 run S "$@"
		o1="rc=$rc
$out
$err"
		STAP_BPF_CLANG= run S -v "$@"
		grep -q '^Pass 3: wrote BPF instructions' "$work/err"
		local emitted=$?
		STAP_BPF_CLANG= run S "$@"
		o2="rc=$rc
$out
$err"
		[ $emitted = 0 ] && [ "$o1" = "$o2" ]
		check "emitter and clang alike: $name" $? "emitted=$emitted
clang: $o1
emitter: $o2"
	}
	both "division by 0, the error probe" -e 'global z; probe begin { x = 10; println(x / z) } probe end { println("end") } probe error { println("error probe") }'
	both "modulo by 0 in a timer" -e 'global z, n; probe timer.ms(5) { n++; if (n == 3) printf("%d\n", n % z) } probe end { println("n=", n) }'
	both "MAXERRORS=2: three errors" -D MAXERRORS=2 -e 'global z, n; probe timer.ms(5) { n++; printf("%d\n", n / z) } probe end { println("end") }'
	both "--suppress-handler-errors" --suppress-handler-errors -e 'global z, n; probe timer.ms(5) { if (++n == 3) exit(); printf("%d\n", n / z) } probe end { println("n=", n) }'
	both "signed arithmetic" -e 'probe begin { a = -7; b = 2; printf("%d %d %d %d %d %d %d\n", a/b, a%b, 7/-2, 7%-2, a<<3, a>>1, a*a-b); printf("%d %d %d %d %x %o %5d|%-5d|%05d\n", a < b, a == -7 && b, !a || 0, ~a, 255, 8, a, b, 42); x = a > 0 ? 1 : 2; println(x, " ", a++, --b, a, b); exit() }'
	both "next, return, exit() then more" -e 'probe begin { if (1) next; println("no") } probe begin { println("x"); exit(); println("after") } probe end { println(execname(), " ", pp()) }'
	both "globals: autoprint, initializers" -e 'global a = 40, b, c; probe begin { a += 2; b = a * 2; c = b - a; println(c); exit() }'
	run S -v -D MAXACTION_INTERRUPTIBLE=3 -e 'probe begin { x = 1; x++; x++; x++; println(x) }'
	[ $rc = 1 ] && grep -q '^Pass 3: C for clang: the BPF instruction emitter does not cover a probe that may run more than MAXACTION statements' "$work/err" &&
		grep -q '^ERROR: MAXACTION exceeded near ' "$work/err"
	check "emitter: more statements than MAXACTION: clang's counting" $? "rc=$rc $err"
	both "a long literal string cut at MAXSTRINGLEN" -D MAXSTRINGLEN=16 -e 'probe begin { println("abcdefghijklmnopqrstuvwxyz", 1); printf("%s|%d\n", "0123456789abcdefXYZ", 2); exit() }'
	both "for, while, break, continue, nested loops" -e 'probe begin { for (i = 0; i < 5; i++) for (j = 0; j < 5; j++) { if (j > i) break; s += i * j } k = 0; while (k < 1000) { k++; if (k % 2) continue; t += k } println(s, " ", t, " ", i, j, k); exit() }'
	both "MAXACTION in an endless loop" -e 'probe begin { while (1) { x++ } } probe end { println("end") }'
	both "MAXACTION in a timer's loop, -D MAXACTION" -D MAXACTION=50 -e 'global n; probe timer.ms(5) { for (i = 0; i < 100; i++) n++ } probe end { println(n) }'
	both "division by 0 inside a loop" -e 'global z; probe begin { for (i = 0; i < 5; i++) { println(i); println(10 / (z + 2 - i)) } } probe end { println("end") }'
	both "next inside nested loops" -e 'probe begin { for (k = 0; k < 3; k++) { while (1) { if (k == 1) next; break } println(k) } println("not") } probe begin(1) { println("second"); exit() } probe end { println("end") }'
	both "++, --, += and -= of globals and locals" -e 'global n = 10, m; probe begin { x = 3; println(n++, " ", ++n, " ", n--, " ", --n, " ", n += 5, " ", n -= 3, " ", m -= 2, " ", x += n, " ", x--, " ", n); exit() }'
	both "statistics: <<<, @count @sum @min @max @avg, @hist_log" -e 'global s, t; probe begin { for (i = -5; i < 100; i += 7) s <<< i; t <<< -7; t <<< -3; printf("%d %d %d %d %d %d %d\n", @count(s), @sum(s), @min(s), @max(s), @avg(s), @avg(t), @max(t)); print(@hist_log(s)); exit() }'
	both "statistics: empty aggregate" -e 'global s; probe begin { println(@count(s), " ", @sum(s)); println(@min(s)) } probe end { println("end") }'
	both "statistics from every CPU (timer.profile)" -e 'global s, n; probe timer.profile { s <<< cpu(); if (++n >= 20) exit() } probe end { printf("%d %d\n", @count(s) >= 20, @max(s) < 1024) }'
	# @hist_linear: the buckets as gen.c's __lin_bucket(), on both paths (clang's object
	# was refused by the verifier when a loop added the values)
	both "@hist_linear filled in a loop" -e 'global s; probe begin { for (i = 0; i < 30; i += 3) s <<< i; s <<< -1; s <<< 40; print(@hist_linear(s, 0, 20, 10)); exit() }'
	run S -v -e 'global s; probe begin { for (i = 0; i < 28; i += 3) s <<< i; s <<< -1; s <<< 40; print(@hist_linear(s, 0, 20, 10)); exit() }'
	[ $rc = 0 ] && grep -q '^Pass 3: wrote BPF instructions' "$work/err" && [ "$out" = "value |-------------------------------------------------- count
   <0 |@                                                  1
    0 |@@@@                                               4
   10 |@@@                                                3
   20 |@@@                                                3
  >20 |@                                                  1" ]
	check "emitter: @hist_linear buckets" $? "rc=$rc $out $err"
	both "script functions: arguments, return, loops inside, an error inside" -e 'function f(a, b) { x = a * b; for (i = 0; i < 3; i++) x += i; return x } function g(n) { if (n < 0) return -1; return n / 0 } function hello() { println("hello") } global t; probe begin { hello(); println(f(3, 4), " ", f(1, 1)); t = 5; println(g(-2)); println(g(t)); println("not") } probe end { println("end") }'
	both "MAXACTION counts a function's statements" -D MAXACTION_INTERRUPTIBLE=6 -e 'function f() { a = 1; a++; a++; return a } probe begin { x = f(); println(x); x = f(); println(x) }'
	[ -n "$forced" ] && export STAP_BPF_CLANG=$forced
fi

[ $skipped -gt 0 ] && echo "# $skipped skipped: not supported by the BPF runtime yet"
echo "$pass passed, $fail failed"
[ $fail = 0 ]
