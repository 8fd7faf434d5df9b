#!/usr/bin/env bats
# Bad-input sweep (issue 11): every subcommand with unknown options,
# missing option arguments and stray arguments; unreadable and damaged
# files; no privilege; no module; a path that is not the ctdiag device
# (a wrong-ABI module, simulated with CTDIAG_DEVICE).  Each case must give
# one error line (usage errors add the "Try ... --help" hint) and the exit
# status documented in ctdiag(8): 1 runtime failure, 2 usage error.
# The full-disk case of record -w needs the module: tests/vm/60-watch.bats.
load test_helper

CMDS="ls leaks status watch record stats doctor"

# Run as nobody without capabilities (bats' tmpdir must be reachable).
as_nobody() {
	run --separate-stderr setpriv --reuid nobody --regid nogroup \
		--clear-groups --inh-caps=-all --bounding-set=-all \
		${CTDIAG_WRAPPER:-} "$CTDIAG" "$@"
}

setup() {
	T=$(mktemp -d /tmp/ctdiag-badinput.XXXXXX)
	chmod 755 "$T"
}

teardown() {
	rm -rf "$T"
}

# usage_error CMD ARGS...: exit 2, one error line, then the hint.
usage_error() {
	local cmd=$1
	shift
	run_ctdiag "$cmd" "$@"
	echo "ctdiag $cmd $*: status $status, stderr: $stderr" >&2
	[ "$status" -eq 2 ]
	[ "${#stderr_lines[@]}" -eq 2 ]
	[[ "${stderr_lines[0]}" == "ctdiag: error: "* ]]
	[ "${stderr_lines[1]}" = "Try 'ctdiag $cmd --help' for more information." ]
	[ -z "$output" ]
}

# runtime_error PATTERN: exit 1, exactly one line matching it.
runtime_error() {
	echo "status $status, stderr: $stderr" >&2
	[ "$status" -eq 1 ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ "${stderr_lines[0]}" == "ctdiag: error: "$1 ]]
}

@test "badinput: unknown long option, every subcommand: exit 2, names the option" {
	for c in $CMDS; do
		usage_error "$c" --no-such-option
		[ "${stderr_lines[0]}" = "ctdiag: error: option '--no-such-option' is unknown or needs an argument" ]
	done
}

@test "badinput: unknown short option, every subcommand: exit 2, names the option" {
	for c in $CMDS; do
		usage_error "$c" -Z
		[ "${stderr_lines[0]}" = "ctdiag: error: option '-Z' is unknown or needs an argument" ]
	done
}

@test "badinput: stray argument, every subcommand: exit 2" {
	for c in ls leaks status watch stats doctor; do
		usage_error "$c" stray-arg
		[ "${stderr_lines[0]}" = "ctdiag: error: unexpected argument 'stray-arg'" ]
	done
	usage_error record -w "$T/r" stray-arg
	[ ! -e "$T/r" ]
}

@test "badinput: option without its argument, every subcommand: exit 2" {
	usage_error ls -o
	usage_error leaks --records
	usage_error status -o
	usage_error watch -r
	usage_error record -w
	usage_error stats -o
	usage_error doctor --kernel-dir
}

@test "badinput: invalid option values: exit 2, one line naming the value" {
	usage_error ls -o yaml
	[[ "${stderr_lines[0]}" == *"'yaml'"* ]]
	usage_error watch -c -5
	[[ "${stderr_lines[0]}" == *"'-5'"* ]]
	usage_error watch -p notaproto
	[[ "${stderr_lines[0]}" == *"notaproto"* ]]
	usage_error watch --dport 70000
	[[ "${stderr_lines[0]}" == *"70000"* ]]
	usage_error watch -s 300.1.1.1
	[[ "${stderr_lines[0]}" == *"300.1.1.1"* ]]
	usage_error watch -e alloc,bogus
	[[ "${stderr_lines[0]}" == *"bogus"* ]]
	usage_error record -w "$T/r" --duration 1x
	[ ! -e "$T/r" ]
	usage_error stats -o xml
	usage_error leaks --conntrack "$T/x"
}

@test "badinput: missing files: exit 1, one line naming the file" {
	run_ctdiag watch -r "$T/none"
	runtime_error "*$T/none*"
	run_ctdiag leaks --records "$T/none"
	runtime_error "*$T/none*"
	run_ctdiag doctor --vmlinux "$T/none"
	runtime_error "*$T/none*"
	run_ctdiag doctor --kernel-dir "$T/none"
	runtime_error "*$T/none*"
}

@test "badinput: unreadable files (as nobody): exit 1, permission denied" {
	"$CTDIAG_TOP/tests/tools/mkleakfix" -n 4 "$T/fx" >/dev/null
	chmod 755 "$T/fx"
	chmod 600 "$T/fx/rec.ctr" "$T/fx/listing.txt"
	as_nobody watch -r "$T/fx/rec.ctr"
	runtime_error "*Permission denied*"
	as_nobody leaks --records "$T/fx/rec.ctr"
	runtime_error "*Permission denied*"
	chmod 644 "$T/fx/rec.ctr"
	as_nobody leaks --records "$T/fx/rec.ctr" --conntrack "$T/fx/listing.txt"
	runtime_error "*Permission denied*"
	as_nobody doctor --vmlinux "$T/fx/listing.txt"
	runtime_error "*Permission denied*"
}

