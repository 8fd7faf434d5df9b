// SPDX-License-Identifier: GPL-2.0
/*
 * ctdiag stats: the module's counters beside the kernel's own per-CPU
 * conntrack statistics (the numbers `conntrack -S` prints), as plain text,
 * JSON, or the Prometheus text format node_exporter's textfile collector
 * reads.  Works without the module: then only the kernel half.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "commands.h"
#include "ctstats.h"
#include "dev.h"
#include "evnames.h"
#include "modfeatures.h"
#include "legacy.h"
#include "missed.h"
#include "output.h"
#include "util.h"

struct stats {
	bool module;
	struct ctdiag_info info;
	struct ctdiag_counters c;
	struct ctdiag_features feat;
	bool have_feat;
	struct ctdiag_cpu_stat *ring;
	unsigned int nr_ring;
	uint64_t entries, max;
	struct ct_cpu_stats *cpu;
	unsigned int nr_cpu;
};

static const char *const probe_names[CTDIAG_PROBE_MAX] = {
	[CTDIAG_PROBE_DESTROY] = "nf_ct_destroy",
	[CTDIAG_PROBE_RESOLVE_CLASH] = "nf_ct_resolve_clash",
	[CTDIAG_PROBE_CONFIRM] = "__nf_conntrack_confirm",
	[CTDIAG_PROBE_UPDATE] = "nf_conntrack_update",
	[CTDIAG_PROBE_HOOK_DESTROY] = "nf_ct_hook_destroy",
	[CTDIAG_PROBE_PKT_HOOK] = "packet_hooks",
};

static int read_module(struct stats *s)
{
	struct ctdiag_cpu_stats_req req;
	int fd;

	fd = ctdiag_dev_open(O_WRONLY, &s->info);
	if (fd < 0)
		return EXIT_FAIL;
	if (ctdiag_dev_counters(fd, &s->c) < 0) {
		p_err("cannot read the module's counters: %s", strerror(errno));
		close(fd);
		return EXIT_FAIL;
	}
	s->have_feat = features_read(fd, &s->feat) == 0;
	s->nr_ring = s->info.nr_cpus ? s->info.nr_cpus : 1;
	s->ring = calloc(s->nr_ring, sizeof(*s->ring));
	req = (struct ctdiag_cpu_stats_req){ .buf = (uintptr_t)s->ring,
					     .nr = s->nr_ring };
	if (!s->ring || ioctl(fd, CTDIAG_IOC_CPU_STATS, &req) < 0) {
		p_err("cannot read the ring's per-CPU statistics: %s",
		      strerror(s->ring ? errno : ENOMEM));
		close(fd);
		return EXIT_FAIL;
	}
	if (req.nr < s->nr_ring)
		s->nr_ring = req.nr;
	close(fd);
	s->module = true;
	return EXIT_OK;
}

/* A line of counts "KEY: NAME=N NAME=N ..." (JSON: "KEY":{"NAME":N,...}):
 * counts_open(KEY), a PRINT_COUNT(NAME, N) each, print_nl() and
 * close_json_object(). */
static void counts_open(const char *key)
{
	open_json_object(key);
	print_text("%s:", key);
}

#define PRINT_COUNT(name, v)						\
	print_uint(PRINT_ANY, name, " " name "=%" PRIu64, (v))

/* The counts v[1..n) named by name() as a line KEY (counts_open()). */
static void print_counts(const char *key, const char *(*name)(unsigned int),
			 const __u64 *v, unsigned int n)
{
	unsigned int i;

	counts_open(key);
	for (i = 1; i < n; i++) {
		char fmt[48];

		snprintf(fmt, sizeof(fmt), " %s=%%" PRIu64, name(i));
		print_uint(PRINT_ANY, name(i), fmt, v[i]);
	}
	print_nl();
	close_json_object();
}

