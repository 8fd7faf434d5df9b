# SPDX-License-Identifier: GPL-2.0
# The host half of `make bench`, run by tests/bench/run inside a network
# namespace it created (so the table it fills and dumps is its own).
# Prints BENCHVAL <key> <round> <value> / BENCHINFO <key> <text> lines.
# Environment: ENTRIES RECORDS RUNS WORK CTDIAG BENCH_DIR.
set -u
info() { echo "BENCHINFO $1 $2"; }
val() { echo "BENCHVAL $1 $2 $3"; }

# Wall time of a command in seconds (stdout and stderr discarded).
secs() {
	local t0 t1
	t0=$(date +%s%N)
	"$@" >/dev/null 2>&1
	t1=$(date +%s%N)
	awk -v d=$((t1 - t0)) 'BEGIN { printf "%.4f", d / 1e9 }'
}

out=$("$BENCH_DIR/bench_fill" -n "$ENTRIES") || { info error "bench_fill failed"; exit 1; }
info fill "$out"
have=$(conntrack -C)
info entries "$have"

# Which contenders exist: a subject that fails or is not implemented is
# reported as not built.
declare -A cmd
cmd[list.raw]="$BENCH_DIR/bench_rawdump"
cmd[list.ctdiag]="$CTDIAG ls"
cmd[list.conntrack]="conntrack -L"
cmd[udp53.raw]="$BENCH_DIR/bench_rawdump -p 17 -d 53"
cmd[udp53.ctdiag]="$CTDIAG ls -p udp --dport 53"
cmd[udp53.conntrack]="conntrack -L -p udp --dport 53"
cmd[mark.raw]="$BENCH_DIR/bench_rawdump -m 7"
cmd[mark.ctdiag]="$CTDIAG ls -m 7"
cmd[mark.conntrack]="conntrack -L -m 7"
declare -A expect=([list]=$have [udp53]=$((ENTRIES / 10 + (ENTRIES % 10 > 0)))
		   [mark]=$((ENTRIES / 10 + (ENTRIES % 10 > 5))))
declare -A ok
for g in list udp53 mark; do
	for c in raw ctdiag conntrack; do
		k=$g.$c
		n=
		if ${cmd[$k]} >"$WORK/probe.out" 2>/dev/null; then
			if [ $c = raw ]; then
				n=$(cat "$WORK/probe.out")
			else
				n=$(wc -l < "$WORK/probe.out")
			fi
		fi
		if [ -z "$n" ]; then
			info na.host_$k "n/a (not built yet)"
			continue
		fi
		[ "$n" = "${expect[$g]}" ] ||
			info warn "$k printed $n entries, expected ${expect[$g]}"
		ok[$k]=1
	done
done

# Interleaved: every round runs each contender once, A B C A B C ...
for r in $(seq 1 "$RUNS"); do
	for g in list udp53 mark; do
		for c in raw ctdiag conntrack; do
			k=$g.$c
			[ -n "${ok[$k]:-}" ] || continue
			val host_$k $r "$(secs ${cmd[$k]})"
		done
	done
done
conntrack -F >/dev/null 2>&1

# Offline leaks: RECORDS synthetic extension records against ENTRIES
# listed entries (the rest are leaks).
"$BENCH_DIR/bench_genleaks" -r "$RECORDS" -c "$ENTRIES" "$WORK/leaks.rec" "$WORK/leaks.ct" >/dev/null ||
	{ info error "bench_genleaks failed"; exit 1; }
"$CTDIAG" leaks --records "$WORK/leaks.rec" --conntrack "$WORK/leaks.ct" >"$WORK/leaks.out" 2>"$WORK/leaks.err"
rc=$?
if [ $rc != 0 ] && [ $rc != 3 ]; then
	info na.leaks_time "n/a (not built yet: $(head -c 120 "$WORK/leaks.err" | head -1))"
	info na.leaks_rss "n/a (not built yet)"
else
	info leaks_summary "exit $rc; $(tail -n 1 "$WORK/leaks.out" | head -c 200)"
	for r in $(seq 1 "$RUNS"); do
		t0=$(date +%s%N)
		/usr/bin/time -f '%M' -o "$WORK/rss" "$CTDIAG" leaks --records "$WORK/leaks.rec" \
			--conntrack "$WORK/leaks.ct" >/dev/null 2>&1
		t1=$(date +%s%N)
		val leaks_time $r "$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.4f", d / 1e9 }')"
		# the last line: time -o also notes a non-zero exit status
		val leaks_rss $r "$(awk 'END { printf "%.1f", $1 / 1024 }' "$WORK/rss")"
	done
fi
rm -f "$WORK/leaks.rec" "$WORK/leaks.ct" "$WORK/leaks.out"
exit 0
