#!/usr/bin/env bats
# ctdiag ls against conntrack -L (1.4.7), option by option, on a table with
# every protocol conntrack -I can make, their states, status flags, zones
# in both directions, every NAT kind and marks: for each option both take,
# the same stdout byte for byte and the same exit status; where ctdiag
# differs on purpose (ctdiag-ls(8) DIFFERENCES FROM CONNTRACK), the
# difference itself is checked.
load test_helper
load ls_helper

FTPCTL=$CTDIAG_TOP/tests/tools/ftpctl

# FTP control connections through the ftp helper, each leaving one
# expectation (5 minutes): IPv4 PORT, IPv4 PASV, IPv6 EPSV.
ftp_expectations() {
	local X="ip netns exec $LS_NS $FTPCTL"
	$X 127.0.0.1 21 "220 hi" "USER a" "331 ok" "PORT 127,0,0,1,4,1" "200 ok" &&
	$X 127.0.0.2 21 "220 hi" "USER a" "331 ok" "PASV" "227 Entering Passive Mode (127,0,0,2,4,2)" &&
	$X ::1 21 "220 hi" "USER a" "331 ok" "EPSV" "229 Entering Extended Passive Mode (|||1027|)"
}

setup_file() {
	export LS_NS=ctdiag-lsc-$$
	ip netns add "$LS_NS"
	ip -n "$LS_NS" link set lo up
	local X="ip netns exec $LS_NS conntrack" i st
	# an insert this kernel refuses fails the variety test, by name
	{
	set +e
	ip netns exec "$LS_NS" sysctl -qw net.netfilter.nf_conntrack_acct=1
	# the real-traffic entries must outlive the file: one that expires
	# between the two dumps of a comparison would fail it
	ip netns exec "$LS_NS" sysctl -qw net.netfilter.nf_conntrack_udp_timeout=3000 \
		net.netfilter.nf_conntrack_tcp_timeout_close=3000 \
		net.netfilter.nf_conntrack_tcp_timeout_syn_sent=3000
	i=100
	for st in NONE SYN_SENT SYN_RECV ESTABLISHED FIN_WAIT CLOSE_WAIT LAST_ACK TIME_WAIT CLOSE LISTEN; do
		$X -I -p tcp -s 10.0.1.1 -d 10.0.1.2 --sport 1 --dport $((i++)) --state $st -t 3000 -u SEEN_REPLY
	done
	$X -I -p tcp -s 10.0.0.1 -d 10.0.0.2 --sport 10 --dport 20 --state ESTABLISHED -t 3000 -u SEEN_REPLY,ASSURED -m 5
	$X -I -p tcp -s 10.0.0.1 -d 10.0.0.2 --sport 11 --dport 22 --state SYN_SENT -t 3000 -m 0x10004
	$X -I -p udp -s 10.0.0.3 -d 10.0.0.2 --sport 53 --dport 53 -t 3000 -w 3
	$X -I -p udp -s 10.0.0.3 -d 10.0.0.2 --sport 54 --dport 53 -t 3000 -u SEEN_REPLY -m 6
	$X -I -p udplite -s 10.0.0.1 -d 10.0.0.2 --sport 7 --dport 8 -t 3000
	$X -I -p icmp -s 10.0.0.3 -d 10.0.0.2 --icmp-type 8 --icmp-code 0 --icmp-id 77 -t 3000
	$X -I -p icmp -s 10.0.0.4 -d 10.0.0.2 --icmp-type 13 --icmp-code 0 --icmp-id 78 -t 3000
	$X -I -p icmpv6 -s 2001:db8::1 -d 2001:db8::2 --icmpv6-type 128 --icmpv6-code 0 --icmpv6-id 5 -t 3000
	$X -I -p tcp -s 2001:db8::1 -d 2001:db8::2 --sport 1000 --dport 443 --state TIME_WAIT -t 3000
	$X -I -p udp -s 2001:db8::1 -d 2001:db8:1::9 --sport 1000 --dport 53 -t 3000 -m 6
	$X -I -p sctp -s 10.0.0.1 -d 10.0.0.2 --sport 5000 --dport 5001 --state ESTABLISHED -t 3000 --orig-vtag 1 --reply-vtag 2
	$X -I -p sctp -s 10.0.0.1 -d 10.0.0.2 --sport 5002 --dport 5001 --state COOKIE_WAIT -t 3000 --orig-vtag 3 --reply-vtag 4
	$X -I -p sctp -s 2001:db8::1 -d 2001:db8::2 --sport 1 --dport 2 --state SHUTDOWN_SENT -t 3000 --orig-vtag 5 --reply-vtag 6
	$X -I -p dccp -s 10.0.0.1 -d 10.0.0.2 --sport 5000 --dport 5001 --state OPEN -t 3000 --role client
	$X -I -p gre -s 10.0.0.1 -d 10.0.0.2 --srckey 0x12 --dstkey 0x34 -t 3000
	$X -I -p 200 -s 10.0.0.1 -d 10.0.0.2 -t 3000
	$X -I -p tcp -s 10.0.0.1 -d 10.0.0.2 --sport 12 --dport 20 --state ESTABLISHED -t 3000 -u FIXED_TIMEOUT,SEEN_REPLY
	# (conntrack -I makes DCCP entries without ports or state: only one)
	# zones: the entry's, the original tuple's, the reply tuple's, both
	$X -I -p tcp -s 10.0.2.1 -d 10.0.2.2 --sport 1 --dport 1 --state ESTABLISHED -t 3000 -w 6
	$X -I -p tcp -s 10.0.2.1 -d 10.0.2.2 --sport 2 --dport 2 --state ESTABLISHED -t 3000 --orig-zone 4
	$X -I -p tcp -s 10.0.2.1 -d 10.0.2.2 --sport 3 --dport 3 --state ESTABLISHED -t 3000 --reply-zone 5
	$X -I -p tcp -s 10.0.2.1 -d 10.0.2.2 --sport 4 --dport 4 --state ESTABLISHED -t 3000 --orig-zone 4 --reply-zone 5
	# NAT: source, destination, with ports, both
	$X -I -p tcp -s 10.0.0.1 -d 10.0.0.9 --sport 1002 --dport 80 --state ESTABLISHED -t 3000 --dst-nat 192.168.1.1
	$X -I -p tcp -s 10.0.0.1 -d 10.0.0.9 --sport 1003 --dport 80 --state ESTABLISHED -t 3000 --dst-nat 192.168.1.1:8080
	$X -I -p udp -s 10.0.0.1 -d 10.0.0.9 --sport 1003 --dport 80 -t 3000 --src-nat 192.168.1.5 -u SEEN_REPLY
	$X -I -p udp -s 10.0.0.1 -d 10.0.0.9 --sport 1004 --dport 80 -t 3000 --src-nat 192.168.1.5:5000
	$X -I -p udp -s 10.0.0.1 -d 10.0.0.9 --sport 1005 --dport 80 -t 3000 --src-nat 192.168.1.1
	$X -I -p tcp -s 10.0.0.1 -d 10.0.0.9 --sport 1010 --dport 80 --state ESTABLISHED -t 3000 --src-nat 192.168.1.5 --dst-nat 192.168.1.1
	# real traffic, with counters
	ip netns exec "$LS_NS" nft add table inet t
	ip netns exec "$LS_NS" nft add chain inet t out '{ type filter hook output priority 0; }'
	ip netns exec "$LS_NS" nft add rule inet t out ct state new counter
	ip netns exec "$LS_NS" bash -c 'echo x > /dev/udp/127.0.0.1/9; (echo x > /dev/tcp/127.0.0.1/9) 2>/dev/null; echo y > /dev/udp/::1/9'
	# labels (conntrack -I cannot set them without names): nft sets
	# them by bit on real traffic; 3 and 127 get no name below
	ip netns exec "$LS_NS" nft add chain inet t lab '{ type filter hook output priority 10; }'
	ip netns exec "$LS_NS" nft add rule inet t lab udp dport 31 ct label set 1 ct label set 5
	ip netns exec "$LS_NS" nft add rule inet t lab udp dport 32 ct label set 3
	ip netns exec "$LS_NS" nft add rule inet t lab udp dport 33 ct label set 127
	ip netns exec "$LS_NS" nft add rule inet t lab udp dport 34 ct label set 0 ct label set 7 ct label set 16
	ip netns exec "$LS_NS" bash -c 'for p in 31 32 33 34; do echo x > /dev/udp/127.0.0.1/$p; done'
	# helpers and expectations: the ftp helper's, and nft's (no helper
	# name, an hour or two)
	ip netns exec "$LS_NS" nft -f - <<-'EOF'
	table inet x {
		ct helper ftp-std { type "ftp" protocol tcp; }
		ct expectation e4 { protocol tcp; dport 5555; timeout 1h; size 12; l3proto ip; }
		ct expectation e6 { protocol udp; dport 6666; timeout 2h; size 12; l3proto ip6; }
		chain out {
			type filter hook output priority 0;
			tcp dport 21 ct helper set "ftp-std"
			udp dport 41 ct expectation set "e4"
			udp dport 42 ct expectation set "e6"
		}
	}
	EOF
	ip netns exec "$LS_NS" bash -c 'echo x > /dev/udp/127.0.0.1/41; echo x > /dev/udp/::1/42'
	ftp_expectations
	set -e
	} 2>/dev/null
	# label names as libnetfilter_conntrack reads them: comments, any
	# base, blanks trimmed; a bit or a name again, a name with other
	# characters than letters, digits, blanks and '-': ignored
	printf '%s\n' '# names' '0 zero' '1	one' '5 five  ' '0x7 seven' \
		'020 sixteen' '1 dup-one' '8 five' '9 bad_name' 'x ten' \
		'11 two words' >"$BATS_FILE_TMPDIR/connlabel.conf"
}