static void print_module(const struct stats *s)
{
	const struct ctdiag_counters *c = &s->c;
	unsigned int i;

	print_text("module: loaded (ctdiag %s, ABI %u, intercept=%s idle_timeout=%u ring_kb=%u)\n",
		   s->info.version, s->info.abi_version,
		   intercept_name(s->info.intercept), s->info.idle_timeout,
		   s->info.ring_kb);
	open_json_object("module");
	print_string(PRINT_JSON, "version", NULL, s->info.version);
	print_uint(PRINT_JSON, "abi_version", NULL, s->info.abi_version);
	if (s->have_feat)
		features_print(&s->feat);

	counts_open("records");
	PRINT_COUNT("live", c->live);
	PRINT_COUNT("allocated", c->allocated);
	PRINT_COUNT("alloc_failed", c->alloc_failed);
	PRINT_COUNT("expiry_runs", c->expiry_runs);
	print_nl();
	close_json_object();

	print_counts("freed", free_path_name, c->freed, CTDIAG_FREE_MAX);

	counts_open("destroy_seen");
	PRINT_COUNT("hook", c->destroy_hook);
	PRINT_COUNT("probe", c->destroy_probe);
	print_nl();
	missed_print(c);
	close_json_object();

	print_counts("clash", clash_outcome_name, c->clash, CTDIAG_CLASH_MAX);

	counts_open("confirm");
	PRINT_COUNT("drop", c->confirm_drop);
	PRINT_COUNT("early", c->confirm_early);
	PRINT_COUNT("early_merged", c->confirm_early_merged);
	PRINT_COUNT("early_failed", c->confirm_early_failed);
	PRINT_COUNT("early_dropped", c->confirm_early_dropped);
	PRINT_COUNT("early_skip_nat", c->confirm_early_skip_nat);
	print_nl();
	close_json_object();

	counts_open("ring");
	PRINT_COUNT("written", c->ring_written);
	PRINT_COUNT("lost", c->ring_lost);
	PRINT_COUNT("filtered", c->ring_filtered);
	print_nl();
	open_json_array("cpu");
	for (i = 0; i < s->nr_ring; i++) {
		open_json_object(NULL);
		print_uint(PRINT_ANY, "cpu", "ring cpu=%" PRIu64, i);
		PRINT_COUNT("written", s->ring[i].written);
		PRINT_COUNT("lost", s->ring[i].lost);
		PRINT_COUNT("next_seq", s->ring[i].next_seq);
		close_json_object();
		print_nl();
	}
	close_json_array();
	close_json_object();

	open_json_object("probes");
	for (i = 0; i < CTDIAG_PROBE_MAX; i++) {
		if (!probe_names[i])
			continue;
		open_json_object(probe_names[i]);
		print_text("probe %s:", probe_names[i]);
		PRINT_COUNT("hits", c->probe_hits[i]);
		PRINT_COUNT("nmissed", c->probe_nmissed[i]);
		PRINT_COUNT("ns", c->probe_ns[i]);
		print_nl();
		close_json_object();
	}
	close_json_object();
	close_json_object();
}

/* The kernel half.  The per-CPU lines are conntrack -S's, byte for byte
 * apart from its trailing blank, so the two can be compared directly. */
static void print_kernel(const struct stats *s)
{
	unsigned int i, j;

	counts_open("conntrack");
	PRINT_COUNT("entries", s->entries);
	PRINT_COUNT("max", s->max);
	print_nl();
	open_json_array("cpu");
	for (i = 0; i < s->nr_cpu; i++) {
		open_json_object(NULL);
		print_uint(PRINT_ANY, "cpu", "cpu=%-4" PRIu64 "\t", s->cpu[i].cpu);
		for (j = 0; j < CT_STAT_MAX; j++) {
			char fmt[48];

			snprintf(fmt, sizeof(fmt), "%s%s=%%" PRIu64, j ? " " : "",
				 ct_stat_name(j));
			print_uint(PRINT_ANY, ct_stat_name(j), fmt, s->cpu[i].v[j]);
		}
		close_json_object();
		print_nl();
	}
	close_json_array();
	close_json_object();
}

/* Prometheus text exposition format (node_exporter textfile collector). */
static void prom_head(const char *name, const char *type, const char *help)
{
	printf("# HELP ctdiag_%s %s\n# TYPE ctdiag_%s %s\n", name, help, name,
	       type);
}

static void prom(const char *name, const char *lk, const char *lv,
		 uint64_t v)
{
	if (lk)
		printf("ctdiag_%s{%s=\"%s\"} %" PRIu64 "\n", name, lk, lv, v);
	else
		printf("ctdiag_%s %" PRIu64 "\n", name, v);
}

