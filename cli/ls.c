// SPDX-License-Identifier: GPL-2.0
/* ctdiag ls: not implemented yet. */
#include "ctdiag.h"
#include "util.h"

int do_ls(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	p_err("'ls' is not implemented yet");
	return EXIT_FAIL;
}
