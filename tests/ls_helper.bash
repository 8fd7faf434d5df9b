# Comparing `ctdiag ls` with `conntrack -L` on the table of $LS_NS
# (loaded by tests/20-ls.bats and tests/23-ls-conformance.bats).

# Mask the timeout (it ticks), keep it after a tab: "LINE-WITH-T\tTIMEOUT".
# Lines keep their order.  -o save lines: "-A -t TIMEOUT ...", -o xml
# lines: "<flow>...<timeout>TIMEOUT</timeout>..."; a line without one
# (the XML document's head) gets 0.
split_timeout() {
	sed -E -e 's/^-A -t ([0-9]+) (.*)$/-A -t T \2\t\1/;t' \
		-e 's/^(<flow>.*<timeout>)([0-9]+)(<\/timeout>.*)$/\1T\3\t\2/;t' \
		-e 's/^((ipv[46] +[0-9]+ +)?[^ ]+ +[0-9]+ +)([0-9]+) (.*)$/\1T \4\t\3/;t' \
		-e 's/$/\t0/'
}

# After split_timeout: the same for delta-time= (an entry's age, with
# timestamps on; it ticks too), in a third field, empty without one:
# "LINE-WITH-T-AND-D\tTIMEOUT\tDELTA".
split_delta() {
	sed -E -e 's/ delta-time=([0-9]+)( [^\t]*)?(\t[^\t]*)$/ delta-time=D\2\3\t\1/;t' \
		-e 's/(\t[^\t]*)$/\1\t/'
}

# with_connlabel FILE|none CMD...: CMD in a mount namespace of its own
# whose /etc/xtables/connlabel.conf (conntrack's label names) is FILE, or
# absent: an overlay on /etc, so the host's /etc stays as it is.
with_connlabel() {
	local file=$1 ov
	shift
	ov=$(mktemp -d "${BATS_FILE_TMPDIR:-/tmp}/etc.XXXXXX")
	mkdir "$ov/up" "$ov/work"
	unshare -m bash -c '
		mount --make-rprivate / &&
			mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1/up,workdir=$1/work" /etc ||
			exit 99
		mkdir -p /etc/xtables && rm -f /etc/xtables/connlabel.conf
		[ "$2" = none ] || cp "$2" /etc/xtables/connlabel.conf
		shift 2
		exec "$@"' _ "$ov" "$file" "$@"
}

# same_as_conntrack ARGS...: `ctdiag ls ARGS` and `conntrack -L ARGS` exit
# with the same status and print the same stdout, byte for byte and in the
# same order (both read one kernel dump order); stdout is printed on
# success.  The entries were made at different sub-second phases, so some
# timeout may tick between the two dumps: after three tries, the lines
# must match exactly except for timeouts, and each of ours is conntrack's
# or at most the seconds that passed between the two dumps (plus one)
# less -- on a loaded machine, or under ASan, that can be more than one
# second.  $LS_RUN, if set, prefixes both commands (with_connlabel FILE).
# A delta-time= (an entry's age, with timestamps on) ticks the
# other way: ours is conntrack's or at most as many seconds more.
same_as_conntrack() {
	local i ours theirs a b t0 t1 rc_ours rc_theirs
	for i in 1 2 3; do
		t0=$(date +%s)
		theirs=$($LS_RUN ip netns exec "$LS_NS" conntrack -L "$@" 2>/dev/null) &&
			rc_theirs=0 || rc_theirs=$?
		ours=$($LS_RUN "$CTDIAG" ls --netns "$LS_NS" "$@" 2>/dev/null) &&
			rc_ours=0 || rc_ours=$?
		t1=$(date +%s)
		if [ "$rc_ours" != "$rc_theirs" ]; then
			echo "exit status: conntrack $rc_theirs, ctdiag $rc_ours (args: $*)" >&2
			return 1
		fi
		[ "$ours" = "$theirs" ] && { echo "$ours"; return 0; }
	done
	a=$(split_timeout <<<"$theirs" | split_delta)
	b=$(split_timeout <<<"$ours" | split_delta)
	if [ "$(cut -f1 <<<"$a")" != "$(cut -f1 <<<"$b")" ]; then
		echo "stdout differs (args: $*):" >&2
		diff <(echo "$theirs") <(echo "$ours") >&2
		return 1
	fi
	paste <(cut -f2,3 <<<"$a") <(cut -f2,3 <<<"$b") |
		awk -F'\t' -v slack=$((t1 - t0 + 1)) '
			$3 > $1 || $3 < $1 - slack { print "timeout " $1 " vs " $3 " (slack " slack ")"; bad = 1 }
			$2 != "" && ($4 < $2 || $4 > $2 + slack) { print "delta-time " $2 " vs " $4 " (slack " slack ")"; bad = 1 }
			END { exit bad }' >&2 ||
		return 1
	echo "$ours"
}

# differs_from_conntrack RC_CONNTRACK ARGS...: a documented deliberate
# difference (ctdiag-ls(8) DIFFERENCES FROM CONNTRACK): conntrack exits
# with RC_CONNTRACK, ctdiag stops with a usage error (2), nothing on
# stdout, a "ctdiag: error:" line on stderr.
differs_from_conntrack() {
	local want=$1 rc_theirs err
	shift
	ip netns exec "$LS_NS" conntrack -L "$@" >/dev/null 2>&1 && rc_theirs=0 || rc_theirs=$?
	if [ "$rc_theirs" != "$want" ]; then
		echo "conntrack -L $*: exit $rc_theirs, expected $want" >&2
		return 1
	fi
	local rc out
	err=$("$CTDIAG" ls --netns "$LS_NS" "$@" 2>&1 >/dev/null) && rc=0 || rc=$?
	out=$("$CTDIAG" ls --netns "$LS_NS" "$@" 2>/dev/null) || true
	if [ "$rc" != 2 ] || [ -n "$out" ] || ! grep -q '^ctdiag: error: ' <<<"$err"; then
		echo "ctdiag ls $*: exit $rc, stdout '${out:0:80}', stderr '${err:0:200}'" >&2
		return 1
	fi
}
