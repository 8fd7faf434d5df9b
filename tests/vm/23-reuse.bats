#!/usr/bin/env bats
# nf_conn addresses are reused at once (SLAB_TYPESAFE_BY_RCU).  A record
# leaked under intercept=hook is found by the next ct at its address: it
# must be freed as stale_reuse, and the new connection must start from
# zero.
load helper
load store_helper

teardown() {
	store_ns_del s1
	vm_teardown
}

@test "reuse: churn under intercept=hook frees stale records, new flows count only their own packets" {
	ctdiag_load intercept=hook idle_timeout=0
	store_ns_add s1
	store_ctgen_flush s1 -n 500 -p 5 -r 5 -s 10000
	[ "$(counter live)" -eq 500 ]
	# new tuples land on the freed nf_conn objects
	store_ctgen s1 -n 500 -p 4 -r 3 -s 20000
	counters_load
	echo "# hook churn: stale_reuse=$c_freed_stale_reuse of 500 new flows, live=$c_live" >&3
	[ "$c_freed_stale_reuse" -gt 0 ]
	[ "$c_live" -eq $((1000 - c_freed_stale_reuse)) ]
	# every record of a live conntrack has exactly its own counters
	run diff <(ct_ids s1) <(ctdiag-snap 2>/dev/null | grep ' sport=2[0-9][0-9][0-9][0-9] ' | sed -n 's/^id=\([0-9]*\) .*/\1/p' | sort -n)
	assert_success
	[ "$(ctdiag-snap 2>/dev/null | grep ' sport=2[0-9][0-9][0-9][0-9] dst=127.0.0.1 dport=9999 ' | grep -c ' pkts_orig=4 pkts_reply=3 bytes_orig=240 bytes_reply=180 ')" -eq 500 ]
	assert_counters_add_up
}

@test "reuse: the same tuple again on a reused address starts a fresh record" {
	ctdiag_load intercept=hook idle_timeout=0
	store_ns_add s1
	store_ctgen_flush s1 -n 300 -p 4 -r 3 -s 20000
	# identical tuples: if an nf_conn address comes back for the same
	# tuple the id is identical too; the confirmed state tells them apart
	store_ctgen s1 -n 300 -p 2 -r 1 -s 20000
	counters_load
	echo "# same-tuple churn: stale_reuse=$c_freed_stale_reuse live=$c_live" >&3
	[ "$c_freed_stale_reuse" -gt 0 ]
	local ids
	ids=$(ct_ids s1 | tr '\n' ' ')
	[ "$(wc -w <<<"$ids")" -eq 300 ]
	# the records of the live conntracks: exactly the second round's packets
	run bash -c "ctdiag-snap 2>/dev/null | awk -v ids='$ids' 'BEGIN { n = split(ids, a, \" \"); for (i = 1; i <= n; i++) want[\"id=\" a[i]] = 1 } want[\$1]'"
	assert_success
	[ "${#lines[@]}" -eq 300 ]
	[ "$(grep -c ' pkts_orig=2 pkts_reply=1 ' <<<"$output")" -eq 300 ]
}
