#!/usr/bin/env bats
# Network namespace exit (issue 16 item 5): one store scan and one grace
# period per cleanup_net() batch, every record of a dead namespace freed
# as netns-exit, and no record created for a namespace on its way out.
load helper
load store_helper

EXTMOD=/ctdiag/tests/vm/extmod/ctdiag_extmod.ko
P=/sys/module/ctdiag_extmod/parameters
N=40

teardown() {
	grep -q '^ctdiag_extmod ' /proc/modules && rmmod ctdiag_extmod
	local i
	for i in $(seq $N); do ip netns del "ne$i" 2>/dev/null || true; done
	vm_teardown
}

@test "netns-exit: $N namespaces with records deleted at once: every record freed as netns-exit, fewer store scans than namespaces" {
	ctdiag_load intercept=both idle_timeout=0
	local i t0 t1
	for i in $(seq $N); do
		store_ns_add "ne$i"
		ip netns exec "ne$i" ctgen udp -n 3 -s 28000 >/dev/null
	done
	[ "$(counter live)" -eq $((N * 3)) ]
	# bash's microsecond clock (the guest's date has no %N)
	t0=${EPOCHREALTIME/./}
	ip -all netns delete
	wait_for 120 bash -c '[ "$(ctdiag-counters | sed -n "s/^live=//p")" -eq 0 ]'
	t1=${EPOCHREALTIME/./}
	counters_load
	echo "# $N namespaces: all records freed in $(( (t1 - t0) / 1000 )) ms" >&3
	run ctdiag status
	local store
	store=$(grep '^store:' <<<"$output")
	echo "# $store" >&3
	[ "$c_freed_netns_exit" -eq $((N * 3)) ]
	[[ "$store" =~ netns_exit_batches=([0-9]+)\ netns_exit_nets=([0-9]+) ]]
	[ "${BASH_REMATCH[2]}" -eq $N ]
	[ "${BASH_REMATCH[1]}" -lt $N ]
	assert_counters_add_up
}

@test "netns-exit: an API user attaching data to a conntrack of a dying namespace gets none: no record outlives its namespace" {
	# intercept=hook misses the held conntrack's final nf_ct_put(), so a
	# record created after the netns drain would stay, pointing to a
	# freed struct net, until expiry read it
	ctdiag_load intercept=hook idle_timeout=2
	insmod "$EXTMOD" hold=1
	store_ns_add ne1
	ip netns exec ne1 ctgen udp -n 2 -s 28100 >/dev/null
	[ "$(cat $P/created)" -eq 2 ]
	ip netns del ne1
	# the held conntrack goes 1 s after the namespace started dying
	wait_for 60 bash -c '[ "$(ctdiag-counters | sed -n "s/^live=//p")" -eq 0 ]' || true
	sleep 5
	counters_load
	echo "# late=$(cat $P/late) live=$c_live netns_exit=$c_freed_netns_exit orphan=$c_freed_expiry_orphan idle=$c_freed_expiry_idle" >&3
	[ "$(cat $P/late)" -eq 0 ]
	[ "$c_live" -eq 0 ]
	[ "$c_freed_netns_exit" -eq 2 ]
	[ "$((c_freed_expiry_orphan + c_freed_expiry_idle))" -eq 0 ]
	assert_counters_add_up
}
