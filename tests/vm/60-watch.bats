#!/usr/bin/env bats
# ctdiag watch / record / stats against the real module: events of the
# connections we make (ids and tuples as conntrack -L -o id prints them),
# loss reported with the module's exact count, SIGINT, filters pushed into
# the module, record then replay, a full disk, stats beside the counters.
load helper
load store_helper

W=$BATS_TEST_TMPDIR

teardown() {
	[ -z "${WPID:-}" ] || kill -KILL "$WPID" 2>/dev/null || true
	umount "$W/tiny" 2>/dev/null || true
	store_ns_del w1
	vm_teardown
}

# Start a reader (watch or record) in the background; wait until it holds
# the device open (and a moment for its filter ioctl), so no event is
# missed.  Probing with a second open would race it for the reader slot.
start_reader() {
	local out=$1 err=$2
	shift 2
	"$@" >"$out" 2>"$err" &
	WPID=$!
	wait_for 10 bash -c "ls -l /proc/$WPID/fd 2>/dev/null | grep -q /dev/ctdiag"
	sleep 0.2
}

# Reap the reader; its exit status in $rc.
reap_reader() {
	rc=0
	wait "$WPID" || rc=$?
	WPID=
}

# Stop it with a signal; its exit status in $rc.
stop_reader() {
	kill -"${1:-INT}" "$WPID"
	reap_reader
}

# Give it SECONDS to end by itself (a full disk, --count); its exit
# status in $rc.
await_reader() {
	wait_for "$1" bash -c "! kill -0 $WPID 2>/dev/null"
	reap_reader
}

# "id sport" pairs of conntrack -L -o id for our udp flows, sorted
ct_id_ports() {
	ip netns exec w1 conntrack -L -p udp -o id 2>/dev/null |
		sed -n 's/.* sport=\([0-9]*\) dport=9999 .* id=\([0-9]*\).*/\2 \1/p' | sort -n
}

@test "watch: alloc and free events carry the ids and tuples conntrack -L -o id shows" {
	ctdiag_load idle_timeout=0
	store_ns_add w1
	ino=$(stat -L -c %i /run/netns/w1)
	start_reader "$W/ev.json" "$W/ev.err" ctdiag watch -o json -p udp --dport 9999
	store_ctgen w1 -n 30 -s 30000
	want=$(ct_id_ports)
	[ "$(wc -l <<<"$want")" -eq 30 ]
	ip netns exec w1 conntrack -F
	sleep 0.5
	stop_reader INT
	[ "$rc" -eq 0 ]
	# every alloc and every free is one of our flows, with the same id
	got_alloc=$(jq -r 'select(.event == "alloc") | "\(.id) \(.orig.sport)"' "$W/ev.json" | sort -n)
	got_free=$(jq -r 'select(.event == "free") | "\(.id) \(.orig.sport)"' "$W/ev.json" | sort -n)
	[ "$got_alloc" = "$want" ] || { diff <(echo "$want") <(echo "$got_alloc"); false; }
	[ "$got_free" = "$want" ]
	# full tuples and namespace
	run jq -se --argjson ino "$ino" 'map(select(.event == "alloc")) | all(.netns == $ino and .orig.src == "127.0.0.1" and .orig.dst == "127.0.0.1" and .orig.dport == 9999 and .reply.sport == 9999 and .reply.dport == .orig.sport and .proto == "udp" and .family == "ipv4")' "$W/ev.json"
	assert_success
	# the exit summary on stderr, with the module's own loss count
	run cat "$W/ev.err"
	assert_output --regexp '^ctdiag watch: [0-9]+ events \(alloc 30, free 30.*\), 0 lost \(module counted 0\)$'
	echo "# 30 flows: $(grep -c . "$W/ev.json") events, ids equal to conntrack -L -o id" >&3
}

@test "watch: plain lines name the same ids, SIGTERM also exits 0 with a summary" {
	ctdiag_load idle_timeout=0
	store_ns_add w1
	start_reader "$W/ev.txt" "$W/ev.err" ctdiag watch -e alloc
	store_ctgen w1 -n 5 -s 31000
	want=$(ct_id_ports)
	sleep 0.3
	stop_reader TERM
	[ "$rc" -eq 0 ]
	got=$(sed -n 's/.* alloc id=\([0-9]*\) .* udp src=127.0.0.1 dst=127.0.0.1 sport=\([0-9]*\) dport=9999 .*/\1 \2/p' "$W/ev.txt" | sort -n)
	[ "$got" = "$want" ]
	run cat "$W/ev.err"
	assert_output --regexp '^ctdiag watch: 5 events \(alloc 5\), 0 lost \(module counted 0\)$'
}

