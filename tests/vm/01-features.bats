#!/usr/bin/env bats
# Per-feature degradation: every probe and hook registers on its own; one
# that cannot (here made to fail by the test build's fail_feature= knob,
# as a renamed or inlined symbol would) costs that feature, reported in
# dmesg, status, stats and doctor, and never the module.  Only a path that
# sees every conntrack free is required.
load helper
load store_helper

teardown() {
	store_ns_del s1
	vm_teardown
}

@test "features: the module as users load it reports every feature's state" {
	ctdiag_load intercept=both
	run ctdiag status
	assert_success
	assert_line "features: hook=on destroy-probe=on clash-probe=on confirm-probe=off nfq-update-probe=on nfq-verdict-probe=waiting packet-hooks=on confirm-early=off ring=on legacy-detect=on"
	refute_output --partial "unavailable"
	# the verdict probe follows nfnetlink_queue coming and going
	modprobe nfnetlink_queue
	run ctdiag status -o json
	assert_success
	[ "$(jq -r '.features["nfq-verdict-probe"].state' <<<"$output")" = on ]
	rmmod nfnetlink_queue
	run ctdiag status -o json
	[ "$(jq -r '.features["nfq-verdict-probe"].state' <<<"$output")" = waiting ]
}

@test "features: a clash probe that cannot register costs collision records, not the module" {
	ctdiag_load_test intercept=both idle_timeout=0 fail_feature=clash-probe
	run dmesg
	assert_output --partial "ctdiag: feature clash-probe unavailable: register_kretprobe(nf_conntrack:nf_ct_resolve_clash) failed (-2): no records of confirm collisions"
	[ "$(grep -c 'feature .* unavailable' <<<"$output")" -eq 1 ]
	run ctdiag status
	assert_success
	assert_line "features: hook=on destroy-probe=on clash-probe=unavailable confirm-probe=off nfq-update-probe=on nfq-verdict-probe=waiting packet-hooks=on confirm-early=off ring=on legacy-detect=on"
	assert_line "feature clash-probe unavailable: nf_ct_resolve_clash: No such file or directory (errno 2): no records of confirm collisions"
	run ctdiag stats -o json
	assert_success
	[ "$(jq -r '.module.features["clash-probe"].state' <<<"$output")" = unavailable ]
	[ "$(jq -r '.module.features["clash-probe"].errno' <<<"$output")" = 2 ]
	[ "$(jq -r '.module.features["destroy-probe"].state' <<<"$output")" = on ]
	run ctdiag stats -o prometheus
	assert_line 'ctdiag_feature_up{feature="clash-probe"} 0'
	assert_line 'ctdiag_feature_up{feature="destroy-probe"} 1'
	run ctdiag doctor
	assert_line "feature clash-probe unavailable: nf_ct_resolve_clash: No such file or directory (errno 2): no records of confirm collisions"
	# watch says what it cannot show, on stderr, and runs
	run --separate-stderr ctdiag watch --duration 1
	assert_success
	echo "# watch stderr: $stderr" >&3
	[ "$(grep -cxF "ctdiag: note: feature clash-probe is unavailable (nf_ct_resolve_clash: No such file or directory): no records of confirm collisions" <<<"$stderr")" -eq 1 ]
	[ "$(grep -c 'note: feature' <<<"$stderr")" -eq 1 ]
	# the store itself works: records made, and freed when the entries go
	store_ns_add s1
	store_ctgen s1 -n 20 -p 2 -s 20000
	[ "$(counter live)" -eq 20 ]
	ip netns exec s1 conntrack -F 2>/dev/null
	[ "$(counter live)" -eq 0 ]
	assert_counters_add_up
}

@test "features: with intercept=both a hook that cannot be installed leaves the destroy probe freeing everything" {
	ctdiag_load_test intercept=both idle_timeout=0 fail_feature=hook
	run ctdiag status
	assert_line --partial "features: hook=unavailable destroy-probe=on "
	store_ns_add s1
	store_ctgen s1 -n 10 -p 1 -s 21000
	[ "$(counter live)" -eq 10 ]
	ip netns exec s1 conntrack -F 2>/dev/null
	[ "$(counter live)" -eq 0 ]
	[ "$(counter destroy_hook)" -eq 0 ]
}

@test "features: without a path that sees every free the module refuses to load" {
	modprobe nf_conntrack
	run insmod "$CTDIAG_KO_TEST" intercept=both fail_feature=destroy-probe
	assert_failure
	run dmesg -c
	assert_output --partial "ctdiag: feature destroy-probe unavailable: register_ftrace_function(nf_ct_destroy) failed (-2)"
	assert_output --partial "ctdiag: no interception path sees every conntrack free: refusing to load"
	run insmod "$CTDIAG_KO_TEST" intercept=hook fail_feature=hook
	assert_failure
	run dmesg -c
	assert_output --partial "ctdiag: intercept=hook and the hook could not be installed: refusing to load"
	! ctdiag_loaded
	# nothing left behind: the plain module loads afterwards
	ctdiag_load intercept=both
}
