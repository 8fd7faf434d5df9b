#!/usr/bin/env bats
# Handler cost is measured (sampled: one hit in 64 per probe and CPU) and
# shown per probe by ctdiag stats, plain and JSON.
load helper
load store_helper

teardown() {
	store_ns_del pc1
	vm_teardown
}

@test "probe cost: nf_ct_destroy, hook and packet-hook handlers report ns > 0" {
	ctdiag_load intercept=both idle_timeout=0
	store_ns_add pc1
	ip netns exec pc1 nft add rule inet t o udp dport 7777 drop
	run ip netns exec pc1 ctgen udp -n 1000 -s 10000
	assert_success
	run ip netns exec pc1 ctgen udp -e -n 400 -s 30000 -d 7777
	assert_success
	ip netns exec pc1 conntrack -F
	counters_load
	echo "# hits/ns: destroy $c_probe_hits_destroy/$c_probe_ns_destroy hook $c_probe_hits_hook_destroy/$c_probe_ns_hook_destroy pkt $c_probe_hits_pkt_hook/$c_probe_ns_pkt_hook" >&3
	[ "$c_probe_hits_destroy" -eq 1400 ]
	[ "$c_probe_hits_hook_destroy" -eq 400 ]
	[ "$c_probe_ns_destroy" -gt 0 ]
	[ "$c_probe_ns_hook_destroy" -gt 0 ]
	[ "$c_probe_ns_pkt_hook" -gt 0 ]
	# scaled samples: a multiple of 64
	[ $((c_probe_ns_destroy % 64)) -eq 0 ]
	run ctdiag stats
	assert_success
	assert_output --regexp 'probe nf_ct_destroy: hits=1400 nmissed=0 ns=[1-9][0-9]*'
	assert_output --regexp 'probe nf_ct_hook_destroy: hits=400 nmissed=0 ns=[1-9][0-9]*'
	assert_output --regexp 'probe packet_hooks: hits=[0-9]+ nmissed=0 ns=[1-9][0-9]*'
	run ctdiag stats -o json
	assert_success
	assert_output --regexp '"nf_ct_destroy":\{"hits":1400,"nmissed":0,"ns":[1-9][0-9]*\}'
}