@test "watch: events reach a pipe within 100 ms (poll wake-up, output flushed per batch)" {
	ctdiag_load idle_timeout=0
	store_ns_add w1
	# stamp each line as it arrives at the far end of a pipe
	start_reader >(linestamp >"$W/lat.txt") \
		"$W/ev.err" ctdiag watch -o json -e alloc -p udp
	for i in 1 2 3 4 5; do
		ip netns exec w1 ctgen udp -n 1 -s $((39000 + i)) >/dev/null
		sleep 0.3
	done
	stop_reader INT
	[ "$rc" -eq 0 ]
	sleep 0.3
	[ "$(wc -l <"$W/lat.txt")" -eq 5 ]
	lat=$(while read -r ns json; do
		ts=$(jq .ts_real_ns <<<"$json")
		echo $(( (ns - ts) / 1000000 ))
	done <"$W/lat.txt" | sort -n)
	med=$(sed -n 3p <<<"$lat") max=$(tail -1 <<<"$lat")
	echo "# event to pipe reader: median ${med} ms, max ${max} ms over 5 events" >&3
	# the median proves the wake-up path; the max only bounds scheduling
	# noise of a TCG guest on a loaded host
	[ "$med" -lt 100 ]
	[ "$max" -lt 1000 ]
}

@test "watch: filters are applied in the module (filtered events are counted, not copied)" {
	ctdiag_load idle_timeout=0
	store_ns_add w1
	before=$(ctdiag stats -o json | jq .module.ring.filtered)
	start_reader "$W/ev.json" "$W/ev.err" ctdiag watch -o json -p tcp
	store_ctgen w1 -n 20 -s 32000
	run ip netns exec w1 ctgen tcp -n 3 -s 33000 -d 8888
	assert_success
	sleep 0.3
	after=$(ctdiag stats -o json | jq .module.ring.filtered)
	stop_reader INT
	[ "$rc" -eq 0 ]
	# no udp record reached us; the tcp ones did
	[ "$(jq -r 'select(.event != "lost") | .proto' "$W/ev.json" | sort -u)" = "tcp" ]
	[ "$(jq -r 'select(.event == "alloc") | .orig.sport' "$W/ev.json" | sort -u | wc -l)" -eq 3 ]
	echo "# ring_filtered grew by $((after - before)) for 20 udp flows" >&3
	[ $((after - before)) -ge 20 ]
}

@test "watch: a tiny ring overflows; the loss lines add up to the module's exact count and fill the sequence gaps" {
	ctdiag_load idle_timeout=0 ring_kb=4
	store_ns_add w1
	start_reader "$W/ev.json" "$W/ev.err" ctdiag watch -o json
	# stop the reader while a burst fills the ring
	kill -STOP "$WPID"
	lost0=$(ctdiag stats -o json | jq '[.module.ring.cpu[].lost] | add')
	store_ctgen w1 -n 400 -s 20000
	lost1=$(ctdiag stats -o json | jq '[.module.ring.cpu[].lost] | add')
	kill -CONT "$WPID"
	sleep 1
	stop_reader INT
	[ "$rc" -eq 0 ]
	module_lost=$((lost1 - lost0))
	reported=$(jq -s 'map(select(.event == "lost") | .count) | add // 0' "$W/ev.json")
	echo "# ring_kb=4, 400 flows: module lost $module_lost, watch reported $reported in $(jq -s 'map(select(.event == "lost")) | length' "$W/ev.json") loss lines" >&3
	[ "$module_lost" -gt 0 ]
	[ "$reported" -eq "$module_lost" ]
	run cat "$W/ev.err"
	assert_output --regexp " $module_lost lost \\(module counted $module_lost\\)"
	# per CPU: event seqs and loss ranges tile one contiguous range exactly
	run jq -se 'group_by(.cpu) | all(
		(map(if .event == "lost" then [range(.first_seq; .last_seq + 1)] else [.seq] end) | add) as $s
		| ($s | length) == ($s | unique | length) and ($s | max) - ($s | min) + 1 == ($s | length))' "$W/ev.json"
	assert_success
}

