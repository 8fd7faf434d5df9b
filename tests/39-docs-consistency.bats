#!/usr/bin/env bats
# --help, the man pages and the bash completion name the same subcommands
# and options (as bpftool's selftests check), and every page renders
# without groff warnings.
load test_helper
load ls_helper

MAN=$CTDIAG_TOP/man
COMPLETION=$MAN/ctdiag.bash-completion

# Subcommands from ctdiag --help.
help_commands() {
	"$CTDIAG" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p'
}

# Options of a help text on stdin, one per line (-x and --long).
help_options() {
	grep -E '^ {2,6}-' | sed -E 's/^ +//; s/^(-[A-Za-z0-9])(, (--[a-z][-a-z0-9]*))?.*/\1 \3/; s/^(--[a-z][-a-z0-9]*).*/\1/' |
		tr ' ' '\n' | grep . | sort -u
}

# Options a man page documents: the option tags of its OPTIONS section
# (the .TP item lines, with \- turned into -).
man_options() {
	sed -n '/^\.SH OPTIONS/,/^\.SH /p' "$1" |
		awk 'tp { print; tp = 0 } /^\.TP/ { tp = 1 }' |
		sed 's/\\-/-/g' | grep -oE '(^|[ "])--?[A-Za-z0-9][-a-z0-9]*' |
		sed 's/^[ "]//' | grep -E '^(-[A-Za-z0-9]|--[a-z][-a-z0-9]*)$' | sort -u
}

# What the completion offers for `ctdiag WORDS... CUR`.
complete_words() {
	bash -c '
		PATH=$(dirname "$1"):$PATH
		source "$2"
		shift 2
		COMP_WORDS=(ctdiag "$@")
		COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
		_ctdiag
		printf "%s\n" "${COMPREPLY[@]}"
	' _ "$CTDIAG" "$COMPLETION" "$@" | sort -u
}

@test "every man page renders without groff warnings" {
	n=0
	for f in "$MAN"/*.8; do
		run groff -man -ww -z "$f"
		[ -z "$output" ] || { echo "$f: $output"; false; }
		assert_success
		n=$((n + 1))
	done
	[ "$n" -ge 4 ]
}

@test "ctdiag.8 lists every subcommand of --help, each with its page, and nothing else" {
	cmds=$(help_commands | sort)
	[ -n "$cmds" ]
	page=$(sed -n '/^\.SH COMMANDS/,/^\.SH /p' "$MAN/ctdiag.8" |
		awk 'tp { print; tp = 0 } /^\.TP/ { tp = 1 }' | sed -n 's/^\.B \([a-z-]*\)$/\1/p' | sort)
	[ "$cmds" = "$page" ] || { diff <(echo "$cmds") <(echo "$page"); false; }
	for c in $cmds; do
		grep -q "^\.BR ctdiag\\\\-$c (8)" "$MAN/ctdiag.8"
	done
}

@test "ctdiag.8 documents the top-level options and exit statuses of --help" {
	help=$("$CTDIAG" --help | help_options)
	page=$(man_options "$MAN/ctdiag.8")
	[ "$help" = "$page" ] || { diff <(echo "$help") <(echo "$page"); false; }
	for s in 0 1 2 3 4 5 6; do
		grep -q "^\.B $s$" "$MAN/ctdiag.8"
		"$CTDIAG" --help | grep -q "$s "
	done
}

@test "ctdiag.8 documents every module parameter of the module source, and none of the test build's knobs as one" {
	# testknobs.c: parameters of the test build only (ctdiag-test.ko)
	params=$(ls "$CTDIAG_TOP"/kprobe/*.c | grep -v '/testknobs\.c$' |
		xargs sed -n 's/^module_param(\([a-z_]*\),.*/\1/p' | sort -u)
	[ -n "$params" ]
	for p in $params; do
		sed -n '/^\.SH MODULE PARAMETERS/,/^\.SH /p' "$MAN/ctdiag.8" | grep -qE "^\.BR? $p=|^\.BI $p= " ||
			{ echo "module parameter $p is not in ctdiag.8"; false; }
	done
	knobs=$(sed -n 's/^module_param\(_named\)\{0,1\}(\([a-z_]*\),.*/\2/p' "$CTDIAG_TOP"/kprobe/testknobs.c)
	[ -n "$knobs" ]
	for p in $knobs; do
		! sed -n '/^\.SH MODULE PARAMETERS/,/^\.SH /p' "$MAN/ctdiag.8" | grep -qE "^\.BR? $p=|^\.BI $p= " ||
			{ echo "test-build knob $p is listed as a module parameter in ctdiag.8"; false; }
	done
}

@test "each command's man page documents exactly its --help options" {
	checked=0
	for c in $(help_commands); do
		[ -f "$MAN/ctdiag-$c.8" ] || { echo "missing man/ctdiag-$c.8"; false; }
		help=$("$CTDIAG" "$c" --help | help_options)
		page=$(man_options "$MAN/ctdiag-$c.8")
		[ -n "$help" ]
		[ "$help" = "$page" ] || { echo "ctdiag $c: --help vs man page:"; diff <(echo "$help") <(echo "$page"); false; }
		checked=$((checked + 1))
	done
	# every command of the table has its page
	[ "$checked" -eq "$(help_commands | wc -l)" ]
}

@test "bash completion offers exactly the subcommands of --help" {
	[ "$(complete_words '')" = "$(help_commands | sort)" ]
	[ "$(complete_words w)" = "watch" ]
	[ "$(complete_words --)" = "$(printf -- '--help\n--version')" ]
}

