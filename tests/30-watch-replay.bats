#!/usr/bin/env bats
# ctdiag watch -r: decoding every event type (plain and JSON), filters on
# replay, loss lines, summaries and bad recordings.  Recordings are made at
# test time by tests/tools/mkrecording (see its header for the variants).
load test_helper

MKREC=$CTDIAG_TOP/tests/tools/mkrecording

setup() {
	REC=$BATS_TEST_TMPDIR/all.rec
	"$MKREC" -v all "$REC"
}

@test "watch -r prints one plain line per record of every type, in order" {
	run_ctdiag watch -r "$REC"
	assert_success
	[ "${#lines[@]}" -eq 14 ]
	assert_line --index 0 "2023-11-14T22:13:20.000000Z cpu=0 seq=1 alloc id=1001 netns=4026531840 zone=0 mark=7 tcp src=10.0.0.1 dst=10.0.0.2 sport=40000 dport=80 src=10.0.0.2 dst=10.0.0.1 sport=80 dport=40000 how=local-out size=64"
	assert_line --index 1 "2023-11-14T22:13:20.010000Z cpu=1 seq=1 alloc id=3003 netns=4026532000 zone=0 mark=0 udp src=fd00::1 dst=fd00::2 sport=1234 dport=53 src=fd00::2 dst=fd00::1 sport=53 dport=1234 how=pre-routing size=64"
	assert_line --index 2 "2023-11-14T22:13:21.500000Z cpu=0 seq=2 free id=1001 netns=4026531840 zone=0 mark=7 tcp src=10.0.0.1 dst=10.0.0.2 sport=40000 dport=80 src=10.0.0.2 dst=10.0.0.1 sport=80 dport=40000 path=hook how=local-out size=64 age=1.500s idle=0.250s packets=3/2 bytes=180/120"
	assert_line --index 3 "2023-11-14T22:13:21.500000Z cpu=0 seq=3 destroy id=1001 netns=4026531840 zone=0 mark=7 tcp src=10.0.0.1 dst=10.0.0.2 sport=40000 dport=80 src=10.0.0.2 dst=10.0.0.1 sport=80 dport=40000 path=probe ext=yes caller=0xffffffffc0de1234"
	assert_line --index 4 --partial " free id=3003 netns=4026532000 "
	assert_line --index 4 --partial " path=expiry-orphan how=pre-routing size=64 age=1.990s idle=1.990s packets=1/0 bytes=72/0"
	assert_line --index 5 "2023-11-14T22:13:22.500000Z cpu=0 seq=4 lost count=5 seq=4-8"
	assert_line --index 6 "2023-11-14T22:13:23.000000Z cpu=0 seq=9 clash id=2002 netns=4026532000 zone=5 mark=0 udp src=10.0.0.1 dst=10.0.0.53 sport=5353 dport=53 src=10.0.0.53 dst=10.0.0.1 sport=53 dport=5353 outcome=merged loser=2002 winner=2001 winner: src=10.0.0.1 dst=10.0.0.53 sport=5353 dport=53"
	assert_line --index 7 --partial " clash id=2102 "
	assert_line --index 7 --partial " outcome=merged-other loser=2102 winner=2101 other=2100 winner: src=10.0.0.3 "
	assert_line --index 8 --partial " outcome=dropped loser=2202 winner=2201 winner: src=10.0.0.5 dst=10.0.0.9 sport=41000 dport=443"
	assert_line --index 9 "2023-11-14T22:13:23.300000Z cpu=1 seq=5 confirm-drop id=4004 netns=4026531840 zone=0 mark=0 tcp src=10.0.0.6 dst=10.0.0.9 sport=42000 dport=443 src=10.0.0.9 dst=10.0.0.6 sport=443 dport=42000"
	assert_line --index 10 --partial " nfq-update id=5005 "
	assert_line --index 10 --partial " outcome=nfq-swap loser=5005 winner=5000 queue=3 winner: "
	assert_line --index 11 --partial " confirm-early id=6006 "
	assert_line --index 12 --partial " icmp src=10.0.0.1 dst=10.0.0.2 type=8 code=0 id=77 src=10.0.0.2 dst=10.0.0.1 type=0 code=0 id=77 how=local-out"
	# an event type from a newer module prints by number
	assert_line --index 13 --partial " seq=11 type-42 id=8008 "
	# never a trailing blank
	[ "$(grep -c ' $' <<<"$output")" -eq 0 ]
	[ "${stderr_lines[0]}" = "ctdiag watch: 13 events (alloc 3, free 2, destroy 1, clash 3, confirm-drop 1, nfq-update 1, confirm-early 1, unknown 1), 5 lost" ]
	[ "${stderr_lines[1]}" = "ctdiag watch: lost on cpu 0: 5" ]
}

