#!/bin/bash
# stap --remote=ssh:// against Debian's OpenSSH server in a qemu guest (guest-sshd): the
# kernel fetched over ssh, output and exit status back, errors, Ctrl-C, --remote-prefix,
# -c's command quoted through two shells, the remote left clean, and refusals for a
# remote kernel this host cannot build for.
# Prints TAP and a "N passed, N failed" line.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
STAP=${STAP:-$top/translator/stap}
work=$(mktemp -d /tmp/stap-ssh.XXXXXX)
export SYSTEMTAP_DIR=$work/stapdir
cd "$work" || exit 1
. "$top/testsuite/lib/tap.sh"

guest=$work/guest guest2=$work/guest2
trap '"$top/testsuite/lib/guest-sshd" stop "$guest"; "$top/testsuite/lib/guest-sshd" stop "$guest2"
	rm -rf "$work"' EXIT
if ! port=$("$top/testsuite/lib/guest-sshd" start "$guest"); then
	check "the guest's sshd starts" 1 "$(cat "$guest"/qemu.msgs "$guest"/sshd.err 2>/dev/null)"
	echo "1..$n"
	echo "$pass passed, $fail failed"
	exit 1
fi
# stap runs "ssh": the real one, with the keys made for this guest
export PATH=$guest/bin:$PATH
url=ssh://root@127.0.0.1:$port
on_guest() { ssh -p "$port" root@127.0.0.1 "$@"; }

run timeout 120 "$STAP" --remote="$url" -e 'probe begin { println("hi") exit() }'
[ $rc = 0 ] && [ "$out" = hi ] && [ -z "$err" ]
check "--remote=ssh://: output and exit status come back" $? "rc=$rc out=$out $err"

run timeout 120 "$STAP" --remote="root@127.0.0.1:$port" -o "$work/o.txt" \
	-e 'probe begin { println("to a file") exit() }'
[ $rc = 0 ] && [ -z "$out" ] && [ "$(cat "$work/o.txt" 2>/dev/null)" = "to a file" ]
check "the bare USER@HOST:PORT form; -o FILE is written here" $? "rc=$rc out=$out $err"

rel=$(on_guest uname -r)
run timeout 120 "$STAP" -v -p2 --remote="$url" -e 'probe begin { exit() }'
[ $rc = 0 ] && grep -q "^Remote $url runs kernel $rel (x86_64), build id [0-9a-f]\{40\}$" "$work/err"
check "-v names the remote's kernel and build id" $? "rc=$rc $err"

run timeout 120 "$STAP" --remote="$url" -e 'probe begin { error("boom") } probe end { println("not printed") }'
[ $rc = 1 ] && grep -q '^ERROR: boom near ' "$work/err" && [ -z "$out" ]
check "an error in the remote run: exit 1, its message" $? "rc=$rc out=$out $err"

run timeout 120 "$STAP" --remote="$url" -c 'exit 3' -e 'probe end { println("ended") }'
[ $rc = 0 ] && [ "$out" = ended ]
check "-c CMD runs on the remote; the session ends with it" $? "rc=$rc out=$out $err"

# -c's command passes two shells (the remote's login shell, then staprun's sh -c) and only
# the second may interpret it
run timeout 120 "$STAP" --remote="$url" -c "printf '[%s]\\n' 'a  b' '\$HOME' 'q\"t' \"\$HOME\"" \
	-e 'probe end { println("done") }'
[ $rc = 0 ] && [ "$out" = "$(printf '[a  b]\n[$HOME]\n[q"t]\n[/root]\ndone')" ]
check "-c CMD reaches staprun's shell unchanged" $? "rc=$rc out=$out $err"

run timeout 120 "$STAP" --remote="$url" -m 'q_x' -G 'n=5' \
	-e 'global n = 1; probe begin { println(n, " ", module_name()) exit() }'
[ $rc = 0 ] && [ "$out" = "5 q_x" ]
check "-m and -G reach the remote staprun" $? "rc=$rc out=$out $err"

run timeout 120 "$STAP" --remote-prefix --remote="$url" \
	-e 'probe begin { printf("a\nb\n") printf("c") exit() }'
[ $rc = 0 ] && [ "$out" = "$(printf '0: a\n0: b\n0: c')" ]
check "--remote-prefix: \"0: \" before every line" $? "rc=$rc out=$out $err"

run timeout 120 "$STAP" --remote-prefix --remote="$url" \
	-e 'probe begin { println(remote_id(), " ", remote_uri()) exit() }'
[ $rc = 0 ] && [ "$out" = "0: 0 $url" ]
check "remote_id() and remote_uri() name the remote" $? "rc=$rc out=$out $err"

# Ctrl-C: the remote staprun gets SIGINT, the end probes run, their output arrives
run_until_sigint ready "$STAP" --remote="$url" \
	-e 'probe begin { println("ready") } probe end { println("bye") }'
[ $rc = 0 ] && [ "$(cat "$work/out")" = "$(printf 'ready\nbye')" ]
check "SIGINT to stap ends the remote session with its end probes" $? "rc=$rc $(cat "$work/out" "$work/err")"

left=$(on_guest 'ls -d /tmp/stap* 2>/dev/null; lsmod | grep "^stap_\|^q_x"; ps | grep "[s]taprun"')
[ -z "$left" ]
check "the remote is left clean: no directory, module or staprun" $? "$left"

