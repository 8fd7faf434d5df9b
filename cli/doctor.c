// SPDX-License-Identifier: GPL-2.0
/*
 * ctdiag doctor: can ctdiag work on this kernel, and which destroy paths
 * would a hook-only extension (one that frees its data from
 * nf_ct_hook->destroy) miss?
 *
 * The facts (symbols, probe points, the direct callers of nf_ct_destroy,
 * sysctls, ctdiag.ko) are gathered by lib/kfacts; here they are judged
 * and reported.  Everything is gathered and judged first and printed once
 * at the end, so plain and JSON output come from one print path and
 * errors never split the JSON object.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "ctdiag_abi.h"
#include "kfacts.h"
#include "modfeatures.h"
#include "output.h"
#include "util.h"

/* Can ctdiag.ko attach its probe to a symbol, and if not, why. */
struct probe_verdict {
	enum tri probeable;
	const char *reason;
};

struct doctor {
	struct kfacts f;
	struct probe_verdict probe[KF_NSYMS];

	enum tri leaks;
	unsigned int ncalling;	/* objects (modules + vmlinux) calling KF_TARGET */
	/* nf_ct_hook's ops table read-only, dying/unconfirmed lists: by version */
	enum tri hook_const_ver, lists_ver;
	enum tri covers;
	const char *recommend;
	const char *recommend_why;

	char failed[8][160];
	int nfailed;
};

