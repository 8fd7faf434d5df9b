/* SPDX-License-Identifier: GPL-2.0 */
/* Taking the module's snapshot of live extension records. */
#ifndef CTDIAG_EXTSNAP_H
#define CTDIAG_EXTSNAP_H

#include <stddef.h>
#include "ctdiag_abi.h"

struct ext_snapshot {
	struct ctdiag_ext_rec *recs;	/* malloc'ed */
	size_t n;
	__u64 now_boot_ns;
	__u64 now_real_ns;
};

/* CTDIAG_IOC_SNAPSHOT on a control handle, retried with a larger buffer
 * while the store grows faster than we copy.  0 or -errno. */
int ext_snapshot_take(int fd, struct ext_snapshot *s);
void ext_snapshot_free(struct ext_snapshot *s);

/* "pre_routing", "local_out", "api" or "unknown" (enum ctdiag_alloc_how). */
const char *ext_how_name(unsigned int how);

#endif
