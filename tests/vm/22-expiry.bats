#!/usr/bin/env bats
# Idle expiry: the safety net under intercept=hook.  Leaked records are
# freed as orphans, idle records of live conntracks as idle, busy ones
# never.
load helper
load store_helper

teardown() {
	[ -z "${busy_pid:-}" ] || kill "$busy_pid" 2>/dev/null || true
	wait 2>/dev/null || true
	store_ns_del s1
	vm_teardown
}

@test "expiry: idle_timeout=2 frees leaked records as orphans, idle ones as idle, never busy ones" {
	ctdiag_load intercept=hook idle_timeout=2
	store_ns_add s1
	# 100 leaked records: conntrack -F bypasses nf_ct_hook
	store_ctgen_flush s1 -n 100 -s 41000
	[ "$(counter allocated)" -eq 100 ]
	# 5 live but idle conntracks (UDP timeout 600 s here)
	store_ctgen s1 -n 5 -s 40000
	# one busy flow: a datagram every 400 ms until killed
	ip netns exec s1 ctgen udp -n 1 -p 1000 -i 400 -s 42000 -d 9998 >/dev/null &
	busy_pid=$!
	sleep 1
	wait_for 15 bash -c '[ "$(ctdiag-counters | sed -n "s/^live=//p")" -eq 1 ]' || true
	counters_load
	echo "# hook idle_timeout=2: orphan=$c_freed_expiry_orphan idle=$c_freed_expiry_idle stale_reuse=$c_freed_stale_reuse live=$c_live expiry_runs=$c_expiry_runs" >&3
	# every leaked record is caught: by expiry as an orphan, or earlier
	# when one of the 6 new conntracks reused its nf_conn address
	[ "$c_freed_expiry_orphan" -gt 90 ]
	[ "$((c_freed_expiry_orphan + c_freed_stale_reuse))" -eq 100 ]
	[ "$c_freed_expiry_idle" -eq 5 ]
	[ "$c_live" -eq 1 ]
	# the busy flow's record survived every run and counts its packets
	run ctdiag-snap
	assert_output --regexp 'sport=42000 dst=127.0.0.1 dport=9998 .* pkts_orig=([5-9]|[1-9][0-9]+) '
	# its conntrack and the idle ones still exist
	[ "$(ct_count s1)" -eq 6 ]
	kill -0 "$busy_pid"
	assert_counters_add_up
}

@test "expiry: idle_timeout=0 never expires anything" {
	ctdiag_load intercept=hook idle_timeout=0
	store_ns_add s1
	store_ctgen_flush s1 -n 20 -s 43000
	sleep 4
	counters_load
	[ "$c_live" -eq 20 ]
	[ "$c_expiry_runs" -eq 0 ]
	[ "$((c_freed_expiry_orphan + c_freed_expiry_idle))" -eq 0 ]
}

@test "expiry: intercept=both with idle_timeout=2 expires idle records of live conntracks as idle only" {
	ctdiag_load intercept=both idle_timeout=2
	store_ns_add s1
	store_ctgen s1 -n 30 -s 44000
	wait_for 8 bash -c '[ "$(ctdiag-counters | sed -n "s/^live=//p")" -eq 0 ]'
	counters_load
	[ "$c_freed_expiry_idle" -eq 30 ]
	[ "$c_freed_expiry_orphan" -eq 0 ]
	[ "$(ct_count s1)" -eq 30 ]
	# a new packet on such a connection starts a new record
	store_ctgen s1 -n 1 -s 44000
	[ "$(counter live)" -eq 1 ]
}
