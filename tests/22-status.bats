#!/usr/bin/env bats
# ctdiag status on the host (the module cannot be loaded here; the VM
# tests cover the loaded case, tests/vm/50-leaks.bats).
load test_helper

@test "status: versions, module absent, table count and max of this namespace" {
	local ns
	ns=ctdiag-st-$$
	ip netns add "$ns"
	ip netns exec "$ns" conntrack -I -p udp -s 10.9.0.1 -d 10.9.0.2 --sport 1 --dport 2 -t 100 2>/dev/null
	ip netns exec "$ns" conntrack -I -p udp -s 10.9.0.1 -d 10.9.0.2 --sport 3 --dport 2 -t 100 2>/dev/null
	run --separate-stderr ip netns exec "$ns" "$CTDIAG" status
	ip netns del "$ns"
	assert_success
	assert_line --index 0 --regexp '^ctdiag [0-9]+\.[0-9]+\.[0-9]+ \(ABI 1\)$'
	assert_line --index 1 "module: not loaded (insmod ctdiag.ko)"
	assert_line --index 2 --regexp "^conntrack: count=2 max=$(cat /proc/sys/net/netfilter/nf_conntrack_max)$"
	[ "${#lines[@]}" -eq 3 ]
	[ -z "$stderr" ]
}

@test "status -o json: one object with schema, versions, module_loaded and the table" {
	run_ctdiag status -o json
	assert_success
	[ "${#lines[@]}" -eq 1 ]
	run jq -e '.schema == 1 and .cli_abi == 1 and (.cli_version | test("^[0-9]+\\.")) and
		.module_loaded == false and (has("params") | not) and
		(.conntrack.count >= 0) and .conntrack.max == '"$(cat /proc/sys/net/netfilter/nf_conntrack_max)" <<<"$output"
	assert_success
}

@test "status --help names what it shows; bad arguments exit 2" {
	run_ctdiag status --help
	assert_success
	assert_output --partial "ring statistics"
	run_ctdiag status extra
	assert_failure 2
	[ "${stderr_lines[0]}" = "ctdiag: error: unexpected argument 'extra'" ]
}
