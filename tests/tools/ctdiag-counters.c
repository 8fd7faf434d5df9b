// SPDX-License-Identifier: GPL-2.0
/* ctdiag-counters - print every field of CTDIAG_IOC_COUNTERS as key=value,
 * one per line (test tool; the CLI's `ctdiag stats` is the user interface).
 * freed_total is the sum of the freed_* keys. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "ctdiag_abi.h"

static const char *const free_names[CTDIAG_FREE_MAX] = {
	"none", "hook", "destroy", "expiry_orphan", "expiry_idle",
	"stale_reuse", "netns_exit", "unload",
};
static const char *const clash_names[CTDIAG_CLASH_MAX] = {
	"none", "merged", "merged_other", "nat_clash", "dropped",
	"nfq_swap", "nfq_drop",
};
static const char *const probe_names[CTDIAG_PROBE_MAX] = {
	"destroy", "resolve_clash", "confirm", "update", "hook_destroy",
	"pkt_hook", "p6", "p7",
};

int main(void)
{
	struct ctdiag_counters c;
	uint64_t total = 0;
	int fd, i;

	fd = open(CTDIAG_DEVICE, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "ctdiag-counters: open %s: %s\n",
			CTDIAG_DEVICE, strerror(errno));
		return 1;
	}
	if (ioctl(fd, CTDIAG_IOC_COUNTERS, &c) < 0) {
		fprintf(stderr, "ctdiag-counters: CTDIAG_IOC_COUNTERS: %s\n",
			strerror(errno));
		return 1;
	}
	close(fd);
	printf("live=%" PRIu64 "\n", (uint64_t)c.live);
	printf("allocated=%" PRIu64 "\n", (uint64_t)c.allocated);
	for (i = 1; i < CTDIAG_FREE_MAX; i++) {
		printf("freed_%s=%" PRIu64 "\n", free_names[i],
		       (uint64_t)c.freed[i]);
		total += c.freed[i];
	}
	printf("freed_total=%" PRIu64 "\n", total);
	printf("alloc_failed=%" PRIu64 "\n", (uint64_t)c.alloc_failed);
	printf("destroy_hook=%" PRIu64 "\n", (uint64_t)c.destroy_hook);
	printf("destroy_probe=%" PRIu64 "\n", (uint64_t)c.destroy_probe);
	for (i = 1; i < CTDIAG_CLASH_MAX; i++)
		printf("clash_%s=%" PRIu64 "\n", clash_names[i],
		       (uint64_t)c.clash[i]);
	printf("confirm_drop=%" PRIu64 "\n", (uint64_t)c.confirm_drop);
	printf("confirm_early=%" PRIu64 "\n", (uint64_t)c.confirm_early);
	printf("ring_written=%" PRIu64 "\n", (uint64_t)c.ring_written);
	printf("ring_lost=%" PRIu64 "\n", (uint64_t)c.ring_lost);
	printf("ring_filtered=%" PRIu64 "\n", (uint64_t)c.ring_filtered);
	printf("expiry_runs=%" PRIu64 "\n", (uint64_t)c.expiry_runs);
	printf("destroy_missed=%" PRIu64 "\n", (uint64_t)c.destroy_missed);
	printf("miss_sweeps=%" PRIu64 "\n", (uint64_t)c.miss_sweeps);
	for (i = 0; i < CTDIAG_PROBE_MAX; i++) {
		printf("probe_hits_%s=%" PRIu64 "\n", probe_names[i],
		       (uint64_t)c.probe_hits[i]);
		printf("probe_nmissed_%s=%" PRIu64 "\n", probe_names[i],
		       (uint64_t)c.probe_nmissed[i]);
		printf("probe_ns_%s=%" PRIu64 "\n", probe_names[i],
		       (uint64_t)c.probe_ns[i]);
	}
	return 0;
}