teardown_file() {
	ip netns del "$LS_NS" 2>/dev/null || true
}

# Each line of stdin: one set of ARGS for same_as_conntrack.
each_same() {
	local a n=0
	while read -r a; do
		[ -n "$a" ] || continue
		eval "set -- $a"
		same_as_conntrack "$@" >/dev/null || { echo "differs: $a"; return 1; }
		n=$((n + 1))
	done
	echo "$n compared"
}

@test "conformance: the table has the variety (every protocol, zones, NAT, counters)" {
	run same_as_conntrack -o extended,id
	assert_success
	[ "${#lines[@]}" -ge 35 ]
	for w in " tcp " " udp " " udplite " " icmp " " icmpv6 " " sctp " " dccp " " gre " " unknown " \
		 SYN_SENT2 COOKIE_WAIT SHUTDOWN_SENT "zone=6" "zone-orig=4" "zone-reply=5" \
		 "src=192.168.1.1" "dst=192.168.1.5" "dport=5000" "sport=8080" "mark=65540" "[ASSURED]" "packets=1 "; do
		assert_output --partial "$w"
	done
}

@test "conformance: protocol, address, port, state, mark, zone, family and status filters" {
	run each_same <<-'EOF'
	-p tcp
	-p TCP
	-p Udp
	-p 6
	-p 0x6
	-p 010
	-p igmp
	-p ipv6-icmp
	-p icmpv6
	-p udplite
	-p sctp
	-p dccp
	-p gre
	-p 200
	-s 10.0.0.1
	-s 10.0.0.0/24
	-s 10.0.0.0/08
	-d 10.0.0.9/32
	-s 2001:db8::/32
	-d 2001:db8:1::/48
	-s 10.0.0.77 --mask-src 255.255.255.0
	-s 10.0.1.77 --mask-src 255.255.0.0
	-s 10.0.3.1 --mask-src 255.255.255.0
	-s 10.0.0.77/24 --mask-src 255.255.255.255
	-d 10.0.0.0 --mask-dst 255.255.255.0
	-p tcp --sport 10
	-p tcp --sport 010
	-p tcp --dport 20
	-p tcp --dport 020
	-p udp --orig-port-dst 53
	-p tcp --state ESTABLISHED
	-p tcp --state SYN_SENT2
	-p tcp --state LISTEN
	-p tcp --state NONE
	-p sctp --state ESTABLISHED
	-p sctp --state COOKIE_WAIT
	-p sctp --state SHUTDOWN_SENT
	-p dccp --state OPEN
	-p dccp --state REQUEST
	-p icmp --icmp-type 8
	-p icmp --icmp-type 13
	-p icmp --icmp-code 0
	-p icmp --icmp-id 78
	-p icmpv6 --icmpv6-type 128
	-p icmpv6 --icmpv6-id 5
	-p icmpv6 --icmpv6-code 0
	-m 5
	-m 0
	-m 0x10000/0xffff0000
	-m 010
	-m 4/4
	-w 0
	-w 3
	-w 6
	-w 06
	--orig-zone 4
	--orig-zone 0
	--reply-zone 5
	--reply-zone 0
	--orig-zone 4 --reply-zone 5
	-f ipv4
	-f ipv6
	-f ipv4 -f ipv4
	-u ASSURED
	-u assured
	-u Seen_Reply,ASSURED
	-u OFFLOAD
	-u HW_OFFLOAD
	-u ASSURED,UNSET
	-u SRC_NAT,SEEN_REPLY
	-u EXPECTED
	-u FIXED_TIMEOUT
	-p tcp -p udp
	-s 10.0.0.5 -s 10.0.0.1
	--mar 5
	--pro udp
	--orig-s 10.0.0.3
	EOF
	assert_success
	assert_output "77 compared"
}