static void fail_check(struct doctor *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fail_check(struct doctor *d, const char *fmt, ...)
{
	va_list ap;

	if (d->nfailed >= (int)ARRAY_SIZE(d->failed))
		return;
	va_start(ap, fmt);
	vsnprintf(d->failed[d->nfailed++], sizeof(d->failed[0]), fmt, ap);
	va_end(ap);
}

/* ---- verdicts ---- */

static void judge_probes(struct doctor *d)
{
	const struct kfacts *f = &d->f;
	size_t i;

	for (i = 0; i < KF_NSYMS; i++) {
		const struct kf_sym *s = &f->sym[i];
		struct probe_verdict *v = &d->probe[i];

		v->probeable = T_UNKNOWN;
		v->reason = NULL;
		if (!f->live)
			v->reason = "offline";
		else if (s->present == T_NO)
			v->probeable = T_NO, v->reason = "not in /proc/kallsyms";
		else if (f->kprobes_supported == T_NO)
			v->probeable = T_NO, v->reason = "no kprobes";
		else if (s->present != T_YES || !f->have_kallsyms)
			v->reason = "/proc/kallsyms unreadable";
		else if (s->in_module && f->ct_loaded != T_YES)
			v->reason = "nf_conntrack not loaded";
		else if (s->blacklisted == T_YES)
			v->probeable = T_NO, v->reason = "in the kprobe blacklist";
		else if (f->have_aff && s->traceable == T_NO)
			v->probeable = T_NO,
			v->reason = "not in available_filter_functions";
		else if (!f->have_blacklist)
			v->reason = "kprobe blacklist unreadable";
		else
			v->probeable = T_YES;
	}
}

/* Would a hook-only extension leak here? */
static void judge_leaks(struct doctor *d)
{
	const struct kfacts *f = &d->f;
	const struct kf_sym *t = &f->sym[KF_SYM_NF_CT_DESTROY];

	d->ncalling = f->ncallers;
	if (d->ncalling || (f->vm_scanned && f->vm_refs.calls))
		d->leaks = T_YES;
	else if (t->present == T_YES)
		d->leaks = T_YES;	/* exported: nf_ct_put() calls it */
	else if (t->present == T_NO || (f->ct_path[0] && !f->nbad) ||
		 f->vm_scanned)
		d->leaks = T_NO;
	else
		d->leaks = T_UNKNOWN;

	if (f->kver) {
		d->hook_const_ver = f->kver >= KVER(5, 17, 0) ? T_YES : T_NO;
		d->lists_ver = f->kver >= KVER(5, 19, 0) ? T_NO : T_YES;
	} else {
		d->hook_const_ver = d->lists_ver = T_UNKNOWN;
	}
}

/* Which intercept= to use, and does the loaded ctdiag.ko use one that
 * covers every destroy path? */
static void judge_intercept(struct doctor *d)
{
	const struct kfacts *f = &d->f;

	if (f->sym[KF_SYM_NF_CT_DESTROY].present != T_NO &&
	    d->probe[KF_SYM_NF_CT_DESTROY].probeable != T_NO) {
		d->recommend = "both";
		d->recommend_why = d->leaks == T_NO ?
			"nf_ct_destroy probe as a safety net; the hook sees every free here" :
			"the nf_ct_destroy probe sees every free; the hook swap attributes frees that went through nf_ct_hook";
	} else if (d->leaks != T_YES) {
		d->recommend = "hook";
		d->recommend_why = "every final put goes through nf_ct_hook->destroy (no nf_ct_destroy on this kernel)";
	} else {
		d->recommend = "hook";
		d->recommend_why = f->kprobes_supported == T_NO ?
			"the only mode without kprobes, and it misses the direct callers" :
			"the only mode possible here, and it misses the direct callers: nf_ct_destroy cannot be probed";
	}

	if (f->ctdiag_loaded && !f->ctdiag_open_err) {
		if (f->info.intercept & CTDIAG_INTERCEPT_DESTROY)
			d->covers = T_YES;
		else if (d->leaks == T_NO)
			d->covers = T_YES;
		else if (d->leaks == T_YES)
			d->covers = T_NO;
		else
			d->covers = T_UNKNOWN;
	} else {
		d->covers = T_UNKNOWN;
	}
}

/* What ctdiag needs; anything missing makes the run "degraded". */
static void judge_needs(struct doctor *d)
{
	const struct kfacts *f = &d->f;
	size_t i;

	if (f->live && f->modules_supported == T_NO)
		fail_check(d, "this kernel cannot load modules (no /proc/modules): ctdiag.ko cannot run");
	if (f->live && f->kprobes_supported == T_NO)
		fail_check(d, "no kprobes (register_kprobe not in /proc/kallsyms)");
	if (!strcmp(f->ct_kind, "absent"))
		fail_check(d, "nf_conntrack is neither built in nor available as a module");
	for (i = 0; i < KF_NSYMS; i++) {
		const struct kf_sym_desc *sd = &kf_syms[i];
		const struct kf_sym *s = &f->sym[i];

		if (!sd->needed)
			continue;
		/* No nf_ct_destroy: pre-5.15.36, the hook sees everything. */
		if (i == KF_SYM_NF_CT_DESTROY && s->present == T_NO)
			continue;
		if (s->present == T_NO)
			fail_check(d, "%s not found: %s not recorded",
				   sd->name, sd->why);
		else if (d->probe[i].probeable == T_NO &&
			 f->kprobes_supported != T_NO)
			fail_check(d, "%s cannot be probed (%s): %s not recorded",
				   sd->name, d->probe[i].reason, sd->why);
	}
	if (d->covers == T_NO)
		fail_check(d, "loaded ctdiag.ko uses intercept=hook, which misses the direct nf_ct_destroy callers: reload with intercept=%s",
			   d->recommend);
}

/* ---- output ---- */

static const char *tri_str(enum tri t)
{
	return t == T_YES ? "yes" : t == T_NO ? "no" : "unknown";
}

static void print_tri(const char *key, const char *fmt, enum tri t)
{
	if (t == T_UNKNOWN)
		print_null(PRINT_JSON, key, NULL);
	else
		print_bool(PRINT_JSON, key, NULL, t == T_YES);
	print_string(PRINT_FP, NULL, fmt, tri_str(t));
}

static void print_funcs(const struct elfscan_refs *r)
{
	size_t i;

	open_json_array("functions");
	for (i = 0; i < r->nfuncs; i++) {
		open_json_object(NULL);
		print_string(PRINT_ANY, "name", i ? ", %s" : "%s",
			     r->funcs[i].name);
		if (r->funcs[i].sites > 1)
			print_uint(PRINT_ANY, "calls", " (%llu)",
				   r->funcs[i].sites);
		else
			print_uint(PRINT_JSON, "calls", NULL, 1);
		close_json_object();
	}
	close_json_array();
}

static void print_sysctl(const char *key, const char *v)
{
	uint64_t n;

	if (v[0] && !parse_u64(v, &n, UINT64_MAX))
		print_uint(PRINT_ANY, key, "%llu", n);
	else
		print_null(PRINT_ANY, key, "n/a");
}

/* The kernel, where its modules are, nf_conntrack, modules and kprobes. */
static void print_kernel(const struct kfacts *f)
{
	print_string(PRINT_ANY, "release", "kernel: %s", f->release[0] ?
		     f->release : "unknown");
	print_string(PRINT_ANY, "mode", " (%s)", f->live ? "live" : "offline");
	print_nl();
	if (!f->live)
		print_text("live checks: skipped (offline: kallsyms, kprobe blacklist, tracing, sysctls and ctdiag.ko describe the running kernel)\n");
	print_string(PRINT_ANY, "module_dir", "module tree: %s", f->moddir);
	if (!f->moddir_ok)
		print_text(" (not found)");
	print_bool(PRINT_JSON, "module_dir_found", NULL, f->moddir_ok);
	print_nl();
	print_string(PRINT_ANY, "nf_conntrack", "nf_conntrack: %s",
		     f->ct_kind);
	if (f->live) {
		if (!strcmp(f->ct_kind, "module"))
			print_text(f->ct_loaded == T_YES ? " (loaded)" :
				   " (not loaded: modprobe nf_conntrack to check its probe points)");
		print_tri("nf_conntrack_loaded", NULL, f->ct_loaded);
	}
	print_nl();
	if (f->live) {
		print_tri("modules_supported", "module loading: %s\n",
			  f->modules_supported);
		print_tri("kprobes", "kprobes: %s\n", f->kprobes_supported);
	}
}

static void print_probe_points(const struct doctor *d)
{
	const struct kfacts *f = &d->f;
	size_t i;

	print_text("probe points:\n");
	open_json_array("symbols");
	for (i = 0; i < KF_NSYMS; i++) {
		const struct kf_sym_desc *sd = &kf_syms[i];
		const struct kf_sym *s = &f->sym[i];
		const struct probe_verdict *v = &d->probe[i];
		char type[2] = { s->type, 0 };

		open_json_object(NULL);
		print_string(PRINT_ANY, "name", "  %-24s", sd->name);
		print_tri("present", "present=%s", s->present);
		if (s->type)
			print_string(PRINT_ANY, "type", " type=%s", type);
		else
			print_null(PRINT_JSON, "type", NULL);
		print_string(PRINT_ANY, "where", " in=%s",
			     s->present != T_YES ? "-" :
			     s->in_module ? "nf_conntrack" : "vmlinux");
		if (f->live) {
			print_tri("blacklisted", " blacklisted=%s",
				  s->blacklisted);
			print_tri("traceable", " ftrace=%s", s->traceable);
		}
		print_tri("probeable", " probeable=%s", v->probeable);
		if (v->reason)
			print_string(PRINT_ANY, "probeable_reason", " (%s)",
				     v->reason);
		else
			print_null(PRINT_JSON, "probeable_reason", NULL);
		print_bool(PRINT_JSON, "needed", NULL, sd->needed);
		print_string(PRINT_JSON, "purpose", NULL, sd->why);
		if (sd->needed)
			print_string(PRINT_FP, NULL, " (needed: %s)", sd->why);
		close_json_object();
		print_nl();
	}
	close_json_array();
	if (f->live && (!f->have_blacklist || !f->have_aff))
		print_text("  (%s%s%s)\n",
			   f->have_blacklist ? "" :
			   "kprobe blacklist unreadable: mount debugfs on /sys/kernel/debug",
			   !f->have_blacklist && !f->have_aff ? "; " : "",
			   f->have_aff ? "" :
			   "available_filter_functions unreadable: mount tracefs on /sys/kernel/tracing");
}

/* The modules that call nf_ct_destroy, those that could not be read,
 * and built-in code. */
static void print_callers(const struct kfacts *f)
{
	size_t i;

	print_uint(PRINT_ANY, "modules_scanned",
		   "direct callers of nf_ct_destroy (modules scanned: %llu",
		   f->scanned);
	print_uint(PRINT_ANY, "modules_unreadable", ", unreadable: %llu):\n",
		   f->nbad);
	open_json_array("direct_callers");
	for (i = 0; i < f->ncallers; i++) {
		const struct kf_caller *c = &f->callers[i];

		open_json_object(NULL);
		print_string(PRINT_ANY, "module", "  %s", c->module);
		print_string(PRINT_ANY, "path", " (%s)", c->path);
		print_uint(PRINT_ANY, "calls", ": %llu call", c->refs.calls);
		print_text("%s in ", c->refs.calls == 1 ? "" : "s");
		print_funcs(&c->refs);
		close_json_object();
		print_nl();
	}
	close_json_array();
	open_json_array("unreadable");
	for (i = 0; i < f->nbad; i++) {
		open_json_object(NULL);
		print_string(PRINT_ANY, "path", "  unreadable: %s", f->bad[i].path);
		print_string(PRINT_ANY, "error", ": %s", f->bad[i].error);
		close_json_object();
		print_nl();
	}
	close_json_array();

	open_json_object("builtin");
	print_string(PRINT_ANY, "status", "built-in code: %s",
		     f->vmlinux_status);
	if (f->vmlinux[0])
		print_string(PRINT_ANY, "vmlinux", " (%s)", f->vmlinux);
	else
		print_null(PRINT_JSON, "vmlinux", NULL);
	print_nl();
	if (f->vm_scanned) {
		print_uint(PRINT_ANY, "calls", "  vmlinux: %llu call",
			   f->vm_refs.calls);
		print_text("%s in ", f->vm_refs.calls == 1 ? "" : "s");
		print_funcs(&f->vm_refs);
		print_nl();
	}
	close_json_object();
}

static void print_leak_verdict(const struct doctor *d)
{
	const struct kfacts *f = &d->f;

	print_uint(PRINT_JSON, "direct_caller_modules", NULL, d->ncalling);
	print_tri("hook_only_leaks", NULL, d->leaks);
	print_bool(PRINT_JSON, "builtin_calls", NULL,
		   f->vm_scanned && f->vm_refs.calls);
	if (d->leaks == T_YES && (d->ncalling || f->vm_refs.calls))
		print_text("hook-only interception leaks on this kernel: %u %s nf_ct_destroy directly%s\n",
			   d->ncalling, d->ncalling == 1 ? "module calls" :
			   "modules call", f->vm_refs.calls ?
			   ", and so does built-in code (vmlinux)" : "");
	else if (d->leaks == T_YES)
		print_text("hook-only interception leaks on this kernel: nf_ct_destroy exists, so every nf_ct_put() calls it directly (callers not listed: %s)\n",
			   !strcmp(f->ct_kind, "builtin") ?
			   "nf_conntrack is built in and no vmlinux was scanned; try --vmlinux FILE" :
			   "no module tree scanned");
	else if (d->leaks == T_NO)
		print_text("hook-only interception does not leak on this kernel: no module calls nf_ct_destroy directly\n");
	else
		print_text("hook-only interception: cannot tell on this kernel (no nf_conntrack found to scan)\n");
}

/* nf_ct_hook's ops table and the dying/unconfirmed lists: by version and
 * by symbol. */
static void print_kernel_changes(const struct doctor *d)
{
	const struct kfacts *f = &d->f;
	size_t i, n;

	open_json_object("nf_ct_hook");
	print_tri("ops_const_by_version", "nf_ct_hook ops const (5.17+, 285c8a7a5815): by version %s",
		  d->hook_const_ver);
	print_tri("ops_const_by_symbol", ", by symbol %s", f->hook_const_sym);
	if (f->hook_sym_type) {
		char t[2] = { f->hook_sym_type, 0 };

		print_string(PRINT_ANY, "symbol_type", " (nf_conntrack_hook type %s",
			     t);
		print_string(PRINT_ANY, "symbol_from", " in %s)",
			     f->hook_sym_where);
	}
	print_nl();
	close_json_object();
	print_text("  (nf_ct_hook itself is a writable pointer; the ops table it points to is what is const, so a hook swap must copy the ops)\n");
	print_tri("dying_unconfirmed_lists", "dying/unconfirmed lists (removed in 5.19): by version %s",
		  d->lists_ver);
	print_text(", list helpers in the symbols:");
	open_json_array("dying_unconfirmed_list_symbols");
	for (i = 0, n = 0; i < KF_NLIST_SYMS; i++) {
		if (!f->list_sym_found[i])
			continue;
		print_string(PRINT_ANY, NULL, n++ ? ", %s" : " %s",
			     kf_list_syms[i]);
	}
	close_json_array();
	if (!n)
		print_text(" none");
	print_nl();
}

static void print_sysctls(const struct kfacts *f)
{
	uint64_t c, m;

	open_json_object("sysctl");
	print_text("sysctl: nf_conntrack_events=");
	print_sysctl("nf_conntrack_events", f->sc_events);
	print_text(" nf_conntrack_timestamp=");
	print_sysctl("nf_conntrack_timestamp", f->sc_timestamp);
	print_text(" nf_conntrack_count=");
	print_sysctl("nf_conntrack_count", f->sc_count);
	print_text("/max=");
	print_sysctl("nf_conntrack_max", f->sc_max);
	if (!parse_u64(f->sc_count, &c, UINT64_MAX) &&
	    !parse_u64(f->sc_max, &m, UINT64_MAX) && m) {
		print_uint(PRINT_ANY, "nf_conntrack_fill_pct",
			   " (%llu%% full)", c * 100 / m);
		if (c * 100 / m >= 90)
			print_text(" (near nf_conntrack_max: new flows will be dropped)");
	}
	print_text(" net.core.rmem_max=");
	print_sysctl("rmem_max", f->sc_rmem);
	print_nl();
	close_json_object();
}

static void print_ctdiag(const struct doctor *d)
{
	const struct kfacts *f = &d->f;

	open_json_object("ctdiag");
	print_bool(PRINT_JSON, "loaded", NULL, f->ctdiag_loaded);
	print_text("ctdiag.ko: %s", f->ctdiag_loaded ? "loaded" :
		   "not loaded");
	if (f->ctdiag_loaded && !f->ctdiag_open_err) {
		const char *m =
			f->info.intercept == CTDIAG_INTERCEPT_HOOK ? "hook" :
			f->info.intercept == CTDIAG_INTERCEPT_DESTROY ? "destroy" :
			f->info.intercept == CTDIAG_INTERCEPT_BOTH ? "both" :
			"unknown";

		print_string(PRINT_ANY, "intercept", ", intercept=%s", m);
		print_tri("covers_all_paths",
			  ", covers every destroy path: %s", d->covers);
		if (f->have_feat) {
			print_nl();
			features_print(&f->feat);
		}
	} else if (f->ctdiag_loaded) {
		print_string(PRINT_ANY, "error", " (%s)",
			     strerror(-f->ctdiag_open_err));
	}
	close_json_object();
	print_nl();
}

static void print_conclusion(const struct doctor *d)
{
	size_t i;

	print_string(PRINT_ANY, "recommended_intercept",
		     "recommended: intercept=%s", d->recommend);
	print_string(PRINT_ANY, "recommended_why", " (%s)", d->recommend_why);
	print_nl();

	open_json_array("failed_checks");
	for (i = 0; i < (size_t)d->nfailed; i++)
		print_string(PRINT_ANY, NULL, "check failed: %s\n",
			     d->failed[i]);
	close_json_array();
	print_string(PRINT_ANY, "status", "status: %s\n",
		     d->f.nbad ? "incomplete (unreadable files)" :
		     d->nfailed ? "degraded" : "ok");
}

static void print_report(const struct doctor *d)
{
	open_json_object(NULL);
	print_kernel(&d->f);
	print_probe_points(d);
	print_callers(&d->f);
	print_leak_verdict(d);
	print_kernel_changes(d);
	if (d->f.live) {
		print_sysctls(&d->f);
		print_ctdiag(d);
	}
	print_conclusion(d);
	close_json_object();
}

static void usage(FILE *fp)
{
	fprintf(fp,
		"Usage: ctdiag doctor [-o json] [--release R | --kernel-dir DIR]\n"
		"                     [--vmlinux FILE]\n"
		"\n"
		"Check whether ctdiag can work on this kernel, and list the code that\n"
		"calls nf_ct_destroy directly (bypassing nf_ct_hook->destroy, so a\n"
		"hook-only extension leaks there), by scanning module relocations.\n"
		"\n"
		"  -o, --output FMT      plain (default) or json\n"
		"  -r, --release R       examine /lib/modules/R offline\n"
		"  -k, --kernel-dir DIR  examine the module tree DIR (like /lib/modules/R)\n"
		"                        offline; live-only checks are skipped\n"
		"  -V, --vmlinux FILE    vmlinux with symbols, for built-in callers\n"
		"                        (default: Debian's linux-image-R-dbg paths)\n"
		"  -h, --help            show this help\n"
		"\n"
		"Exit status: 0 everything ctdiag needs is present; 4 ctdiag cannot\n"
		"work fully here (failed checks are listed); 1 runtime error (e.g. an\n"
		"unreadable vmlinux or module file); 2 usage error.\n");
}

int do_doctor(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "release", required_argument, NULL, 'r' },
		{ "kernel-dir", required_argument, NULL, 'k' },
		{ "vmlinux", required_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct kfacts_opts ko = { 0 };
	struct doctor *d;
	bool json = false;
	int opt, ret, rc = EXIT_OK;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "o:r:k:V:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			if (!*optarg || strchr(optarg, '/'))
				return p_usage("doctor", "invalid release '%s'", optarg);
			ko.release = optarg;
			break;
		case 'k':
			ko.kdir = optarg;
			break;
		case 'V':
			ko.vmlinux = optarg;
			break;
		default:
			ret = parse_common_opt("doctor", opt, argv, &json,
					       usage);
			if (ret >= 0)
				return ret;
		}
	}
	if (check_no_args("doctor", argc, argv))
		return EXIT_USAGE;

	out_init(stdout, json);
	d = calloc(1, sizeof(*d));
	if (!d) {
		p_err("out of memory");
		return EXIT_FAIL;
	}
	if (kfacts_gather(&d->f, &ko)) {
		kfacts_free(&d->f);
		free(d);
		return EXIT_FAIL;
	}
	if (d->f.nbad)
		rc = EXIT_FAIL;
	judge_probes(d);
	judge_leaks(d);
	judge_intercept(d);
	judge_needs(d);

	print_report(d);
	if (rc == EXIT_OK && d->nfailed)
		rc = EXIT_DEGRADED;
	kfacts_free(&d->f);
	free(d);
	return rc;
}
