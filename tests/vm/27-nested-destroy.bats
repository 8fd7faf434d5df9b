#!/usr/bin/env bats
# A conntrack freed while a kprobe handler already runs on the CPU (a
# user's bpftrace kprobe, our own kretprobe handler, a softirq's last
# nf_ct_put interrupting a handler): the destroy interception must still
# see it.  tests/vm/nestput does the last nf_ct_put inside its kprobe
# handler on getppid, on demand.
load helper
load store_helper

NESTPUT_KO=/ctdiag/tests/vm/nestput/ctdiag_nestput.ko

teardown() {
	grep -q '^ctdiag_nestput ' /proc/modules && rmmod ctdiag_nestput
	store_ns_del nd1
	vm_teardown
}

# nest_free SPORT: free the conntrack 127.0.0.1:SPORT -> :9999 of nd1 from
# inside the getppid kprobe handler (bash calls getppid at startup).
nest_free() {
	insmod "$NESTPUT_KO" sport="$1" dport=9999
	echo 1 >/sys/module/ctdiag_nestput/parameters/arm
	ip netns exec nd1 bash -c ':'
	[ "$(cat /sys/module/ctdiag_nestput/parameters/done)" -eq 1 ]
	rmmod ctdiag_nestput
}

@test "nested destroy: a conntrack freed inside a kprobe handler frees its record (intercept=destroy)" {
	ctdiag_load intercept=destroy idle_timeout=0
	store_ns_add nd1
	store_ctgen nd1 -n 3 -s 20000
	[ "$(ct_count nd1)" -eq 3 ]
	[ "$(counter live)" -eq 3 ]
	nest_free 20001
	counters_load
	echo "# nested free: conntrack -C=$(ct_count nd1) live=$c_live freed_destroy=$c_freed_destroy destroy_probe=$c_destroy_probe nmissed=$c_probe_nmissed_destroy" >&3
	[ "$(ct_count nd1)" -eq 2 ]
	[ "$c_live" -eq 2 ]
	[ "$c_freed_destroy" -eq 1 ]
	[ "$c_probe_nmissed_destroy" -eq 0 ]
	# the other two still go the ordinary way
	ip netns exec nd1 conntrack -F
	[ "$(counter live)" -eq 0 ]
	assert_counters_add_up
}

@test "nested destroy: one CT_DESTROY event, probe path, with the caller (intercept=both)" {
	ctdiag_load intercept=both idle_timeout=0
	store_ns_add nd1
	store_ctgen nd1 -n 1 -s 20100
	local ev=$BATS_TEST_TMPDIR
	evdump -r "$ev/ready" -x "$ev/stop" -f events=EXT_FREE,CT_DESTROY >"$ev/ev" 2>"$ev/ev.err" &
	local reader=$!
	wait_for 10 test -e "$ev/ready"
	nest_free 20100
	touch "$ev/stop"
	wait "$reader"
	sed 's/^/# /' "$ev/ev" >&3
	[ "$(counter live)" -eq 0 ]
	[ "$(counter freed_destroy)" -eq 1 ]
	[ "$(grep -c '^type=EXT_FREE .* path=2 ' "$ev/ev")" -eq 1 ]
	# root reader: the caller (nf_ct_put inlined into the helper) is shown
	[ "$(grep -c '^type=CT_DESTROY .* path=2 had_ext=1 caller=0x[0-9a-f]*[1-9a-f]' "$ev/ev")" -eq 1 ]
}