@test "conformance: reply-tuple and NAT filters" {
	run each_same <<-'EOF'
	-n
	-g
	-j
	-n -g
	-n 192.168.1.5
	-n 192.168.1.1
	-n 192.168.1.5:5000
	-n 192.168.1.5:5001
	-g 192.168.1.1
	-g 192.168.1.1:8080
	-j 192.168.1.1
	-j 192.168.1.5
	-n 192.168.1.5 -p udp
	-n 192.168.1.5:1003
	-g 192.168.1.1:80
	-n -p udp
	--src-nat
	--dst-nat 192.168.1.1
	--any-nat 192.168.1.9
	-r 192.168.1.1
	-r 10.0.0.2
	-q 192.168.1.5
	-q 10.0.0.1
	-r 2001:db8::2
	--reply-src 10.0.0.9 --reply-dst 192.168.1.5
	-p tcp --reply-port-src 8080
	-p udp --reply-port-dst 5000
	-p tcp --reply-port-dst 1003
	EOF
	assert_success
	assert_output "28 compared"
}

@test "conformance: output formats and their spelling" {
	run each_same <<-'EOF'
	-o extended
	-o id
	-o ID
	-o Extended,id
	-o id,extended,ktimestamp
	-o ktimestamp
	-o id,id
	-o save
	-o SAVE
	-o save -p tcp
	-o save -n
	-o save -g
	-o save -p sctp
	-o save -p gre
	-o save -p icmpv6
	-o save -f ipv6
	-o timestamp
	-o userspace
	-o labels
	-o extended,timestamp,id
	EOF
	assert_success
	assert_output "20 compared"
}

