#!/usr/bin/env bats
# The store's lifetimes under interleavings the other files do not reach
# (issue 16): an API type unregistered while expiry frees a record, API
# data of live but idle conntracks, the tuples a record reports.
load helper
load store_helper
load ring_helper

# built for the guest's kernel by tests/vm/build-modules
EXTMOD=/ctdiag/tests/vm/extmod/ctdiag_extmod.ko
P=/sys/module/ctdiag_extmod/parameters

teardown() {
	[ -z "${busy_pid:-}" ] || kill "$busy_pid" 2>/dev/null || true
	wait 2>/dev/null || true
	grep -q '^ctdiag_extmod ' /proc/modules && rmmod ctdiag_extmod
	store_ns_del s27
	ring_teardown
}

# SNAT of udp 9999 (reply tuple changes after ctdiag's LOCAL_OUT hook saw
# the packet), input drop so no ICMP error comes back through our hooks.
SNAT_ONE_RULES=$(snat_rules 127.0.0.5:5000)

@test "races: ctdiag_ext_unregister waits for a record that idle expiry unlinked but has not yet queued for RCU" {
	# the first expiry free waits between its unlink and call_rcu until
	# extmod's unregister has started (at most 30 s: a loaded TCG host is
	# slow to get there), then 1 s more
	ctdiag_load_test intercept=hook idle_timeout=1 free_delay_ms=30000
	insmod "$EXTMOD"
	store_ns_add s27
	run ip netns exec s27 ctgen udp -n 1 -s 27000
	assert_success
	[ "$(cat $P/created)" -eq 1 ]
	# conntrack -F frees the conntrack by nf_ct_put(), which
	# intercept=hook does not see: idle expiry frees the record (data
	# included) as an orphan
	ip netns exec s27 conntrack -F
	wait_for 15 bash -c 'dmesg | grep -q "test: delaying free"'
	# unregister during the delay: it must not return (and the module
	# must not go) before the record's data was destroyed
	rmmod ctdiag_extmod
	run dmesg
	grep -E 'test: delay|ctdiag_extmod' <<<"$output" | sed 's/^/# /' >&3
	assert_output --partial "ctdiag_extmod: unloaded: created=1 destroyed=1 bad=0"
	wait_for 10 bash -c 'dmesg | grep -q "test: delayed free done (unregister had started)"'
	sleep 1
	counters_load
	[ "$c_freed_expiry_orphan" -eq 1 ]
	assert_counters_add_up
}

@test "races: idle expiry keeps API data of live conntracks that cross none of ctdiag's hooks" {
	# without ctdiag's packet hooks only extmod's hook sees the packets
	ctdiag_load_test intercept=both idle_timeout=2 fail_feature=packet-hooks
	insmod "$EXTMOD"
	store_ns_add s27
	# 3 live conntracks that go silent (UDP timeout 600 s here)
	run ip netns exec s27 ctgen udp -n 3 -s 27100
	assert_success
	# 1 busy one: a datagram every 300 ms for 7.5 s, each found by extmod
	ip netns exec s27 ctgen udp -n 1 -p 25 -i 300 -s 27200 -d 9998 >/dev/null &
	busy_pid=$!
	sleep 7
	wait "$busy_pid"
	busy_pid=
	sleep 3
	counters_load
	echo "# expiry_runs=$c_expiry_runs idle=$c_freed_expiry_idle orphan=$c_freed_expiry_orphan live=$c_live created=$(cat $P/created) destroyed=$(cat $P/destroyed) pkts=$(cat $P/pkts)" >&3
	[ "$c_expiry_runs" -ge 3 ]
	# no data of a live conntrack was destroyed (and attached anew)
	[ "$(cat $P/destroyed)" -eq 0 ]
	[ "$(cat $P/created)" -eq 4 ]
	[ "$(ct_count s27)" -eq 4 ]
	[ "$((c_freed_expiry_idle + c_freed_expiry_orphan))" -eq 0 ]
	[ "$c_live" -eq 4 ]
	# the busy flow's data was found again for each later datagram
	[ "$(cat $P/pkts)" -ge 24 ]
	# once the conntracks are gone, their data goes with them
	ip netns exec s27 conntrack -F
	wait_for 10 bash -c "[ \$(cat $P/destroyed) -eq 4 ]"
	assert_counters_add_up
}

# udp_race batches of 200 rounds (new tuples each) until one has made a
# NAT_CLASH loser, at most five: the race needs both vCPUs to send at
# once, and on a loaded host one batch has been seen to make none.
race_until_nat_clash() {
	local i
	for i in 1 2 3 4 5; do
		run ns_run udp_race -n 200
		assert_output "rounds=200 send_errors=0"
		[ "$(mod_stat clash_NAT_CLASH)" -gt 0 ] && break
	done
	return 0	# the test's own assertion says if none came
}