@test "watch -r -o json: one object per line with schema, all fields typed" {
	run_ctdiag watch -r "$REC" -o json
	assert_success
	[ "${#lines[@]}" -eq 14 ]
	# every line is a JSON object of schema 1
	run jq -se 'length == 14 and all(.schema == 1)' <<<"$output"
	assert_success
	json=$("$CTDIAG" watch -r "$REC" -o json 2>/dev/null)
	jq -se '[.[].event] == ["alloc","alloc","free","destroy","free","lost","clash","clash","clash","confirm-drop","nfq-update","confirm-early","alloc","type-42"]' <<<"$json"
	jq -se '.[0] | .id == 1001 and .netns == 4026531840 and .family == "ipv4" and .proto == "tcp" and .orig.src == "10.0.0.1" and .orig.dport == 80 and .reply.sport == 80 and .how == "local-out" and .ts_real_ns == 1700000000000000000 and .time == "2023-11-14T22:13:20.000000Z"' <<<"$json"
	jq -se '.[1] | .family == "ipv6" and .orig.src == "fd00::1" and .reply.dst == "fd00::1"' <<<"$json"
	jq -se '.[2] | .path == "hook" and .age_ns == 1500000000 and .idle_ns == 250000000 and .packets == [3,2] and .bytes == [180,120] and .size == 64' <<<"$json"
	jq -se '.[3] | .path == "probe" and .had_ext == true and .caller == "0xffffffffc0de1234"' <<<"$json"
	jq -se '.[5] | .event == "lost" and .cpu == 0 and .count == 5 and .first_seq == 4 and .last_seq == 8 and .gap == false' <<<"$json"
	jq -se '.[6] | .outcome == "merged" and .loser_id == 2002 and .winner_id == 2001 and .zone == 5 and .winner_orig.dport == 53 and (has("queue") | not)' <<<"$json"
	jq -se '.[7] | .outcome == "merged-other" and .other_id == 2100' <<<"$json"
	jq -se '.[10] | .outcome == "nfq-swap" and .queue == 3 and .winner_id == 5000' <<<"$json"
	jq -se '.[12] | .orig.type == 8 and .orig.code == 0 and .orig.id == 77' <<<"$json"
}

@test "watch -r filters in user space with the same options as ls" {
	run_ctdiag watch -r "$REC" -p tcp
	assert_success
	# the 5 tcp events, plus the loss line (loss is never filtered)
	[ "$(grep -c ' tcp ' <<<"$output")" -eq 5 ]
	[ "$(grep -vc ' tcp ' <<<"$output")" -eq 1 ]
	assert_line --partial " lost count=5 "
	run_ctdiag watch -r "$REC" -e clash,nfq-update -o json
	assert_success
	run jq -sre '[.[].event] | join(",")' <<<"$output"
	assert_output "lost,clash,clash,clash,nfq-update"
	run_ctdiag watch -r "$REC" -s 10.0.0.0/30 -q
	assert_success
	# 10.0.0.1 (x5, incl. type-42) and 10.0.0.3
	[ "${stderr_lines[0]}" = "ctdiag watch: 7 events (alloc 2, free 1, destroy 1, clash 2, unknown 1), 5 lost" ]
	run_ctdiag watch -r "$REC" -d 10.0.0.53 --sport 5353 -o json
	run jq -sre 'map(select(.event != "lost") | .id) | join(",")' <<<"$output"
	assert_output "2002"
	run_ctdiag watch -r "$REC" -s fd00::/64 -e free
	assert_success
	[ "$(grep -c ' free id=3003 ' <<<"$output")" -eq 1 ]
	run_ctdiag watch -r "$REC" -w 5 --dport 53 -p udp -o json
	run jq -sre 'map(select(.event != "lost") | .id) | join(",")' <<<"$output"
	assert_output "2002"
	run_ctdiag watch -r "$REC" --netns 4026532000 -o json
	run jq -sre 'map(select(.event != "lost") | .id) | join(",")' <<<"$output"
	assert_output "3003,3003,2002,2102"
}

