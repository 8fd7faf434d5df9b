// SPDX-License-Identifier: GPL-2.0
/* ctdiag status: module state, parameters, counters; table size. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "commands.h"
#include "ctdiag_abi.h"
#include "evnames.h"
#include "missed.h"
#include "dev.h"
#include "legacy.h"
#include "modfeatures.h"
#include "output.h"
#include "util.h"
#include "storestate.h"

static int read_sysctl_u64(const char *path, uint64_t *v)
{
	unsigned long long x;
	FILE *f = fopen(path, "r");
	int ok;

	if (!f)
		return -errno;
	ok = fscanf(f, "%llu", &x) == 1;
	fclose(f);
	if (!ok)
		return -EINVAL;
	*v = x;
	return 0;
}

static const char *const free_names[CTDIAG_FREE_MAX] = {
	[CTDIAG_FREE_NONE] = "none", [CTDIAG_FREE_HOOK] = "hook",
	[CTDIAG_FREE_DESTROY] = "destroy",
	[CTDIAG_FREE_EXPIRY_ORPHAN] = "expiry_orphan",
	[CTDIAG_FREE_EXPIRY_IDLE] = "expiry_idle",
	[CTDIAG_FREE_STALE_REUSE] = "stale_reuse",
	[CTDIAG_FREE_NETNS_EXIT] = "netns_exit", [CTDIAG_FREE_UNLOAD] = "unload",
};

static const char *const probe_names[CTDIAG_PROBE_MAX] = {
	[CTDIAG_PROBE_DESTROY] = "nf_ct_destroy",
	[CTDIAG_PROBE_RESOLVE_CLASH] = "nf_ct_resolve_clash",
	[CTDIAG_PROBE_CONFIRM] = "__nf_conntrack_confirm",
	[CTDIAG_PROBE_UPDATE] = "nf_conntrack_update",
	[CTDIAG_PROBE_HOOK_DESTROY] = "hook_destroy",
	[CTDIAG_PROBE_PKT_HOOK] = "pkt_hook",
};

static void print_counters(const struct ctdiag_counters *c)
{
	__u64 freed = 0;
	unsigned int i;

	for (i = 1; i < CTDIAG_FREE_MAX; i++)
		freed += c->freed[i];
	open_json_object("records");
	print_uint(PRINT_ANY, "live", "records: live=%llu", c->live);
	print_uint(PRINT_ANY, "allocated", " allocated=%llu", c->allocated);
	print_uint(PRINT_ANY, "freed", " freed=%llu", freed);
	print_uint(PRINT_ANY, "alloc_failed", " alloc_failed=%llu\n", c->alloc_failed);
	close_json_object();
	open_json_object("freed");
	print_text("freed:");
	for (i = 1; i < CTDIAG_FREE_MAX; i++) {
		char fmt[40];

		snprintf(fmt, sizeof(fmt), " %s=%%llu", free_names[i]);
		print_uint(PRINT_ANY, free_names[i], fmt, c->freed[i]);
	}
	print_text("\n");
	close_json_object();
	open_json_object("destroys");
	print_uint(PRINT_ANY, "hook", "destroys seen: hook=%llu", c->destroy_hook);
	print_uint(PRINT_ANY, "probe", " probe=%llu\n", c->destroy_probe);
	missed_print(c);
	close_json_object();
	open_json_array("probes");
	for (i = 0; i < CTDIAG_PROBE_MAX; i++) {
		if (!probe_names[i] || (!c->probe_hits[i] && !c->probe_nmissed[i]))
			continue;
		open_json_object(NULL);
		print_string(PRINT_ANY, "name", "probe %s:", probe_names[i]);
		print_uint(PRINT_ANY, "hits", " hits=%llu", c->probe_hits[i]);
		print_uint(PRINT_ANY, "nmissed", " nmissed=%llu\n", c->probe_nmissed[i]);
		close_json_object();
	}
	close_json_array();
	open_json_object("ring");
	print_uint(PRINT_ANY, "written", "ring: written=%llu", c->ring_written);
	print_uint(PRINT_ANY, "lost", " lost=%llu", c->ring_lost);
	print_uint(PRINT_ANY, "filtered", " filtered=%llu\n", c->ring_filtered);
	close_json_object();
}

/* Per-CPU ring statistics, if this module version answers them. */
static void print_cpu_stats(int fd, __u32 nr_cpus)
{
	struct ctdiag_cpu_stats_req req = { 0 };
	struct ctdiag_cpu_stat *st;
	__u32 i;

	if (!nr_cpus || nr_cpus > 65536)
		return;
	st = calloc(nr_cpus, sizeof(*st));
	if (!st)
		return;
	req.buf = (uintptr_t)st;
	req.nr = nr_cpus;
	if (ioctl(fd, CTDIAG_IOC_CPU_STATS, &req) == 0) {
		open_json_array("ring_cpus");
		for (i = 0; i < req.nr && i < nr_cpus; i++) {
			open_json_object(NULL);
			print_uint(PRINT_ANY, "cpu", "ring cpu=%llu:", i);
			print_uint(PRINT_ANY, "written", " written=%llu", st[i].written);
			print_uint(PRINT_ANY, "lost", " lost=%llu", st[i].lost);
			print_uint(PRINT_ANY, "next_seq", " next_seq=%llu\n", st[i].next_seq);
			close_json_object();
		}
		close_json_array();
	}
	free(st);
}

