#!/usr/bin/env bats
# Offline ctdiag leaks on fixtures generated at test time by
# tests/tools/mkleakfix (recordings written with lib/recfile's writer).
load test_helper

MKLEAKFIX=$CTDIAG_TOP/tests/tools/mkleakfix

setup() {
	FX=$(mktemp -d)
}

teardown() {
	rm -rf "$FX"
}

# "NETNS ID" of every leak line of plain output, sorted.
leaked_ids() {
	sed -n 's/^leak id=\([0-9]*\) netns=\([0-9]*\).*/\2 \1/p' | sort
}

@test "leaks --records: finds exactly the leaked records (the recording's own table), exit 3" {
	"$MKLEAKFIX" -n 40 -l 7 "$FX"
	run_ctdiag leaks --records "$FX/rec.ctr"
	assert_failure 3
	[ "$(leaked_ids <<<"$output")" = "$(sort "$FX/expected")" ]
	[ "$(wc -l < "$FX/expected")" -eq 7 ]
	assert_line "summary: 47 records checked, 7 leaked, 448 bytes held (offline: no grace re-check)"
	assert_line --regexp '^  netns 4026531840: [0-9]+ leaked, [0-9]+ bytes$'
	assert_line --regexp '^  netns 4026532999: [0-9]+ leaked, [0-9]+ bytes$'
	[ -z "$stderr" ]
}

