#!/bin/bash
# The ctdiag demo, run inside the Debian 6.1 guest by tests/vm/demo
# (make demo).  Narrates each step in a few plain lines; with DEMO_TAP=1
# the narration becomes TAP comments and every check a TAP line, so
# `make check` runs the demo as a test.  Exits 0 only if every step showed
# what it should.
set -u
export PATH=/usr/bin:/bin:/usr/sbin:/sbin
TAP=${DEMO_TAP:-0}
KO=${CTDIAG_KO:-/ctdiag/ctdiag.ko}
N_UDP=${DEMO_UDP:-300}
N_TCP=${DEMO_TCP:-200}
n=0 failed=0
results=()

say() {
	if [ "$TAP" = 1 ]; then sed 's/^/# /' <<<"$*"; else printf '%s\n' "$*"; fi
}
show() {	# run a command, indent its output as narration
	local out rc
	out=$("$@" 2>&1)
	rc=$?
	if [ "$TAP" = 1 ]; then sed 's/^/#     /' <<<"$out"; else sed 's/^/    /' <<<"$out"; fi
	return $rc
}
check() {	# check "what" COMMAND...
	local what=$1
	shift
	n=$((n + 1))
	if "$@" >/dev/null 2>&1; then
		results+=("PASS  $what")
		[ "$TAP" = 1 ] && echo "ok $n demo: $what"
	else
		results+=("FAIL  $what")
		failed=1
		if [ "$TAP" = 1 ]; then echo "not ok $n demo: $what"; else echo "  !! FAILED: $what"; fi
	fi
}
heading() {
	say ""
	say "== $* =="
}

setup_namespaces() {
	ip netns add demo-a
	ip netns add demo-b
	ip link add va netns demo-a type veth peer name vb netns demo-b
	ip -n demo-a addr add 10.77.0.1/24 dev va
	ip -n demo-b addr add 10.77.0.2/24 dev vb
	for ns in demo-a demo-b; do
		ip -n $ns link set lo up
		ip netns exec $ns nft -f - <<-'NFT'
		table inet demo {
			chain out { type filter hook output priority 0; ct state new counter; }
			chain pre { type filter hook prerouting priority 0; ct state new counter; }
		}
		NFT
	done
	ip -n demo-a link set va up
	ip -n demo-b link set vb up
}
traffic() {
	ip netns exec demo-a vethgen -S /run/netns/demo-b -a 10.77.0.2 -u "$N_UDP" -t "$N_TCP"
}
flush() {
	ip netns exec demo-a conntrack -F 2>/dev/null
	ip netns exec demo-b conntrack -F 2>/dev/null
}
ct_total() {
	echo $(( $(ip netns exec demo-a conntrack -C) + $(ip netns exec demo-b conntrack -C) ))
}
load() {
	modprobe nf_conntrack && insmod "$KO" "$@"
}

modprobe nf_conntrack
setup_namespaces
say "ctdiag demo on $(uname -r), $(nproc) vCPUs (qemu TCG)"

heading "1. ctdiag doctor: would a hook-only extension leak on this kernel?"
doctor_out=$(ctdiag doctor 2>&1)
show grep -E '^ *(direct callers|hook-only|recommended)' <<<"$doctor_out"
check "doctor says hook-only interception leaks on this kernel" \
	grep -q 'hook-only interception leaks on this kernel' <<<"$doctor_out"

heading "2. The legacy way: intercept=hook (free from nf_ct_hook->destroy)"
load intercept=hook idle_timeout=0
say "traffic: $N_UDP UDP flows + $N_TCP TCP connections across a veth pair"
show traffic
entries=$(ct_total)
say "conntrack entries now: $entries; flushing the table (conntrack -F)"
flush
say "conntrack entries after the flush: $(ct_total)"
leaks_out=$(ctdiag leaks --grace 0.5 2>&1)
leaks_rc=$?
show head -2 <<<"$leaks_out"
say "    ..."
show tail -3 <<<"$leaks_out"
check "leaks exits 3 (leaks found) with intercept=hook" test "$leaks_rc" = 3
leaked=$(ctdiag leaks --grace 0 -o json 2>/dev/null | jq -s 'map(select(.type == "summary"))[0].leaked')
check "leaks found exactly the $entries flushed entries (found $leaked)" \
	test "${leaked:-0}" = "$entries"
rmmod ctdiag

heading "3. The correct way: intercept=both idle_timeout=30"
load intercept=both idle_timeout=30
show traffic
flush
leaks_out=$(ctdiag leaks --grace 0.5 2>&1)
leaks_rc=$?
show tail -2 <<<"$leaks_out"
check "leaks finds none and exits 0 with intercept=both" test "$leaks_rc" = 0
say "ctdiag stats: every record freed, by the nf_ct_destroy probe"
show grep -E '^(records|freed|destroy_seen):' <<<"$(ctdiag stats)"
rmmod ctdiag

heading "4. Confirm collisions, live: the parallel same-socket UDP race (DNS A+AAAA)"
ct_clash() {	# sum of clash_resolve over CPUs in demo-a
	ip netns exec demo-a conntrack -S 2>/dev/null |
		sed -n 's/.*clash_resolve=\([0-9]*\).*/\1/p' | awk '{s += $1} END {print s + 0}'
}
load intercept=both
ctdiag watch -e clash > /tmp/watch.out 2>/tmp/watch.err &
wpid=$!
sleep 1
before=$(ct_clash)
ip netns exec demo-a udp_race -n 1000 >/dev/null 2>&1
after=$(ct_clash)
sleep 1
kill -INT $wpid 2>/dev/null
wait $wpid
say "ctdiag watch -e clash (first lines):"
show head -4 /tmp/watch.out
watched=$(grep -c clash /tmp/watch.out)
module=$(ctdiag stats -o json | jq '[.module.clash[]] | add')
say "collisions: watch printed $watched, module counted $module, kernel clash_resolve +$((after - before))"
check "watch showed confirm collisions, live" test "$watched" -gt 0
check "module's collision count equals the kernel's clash_resolve delta" \
	test "$module" = "$((after - before))"
check "watch printed every collision the module counted" test "$watched" = "$module"
rmmod ctdiag

heading "Summary"
for r in "${results[@]}"; do say "  $r"; done
if [ "$failed" = 0 ]; then
	say "demo: every step showed what it should"
else
	say "demo: some steps FAILED"
fi
[ "$TAP" = 1 ] && echo "1..$n"
exit $failed
