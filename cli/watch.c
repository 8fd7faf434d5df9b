// SPDX-License-Identifier: GPL-2.0
/* ctdiag watch: not implemented yet. */
#include "ctdiag.h"
#include "util.h"

int do_watch(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	p_err("'watch' is not implemented yet");
	return EXIT_FAIL;
}
