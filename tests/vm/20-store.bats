#!/usr/bin/env bats
# Extension store: records per conntrack, ids as conntrack -L -o id prints
# them, per-direction counters, IPv6, allocation failures, snapshot.
load helper
load store_helper

teardown() {
	store_ns_del s1
	vm_teardown
}

@test "store: one record per UDP and TCP conntrack, ids equal conntrack -L -o id" {
	ctdiag_load intercept=both
	store_ns_add s1
	store_ctgen s1 -n 20 -p 3 -r 2 -s 20000
	run ip netns exec s1 ctgen tcp -n 5 -d 8888
	assert_success
	[ "$(ct_count s1)" -eq 25 ]
	run diff <(ct_ids s1) <(snap_ids s1)
	assert_success
	[ "$(snap_ids s1 | wc -l)" -eq 25 ]
	assert_counters_add_up
	[ "$c_live" -eq 25 ]
	[ "$c_allocated" -eq 25 ]
}

@test "store: per-direction packet and byte counters count each packet once" {
	ctdiag_load intercept=both
	store_ns_add s1
	store_ctgen s1 -n 10 -p 3 -r 2 -s 21000 -l 32
	run ctdiag-snap
	assert_success
	# 32 bytes payload + 8 UDP + 20 IPv4 = 60 per datagram
	[ "$(grep -c 'proto=17 .* pkts_orig=3 pkts_reply=2 bytes_orig=180 bytes_reply=120 ' <<<"$output")" -eq 10 ]
	# allocated at LOCAL_OUT (loopback: PRE_ROUTING sees the same ct)
	[ "$(grep -c ' how=2 ' <<<"$output")" -eq 10 ]
}

@test "store: IPv6 flows get records with their tuples" {
	ctdiag_load intercept=both
	store_ns_add s1
	store_ctgen s1 -6 -n 7 -p 2 -s 22000 -l 10
	run ctdiag-snap
	assert_success
	# 10 + 8 UDP + 40 IPv6 = 58
	[ "$(grep -c 'src=::1 sport=220[0-9][0-9] dst=::1 dport=9999 .* pkts_orig=2 pkts_reply=0 bytes_orig=116 ' <<<"$output")" -eq 7 ]
	run diff <(ct_ids s1) <(snap_ids s1)
	assert_success
}

@test "store: injected allocation failures are counted and traffic still flows" {
	ctdiag_load_test intercept=both fail_alloc_every=2
	store_ns_add s1
	# one packet per flow: 10 allocation attempts, every 2nd fails
	store_ctgen s1 -n 10 -p 1 -s 23000
	assert_output "udp flows=10 pkts=10 replies=0"
	counters_load
	[ "$c_alloc_failed" -eq 5 ]
	[ "$c_allocated" -eq 5 ]
	[ "$c_live" -eq 5 ]
	[ "$(ct_count s1)" -eq 10 ]
}

@test "store: snapshot with a small buffer reports the total" {
	ctdiag_load intercept=both
	store_ns_add s1
	store_ctgen s1 -n 30 -s 24000
	run --separate-stderr ctdiag-snap 7
	assert_success
	[ "$stderr" = "total=30 count=7" ]
	[ "${#lines[@]}" -eq 7 ]
	run --separate-stderr ctdiag-snap 0
	assert_success
	[ "$stderr" = "total=30 count=0" ]
	# ctdiag-snap without NR retries with a larger buffer
	run --separate-stderr ctdiag-snap
	assert_success
	[ "$stderr" = "total=30 count=30" ]
	[ "${#lines[@]}" -eq 30 ]
}

@test "store: kmem_cache ctdiag_ext exists while loaded and is gone after unload" {
	ctdiag_load intercept=both
	store_ns_add s1
	store_ctgen s1 -n 5 -s 25000
	grep -q '^ctdiag_ext ' /proc/slabinfo || [ -d /sys/kernel/slab/ctdiag_ext ]
	rmmod ctdiag
	run dmesg
	assert_output --partial "unload: freed 5 extension records still in the store"
	run grep '^ctdiag_ext ' /proc/slabinfo
	assert_failure
	[ ! -e /sys/kernel/slab/ctdiag_ext ]
}
