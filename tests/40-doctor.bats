#!/usr/bin/env bats
# ctdiag doctor: direct nf_ct_destroy callers found by relocation scanning,
# cross-checked against binutils over the same files; fixtures built by
# tests/elf-fixtures.sh; the live verdict on this host.
load test_helper

setup_file() {
	export KREL=$("$CTDIAG_TOP/tests/vm/kver")
	export FX=$BATS_FILE_TMPDIR/fx
	"$CTDIAG_TOP/tests/elf-fixtures.sh" "$FX" >/dev/null
	# objdump's view of the 6.1 tree, computed once for the tests below.
	export OBJDUMP_CALLERS=$BATS_FILE_TMPDIR/objdump-callers
	objdump_callers "/lib/modules/$KREL/kernel/net" >"$OBJDUMP_CALLERS"
}

# .ko files under $1 whose symbol table names nf_ct_destroy (defined or
# undefined): one nm run over the whole tree, to keep forks down.
nm_candidates() {
	find "$1" -name '*.ko' -exec nm -A {} + 2>/dev/null |
		awk '$NF == "nf_ct_destroy" { sub(/:.*/, "", $1); print $1 }' | sort -u
}

# "module function" lines for every call site of nf_ct_destroy in the .ko
# files under $1, from objdump's disassembly with inline relocations: the
# function is the label objdump prints above the call.  Independent of
# ctdiag's libelf code.
objdump_callers() {
	local f m
	nm_candidates "$1" | while read -r f; do
		m=$(basename "$f" .ko | tr - _)
		objdump -dr --no-show-raw-insn "$f" |
			awk -v m="$m" '
				/^[0-9a-f]+ <.*>:$/ { fn = $2; gsub(/[<>:]/, "", fn) }
				/R_X86_64_(PLT32|PC32)[ \t]+nf_ct_destroy-0x4$/ { print m, fn }'
	done | sort -u
}

@test "doctor --release (Debian 6.1 tree): caller modules equal readelf's set" {
	[ -n "$KREL" ] && [ -d "/lib/modules/$KREL/kernel/net" ]
	# Modules with a relocation against nf_ct_destroy applied to an
	# executable section (readelf -SW gives the flags of the target).
	local expected f
	expected=$(nm_candidates "/lib/modules/$KREL/kernel/net" |
		while read -r f; do
			readelf -rW "$f" | awk '/^Relocation section/ { s = $3; gsub(/\x27/, "", s) }
				$5 == "nf_ct_destroy" { print s }' | sort -u |
			while read -r rs; do
				t=${rs#.rela}
				readelf -SW "$f" | awk -v t="$t" '{ sub(/^ *\[ *[0-9]+\] */, "") }
					$1 == t && $0 ~ / [WAXMSILOGTCxoEl]*AX[A-Za-z]* / { print "x"; exit }'
			done | grep -q x && basename "$f" .ko | tr - _
		done | sort)
	[ "$(wc -l <<<"$expected")" -ge 10 ]
	run_ctdiag doctor --release "$KREL" -o json
	assert_success
	[ -z "$stderr" ]
	run jq -r '.direct_callers[].module' <<<"$output"
	assert_success
	assert_equal "$(sort <<<"$output")" "$expected"
}

@test "doctor --release (Debian 6.1 tree): calling functions equal objdump's" {
	local expected
	expected=$(cat "$OBJDUMP_CALLERS")
	[ "$(wc -l <"$OBJDUMP_CALLERS")" -ge 30 ]
	run_ctdiag doctor --release "$KREL" -o json
	assert_success
	run jq -r '.direct_callers[] | .module as $m | .functions[] | "\($m) \(.name)"' <<<"$output"
	assert_equal "$(sort -u <<<"$output")" "$expected"
	# nf_conntrack's own puts are the bulk: clash merge, delete, NFQUEUE update.
	assert_line "nf_conntrack __nf_ct_resolve_clash"
	assert_line "nf_conntrack nf_ct_delete"
	assert_line "nf_conntrack nf_conntrack_update"
}

@test "doctor --release (Debian 6.1 tree): call counts equal objdump's, verdict line" {
	local n calls
	n=$(awk '{ print $1 }' "$OBJDUMP_CALLERS" | sort -u | wc -l)
	calls=$(objdump -dr "/lib/modules/$KREL/kernel/net/netfilter/nf_conntrack.ko" |
		grep -cE 'R_X86_64_(PLT32|PC32)[[:space:]]+nf_ct_destroy-0x4$')
	run_ctdiag doctor --release "$KREL"
	assert_success
	assert_line "hook-only interception leaks on this kernel: $n modules call nf_ct_destroy directly"
	assert_line --regexp "^  nf_conntrack \(kernel/net/netfilter/nf_conntrack.ko\): $calls calls in "
	assert_line "kernel: $KREL (offline)"
	assert_line --partial "live checks: skipped (offline"
	assert_line "nf_conntrack: module"
	assert_line "built-in code: cannot call nf_ct_destroy directly (it lives in nf_conntrack.ko)"
	# 6.1: nf_conntrack_hook sits in .rodata of nf_conntrack.ko.
	assert_line "nf_ct_hook ops const (5.17+, 285c8a7a5815): by version yes, by symbol yes (nf_conntrack_hook type r in nf_conntrack.ko)"
	assert_line "dying/unconfirmed lists (removed in 5.19): by version no, list helpers in the symbols: none"
	assert_line --regexp '^recommended: intercept=both '
	assert_line "status: ok"
	refute_line --partial "sysctl:"
}

@test "doctor --release -o json: one JSON object, probe points from nf_conntrack.ko" {
	run_ctdiag doctor --release "$KREL" -o json
	assert_success
	[ "$(wc -l <<<"$output")" -eq 1 ]
	run jq -r '[.release, .mode, .nf_conntrack, .hook_only_leaks, .status,
		.recommended_intercept, .nf_ct_hook.ops_const_by_symbol,
		(.failed_checks | length)] | @tsv' <<<"$output"
	assert_output "$(printf '%s\toffline\tmodule\ttrue\tok\tboth\ttrue\t0' "$KREL")"
	run_ctdiag doctor --release "$KREL" -o json
	run jq -r '.symbols[] | "\(.name) \(.present) \(.type) \(.probeable)"' <<<"$output"
	assert_line "nf_ct_destroy true T null"
	assert_line "nf_ct_resolve_clash true t null"
	assert_line "__nf_conntrack_confirm true T null"
	assert_line "nf_conntrack_update true t null"
	# nf_conntrack_destroy is in vmlinux, which offline mode has not read.
	assert_line "nf_conntrack_destroy null null null"
}

