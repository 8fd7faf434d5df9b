#!/usr/bin/env bats
# vm: accel=tcg,thread=single
# Namespace deletion, unload with live records, load/unload cycles under
# traffic, and parameter validation.
load helper
load store_helper

teardown() {
	traffic_stop
	wait 2>/dev/null || true
	store_ns_del s1 s2
	vm_teardown
}

@test "lifecycle: deleting a namespace frees exactly its records as netns_exit" {
	ctdiag_load intercept=hook idle_timeout=0
	store_ns_add s1
	store_ns_add s2
	run ip netns exec s1 ctgen udp -n 200 -s 10000
	assert_success
	run ip netns exec s2 ctgen udp -n 100 -s 10000
	assert_success
	[ "$(counter live)" -eq 300 ]
	ip netns del s1
	wait_for 20 bash -c '[ "$(ctdiag-counters | sed -n "s/^freed_netns_exit=//p")" -eq 200 ]'
	counters_load
	echo "# netns delete: freed_netns_exit=$c_freed_netns_exit live=$c_live" >&3
	[ "$c_freed_netns_exit" -eq 200 ]
	[ "$c_live" -eq 100 ]
	run diff <(ct_ids s2) <(snap_ids s2)
	assert_success
	assert_counters_add_up
}

@test "lifecycle: unload with live records frees them all and logs how many" {
	ctdiag_load intercept=both
	store_ns_add s1
	run ip netns exec s1 ctgen udp -n 300 -s 10000
	assert_success
	run ip netns exec s1 ctgen tcp -n 20
	assert_success
	[ "$(counter live)" -eq 320 ]
	run rmmod ctdiag
	assert_success
	run dmesg
	assert_output --partial "unload: freed 320 extension records still in the store (their conntracks were still alive)"
	refute_output --partial "Objects remaining"
	# the conntracks are untouched
	[ "$(ct_count s1)" -eq 320 ]
}

@test "lifecycle: 20 load/unload cycles while traffic runs, clean log each time" {
	store_ns_add s1
	modprobe nf_conntrack
	# it runs through insmod/rmmod too
	traffic_start s1
	local modes=(hook destroy both) i m
	for ((i = 0; i < 20; i++)); do
		m=${modes[i % 3]}
		insmod "$CTDIAG_KO" intercept=$m idle_timeout=$((i % 2))
		sleep 0.3
		run ctdiag-counters
		assert_success
		rmmod ctdiag
		run dmesg -c
		assert_output --partial "ctdiag: loaded: intercept=$m"
		assert_output --partial "ctdiag: unloaded"
		refute_output --regexp "$VM_BAD_RE"
	done
	traffic_stop
	# the traffic really ran through the whole loop
	[ "$(ip netns exec s1 nft list chain inet t o | grep -o 'packets [0-9]*' | cut -d' ' -f2)" -gt 100 ]
	[ ! -e /sys/kernel/slab/ctdiag_ext ]
}

@test "lifecycle: bad parameters fail to load with a clear message" {
	modprobe nf_conntrack
	dmesg -c >/dev/null
	run insmod "$CTDIAG_KO" intercept=foo
	assert_failure
	run dmesg
	assert_output --partial "ctdiag: invalid intercept=foo: use hook, destroy or both"
	run insmod "$CTDIAG_KO" idle_timeout=-5
	assert_failure
	run dmesg
	assert_output --partial "ctdiag: invalid idle_timeout=-5: seconds >= 0 (0 = off)"
	run insmod "$CTDIAG_KO" track=some
	assert_failure
	run dmesg
	assert_output --partial "ctdiag: invalid track=some: use all or api"
	# the fault knobs exist in the test build only: the module users
	# load ignores them as unknown (and so injects nothing)
	run insmod "$CTDIAG_KO" fail_alloc_every=1
	assert_success
	run dmesg
	assert_output --partial "ctdiag: unknown parameter 'fail_alloc_every' ignored"
	[ ! -e /sys/module/ctdiag/parameters/fail_alloc_every ]
	rmmod ctdiag
	run insmod "$CTDIAG_KO_TEST" fail_alloc_every=-1
	assert_failure
	run dmesg
	assert_output --partial "invalid for parameter \`fail_alloc_every'"
	run grep '^ctdiag ' /proc/modules
	assert_failure
	[ ! -e /sys/kernel/slab/ctdiag_ext ]
}
