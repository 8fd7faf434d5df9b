#!/usr/bin/env bats
# /dev/ctdiag reader semantics: exclusive reader, control handles,
# permissions, whole records, blocking/non-blocking, unload with a reader.
load helper
load ring_helper

@test "device: a second reader gets EBUSY while control handles keep working; SET_FILTER on a control handle is EBADF" {
	ctdiag_load
	reader_start
	run evdump -N
	assert_failure
	assert_output "evdump: open /dev/ctdiag: Device or resource busy (errno=EBUSY)"
	run evdump -s
	assert_success
	assert_line "ring_lost=0"
	run evdump -s
	assert_success
	run evdump -F
	assert_failure
	assert_output "evdump: CTDIAG_IOC_SET_FILTER: Bad file descriptor (errno=EBADF)"
	kill "$READER"
	wait "$READER" || true
	READER=
	# the reader slot is free again
	run evdump -N
	assert_output --partial "errno=EAGAIN"
}

@test "device: non-root is refused (mode 0600 -> EACCES; root without CAP_NET_ADMIN/CAP_SYS_ADMIN -> EPERM)" {
	ctdiag_load
	# the guest initramfs root is 0700 (mktemp); a real system's is not
	chmod 755 /
	run setpriv --reuid=65534 --regid=65534 --clear-groups evdump -N
	assert_failure
	assert_output "evdump: open /dev/ctdiag: Permission denied (errno=EACCES)"
	run capsh --drop=cap_net_admin,cap_sys_admin -- -c "evdump -N"
	assert_failure
	assert_output "evdump: open /dev/ctdiag: Operation not permitted (errno=EPERM)"
	run capsh --drop=cap_net_admin,cap_sys_admin -- -c "evdump -s"
	assert_failure
	assert_output "evdump: open /dev/ctdiag: Operation not permitted (errno=EPERM)"
	# with only CAP_NET_ADMIN left of the two, it opens
	run capsh --drop=cap_sys_admin -- -c "evdump -N"
	assert_output --partial "errno=EAGAIN"
}

@test "device: read with a buffer smaller than one record is EINVAL; empty non-blocking read is EAGAIN" {
	ctdiag_load
	run evdump -N -b 231
	assert_failure
	assert_output "evdump: read: Invalid argument (errno=EINVAL)"
	run evdump -N -b 232
	assert_failure
	assert_output "evdump: read: Resource temporarily unavailable (errno=EAGAIN)"
}

@test "device: a blocked read() is woken by a new record and returns whole records only" {
	ctdiag_load
	ns_setup "$SNAT_RULES"
	# blocking read (no poll), buffer of 1.5 records: gets exactly one
	reader_start --block -n 1 -b 348 -f events=CLASH
	sleep 0.3
	ns_run ctsend udp 127.0.0.1:1000 127.0.0.1:9999
	ns_run ctsend udp 127.0.0.2:1000 127.0.0.1:9999
	for i in $(seq 50); do kill -0 "$READER" 2>/dev/null || break; sleep 0.1; done
	run kill -0 "$READER"
	assert_failure
	reader_wait
	run cat "$T/ev"
	assert_equal "${#lines[@]}" 1
	assert_output --regexp "^type=CLASH .* outcome=DROPPED "
}

@test "device: rmmod fails while a reader sleeps in read(), succeeds after close; closing with pending records is safe" {
	ctdiag_load
	ns_setup "$SNAT_RULES"
	# a reader that never reads leaves records pending at close
	reader_start --block -w "$T/never" -f events=CLASH
	ns_run ctsend udp 127.0.0.1:1000 127.0.0.1:9999
	ns_run ctsend udp-range 127.0.0.1:1001-1005 127.0.0.1:9999
	assert_equal "$(mod_stat ring_written)" 5
	kill "$READER"
	wait "$READER" || true
	READER=
	# and a reader blocked in read()
	reader_start --block
	sleep 0.3
	grep -q '^State:.*S (sleeping)' "/proc/$READER/status"
	run rmmod ctdiag
	assert_failure
	echo "# rmmod with a blocked reader: $output" >&3
	assert_output --partial "Resource temporarily unavailable"
	ctdiag_loaded
	kill "$READER"
	wait "$READER" || true
	READER=
	run rmmod ctdiag
	assert_success
	run ctdiag_loaded
	assert_failure
}

@test "device: CT_DESTROY caller addresses reach only readers with CAP_SYSLOG" {
	ctdiag_load
	ns_setup "$CT_RULES"
	reader_start -f events=CT_DESTROY
	ns_run ctsend udp-range 127.0.0.1:7001-7005 127.0.0.1:9999
	ns_run conntrack -D -p udp >/dev/null 2>&1
	reader_wait
	[ "$(ev_count CT_DESTROY)" -ge 5 ]
	[ "$(ev_count CT_DESTROY ' caller=0x[1-9a-f]')" -ge 1 ]

	rm -f "$T/ready" "$T/stop"
	capsh --drop=cap_syslog -- -c "evdump -r $T/ready -x $T/stop -f events=CT_DESTROY" >"$T/ev" 2>"$T/ev.err" &
	READER=$!
	for i in $(seq 100); do [ -e "$T/ready" ] && break; sleep 0.05; done
	ns_run ctsend udp-range 127.0.0.1:7101-7105 127.0.0.1:9999
	ns_run conntrack -D -p udp >/dev/null 2>&1
	reader_wait
	[ "$(ev_count CT_DESTROY)" -ge 5 ]
	assert_equal "$(ev_count CT_DESTROY ' caller=0x[1-9a-f]')" 0
}

@test "device: with the ring off (ring_kb=0) read() and poll() fail at once (ENODATA) instead of blocking forever" {
	ctdiag_load ring_kb=0
	# a plain blocking read
	run timeout 20 evdump -n 1
	assert_failure 1
	assert_output "evdump: read: No data available (errno=ENODATA)"
	# poll, then read
	run timeout 20 evdump -t 60000 -n 1
	assert_failure 1
	assert_output "evdump: read: No data available (errno=ENODATA)"
}