# the connection lost (ssh killed here): stap says so, and on the remote the session
# ends and is cleaned up all the same
"$STAP" --remote="$url" -e 'probe begin { println("ready") } probe end { println("bye") }' \
	> "$work/out" 2> "$work/err" &
pid=$!
for _ in $(seq 1 1200); do grep -q ready "$work/out" 2>/dev/null && break; sleep 0.1; done
kill -KILL $(pgrep -P $pid -x ssh)
wait $pid
rc=$?
for _ in $(seq 1 30); do
	left=$(on_guest 'ls -d /tmp/stap* 2>/dev/null; lsmod | grep "^stap_"; ps | grep "[s]taprun"')
	[ -z "$left" ] && break
	sleep 1
done
[ $rc = 1 ] && [ "$(head -n 1 "$work/err")" = "stap: lost the connection to remote '$url'" ] && [ -z "$left" ]
check "a lost connection: stap says so, the remote session ends and is cleaned up" $? \
	"rc=$rc $(cat "$work/err") left: $left"

# two hosts at once (a second guest): both run, each line carries its host's index
if port2=$("$top/testsuite/lib/guest-sshd" start "$guest2"); then
	mkdir -p "$work/both"
	cat >"$work/both/ssh_config" <<EOF
Host *
	IdentityFile $guest/id_ed25519
	IdentityFile $guest2/id_ed25519
	IdentitiesOnly yes
	UserKnownHostsFile $guest/known_hosts $guest2/known_hosts
	StrictHostKeyChecking yes
	BatchMode yes
	ConnectTimeout 20
EOF
	printf '#!/bin/sh\nexec /usr/bin/ssh -F %s/ssh_config "$@"\n' "$work/both" >"$work/both/ssh"
	chmod +x "$work/both/ssh"
	run env PATH="$work/both:$PATH" timeout 180 "$STAP" --remote-prefix --remote="$url" \
		--remote="root@127.0.0.1:$port2" \
		-e 'probe begin { printf("%d %s\n", remote_id(), remote_uri()) printf("end\n") exit() }'
	[ $rc = 0 ] && [ "$(sort "$work/out")" = "$(printf '0: 0 %s\n0: end\n1: 1 %s\n1: end' \
		"$url" "root@127.0.0.1:$port2")" ]
	check "two --remote hosts at once, with --remote-prefix" $? "rc=$rc out=$out $err"
	"$top/testsuite/lib/guest-sshd" stop "$guest2"
else
	check "a second guest's sshd starts" 1 "$(cat "$guest2"/qemu.msgs "$guest2"/sshd.err 2>/dev/null)"
fi

# a remote kernel this host has no headers for, and another build of the same release:
# two more root logins whose shells answer uname -r and cat /sys/kernel/notes for them
# (shell functions: busybox's sh runs its own uname and cat whatever PATH says)
on_guest 'cat >/t/nohdr-sh <<EOF
#!/bin/sh
uname() { if [ "\$1" = -r ]; then echo 9.9.9-nosuch; else command uname "\$@"; fi; }
[ "\$1" = -c ] && eval "\$2"
EOF
cat >/t/otherbuild-sh <<EOF
#!/bin/sh
cat() {
	[ "\$1" = /sys/kernel/notes ] || { command cat "\$@"; return; }
	printf "\\\\004\\\\000\\\\000\\\\000\\\\024\\\\000\\\\000\\\\000\\\\003\\\\000\\\\000\\\\000GNU\\\\000"
	printf "\\\\001\\\\002\\\\003\\\\004\\\\005\\\\006\\\\007\\\\010\\\\011\\\\012\\\\013\\\\014\\\\015\\\\016\\\\017\\\\020\\\\021\\\\022\\\\023\\\\024"
}
[ "\$1" = -c ] && eval "\$2"
EOF
chmod 755 /t/nohdr-sh /t/otherbuild-sh
echo "nohdr:x:0:0::/root:/t/nohdr-sh" >>/etc/passwd
echo "otherbuild:x:0:0::/root:/t/otherbuild-sh" >>/etc/passwd'
run timeout 120 "$STAP" --remote="ssh://nohdr@127.0.0.1:$port" -e 'probe begin { exit() }'
[ $rc = 1 ] && [ "$err" = "stap: remote 'ssh://nohdr@127.0.0.1:$port' runs kernel 9.9.9-nosuch, whose build tree is not here at /lib/modules/9.9.9-nosuch/build: install linux-headers-9.9.9-nosuch on this host to build for it" ]
check "a remote kernel without headers here is refused" $? "rc=$rc $err"

run timeout 300 "$STAP" -p2 --remote="ssh://otherbuild@127.0.0.1:$port" \
	-e 'probe kernel.function("vfs_read") { println($count) }'
[ $rc = 1 ] && grep -q "build-id mismatch \[man error::buildid\]: kernel ssh://otherbuild@127.0.0.1:$port:/sys/kernel/notes has 0102030405060708090a0b0c0d0e0f1011121314, debuginfo .* has [0-9a-f]\{40\}" "$work/err"
check "debug information of another build than the remote's is refused" $? "rc=$rc $err"

echo "1..$n"
echo "$pass passed, $fail failed"
[ $fail = 0 ]
