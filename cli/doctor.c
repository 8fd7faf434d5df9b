// SPDX-License-Identifier: GPL-2.0
/* ctdiag doctor: not implemented yet. */
#include "ctdiag.h"
#include "util.h"

int do_doctor(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	p_err("'doctor' is not implemented yet");
	return EXIT_FAIL;
}