@test "conformance: -o xml, alone and with what conntrack combines it" {
	run same_as_conntrack -o xml
	assert_success
	assert_line --index 0 '<?xml version="1.0" encoding="utf-8"?>'
	assert_line --index 1 '<conntrack>'
	assert_line --index -1 '</conntrack>'
	# the library's quirks: TCP state names for SCTP, bare ICMP layer4
	grep -qE 'protoname="sctp"><sport>5000</sport><dport>5001</dport></layer4>.*<state>FIN_WAIT</state>' <<<"$output"
	assert_output --partial '<layer4 protonum="1" protoname="icmp"></layer4>'
	assert_output --partial '<srckey>0x12</srckey><dstkey>0x34</dstkey>'
	assert_output --partial '<zone>4</zone>'
	assert_output --partial '<counters><packets>1</packets>'
	run each_same <<-'EOF'
	-o XML
	-o xml,id
	-o xml,extended,id
	-o xml,ktimestamp
	-o xml,timestamp
	-o xml,userspace
	-o xml,labels
	-o xml -p tcp
	-o xml -p sctp
	-o xml -p dccp
	-o xml -p gre
	-o xml -p icmpv6
	-o xml -p 200
	-o xml -w 6
	-o xml --orig-zone 4
	-o xml -n
	-o xml -g
	-o xml -f ipv6
	-o xml -u ASSURED
	-o xml -s 127.0.0.1
	-o xml -p udp --dport 31
	-o xml -p 99
	-o xml -m 12345
	-o xml,
	-o xml,bogus
	EOF
	assert_success
	assert_output "25 compared"
	LS_RUN="with_connlabel $BATS_FILE_TMPDIR/connlabel.conf"
	run each_same <<-'EOF'
	-o xml,labels
	-o labels,xml -p udp
	-o xml -l one
	-o xml -l zero,sixteen
	EOF
	assert_success
	assert_output "4 compared"
	run same_as_conntrack -o xml,labels -p udp
	assert_output --partial '<mark>0</mark><labels><label>one</label><label>five</label></labels><use>1</use>'
	assert_output --partial '<mark>0</mark><labels></labels><use>1</use>'
}

