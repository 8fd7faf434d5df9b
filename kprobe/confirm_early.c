// SPDX-License-Identifier: GPL-2.0
/* confirm_early= mitigation (issue 8).  Stub. */
#include "ctdiag.h"

int ctdiag_confirm_early_init(void) { return 0; }
void ctdiag_confirm_early_exit(void) { }
