// SPDX-License-Identifier: GPL-2.0
/* Extension store (issue 3).  Stub until implemented. */
#include "ctdiag.h"

int ctdiag_store_init(void) { return 0; }
void ctdiag_store_exit(void) { }
void ctdiag_store_counters(struct ctdiag_counters *c) { }
long ctdiag_store_snapshot(void __user *arg) { return -EOPNOTSUPP; }