@test "bash completion offers exactly each command's --help options" {
	for c in $(help_commands); do
		help=$("$CTDIAG" "$c" --help | help_options)
		comp=$(complete_words "$c" -)
		[ "$help" = "$comp" ] || { echo "ctdiag $c: --help vs completion:"; diff <(echo "$help") <(echo "$comp"); false; }
		# options after other words too
		comp=$(complete_words "$c" -o json --)
		[ "$(grep -- '^--' <<<"$help")" = "$comp" ]
	done
}

@test "bash completion completes values: output formats, event types, files" {
	[ "$(complete_words stats -o '')" = "$(printf 'json\nplain\nprometheus')" ]
	[ "$(complete_words watch --output '')" = "$(printf 'json\nplain')" ]
	[ "$(complete_words watch -e alloc,c)" = "$(printf 'alloc,clash\nalloc,confirm-drop\nalloc,confirm-early')" ]
	# ls: conntrack's values
	[ "$(complete_words ls -u ASSURED,S)" = "ASSURED,SEEN_REPLY" ]
	[ "$(complete_words ls --state SYN_S)" = "$(printf 'SYN_SENT\nSYN_SENT2')" ]
	[ "$(complete_words ls -f '')" = "$(printf 'ipv4\nipv6')" ]
	complete_words ls -o '' | grep -qx save
	complete_words ls - | grep -qx -- -N
	complete_words ls - | grep -qx -- --src-nat
	# record's -f is --force: the next word completes as an option
	complete_words record -f - | grep -qx -- --snapshot
	touch "$BATS_TEST_TMPDIR/rec-one.rec"
	[ "$(complete_words watch -r "$BATS_TEST_TMPDIR/rec-")" = "$BATS_TEST_TMPDIR/rec-one.rec" ]
}

@test "bash completion: no file names where ls and stale take addresses, zones, marks; ls's formats, tables and label names" {
	cd "$BATS_TEST_TMPDIR"
	touch zz-file
	for c in ls stale; do
		for o in -r -q -w -s -d -m -n -l -c -p --reply-src --zone --mark --label --secmark; do
			[ -z "$(complete_words $c $o zz)" ] || { echo "ctdiag $c $o offers files"; false; }
		done
	done
	# where -r, -w, -c take files they still complete them
	[ -z "$(complete_words watch -w zz)" ]
	[ "$(complete_words record -w zz)" = zz-file ]
	[ "$(complete_words leaks -c zz)" = zz-file ]
	[ "$(complete_words leaks -r zz)" = zz-file ]
	# the new formats, comma lists, the tables, -f for stale too
	[ "$(complete_words ls -o x)" = xml ]
	[ "$(complete_words ls -o xml,la)" = xml,labels ]
	[ "$(complete_words ls '')" = "$(printf 'conntrack\nexpect')" ]
	[ "$(complete_words stale -f '')" = "$(printf 'ipv4\nipv6')" ]
	# -l: the one-word names of connlabel.conf
	printf '%s\n' '1 one' '2 two words' '0x3 three' '# 4 four' >cl.conf
	run with_connlabel "$BATS_TEST_TMPDIR/cl.conf" bash -c \
		"CTDIAG=$CTDIAG COMPLETION=$COMPLETION; $(declare -f complete_words); complete_words ls -l one,t"
	assert_success
	assert_output "one,three"
}

@test "make install puts every man page and the completion in place" {
	dest=$BATS_TEST_TMPDIR/root
	# only the user-space part of the install recipe (the module needs kbuild)
	run make -s -C "$CTDIAG_TOP" -n install DESTDIR="$dest" PREFIX=/usr
	assert_success
	assert_output --partial "install -m 0644 man/*.8 $dest/usr/share/man/man8/"
	assert_output --partial "install -D -m 0644 man/ctdiag.bash-completion $dest/usr/share/bash-completion/completions/ctdiag"
}

@test "every page's exit statuses are ctdiag(8)'s: 3 only for leaks, 4 only for doctor, 5 and 6 only for stale" {
	for c in $(help_commands); do
		got=$(sed -n '/^\.SH EXIT STATUS/,/^\.SH [^E]/p' "$MAN/ctdiag-$c.8" |
			sed -n 's/^\.B \([0-9]\)$/\1/p' | sort -n | tr '\n' ' ')
		case $c in
		leaks) want="0 1 2 3 " ;;
		doctor) want="0 1 2 4 " ;;
		stale) want="0 1 2 5 6 " ;;
		*) want="0 1 2 " ;;
		esac
		[ "$got" = "$want" ] || { echo "ctdiag-$c.8 exit statuses: '$got', want '$want'"; false; }
	done
}

@test "the release is written once (lib/ctdiag_abi.h): --version, the man pages and dkms-src agree" {
	ver=$(sed -n 's/^#define CTDIAG_VERSION[[:space:]]*"\(.*\)"$/\1/p' "$CTDIAG_TOP/lib/ctdiag_abi.h")
	[ -n "$ver" ]
	run_ctdiag --version
	assert_output --regexp "^ctdiag $ver "
	for m in "$MAN"/*.[78]; do
		grep -q "^\.TH .* \"ctdiag $ver\" " "$m" || { echo "$m: .TH without ctdiag $ver"; false; }
	done
	run make -s -C "$CTDIAG_TOP" -n dkms-src DESTDIR=/x
	assert_success
	assert_output --partial "/x/usr/src/ctdiag-$ver/"
	assert_output --partial "s/@VERSION@/$ver/g"
}

@test "the man pages say that rmmod ctdiag drops packets held in NFQUEUE, with or without confirm_early (tests/vm/29-unload.bats)" {
	run grep -c 'unloading ctdiag drops every packet' "$MAN/ctdiag.8"
	assert_output 1
	run sed -n '/^\.SH UNLOADING/,/^\.SH PARAMETERS/p' "$MAN/ctdiag-confirm-early.7"
	assert_output --partial "with or without"
	refute_output --partial "with confirm_early= set does"
}
