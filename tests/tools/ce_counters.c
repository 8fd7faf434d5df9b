// SPDX-License-Identifier: GPL-2.0
/*
 * ce_counters - print ctdiag.ko's collision and confirm_early counters
 * (CTDIAG_IOC_COUNTERS) as "name value" lines, for the confirm_early tests.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include "ctdiag_abi.h"

int main(void)
{
	static const char *const clash[CTDIAG_CLASH_MAX] = {
		[CTDIAG_CLASH_MERGED] = "clash_merged",
		[CTDIAG_CLASH_MERGED_OTHER] = "clash_merged_other",
		[CTDIAG_CLASH_NAT_CLASH] = "clash_nat_clash",
		[CTDIAG_CLASH_DROPPED] = "clash_dropped",
		[CTDIAG_CLASH_NFQ_SWAP] = "nfq_swap",
		[CTDIAG_CLASH_NFQ_DROP] = "nfq_drop",
	};
	struct ctdiag_counters c;
	int fd, i;

	fd = open(CTDIAG_DEVICE, O_WRONLY);
	if (fd < 0 || ioctl(fd, CTDIAG_IOC_COUNTERS, &c) < 0) {
		fprintf(stderr, "ce_counters: %s: %s\n", CTDIAG_DEVICE,
			strerror(errno));
		return 1;
	}
	close(fd);
	printf("confirm_early %llu\n", (unsigned long long)c.confirm_early);
	printf("confirm_early_merged %llu\n",
	       (unsigned long long)c.confirm_early_merged);
	printf("confirm_early_failed %llu\n",
	       (unsigned long long)c.confirm_early_failed);
	printf("confirm_early_dropped %llu\n",
	       (unsigned long long)c.confirm_early_dropped);
	printf("confirm_early_skip_nat %llu\n",
	       (unsigned long long)c.confirm_early_skip_nat);
	for (i = 1; i < CTDIAG_CLASH_MAX; i++)
		printf("%s %llu\n", clash[i], (unsigned long long)c.clash[i]);
	printf("confirm_drop %llu\n", (unsigned long long)c.confirm_drop);
	printf("probe_resolve_clash_hits %llu\n",
	       (unsigned long long)c.probe_hits[CTDIAG_PROBE_RESOLVE_CLASH]);
	return 0;
}
