# Shared by the guest's bats files (tests/vm/*.bats), which run as root
# inside the qemu guest booted by tests/vm/run.
bats_require_minimum_version 1.5.0
load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

CTDIAG_KO=${CTDIAG_KO:-/ctdiag/ctdiag.ko}
VM_BAD_RE='BUG:|WARNING:|Oops|general protection|KASAN|refcount_t|list_add corruption|list_del corruption|Objects remaining|Kernel panic|soft lockup|hard LOCKUP|rcu_sched self-detected|detected stall|possible circular locking|inconsistent lock state|sleeping function called from invalid context|scheduling while atomic'

# Fail if the kernel log since the previous check holds a bad line; then
# clear it, so each test is judged on its own messages.
vm_dmesg_clean() {
	local log
	log=$(dmesg -c)
	if grep -E "$VM_BAD_RE" <<<"$log" >&2; then
		echo "# kernel log of this test:" >&2
		sed 's/^/# /' <<<"$log" >&2
		return 1
	fi
}

# Load ctdiag.ko with parameters; its dependency nf_conntrack first
# (busybox insmod does not resolve dependencies).
ctdiag_load() {
	modprobe nf_conntrack && insmod "$CTDIAG_KO" "$@"
}

# The test build of the module (tests/vm/build-modules: -DCTDIAG_TEST_KNOBS,
# the delay and fault knobs of kprobe/testknobs.h); its name is ctdiag too.
CTDIAG_KO_TEST=${CTDIAG_KO_TEST:-/ctdiag/ctdiag-test.ko}
ctdiag_load_test() {
	modprobe nf_conntrack && insmod "$CTDIAG_KO_TEST" "$@"
}

# One module counter as tests/tools/ce_counters prints it (the
# confirm_early tests, tests/vm/7x-*.bats).
ce_counter() {
	ce_counters | awk -v k="$1" '$1 == k { print $2 }'
}

# Wait up to 10 s for a background tool to write its "ready" line to FILE.
wait_ready() {
	local i
	for i in $(seq 100); do
		grep -q '^ready$' "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "# $1 never became ready" >&2
	return 1
}

# netns_new NS...: each NS made anew (one an earlier test left is deleted
# first).
netns_new() {
	local ns
	for ns in "$@"; do
		ip netns del "$ns" 2>/dev/null || true
		ip netns add "$ns"
	done
}

# veth_link NS1 DEV1 ADDR1 NS2 DEV2 ADDR2: a veth pair between two
# namespaces that exist, DEV1 in NS1 and DEV2 in NS2, each with its
# address (ADDR/PREFIX) and up.
veth_link() {
	ip -n "$1" link add "$2" type veth peer name "$5" netns "$4"
	ip -n "$1" addr add "$3" dev "$2"
	ip -n "$4" addr add "$6" dev "$5"
	ip -n "$1" link set "$2" up
	ip -n "$4" link set "$5" up
}

# Background tools a test started ("BG+=($!)"), killed by bg_stop at its
# teardown if still running.
BG=()
bg_stop() {
	local p
	for p in "${BG[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	wait
}

ctdiag_loaded() {
	grep -q '^ctdiag ' /proc/modules
}

# rmmod ctdiag, retried for up to 3 s: while another module that chained
# onto nf_ct_hook after ctdiag is loaded, ctdiag holds a reference on
# itself, and it drops it at its next check (once a second,
# kprobe/intercept.c) after that module restored the hook.
ctdiag_rmmod() {
	local i
	for ((i = 0; i < 15; i++)); do
		rmmod ctdiag 2>/dev/null && return 0
		sleep 0.2
	done
	rmmod ctdiag
}

# Unload ctdiag.ko if a test left it loaded.  A failing rmmod is a failure.
vm_unload() {
	if ctdiag_loaded; then
		ctdiag_rmmod
	fi
}

# Default per-test teardown; files with their own teardown call this.
vm_teardown() {
	local rc=0
	vm_unload || rc=1
	vm_dmesg_clean || rc=1
	return $rc
}

teardown() {
	vm_teardown
}
