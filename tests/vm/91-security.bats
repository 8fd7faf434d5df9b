#!/usr/bin/env bats
# Security (issue 11): the CLI's refusal of unprivileged users on the
# 0600 device (the raw open() errnos are in 32-device.bats), no kernel
# pointer in any record, snapshot or counters reply (scanned in a
# recording of a busy session by tests/tools/kptrscan), and module
# parameters that are validated at load and read-only at runtime.
load helper
load store_helper

T=${BATS_TEST_TMPDIR:-/tmp}

teardown() {
	[ -z "${kptr_was:-}" ] || sysctl -qw kernel.kptr_restrict="$kptr_was"
	[ -z "${rec_pid:-}" ] || kill "$rec_pid" 2>/dev/null || true
	wait 2>/dev/null || true
	store_ns_del s1
	vm_teardown
}

@test "security: /dev/ctdiag is root:root 0600; ctdiag refuses nobody and capability-less root with one line, exit 1" {
	ctdiag_load
	[ "$(stat -c '%a %U %G' /dev/ctdiag)" = "600 root root" ]
	chmod 755 /	# the guest initramfs root is 0700
	for cmd in watch "record -w /tmp/sec-r.ctr" leaks; do
		run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups ctdiag $cmd
		[ "$status" -eq 1 ]
		[ "$stderr" = "ctdiag: error: cannot open /dev/ctdiag: permission denied (needs root or CAP_NET_ADMIN)" ]
		run --separate-stderr capsh --drop=cap_net_admin,cap_sys_admin -- -c "ctdiag $cmd"
		[ "$status" -eq 1 ]
		[ "$stderr" = "ctdiag: error: cannot open /dev/ctdiag: permission denied (needs root or CAP_NET_ADMIN)" ]
	done
	[ ! -e /tmp/sec-r.ctr ]
}

# A busy session: allocations, frees by every path the traffic takes,
# destroys, clashes (udp_race), idle expiry; recorded with --snapshot so
# the file also holds the snapshot ioctl's records and the counters.
busy_recording() {	# FILE [wrapper...]
	local f=$1 i
	shift
	store_ns_add s1
	ctdiag_load intercept=both idle_timeout=1
	ip netns exec s1 ctgen udp -n 50 -s 20000 >/dev/null
	# The recorder first, the traffic while it reads, then stop it: on
	# a slow (loaded) TCG guest a fixed recording window could close
	# before the traffic's destroys.  (The wrappers exec: $! is ctdiag.)
	"$@" ctdiag record -w "$f" --snapshot --duration 120 2>"$T/rec.err" &
	rec_pid=$!
	for ((i = 0; i < 100; i++)); do
		[ -s "$f" ] && break
		sleep 0.1
	done
	sleep 0.5
	for i in 1 2 3; do
		ip netns exec s1 ctgen udp -n 100 -p 2 -r 1 >/dev/null
		ip netns exec s1 ctgen tcp -n 20 -d 8888 >/dev/null
		ip netns exec s1 udp_race -n 50 >/dev/null 2>&1
		ip netns exec s1 conntrack -D -p udp >/dev/null 2>&1
	done
	sleep 1
	kill -INT "$rec_pid"
	wait "$rec_pid" || true
	rec_pid=
}

@test "security: no kernel pointer in a recording (events, snapshot, counters) of a reader without CAP_SYSLOG" {
	busy_recording "$T/nosyslog.ctr" capsh --drop=cap_syslog -- -c 'exec "$0" "$@"'
	run kptrscan "$T/nosyslog.ctr"
	echo "# $output" >&3
	assert_success
	# a busy session: many records, destroys among them
	[[ "$output" =~ events=([0-9]+) ]] && [ "${BASH_REMATCH[1]}" -ge 500 ]
	[[ "$output" =~ destroys=([0-9]+) ]] && [ "${BASH_REMATCH[1]}" -ge 100 ]
	assert_output --partial "hits=0 caller_hits=0 "
}

