#!/usr/bin/env bats
# Kernel trace events (kprobe/trace.h): ctdiag:ext_alloc, ext_free,
# ct_destroy and clash, read through tracefs with no reader on the ring.
# They carry the ids conntrack -L -o id prints, never a kernel pointer.
load helper
load store_helper
load ring_helper

TR=/sys/kernel/tracing

teardown() {
	echo 0 > "$TR/events/ctdiag/enable" 2>/dev/null || true
	store_ns_del s1
	ip netns del "$NS" 2>/dev/null || true
	vm_teardown
}

trace_on() {
	echo > "$TR/trace"
	echo 1 > "$TR/events/ctdiag/enable"
}

@test "trace: the four events exist under tracefs while the module is loaded, and go with it" {
	ctdiag_load
	run ls "$TR/events/ctdiag"
	assert_success
	for e in ext_alloc ext_free ct_destroy clash; do
		assert_line "$e"
	done
	run cat "$TR/events/ctdiag/ext_free/format"
	assert_output --partial "field:u32 ct_id;"
	rmmod ctdiag
	[ ! -e "$TR/events/ctdiag" ]
}

@test "trace: ext_alloc, ext_free and ct_destroy name each flow by conntrack's id" {
	ctdiag_load intercept=both idle_timeout=0 ring_kb=0
	store_ns_add s1
	trace_on
	store_ctgen s1 -n 10 -p 1 -s 20000
	ids=$(ct_ids s1)
	[ "$(wc -l <<<"$ids")" -eq 10 ]
	ip netns exec s1 conntrack -F 2>/dev/null
	echo 0 > "$TR/events/ctdiag/enable"
	cat "$TR/trace" > "$BATS_TEST_TMPDIR/trace"
	for id in $ids; do
		[ "$(grep -c " ext_alloc: id=$id netns=[0-9]* how=2 proto=17$" "$BATS_TEST_TMPDIR/trace")" -eq 1 ]
		[ "$(grep -c " ext_free: id=$id netns=[0-9]* path=2 age_ns=[0-9]*$" "$BATS_TEST_TMPDIR/trace")" -eq 1 ]
		[ "$(grep -c " ct_destroy: id=$id path=2 had_ext=1$" "$BATS_TEST_TMPDIR/trace")" -eq 1 ]
	done
	[ "$(grep -c ' ext_alloc: ' "$BATS_TEST_TMPDIR/trace")" -eq 10 ]
	# no kernel address in any event
	run grep -E 'ffff[0-9a-f]{12}' "$BATS_TEST_TMPDIR/trace"
	assert_failure
}

@test "trace: a confirm collision is a ctdiag:clash event with loser and winner ids" {
	ctdiag_load ring_kb=0
	ns_setup "$SNAT_RULES"
	trace_on
	snat_clash_udp
	echo 0 > "$TR/events/ctdiag/enable"
	id=$(ns_ct_ids -p udp)
	[ -n "$id" ]
	run grep ' clash: ' "$TR/trace"
	assert_equal "${#lines[@]}" 1
	# outcome 4 = DROPPED; no NFQUEUE: queue 65535
	assert_output --regexp " clash: loser=[0-9]+ winner=$id netns=$(ns_inode) outcome=4 queue=65535 proto=17$"
	# ring off: the event did not go to the ring
	[ "$(ctdiag-counters | sed -n 's/^ring_written=//p')" -eq 0 ]
}
