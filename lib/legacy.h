/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Legacy modules (CTDIAG_IOC_LEGACY): modules that replaced
 * nf_ct_hook->destroy, how many destroys bypassed them, what repair
 * routed through them.  One formatter per command, each opening its own
 * quiet control handle (nothing printed without the module), so each cli/
 * file needs one call.
 */
#ifndef CTDIAG_LIB_LEGACY_H
#define CTDIAG_LIB_LEGACY_H

#include <stdint.h>
#include "ctdiag_abi.h"

/* 0, or -errno (-ENOTTY: a module without legacy support). */
int legacy_read(int fd, struct ctdiag_legacy *l);
/* Destroys a slot's module missed and repair did not make up for. */
uint64_t legacy_missing(const struct ctdiag_legacy_mod *m);
/* status: a "legacy" object / "legacy:" lines. */
void legacy_print_status(void);
/* leaks: one line (JSON: one object of type "legacy") per module that
 * missed destroys.  Returns how many such modules. */
unsigned int legacy_print_leaks(unsigned int schema);
/* doctor: the runtime verdict.  Returns 1 if a module misses destroys. */
int legacy_print_doctor(void);
/* stats: plain/JSON "legacy" section, or Prometheus metrics. */
void legacy_print_stats(int prometheus);
/* repair on|off: CTDIAG_IOC_LEGACY_REPAIR.  0 or -errno. */
int legacy_set_repair(int fd, int on);

#endif