@test "watch --netns NAME resolves an ip-netns name to its inode" {
	ns=$(netns_add watchns)
	ino=$(stat -L -c %i "/run/netns/$ns")
	run_ctdiag watch -r "$REC" -N "$ns" -o json
	netns_cleanup
	assert_success
	# no record is in that fresh namespace: only the loss line passes
	run jq -sre 'map(.event) | join(",")' <<<"$output"
	assert_output "lost"
	[ "$ino" -gt 0 ]
	run_ctdiag watch -r "$REC" --netns no-such-ns-$$
	assert_failure 2
	[ "${stderr_lines[0]}" = "ctdiag: error: cannot find network namespace 'no-such-ns-$$': No such file or directory" ]
}

@test "watch -r: a sequence gap without a LOST record is reported, and not twice" {
	"$MKREC" -v gap "$BATS_TEST_TMPDIR/gap.rec"
	run_ctdiag watch -r "$BATS_TEST_TMPDIR/gap.rec"
	assert_success
	[ "${#lines[@]}" -eq 6 ]
	assert_line --index 2 "2023-11-14T22:13:20.005000Z cpu=0 seq=5 lost count=2 seq=3-4 (sequence gap)"
	assert_line --index 4 "2023-11-14T22:13:20.007000Z cpu=0 seq=6 lost count=3 seq=6-8"
	[ "${stderr_lines[0]}" = "ctdiag watch: 4 events (alloc 4), 5 lost" ]
	run_ctdiag watch -r "$BATS_TEST_TMPDIR/gap.rec" -o json
	run jq -sre 'map(select(.event == "lost") | "\(.count):\(.gap)") | join(",")' <<<"$output"
	assert_output "2:true,3:false"
}

@test "watch -r --count stops after N events" {
	"$MKREC" -v many -n 1000 "$BATS_TEST_TMPDIR/many.rec"
	run_ctdiag watch -r "$BATS_TEST_TMPDIR/many.rec" -c 7
	assert_success
	[ "${#lines[@]}" -eq 7 ]
	[ "${stderr_lines[0]}" = "ctdiag watch: 7 events (alloc 4, free 3), 0 lost" ]
}

@test "watch -r --summary prints rates per interval of recording time" {
	"$MKREC" -v many -n 1000 "$BATS_TEST_TMPDIR/many.rec"
	# 1000 events 10 ms apart: 10 s, alternating alloc/free pairs on 2 CPUs
	run_ctdiag watch -r "$BATS_TEST_TMPDIR/many.rec" --summary 2 -q
	assert_success
	[ "${#lines[@]}" -eq 5 ]
	assert_line --index 0 "summary interval=2.0s alloc/s=50.0 free/s=50.0 (hook=25.0 destroy=25.0 expiry-orphan=0.0 expiry-idle=0.0 stale-reuse=0.0 netns-exit=0.0 unload=0.0) clash/s=0.0 live=0 leaked=0 lost=0"
	run_ctdiag watch -r "$REC" --summary 1 -q -o json
	assert_success
	run jq -se '[.[] | select(.event == "summary")] | length == 4 and .[2].lost == 5 and .[2].leaked == 1 and .[2].free_per_s_by_path["expiry-orphan"] == 1 and .[3].clash_per_s == 3' <<<"$output"
	assert_success
}

@test "watch -r on a truncated recording: records before the damage, then the offset, exit 1" {
	off=$("$MKREC" -v truncated "$BATS_TEST_TMPDIR/t.rec")
	[ "$off" -gt 256 ]
	run_ctdiag watch -r "$BATS_TEST_TMPDIR/t.rec"
	assert_failure 1
	[ "${#lines[@]}" -eq 3 ]
	assert_line --index 2 --partial " seq=2 free id=1001 "
	[ "${stderr_lines[0]}" = "ctdiag: error: bad recording $BATS_TEST_TMPDIR/t.rec: offset $off: truncated record (type 1: 100 of 232 bytes)" ]
}

@test "watch -r on garbage after valid records: offset of the garbage, exit 1" {
	"$MKREC" -v garbage "$BATS_TEST_TMPDIR/g.rec"
	run_ctdiag watch -r "$BATS_TEST_TMPDIR/g.rec"
	assert_failure 1
	[ "${#lines[@]}" -eq 3 ]
	# header 256 + 3 event chunks of 8 + 232
	[ "${stderr_lines[0]}" = "ctdiag: error: bad recording $BATS_TEST_TMPDIR/g.rec: offset 976: garbage chunk header (type 0, length 3735928559)" ]
}