@test "conformance: usage errors are usage errors in both (exit 2, no listing)" {
	run each_same <<-'EOF'
	-f ipv4 -f ipv6
	-f ipv6 -s 10.0.0.1
	-u ASSURED,
	-u ,ASSURED
	-u ASSURED,,SEEN_REPLY
	-u CONFIRMED
	-u ASSUREDX
	-o id,
	-o ,id
	-o ""
	-o bogus
	--ma 1
	--st ASSURED
	--z
	-p IPV6-ICMP
	-p foo
	-p 300
	-p ""
	-p tcp --state established
	-p tcp --state IGNORE
	-p dccp --state open
	-p udp --state ESTABLISHED
	-s localhost
	-s 10.0.0.0/33
	-s 10.0.0.1/033
	-r 10.0.0.0/24
	-n 192.168.1.0/24
	-n :5000
	--mask-src 255.0.0.0
	--sport 1
	-p icmp --sport 1
	-p icmpv6 --icmp-type 128
	-u
	EOF
	assert_success
	assert_output "33 compared"
}

@test "conformance: each deliberate difference of ctdiag-ls(8) holds" {
	# conntrack is loose (exit 0, lists what atoi/strtoul made of it)
	differs_from_conntrack 0 -p tcp --sport 70000
	differs_from_conntrack 0 -p tcp --dport 0x14
	differs_from_conntrack 0 -p tcp --dport 20x
	differs_from_conntrack 0 -p icmp --icmp-type x
	differs_from_conntrack 0 -m x
	differs_from_conntrack 0 -m 3x
	differs_from_conntrack 0 -m 4294967296
	differs_from_conntrack 0 -w x
	differs_from_conntrack 0 -w 70000
	differs_from_conntrack 0 -p ' 6'
	differs_from_conntrack 0 -s 1.2.3
	differs_from_conntrack 0 -s 10.0.0.1/
	differs_from_conntrack 0 -f ipv4x
	differs_from_conntrack 0 -u ASS
	differs_from_conntrack 0 -u SEEN_REPLY -u ASSURED
	# conntrack sends an empty status mask and fails
	differs_from_conntrack 1 -u UNSET
	differs_from_conntrack 1 -u SRC_NAT
	# conntrack crashes on SCTP states it does not know
	differs_from_conntrack 139 -p sctp --state FOO
	# ctdiag filters HEARTBEAT_SENT where conntrack crashes
	run ip netns exec "$LS_NS" conntrack -L -p sctp --state HEARTBEAT_SENT
	[ "$status" -eq 139 ]
	run_ctdiag ls -N "$LS_NS" -p sctp --state HEARTBEAT_SENT
	assert_success
	[ -z "$output" ]
	# GRE keys: conntrack ignores them, ctdiag filters
	run ip netns exec "$LS_NS" conntrack -L -p gre --srckey 0x99
	[ "${#lines[@]}" -eq 2 ]		# the entry and the summary
	run_ctdiag ls -N "$LS_NS" -p gre --srckey 0x99
	assert_success
	[ -z "$output" ]
	run_ctdiag ls -N "$LS_NS" -p gre --srckey 0x12 --dstkey 0x34
	[ "${#lines[@]}" -eq 1 ]
	run_ctdiag ls -N "$LS_NS" -p gre --reply-key-src 0x34 --reply-key-dst 0x12
	[ "${#lines[@]}" -eq 1 ]
	# the NAT address attached: conntrack ignores it, ctdiag filters
	# (timeouts tick between the runs: compared without them)
	[ "$("$CTDIAG" ls -N "$LS_NS" -n192.168.1.1 2>/dev/null | awk '{$3 = ""; print}')" = \
	  "$("$CTDIAG" ls -N "$LS_NS" -n 192.168.1.1 2>/dev/null | awk '{$3 = ""; print}')" ]
	[ "$("$CTDIAG" ls -N "$LS_NS" --src-nat=192.168.1.1 2>/dev/null | wc -l)" -eq 1 ]
	# -j IP with -p: conntrack lists nothing, ctdiag what -j IP lists
	run ip netns exec "$LS_NS" conntrack -L -p udp -j 192.168.1.5
	assert_success
	[ "${#lines[@]}" -eq 1 ]		# the summary only
	run_ctdiag ls -N "$LS_NS" -p udp -j 192.168.1.5
	[ "${#lines[@]}" -eq 2 ]
	[ "$(awk '{$3 = ""; print}' <<<"$output")" = \
	  "$("$CTDIAG" ls -N "$LS_NS" -j 192.168.1.5 2>/dev/null | grep '^udp ' | awk '{$3 = ""; print}')" ]
	# protocol options before -p: conntrack does not know them yet
	run ip netns exec "$LS_NS" conntrack -L --sport 10 -p tcp
	[ "$status" -eq 2 ]
	run_ctdiag ls -N "$LS_NS" --sport 10 -p tcp
	assert_success
	[ "${#lines[@]}" -eq 1 ]
	# conntrack options ls does not take: a usage error naming them
	# -o save with another format: conntrack exits 1, ctdiag 2 (usage)
	differs_from_conntrack 1 -o save,id
	differs_from_conntrack 1 -o xml,save
	# the dying and unconfirmed tables: conntrack lists them, ctdiag not
	differs_from_conntrack 0 dying
	differs_from_conntrack 0 unconfirmed
	# a word after the table: conntrack ignores it
	differs_from_conntrack 0 expect foo
	# the table after options: conntrack ignores it there
	run ip netns exec "$LS_NS" conntrack -L -o id expect
	assert_output --partial " id="
	run_ctdiag ls -N "$LS_NS" -o id expect
	assert_success
	refute_output --partial " id="
	assert_output --partial " helper=ftp"
	# -c: conntrack lists every entry with any number, or none
	differs_from_conntrack 0 -c x
	differs_from_conntrack 0 -c 4294967296
}

