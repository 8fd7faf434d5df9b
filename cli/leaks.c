// SPDX-License-Identifier: GPL-2.0
/* ctdiag leaks: not implemented yet. */
#include "ctdiag.h"
#include "util.h"

int do_leaks(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	p_err("'leaks' is not implemented yet");
	return EXIT_FAIL;
}
