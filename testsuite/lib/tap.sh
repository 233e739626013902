# TAP helpers for the host test scripts (test-*.sh), sourced once $work, their scratch
# directory, exists. Each script ends with: echo "$pass passed, $fail failed".
n=0 pass=0 fail=0

check() {	# check NAME CONDITION-EXIT-STATUS [DETAIL]
	n=$((n + 1))
	if [ "$2" = 0 ]; then
		pass=$((pass + 1))
		echo "ok $n - $1"
	else
		fail=$((fail + 1))
		echo "not ok $n - $1"
		[ -n "${3:-}" ] && printf '%s\n' "$3" | sed 's/^/#   /' | head -n 30
	fi
}

run() {	# run CMD...: sets rc, out, err
	"$@" > "$work/out" 2> "$work/err"
	rc=$?
	out=$(cat "$work/out")
	err=$(cat "$work/err")
}

run_until_sigint() {	# run_until_sigint WORD CMD...: run CMD, send it SIGINT once WORD is
	# in its stdout (within 120 s); sets rc; the output stays in $work/out and $work/err
	"${@:2}" > "$work/out" 2> "$work/err" &
	local pid=$! _
	for _ in $(seq 1 1200); do
		grep -q "$1" "$work/out" 2>/dev/null && break
		sleep 0.1
	done
	kill -INT $pid
	for _ in $(seq 1 300); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
	kill -0 $pid 2>/dev/null && kill -KILL $pid
	wait $pid
	rc=$?
}
