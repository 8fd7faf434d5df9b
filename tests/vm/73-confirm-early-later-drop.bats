#!/usr/bin/env bats
# confirm_early=udp and a later DROP (issue 18): UDP probes that an
# ordinary filter rule drops in INPUT are never confirmed, so they leave
# no conntrack behind.  With the module and confirm_early=udp it must stay
# so (the old fixed-priority hook confirmed every new UDP entry first: 1000
# probes from 1000 ports left 1000 [UNREPLIED] entries).  Only a packet
# that a rule really queues is confirmed early.
load helper

PROBES=${DROP_PROBES:-1000}

teardown() {
	ip netns del lda 2>/dev/null || true
	ip netns del ldb 2>/dev/null || true
	vm_teardown
}

# lda 10.98.0.1 sends over a veth to ldb 10.98.0.2, which tracks
# connections, drops UDP to 9999 in INPUT and queues UDP to 9998
# (queue-bypass: with no program bound the packets go on).
drop_setup() {
	netns_new lda ldb
	veth_link lda ve0 10.98.0.1/24 ldb ve1 10.98.0.2/24
	modprobe nfnetlink_queue
	modprobe nft_queue
	ip netns exec ldb nft -f - <<-'EOF2'
	table inet f {
		chain pre {
			type filter hook prerouting priority 0;
			ct state new counter
		}
		chain in {
			type filter hook input priority 0;
			udp dport 9999 drop
			udp dport 9998 queue num 3 bypass
		}
	}
	EOF2
}

entries() {	# DPORT
	ip netns exec ldb conntrack -L -p udp --dport "$1" 2>/dev/null | grep -c 'dport='
}

probe() {	# DPORT FIRST-SPORT: $PROBES probes, a port each
	ip netns exec lda ctsend udp-range "10.98.0.1:$2-$(($2 + PROBES - 1))" "10.98.0.2:$1"
}

@test "confirm_early=udp: $PROBES UDP probes dropped by a filter rule in INPUT leave 0 conntracks, as without ctdiag" {
	drop_setup
	run probe 9999 20000
	assert_output "sent=$PROBES ok=$PROBES failed=0"
	[ "$(entries 9999)" -eq 0 ]

	ctdiag_load intercept=both confirm_early=udp
	drop_setup
	run probe 9999 20000
	assert_output "sent=$PROBES ok=$PROBES failed=0"
	echo "# with confirm_early=udp: $(entries 9999) entries for dport 9999" >&3
	[ "$(entries 9999)" -eq 0 ]
	[ "$(ce_counter confirm_early)" -eq 0 ]
}

@test "confirm_early=udp: the same probes queued instead (queue-bypass) are confirmed early, one entry each" {
	local n=20
	ctdiag_load intercept=both confirm_early=udp
	drop_setup
	run ip netns exec lda ctsend udp-range "10.98.0.1:30000-$((30000 + n - 1))" 10.98.0.2:9998
	assert_output "sent=$n ok=$n failed=0"
	[ "$(entries 9998)" -eq $n ]
	[ "$(ce_counter confirm_early)" -eq $n ]
	[ "$(ce_counter confirm_early_skip_nat)" -eq 0 ]
}
