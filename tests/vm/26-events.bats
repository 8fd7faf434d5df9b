#!/usr/bin/env bats
# Lifecycle events of the store in the ring: EXT_ALLOC, EXT_FREE (path),
# CT_DESTROY (path, had_ext, caller), read with the raw reader evdump.
load helper
load store_helper

EV=${BATS_TEST_TMPDIR:-/tmp}

teardown() {
	[ -z "${reader:-}" ] || kill "$reader" 2>/dev/null || true
	wait 2>/dev/null || true
	store_ns_del s1
	vm_teardown
}

ev_start() {
	rm -f "$EV/ready" "$EV/stop"
	evdump -r "$EV/ready" -x "$EV/stop" -f events=EXT_ALLOC,EXT_FREE,CT_DESTROY >"$EV/ev" 2>"$EV/ev.err" &
	reader=$!
	wait_for 10 test -e "$EV/ready"
}

ev_stop() {
	touch "$EV/stop"
	wait "$reader"
	reader=
}

# ids of one event type (plus an extra pattern), sorted
ev_ids() {
	grep "^type=$1 " "$EV/ev" | grep -- "${2:-.}" |
		sed -n 's/.* ct_id=\([0-9]*\) .*/\1/p' | sort -n
}

@test "events: intercept=both, conntrack -F: one EXT_ALLOC, EXT_FREE(destroy) and CT_DESTROY(probe, had_ext) per conntrack" {
	ctdiag_load intercept=both idle_timeout=0
	store_ns_add s1
	ev_start
	run ip netns exec s1 ctgen udp -n 10 -p 2 -r 1 -s 20000
	assert_success
	ct_ids s1 >"$EV/ids"
	[ "$(wc -l <"$EV/ids")" -eq 10 ]
	ip netns exec s1 conntrack -F
	ev_stop
	run diff "$EV/ids" <(ev_ids EXT_ALLOC ' how=2 ')
	assert_success
	run diff "$EV/ids" <(ev_ids EXT_FREE ' path=2 how=2 ')
	assert_success
	run diff "$EV/ids" <(ev_ids CT_DESTROY ' path=2 had_ext=1 caller=0x[0-9a-f]*[1-9a-f]')
	assert_success
	[ "$(grep -c '^type=' "$EV/ev")" -eq 30 ]
	# the records' tuples travel with the events
	[ "$(grep '^type=EXT_FREE ' "$EV/ev" | grep -c ' src=127.0.0.1 .*sport=200[0-9][0-9] .*dport=9999')" -eq 10 ]
}

@test "events: a dropped packet's conntrack is destroyed via the hook, reported once" {
	ctdiag_load intercept=both idle_timeout=0
	store_ns_add s1
	ip netns exec s1 nft add rule inet t o udp dport 7777 drop
	ev_start
	run ip netns exec s1 ctgen udp -e -n 5 -s 30000 -d 7777
	assert_success
	ev_stop
	[ "$(ev_ids EXT_ALLOC | wc -l)" -eq 5 ]
	run diff <(ev_ids EXT_ALLOC) <(ev_ids EXT_FREE ' path=1 ')
	assert_success
	run diff <(ev_ids EXT_ALLOC) <(ev_ids CT_DESTROY ' path=1 had_ext=1 ')
	assert_success
	# the nf_ct_destroy probe saw them too but does not report them again
	[ "$(ev_ids CT_DESTROY ' path=2 ' | wc -l)" -eq 0 ]
	[ "$(counter destroy_probe)" -eq 5 ]
	[ "$(counter destroy_hook)" -eq 5 ]
}

@test "events: intercept=hook reports no destroy for flushed conntracks, idle expiry frees them as orphans" {
	ctdiag_load intercept=hook idle_timeout=1
	store_ns_add s1
	ev_start
	run ip netns exec s1 ctgen udp -n 5 -s 31000
	assert_success
	ip netns exec s1 conntrack -F
	wait_for 10 bash -c '[ "$(ctdiag-counters | sed -n "s/^freed_expiry_orphan=//p")" -eq 5 ]'
	ev_stop
	[ "$(ev_ids CT_DESTROY | wc -l)" -eq 0 ]
	run diff <(ev_ids EXT_ALLOC) <(ev_ids EXT_FREE ' path=3 ')
	assert_success
	[ "$(ev_ids EXT_FREE | wc -l)" -eq 5 ]
}