@test "races: a NAT_CLASH loser's record holds its post-NAT reply tuple, the only one that finds it (expiry's lookup)" {
	# A loser is inserted with only its reply tuple hashed and a fixed
	# 1 s timeout: for that second expiry must find it by that tuple.
	# Its record was made at LOCAL_OUT before SNAT, and no packet of it
	# passes our hooks afterwards, so the clash probe refreshes it.
	ctdiag_load intercept=both idle_timeout=0
	ns_setup "$NATCLASH_RULES"
	race_until_nat_clash
	natc=$(mod_stat clash_NAT_CLASH)
	run ctdiag-snap
	local natted
	natted=$(grep -c ' rsrc=127.0.0.1 rsport=9999 rdst=127.0.0.5 ' <<<"$output" || true)
	echo "# NAT_CLASH=$natc records with the post-NAT reply tuple=$natted" >&3
	[ "$natc" -gt 0 ]
	# losers whose conntrack was reaped meanwhile are gone from the
	# snapshot, and other records may have the post-NAT tuple too (seen:
	# NAT_CLASH=79, 197 such records on 6.1), so this only checks that
	# post-NAT reply tuples reach records at all
	[ "$natted" -gt 0 ]
}

@test "races: idle expiry calls a live NAT_CLASH loser idle, not orphan (its original tuple finds the winner)" {
	# A loser lives 1 s (fixed timeout) with only its reply tuple hashed;
	# its original tuple is the winner's.  With the test build's idle_ms
	# expiry looks at records 200 ms idle every 100 ms, so each loser's
	# record is judged while the loser lives: looked up by its original
	# tuple only, it finds the winner and would be freed as an orphan.
	# Every conntrack here lives (winners 30 s; intercept=both frees the
	# records of the dropped ones at their destroy): no orphan is right.
	ctdiag_load_test intercept=both idle_timeout=1 idle_ms=200
	ns_setup "$NATCLASH_RULES"
	race_until_nat_clash
	natc=$(mod_stat clash_NAT_CLASH)
	# every record is idle 200 ms after its last packet
	wait_for 20 bash -c '[ "$(ctdiag-counters | sed -n "s/^live=//p")" -eq 0 ]'
	counters_load
	echo "# NAT_CLASH=$natc freed: idle=$c_freed_expiry_idle orphan=$c_freed_expiry_orphan" >&3
	[ "$natc" -gt 0 ]
	# losers and winners were judged alive
	[ "$c_freed_expiry_idle" -ge "$natc" ]
	assert_equal "$c_freed_expiry_orphan" 0
	assert_counters_add_up
}

# SNAT to another address and a port range: both halves of the reply
# tuple change (rdst and rdport)
SNAT_RANGE_RULES=$(snat_rules 127.0.0.5:20000-30000)

@test "races: a snapshot never shows a half-written reply tuple (the refresh after NAT is under a seqcount)" {
	# The second datagram of each flow sees its conntrack confirmed and
	# refreshes the record's reply tuple to the post-NAT one; the test
	# build writes the addresses, waits 20 ms, then the ports.  Snapshots
	# taken all the while must show either the pre-NAT reply (rdst
	# 127.0.0.1, rdport = the flow's source port 1001-1040) or the
	# post-NAT one (rdst 127.0.0.5, rdport 20000-30000), never a mix.
	ctdiag_load_test intercept=both idle_timeout=0 reply_write_delay_ms=20
	ns_setup "$SNAT_RANGE_RULES"
	rm -f "$T/stop"
	(while [ ! -e "$T/stop" ]; do ctdiag-snap 2>/dev/null; done >"$T/snaps") &
	busy_pid=$!
	local i
	for i in $(seq 1001 1040); do
		ns_run ctsend udp "127.0.0.1:$i" 127.0.0.1:9999 8 8 >/dev/null
	done
	touch "$T/stop"
	wait "$busy_pid"
	busy_pid=
	local pre post torn
	pre=$(grep -cE ' rdst=127\.0\.0\.1 rdport=10[0-9][0-9] ' "$T/snaps" || true)
	post=$(grep -cE ' rdst=127\.0\.0\.5 rdport=[23][0-9]{4} ' "$T/snaps" || true)
	torn=$(grep -E ' rsport=9999 ' "$T/snaps" |
		grep -vcE ' rdst=127\.0\.0\.1 rdport=10[0-9][0-9] | rdst=127\.0\.0\.5 rdport=[23][0-9]{4} ' || true)
	echo "# snapshot lines: $(wc -l <"$T/snaps") pre-NAT=$pre post-NAT=$post torn=$torn" >&3
	grep -E ' rsport=9999 ' "$T/snaps" |
		grep -vE ' rdst=127\.0\.0\.1 rdport=10[0-9][0-9] | rdst=127\.0\.0\.5 rdport=[23][0-9]{4} ' |
		head -3 | sed 's/^/# torn: /' >&3
	# the refreshes happened (pre-NAT lines are a matter of timing)
	[ "$post" -gt 0 ]
	assert_equal "$torn" 0
}

@test "races: a record's reply tuple is the post-NAT one when it is freed, even if no packet came after NAT" {
	ctdiag_load intercept=both idle_timeout=0
	ns_setup "$SNAT_ONE_RULES"
	reader_start -f events=EXT_FREE
	run ns_run ctsend udp 127.0.0.1:1000 127.0.0.1:9999
	assert_success
	run ns_run conntrack -L
	assert_output --partial "dst=127.0.0.5 sport=9999 dport=5000"
	ns_run conntrack -F
	wait_for 10 bash -c "[ \$(ctdiag-counters | sed -n 's/^freed_total=//p') -eq 1 ]"
	reader_wait
	cat "$T/ev" >&3
	[ "$(ev_count EXT_FREE)" -eq 1 ]
	[ "$(ev_count EXT_FREE ' rsrc=127.0.0.1 rdst=127.0.0.5 rsport=9999 rdport=5000')" -eq 1 ]
}
