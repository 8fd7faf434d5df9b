# SPDX-License-Identifier: GPL-2.0
# The guest half of `make bench` (tests/bench/run passes this file to
# `tests/vm/run --cmd`).  Prints one line per measurement:
#   BENCHVAL <key> <round> <value>
# and BENCHINFO <key> <text> lines; everything else is commentary.
# Settings (exported by tests/bench/run): BENCH_DUR seconds per run,
# BENCH_ROUNDS rounds, BENCH_RING_RATES paced rates for the ring test.
set -u
DUR=${BENCH_DUR:-3}
ROUNDS=${BENCH_ROUNDS:-5}
RATES=${BENCH_RING_RATES:-"1000 2000 4000 8000 16000"}
KO=/ctdiag/ctdiag.ko
A="ip netns exec bA"
B="ip netns exec bB"
DST=10.99.0.2

info() { echo "BENCHINFO $1 $2"; }
val() { echo "BENCHVAL $1 $2 $3"; }

modprobe nf_conntrack || { info error "modprobe nf_conntrack failed"; exit 1; }
modprobe veth
sysctl -qw net.netfilter.nf_conntrack_max=1048576
echo 262144 > /sys/module/nf_conntrack/parameters/hashsize

ip netns add bA && ip netns add bB
ip link add vA netns bA type veth peer name vB netns bB
ip -n bA addr add 10.99.0.1/24 dev vA
ip -n bB addr add $DST/24 dev vB
for n in bA bB; do
	ip -n $n link set lo up
	ip -n $n link set v${n#b} up
done
# conntrack on in both namespaces (a ct state rule is what turns it on);
# no ICMP port unreachable back.
$A nft -f - <<'NFT'
table inet b {
	counter new { }
	chain out { type filter hook output priority 0; ct state new counter name new; }
}
NFT
$B nft -f - <<'NFT'
table inet b {
	counter new { }
	chain pre { type filter hook prerouting priority 0; ct state new counter name new; }
	chain out { type filter hook output priority 0; meta l4proto icmp drop; }
}
NFT
$B bench_connload server -p 5002 &
server=$!
sleep 0.5

# What arrived in bB, read without a fork (every exec is slow under TCG):
# UDP datagrams that reached bB's UDP layer with no socket (NoPorts, the
# second Udp: value of /proc/net/snmp), through bB's server process.
# Every such datagram went through conntrack (confirmed at LOCAL_IN).
udp_noports() {
	local a rest n=0
	while read -r a rest; do
		[ "$a" = Udp: ] || continue
		n=$((n + 1))
		[ $n = 2 ] && { set -- $rest; echo $2; return; }
	done < /proc/$server/net/snmp
}

reader=
reader_kind=none
start_reader() {
	if ctdiag watch -o json >/dev/null 2>/tmp/watch.err & then
		reader=$!
		sleep 0.5
		if kill -0 $reader 2>/dev/null; then
			reader_kind="ctdiag watch -o json"
			return
		fi
	fi
	# no usable `ctdiag watch` yet: a plain reader keeps the ring on
	cat /dev/ctdiag >/dev/null 2>/tmp/cat.err &
	reader=$!
	sleep 0.2
	kill -0 $reader 2>/dev/null && reader_kind="cat /dev/ctdiag" || reader=
}
stop_reader() {
	[ -n "$reader" ] || return 0
	kill -INT $reader 2>/dev/null
	wait $reader 2>/dev/null
	reader=
}
unload() {
	stop_reader
	grep -q '^ctdiag ' /proc/modules && rmmod ctdiag
	return 0
}
load() {	# variant
	unload
	case $1 in
	none) return 0 ;;
	ring) insmod $KO intercept=both idle_timeout=60 ;;
	ringoff) insmod $KO intercept=both idle_timeout=60 ring_kb=0 ;;
	esac || { info error "insmod $1 failed"; return 1; }
	[ "$1" = ring ] && start_reader
	return 0
}

flush_tables() {	# conntrack -F in both namespaces
	$A conntrack -F >/dev/null 2>&1
	$B conntrack -F >/dev/null 2>&1
}
flush() {
	flush_tables
	sleep 0.1
}

# connload TEST ARGS...: bench_connload TEST (udp, tcp or flood) from
# $A to $DST, at the port this script's server for TEST listens on; ARGS
# say how long (-t SECONDS) or how much (-n COUNT)
connload() {
	local t=$1
	shift
	case $t in
	udp) $A bench_connload udp -a $DST "$@" ;;
	tcp) $A bench_connload tcp -a $DST -p 5002 "$@" ;;
	flood) $A bench_connload flood -a $DST -p 5003 "$@" ;;
	esac
}

