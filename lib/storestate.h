/* SPDX-License-Identifier: GPL-2.0 */
/* The module's store state (CTDIAG_IOC_STORE_STATE), for `ctdiag status`. */
#ifndef CTDIAG_STORESTATE_H
#define CTDIAG_STORESTATE_H

/* Read it from control handle FD and print it (text or JSON object
 * "store").  A module without the ioctl prints nothing.  Returns 0 or
 * -errno. */
int store_state_print(int fd);

#endif