static void prom_cpu(const char *name, unsigned int cpu, uint64_t v)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%u", cpu);
	prom(name, "cpu", buf, v);
}

static void print_prometheus(const struct stats *s)
{
	const struct ctdiag_counters *c = &s->c;
	unsigned int i, j;

	prom_head("module_loaded", "gauge", "Whether the ctdiag module is loaded (1) or not (0).");
	prom("module_loaded", NULL, NULL, s->module);
	if (s->module) {
		if (s->have_feat) {
			prom_head("feature_up", "gauge", "Whether a module feature works (1) or not (0: off, waiting for a module, or failed to register; see ctdiag status).");
			for (i = 0; i < CTDIAG_FEAT_COUNT; i++)
				prom("feature_up", "feature", feature_name(i),
				     (uint64_t)(s->feat.state[i] < 0 ? 0 :
						s->feat.state[i] == CTDIAG_FS_ON));
		}
		prom_head("records_live", "gauge", "Extension records in the module's store now.");
		prom("records_live", NULL, NULL, c->live);
		prom_head("records_allocated_total", "counter", "Extension records ever created.");
		prom("records_allocated_total", NULL, NULL, c->allocated);
		prom_head("records_alloc_failed_total", "counter", "Extension record allocations that failed.");
		prom("records_alloc_failed_total", NULL, NULL, c->alloc_failed);
		prom_head("records_freed_total", "counter", "Extension records freed, by the path that freed them.");
		for (i = 1; i < CTDIAG_FREE_MAX; i++)
			prom("records_freed_total", "path", free_path_name(i), c->freed[i]);
		prom_head("conntrack_destroy_seen_total", "counter", "Conntrack destroys the module saw, by where it saw them.");
		prom("conntrack_destroy_seen_total", "path", "hook", c->destroy_hook);
		prom("conntrack_destroy_seen_total", "path", "probe", c->destroy_probe);
		missed_prometheus(c);
		prom_head("clash_total", "counter", "Confirm collisions, by outcome.");
		for (i = 1; i < CTDIAG_CLASH_MAX; i++)
			prom("clash_total", "outcome", clash_outcome_name(i), c->clash[i]);
		prom_head("confirm_drop_total", "counter", "Confirm drops without a collision.");
		prom("confirm_drop_total", NULL, NULL, c->confirm_drop);
		prom_head("confirm_early_total", "counter", "Entries confirmed early (confirm_early=).");
		prom("confirm_early_total", NULL, NULL, c->confirm_early);
		prom_head("confirm_early_outcome_total", "counter", "confirm_early= attempts that did not confirm the skb's own entry, by outcome.");
		prom("confirm_early_outcome_total", "outcome", "merged", c->confirm_early_merged);
		prom("confirm_early_outcome_total", "outcome", "failed", c->confirm_early_failed);
		prom("confirm_early_outcome_total", "outcome", "dropped", c->confirm_early_dropped);
		prom("confirm_early_outcome_total", "outcome", "skip_nat", c->confirm_early_skip_nat);
		prom_head("expiry_runs_total", "counter", "Idle-expiry passes.");
		prom("expiry_runs_total", NULL, NULL, c->expiry_runs);
		prom_head("ring_filtered_total", "counter", "Events suppressed by the reader's filter.");
		prom("ring_filtered_total", NULL, NULL, c->ring_filtered);
		prom_head("ring_written_total", "counter", "Events written to the ring, per CPU.");
		for (i = 0; i < s->nr_ring; i++)
			prom_cpu("ring_written_total", i, s->ring[i].written);
		prom_head("ring_lost_total", "counter", "Events lost because the ring was full, per CPU.");
		for (i = 0; i < s->nr_ring; i++)
			prom_cpu("ring_lost_total", i, s->ring[i].lost);
		prom_head("probe_hits_total", "counter", "Probe handler runs.");
		for (i = 0; i < CTDIAG_PROBE_MAX; i++)
			if (probe_names[i])
				prom("probe_hits_total", "probe", probe_names[i], c->probe_hits[i]);
		prom_head("probe_nmissed_total", "counter", "Probe hits missed: kretprobe nmissed; for nf_ct_destroy and nf_ct_hook_destroy, destroys seen but not handled.");
		for (i = 0; i < CTDIAG_PROBE_MAX; i++)
			if (probe_names[i])
				prom("probe_nmissed_total", "probe", probe_names[i], c->probe_nmissed[i]);
		prom_head("probe_seconds_total", "counter", "Time spent in probe handlers.");
		for (i = 0; i < CTDIAG_PROBE_MAX; i++)
			if (probe_names[i])
				printf("ctdiag_probe_seconds_total{probe=\"%s\"} %.9f\n",
				       probe_names[i], c->probe_ns[i] / 1e9);
	}
	prom_head("conntrack_entries", "gauge", "Entries in the conntrack table (this namespace).");
	prom("conntrack_entries", NULL, NULL, s->entries);
	prom_head("conntrack_max", "gauge", "Maximum conntrack table size.");
	prom("conntrack_max", NULL, NULL, s->max);
	for (j = 0; j < CT_STAT_MAX; j++) {
		char name[64], help[128];

		snprintf(name, sizeof(name), "conntrack_%s_total", ct_stat_name(j));
		snprintf(help, sizeof(help),
			 "Kernel conntrack statistic %s (conntrack -S), per CPU.",
			 ct_stat_name(j));
		prom_head(name, "counter", help);
		for (i = 0; i < s->nr_cpu; i++)
			prom_cpu(name, s->cpu[i].cpu, s->cpu[i].v[j]);
	}
}

