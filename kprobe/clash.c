// SPDX-License-Identifier: GPL-2.0
/* Confirm-collision probes (issue 4).  Stub. */
#include "ctdiag.h"

int ctdiag_clash_init(void) { return 0; }
void ctdiag_clash_exit(void) { }
void ctdiag_clash_counters(struct ctdiag_counters *c) { }