@test "record then watch -r reproduces the same events" {
	ctdiag_load idle_timeout=0
	store_ns_add w1
	start_reader /dev/null "$W/rec.err" ctdiag record -w "$W/r.rec" -p udp --dport 9999
	store_ctgen w1 -n 40 -s 34000
	want=$(ct_id_ports)
	ip netns exec w1 conntrack -F
	sleep 0.5
	stop_reader INT
	[ "$rc" -eq 0 ]
	run cat "$W/rec.err"
	assert_output --regexp '^ctdiag record: 120 events \(alloc 40, free 40, destroy 40\), 0 lost \(module counted 0\)$'
	run --separate-stderr ctdiag watch -r "$W/r.rec" -o json
	assert_success
	[ "${stderr_lines[0]}" = "ctdiag watch: 120 events (alloc 40, free 40, destroy 40), 0 lost" ]
	got=$(jq -r 'select(.event == "alloc") | "\(.id) \(.orig.sport)"' <<<"$output" | sort -n)
	[ "$got" = "$want" ]
	got=$(jq -r 'select(.event == "free") | "\(.id) \(.orig.sport)"' <<<"$output" | sort -n)
	[ "$got" = "$want" ]
	# replay filters work on the recording too
	run --separate-stderr ctdiag watch -r "$W/r.rec" -e free --sport 34007
	assert_success
	[ "${#lines[@]}" -eq 1 ]
	assert_line --index 0 --partial " free id=$(awk '$2 == 34007 {print $1}' <<<"$want") "
}

@test "record -w on a full tmpfs: clear error, exit 1, the file stays readable" {
	ctdiag_load idle_timeout=0
	store_ns_add w1
	mkdir -p "$W/tiny"
	mount -t tmpfs -o size=64k tmpfs "$W/tiny"
	start_reader /dev/null "$W/rec.err" ctdiag record -w "$W/tiny/r.rec"
	# ~240 bytes per event: 8 x 60 flows over ~4 s overflow 64k after a
	# few one-second flushes have landed
	for i in 0 1 2 3 4 5 6 7; do
		ip netns exec w1 ctgen udp -n 60 -s $((35000 + i * 100)) >/dev/null || true
		sleep 0.5
	done
	# the writer flushes every second, then meets ENOSPC and stops itself
	await_reader 10
	[ "$rc" -eq 1 ]
	run cat "$W/rec.err"
	assert_line --index 0 --regexp "^ctdiag: error: writing $W/tiny/r.rec failed: No space left on device; the file is readable up to its last complete record \\([0-9]+ bytes\\)$"
	bytes=$(sed -n '1s/.*(\([0-9]*\) bytes)$/\1/p' "$W/rec.err")
	[ "$(stat -c %s "$W/tiny/r.rec")" -eq "$bytes" ]
	run --separate-stderr ctdiag watch -r "$W/tiny/r.rec"
	assert_success
	[ "${#lines[@]}" -gt 50 ]
	[ "${stderr_lines[0]}" = "ctdiag: warning: $W/tiny/r.rec: no end marker: the recording was cut short (writer killed or crashed?)" ]
	echo "# 64k tmpfs: $bytes bytes kept, ${#lines[@]} events readable" >&3
	umount "$W/tiny"
}

@test "record refuses a second reader and an existing file; watch explains ring_kb=0" {
	ctdiag_load
	start_reader "$W/ev.txt" "$W/ev.err" ctdiag watch
	run --separate-stderr ctdiag record -w "$W/x.rec"
	assert_failure 1
	[ "${stderr_lines[0]}" = "ctdiag: error: cannot open /dev/ctdiag: another reader has it open (one ctdiag watch/record at a time)" ]
	stop_reader INT
	touch "$W/exists.rec"
	run --separate-stderr ctdiag record -w "$W/exists.rec" --duration 0.2
	assert_failure 1
	[ "${stderr_lines[0]}" = "ctdiag: error: cannot create $W/exists.rec: file exists (use --force to overwrite)" ]
	run --separate-stderr ctdiag record -w "$W/exists.rec" --duration 0.2 -f
	assert_success
	run --separate-stderr ctdiag watch -r "$W/exists.rec"
	assert_success
	# a module loaded without a ring: said plainly
	rmmod ctdiag
	ctdiag_load ring_kb=0
	run --separate-stderr ctdiag watch
	assert_failure 1
	[ "${stderr_lines[0]}" = "ctdiag: error: the module's event ring is off (loaded with ring_kb=0): reload it with ring_kb=256" ]
}