@test "doctor --kernel-dir fixtures: plain, xz, zstd and gzip modules; data-only reference not counted" {
	run_ctdiag doctor --kernel-dir "$FX/good" -o json
	assert_success
	run jq -r '.direct_callers[] | "\(.module) \(.calls) \([.functions[] | "\(.name)=\(.calls)"] | join(","))"' <<<"$output"
	assert_output "caller_gz 3 helper=2,my_put=1
caller 3 helper=2,my_put=1
nf_conntrack 1 nf_ct_delete=1
caller_zst 3 helper=2,my_put=1
caller_xz 3 helper=2,my_put=1"
	refute_output --partial nocall
	run_ctdiag doctor --kernel-dir "$FX/good"
	assert_success
	assert_line "kernel: 9.9.9-fixture (offline)"
	assert_line "direct callers of nf_ct_destroy (modules scanned: 6, unreadable: 0):"
	assert_line "hook-only interception leaks on this kernel: 5 modules call nf_ct_destroy directly"
	assert_line "status: ok"
}

@test "doctor --kernel-dir: pre-5.17 style tree (no nf_ct_destroy, writable ops) is degraded, exit 4" {
	run_ctdiag doctor --kernel-dir "$FX/old"
	assert_failure 4
	assert_line "hook-only interception does not leak on this kernel: no module calls nf_ct_destroy directly"
	assert_line "nf_ct_hook ops const (5.17+, 285c8a7a5815): by version no, by symbol no (nf_conntrack_hook type d in nf_conntrack.ko)"
	assert_line "dying/unconfirmed lists (removed in 5.19): by version yes, list helpers in the symbols: nf_ct_add_to_dying_list"
	assert_line --regexp '^recommended: intercept=hook '
	assert_line "check failed: nf_ct_resolve_clash not found: confirm collisions and their outcome not recorded"
	assert_line "check failed: nf_conntrack_update not found: NFQUEUE pre-confirm swaps (before 6.12) not recorded"
	assert_line "status: degraded"
}

