#!/usr/bin/env bats
# ctdiag stale on the host's real conntrack: a client keeps sending from
# one source port to a service VIP whose DNAT backend went away (the
# restarted-DNS-pod case), in namespaces this file creates.
#
#   cli 10.201.1.2 --- 10.201.1.1 svc 10.201.2.1 --- 10.201.2.2 b1 (echo :5353)
#                                     10.201.3.1 --- 10.201.3.2 b2 (echo :5353)
#   svc DNATs  VIP 10.201.9.9:53 -> b1, later b2
#              VIP 10.201.9.8:53 -> b2          (always answered)
#              VIP 10.201.9.7:53 -> 10.201.3.99 (nobody, ever)
load test_helper

UDPFLOW=$CTDIAG_TOP/tests/tools/udpflow
VIP=10.201.9.9

setup_file() {
	export NS_PRE=ctdiag-stale$$-
	export CLI=${NS_PRE}cli SVC=${NS_PRE}svc B1=${NS_PRE}b1 B2=${NS_PRE}b2
	export PIDS=$BATS_FILE_TMPDIR/pids
	: >"$PIDS"
	local ns
	for ns in $CLI $SVC $B1 $B2; do
		ip netns add "$ns"
		ip -n "$ns" link set lo up
	done
	ip -n "$SVC" link add s0 type veth peer name c0 netns "$CLI"
	ip -n "$SVC" link add s1 type veth peer name b0 netns "$B1"
	ip -n "$SVC" link add s2 type veth peer name b0 netns "$B2"
	ip -n "$SVC" addr add 10.201.1.1/24 dev s0
	ip -n "$SVC" addr add 10.201.2.1/24 dev s1
	ip -n "$SVC" addr add 10.201.3.1/24 dev s2
	ip -n "$CLI" addr add 10.201.1.2/24 dev c0
	ip -n "$B1" addr add 10.201.2.2/24 dev b0
	ip -n "$B2" addr add 10.201.3.2/24 dev b0
	ip -n "$CLI" link set c0 up
	ip -n "$B1" link set b0 up
	ip -n "$B2" link set b0 up
	ip -n "$SVC" link set s0 up
	ip -n "$SVC" link set s1 up
	ip -n "$SVC" link set s2 up
	ip -n "$CLI" route add default via 10.201.1.1
	ip -n "$B1" route add default via 10.201.2.1
	ip -n "$B2" route add default via 10.201.3.1
	ip netns exec "$SVC" sysctl -qw net.ipv4.ip_forward=1
	ip netns exec "$SVC" sysctl -qw net.netfilter.nf_conntrack_acct=1
	ip netns exec "$SVC" sysctl -qw net.netfilter.nf_conntrack_timestamp=1
	ip netns exec "$SVC" nft -f - <<-EOF
		table ip nat {
			chain pre {
				type nat hook prerouting priority dstnat;
				ip daddr $VIP udp dport 53 dnat to 10.201.2.2:5353
				ip daddr 10.201.9.8 udp dport 53 dnat to 10.201.3.2:5353
				ip daddr 10.201.9.7 udp dport 53 dnat to 10.201.3.99:5353
			}
		}
	EOF
	bg "$B1" "$BATS_FILE_TMPDIR/b1.log" "$UDPFLOW" echo 10.201.2.2:5353
	echo $! >"$BATS_FILE_TMPDIR/b1.pid"	# ip netns exec execs udpflow
	bg "$B2" "$BATS_FILE_TMPDIR/b2.log" "$UDPFLOW" echo 10.201.3.2:5353
	wait_for "$BATS_FILE_TMPDIR/b1.log" ready
	wait_for "$BATS_FILE_TMPDIR/b2.log" ready
}

teardown_file() {
	local pid ns
	while read -r pid; do
		kill "$pid" 2>/dev/null || true
	done <"$PIDS"
	for ns in $CLI $SVC $B1 $B2; do
		ip netns del "$ns" 2>/dev/null || true
	done
}

