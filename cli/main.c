// SPDX-License-Identifier: GPL-2.0
/*
 * ctdiag - conntrack extension leaks and confirm collisions, diagnosed.
 * Subcommands live one per file (cli/<name>.c) and are registered here.
 * Names match exactly: no prefix matching, so table order is not part of
 * the interface.
 */
#include <stdio.h>
#include <string.h>
#include "ctdiag.h"
#include "output.h"
#include "util.h"
#include "ctdiag_abi.h"

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct cmd cmds[] = {
	{ "ls",     do_ls,     "list the conntrack table (conntrack -L format), with extension data" },
	{ "leaks",  do_leaks,  "find extension records whose conntrack is gone" },
	{ "status", do_status, "module state, parameters, counters and table size" },
	{ "watch",  do_watch,  "live extension lifecycle and confirm collisions" },
	{ "record", do_record, "write the event stream to a file" },
	{ "stats",  do_stats,  "module counters beside the kernel's conntrack statistics" },
	{ "doctor", do_doctor, "which destroy paths a hook-only extension misses on this kernel" },
	{ "stale",  do_stale,  "flows still sending to a peer or NAT backend that stopped answering" },
};

static void usage(FILE *fp)
{
	size_t i;

	fprintf(fp,
		"Usage: ctdiag [--help | --version] COMMAND [OPTIONS]\n"
		"\n"
		"Diagnose conntrack extension memory leaks and confirm collisions.\n"
		"\n"
		"Commands:\n");
	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		fprintf(fp, "  %-8s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(fp,
		"\n"
		"Options:\n"
		"  -h, --help     show this help (COMMAND --help for a command's options)\n"
		"  -V, --version  show version\n"
		"\n"
		"Exit status: 0 ok, 1 runtime failure, 2 usage error,\n"
		"3 leaks found (ctdiag leaks), 4 degraded (ctdiag doctor),\n"
		"5 stale flows found, 6 accounting off (ctdiag stale).\n"
		"See ctdiag(8).\n");
}

int main(int argc, char **argv)
{
	const char *name;
	size_t i;

	out_init(stdout, false);
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	name = argv[1];
	if (!strcmp(name, "-h") || !strcmp(name, "--help") ||
	    !strcmp(name, "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(name, "-V") || !strcmp(name, "--version") ||
	    !strcmp(name, "version")) {
		printf("ctdiag %s (ABI %d)\n", CTDIAG_VERSION, CTDIAG_ABI_VERSION);
		return EXIT_OK;
	}
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		if (!strcmp(name, cmds[i].name)) {
			int ret = cmds[i].fn(argc - 1, argv + 1);

			if (fflush(stdout) != 0 && ret == EXIT_OK) {
				p_err("write error on standard output");
				ret = EXIT_FAIL;
			}
			return ret;
		}
	}
	if (name[0] == '-')
		return p_usage(NULL, "unknown option '%s'", name);
	return p_usage(NULL, "unknown command '%s'", name);
}
