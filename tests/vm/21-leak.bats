#!/usr/bin/env bats
# The seed's leak on a real 6.1 kernel: intercept=hook misses the destroys
# that go nf_ct_put() -> nf_ct_destroy() directly (6ae7989c9af0);
# intercept=destroy and both free every record, and the counters add up.
load helper
load store_helper

N=1000

teardown() {
	store_ns_del s1
	vm_teardown
}

@test "leak: intercept=hook keeps $N records after conntrack -F empties the table" {
	ctdiag_load intercept=hook idle_timeout=0
	store_ns_add s1
	run ip netns exec s1 ctgen udp -n $N -s 10000
	assert_success
	[ "$(ct_count s1)" -eq $N ]
	[ "$(counter live)" -eq $N ]
	run ip netns exec s1 conntrack -F
	assert_success
	[ "$(ct_count s1)" -eq 0 ]
	counters_load
	echo "# hook mode: $N conns, after -F live=$c_live, conntrack -C=$(ct_count s1); hook path saw $c_destroy_hook of $N destroys" >&3
	[ "$c_live" -eq $N ]
	[ "$c_destroy_hook" -eq 0 ]
	[ "$c_freed_total" -eq 0 ]
	# the leaked records still name the flushed entries
	[ "$(ctdiag-snap 2>/dev/null | grep -c ' sport=1[0-9][0-9][0-9][0-9] dst=127.0.0.1 dport=9999 ')" -eq $N ]
	rmmod ctdiag
	run dmesg
	assert_output --partial "unload: freed $N extension records still in the store (their conntracks are alive, or they leaked"
}

@test "leak: the hook path sees dropped-packet destroys but not timeouts" {
	ctdiag_load intercept=both idle_timeout=0
	store_ns_add s1
	ip netns exec s1 sysctl -qw net.netfilter.nf_conntrack_udp_timeout=1
	ip netns exec s1 nft add rule inet t o udp dport 7777 drop
	run ip netns exec s1 ctgen udp -n 300 -s 11000
	assert_success
	# new ct, our record at LOCAL_OUT, then the packet is dropped: the
	# skb's put is the last one and goes through nf_ct_hook->destroy
	run ip netns exec s1 ctgen udp -e -n 50 -s 12000 -d 7777
	assert_success
	sleep 2
	# dumping reaps expired entries (nf_ct_kill + nf_ct_put: direct)
	wait_for 30 bash -c '[ "$(ip netns exec s1 conntrack -L 2>/dev/null | wc -l)" -eq 0 ] && [ "$(ip netns exec s1 conntrack -C)" -eq 0 ]'
	counters_load
	echo "# both mode: 300 timed-out + 50 dropped; hook path saw $c_destroy_hook of $c_destroy_probe destroys; freed_hook=$c_freed_hook freed_destroy=$c_freed_destroy live=$c_live" >&3
	[ "$c_destroy_probe" -eq 350 ]
	[ "$c_destroy_hook" -eq 50 ]
	[ "$c_freed_hook" -eq 50 ]
	[ "$c_freed_destroy" -eq 300 ]
	[ "$c_live" -eq 0 ]
	assert_counters_add_up
}

@test "leak: intercept=hook leaks every record of connections that time out" {
	ctdiag_load intercept=hook idle_timeout=0
	store_ns_add s1
	ip netns exec s1 sysctl -qw net.netfilter.nf_conntrack_udp_timeout=1
	run ip netns exec s1 ctgen udp -n 200 -s 13000
	assert_success
	sleep 2
	wait_for 30 bash -c '[ "$(ip netns exec s1 conntrack -L 2>/dev/null | wc -l)" -eq 0 ] && [ "$(ip netns exec s1 conntrack -C)" -eq 0 ]'
	counters_load
	echo "# hook mode, 200 UDP timeouts: hook path saw $c_destroy_hook, live=$c_live" >&3
	[ "$c_destroy_hook" -eq 0 ]
	[ "$c_live" -eq 200 ]
}

@test "leak: intercept=destroy frees all $N records on conntrack -F, counters add up" {
	ctdiag_load intercept=destroy idle_timeout=0
	store_ns_add s1
	run ip netns exec s1 ctgen udp -n $N -s 10000
	assert_success
	run ip netns exec s1 ctgen tcp -n 100 -d 8888
	assert_success
	[ "$(counter live)" -eq $((N + 100)) ]
	ip netns exec s1 conntrack -F
	[ "$(ct_count s1)" -eq 0 ]
	counters_load
	echo "# destroy mode: $((N + 100)) conns, after -F live=$c_live freed_destroy=$c_freed_destroy destroy_probe=$c_destroy_probe nmissed=$c_probe_nmissed_destroy" >&3
	[ "$c_live" -eq 0 ]
	[ "$c_freed_destroy" -eq $((N + 100)) ]
	[ "$c_destroy_hook" -eq 0 ]
	[ "$c_probe_nmissed_destroy" -eq 0 ]
	assert_counters_add_up
}

@test "leak: intercept=both frees each record exactly once on conntrack -F, counters add up" {
	ctdiag_load intercept=both idle_timeout=0
	store_ns_add s1
	ip netns exec s1 nft add rule inet t o udp dport 7777 drop
	run ip netns exec s1 ctgen udp -n $N -s 10000
	assert_success
	run ip netns exec s1 ctgen udp -e -n 100 -s 30000 -d 7777
	assert_success
	ip netns exec s1 conntrack -F
	[ "$(ct_count s1)" -eq 0 ]
	counters_load
	echo "# both mode: $N conns + 100 dropped, after -F live=$c_live freed_hook=$c_freed_hook freed_destroy=$c_freed_destroy" >&3
	[ "$c_live" -eq 0 ]
	[ "$c_allocated" -eq $((N + 100)) ]
	[ "$c_freed_hook" -eq 100 ]
	[ "$c_freed_destroy" -eq $N ]
	[ "$c_freed_total" -eq $((N + 100)) ]
	assert_counters_add_up
}
