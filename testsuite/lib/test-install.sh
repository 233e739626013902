#!/bin/bash
# `make install` and `make uninstall` into a scratch DESTDIR: the programs, the
# runtime/tapset/include trees and every man page land where they belong, man finds
# them, each page renders without warnings, every "[man error::...]" or
# "[man warning::...]" our messages print has a page, and uninstall leaves no file
# behind.  Host only; needs a built tree.  Prints TAP and a "N passed, N failed" line.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
MAKE=${MAKE:-make}
work=$(mktemp -d /tmp/stap-install.XXXXXX)
trap 'rm -rf "$work"' EXIT
d=$work/dest
. "$top/testsuite/lib/tap.sh"

installed() {	# installed PATH-GLOB: the one installed file whose path ends so
	find "$d" -path "*/$1" | head -n 1
}

# a clean environment for make: no jobserver or goals of a calling make
mk() { env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS "$MAKE" -C "$top" "$@"; }

mk install DESTDIR="$d" > "$work/install.log" 2>&1
check "make install DESTDIR=... succeeds" $? "$(tail -n 20 "$work/install.log")"

missing=
for f in bin/stap bin/staprun bin/stapbpf bin/dtrace libexec/systemtap/stap-qemu; do
	p=$(installed "$f")
	[ -n "$p" ] && [ -x "$p" ] || missing="$missing $f"
done
[ -z "$missing" ]
check "stap, staprun, stapbpf, dtrace and stap-qemu are installed and executable" $? \
	"missing:$missing"

missing=
for f in systemtap/runtime/runtime.h systemtap/tapset/string.stp systemtap/include/stp_msg.h; do
	[ -n "$(installed "$f")" ] || missing="$missing $f"
done
[ -z "$missing" ]
check "the runtime, tapset and include trees are installed" $? "missing:$missing"

missing=
for f in "$top"/man/*.1 "$top"/man/*.8 "$top"/man/*.3stap "$top"/man/*.7stap; do
	[ -e "$f" ] || continue
	base=${f##*/}
	case $base in
	*.1) sec=man1 ;; *.8) sec=man8 ;; *.3stap) sec=man3 ;; *.7stap) sec=man7 ;;
	esac
	[ -n "$(installed "$sec/$base")" ] || missing="$missing $sec/$base"
done
[ -z "$missing" ]
check "every page of man/ is installed in its section" $? "missing:$missing"

want=$(grep -rhoE 'sfunction [A-Za-z_][A-Za-z_0-9]* - ' "$top/tapset" |
	sed 's/^sfunction //; s/ - $//' | sort -u)
missing=
for f in $want; do
	[ -n "$(installed "man3/function::$f.3stap")" ] || missing="$missing $f"
done
[ -n "$want" ] && [ -z "$missing" ] && [ -n "$(installed man3/stapfuncs.3stap)" ]
check "a function:: page for each documented tapset function, and stapfuncs" $? \
	"missing:$missing"

mandir=$(dirname "$(dirname "$(installed man1/stap.1)")")
if command -v man > /dev/null; then
	bad=
	for page in stap staprun dtrace stapprobes stapfuncs error::pass1 error::pass2 error::pass3 \
		error::pass4 error::pass5 function::execname; do
		p=$(MANPATH=$mandir man -w "$page" 2> /dev/null)
		case $p in "$mandir"/*) ;; *) bad="$bad $page($p)" ;; esac
	done
	[ -z "$bad" ]
	check "man finds the installed pages (MANPATH=.../share/man man -w ...)" $? "not ours:$bad"
else
	check "man finds the installed pages # SKIP no man" 0
fi

# every page our messages point to must exist
named=$(grep -rhoE '\[man (error|warning)::[a-z_0-9]+' "$top/translator" "$top/runtime" \
	"$top/staprun" "$top/tapset" 2> /dev/null | sed 's/^\[man //' | sort -u)
missing=
for page in $named; do
	if [ "$page" = error::pass ]; then	# "[man error::pass%d]"
		for i in 1 2 3 4 5; do
			[ -n "$(installed "man7/error::pass$i.7stap")" ] ||
				missing="$missing error::pass$i"
		done
	else
		[ -n "$(installed "man7/$page.7stap")" ] || missing="$missing $page"
	fi
done
[ -n "$named" ] && [ -z "$missing" ]
check "every [man error::...] and [man warning::...] has an installed page" $? \
	"missing:$missing"

if command -v groff > /dev/null; then
	warned=
	while IFS= read -r p; do
		w=$(groff -man -ww -z "$p" 2>&1)
		[ -z "$w" ] || warned="$warned
${p##*/}: $w"
	done < <(find "$mandir" -type f)
	[ -z "$warned" ]
	check "every installed page renders without groff warnings" $? "$warned"
else
	check "every installed page renders without groff warnings # SKIP no groff" 0
fi

p=$(installed bin/staprun)
out=$("$p" -h 2> /dev/null) && printf '%s' "$out" | grep -q '^usage: staprun'
check "installed staprun -h prints its usage on stdout, exit 0" $? "$out"
out=$("$p" -V 2> /dev/null) && printf '%s' "$out" | grep -q 'version'
check "installed staprun -V prints a version, exit 0" $? "$out"
out=$("$(installed bin/stap)" -V 2> /dev/null) && printf '%s' "$out" | grep -q 'version'
check "installed stap -V prints a version, exit 0" $? "$out"

mk uninstall DESTDIR="$d" > "$work/uninstall.log" 2>&1
check "make uninstall DESTDIR=... succeeds" $? "$(tail -n 20 "$work/uninstall.log")"
left=$(find "$d" -type f -o -type l)
[ -z "$left" ]
check "make uninstall removes every file make install put there" $? "$(printf '%s\n' "$left" | head -n 20)"

echo "1..$n"
echo "$pass passed, $fail failed"
[ $fail = 0 ]