@test "conformance: -c/--secmark, which conntrack takes and filters nothing with" {
	run same_as_conntrack -c 0
	assert_success
	[ "${#lines[@]}" -ge 35 ]
	run each_same <<-'EOF'
	-c 0
	-c 5
	--secmark 0x10
	--secmark 010
	-c 4294967295
	-c 1 -p udp
	-c 1 -o xml
	--sec 3
	-c
	EOF
	assert_success
	assert_output "9 compared"
}

@test "conformance: labels by name (-l, -o labels) with connlabel.conf" {
	LS_RUN="with_connlabel $BATS_FILE_TMPDIR/connlabel.conf"
	# the names show (only) once read: with -o labels or -l
	run same_as_conntrack -o labels -p udp
	assert_success
	grep -qE ' dport=31 .* use=1 labels=one,five$' <<<"$output"
	grep -qE ' dport=34 .* use=1 labels=zero,seven,sixteen$' <<<"$output"
	grep -qE ' dport=32 .* use=1 labels$' <<<"$output"	# bits without names
	grep -qE ' dport=33 .* use=1 labels$' <<<"$output"
	run same_as_conntrack -l one
	assert_success
	assert_output --regexp "^udp .* labels=one,five$"
	run each_same <<-'EOF'
	-p udp
	-o labels
	-o LABELS,id,extended
	-o labels,id -s 127.0.0.1
	-o ktimestamp,labels
	-l one
	-l five
	-l one,five
	-l five -l one
	-l five,zero
	-l five -l zero
	-l zero,seven,sixteen -p udp
	-l zero -p udp --dport 34
	-l seven -o extended
	-l sixteen -o save
	-l two\ words
	--label five
	-l nope
	-l ''
	-l one,
	-l ,one
	-l one,,five
	-l dup-one
	-l bad_name
	-l ten
	-l ONE
	--lab five
	-l
	EOF
	assert_success
	assert_output "28 compared"
}

