/* SPDX-License-Identifier: GPL-2.0 */
/* Opening /dev/ctdiag with errors a user can act on. */
#ifndef CTDIAG_DEV_H
#define CTDIAG_DEV_H

#include "ctdiag_abi.h"

/* Device path; $CTDIAG_DEVICE overrides it (tests). */
const char *ctdiag_dev_path(void);

/* Open the device.  O_RDONLY makes this process the single reader (watch,
 * record); O_WRONLY opens a control handle (status, stats, leaks).  Checks
 * the module's ABI version and fills *info if non-NULL.  Returns the fd,
 * or -errno after printing one clear error line (p_err):
 *   -ENOENT  module not loaded      -EACCES  no permission
 *   -EBUSY   another reader         -EPROTO  ABI version mismatch */
int ctdiag_dev_open(int flags, struct ctdiag_info *info);

/* Same, but prints nothing (for `status`, which reports absence itself). */
int ctdiag_dev_open_quiet(int flags, struct ctdiag_info *info);

/* Is the module loaded at all (/sys/module/ctdiag)? */
int ctdiag_module_loaded(void);

int ctdiag_dev_counters(int fd, struct ctdiag_counters *c);

#endif
