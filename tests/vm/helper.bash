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
