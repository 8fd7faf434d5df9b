# SPDX-License-Identifier: GPL-2.0
# tests/bench/run: the instruction-counted VM table, from the guest's
# lines tagged with the kernel release:
#   KVER BENCHIC <test> <variant> <run> conns=N secs=S written=W lost=L reader_ns=R enobufs=E ends=D end_ns=F
# (end_ns: guest time destroying the run's D entries, not in S)
#   KVER BENCHPROBE <test> <probe> hits=H ns=NS
# Variables: ips (guest instructions per guest-second, 1e9 / 2^shift),
# json (file for the rows as a JSON array).  Run 0 is the warm-up:
# left out.  Ratios are per run (run i of a variant over run i of "none");
# targets are judged on their median.
# med(a, n): the median of a[1..n] (sorts a)
function med(a, n,    i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function kv(s,   i) { i = index(s, "="); return substr(s, i + 1) + 0 }
function fmtr(x) { return sprintf("%.3f", x) }
# ">= 0.97 met" or ">= 0.97 MISSED by 0.012"
function verdict(x, want) {
	return sprintf(">= %.2f %s", want, x >= want ? "met" : sprintf("MISSED by %.3f", want - x))
}
$2 == "BENCHIC" && $6 > 0 {
	k = $1 SUBSEP $3 SUBSEP $4; r = $5
	rate[k, r] = kv($6) / kv($7)
	conns[k] += kv($6); wr[k] += kv($8); lost[k] += kv($9)
	rdr[k] += kv($10); enob[k] += kv($11)
	if (kv($12) > 0) {
		endn[k, r] = kv($12); endt[k, r] = kv($13) / kv($12)
		# connections per guest-second, their ends included
		whole[k, r] = kv($6) / (kv($7) + kv($13) / 1e9)
	}
	if (!((k, r) in seen)) { seen[k, r] = 1; nrun[k]++ }
	if (!($1 in kseen)) { kseen[$1] = 1; kern[++nk] = $1 }
	if (r > maxr) maxr = r
	next
}
$2 == "BENCHPROBE" {
	probe[$1, $3] = probe[$1, $3] sprintf(" %s %d hits, %.0f instr/hit;", $4, kv($5),
		kv($5) ? kv($6) / kv($5) * ips / 1e9 : 0)
	next
}
END {
	split("udp tcp flood", tests, " ")
	tname["udp"] = "new UDP connections (unique tuples)"
	tname["tcp"] = "short TCP connections (connect + RST)"
	tname["flood"] = "datagrams of one established UDP flow"
	unit["udp"] = "conn"; unit["tcp"] = "conn"; unit["flood"] = "pkt"
	nv = split("none ringoff api record watch ctnl", vars, " ")
	vname["none"] = "no module"
	vname["ringoff"] = "intercept=both, expiry, ring off"
	vname["api"] = "ring off, track=api (API records only)"
	vname["record"] = "ring on + ctdiag record (binary)"
	vname["watch"] = "ring on + ctdiag watch -o json"
	vname["ctnl"] = "peer: conntrack -E -o id (ctnetlink)"
	tgt["ringoff"] = 0.97; tgt["api"] = 0.97; tgt["record"] = 0.90; tgt["watch"] = 0.80
	printf "[" > json
	first = 1
	for (ki = 1; ki <= nk; ki++) {
		K = kern[ki]
		printf "\n=== VM, instruction-counted: %s, 1 vCPU, %.0f M guest instructions per guest-second ===\n", K, ips / 1e6
		printf "rates in guest time = work per guest instruction; +instr = extra guest instructions per %s/%s over no module\n", "conn", "pkt"
		for (ti = 1; ti <= 3; ti++) {
			t = tests[ti]; b = K SUBSEP t SUBSEP "none"
			if (!nrun[b]) continue
			kc = K SUBSEP t SUBSEP "ctnl"; xc = ""; nc = 0
			for (r = 1; r <= maxr; r++)
				if ((kc, r) in rate && (b, r) in rate) xcr[++nc] = (1 / rate[kc, r] - 1 / rate[b, r]) * ips
			if (nc) xc = med(xcr, nc)
			delete xcr
			printf "%s\n", tname[t]
			printf "  %-38s %10s  %-19s %6s %9s  %s\n", "", "rate", "ratio: run1  run2  run3", "spread", "+instr", "target"
			for (vi = 1; vi <= nv; vi++) {
				v = vars[vi]; k = K SUBSEP t SUBSEP v
				if (!nrun[k]) continue
				n = 0; lo = 1e9; hi = -1; rs = ""; rlist = ""
				for (r = 1; r <= maxr; r++) {
					if (!((k, r) in rate) || !((b, r) in rate)) continue
					q = rate[k, r] / rate[b, r]
					n++; rs = rs " " fmtr(q)
					rlist = rlist (n > 1 ? "," : "") fmtr(q)
					if (q < lo) lo = q
					if (q > hi) hi = q
					xr[n] = (1 / rate[k, r] - 1 / rate[b, r]) * ips
					rr[n] = rate[k, r]
				}
				if (!n) continue
				# the median ratio: periodic kernel work (conntrack's gc,
				# our idle expiry) lands in one run now and then
				m = 0
				for (r = 1; r <= maxr; r++)
					if ((k, r) in rate && (b, r) in rate) qs[++m] = rate[k, r] / rate[b, r]
				mean = med(qs, m)
				delete qs
				# extra instructions and rate: medians too, like the ratio
				xi = med(xr, n); rmed = med(rr, n)
				delete xr; delete rr
				tg = ""
				if (v in tgt) {
					want = ((v == "ringoff" || v == "api") && t == "flood") ? 0.99 : tgt[v]
					tg = verdict(mean, want)
					if (v != "ringoff" && v != "api" && xc != "")
						tg = tg (xi < xc ? ", cheaper than conntrack -E" : ", NOT cheaper than conntrack -E")
				}
				printf "  %-38s %8.0f/s %-23s %6.3f %+9.0f  %s\n", vname[v], rmed, rs, hi - lo, v == "none" ? 0 : xi, tg
				ex = ""
				rpc = conns[k] ? (wr[k] + lost[k]) / conns[k] : 0
				rd = conns[k] ? rdr[k] / conns[k] * ips / 1e9 : 0
				if ((v == "record" || v == "watch") && rpc < 0.5)
					ex = sprintf("%.3f records/%s; reader %.0f instr/%s", rpc, unit[t], rd, unit[t])
				else if (v == "record" || v == "watch") {
					ex = sprintf("records/%s %.2f, lost %d of %d (%.1f%%); reader %.0f instr/%s = %.0f/record written",
						unit[t], rpc, lost[k], wr[k] + lost[k], (wr[k] + lost[k]) ? 100 * lost[k] / (wr[k] + lost[k]) : 0,
						rd, unit[t], wr[k] ? rdr[k] / wr[k] * ips / 1e9 : 0)
					ko = K SUBSEP t SUBSEP "ringoff"
					if (nrun[ko] && rpc >= 0.5) {
						no = 0
						for (r = 1; r <= maxr; r++)
							if ((ko, r) in rate && (b, r) in rate) xor_[++no] = (1 / rate[ko, r] - 1 / rate[b, r]) * ips
						xo = no ? med(xor_, no) : 0
						delete xor_
						if (no && (ks = (xi - xo - rd) / rpc) >= 0)
							ex = ex sprintf("; kernel side (ring + wake-ups) %.0f instr/record", ks)
						else if (no)
							ex = ex "; kernel side not separable (the reader's run time includes the wake-ups)"
					}
				}
				if (v == "ctnl" && conns[k])
					ex = sprintf("listeners %.0f instr/%s; ENOBUFS (events lost) reported %d times",
						rdr[k] / conns[k] * ips / 1e9, unit[t], enob[k])
				if (ex != "") printf "  %-38s %s\n", "", ex
				# the connections' end (conntrack -F of what the run
				# left), per entry destroyed: outside the rate
				ne = 0; nd = 0
				for (r = 1; r <= maxr; r++)
					if (t != "flood" && (k, r) in endt && (b, r) in endt) {
						ed[++ne] = (endt[k, r] - (v == "none" ? 0 : endt[b, r])) * ips / 1e9
						wq[ne] = whole[k, r] / whole[b, r]
						nd += endn[k, r]
					}
				endjs = ne ? sprintf("%.1f", med(ed, ne)) : "null"
				nw = ne
				wjs = nw ? sprintf("%.4f", med(wq, nw)) : "null"
				wt = ""
				if (nw && v != "none") {
					wm = med(wq, nw)
					wt = sprintf("; creation and end together: ratio %.3f", wm)
					if (v in tgt) wt = wt ", " verdict(wm, tgt[v])
				}
				if (ne)
					printf "  %-38s end: %s%.0f instr per entry destroyed (conntrack -F, %d entries/run)%s\n", "",
						v == "none" ? "" : (med(ed, ne) >= 0 ? "+" : ""), med(ed, ne), nd / ne, wt
				delete ed; delete wq
				printf "%s{\"kernel\": \"%s\", \"test\": \"%s\", \"variant\": \"%s\", \"rate\": %.3f, \"ratios\": [%s], \"ratio_mean\": %.4f, \"spread\": %.4f, \"extra_instr\": %.1f, \"written\": %d, \"lost\": %d, \"reader_ns\": %d, \"end_instr\": %s, \"ratio_with_end\": %s}",
					first ? "" : ",\n", K, t, v, rmed, rlist, mean, hi - lo, v == "none" ? 0 : xi, wr[k], lost[k], rdr[k], endjs, wjs > json
				first = 0
			}
			if ((K, t) in probe) printf "  module's probes (test build, ring off; timing included):%s\n", probe[K, t]
		}
	}
	printf "]\n" > json
}
