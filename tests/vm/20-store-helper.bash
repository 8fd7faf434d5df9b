# Helpers for the extension-store VM tests (tests/vm/2x-*.bats).

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
