#!/usr/bin/env bats
# make bench keeps working: a BENCH_QUICK run of its host half (tiny
# sizes, seconds) prints its table and writes its JSON.  Numbers are not
# judged: benchmarks are not pass/fail.
# asan: not-applicable

load test_helper

setup() {
	BENCH_OUT=$(mktemp -d)
	export BENCH_OUT
}

teardown() {
	rm -rf "$BENCH_OUT"
}

# The bench deletes the namespace it made (named in its output; other
# runs may have their own at the same time).
assert_netns_gone() {
	local ns
	ns=$(sed -n 's/^--- host .*: namespace \(ctdiag-bench-[0-9]*\)$/\1/p' <<<"$output")
	[ -n "$ns" ]
	! ip netns list | grep -q "^$ns\b"
}

@test "bench smoke: quick host run prints the table with every host row and writes JSON" {
	run --separate-stderr env BENCH_QUICK=1 BENCH_VM=0 BENCH_RUNS=3 "$CTDIAG_TOP/tests/bench/run"
	[ "$status" -eq 0 ] || { echo "$output"; echo "$stderr"; false; }
	assert_output --partial "=== ctdiag bench"
	assert_netns_gone
	assert_output --partial "QUICK sizes"
	assert_output --regexp "measurement +median +min - max +n +ratio +target"
	# the floor and conntrack -L always exist: real numbers, 3 runs each
	assert_output --regexp "raw libmnl dump \(floor\) +[0-9.]+ s +[0-9.]+ s - [0-9.]+ s +3 +1\.000x"
	assert_output --regexp "conntrack -L +[0-9.]+ s .* 3 +[0-9.]+x"
	assert_output --regexp "conntrack -L -m 7 +[0-9.]+ s"
	# every ctdiag row is there, measured or saying why not
	assert_output --regexp "ctdiag ls +([0-9.]+ s|n/a)"
	assert_output --regexp "ctdiag ls -p udp --dport 53 +([0-9.]+ s|n/a)"
	assert_output --regexp "ctdiag ls -m 7 +([0-9.]+ s|n/a)"
	assert_output --regexp "wall time +([0-9.]+ s|n/a)"
	# the filler made the table it was asked for
	assert_output --partial "BENCHINFO entries 2000"
	refute_output --partial "BENCHINFO warn"
	# JSON: parses, and holds the floor's 3 values
	json=$BENCH_OUT/latest.json
	[ -f "$json" ]
	run jq -e '.quick == 1 and .sizes.entries == 2000 and
		(.rows[] | select(.key == "host_list.raw") | .n == 3 and (.values | length) == 3 and .ratio == 1)' "$json"
	[ "$status" -eq 0 ]
}

@test "bench smoke: every value in the quick run's JSON is a number" {
	run env BENCH_QUICK=1 BENCH_VM=0 BENCH_RUNS=2 BENCH_OUT="$BENCH_OUT" "$CTDIAG_TOP/tests/bench/run"
	[ "$status" -eq 0 ]
	run jq -e '[.rows[] | .median, .min, .max, (.values[])] | all(type == "number")' "$BENCH_OUT/latest.json"
	[ "$status" -eq 0 ]
	# leaks ran (it exists on main): its peak RSS is a plausible size
	run jq -e '.rows[] | select(.key == "leaks_rss") | .median > 0.5' "$BENCH_OUT/latest.json"
	[ "$status" -eq 0 ]
}