@test "badinput: damaged files: not a recording, not ELF, empty: exit 1" {
	printf 'hello\n' >"$T/text"
	: >"$T/empty"
	for f in "$T/text" "$T/empty"; do
		run_ctdiag watch -r "$f"
		runtime_error "*$f*"
		run_ctdiag leaks --records "$f"
		runtime_error "*$f*"
		run_ctdiag doctor --vmlinux "$f"
		runtime_error "*$f*"
	done
	run_ctdiag doctor --vmlinux "$T/text"
	runtime_error "*not an ELF file*"
}

@test "badinput: truncated recording: watch -r prints every complete record, then one error, exit 1" {
	"$CTDIAG_TOP/tests/tools/mkrecording" "$T/full.rec" >/dev/null
	run_ctdiag watch -r "$T/full.rec" -o json
	[ "$status" -eq 0 ]
	local -a full=("${lines[@]}")
	[ "${#full[@]}" -gt 2 ]
	local size cut i
	size=$(stat -c %s "$T/full.rec")
	# Cut inside the last quarter: a record is torn in half.
	cut=$((size - size / 8 - 3))
	head -c "$cut" "$T/full.rec" >"$T/cut.rec"
	run_ctdiag watch -r "$T/cut.rec" -o json
	echo "full ${#full[@]} lines, cut ${#lines[@]}: ${lines[-1]}" >&2
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -gt 1 ]
	[ "${#lines[@]}" -lt "${#full[@]}" ]
	# JSON mode: the error is a JSON object on stderr (never on stdout,
	# where a script reads data); stdout is the full replay's records up
	# to the damage, in order.
	[[ "$stderr" == '{"error":'*truncated* ]]
	[[ "$output" != *'"error"'* ]]
	for ((i = 0; i < ${#lines[@]}; i++)); do
		[ "${lines[$i]}" = "${full[$i]}" ]
	done
	run_ctdiag watch -r "$T/cut.rec"
	[ "$status" -eq 1 ]
	[[ "${stderr_lines[0]}" == "ctdiag: error: bad recording $T/cut.rec: offset "*": truncated record"* ]]
}

# device_users_fail RUNNER DEVICE MESSAGE: watch, leaks and record (which
# must not leave its file behind) run by RUNNER against DEVICE fail with
# MESSAGE.
device_users_fail() {
	local runner=$1 dev=$2 msg=$3 c
	for c in watch leaks; do
		CTDIAG_DEVICE=$dev "$runner" "$c"
		runtime_error "$msg"
	done
	CTDIAG_DEVICE=$dev "$runner" record -w "$T/r"
	runtime_error "$msg"
	[ ! -e "$T/r" ]
}

@test "badinput: no privilege (nobody, no capabilities): exit 1, permission denied" {
	touch "$T/dev"
	chmod 600 "$T/dev"
	device_users_fail as_nobody "$T/dev" "cannot open $T/dev: permission denied (needs root or CAP_NET_ADMIN)"
	as_nobody ls
	runtime_error "*permission denied (needs root or CAP_NET_ADMIN)"
	as_nobody stats
	runtime_error "*permission denied (needs root or CAP_NET_ADMIN)"
}

@test "badinput: no module: watch, record, leaks exit 1 with one line; status/stats still report" {
	[ ! -e /sys/module/ctdiag ] || skip "module loaded on this host"
	device_users_fail run_ctdiag "$T/nodev" "cannot open $T/nodev: module not loaded (insmod ctdiag.ko)"
	run_ctdiag status
	[ "$status" -eq 0 ]
	[[ "$output" == *"module: not loaded"* ]]
}

@test "badinput: wrong device (no version ioctl, as a wrong-ABI module): exit 1, one line" {
	for c in watch leaks; do
		CTDIAG_DEVICE=/dev/null run_ctdiag "$c"
		runtime_error "cannot use /dev/null: not a ctdiag device*"
	done
	CTDIAG_DEVICE=/dev/null run_ctdiag record -w "$T/r"
	runtime_error "cannot use /dev/null: not a ctdiag device*"
	[ ! -e "$T/r" ]
}

@test "badinput: record -w into a directory that does not exist or is read-only: exit 1" {
	CTDIAG_DEVICE=/dev/null run_ctdiag record -w "$T/no/such/dir/r"
	[ "$status" -eq 1 ]
	[ "${#stderr_lines[@]}" -eq 1 ]
}

@test "badinput: in JSON mode an error is a JSON object on stderr, never on stdout" {
	local c
	while read -r c; do
		run_ctdiag $c -o json
		[ "$status" -eq 1 ] || { echo "$c: status $status"; return 1; }
		[ -z "$output" ] || { echo "$c: stdout '$output'"; return 1; }
		[[ "$stderr" == '{"error":"'*'"}' ]] || { echo "$c: stderr '$stderr'"; return 1; }
		jq -e '.error | length > 0' <<<"$stderr" >/dev/null
	done <<-EOF2
	ls --netns no-such-ns-$$
	leaks -r /nonexistent-$$
	watch -r /nonexistent-$$
	EOF2
}
