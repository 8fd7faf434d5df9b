#!/usr/bin/env bats
# Unload safety (issue 16 item 8): ctdiag refuses to go while another
# module's swap of nf_ct_hook still leads into it; what rmmod does to
# packets held in NFQUEUE.
load helper
load store_helper

HOOKSWAP=/ctdiag/tests/vm/hookswap/ctdiag_hookswap.ko
T=${BATS_TEST_TMPDIR:-/tmp}

teardown() {
	[ -z "${nfq_pid:-}" ] || kill "$nfq_pid" 2>/dev/null || true
	wait 2>/dev/null || true
	if grep -q '^ctdiag_hookswap ' /proc/modules; then
		rmmod ctdiag_hookswap
		# ctdiag drops its self-reference within a second
		wait_for 10 bash -c '! grep -q "^ctdiag " /proc/modules || rmmod ctdiag'
	fi
	store_ns_del u29
	vm_teardown
}

@test "unload: another module swapped nf_ct_hook after ctdiag: rmmod ctdiag is refused (dmesg, status) until it restores it" {
	ctdiag_load intercept=both idle_timeout=0
	insmod "$HOOKSWAP"
	wait_for 10 bash -c 'dmesg | grep -q "ctdiag: nf_ct_hook was replaced after ctdiag"'
	run rmmod ctdiag
	assert_failure
	ctdiag_loaded
	run ctdiag status
	assert_output --partial "unload: refused: another module replaced nf_ct_hook after ctdiag"
	run ctdiag status -o json
	assert_output --partial '"unload_refused":true'
	# destroys through the chain: the other module's wrapper, then ours
	store_ns_add u29
	ip netns exec u29 nft add rule inet t o udp dport 7777 drop
	run ip netns exec u29 ctgen udp -e -n 3 -s 29000 -d 7777
	assert_success
	[ "$(cat /sys/module/ctdiag_hookswap/parameters/calls)" -ge 3 ]
	# the other module restores ctdiag's copy: unloading is allowed again
	rmmod ctdiag_hookswap
	wait_for 10 bash -c 'dmesg | grep -q "ctdiag: nf_ct_hook is ctdiag.s again: unloading allowed"'
	run ctdiag status
	refute_output --partial "unload: refused"
	rmmod ctdiag
	run dmesg
	refute_output --partial "nf_ct_hook is now"
}

@test "unload: rmmod drops packets held in NFQUEUE in every namespace (as the man pages say), with or without confirm_early" {
	ctdiag_load intercept=both idle_timeout=0
	store_ns_add u29
	ip netns exec u29 nft add chain inet t q '{ type filter hook output priority 10; }'
	ip netns exec u29 nft add rule inet t q udp dport 9999 queue num 0
	rm -f "$T/nfqready"
	# holds the first packet, waits (in vain) for a second one
	ip netns exec u29 nfq serial -q 0 -c 2 -r "$T/nfqready" -t 60000 >"$T/nfq.out" 2>&1 &
	nfq_pid=$!
	wait_for 10 test -e "$T/nfqready"
	ip netns exec u29 ctsend udp 127.0.0.1:1000 127.0.0.1:9999 >/dev/null
	# column 3: packets waiting for a verdict
	wait_for 10 bash -c "ip netns exec u29 awk '\$1 == 0 { print \$3 }' /proc/net/netfilter/nfnetlink_queue | grep -qx 1"
	rmmod ctdiag
	run ip netns exec u29 awk '$1 == 0 { print $3 }' /proc/net/netfilter/nfnetlink_queue
	assert_output 0
	# (tests/39-docs-consistency.bats checks that the man pages say so)
}
