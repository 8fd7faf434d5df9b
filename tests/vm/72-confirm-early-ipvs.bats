#!/usr/bin/env bats
# confirm_early=udp and IPVS (issue 18): a UDP virtual service in NAT mode
# with net.ipv4.vs.conntrack=1, no nat table, and a FORWARD chain that
# lets only established traffic through.  Without ctdiag every request
# gets its reply and the director holds one conntrack per flow whose reply
# comes from the real server.  confirm_early must change nothing: not
# when no rule queues (the old fixed-priority hook confirmed the entry
# before ip_vs_in rewrote its reply tuple, so the replies made second
# entries and were dropped), and not when a rule in the director's INPUT
# queues the requests (IPVS hooks at 98/99 follow: skip_nat).
load helper

FLOWS=${IPVS_FLOWS:-20}

teardown() {
	[ -n "${SRV:-}" ] && kill "$SRV" 2>/dev/null
	wait
	local n
	for n in ivc ivd ivr; do
		ip netns del $n 2>/dev/null || true
	done
	vm_teardown
}

# client ivc 10.0.1.2 -- 10.0.1.1 director ivd 10.0.2.1 -- 10.0.2.2 real server ivr
# QUEUE=1: the director also queues the requests in INPUT (queue-bypass,
# no program bound: they go on at once).
ipvs_setup() {
	local n
	for n in ivc ivd ivr; do
		ip netns del $n 2>/dev/null || true
		ip netns add $n
		ip -n $n link set lo up
	done
	veth_link ivc ve0 10.0.1.2/24 ivd ve1 10.0.1.1/24
	veth_link ivd ve2 10.0.2.1/24 ivr ve3 10.0.2.2/24
	ip -n ivr route add default via 10.0.2.1
	ip netns exec ivd sysctl -qw net.ipv4.ip_forward=1
	modprobe ip_vs
	modprobe ip_vs_rr
	ip netns exec ivd sysctl -qw net.ipv4.vs.conntrack=1
	ip netns exec ivd nft -f - <<-'EOF2'
	table inet f {
		chain forward_policy {
			type filter hook forward priority 0; policy drop;
			ct state established,related accept
			ip daddr 10.0.2.2 accept
		}
	}
	EOF2
	if [ "${QUEUE:-0}" = 1 ]; then
		modprobe nfnetlink_queue
		modprobe nft_queue
		ip netns exec ivd nft add chain inet f in '{ type filter hook input priority 0; }'
		ip netns exec ivd nft add rule inet f in udp dport 53 queue num 7 bypass
	fi
	ip netns exec ivd ipvsadm -A -u 10.0.1.1:53 -s rr
	ip netns exec ivd ipvsadm -a -u 10.0.1.1:53 -r 10.0.2.2:53 -m
	rm -f "$BATS_TEST_TMPDIR/srv"
	ip netns exec ivr udpecho server -p 53 -t 30000 >"$BATS_TEST_TMPDIR/srv" 3>&- &
	SRV=$!
	local i
	for i in $(seq 50); do
		grep -q ready "$BATS_TEST_TMPDIR/srv" && break
		sleep 0.1
	done
}

# FLOWS requests from FLOWS ports; "replies=R entries=E real=L" where E
# counts the director's UDP conntracks and L those whose reply comes from
# the real server.
ipvs_run() {
	local out
	out=$(ip netns exec ivc udpecho client -d 10.0.1.1 -p 53 -s "$1" -n "$FLOWS" -t 2000)
	local l
	l=$(ip netns exec ivd conntrack -L -p udp 2>/dev/null)
	echo "# $out; director: $(grep -c . <<<"$l") entries" >&3
	echo "$out" | sed 's/.*replies=\([0-9]*\).*/replies=\1/'
	echo "entries=$(grep -c 'dport=53' <<<"$l")"
	echo "real=$(grep -c 'src=10.0.2.2 dst=10.0.1.2 sport=53' <<<"$l")"
}

@test "confirm_early=udp and an IPVS UDP service (conntrack=1, no nat table): replies and conntracks as without ctdiag" {
	ipvs_setup
	run ipvs_run 20000
	assert_output "$(printf 'replies=%s\nentries=%s\nreal=%s' $FLOWS $FLOWS $FLOWS)"

	ctdiag_load intercept=both confirm_early=udp
	ipvs_setup
	run ipvs_run 21000
	assert_output "$(printf 'replies=%s\nentries=%s\nreal=%s' $FLOWS $FLOWS $FLOWS)"
	[ "$(ce_counter confirm_early)" -eq 0 ]
}

@test "confirm_early=udp, IPVS service whose requests a rule in INPUT queues: left alone (skip_nat), replies as without ctdiag" {
	QUEUE=1 ipvs_setup
	run ipvs_run 22000
	assert_output "$(printf 'replies=%s\nentries=%s\nreal=%s' $FLOWS $FLOWS $FLOWS)"

	ctdiag_load intercept=both confirm_early=udp
	QUEUE=1 ipvs_setup
	run ipvs_run 23000
	assert_output "$(printf 'replies=%s\nentries=%s\nreal=%s' $FLOWS $FLOWS $FLOWS)"
	[ "$(ce_counter confirm_early)" -eq 0 ]
	[ "$(ce_counter confirm_early_skip_nat)" -eq $FLOWS ]
}