@test "doctor --kernel-dir: truncated, non-ELF and corrupt xz modules are named, report still made, exit 1" {
	run_ctdiag doctor --kernel-dir "$FX/bad"
	assert_failure 1
	local d=$FX/bad/kernel/net/netfilter
	[[ "$stderr" == *"ctdiag: warning: $d/truncated.ko: truncated ELF: section header table"*"lies beyond the end of the file"* ]]
	[[ "$stderr" == *"ctdiag: warning: $d/notelf.ko: not an ELF file"* ]]
	[[ "$stderr" == *"ctdiag: warning: $d/corrupt.ko.xz: truncated xz data"* ]]
	assert_line "  caller (kernel/net/netfilter/caller.ko): 3 calls in helper (2), my_put"
	assert_line "direct callers of nf_ct_destroy (modules scanned: 5, unreadable: 3):"
	assert_line "  unreadable: kernel/net/netfilter/notelf.ko: not an ELF file"
	assert_line "status: incomplete (unreadable files)"
	run_ctdiag doctor --kernel-dir "$FX/bad" -o json
	assert_failure 1
	run jq -r '.unreadable[].path' <<<"$output"
	assert_output "kernel/net/netfilter/corrupt.ko.xz
kernel/net/netfilter/notelf.ko
kernel/net/netfilter/truncated.ko"
}

@test "doctor --vmlinux: built-in callers named from a vmlinux linked with --emit-relocs" {
	run_ctdiag doctor --kernel-dir "$FX/builtin" --vmlinux "$FX/vmlinux-relocs" -o json
	assert_success
	run jq -r '[.nf_conntrack, .builtin.status, .builtin.calls, ([.builtin.functions[].name] | join(",")), .builtin_calls, .direct_caller_modules, .status] | @tsv' <<<"$output"
	assert_output "$(printf 'builtin\tscanned\t2\tnf_ct_delete,start_kernel\ttrue\t1\tok')"
	run_ctdiag doctor --kernel-dir "$FX/builtin" --vmlinux "$FX/vmlinux-relocs"
	assert_line "  vmlinux: 2 calls in nf_ct_delete, start_kernel"
	assert_line "hook-only interception leaks on this kernel: 1 module calls nf_ct_destroy directly, and so does built-in code (vmlinux)"
}

@test "doctor --vmlinux without relocations says why callers cannot be listed" {
	run_ctdiag doctor --kernel-dir "$FX/builtin" --vmlinux "$FX/vmlinux-norelocs"
	assert_success
	assert_line "built-in code: vmlinux has no relocations (not linked with --emit-relocs): built-in callers cannot be listed ($FX/vmlinux-norelocs)"
}

@test "doctor --vmlinux truncated / not ELF / missing: one error naming the file, exit 1" {
	run_ctdiag doctor --kernel-dir "$FX/builtin" --vmlinux "$FX/vmlinux-truncated"
	assert_failure 1
	[ -z "$output" ]
	[[ "$stderr" == "ctdiag: error: $FX/vmlinux-truncated: truncated ELF: "*"lies beyond the end of the file (600 bytes)" ]]
	run_ctdiag doctor --kernel-dir "$FX/builtin" --vmlinux "$FX/notelf"
	assert_failure 1
	assert_equal "$stderr" "ctdiag: error: $FX/notelf: not an ELF file"
	run_ctdiag doctor --kernel-dir "$FX/builtin" --vmlinux "$FX/notelf" -o json
	assert_failure 1
	# JSON mode: the error is a JSON object, on stderr; stdout stays data
	[ -z "$output" ]
	assert_equal "$stderr" "{\"error\":\"$FX/notelf: not an ELF file\"}"
	run_ctdiag doctor --kernel-dir "$FX/builtin" --vmlinux "$FX/nonexistent"
	assert_failure 1
	assert_equal "$stderr" "ctdiag: error: $FX/nonexistent: No such file or directory"
}

@test "doctor --release of a kernel not installed: exit 1 with a hint" {
	run_ctdiag doctor --release 0.0.0-none
	assert_failure 1
	assert_equal "$stderr" "ctdiag: error: /lib/modules/0.0.0-none: no such module tree: give --release of an installed kernel or --kernel-dir DIR"
}

@test "doctor usage errors exit 2; --help exits 0" {
	run_ctdiag doctor -o yaml
	assert_failure 2
	[[ "$stderr" == *"unknown output format 'yaml'"* ]]
	run_ctdiag doctor --release ../etc
	assert_failure 2
	run_ctdiag doctor extra
	assert_failure 2
	run_ctdiag doctor --help
	assert_success
	assert_line --index 0 --regexp '^Usage: ctdiag doctor '
}

