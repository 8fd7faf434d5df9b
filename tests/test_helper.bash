# Shared by the host bats files (tests/NN-topic.bats).
bats_require_minimum_version 1.5.0
load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

CTDIAG_TOP=$(cd "$(dirname "${BATS_TEST_FILENAME}")/.." && pwd)
[ -d "$CTDIAG_TOP/cli" ] || CTDIAG_TOP=$(cd "$(dirname "${BATS_TEST_FILENAME}")/../.." && pwd)
CTDIAG=${CTDIAG:-$CTDIAG_TOP/cli/ctdiag}

# run_ctdiag ARGS...: run the CLI under bats' `run`, with stderr kept apart
# ($output is stdout, $stderr is stderr).  CTDIAG_WRAPPER (e.g. valgrind)
# is prepended when set.
run_ctdiag() {
	run --separate-stderr ${CTDIAG_WRAPPER:-} "$CTDIAG" "$@"
}

# Network namespaces created by a test, deleted by netns_cleanup.
NETNS_PREFIX=ctdiag-t$$-
netns_add() {
	local ns=$NETNS_PREFIX$1
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	echo "$ns"
}
netns_cleanup() {
	local ns
	for ns in $(ip netns list | awk '{print $1}' | grep "^$NETNS_PREFIX" || true); do
		ip netns del "$ns"
	done
}