@test "watch --count and --duration end the run with exit 0; --summary prints module rates" {
	ctdiag_load idle_timeout=0
	store_ns_add w1
	start_reader "$W/c.txt" "$W/c.err" ctdiag watch -c 3 -e alloc
	store_ctgen w1 -n 10 -s 36000
	await_reader 5
	[ "$rc" -eq 0 ]
	[ "$(wc -l <"$W/c.txt")" -eq 3 ]
	run --separate-stderr ctdiag watch --duration 1.5 --summary 0.5 -q
	assert_success
	[ "${#lines[@]}" -ge 2 ]
	assert_line --index 0 --regexp '^summary interval=0\.[0-9]s alloc/s=[0-9.]+ free/s=[0-9.]+ \(hook=.*\) clash/s=[0-9.]+ live=[0-9]+ leaked=[0-9]+ lost=0$'
}

@test "stats with the module: counters match the device, json and prometheus agree" {
	ctdiag_load idle_timeout=0
	store_ns_add w1
	store_ctgen w1 -n 10 -s 37000
	counters_load
	run --separate-stderr ctdiag stats -o json
	assert_success
	json=$output
	jq -e --argjson live "$c_live" --argjson alloc "$c_allocated" '.module_loaded and .module.records.live == $live and .module.records.allocated == $alloc' <<<"$json"
	run --separate-stderr ctdiag stats
	assert_success
	assert_line --regexp "^records: live=$c_live allocated=$c_allocated "
	assert_line --regexp '^freed: hook=[0-9]+ destroy=[0-9]+ expiry-orphan=[0-9]+ '
	assert_line --regexp '^probe nf_ct_destroy: hits=[0-9]+ nmissed=0 ns=[0-9]+$'
	assert_line --regexp $'^cpu=0   \tfound='
	run --separate-stderr ctdiag stats -o prometheus
	assert_success
	assert_line "ctdiag_module_loaded 1"
	assert_line "ctdiag_records_live $c_live"
	assert_line 'ctdiag_records_freed_total{path="hook"} '"$c_freed_hook"
	assert_line --regexp '^ctdiag_ring_lost_total\{cpu="0"\} [0-9]+$'
	# the kernel half equals conntrack -S in the namespace
	mine=$(ip netns exec w1 ctdiag stats | grep '^cpu=')
	theirs=$(ip netns exec w1 conntrack -S | sed 's/ *$//')
	[ "$mine" = "$theirs" ]
}

@test "record --snapshot stores the live extension records and the conntrack tables, at start and end" {
	ctdiag_load idle_timeout=0
	store_ns_add w1
	ino=$(stat -L -c %i /run/netns/w1)
	store_ctgen w1 -n 10 -s 38000
	run --separate-stderr ctdiag record -w "$W/s.rec" --snapshot --duration 0.5
	assert_success
	run recchunks "$W/s.rec"
	assert_success
	chunks=$output
	assert_line --index 0 --regexp '^header release=[^ ]+ host=[^ ]+ flags=1$'
	[ "$(grep -c '^snap-begin phase=0 ' <<<"$chunks")" -eq 1 ]
	[ "$(grep -c '^snap-begin phase=1 ' <<<"$chunks")" -eq 1 ]
	[ "$(grep -c '^counters ' <<<"$chunks")" -eq 2 ]
	assert_line --regexp '^end events=[0-9]+ lost=0$'
	# the extension records of w1, at start, are its conntrack entries
	start=$(sed -n '/^snap-begin phase=0/,/^snap-end/p' <<<"$chunks")
	ext_ids=$(sed -n "s/^ext id=\([0-9]*\) netns=$ino$/\1/p" <<<"$start" | sort -n)
	[ "$ext_ids" = "$(ct_ids w1)" ]
	grep -q "^snap-begin phase=0 ext=$(counter live) ct=" <<<"$start"
	# the conntrack lines are conntrack -L -o extended,id's (timeouts aside)
	norm() { awk '{ $5 = ""; print }' | sort; }
	got=$(sed -n "s/^ct netns=$ino //p" <<<"$start" | norm)
	want=$(ip netns exec w1 conntrack -L -o extended,id 2>/dev/null | norm)
	[ "$(wc -l <<<"$got")" -eq 10 ]
	[ "$got" = "$want" ] || { diff <(echo "$want") <(echo "$got"); false; }
	# and the counts in the markers match what follows them
	n_ct=$(grep -c "^ct " <<<"$start")
	grep -q "^snap-begin phase=0 ext=[0-9]* ct=$n_ct$" <<<"$start"
}
