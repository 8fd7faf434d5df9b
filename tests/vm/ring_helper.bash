# Shared by the event-ring tests (tests/vm/3x-*.bats, 27-store-races,
# 27-trace: /dev/ctdiag reading, clash probes): a test netns, conntrack -S
# sums, module counters, a background raw reader (tests/tools/evdump).
NS=ctdt
T=${BATS_TEST_TMPDIR:-/tmp}
READER=

# nft rules: conntrack on (ct state), SNAT of two ports onto one ip:port
# (the second flow's NAT finds no free tuple, so its confirm meets a
# reply-direction clash it cannot resolve: insert_failed + drop, without
# threads or queues, on 6.1 and 6.12), TCP SYNs dropped at
# input so no RST tears the first entry down before the second SYN.
SNAT_RULES='table ip t {
	chain out {
		type filter hook output priority 0;
		ct state new counter
	}
	chain in {
		type filter hook input priority 0;
		tcp dport 9998 drop
	}
	chain post {
		type nat hook postrouting priority 100;
		ip daddr 127.0.0.1 udp dport 9999 snat to 127.0.0.5:5000
		ip daddr 127.0.0.1 tcp dport 9998 snat to 127.0.0.5:5000
	}
}'

# Input drop: no ICMP port unreachable, so no ECONNREFUSED on the race
# socket's second send().
CT_RULES='table ip t {
	chain out {
		type filter hook output priority 0;
		ct state new counter
	}
	chain in {
		type filter hook input priority 0;
		udp dport 9999 drop
	}
}'

# CT_RULES plus source NAT of udp 9999 to $1 (nft's "snat to" argument);
# nft adds a second block of the same table to the first.
snat_rules() {
	printf '%s\n' "$CT_RULES"
	cat <<-EOF
	table ip t {
		chain post {
			type nat hook postrouting priority 100;
			ip daddr 127.0.0.1 udp dport 9999 snat to $1
		}
	}
	EOF
}

# E7: the race of CT_RULES with SNAT to a random port of a range: the
# loser's NAT picks a different reply tuple, so the clash is resolved by
# inserting it reply-only (IPS_NAT_CLASH) instead of merging.
NATCLASH_RULES=$(snat_rules '127.0.0.5:5000-60000 random')

# Queue before confirm (mangle priority), small datagrams to queue 0 and
# larger ones to queue 1; a chain of counters between the queue and the
# confirm widens the window in which both re-injected packets are past
# nf_conntrack_update but neither is confirmed yet.
NFQ_RULES="table ip t {
	chain out {
		type filter hook output priority 0;
		ct state new counter
	}
	chain post {
		type filter hook postrouting priority -150;
		udp dport 9999 meta length < 60 queue num 0
		udp dport 9999 queue num 1
	}
	chain slow {
		type filter hook postrouting priority 0;
$(for i in $(seq 1000); do echo "		udp dport 9999 counter"; done)
	}
	chain in {
		type filter hook input priority 0;
		udp dport 9999 drop
	}
}"

ns_setup() {
	ip netns del "$NS" 2>/dev/null || true
	ip netns add "$NS"
	ip -n "$NS" link set lo up
	ip netns exec "$NS" nft -f - <<<"$1"
}

ns_run() {
	ip netns exec "$NS" "$@"
}

ns_inode() {
	ip netns exec "$NS" stat -L -c %i /proc/self/ns/net
}

# ns_ct_ids ARGS...: the ids of the test netns's entries that
# conntrack -L ARGS lists, one a line
ns_ct_ids() {
	ns_run conntrack -L "$@" -o id | sed -n 's/.* id=\([0-9]*\).*/\1/p'
}

# Under SNAT_RULES: a UDP datagram from 127.0.0.1:1000 to 127.0.0.1:9999
# goes; one from 127.0.0.2:1000 is mapped onto the same reply tuple, its
# confirm meets the first entry and drops it: sendto() fails with EPERM.
snat_clash_udp() {
	run ns_run ctsend udp 127.0.0.1:1000 127.0.0.1:9999
	assert_output "send=1 ok"
	run ns_run ctsend udp 127.0.0.2:1000 127.0.0.1:9999
	assert_output "send=1 errno=EPERM"
}

# Sum one conntrack -S field over all CPUs of the test netns.
ct_stat() {
	ip netns exec "$NS" conntrack -S | tr ' \t' '\n\n' |
		awk -F= -v k="$1" '$1 == k { s += $2 } END { print s + 0 }'
}

# One module counter, as evdump -s prints it.
mod_stat() {
	evdump -s | awk -F= -v k="$1" '$1 == k { print $2 }'
}

# Start the raw reader in the background (args go to evdump); output in
# $T/ev, stderr in $T/ev.err.  Returns once the device is open.  It runs
# until reader_wait (which asks it to stop once the ring is drained).
# With --block first, it sits in a plain blocking read() instead (no
# poll, no stop file): stop it with -n or kill.
reader_start() {
	local stop=(-x "$T/stop")
	if [ "$1" = --block ]; then
		stop=()
		shift
	fi
	rm -f "$T/ready" "$T/stop"
	evdump -r "$T/ready" "${stop[@]}" "$@" >"$T/ev" 2>"$T/ev.err" &
	READER=$!
	local i
	for i in $(seq 100); do
		[ -e "$T/ready" ] && return 0
		kill -0 "$READER" 2>/dev/null || break
		sleep 0.05
	done
	echo "# reader did not start: $(cat "$T/ev.err")" >&2
	return 1
}

reader_wait() {
	touch "$T/stop"
	wait "$READER"
	local rc=$?
	READER=
	return $rc
}

# Count records: ev_count TYPE [extra grep pattern]
ev_count() {
	grep "^type=$1 " "$T/ev" | grep -c -- "${2:-.}" || true
}

# Check the per-CPU sequence in $T/ev: records and LOST ranges must cover
# 0..next_seq-1 of every CPU without gap or overlap.  Prints
# "cpuN_next_seq=M" lines and "bad=N".
ev_seq_check() {
	awk '{
		delete f
		for (i = 1; i <= NF; i++) { split($i, a, "="); f[a[1]] = a[2] }
		c = f["cpu"]
		if (!(c in nx)) nx[c] = 0
		if (f["type"] == "LOST") {
			if (f["first_seq"] != nx[c]) bad++
			nx[c] += f["count"]
		} else {
			if (f["seq"] != nx[c]) bad++
			nx[c] = f["seq"] + 1
		}
	} END {
		for (c in nx) print "cpu" c "_next_seq=" nx[c]
		print "bad=" bad + 0
	}' "$T/ev"
}

# Sum of u.lost.count over LOST records in $T/ev.
ev_lost_sum() {
	grep '^type=LOST ' "$T/ev" | tr ' ' '\n' |
		awk -F= '$1 == "count" { s += $2 } END { print s + 0 }'
}

ring_teardown() {
	if [ -n "$READER" ]; then
		kill "$READER" 2>/dev/null
		wait "$READER" 2>/dev/null
	fi
	ip netns del "$NS" 2>/dev/null || true
	vm_teardown
}

teardown() {
	ring_teardown
}