@test "conformance: labels without names (no connlabel.conf, or one naming none)" {
	local f
	printf '# none\nx y\n1 a_b\n' >"$BATS_FILE_TMPDIR/empty.conf"
	for f in none "$BATS_FILE_TMPDIR/empty.conf"; do
		LS_RUN="with_connlabel $f"
		run each_same <<-'EOF'
		-o labels
		-o labels,id
		-l one
		-l one -p udp
		EOF
		assert_success
		assert_output "4 compared"
		run same_as_conntrack -o labels
		refute_output --partial "labels"
		run $LS_RUN "$CTDIAG" ls -N "$LS_NS" -l one
		assert_failure 2
		assert_output --partial "unknown label 'one'"
	done
}

@test "conformance: the expect table (ls expect, as conntrack -L expect)" {
	ftp_expectations		# fresh: theirs last 5 minutes
	run same_as_conntrack expect -f ipv4
	assert_success
	grep -qE '^[0-9]+ proto=6 src=127.0.0.1 dst=127.0.0.1 sport=0 dport=1025 mask-src=255.255.255.255 mask-dst=255.255.255.255 sport=0 dport=65535 master-src=127.0.0.1 master-dst=127.0.0.1 sport=[0-9]+ dport=21 class=0 helper=ftp$' <<<"$output"
	assert_output --partial " dport=1026 "
	grep -qE ' dport=5555 .* dport=41 class=0$' <<<"$output"
	run same_as_conntrack expect -f ipv6
	assert_success
	assert_output --partial " dport=6666 "
	assert_output --partial " dport=1027 "
	run each_same <<-'EOF'
	expect
	expect -f ipv6
	expect -o xml
	expect -o xml -f ipv6
	expect -o XML,id,extended,ktimestamp,labels
	expect -o save
	expect -o extended
	expect -o id,userspace
	conntrack
	conntrack -p udp -o xml
	expect -p tcp
	expect -s 127.0.0.1
	expect -m 1
	expect -z
	expect -l x
	expect -f ipv4 -f ipv6
	expect -o xml,
	EOF
	assert_success
	assert_output "17 compared"
	# -o timestamp: the time of printing first, "[SECONDS.USEC]\t", or
	# in XML <when>; both tick, as the timeouts do
	local a b strip='s/^\[[0-9]{10}\.[0-9]{1,6} *\]\t[0-9]+ /T /; s/<when><hour>[0-9]+<\/hour><min>[0-9]{2}<\/min><sec>[0-9]{2}<\/sec><wday>[1-7]<\/wday><day>[0-9]+<\/day><month>[0-9]+<\/month><year>[0-9]{4}<\/year><\/when>/W/; s/<timeout>[0-9]+</<timeout>T</'
	for o in timestamp xml,timestamp; do
		a=$(ip netns exec "$LS_NS" conntrack -L expect -o $o 2>/dev/null | sed -E "$strip")
		b=$("$CTDIAG" ls -N "$LS_NS" expect -o $o 2>/dev/null | sed -E "$strip")
		[[ "$a" == *"T proto=6 "* || "$a" == *"<timeout>T</timeout><class>0</class>W</meta>"* ]]
		[ "$a" = "$b" ] || { diff <(echo "$a") <(echo "$b"); false; }
	done
}

@test "conformance: -z lists the counters, then they are zero (as conntrack -L -z)" {
	local before after
	ip netns exec "$LS_NS" bash -c 'echo x > /dev/udp/127.0.0.1/9; echo x > /dev/udp/127.0.0.1/10'
	before=$("$CTDIAG" ls -N "$LS_NS" -s 127.0.0.1 -z 2>/dev/null)
	[[ "$before" == *"packets=1 "* ]]
	after=$(ip netns exec "$LS_NS" conntrack -L -s 127.0.0.1 2>/dev/null)
	[ -n "$after" ]
	[[ "$after" != *"packets=1 "* ]]
	[[ "$after" == *"packets=0 bytes=0"* ]]
}

