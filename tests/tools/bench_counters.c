// SPDX-License-Identifier: GPL-2.0
/*
 * bench_counters - print the module's counters (CTDIAG_IOC_COUNTERS on a
 * control handle) that the benchmark uses, as key=value lines:
 * allocated, live, alloc_failed, ring_written, ring_lost, ring_filtered,
 * probe_hits_N, probe_nmissed_N, probe_ns_N (N = enum ctdiag_probe).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "ctdiag_abi.h"

int main(void)
{
	struct ctdiag_counters c;
	int fd = open(CTDIAG_DEVICE, O_WRONLY), i;

	if (fd < 0 || ioctl(fd, CTDIAG_IOC_COUNTERS, &c)) {
		fprintf(stderr, "bench_counters: %s: %s\n", CTDIAG_DEVICE,
			strerror(errno));
		return 1;
	}
	printf("allocated=%llu\nlive=%llu\nalloc_failed=%llu\n",
	       (unsigned long long)c.allocated, (unsigned long long)c.live,
	       (unsigned long long)c.alloc_failed);
	printf("ring_written=%llu\nring_lost=%llu\nring_filtered=%llu\n",
	       (unsigned long long)c.ring_written,
	       (unsigned long long)c.ring_lost,
	       (unsigned long long)c.ring_filtered);
	for (i = 0; i < CTDIAG_PROBE_MAX; i++)
		printf("probe_hits_%d=%llu\nprobe_nmissed_%d=%llu\nprobe_ns_%d=%llu\n",
		       i, (unsigned long long)c.probe_hits[i],
		       i, (unsigned long long)c.probe_nmissed[i],
		       i, (unsigned long long)c.probe_ns[i]);
	close(fd);
	return 0;
}