# The live run on this host: whatever the kernel is, the report must match
# facts read here independently.
@test "doctor live on this host: release, nf_conntrack kind and degraded status match the host" {
	run_ctdiag doctor -o json
	local rc=$status json=$output
	[ "$rc" -eq 0 ] || [ "$rc" -eq 4 ]
	[ "$(wc -l <<<"$json")" -eq 1 ]
	run jq -r '.release' <<<"$json"
	assert_output "$(uname -r)"
	local kind=module
	if grep -qE ' nf_ct_destroy$' /proc/kallsyms; then kind=builtin; fi
	if ! grep -qE ' nf_ct_destroy( |$)' /proc/kallsyms && [ ! -d /lib/modules/$(uname -r) ]; then kind=builtin; fi
	run jq -r '.nf_conntrack' <<<"$json"
	[ "$kind" = module ] || assert_output builtin
	run jq -r '.sysctl.rmem_max' <<<"$json"
	assert_output "$(cat /proc/sys/net/core/rmem_max)"
	run jq -r '.sysctl.nf_conntrack_max' <<<"$json"
	assert_output "$(cat /proc/sys/net/netfilter/nf_conntrack_max)"
	run jq -r '.sysctl.nf_conntrack_fill_pct' <<<"$json"
	assert_output "$(( $(jq .sysctl.nf_conntrack_count <<<"$json") * 100 / $(cat /proc/sys/net/netfilter/nf_conntrack_max) ))"
	if [ ! -e /proc/modules ]; then
		# No module support (this CI host): ctdiag.ko can never run here.
		[ "$rc" -eq 4 ]
		run jq -r '.failed_checks[]' <<<"$json"
		assert_line "this kernel cannot load modules (no /proc/modules): ctdiag.ko cannot run"
	fi
	if ! grep -qE ' register_kprobe$' /proc/kallsyms; then
		[ "$rc" -eq 4 ]
		run jq -r '.failed_checks[]' <<<"$json"
		assert_line "no kprobes (register_kprobe not in /proc/kallsyms)"
		run jq -r '[.symbols[] | select(.present) | .probeable_reason] | unique | join(",")' <<<"$json"
		assert_output "no kprobes"
	fi
}

@test "doctor live on this host: plain verdict for a built-in nf_conntrack without vmlinux" {
	grep -qE ' nf_ct_destroy$' /proc/kallsyms || {
		# nf_conntrack is a module here: the tree scan gives the count.
		run_ctdiag doctor
		assert_line --regexp '^hook-only interception (leaks|does not leak) on this kernel: '
		return
	}
	run_ctdiag doctor
	assert_line "nf_conntrack: builtin"
	if [ ! -e "/usr/lib/debug/boot/vmlinux-$(uname -r)" ] &&
	   [ ! -e "/usr/lib/debug/lib/modules/$(uname -r)/vmlinux" ]; then
		assert_line "hook-only interception leaks on this kernel: nf_ct_destroy exists, so every nf_ct_put() calls it directly (callers not listed: nf_conntrack is built in and no vmlinux was scanned; try --vmlinux FILE)"
		assert_line "built-in code: no vmlinux with symbols (install linux-image-RELEASE-dbg or use --vmlinux FILE)"
	fi
	assert_line --regexp '^  nf_ct_destroy +present=yes type=T in=vmlinux '
	assert_line --regexp '^sysctl: nf_conntrack_events=[0-9]+ nf_conntrack_timestamp=[0-9]+ nf_conntrack_count=[0-9]+/max=[0-9]+ \([0-9]+% full\) net.core.rmem_max=[0-9]+$'
	assert_line "ctdiag.ko: not loaded"
}

@test "doctor --help options all appear in ctdiag-doctor.8" {
	run_ctdiag doctor --help
	local o
	local man
	man=$(sed 's/\\-/-/g' "$CTDIAG_TOP/man/ctdiag-doctor.8")
	[ "$(grep -oE -- '--[a-z-]+' <<<"$output" | sort -u | wc -l)" -ge 5 ]
	for o in $(grep -oE -- '--[a-z-]+' <<<"$output" | sort -u); do
		grep -qE -- "^\.BR? .*${o}( |$)" <<<"$man" ||
			{ echo "man page lacks $o"; return 1; }
	done
	run groff -man -ww -z "$CTDIAG_TOP/man/ctdiag-doctor.8"
	assert_success
	assert_output ""
}