static void usage(FILE *fp)
{
	fprintf(fp,
		"Usage: ctdiag stats [OPTIONS]\n"
		"\n"
		"The module's counters beside the kernel's per-CPU conntrack statistics\n"
		"(the numbers conntrack -S prints) for this network namespace.\n"
		"Without the module: the kernel's statistics only.\n"
		"\n"
		"Options:\n"
		"  -o, --output FMT       plain (default), json or prometheus\n"
		"                         (node_exporter textfile format)\n"
		"  -h, --help             show this help\n"
		"\n"
		"Exit status: 0 ok, 1 runtime failure, 2 usage error.  See ctdiag-stats(8).\n");
}

int do_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	enum { PLAIN, JSON, PROM } fmt = PLAIN;
	struct stats s;
	bool json = false;
	int opt, ret, status = EXIT_OK;

	memset(&s, 0, sizeof(s));
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		if (opt == 'o' && !strcmp(optarg, "prometheus")) {
			fmt = PROM;
			continue;
		}
		ret = parse_common_opt("stats", opt, argv, &json, usage);
		if (ret >= 0)
			return ret;
		fmt = json ? JSON : PLAIN;
	}
	if (check_no_args("stats", argc, argv))
		return EXIT_USAGE;
	out_init(stdout, fmt == JSON);
	if (ctdiag_module_loaded()) {
		status = read_module(&s);
		if (status)
			goto out;
	}
	ret = ct_stats_global(&s.entries, &s.max);
	if (!ret)
		ret = ct_stats_cpu(&s.cpu, &s.nr_cpu);
	if (ret == -EPERM || ret == -EACCES) {
		p_err("cannot read conntrack statistics over ctnetlink: permission denied (needs root or CAP_NET_ADMIN)");
		status = EXIT_FAIL;
		goto out;
	} else if (ret) {
		p_err("cannot read conntrack statistics over ctnetlink: %s (is nf_conntrack_netlink available?)",
		      strerror(-ret));
		status = EXIT_FAIL;
		goto out;
	}
	if (fmt == PROM) {
		print_prometheus(&s);
		legacy_print_stats(1);
		goto out;
	}
	open_json_object(NULL);
	print_uint(PRINT_JSON, "schema", NULL, 1);
	print_bool(PRINT_JSON, "module_loaded", NULL, s.module);
	if (s.module) {
		print_module(&s);
		legacy_print_stats(0);
	} else
		print_text("module: not loaded (kernel statistics only; insmod ctdiag.ko for the rest)\n");
	print_kernel(&s);
	close_json_object();
out:
	free(s.ring);
	free(s.cpu);
	return status;
}
