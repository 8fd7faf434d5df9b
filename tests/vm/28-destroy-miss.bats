#!/usr/bin/env bats
# Destroys an interception path saw but could not handle are counted per
# path, and each makes the expiry worker sweep for orphans within seconds
# even with a long (or no) idle_timeout.  The test build's
# miss_destroy_every=N makes the nf_ct_destroy callback ignore every Nth
# destroy as if it had missed it.
load helper
load store_helper

teardown() {
	store_ns_del dm1
	vm_teardown
}

@test "destroy misses: counted per path, orphans swept within seconds (idle_timeout=600)" {
	ctdiag_load_test intercept=destroy idle_timeout=600 miss_destroy_every=3
	store_ns_add dm1
	store_ctgen dm1 -n 300 -s 10000
	store_ctgen dm1 -n 100 -s 20000 -d 9998
	[ "$(counter live)" -eq 400 ]
	# the 300 to port 9999 go; every third destroy is "missed"
	ip netns exec dm1 conntrack -D -p udp --dport 9999 >/dev/null 2>&1
	[ "$(ct_count dm1)" -eq 100 ]
	counters_load
	echo "# after -D: live=$c_live freed_destroy=$c_freed_destroy destroy_missed=$c_destroy_missed nmissed(destroy)=$c_probe_nmissed_destroy" >&3
	[ "$c_destroy_missed" -eq 100 ]
	[ "$c_probe_nmissed_destroy" -eq 100 ]
	[ "$c_probe_nmissed_hook_destroy" -eq 0 ]
	[ "$c_freed_destroy" -eq 200 ]
	# the sweep comes ~2 s after the miss, not after 600 s
	SECONDS=0
	wait_for 15 bash -c '[ "$(ctdiag-counters | sed -n "s/^live=//p")" -eq 100 ]'
	counters_load
	echo "# swept after ${SECONDS}s: live=$c_live freed_expiry_orphan=$c_freed_expiry_orphan freed_expiry_idle=$c_freed_expiry_idle miss_sweeps=$c_miss_sweeps" >&3
	[ "$c_freed_expiry_orphan" -eq 100 ]
	[ "$c_freed_expiry_idle" -eq 0 ]
	[ "$c_miss_sweeps" -ge 1 ]
	# the survivors are exactly the live conntracks
	run diff <(ct_ids dm1) <(snap_ids dm1)
	assert_success
	assert_counters_add_up
}

@test "destroy misses: swept with idle_timeout=0 too; the CLI reports them" {
	ctdiag_load_test intercept=both idle_timeout=0 miss_destroy_every=1
	store_ns_add dm1
	store_ctgen_flush dm1 -n 50 -s 10000
	[ "$(counter destroy_missed)" -eq 50 ]
	[ "$(counter live)" -eq 50 ]
	run ctdiag status
	assert_success
	assert_output --partial "destroys missed: 50"
	run ctdiag leaks
	assert_output --partial "50 destroys missed since load: these records may be orphans"
	run ctdiag stats
	assert_output --regexp 'probe nf_ct_destroy: hits=[0-9]+ nmissed=50 '
	run ctdiag stats -o json
	assert_output --partial '"destroy_missed":50'
	run ctdiag stats -o prometheus
	assert_output --partial 'ctdiag_destroy_missed_total 50'
	wait_for 15 bash -c '[ "$(ctdiag-counters | sed -n "s/^live=//p")" -eq 0 ]'
	[ "$(counter freed_expiry_orphan)" -eq 50 ]
	assert_counters_add_up
}

@test "destroy misses: the module users load has no miss knob (ignored, nothing missed)" {
	ctdiag_load intercept=destroy idle_timeout=0 miss_destroy_every=1
	run dmesg
	assert_output --partial "ctdiag: unknown parameter 'miss_destroy_every' ignored"
	[ ! -e /sys/module/ctdiag/parameters/miss_destroy_every ]
	store_ns_add dm1
	store_ctgen_flush dm1 -n 20 -s 10000
	[ "$(counter destroy_missed)" -eq 0 ]
	[ "$(counter live)" -eq 0 ]
	[ "$(counter freed_destroy)" -eq 20 ]
}