# bg NS LOG CMD...: CMD in NS in the background, output to LOG.
bg() {
	local ns=$1 log=$2
	shift 2
	ip netns exec "$ns" "$@" >"$log" 2>&1 3>&- &
	echo $! >>"$PIDS"
	echo $!
}

# wait_for FILE REGEX: until a line of FILE matches (10 s at most).
wait_for() {
	local i
	for ((i = 0; i < 100; i++)); do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "timed out waiting for '$2' in $1:" >&2
	cat "$1" >&2
	return 1
}

replies() {
	grep -c '^reply' "$1" || true
}

svc_ct() {
	ip netns exec "$SVC" conntrack -L "$@" 2>/dev/null
}

@test "stale: finds exactly the flow whose DNAT backend is gone, names it; --delete clears it and a new backend answers" {
	local log=$BATS_TEST_TMPDIR/client.log
	# the stuck client: one source port, a datagram every 200 ms
	bg "$CLI" "$log" "$UDPFLOW" send 10.201.1.2:40000 $VIP:53 -i 200 >/dev/null
	# controls: answered all along; answered then quiet; never answered
	# and quiet; one-way without NAT (nobody listens on b2's port 9)
	bg "$CLI" "$BATS_TEST_TMPDIR/ok.log" "$UDPFLOW" send 10.201.1.2:40001 10.201.9.8:53 -i 200 >/dev/null
	bg "$CLI" "$BATS_TEST_TMPDIR/quiet.log" "$UDPFLOW" send 10.201.1.2:40002 10.201.9.8:53 -n 2 -i 100 >/dev/null
	bg "$CLI" "$BATS_TEST_TMPDIR/quiet2.log" "$UDPFLOW" send 10.201.1.2:40003 10.201.9.7:53 -n 2 -i 100 >/dev/null
	bg "$CLI" "$BATS_TEST_TMPDIR/oneway.log" "$UDPFLOW" send 10.201.1.2:40004 10.201.3.2:9 -i 200 >/dev/null
	wait_for "$log" '^reply 3$'
	wait_for "$BATS_TEST_TMPDIR/quiet.log" '^reply 2$'

	# while everything answers, nothing is stale
	run_ctdiag stale --netns "$SVC" -i 1.5
	echo "$output"
	assert_success
	assert_output --regexp '^summary: 0 stale of [0-9]+ entries'

	# the backend pod dies: its process, its namespace, its address; the
	# service now points the VIP at b2, but the old entry still says b1
	kill "$(cat "$BATS_FILE_TMPDIR/b1.pid")"
	ip netns del "$B1"
	ip netns exec "$SVC" nft flush chain ip nat pre
	ip netns exec "$SVC" nft add rule ip nat pre ip daddr $VIP udp dport 53 dnat to 10.201.3.2:5353
	ip netns exec "$SVC" nft add rule ip nat pre ip daddr 10.201.9.8 udp dport 53 dnat to 10.201.3.2:5353
	ip netns exec "$SVC" nft add rule ip nat pre ip daddr 10.201.9.7 udp dport 53 dnat to 10.201.3.99:5353
	n=$(replies "$log")
	sleep 1
	# nothing comes back any more, and the entry looks healthy
	[ "$(replies "$log")" -le $((n + 1)) ]
	run svc_ct -p udp --sport 40000
	assert_output --partial "src=10.201.2.2 dst=10.201.1.2 sport=5353 dport=40000"
	assert_output --partial "[ASSURED]"

	run_ctdiag stale --netns "$SVC" -i 2 -d $VIP
	echo "$output"
	[ "$status" -eq 5 ]
	[ "${#lines[@]}" -eq 3 ]
	assert_line --index 0 --regexp "^udp +17 [0-9]+ src=10.201.1.2 dst=$VIP sport=40000 dport=53 packets=[0-9]+ bytes=[0-9]+ src=10.201.2.2 dst=10.201.1.2 sport=5353 dport=40000 packets=[0-9]+ bytes=[0-9]+ \[ASSURED\] mark=0 delta-time=[0-9]+ use=1$"
	assert_line --index 1 --regexp "^  stale: id=[0-9]+ nat=dnat vip=$VIP vip_port=53 backend=10.201.2.2 backend_port=5353 replies=stopped missing_for>=[0-9.]+s sent=[0-9]+ in [0-9.]+s$"
	assert_line --index 2 --regexp '^summary: 1 stale of 1 entries seen in both samples [0-9.]+s apart$'
	# 5 datagrams a second went out, none came back
	sent=$(sed -n 's/.* sent=\([0-9]*\) in \([0-9]*\).*/\1 \2/p' <<<"${lines[1]}")
	[ "${sent% *}" -ge $((${sent#* } * 5 - 3)) ]
	# read-only without --delete
	run svc_ct -p udp --sport 40000
	assert_output --partial "src=10.201.2.2"

	# a second client whose VIP never had a live backend
	bg "$CLI" "$BATS_TEST_TMPDIR/never.log" "$UDPFLOW" send 10.201.1.2:40005 10.201.9.7:53 -i 200 >/dev/null
	sleep 0.5
	# the whole table: those two, and no answered, quiet or one-way flow
	run_ctdiag stale --netns "$SVC" -i 1.5 -o json
	echo "$output"
	[ "$status" -eq 5 ]
	json=$output
	run jq -sc '[.[] | select(.type == "stale") | [.orig.sport, .backend, .backend_port, .replies]] | sort' <<<"$json"
	assert_output '[[40000,"10.201.2.2",5353,"stopped"],[40005,"10.201.3.99",5353,"never"]]'
	run jq -sc '.[] | select(.type == "stale" and .orig.sport == 40005) | [.nat, .vip, .missing_for_min_s >= 1, .sent >= 5, .missing_for_min_s > .interval_s]' <<<"$json"
	# never answered: missing since the entry was made (timestamps are on)
	assert_output '["dnat","10.201.9.7",true,true,true]'

	# the filters are ls's
	run_ctdiag stale --netns "$SVC" -i 0.5 -p tcp
	assert_success
	assert_output --regexp '^summary: 0 stale of 0 entries'
	run_ctdiag stale --netns "$SVC" -i 1 -p udp --sport 40005
	[ "$status" -eq 5 ]
	assert_line --index 1 --regexp '^  stale: .* backend=10.201.3.99 backend_port=5353 replies=never '
	assert_line --index 2 --regexp '^summary: 1 stale of 1 entries'

	# --delete: exactly the entry found, confirmed by the second sample
	n=$(replies "$log")
	run_ctdiag stale --netns "$SVC" -i 1 -d $VIP --delete
	echo "$output"
	[ "$status" -eq 5 ]
	[ "${#lines[@]}" -eq 3 ]
	assert_line --index 1 --regexp "^  stale: id=[0-9]+ nat=dnat vip=$VIP vip_port=53 backend=10.201.2.2 backend_port=5353 replies=stopped .* deleted=true$"
	assert_line --index 2 --regexp '^summary: 1 stale of 1 entries seen in both samples [0-9.]+s apart, 1 deleted$'
	# the next datagram makes a fresh entry, DNATed to b2, which answers
	wait_for "$log" "^reply $((n + 2))$"
	run svc_ct -p udp --sport 40000
	assert_output --partial "src=10.201.3.2 dst=10.201.1.2 sport=5353 dport=40000"
	refute_output --partial "10.201.2.2"
	# the others were not touched
	run svc_ct -p udp --sport 40005
	assert_output --partial "src=10.201.3.99"
	run svc_ct -p udp --sport 40001
	assert_output --partial "src=10.201.3.2"
	# and the flow is no longer stale
	run_ctdiag stale --netns "$SVC" -i 1 -d $VIP
	echo "$output"
	assert_success
	assert_output --regexp '^summary: 0 stale of 1 entries'
}

@test "stale: accounting off in the namespace is said, with how to turn it on, exit 6 (never an empty all-clear)" {
	local ns=${NS_PRE}noacct
	ip netns add "$ns"
	ip netns exec "$ns" sysctl -qw net.netfilter.nf_conntrack_acct=0
	ip netns exec "$ns" conntrack -I -p udp -s 10.0.0.1 -d 10.0.0.2 --sport 1 --dport 2 -t 300 2>/dev/null
	run_ctdiag stale --netns "$ns" -i 0.2
	ip netns del "$ns"
	echo "$output"
	[ "$status" -eq 6 ]
	assert_line --index 0 'accounting: off in this network namespace (net.netfilter.nf_conntrack_acct=0):'
	assert_output --partial "Turn it on with: ip netns exec $ns sysctl -w net.netfilter.nf_conntrack_acct=1"
	refute_output --partial "summary"
	[ -z "$stderr" ]
}

@test "stale: -o json with accounting off: one summary object with the hint, exit 6" {
	local ns=${NS_PRE}noacct2
	ip netns add "$ns"
	ip netns exec "$ns" sysctl -qw net.netfilter.nf_conntrack_acct=0
	run_ctdiag stale --netns /run/netns/"$ns" -o json
	ip netns del "$ns"
	[ "$status" -eq 6 ]
	[ "${#lines[@]}" -eq 1 ]
	run jq -c '[.type, .accounting, .hint]' <<<"$output"
	assert_output "[\"summary\",false,\"nsenter --net=/run/netns/$ns sysctl -w net.netfilter.nf_conntrack_acct=1\"]"
}

@test "stale: entries made before accounting was on cannot be judged: said, exit 6; counted quiet entries: exit 0" {
	local ns=${NS_PRE}lateacct X
	ip netns add "$ns"
	X="ip netns exec $ns conntrack"
	ip netns exec "$ns" sysctl -qw net.netfilter.nf_conntrack_acct=0
	$X -I -p udp -s 10.0.0.1 -d 10.0.0.2 --sport 1 --dport 2 -t 300 2>/dev/null
	ip netns exec "$ns" sysctl -qw net.netfilter.nf_conntrack_acct=1
	run_ctdiag stale --netns "$ns" -i 0.2
	echo "$output"
	[ "$status" -eq 6 ]
	assert_output --regexp '^summary: 0 stale of 1 entries seen in both samples [0-9.]+s apart; 1 without counters \(made before accounting was on\): cannot tell for those$'
	# one with counters, quiet: judged, not stale
	$X -D -p udp --sport 1 2>/dev/null
	$X -I -p udp -s 10.0.0.1 -d 10.0.0.2 --sport 3 --dport 2 -t 300 2>/dev/null
	run_ctdiag stale --netns "$ns" -i 0.2 -o json
	ip netns del "$ns"
	assert_success
	run jq -c '[.type, .stale, .checked, .uncounted, .accounting]' <<<"$output"
	assert_output '["summary",0,1,0,true]'
}

@test "stale: usage errors exit 2 with one clear line" {
	local args want
	while IFS='|' read -r args want; do
		run_ctdiag stale $args
		[ "$status" -eq 2 ] || { echo "stale $args: status $status"; false; }
		[ "${stderr_lines[0]}" = "ctdiag: error: $want" ] || { echo "stale $args: ${stderr_lines[0]}"; false; }
		[ "${stderr_lines[1]}" = "Try 'ctdiag stale --help' for more information." ]
		[ -z "$output" ]
	done <<-'EOF'
		-i 0|invalid interval '0' (seconds, 0.1 to 86400)
		-i x|invalid interval 'x' (seconds, 0.1 to 86400)
		--interval 1e9|invalid interval '1e9' (seconds, 0.1 to 86400)
		-o yaml|unknown output format 'yaml'
		--dport 53|--sport/--dport need -p with ports (tcp, udp, udplite, sctp, dccp)
		-p nope|unknown protocol 'nope'
		-s 1.2.3.4/33|invalid netmask in '1.2.3.4/33'
		--frob|option '--frob' is unknown or needs an argument
		extra|unexpected argument 'extra'
	EOF
}

@test "stale: a namespace that does not exist is a runtime error, exit 1" {
	run_ctdiag stale --netns ctdiag-stale-no-such-ns$$
	[ "$status" -eq 1 ]
	assert_equal "$stderr" "ctdiag: error: cannot open network namespace /run/netns/ctdiag-stale-no-such-ns$$: no such namespace (see ip netns list)"
}

@test "stale: IPv6, DNAT in output to a backend that never answers: replies=never; --delete removes exactly it (by tuple and id)" {
	local ns=${NS_PRE}v6 log=$BATS_TEST_TMPDIR/v6.log id1 id2
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	ip -n "$ns" link add d0 type veth peer name d1
	ip -n "$ns" link set d0 up
	ip -n "$ns" link set d1 up
	ip -n "$ns" addr add fd00:201:2::1/64 dev d0 nodad
	ip -n "$ns" route add fd00:201:9::/64 dev d0
	ip netns exec "$ns" sysctl -qw net.netfilter.nf_conntrack_acct=1
	ip netns exec "$ns" nft -f - <<-'EOF'
		table ip6 nat {
			chain out {
				type nat hook output priority -100;
				ip6 daddr fd00:201:9::9 udp dport 53 dnat to [fd00:201:2::2]:5353
			}
		}
	EOF
	# nothing answers neighbour solicitation for the backend on d0: the
	# packets die after POSTROUTING, so the entries are confirmed
	bg "$ns" "$log" "$UDPFLOW" send "[fd00:201:2::1]:40006" "[fd00:201:9::9]:53" -i 100 >/dev/null
	bg "$ns" /dev/null "$UDPFLOW" send "[fd00:201:2::1]:40007" "[fd00:201:2::1]:9" -i 100 >/dev/null
	sleep 0.5
	id1=$(ip netns exec "$ns" conntrack -L -p udp --sport 40006 -o id 2>/dev/null | sed -n 's/.* id=\([0-9]*\).*/\1/p')
	[ -n "$id1" ]
	run_ctdiag stale --netns "$ns" -i 1 -f ipv6 --delete
	echo "$output"
	[ "$status" -eq 5 ]
	[ "${#lines[@]}" -eq 3 ]
	assert_line --index 0 --regexp '^udp +17 [0-9]+ src=fd00:201:2::1 dst=fd00:201:9::9 sport=40006 dport=53 packets=[0-9]+ bytes=[0-9]+ \[UNREPLIED\] src=fd00:201:2::2 dst=fd00:201:2::1 sport=5353 dport=40006 packets=0 bytes=0 mark=0 use=[0-9]+$'
	assert_line --index 1 --regexp "^  stale: id=$id1 nat=dnat vip=fd00:201:9::9 vip_port=53 backend=fd00:201:2::2 backend_port=5353 replies=never missing_for>=[0-9.]+s sent=[0-9]+ in [0-9.]+s deleted=true$"
	# the sender's next datagram made a new entry: another id
	sleep 0.3
	id2=$(ip netns exec "$ns" conntrack -L -p udp --sport 40006 -o id 2>/dev/null | sed -n 's/.* id=\([0-9]*\).*/\1/p')
	ip netns exec "$ns" conntrack -L -p udp --sport 40007 2>/dev/null | grep -q 'packets='
	ip netns del "$ns"
	[ -n "$id2" ]
	[ "$id2" != "$id1" ]
}