@test "watch -r rejects wrong magic, a newer format and an empty file" {
	for v in badmagic newer empty; do
		"$MKREC" -v $v "$BATS_TEST_TMPDIR/$v.rec"
	done
	run_ctdiag watch -r "$BATS_TEST_TMPDIR/badmagic.rec"
	assert_failure 1
	[ -z "$output" ]
	[ "${stderr_lines[0]}" = "ctdiag: error: cannot read recording $BATS_TEST_TMPDIR/badmagic.rec: offset 0: bad magic, not a ctdiag recording" ]
	run_ctdiag watch -r "$BATS_TEST_TMPDIR/newer.rec"
	assert_failure 1
	[ "${stderr_lines[0]}" = "ctdiag: error: cannot read recording $BATS_TEST_TMPDIR/newer.rec: offset 8: format version 3 is newer than this ctdiag reads (2): upgrade ctdiag" ]
	run_ctdiag watch -r "$BATS_TEST_TMPDIR/empty.rec"
	assert_failure 1
	[ "${stderr_lines[0]}" = "ctdiag: error: cannot read recording $BATS_TEST_TMPDIR/empty.rec: offset 0: empty file, not a ctdiag recording" ]
	run_ctdiag watch -r "$BATS_TEST_TMPDIR/does-not-exist.rec"
	assert_failure 1
	[ "${stderr_lines[0]}" = "ctdiag: error: cannot read recording $BATS_TEST_TMPDIR/does-not-exist.rec: No such file or directory" ]
}

@test "watch -r on random bytes never crashes" {
	for i in 1 2 3 4 5; do
		head -c $((i * 700)) /dev/urandom >"$BATS_TEST_TMPDIR/rnd"
		run_ctdiag watch -r "$BATS_TEST_TMPDIR/rnd"
		assert_failure 1
		# valid header, random body: still one error line with an offset
		{ head -c 256 "$REC"; head -c $((i * 300)) /dev/urandom; } >"$BATS_TEST_TMPDIR/rnd2"
		run_ctdiag watch -r "$BATS_TEST_TMPDIR/rnd2"
		[ "$status" -le 1 ]
	done
}

@test "watch -r without an end marker warns that the recording was cut short" {
	"$MKREC" -v noend "$BATS_TEST_TMPDIR/n.rec"
	run_ctdiag watch -r "$BATS_TEST_TMPDIR/n.rec"
	assert_success
	[ "${#lines[@]}" -eq 14 ]
	[ "${stderr_lines[0]}" = "ctdiag: warning: $BATS_TEST_TMPDIR/n.rec: no end marker: the recording was cut short (writer killed or crashed?)" ]
}

@test "watch usage errors exit 2 with one clear line" {
	run_ctdiag watch -e bogus -r "$REC"
	assert_failure 2
	[ "${stderr_lines[0]}" = "ctdiag: error: unknown event type 'bogus' (one of: all,alloc,free,destroy,clash,confirm-drop,nfq-update,confirm-early,legacy-bypass)" ]
	run_ctdiag watch -s 10.0.0.1 -d fd00::1 -r "$REC"
	assert_failure 2
	[ "${stderr_lines[0]}" = "ctdiag: error: bad address 'fd00::1' (ADDR or ADDR/LEN, IPv4 or IPv6, one family)" ]
	run_ctdiag watch -o yaml
	assert_failure 2
	[ "${stderr_lines[0]}" = "ctdiag: error: unknown output format 'yaml'" ]
	run_ctdiag watch --count 0
	assert_failure 2
	run_ctdiag watch -r "$REC" --duration 3
	assert_failure 2
	[ "${stderr_lines[0]}" = "ctdiag: error: --duration applies to live watching, not to -r" ]
	run_ctdiag watch --dport 70000
	assert_failure 2
	[ "${stderr_lines[0]}" = "ctdiag: error: bad port '70000'" ]
}

@test "watch without the module: one clear error, exit 1" {
	run_ctdiag watch
	assert_failure 1
	[ "${stderr_lines[0]}" = "ctdiag: error: cannot open /dev/ctdiag: module not loaded (insmod ctdiag.ko)" ]
}
