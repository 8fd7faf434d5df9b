// SPDX-License-Identifier: GPL-2.0
/* Netfilter hooks that allocate extension records (issue 3).  Stub. */
#include "ctdiag.h"

int ctdiag_hooks_init(void) { return 0; }
void ctdiag_hooks_exit(void) { }