@test "security: with CAP_SYSLOG the only kernel addresses are u.destroy.caller (the scanner sees them)" {
	busy_recording "$T/syslog.ctr"
	run kptrscan "$T/syslog.ctr"
	echo "# $output" >&3
	assert_success
	assert_output --partial "hits=0 "
	# positive control: the scan does recognise real kernel text addresses
	[[ "$output" =~ caller_hits=([0-9]+) ]] && [ "${BASH_REMATCH[1]}" -ge 100 ]
}

@test "security: with CAP_SYSLOG but kernel.kptr_restrict=2, no code address either" {
	kptr_was=$(sysctl -n kernel.kptr_restrict)
	sysctl -qw kernel.kptr_restrict=2
	busy_recording "$T/kptr2.ctr"
	run kptrscan "$T/kptr2.ctr"
	echo "# $output" >&3
	assert_success
	# destroys recorded (each would carry a caller address)
	[[ "$output" =~ destroys=([0-9]+) ]] && [ "${BASH_REMATCH[1]}" -ge 1 ]
	assert_output --partial "hits=0 caller_hits=0 "
}

@test "security: ring_kb is capped in total too (1/8 of RAM, at most 1 GiB), not only per CPU" {
	modprobe nf_conntrack
	dmesg -c >/dev/null
	# 64 MiB on each of the guest's 2 CPUs: more than 1/8 of its 1 GiB
	[ "$(nproc)" -ge 2 ]
	run insmod "$CTDIAG_KO" ring_kb=65536
	assert_failure
	run dmesg -c
	assert_output --regexp "ctdiag: invalid ring_kb=65536: [0-9]+ KiB for [0-9]+ CPUs, more than the total cap of [0-9]+ KiB"
	run grep '^ctdiag ' /proc/modules
	assert_failure
	# a per-CPU size within the total loads
	insmod "$CTDIAG_KO" ring_kb=8192
}

@test "security: every module parameter but repair is read-only at runtime (0444) and a write fails; repair is root-only (0644) and takes only 0 or 1" {
	ctdiag_load
	local p n=0
	for p in /sys/module/ctdiag/parameters/*; do
		if [ "${p##*/}" = repair ]; then
			# the documented run-time switch (ctdiag repair on|off)
			[ "$(stat -c %a "$p")" = 644 ]
			[ "$(stat -c %U:%G "$p")" = root:root ]
			! (echo 2 >"$p") 2>/dev/null
			[ "$(cat "$p")" = 0 ] || [ "$(cat "$p")" = N ]
			continue
		fi
		[ "$(stat -c %a "$p")" = 444 ]
		! (echo 1 >"$p") 2>/dev/null
		n=$((n + 1))
	done
	# intercept, idle_timeout, ring_kb, confirm_early, confirm_probe, ...
	[ "$n" -ge 5 ]
}

@test "security: out-of-range ring_kb and unknown confirm_early protocols are refused at load" {
	modprobe nf_conntrack
	dmesg -c >/dev/null
	run insmod "$CTDIAG_KO" ring_kb=-1
	assert_failure
	run insmod "$CTDIAG_KO" ring_kb=65537
	assert_failure
	run dmesg -c
	assert_output --partial "ctdiag: invalid ring_kb=-1: 0..65536 KiB per CPU"
	assert_output --partial "ctdiag: invalid ring_kb=65537: 0..65536 KiB per CPU"
	run insmod "$CTDIAG_KO" confirm_early=udp,tcp
	assert_failure
	run insmod "$CTDIAG_KO" intercept=
	assert_failure
	run insmod "$CTDIAG_KO" idle_timeout=abc
	assert_failure
	run dmesg -c
	assert_output --partial "ctdiag: invalid confirm_early=udp,tcp: comma-separated list of udp, udplite"
	assert_output --partial "ctdiag: invalid intercept=: use hook, destroy or both"
	run grep '^ctdiag ' /proc/modules
	assert_failure
}