@test "leaks --records: a format version 1 recording (CT_LINE text) gives what version 2 (CT_MSG) gives" {
	local args o v rc
	for args in "-n 40 -l 7" "-n 12 -l 4 -i 1" "-n 8 -l 3 -i 3" "-n 10 -l 0"; do
		rm -rf "$FX"/*
		# shellcheck disable=SC2086
		"$MKLEAKFIX" $args "$FX/v2"
		# shellcheck disable=SC2086
		"$MKLEAKFIX" -1 $args "$FX/v1"
		[ "$(od -An -tu4 -j8 -N4 "$FX/v1/rec.ctr" | tr -d ' ')" = 1 ]
		[ "$(od -An -tu4 -j8 -N4 "$FX/v2/rec.ctr" | tr -d ' ')" = 2 ]
		# the entries themselves: the same conntrack -L lines
		"$CTDIAG_TOP/tests/tools/recchunks" "$FX/v1/rec.ctr" | grep '^ct ' >"$FX/v1.ct"
		"$CTDIAG_TOP/tests/tools/recchunks" "$FX/v2/rec.ctr" | grep '^ct ' >"$FX/v2.ct"
		[ -s "$FX/v1.ct" ]
		diff "$FX/v1.ct" "$FX/v2.ct"
		for o in plain json; do
			for v in v1 v2; do
				rc=0
				"$CTDIAG" leaks --records "$FX/$v/rec.ctr" -o $o >"$FX/$v.$o" || rc=$?
				echo "exit $rc" >>"$FX/$v.$o"
			done
			[ -s "$FX/v1.$o" ]
			diff "$FX/v1.$o" "$FX/v2.$o"
		done
	done
	run_ctdiag leaks --records "$FX/v1/rec.ctr"
	assert_success
	[ "$output" = "summary: 10 records checked, 0 leaked, 0 bytes held (offline: no grace re-check)" ]
}

@test "leaks: same id in another netns, same id+netns with another tuple are leaks" {
	"$MKLEAKFIX" -n 8 -l 3 "$FX"
	run_ctdiag leaks --records "$FX/rec.ctr"
	assert_failure 3
	# the first two expected leaks are those hard cases (see mkleakfix)
	local first second
	first=$(sed -n 1p "$FX/expected")
	second=$(sed -n 2p "$FX/expected")
	leaked_ids <<<"$output" | grep -qx "$first"
	leaked_ids <<<"$output" | grep -qx "$second"
}

@test "leaks --records --conntrack: text and JSON listings give the same leaks" {
	"$MKLEAKFIX" -n 30 -l 5 "$FX"
	run_ctdiag leaks --records "$FX/rec.ctr" --conntrack "$FX/listing.txt"
	assert_failure 3
	[ "$(leaked_ids <<<"$output")" = "$(sort "$FX/expected")" ]
	run_ctdiag leaks --records "$FX/rec.ctr" --conntrack "$FX/listing.json"
	assert_failure 3
	[ "$(leaked_ids <<<"$output")" = "$(sort "$FX/expected")" ]
}

@test "leaks: no leaks is exit 0 with a summary, plain and JSON" {
	"$MKLEAKFIX" -n 10 -l 0 "$FX"
	run_ctdiag leaks --records "$FX/rec.ctr"
	assert_success
	[ "$output" = "summary: 10 records checked, 0 leaked, 0 bytes held (offline: no grace re-check)" ]
	run_ctdiag leaks --records "$FX/rec.ctr" --conntrack "$FX/listing.json" -o json
	assert_success
	run jq -se 'length == 1 and .[0].type == "summary" and .[0].leaked == 0 and .[0].checked == 10 and .[0].netns == []' <<<"$output"
	assert_success
}

@test "leaks -o json: leak objects carry the fields, summary by namespace" {
	"$MKLEAKFIX" -n 12 -l 4 -i 1 "$FX"
	run_ctdiag leaks --records "$FX/rec.ctr" -o json
	assert_failure 3
	run jq -se '
		(map(select(.type == "leak")) | length) == 4 and
		all(.[] | select(.type == "leak"); .schema == 1 and .id > 0 and .netns > 0 and
		    (.orig.src | type) == "string" and .size == 64 and
		    (.how == "local_out" or .how == "pre_routing") and .age_ms > 0 and .idle_ms >= 0 and
		    (.skipped | startswith("conntrack freed via nf_ct_destroy while intercept=hook"))) and
		(.[-1] | .type == "summary" and .checked == 16 and .leaked == 4 and .bytes == 256 and
		 .grace_s == null and (.netns | map(.leaked) | add) == 4)' <<<"$output"
	assert_success
}

@test "leaks: plain and JSON carry the same facts, for every verdict a recording can give" {
	local i want got keys
	# each leak's JSON, written out as the text line would be
	# shellcheck disable=SC2016
	local as_text='
		def secs(ms): "\(ms / 1000 | floor).\(ms % 1000 / 100 | floor)s";
		select(.type == "leak") |
		"leak id=\(.id) netns=\(.netns)" +
		(if .netns_name then "(\(.netns_name))" elif .netns_gone then "(gone)" else "" end) +
		" zone=\(.zone) mark=\(.mark) \(.proto) src=\(.orig.src) dst=\(.orig.dst)" +
		(if .orig.type != null then " type=\(.orig.type) code=\(.orig.code) id=\(.orig.id)"
		 elif .orig.sport != null then " sport=\(.orig.sport) dport=\(.orig.dport)" else "" end) +
		" age=\(secs(.age_ms)) idle=\(secs(.idle_ms)) size=\(.size) pkts=\(.pkts) how=\(.how): \(.skipped)"'
	for i in 0 1 2 3; do
		rm -rf "$FX"/*
		"$MKLEAKFIX" -n 12 -l 6 -i "$i" "$FX"
		run_ctdiag leaks --records "$FX/rec.ctr"
		assert_failure 3
		want=$(grep '^leak ' <<<"$output")
		[ "$(wc -l <<<"$want")" -eq 6 ]
		run_ctdiag leaks --records "$FX/rec.ctr" -o json
		assert_failure 3
		got=$(jq -r "$as_text" <<<"$output")
		[ "$got" = "$want" ] || { diff <(echo "$want") <(echo "$got"); false; }
		# the members: the envelope (schema, type) and the facts above,
		# in the text's order
		keys=$(jq -c 'select(.type == "leak") | keys_unsorted' <<<"$output" | sort -u)
		[ "$keys" = '["schema","type","id","netns","netns_gone","zone","mark","proto","orig","age_ms","idle_ms","size","pkts","how","skipped"]' ]
	done
}

@test "leaks: the verdict follows the recorded intercept mode" {
	"$MKLEAKFIX" -n 8 -l 3 -i 3 "$FX"
	run_ctdiag leaks --records "$FX/rec.ctr"
	assert_failure 3
	assert_line --regexp '^leak .*: conntrack gone but neither nf_ct_hook->destroy nor the nf_ct_destroy probe freed the record \(intercept=both\)$'
}

@test "leaks: malformed listing lines are reported with their line number, exit 1" {
	local kind want
	while IFS='|' read -r kind want; do
		rm -rf "$FX"/*
		"$MKLEAKFIX" -n 10 -l 3 -b "$kind" "$FX"
		run_ctdiag leaks --records "$FX/rec.ctr" --conntrack "$FX/listing.txt"
		[ "$status" -eq 1 ] || { echo "$kind: exit $status"; false; }
		[ -z "$output" ]
		[ "$stderr" = "ctdiag: error: $FX/listing.txt:5: $want" ] || { echo "$kind: $stderr"; false; }
	done <<-'EOF'
	badaddr|bad IPv4 address '10.0.0.999'
	noid|no id= (save the listing with conntrack -L -o extended,id)
	garbage|bad protocol number after 'this'
	bigport|bad port '99999'
	notuple|no reply tuple
	longline|line longer than 4096 bytes
	nul|NUL byte in line
	EOF
}

@test "leaks: a listing line without id= is one error, never a second one from stale buffer bytes" {
	# the callback's error left the parser's error buffer unset, and
	# whatever the stack held was printed after it when it had a ':'
	# (about one run in ten); many runs, so the old bug cannot hide
	local i
	"$MKLEAKFIX" -n 30 -l 4 -b noid "$FX"
	for i in $(seq 40); do
		run_ctdiag leaks --records "$FX/rec.ctr" --conntrack "$FX/listing.txt" -o json
		[ "$status" -eq 1 ]
		# errors go to stderr in JSON mode too, stdout stays data
		[ "$stderr" = '{"error":"'"$FX"'/listing.txt:5: no id= (save the listing with conntrack -L -o extended,id)"}' ] ||
			{ echo "run $i: stderr: $stderr"; false; }
		[ -z "$output" ] || { echo "run $i: stdout: $output"; false; }
	done
}

@test "leaks: a recording cut inside its snapshot is detected, exit 1" {
	"$MKLEAKFIX" -n 10 -l 3 -x "$FX"
	run_ctdiag leaks --records "$FX/rec.ctr"
	assert_failure 1
	[ "$stderr" = "ctdiag: error: $FX/rec.ctr: offset 256: truncated: the snapshot that starts here has no end (file cut short?)" ]
}

@test "leaks: a recording cut mid-record names the byte offset, exit 1" {
	"$MKLEAKFIX" -n 10 -l 3 "$FX"
	local size
	size=$(stat -c %s "$FX/rec.ctr")
	truncate -s $((size - 100)) "$FX/rec.ctr"
	run_ctdiag leaks --records "$FX/rec.ctr"
	assert_failure 1
	[[ "$stderr" =~ ^"ctdiag: error: $FX/rec.ctr: offset "[0-9]+": truncated record (type "[0-9]+": "[0-9]+" of "[0-9]+" bytes)"$ ]]
	# cut in the header
	truncate -s 100 "$FX/rec.ctr"
	run_ctdiag leaks --records "$FX/rec.ctr"
	assert_failure 1
	[ "$stderr" = "ctdiag: error: $FX/rec.ctr: offset 100: truncated header (100 of 256 bytes)" ]
}

@test "leaks: not a recording, empty, missing file: exit 1 with the reason" {
	printf 'hello\n' > "$FX/text"
	run_ctdiag leaks --records "$FX/text"
	assert_failure 1
	[ "$stderr" = "ctdiag: error: $FX/text: offset 0: bad magic, not a ctdiag recording" ]
	: > "$FX/empty"
	run_ctdiag leaks --records "$FX/empty"
	assert_failure 1
	[ "$stderr" = "ctdiag: error: $FX/empty: offset 0: empty file, not a ctdiag recording" ]
	run_ctdiag leaks --records "$FX/none"
	assert_failure 1
	[ "$stderr" = "ctdiag: error: $FX/none: No such file or directory" ]
}

@test "leaks usage errors: exit 2" {
	run_ctdiag leaks --conntrack x
	assert_failure 2
	[ "${stderr_lines[0]}" = "ctdiag: error: --conntrack needs --records (offline mode)" ]
	run_ctdiag leaks --records x --grace 2
	assert_failure 2
	[ "${stderr_lines[0]}" = "ctdiag: error: --grace applies to live checks only, not --records" ]
	run_ctdiag leaks --grace -1
	assert_failure 2
	run_ctdiag leaks --grace abc
	assert_failure 2
	run_ctdiag leaks -o yaml
	assert_failure 2
}

@test "leaks live without the module: exit 1, says module not loaded" {
	run_ctdiag leaks
	assert_failure 1
	[ -z "$output" ]
	[ "$stderr" = "ctdiag: error: cannot open /dev/ctdiag: module not loaded (insmod ctdiag.ko)" ]
}

@test "leaks --help documents the exit statuses" {
	run_ctdiag leaks --help
	assert_success
	assert_output --partial "Exit status: 0 no leaks, 3 leaks found, 1 runtime error or bad input"
}
