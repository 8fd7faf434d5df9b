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
N_UDP=${DEMO_UDP:-200}
N_TCP=${DEMO_TCP:-100}
PAIRS=${DEMO_PAIRS:-50}
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

heading "5. NFQUEUE: same-tuple UDP held in two queues, verdicts released together"
# The user's queue rules sit in POSTROUTING at filter priority 0; 500
# non-matching rules after them widen the window between reinject and
# confirm (notes section 6, recipe E3).
setup_queue_ns() {
	ip netns del qns 2>/dev/null
	ip netns add qns
	ip -n qns link set lo up
	ip netns exec qns nft -f - <<-'NFT'
	table inet q {
		chain out { type filter hook output priority 0; ct state new counter; }
		chain post {
			type filter hook postrouting priority 0;
			udp dport 9999 udp length < 100 queue num 0
			udp dport 9999 queue num 1
		}
		chain late { type filter hook postrouting priority 10; }
	}
	NFT
	for i in $(seq 500); do echo "add rule inet q late meta mark 0x7e57 counter"; done |
		ip netns exec qns nft -f -
}
q_stat() {	# sum of one conntrack -S field in qns
	ip netns exec qns conntrack -S | tr ' ' '\n' |
		awk -F= -v k="$1" '$1 == k { s += $2 } END { print s + 0 }'
}
queue_run() {	# SPORT: one workload; prints "collisions delivered"
	local c0 f0 nfq
	rm -f /tmp/q.go
	ip netns exec qns ce_udpsend recv -p 9999 -w /tmp/q.go > /tmp/q.recv &
	ip netns exec qns ce_nfq -n "$PAIRS" -t 4000 > /tmp/q.nfq &
	nfq=$!
	for i in $(seq 100); do
		grep -q ready /tmp/q.recv 2>/dev/null && grep -q ready /tmp/q.nfq 2>/dev/null && break
		sleep 0.1
	done
	c0=$(q_stat clash_resolve)
	f0=$(q_stat insert_failed)
	ip netns exec qns ce_udpsend send -p 9999 -s "$1" -n "$PAIRS" > /dev/null
	wait $nfq
	touch /tmp/q.go
	wait
	echo "$(( $(q_stat clash_resolve) - c0 + $(q_stat insert_failed) - f0 )) $(sed -n 's/.*received=\([0-9]*\).*/\1/p' /tmp/q.recv)"
}
modprobe nfnetlink_queue
modprobe nft_queue
load intercept=both
ctdiag watch -e clash,nfq-update > /tmp/qwatch.out 2>/dev/null &
wpid=$!
sleep 0.5
for try in 1 2 3; do	# the race is statistical: a few tries at most
	setup_queue_ns
	read -r without without_rcv <<<"$(queue_run $((20000 + try * 1000)))"
	[ "${without:-0}" -gt 0 ] && break
done
kill -INT $wpid 2>/dev/null
wait $wpid 2>/dev/null
say "without the mitigation: $PAIRS pairs -> $without collisions (conntrack -S), $without_rcv of $((PAIRS * 2)) datagrams delivered"
show grep -m 1 'outcome=merged' /tmp/qwatch.out
show grep -m 1 'outcome=nfq-swap' /tmp/qwatch.out
check "NFQUEUE pairs collide at confirm without the mitigation" test "${without:-0}" -gt 0
rmmod ctdiag

say ""
say "now with confirm_early=udp (the entry is confirmed before it is queued):"
load intercept=both confirm_early=udp
setup_queue_ns
read -r with with_rcv <<<"$(queue_run 30000)"
early=$(ctdiag stats -o json | jq '.module.confirm.early')
say "with confirm_early=udp: $PAIRS pairs -> $with collisions, $with_rcv of $((PAIRS * 2)) datagrams delivered, $early entries confirmed early"
check "confirm_early=udp: zero collisions" test "${with:-1}" = 0
check "confirm_early=udp: every datagram delivered" test "${with_rcv:-0}" = $((PAIRS * 2))
rmmod ctdiag
ip netns del qns

heading "5. A legacy module that frees its data from nf_ct_hook->destroy"
LEGACY_KO=${LEGACY_KO:-/ctdiag/tests/vm/legacymod/legacymod.ko}
legacy_live() { cat /sys/module/legacymod/parameters/live; }
legacy_json() {	# FIELD of the active foreign module in ctdiag status
	ctdiag status -o json | jq -r --arg f "$1" '[.legacy.modules[] | select(.active)][0][$f]'
}
legacy_settle() {	# until the legacy module's live count is $1 (or 10 s)
	local i
	for ((i = 0; i < 50; i++)); do
		[ "$(legacy_live)" = "$1" ] && return 0
		sleep 0.2
	done
}
say "legacymod (a stand-in for a vendor module) keeps one entry per conntrack"
say "in its own table and frees it from its copy of nf_ct_hook->destroy"
insmod "$LEGACY_KO"
load intercept=both
# conntracks of the steps before were never legacymod's: flush them first
# and count from here
flush
conntrack -F >/dev/null 2>&1
sleep 1
base=$(legacy_json bypassed)
show traffic
flush
legacy_settle "$(( $(legacy_json bypassed) - base ))"
bypassed=$(( $(legacy_json bypassed) - base ))
before=$(legacy_live)
say "after the flush legacymod still holds $before entries; ctdiag counted $bypassed destroys that bypassed it"
leaks_out=$(ctdiag leaks --grace 0.5 2>&1)
leaks_rc=$?
show grep '^legacy:' <<<"$leaks_out"
check "leaks names legacymod and exits 3 ($bypassed destroys bypassed it)" \
	test "$leaks_rc" = 3 -a "$(grep -c 'module legacymod (legacymod_destroy)' <<<"$leaks_out")" = 1
check "legacymod's live count ($before) equals the bypassed destroys ($bypassed)" \
	test "$before" = "$bypassed" -a "$before" -gt 0
rmmod ctdiag
rmmod legacymod
insmod "$LEGACY_KO"
load intercept=both
flush
conntrack -F >/dev/null 2>&1
show ctdiag repair on
show traffic
flush
legacy_settle 0
after=$(legacy_live)
repaired=$(legacy_json repaired)
bypassed=$(legacy_json bypassed)
say "with repair on: legacymod holds $after entries; ctdiag repaired $repaired of $bypassed bypassed destroys"
check "repair stops the leak: legacymod holds 0 entries, repaired = bypassed ($repaired)" \
	test "$after" = 0 -a "$repaired" = "$bypassed" -a "$repaired" -gt 0
rmmod ctdiag
rmmod legacymod

heading "Summary"
for r in "${results[@]}"; do say "  $r"; done
if [ "$failed" = 0 ]; then
	say "demo: every step showed what it should"
else
	say "demo: some steps FAILED"
fi
[ "$TAP" = 1 ] && echo "1..$n"
exit $failed
