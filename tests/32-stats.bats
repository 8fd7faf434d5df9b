#!/usr/bin/env bats
# ctdiag stats without the module (this host cannot load it): the kernel's
# per-CPU conntrack statistics must be conntrack -S's numbers, in plain,
# JSON and Prometheus form.  Counters are moved deterministically inside a
# fresh namespace (unsolicited ICMP echo replies count as `invalid`).
load test_helper

SENDICMP=$CTDIAG_TOP/tests/tools/sendicmp

setup() {
	NS=$(netns_add stats)
	# conntrack only runs in a namespace once a ct rule needs it
	ip netns exec "$NS" nft -f - <<-'EOF'
	table inet t {
		chain out {
			type filter hook output priority 0;
			ct state invalid counter
		}
	}
	EOF
	ip netns exec "$NS" taskset -c 0 "$SENDICMP" -n 3 127.0.0.1
	if [ "$(nproc)" -gt 1 ]; then
		ip netns exec "$NS" taskset -c 1 "$SENDICMP" -n 7 127.0.0.1
	fi
}

teardown() {
	netns_cleanup
}

@test "stats without the module says so and prints conntrack -S's per-CPU lines" {
	run --separate-stderr ip netns exec "$NS" "$CTDIAG" stats
	assert_success
	assert_line --index 0 "module: not loaded (kernel statistics only; insmod ctdiag.ko for the rest)"
	assert_line --index 1 --regexp '^conntrack: entries=0 max=[0-9]+$'
	mine=$(grep '^cpu=' <<<"$output")
	theirs=$(ip netns exec "$NS" conntrack -S | sed 's/ *$//')
	[ -n "$mine" ]
	[ "$mine" = "$theirs" ]
	# the counter really moved: each echo reply is invalid on output and input
	assert_line --regexp $'^cpu=0   \tfound=0 invalid=6 '
	if [ "$(nproc)" -gt 1 ]; then
		assert_line --regexp $'^cpu=1   \tfound=0 invalid=14 '
	fi
}

@test "stats -o json: same numbers as conntrack -S for every CPU and counter" {
	run --separate-stderr ip netns exec "$NS" "$CTDIAG" stats -o json
	assert_success
	[ "${#lines[@]}" -eq 1 ]
	json=$output
	jq -e '.schema == 1 and .module_loaded == false and (has("module") | not) and .conntrack.entries == 0' <<<"$json"
	# conntrack -S as JSON, then compare whole arrays
	theirs=$(ip netns exec "$NS" conntrack -S | awk '{
		printf "{"; for (i = 1; i <= NF; i++) { split($i, kv, "="); printf "%s\"%s\":%s", (i > 1 ? "," : ""), kv[1], kv[2] } print "}" }' | jq -s .)
	run jq -e --argjson t "$theirs" '.conntrack.cpu == $t' <<<"$json"
	assert_success
	jq -e '.conntrack.cpu[0].invalid == 6' <<<"$json"
}

@test "stats -o prometheus: HELP/TYPE lines, ctdiag_ prefix, cpu labels, conntrack -S values" {
	run --separate-stderr ip netns exec "$NS" "$CTDIAG" stats -o prometheus
	assert_success
	assert_line "# TYPE ctdiag_module_loaded gauge"
	assert_line "ctdiag_module_loaded 0"
	assert_line "# TYPE ctdiag_conntrack_invalid_total counter"
	assert_line 'ctdiag_conntrack_invalid_total{cpu="0"} 6'
	assert_line "ctdiag_conntrack_entries 0"
	# every sample line is NAME{labels} VALUE or NAME VALUE, ctdiag_ prefixed
	bad=$(grep -v '^#' <<<"$output" | grep -Ev '^ctdiag_[a-z_]+(\{[a-z]+="[^"]*"\})? [0-9.]+$' || true)
	[ -z "$bad" ]
	# every metric has exactly one HELP and one TYPE, before its samples
	for m in $(grep -v '^#' <<<"$output" | sed 's/[{ ].*//' | sort -u); do
		[ "$(grep -c "^# HELP $m " <<<"$output")" -eq 1 ]
		[ "$(grep -c "^# TYPE $m " <<<"$output")" -eq 1 ]
	done
	# the same values as conntrack -S, per CPU
	while read -r cpu rest; do
		c=${cpu#cpu=}
		for kv in $rest; do
			assert_line "ctdiag_conntrack_${kv%%=*}_total{cpu=\"$c\"} ${kv#*=}"
		done
	done < <(ip netns exec "$NS" conntrack -S)
}

@test "stats usage errors exit 2" {
	run_ctdiag stats -o yaml
	assert_failure 2
	[ "${stderr_lines[0]}" = "ctdiag: error: unknown output format 'yaml'" ]
	run_ctdiag stats extra
	assert_failure 2
	[ "${stderr_lines[0]}" = "ctdiag: error: unexpected argument 'extra'" ]
	run_ctdiag stats --bogus
	assert_failure 2
	[ "${stderr_lines[0]}" = "ctdiag: error: option '--bogus' is unknown or needs an argument" ]
}
