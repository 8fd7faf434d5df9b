#!/usr/bin/env bats
# The event ring: per-CPU sequence, loss accounting, reader filters.
load helper
load ring_helper

@test "ring: tiny ring_kb + burst -> LOST count seen by the reader == module ring_lost == seq gap" {
	ctdiag_load ring_kb=1
	ns_setup "$SNAT_RULES"
	# the reader holds the device open but reads only after the burst
	reader_start -w "$T/go" -f events=CLASH
	run ns_run ctsend udp 127.0.0.1:2000 127.0.0.1:9999
	assert_output "send=1 ok"
	run ns_run ctsend udp-range 127.0.0.1:2001-2400 127.0.0.1:9999
	assert_output "sent=400 ok=0 failed=400"
	lost=$(mod_stat ring_lost)
	written=$(mod_stat ring_written)
	echo "# ring_kb=1, 400 clash drops: written=$written lost=$lost" >&3
	[ "$lost" -gt 0 ]
	assert_equal "$((written + lost))" 400
	assert_equal "$(mod_stat clash_DROPPED)" 400
	touch "$T/go"
	reader_wait
	assert_equal "$(ev_lost_sum)" "$lost"
	assert_equal "$(ev_count CLASH outcome=DROPPED)" "$written"
	run ev_seq_check
	assert_line "bad=0"
	# the reader's view of each CPU's sequence ends where the module's does
	for cpu in 0 1; do
		next=$(mod_stat cpu${cpu}_next_seq)
		if [ "$next" -gt 0 ]; then
			assert_line "cpu${cpu}_next_seq=$next"
		fi
		assert_equal "$(mod_stat cpu${cpu}_lost)" \
			"$(grep "^type=LOST cpu=$cpu " "$T/ev" | tr ' ' '\n' | awk -F= '$1 == "count" { s += $2 } END { print s + 0 }')"
	done
}

@test "ring: reader filter src prefix + event type: only matching records, filtered ones take no seq and are counted" {
	ctdiag_load
	ns_setup "$SNAT_RULES"
	reader_start -f src=127.0.0.2/32 -f events=CLASH
	run ns_run ctsend udp 127.0.0.1:1000 127.0.0.1:9999
	assert_output "send=1 ok"
	run ns_run ctsend udp-range 127.0.0.1:1001-1010 127.0.0.1:9999
	assert_output "sent=10 ok=0 failed=10"
	run ns_run ctsend udp-range 127.0.0.2:1001-1005 127.0.0.1:9999
	assert_output "sent=5 ok=0 failed=5"
	reader_wait
	assert_equal "$(ev_count CLASH)" 5
	assert_equal "$(ev_count CLASH ' src=127.0.0.2 ')" 5
	assert_equal "$(mod_stat ring_filtered)" 10
	assert_equal "$(mod_stat clash_DROPPED)" 15
	run ev_seq_check
	assert_line "bad=0"
	assert_equal "$(($(mod_stat cpu0_next_seq) + $(mod_stat cpu1_next_seq)))" 5
}

@test "ring: filters on netns, family, proto, dst prefix and ports all have to match" {
	ctdiag_load
	ns_setup "$SNAT_RULES"
	ino=$(ns_inode)
	reader_start -f events=CLASH -f netns="$ino" -f family=4 -f proto=17 \
		-f dst=127.0.0.0/8 -f sport=1003 -f dport=9999
	ns_run ctsend udp 127.0.0.1:1000 127.0.0.1:9999
	ns_run ctsend udp-range 127.0.0.1:1001-1005 127.0.0.1:9999
	reader_wait
	run grep '^type=' "$T/ev"
	assert_equal "${#lines[@]}" 1
	assert_output --regexp "^type=CLASH .* netns=$ino .* src=127.0.0.1 dst=127.0.0.1 sport=1003 dport=9999 "
	assert_equal "$(mod_stat ring_filtered)" 4

	# a filter for another netns lets nothing through
	reader_start -f netns=1
	ns_run ctsend udp-range 127.0.0.1:1006-1007 127.0.0.1:9999
	reader_wait
	assert_equal "$(wc -l <"$T/ev")" 0
}

@test "ring: ring_kb=0 turns recording off; the clash probes still count" {
	ctdiag_load ring_kb=0
	ns_setup "$SNAT_RULES"
	reader_start
	ns_run ctsend udp 127.0.0.1:1000 127.0.0.1:9999
	ns_run ctsend udp 127.0.0.2:1000 127.0.0.1:9999
	# the reader is told at once that nothing will come (32-device.bats)
	run reader_wait
	assert_failure
	assert_equal "$(cat "$T/ev.err")" "evdump: read: No data available (errno=ENODATA)"
	assert_equal "$(wc -l <"$T/ev")" 0
	assert_equal "$(mod_stat ring_written)" 0
	assert_equal "$(mod_stat ring_lost)" 0
	assert_equal "$(mod_stat clash_DROPPED)" 1
}

@test "ring: nothing is recorded without a reader; a new reader starts with no backlog and no false LOST" {
	ctdiag_load
	ns_setup "$SNAT_RULES"
	ns_run ctsend udp 127.0.0.1:1000 127.0.0.1:9999
	ns_run ctsend udp-range 127.0.0.1:1001-1003 127.0.0.1:9999
	assert_equal "$(mod_stat clash_DROPPED)" 3
	assert_equal "$(mod_stat ring_written)" 0
	assert_equal "$(mod_stat cpu0_next_seq)" 0
	assert_equal "$(mod_stat cpu1_next_seq)" 0
	reader_start -f events=CLASH
	ns_run ctsend udp 127.0.0.2:1000 127.0.0.1:9999
	reader_wait
	run cat "$T/ev"
	assert_equal "${#lines[@]}" 1
	assert_output --regexp "^type=CLASH .* seq=0 .* src=127.0.0.2 "
}

@test "ring: EXT_ALLOC records of created connections carry the ids and tuples conntrack -L -o id shows" {
	ctdiag_load
	ns_setup "$CT_RULES"
	reader_start -f events=EXT_ALLOC -f netns="$(ns_inode)"
	run ns_run ctsend udp-range 127.0.0.1:6001-6020 127.0.0.1:9999
	assert_output "sent=20 ok=20 failed=0"
	reader_wait
	assert_equal "$(ev_count EXT_ALLOC)" 20
	# "id sport" pairs from both sides must be the same set
	ns_run conntrack -L -p udp -o id |
		sed -n 's/.* sport=\([0-9]*\) dport=9999 .* id=\([0-9]*\).*/\2 \1/p' | sort >"$T/ct"
	grep '^type=EXT_ALLOC ' "$T/ev" |
		sed -n 's/.* ct_id=\([0-9]*\) .* src=127.0.0.1 dst=127.0.0.1 sport=\([0-9]*\) dport=9999 rsrc=127.0.0.1 rdst=127.0.0.1 rsport=9999 rdport=\2 .*/\1 \2/p' |
		sort >"$T/evids"
	assert_equal "$(wc -l <"$T/ct")" 20
	run diff "$T/ct" "$T/evids"
	assert_success
}
