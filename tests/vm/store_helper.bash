# Helpers for the VM tests of the extension store (tests/vm/2x-*.bats, and
# the later files that count or list stored entries): test netns setup,
# module counters, conntrack and snapshot ids, polling, background traffic.

# A netns with lo up and conntrack active (nft ct rules on output and
# prerouting call nf_ct_netns_get).
store_ns_add() {
	local ns=$1
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	ip netns exec "$ns" nft -f - <<-'NFT'
	table inet t {
		chain o { type filter hook output priority 0; ct state new counter; }
		chain p { type filter hook prerouting priority 0; ct state new counter; }
	}
	NFT
	# a slow (TCG, loaded) guest must not time entries out mid-test;
	# tests that want timeouts set them lower again
	ip netns exec "$ns" sysctl -qw net.netfilter.nf_conntrack_udp_timeout=600
	ip netns exec "$ns" sysctl -qw net.netfilter.nf_conntrack_udp_timeout_stream=600
}

# store_ctgen NS ARGS...: new UDP conntracks in NS by ctgen udp ARGS,
# which must succeed (its output stays in $output)
store_ctgen() {
	local ns=$1
	shift
	run ip netns exec "$ns" ctgen udp "$@"
	assert_success
}

# store_ctgen_flush NS ARGS...: store_ctgen NS ARGS, then NS's table
# flushed (conntrack -F, which bypasses nf_ct_hook: under intercept=hook
# the flushed entries' records stay behind, leaked)
store_ctgen_flush() {
	store_ctgen "$@"
	ip netns exec "$1" conntrack -F
}

store_ns_del() {
	local ns
	for ns in "$@"; do
		ip netns del "$ns" 2>/dev/null || true
	done
}

# counter NAME: one value from ctdiag-counters
counter() {
	ctdiag-counters | sed -n "s/^$1=//p"
}

# Every counter as shell variables c_<name>
counters_load() {
	eval "$(ctdiag-counters | sed 's/^/c_/')"
}

# allocated = sum of freed + live, exactly
assert_counters_add_up() {
	counters_load
	echo "# allocated=$c_allocated freed_total=$c_freed_total live=$c_live" >&3
	[ "$c_allocated" -eq $((c_freed_total + c_live)) ]
}

ct_count() {
	ip netns exec "$1" conntrack -C
}

# Sorted ids of conntrack -L -o id in a netns / of our snapshot records
ct_ids() {
	ip netns exec "$1" conntrack -L -o id 2>/dev/null |
		sed -n 's/.* id=\([0-9]*\).*/\1/p' | sort -n
}

snap_ids() {
	local ino
	ino=$(ip netns exec "$1" stat -L -c %i /proc/self/ns/net)
	ctdiag-snap 2>/dev/null | awk -v ns="netns=$ino" '$2 == ns' |
		sed -n 's/^id=\([0-9]*\) .*/\1/p' | sort -n
}

# wait_for SECONDS COMMAND...: poll until COMMAND succeeds
wait_for() {
	local t=$1 i
	shift
	for ((i = 0; i < t * 5; i++)); do
		"$@" && return 0
		sleep 0.2
	done
	"$@"
}

# traffic_start NS [UDP_RATE]: in NS, a loop of new UDP and TCP conntracks
# and a flush (conntrack -F), and with UDP_RATE that many new UDP
# conntracks a second besides (bench_connload to 127.0.0.1, ICMP
# unreachable back).  It runs in a process group of its own, $traffic_pid,
# so that it can be paused (kill -STOP -- -$traffic_pid) and stopped as a
# whole (traffic_stop).
traffic_start() {
	setsid bash -c '
		ns=$1 rate=$2
		[ "$rate" = 0 ] ||
			ip netns exec "$ns" bench_connload udp -a 127.0.0.1 -t 100000 -r "$rate" >/dev/null &
		while :; do
			ip netns exec "$ns" ctgen udp -n 40 -p 2 -r 1 >/dev/null
			ip netns exec "$ns" ctgen tcp -n 5 -d 8888 >/dev/null
			ip netns exec "$ns" conntrack -F >/dev/null 2>&1
		done' traffic "$1" "${2:-0}" &
	traffic_pid=$!
}

traffic_stop() {
	[ -n "${traffic_pid:-}" ] || return 0
	kill -CONT -- -"$traffic_pid" 2>/dev/null || true
	kill -- -"$traffic_pid" 2>/dev/null || true
	wait "$traffic_pid" 2>/dev/null || true
	traffic_pid=
}
