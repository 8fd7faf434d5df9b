#!/bin/bash
# tests/vm/netns-exit-time.sh - time network namespace cleanup with
# ctdiag loaded (issue 16 item 5: pernet .exit_batch, one store scan and
# one grace period per cleanup_net() batch, against one of each per
# namespace).  Numbers only, no verdict: run it in the guest on each
# version of the code to compare, e.g.
#   tests/vm/run --cmd 'bash /ctdiag/tests/vm/netns-exit-time.sh 50 10 3'
# Arguments: NAMESPACES (50), CONNTRACKS per namespace (10), ROUNDS (3).
# Each round creates the namespaces, each with that many UDP conntracks
# (so that many store records), deletes them all at once
# (ip -all netns delete) and prints, as TAP comments:
#   records_ms  from the delete until ctdiag's live counter is 0 (every
#               record of the dead namespaces freed by the netns exit
#               path; polled every 20 ms)
#   cleanup_net the kernel's cleanup_net() calls that ran meanwhile
#               (function_graph tracer): how many and their summed
#               duration, i.e. the time the namespaces took to go,
#               ctdiag's exit methods included; and the calls to
#               ctdiag's exit method (.exit per namespace before the
#               fix, .exit_batch per batch after) and their summed time
# A first round without ctdiag gives the kernel's own cleanup time.
set -u
N=${1:-50} K=${2:-10} ROUNDS=${3:-3}
CTDIAG_KO=${CTDIAG_KO:-/ctdiag/ctdiag.ko}
TR=/sys/kernel/tracing

# busybox date has no %N: bash's microsecond clock
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
live() { ctdiag-counters | sed -n 's/^live=//p'; }

cat >/tmp/nsrules.nft <<'NFT'
table inet t {
	chain o { type filter hook output priority 0; ct state new counter; }
}
NFT

trace_on() {
	[ -w "$TR/current_tracer" ] || return 0
	echo 0 >"$TR/tracing_on"
	echo cleanup_net >"$TR/set_graph_function" 2>/dev/null || return 0
	# inside it, only ctdiag's netns exit methods (whichever this
	# version has; module symbols go with the module, so set per round)
	echo cleanup_net >"$TR/set_ftrace_filter"
	local f
	for f in ctdiag_net_exit ctdiag_net_exit_batch; do
		echo "$f" >>"$TR/set_ftrace_filter" 2>/dev/null
	done
	echo 0 >"$TR/max_graph_depth"
	echo 1 >"$TR/options/funcgraph-tail" 2>/dev/null
	echo function_graph >"$TR/current_tracer"
	echo >"$TR/trace"
	echo 1 >"$TR/tracing_on"
}

# "calls=N total_ms=M ctdiag_exit_calls=N ctdiag_exit_ms=M" from the
# function_graph lines that end cleanup_net() and ctdiag's exit methods
trace_sum() {
	[ -r "$TR/trace" ] || { echo "calls=? total_ms=?"; return; }
	awk '/us/ {
		d = ""
		for (i = 1; i <= NF; i++) if ($(i) == "us") { d = $(i - 1); break }
		if (d == "") next
		if (/cleanup_net/) { s += d; n++ }
		else if (/ctdiag_net_exit/) { cs += d; cn++ }
	} END { printf "calls=%d total_ms=%.1f ctdiag_exit_calls=%d ctdiag_exit_ms=%.1f", n, s / 1000, cn, cs / 1000 }' "$TR/trace"
}

# round LABEL: one create / delete / wait cycle
round() {
	local label=$1 i t0 t1= calls
	for i in $(seq "$N"); do
		ip netns add "nt$i"
		ip netns exec "nt$i" sh -c "ip link set lo up && nft -f /tmp/nsrules.nft &&
			echo 600 >/proc/sys/net/netfilter/nf_conntrack_udp_timeout &&
			ctgen udp -n $K -s 28000 >/dev/null"
	done
	if [ "$label" != no-ctdiag ]; then
		[ "$(live)" -eq $((N * K)) ] || echo "# $label: live=$(live), expected $((N * K))"
	fi
	trace_on
	t0=$(now_ms)
	ip -all netns delete
	if [ "$label" != no-ctdiag ]; then
		for ((i = 0; i < 3000; i++)); do
			[ "$(live)" -eq 0 ] && { t1=$(now_ms); break; }
			sleep 0.02
		done
	fi
	# cleanup_net() returns after the last exit method: wait until no
	# more of them finish (2 s without a new one)
	local prev= same=0
	for ((i = 0; i < 600 && same < 10; i++)); do
		calls=$(trace_sum)
		[ "$calls" = "$prev" ] && same=$((same + 1)) || same=0
		prev=$calls
		sleep 0.2
	done
	echo 0 >"$TR/tracing_on" 2>/dev/null
	echo "# $label: $N namespaces x $K conntracks: records_ms=${t1:+$((t1 - t0))} cleanup_net $calls"
}

modprobe nf_conntrack
echo "# kernel $(uname -r), $(nproc) CPUs, module srcversion $(modinfo -F srcversion "$CTDIAG_KO" 2>/dev/null)"
round no-ctdiag
insmod "$CTDIAG_KO" intercept=both idle_timeout=0 || exit 1
for r in $(seq "$ROUNDS"); do
	round "ctdiag-round$r"
done
ctdiag status 2>/dev/null | grep '^store:' | sed 's/^/# /'
rmmod ctdiag
echo nop >"$TR/current_tracer" 2>/dev/null
echo >"$TR/set_ftrace_filter" 2>/dev/null