run_one() {	# round variant test
	local r=$1 v=$2 t=$3 c0 c1 out secs
	[ $t = udp ] && flush	# once per setup: the other loads add few entries
	k0=$(counters)
	c0=$(udp_noports)
	out=$(connload $t -t $DUR)
	c1=$(udp_noports)
	k1=$(counters)
	# TCP: connections the client completed (the SYN/ACK came back)
	[ $t = tcp ] && [[ $out =~ sent=([0-9]+) ]] && c0=0 c1=${BASH_REMATCH[1]}
	[[ $out =~ secs=([0-9]+)\.([0-9]+) ]] || return
	# packets per second, integer arithmetic on milliseconds
	secs_ms=$(( ${BASH_REMATCH[1]} * 1000 + 10#${BASH_REMATCH[2]} ))
	val vm_$t.$v $r $(( (c1 - c0) * 1000 / secs_ms ))
}

probe_names=(destroy resolve_clash confirm update hook_destroy pkt_hook p6 p7)
counters() { bench_counters 2>/dev/null; }
cval() {	# key, counters output
	local l
	while IFS= read -r l; do
		[ "${l%%=*}" = "$1" ] && { echo "${l#*=}"; return; }
	done <<<"$2"
	echo 0
}

# --- instruction-counted mode (BENCH_MODE=icount; tests/vm/run with
# VM_ICOUNT, one vCPU).  Guest time is executed instructions (shift=3:
# 8 ns each, 125 M a guest-second), so a rate is instructions per
# connection, whatever the host does.  Per variant and test: one warm-up
# run (run 0, discarded), then BENCH_IC_RUNS (3) runs of a fixed count
# (BENCH_IC_N_UDP/_TCP/_FLOOD) of new UDP connections, short TCP
# connections, datagrams of one established flow.  One line each:
#   BENCHIC <test> <variant> <run> conns=N secs=S written=W lost=L
#           reader_ns=R enobufs=E ends=D end_ns=F
# written/lost: the module's ring counters over the run;
# reader_ns: the reader processes' run time (/proc/PID/schedstat) over
# the run; enobufs: conntrack -E's "lost events" warnings; ends, end_ns:
# the entries the run left in both namespaces and the guest time that
# destroying them with conntrack -F took, less the same commands' time on
# empty tables (the end of a connection, which the rate leaves out: UDP
# and closed TCP entries outlive a run).  Variants:
#   none     no module
#   ringoff  intercept=both idle_timeout=60 ring_kb=0 (as users run it)
#   api      ringoff with track=api: records for API users only, no
#            packet hooks (as a module that only needs the store runs it)
#   record   ring on + ctdiag record -w /dev/null (binary)
#   watch    ring on + ctdiag watch -o json > /dev/null
#   ctnl     no module, conntrack -E -o id > /dev/null in each namespace
#            (ctnetlink events; one listener per netns sees what one
#            ctdiag reader sees)
#   profile  ringoff with the test build (ctdiag-test.ko): one run,
#            BENCHPROBE lines with the module's probe_hits and probe_ns
#            (handler time sampled 1 call in 64, scaled; under -icount,
#            ns = 8 instructions)
ic_readers=()
ic_reader_start() {	# variant
	ic_readers=()
	case $1 in
	record) ctdiag record -f -w /dev/null 2>/tmp/ic.err & ic_readers=($!) ;;
	watch) ctdiag watch -o json >/dev/null 2>/tmp/ic.err & ic_readers=($!) ;;
	ctnl)
		$A conntrack -E -o id >/dev/null 2>/tmp/ic.errA &
		ic_readers=($!)
		$B conntrack -E -o id >/dev/null 2>/tmp/ic.errB &
		ic_readers+=($!)
		;;
	esac
	sleep 0.5
}
ic_reader_ns() {	# sum of the readers' run time, ns
	local p t n=0 rest
	for p in "${ic_readers[@]}"; do
		read -r t rest < /proc/$p/schedstat 2>/dev/null && n=$((n + t))
	done
	echo $n
}
ic_enobufs() {	# (forks only with conntrack -E running)
	[ -f /tmp/ic.errA ] || { echo 0; return; }
	cat /tmp/ic.err* 2>/dev/null | grep -ci 'enobufs\|no buffer space'
}
ic_stop() {
	local p
	for p in "${ic_readers[@]}"; do kill -INT $p 2>/dev/null; done
	for p in "${ic_readers[@]}"; do wait $p 2>/dev/null; done
	ic_readers=()
	rm -f /tmp/ic.err*
	grep -q '^ctdiag ' /proc/modules && rmmod ctdiag
	return 0
}
ic_load() {	# variant
	case $1 in
	none|ctnl) ;;
	ringoff) insmod $KO intercept=both idle_timeout=60 ring_kb=0 ;;
	api) insmod $KO intercept=both idle_timeout=60 ring_kb=0 track=api ;;
	profile) insmod /ctdiag/ctdiag-test.ko intercept=both idle_timeout=60 ring_kb=0 ;;
	record|watch) insmod $KO intercept=both idle_timeout=60 ;;
	esac || { info error "insmod for $1 failed"; return 1; }
	ic_reader_start $1
	if [ ${#ic_readers[@]} -gt 0 ] && ! kill -0 "${ic_readers[@]}" 2>/dev/null; then
		info error "reader for $1 did not start: $(cat /tmp/ic.err* 2>/dev/null | head -2)"
		ic_stop
		return 1
	fi
}
ic_run() {	# run variant test
	local r=$1 v=$2 t=$3 c0 c1 k0= k1= n0 n1 e0 e1 out conns count secs ends f0 f1 g1
	flush
	sleep 0.3	# the reader drains the flush's records
	grep -q '^ctdiag ' /proc/modules && k0=$(counters)
	n0=$(ic_reader_ns)
	e0=$(ic_enobufs)
	c0=$(udp_noports)
	# a fixed amount of work (-n: IC_N_UDP, IC_N_TCP or IC_N_FLOOD),
	# timed in guest time
	count=IC_N_${t^^}
	out=$(connload $t -n ${!count})
	c1=$(udp_noports)
	n1=$(ic_reader_ns)
	e1=$(ic_enobufs)
	[ -n "$k0" ] && k1=$(counters)
	conns=$((c1 - c0))
	[ $t = tcp ] && [[ $out =~ sent=([0-9]+) ]] && conns=${BASH_REMATCH[1]}
	[[ $out =~ secs=([0-9.]+) ]] || { info error "bench_connload $t: $out"; return; }
	secs=${BASH_REMATCH[1]}
	# The end of the run's connections, timed as well: conntrack -F in
	# both namespaces destroys every entry (our interception runs once
	# per entry; its records and events too when there are any).
	ends=$(( $($A conntrack -C) + $($B conntrack -C) ))
	f0=${EPOCHREALTIME/./}	# microseconds (the guest's date has no %N)
	flush_tables
	f1=${EPOCHREALTIME/./}
	flush_tables	# the same on empty tables: the commands' own start
	g1=${EPOCHREALTIME/./}
	echo "BENCHIC $t $v $r conns=$conns secs=$secs" \
		"written=$(( $(cval ring_written "$k1") - $(cval ring_written "$k0") ))" \
		"lost=$(( $(cval ring_lost "$k1") - $(cval ring_lost "$k0") ))" \
		"reader_ns=$((n1 - n0)) enobufs=$((e1 - e0))" \
		"ends=$ends end_ns=$(( (2 * f1 - f0 - g1) * 1000 ))"
	if [ "$v" = profile ] && [ $r = 1 ]; then
		# the probes over the run and its end
		k1=$(counters)
		for i in 0 1 2 3 4 5; do
			h=$(( $(cval probe_hits_$i "$k1") - $(cval probe_hits_$i "$k0") ))
			ns=$(( $(cval probe_ns_$i "$k1") - $(cval probe_ns_$i "$k0") ))
			[ $h -gt 0 ] && echo "BENCHPROBE $t ${probe_names[$i]} hits=$h ns=$ns"
		done
	fi
}
# The end of a run in either mode: the guest time it took, the server
# and the two namespaces gone.
finish() {
	info guest_secs_total $SECONDS
	kill $server 2>/dev/null
	ip netns del bA
	ip netns del bB
	exit 0
}

if [ "${BENCH_MODE:-wall}" = icount ]; then
	# sizes: about 1.5 guest-seconds each without the module
	IC_N_UDP=${BENCH_IC_N_UDP:-10000}
	IC_N_TCP=${BENCH_IC_N_TCP:-3000}
	IC_N_FLOOD=${BENCH_IC_N_FLOOD:-14000}
	info mode "icount $(uname -r) $(nproc) vCPU, udp $IC_N_UDP tcp $IC_N_TCP flood $IC_N_FLOOD per run, 1 warm-up + ${BENCH_IC_RUNS:-3} runs"
	for v in ${BENCH_IC_VARIANTS:-none ringoff api record watch ctnl profile}; do
		ic_load $v || continue
		runs=${BENCH_IC_RUNS:-3}
		[ $v = profile ] && runs=1
		for t in ${BENCH_IC_TESTS:-udp tcp flood}; do
			for r in $(seq 0 $runs); do
				ic_run $r $v $t
			done
		done
		ic_stop
	done
	finish
fi

# Sanity: does the module load at all?
if ! insmod $KO intercept=both; then
	info error "ctdiag.ko does not load"
	exit 0
fi
info module "$(cat /sys/module/ctdiag/version 2>/dev/null || echo loaded)"
rmmod ctdiag

info rounds "$ROUNDS x ${DUR}s per run"
for r in $(seq 1 $ROUNDS); do
	# A B C, then C B A: position effects cancel over two rounds
	order="none ring ringoff"
	[ $((r % 2)) = 0 ] && order="ringoff ring none"
	for v in $order; do
		load $v || continue
		[ $r = 1 ] && [ $v = ring ] && info reader "$reader_kind"
		for t in udp tcp flood; do
			run_one $r $v $t
			c0=$k0 c1=$k1
			if [ $v != none ] && [ -n "$c1" ]; then
				for i in 0 1 2 3 4 5; do
					h=$(( $(cval probe_hits_$i "$c1") - $(cval probe_hits_$i "$c0") ))
					ns=$(( $(cval probe_ns_$i "$c1") - $(cval probe_ns_$i "$c0") ))
					[ $h -gt 0 ] || continue
					val probe_hits.$t.$v.${probe_names[$i]} $r $h
					[ $ns -gt 0 ] && val probe_ns.$t.$v.${probe_names[$i]} $r $((ns / h))
				done
				val allocated.$t.$v $r $(( $(cval allocated "$c1") - $(cval allocated "$c0") ))
			fi
		done
	done
done
unload
flush
info guest_secs_datapath $SECONDS

# Ring throughput: paced new-connection load, one EXT_ALLOC record each
# (plus whatever else the module writes), read by `ctdiag watch -o json`.
if ctdiag watch -h >/dev/null 2>&1 && insmod $KO intercept=both idle_timeout=60; then
	ctdiag watch -o json >/dev/null 2>/tmp/watch.err &
	w=$!
	sleep 0.5
	best=0
	for rate in $RATES 0; do
		flush
		c0=$(counters)
		out=$($A bench_connload udp -a $DST -t $DUR -r $rate)
		sleep 1	# let the reader drain
		c1=$(counters)
		secs=$(sed -n 's/.*secs=\([0-9.]*\).*/\1/p' <<<"$out")
		wr=$(( $(cval ring_written "$c1") - $(cval ring_written "$c0") ))
		lo=$(( $(cval ring_lost "$c1") - $(cval ring_lost "$c0") ))
		rps=$(awk -v w=$wr -v s=$secs 'BEGIN { printf "%.0f", w / s }')
		info ring_step "rate=${rate:-max} records/s=$rps lost=$lo"
		# the first step with a loss ends the search: "keeps up" means
		# at every rate up to this one
		[ "$lo" = 0 ] || break
		[ "${rps:-0}" -gt "$best" ] && best=$rps
	done
	if [ "$(cval ring_written "$(counters)")" = 0 ]; then
		for k in ring_keepup ring_over_module_lost ring_over_watch_lost ring_over_watch_module_lost; do
			info na.$k "n/a (the module's ring wrote nothing: not built yet)"
		done
		kill -INT $w; wait $w
		rmmod ctdiag
		kill $server 2>/dev/null
		ip netns del bA; ip netns del bB
		exit 0
	fi
	val ring_keepup 1 $best
	kill -INT $w; wait $w
	rmmod ctdiag
	# Overdrive a small ring: what watch reports lost must equal the
	# module's own count.
	flush
	insmod $KO intercept=both idle_timeout=60 ring_kb=${BENCH_SMALL_RING_KB:-16}
	c0=$(counters)
	ctdiag watch -o json >/dev/null 2>/tmp/watch2.err &
	w=$!
	sleep 0.5
	$A bench_connload udp -a $DST -t $DUR >/dev/null
	sleep 1
	kill -INT $w; wait $w
	c1=$(counters)
	lo=$(( $(cval ring_lost "$c1") - $(cval ring_lost "$c0") ))
	wl=$(sed -n 's/.*, \([0-9]*\) lost.*/\1/p' /tmp/watch2.err | tail -1)
	ml=$(sed -n 's/.*(module counted \([0-9]*\)).*/\1/p' /tmp/watch2.err | tail -1)
	val ring_over_module_lost 1 $lo
	[ -n "$wl" ] && val ring_over_watch_lost 1 $wl
	[ -n "$ml" ] && val ring_over_watch_module_lost 1 $ml
	sed 's/^/# watch: /' /tmp/watch2.err | tail -5
	rmmod ctdiag
else
	for k in ring_keepup ring_over_module_lost ring_over_watch_lost ring_over_watch_module_lost; do
		info na.$k "n/a (ctdiag watch or the module not built yet)"
	done
fi
finish