static void usage(FILE *fp)
{
	fprintf(fp,
		"Usage: ctdiag status [-o json]\n"
		"\n"
		"Show whether ctdiag.ko is loaded, its ABI version and parameters,\n"
		"its counters (records, frees by path, destroys seen, probes) and\n"
		"ring statistics, and the conntrack table's size and limit.\n"
		"\n"
		"  -o, --output FMT  plain (default) or json\n"
		"  -h, --help        show this help\n");
}

int do_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctdiag_features feat;
	struct ctdiag_counters c;
	struct ctdiag_info info;
	uint64_t count = 0, max = 0;
	bool json = false, have_feat;
	int opt, fd, rc, ret = EXIT_OK;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		rc = parse_common_opt("status", opt, argv, &json, usage);
		if (rc >= 0)
			return rc;
	}
	if (check_no_args("status", argc, argv))
		return EXIT_USAGE;
	out_init(stdout, json);

	fd = ctdiag_dev_open_quiet(O_WRONLY, &info);
	if (fd < 0 && fd != -ENOENT && ctdiag_module_loaded()) {
		/* loaded but unusable: say why, exit 1 */
		fd = ctdiag_dev_open(O_WRONLY, &info);
		if (fd < 0)
			return EXIT_FAIL;
	}
	open_json_object(NULL);
	print_uint(PRINT_JSON, "schema", NULL, 1);
	print_string(PRINT_ANY, "cli_version", "ctdiag %s", CTDIAG_VERSION);
	print_uint(PRINT_ANY, "cli_abi", " (ABI %llu)\n", CTDIAG_ABI_VERSION);
	if (fd < 0) {
		print_bool(PRINT_JSON, "module_loaded", NULL, false);
		print_text("module: not loaded (insmod ctdiag.ko)\n");
	} else {
		print_bool(PRINT_JSON, "module_loaded", NULL, true);
		print_string(PRINT_ANY, "module_version", "module: loaded, version %s", info.version);
		print_uint(PRINT_ANY, "module_abi", " (ABI %llu)\n", info.abi_version);
		have_feat = features_read(fd, &feat) == 0;
		open_json_object("params");
		print_string(PRINT_ANY, "intercept", "params: intercept=%s", intercept_name(info.intercept));
		if (have_feat)
			print_string(PRINT_ANY, "track", " track=%s", feature_track(&feat));
		print_uint(PRINT_ANY, "idle_timeout", " idle_timeout=%llu", info.idle_timeout);
		print_uint(PRINT_ANY, "ring_kb", " ring_kb=%llu", info.ring_kb);
		print_uint(PRINT_ANY, "confirm_early_mask", " confirm_early_mask=0x%llx\n", info.confirm_early);
		close_json_object();
		if (have_feat)
			features_print(&feat);
		if (ctdiag_dev_counters(fd, &c) == 0) {
			print_counters(&c);
			print_cpu_stats(fd, info.nr_cpus);
			store_state_print(fd);
			legacy_print_status();
		} else {
			p_err("cannot read module counters: %s", strerror(errno));
			ret = EXIT_FAIL;
		}
		close(fd);
	}
	open_json_object("conntrack");
	if (read_sysctl_u64("/proc/sys/net/netfilter/nf_conntrack_count", &count) == 0 &&
	    read_sysctl_u64("/proc/sys/net/netfilter/nf_conntrack_max", &max) == 0) {
		print_uint(PRINT_ANY, "count", "conntrack: count=%llu", count);
		print_uint(PRINT_ANY, "max", " max=%llu\n", max);
	} else {
		print_null(PRINT_JSON, "count", NULL);
		print_text("conntrack: not available (nf_conntrack not loaded)\n");
	}
	close_json_object();
	close_json_object();
	return ret;
}
