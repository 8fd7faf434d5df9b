#!/usr/bin/env bats
# The exported extension API (kprobe/ctdiag_ext.h), exercised by a small
# test module (tests/vm/extmod) that hangs typed data off ctdiag's records.
load helper
load store_helper

# built for the guest's kernel by tests/vm/build-modules
EXTMOD=/ctdiag/tests/vm/extmod/ctdiag_extmod.ko
P=/sys/module/ctdiag_extmod/parameters

teardown() {
	grep -q '^ctdiag_extmod ' /proc/modules && rmmod ctdiag_extmod
	store_ns_del s1
	vm_teardown
}

@test "api: typed extension data lives and dies with ctdiag's records" {
	ctdiag_load intercept=both idle_timeout=0
	insmod "$EXTMOD"
	run dmesg
	assert_output --partial "ctdiag: extension type extmod registered"
	store_ns_add s1
	run ip netns exec s1 ctgen udp -n 10 -p 3 -s 20000
	assert_success
	[ "$(cat $P/created)" -eq 10 ]
	# 2 more packets per flow found their data again
	[ "$(cat $P/pkts)" -eq 20 ]
	# the data is attached to ctdiag's records (their size grew)
	run ctdiag-snap
	[ "$(grep -c ' pkts_orig=3 ' <<<"$output")" -eq 10 ]
	local base
	base=$(grep -o ' size=[0-9]*' <<<"$output" | sort -u)
	[ "$(wc -l <<<"$base")" -eq 1 ]
	# records freed by conntrack -F destroy the data (after RCU)
	ip netns exec s1 conntrack -F
	wait_for 10 bash -c "[ \$(cat $P/destroyed) -eq 10 ]"
	[ "$(counter live)" -eq 0 ]
	# unregistering detaches and destroys the data of live records
	run ip netns exec s1 ctgen udp -n 5 -s 21000
	assert_success
	[ "$(cat $P/created)" -eq 15 ]
	rmmod ctdiag_extmod
	run dmesg
	assert_output --partial "ctdiag_extmod: unloaded: created=15 destroyed=15 bad=0"
	# ctdiag's records stay, without the data
	[ "$(counter live)" -eq 5 ]
	run ctdiag-snap
	refute_output --partial "$base "
	assert_counters_add_up
}

@test "api: with track=api only an API user's conntracks get records, and every destroy still frees them" {
	ctdiag_load intercept=both idle_timeout=0 track=api
	run ctdiag status
	assert_success
	assert_line --regexp "^params: intercept=both track=api idle_timeout=0 "
	assert_output --partial " packet-hooks=off"
	run ctdiag status -o json
	assert_output --partial '"track":"api"'
	store_ns_add s1
	# no packet hooks: traffic alone makes no record
	store_ctgen s1 -n 10 -p 3 -s 20000
	[ "$(ip netns exec s1 conntrack -C)" -eq 10 ]
	[ "$(counter allocated)" -eq 0 ]
	# the API user's conntracks get one (how=API), with no packet counts
	insmod "$EXTMOD"
	store_ctgen s1 -n 10 -p 3 -s 21000
	[ "$(cat $P/created)" -eq 10 ]
	[ "$(cat $P/pkts)" -eq 20 ]
	[ "$(counter allocated)" -eq 10 ]
	[ "$(counter live)" -eq 10 ]
	run ctdiag-snap
	[ "$(grep -c ' how=3 .* pkts_orig=0 ' <<<"$output")" -eq 10 ]
	# leaks and watch say why they see API records only
	run ctdiag leaks
	assert_success
	assert_output --partial "ctdiag leaks: note: the module was loaded with track=api: no records are created from packets (API records only)"
	run timeout -s INT 1 ctdiag watch
	assert_output --partial "ctdiag: note: the module was loaded with track=api: no records are created from packets (API records only)"
	# conntrack's own destroys free records and data: nothing leaks
	ip netns exec s1 conntrack -F
	wait_for 10 bash -c "[ \$(cat $P/destroyed) -eq 10 ]"
	[ "$(counter live)" -eq 0 ]
	[ "$(counter freed_destroy)" -eq 10 ]
	assert_counters_add_up
}
