// SPDX-License-Identifier: GPL-2.0
/* ctdiag record: not implemented yet. */
#include "ctdiag.h"
#include "util.h"

int do_record(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	p_err("'record' is not implemented yet");
	return EXIT_FAIL;
}
