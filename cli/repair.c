// SPDX-License-Identifier: GPL-2.0
/*
 * ctdiag repair on|off: route the conntrack destroys that bypass another
 * module's nf_ct_hook->destroy through it (kprobe/legacy.c), or stop.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "commands.h"
#include "dev.h"
#include "legacy.h"
#include "output.h"
#include "util.h"

static void usage(FILE *fp)
{
	fprintf(fp,
		"Usage: ctdiag repair on|off\n"
		"\n"
		"A legacy module that replaced nf_ct_hook->destroy misses most conntrack\n"
		"destroys since Linux 5.17 / 5.15.36 and leaks what it keeps per\n"
		"conntrack (ctdiag leaks names it).  'on' routes every such destroy\n"
		"through that module's function, as the kernel did before 5.17; 'off'\n"
		"stops.  The module parameter repair=1 does the same at load.\n"
		"\n"
		"Risk: the foreign function then runs for destroys it never saw on this\n"
		"kernel; a module that expects only nf_conntrack_put() callers there, or\n"
		"that does not end by calling the destroy it saved, can misbehave.\n"
		"Use it for a module you cannot fix, after checking 'ctdiag leaks'\n"
		"reports it; not for a module that already frees its data some other\n"
		"way, and not beside a livepatch of nf_ct_destroy (both redirect it).\n"
		"\n"
		"  -h, --help   show this help\n"
		"\n"
		"Exit status: 0 ok, 1 runtime failure (module not loaded, detection\n"
		"unavailable, another user redirects nf_ct_destroy), 2 usage error.\n"
		"See ctdiag-repair(8).\n");
}

int do_repair(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt, fd, on, ret;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (opt == 'h') {
			usage(stdout);
			return EXIT_OK;
		}
		return p_usage("repair", "unknown option '%s'", argv[optind - 1]);
	}
	if (optind != argc - 1)
		return p_usage("repair", "expects one argument: on or off");
	if (!strcmp(argv[optind], "on"))
		on = 1;
	else if (!strcmp(argv[optind], "off"))
		on = 0;
	else
		return p_usage("repair", "'%s': expects on or off", argv[optind]);
	fd = ctdiag_dev_open(O_WRONLY, NULL);
	if (fd < 0)
		return EXIT_FAIL;
	ret = legacy_set_repair(fd, on);
	close(fd);
	if (ret == -EOPNOTSUPP) {
		p_err("repair needs legacy detection, which is unavailable (ctdiag status)");
		return EXIT_FAIL;
	} else if (ret == -EBUSY) {
		p_err("cannot redirect nf_ct_destroy: another user does (a livepatch?)");
		return EXIT_FAIL;
	} else if (ret == -ENOTTY) {
		p_err("the loaded ctdiag.ko has no repair (an older module)");
		return EXIT_FAIL;
	} else if (ret) {
		p_err("repair %s: %s", argv[optind], strerror(-ret));
		return EXIT_FAIL;
	}
	printf("repair %s\n", on ? "on" : "off");
	return EXIT_OK;
}