# Rebuild the -o extended,id text from ls -o json: every fact the text
# shows must be in the JSON, under the name ctdiag-ls(8) gives it.
JQ_TO_TEXT='
def hex: if . < 16 then "0123456789abcdef"[.:.+1]
	 else ((. / 16 | floor) | hex) + ("0123456789abcdef"[(. % 16):(. % 16) + 1]) end;
def tup(dir): (if .src != null then "src=\(.src) dst=\(.dst) " else "" end)
	+ (if .type != null then "type=\(.type) code=\(.code) id=\(.id) "
	   elif .srckey != null then "srckey=0x\(.srckey | hex) dstkey=0x\(.dstkey | hex) "
	   elif .sport != null then "sport=\(.sport) dport=\(.dport) " else "" end)
	+ (if .zone != null then "zone-\(dir)=\(.zone) " else "" end)
	+ (if .packets != null then "packets=\(.packets) bytes=\(.bytes) " else "" end);
"\(.family) \(.l3num) \(.proto) \(.protonum) \(.timeout) "
+ (if .state then "\(.state) " else "" end)
+ (.orig | tup("orig"))
+ (if (.flags | index("SEEN_REPLY")) then "" else "[UNREPLIED] " end)
+ (.reply | tup("reply"))
+ (if (.flags | index("HW_OFFLOAD")) then "[HW_OFFLOAD] "
   elif (.flags | index("OFFLOAD")) then "[OFFLOAD] "
   elif (.flags | index("ASSURED")) then "[ASSURED] " else "" end)
+ (if .mark != null then "mark=\(.mark) " else "" end)
+ (if .secmark != null then "secmark=\(.secmark) " else "" end)
+ (if .secctx != null then "secctx=\(.secctx) " else "" end)
+ (if .zone != 0 then "zone=\(.zone) " else "" end)
+ (if .helper != null then "helper=\(.helper) " else "" end)
+ "use=\(.use) id=\(.id)"'

@test "json: every entry kind carries the facts of its text line (one description of the fields)" {
	local i a b t0 t1
	for i in 1 2 3; do
		t0=$(date +%s)
		a=$("$CTDIAG" ls -N "$LS_NS" -o extended,id 2>/dev/null | tr -s ' ')
		b=$("$CTDIAG" ls -N "$LS_NS" -o json 2>/dev/null | jq -r "$JQ_TO_TEXT")
		t1=$(date +%s)
		[ "$a" = "$b" ] && break
	done
	if [ "$a" != "$b" ]; then
		diff <(split_timeout <<<"$a" | cut -f1) <(split_timeout <<<"$b" | cut -f1)
		paste <(split_timeout <<<"$a" | cut -f2) <(split_timeout <<<"$b" | cut -f2) |
			awk -F'\t' -v slack=$((t1 - t0 + 1)) '$2 > $1 || $2 < $1 - slack { bad = 1 } END { exit bad }'
	fi
	# the kinds the issue named are there, by their text names
	for w in " gre " "srckey=0x12" " sctp " COOKIE_WAIT " dccp " " unknown 200 " SYN_SENT2 \
		 "zone-orig=4" "zone-reply=5" " type=0 code=0 id=77 "; do
		[[ "$b" == *"$w"* ]] || { echo "no '$w' in the JSON-made text"; return 1; }
	done
}

@test "json: -o json,ext without the module is an error, not a silently dropped ext" {
	run_ctdiag ls -N "$LS_NS" -o json,ext
	assert_failure 1
	[ -z "$output" ]
	[[ "$stderr" == *"module not loaded"* ]]
	# -o json alone annotates when it can: no ext key without the module
	run_ctdiag ls -N "$LS_NS" -o json
	assert_success
	run jq -se 'length > 30 and all(.[]; has("ext") | not)' <<<"$output"
	assert_success
}
