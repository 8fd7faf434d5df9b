// SPDX-License-Identifier: GPL-2.0
/* ctdiag stats: not implemented yet. */
#include "ctdiag.h"
#include "util.h"

int do_stats(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	p_err("'stats' is not implemented yet");
	return EXIT_FAIL;
}
