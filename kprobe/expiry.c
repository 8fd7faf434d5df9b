// SPDX-License-Identifier: GPL-2.0
/* Idle expiry worker (issue 3).  Stub. */
#include "ctdiag.h"

int ctdiag_expiry_init(void) { return 0; }
void ctdiag_expiry_exit(void) { }
