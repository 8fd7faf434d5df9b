#!/usr/bin/env bats
# ctdiag doctor on the real 6.1 kernel: the live verdict (kallsyms, kprobe
# blacklist, tracefs, module tree) agrees with the offline one for the same
# tree, the probe points are probe-able, and a loaded ctdiag.ko's mode is
# reported and judged.
# The first test needs a kernel on which nf_conntrack was never loaded:
# every VM file gets a fresh boot.
load helper

@test "doctor before nf_conntrack is loaded: probe points from nf_conntrack.ko, probe-ability unknown, exit 0" {
	! grep -q '^nf_conntrack ' /proc/modules
	run --separate-stderr ctdiag doctor
	assert_success
	assert_line "nf_conntrack: module (not loaded: modprobe nf_conntrack to check its probe points)"
	assert_line --regexp '^  nf_ct_destroy +present=yes type=T in=nf_conntrack blacklisted=unknown ftrace=unknown probeable=unknown \(nf_conntrack not loaded\) '
	assert_line --regexp '^  nf_ct_resolve_clash +present=yes type=t in=nf_conntrack blacklisted=unknown ftrace=unknown probeable=unknown \(nf_conntrack not loaded\) '
	# nf_conntrack_destroy is in vmlinux: checkable now.
	assert_line --regexp '^  nf_conntrack_destroy +present=yes type=T in=vmlinux blacklisted=no ftrace=yes probeable=yes$'
	assert_line --regexp '^hook-only interception leaks on this kernel: [0-9]+ modules call nf_ct_destroy directly$'
	assert_line --regexp '^sysctl: nf_conntrack_events=n/a nf_conntrack_timestamp=n/a nf_conntrack_count=n/a/max=n/a net.core.rmem_max=[0-9]+$'
	assert_line "status: ok"
	# doctor itself loaded nothing.
	! grep -q '^nf_conntrack ' /proc/modules
}

@test "doctor in the guest: live and --release offline list the same direct callers" {
	local rel live offline
	modprobe nf_conntrack
	rel=$(uname -r)
	run --separate-stderr ctdiag doctor -o json
	assert_success
	[ -z "$stderr" ]
	live=$output
	run --separate-stderr ctdiag doctor --release "$rel" -o json
	assert_success
	offline=$output
	run jq -r '.mode, .nf_conntrack, .nf_conntrack_loaded' <<<"$live"
	assert_output "live
module
true"
	run jq -r '.mode' <<<"$offline"
	assert_output offline
	# Same modules, same functions, same counts.
	assert_equal "$(jq -cS .direct_callers <<<"$live")" \
		     "$(jq -cS .direct_callers <<<"$offline")"
	run jq -r '.direct_callers[].module' <<<"$live"
	assert_line nf_conntrack
	assert_line nf_conntrack_netlink
	assert_line openvswitch
	assert_line act_ct
	assert_line nf_conntrack_bridge
	[ "$(jq '.direct_caller_modules' <<<"$live")" -ge 10 ]
	assert_equal "$(jq .direct_caller_modules <<<"$live")" \
		     "$(jq '.direct_callers | length' <<<"$live")"
	assert_equal "$(jq .direct_caller_modules <<<"$live")" \
		     "$(jq .direct_caller_modules <<<"$offline")"
}

@test "doctor in the guest: probe points are in kallsyms, not blacklisted, traceable; exit 0" {
	modprobe nf_conntrack
	run --separate-stderr ctdiag doctor
	assert_success
	local n
	n=$(ctdiag doctor -o json | jq .direct_caller_modules)
	assert_line "hook-only interception leaks on this kernel: $n modules call nf_ct_destroy directly"
	assert_line "nf_conntrack: module (loaded)"
	assert_line "module loading: yes"
	assert_line "kprobes: yes"
	assert_line --regexp '^  nf_ct_destroy +present=yes type=T in=nf_conntrack blacklisted=no ftrace=yes probeable=yes '
	assert_line --regexp '^  nf_ct_resolve_clash +present=yes type=[Tt] in=nf_conntrack blacklisted=no ftrace=yes probeable=yes '
	assert_line --regexp '^  __nf_conntrack_confirm +present=yes type=[Tt] in=nf_conntrack blacklisted=no ftrace=yes probeable=yes '
	assert_line --regexp '^  nf_conntrack_update +present=yes type=[Tt] in=nf_conntrack blacklisted=no ftrace=yes probeable=yes '
	# vmlinux-resident hook path
	assert_line --regexp '^  nf_conntrack_destroy +present=yes type=T in=vmlinux '
	# CONFIG_KALLSYMS_ALL=y: the ops table is visible, in .rodata.
	assert_line --partial "by version yes, by symbol yes (nf_conntrack_hook type r in kallsyms)"
	assert_line --regexp '^sysctl: nf_conntrack_events=[0-9]+ nf_conntrack_timestamp=[0-9]+ nf_conntrack_count=[0-9]+/max=[0-9]+ \([0-9]+% full\) net.core.rmem_max=[0-9]+$'
	assert_line "ctdiag.ko: not loaded"
	assert_line --regexp '^recommended: intercept=both '
	assert_line "status: ok"
	# The facts it read are the kernel's.
	grep -qE ' nf_ct_destroy\s+\[nf_conntrack\]$' /proc/kallsyms
	grep -qx 'nf_ct_destroy \[nf_conntrack\]' /sys/kernel/tracing/available_filter_functions
}

@test "doctor with ctdiag.ko intercept=hook: mode reported, does not cover, exit 4" {
	ctdiag_load intercept=hook
	run --separate-stderr ctdiag doctor
	assert_failure 4
	assert_line "ctdiag.ko: loaded, intercept=hook, covers every destroy path: no"
	assert_line "check failed: loaded ctdiag.ko uses intercept=hook, which misses the direct nf_ct_destroy callers: reload with intercept=both"
	assert_line "status: degraded"
	run --separate-stderr ctdiag doctor -o json
	assert_failure 4
	run jq -r '[.ctdiag.loaded, .ctdiag.intercept, .ctdiag.covers_all_paths, .status] | @tsv' <<<"$output"
	assert_output "$(printf 'true\thook\tfalse\tdegraded')"
}

@test "doctor with ctdiag.ko intercept=both: covers every path, exit 0" {
	ctdiag_load intercept=both
	run --separate-stderr ctdiag doctor
	assert_success
	assert_line "ctdiag.ko: loaded, intercept=both, covers every destroy path: yes"
	assert_line "status: ok"
}
