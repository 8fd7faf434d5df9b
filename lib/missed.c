// SPDX-License-Identifier: GPL-2.0
/* Missed destroys, formatted once for every subcommand (lib/missed.h). */
#include <stdio.h>
#include "missed.h"
#include "output.h"

void missed_print(const struct ctdiag_counters *c)
{
	print_uint(PRINT_ANY, "destroy_missed", "destroys missed: %llu",
		   c->destroy_missed);
	print_uint(PRINT_ANY, "miss_sweeps", " (orphan sweeps: %llu)",
		   c->miss_sweeps);
	print_nl();
}

void missed_prometheus(const struct ctdiag_counters *c)
{
	printf("# HELP ctdiag_destroy_missed_total Conntrack destroys the module saw but could not handle (their records may be orphans until swept).\n"
	       "# TYPE ctdiag_destroy_missed_total counter\n"
	       "ctdiag_destroy_missed_total %llu\n"
	       "# HELP ctdiag_miss_sweeps_total Orphan sweeps run because of missed destroys.\n"
	       "# TYPE ctdiag_miss_sweeps_total counter\n"
	       "ctdiag_miss_sweeps_total %llu\n",
	       (unsigned long long)c->destroy_missed,
	       (unsigned long long)c->miss_sweeps);
}

void missed_leaks_note(const struct ctdiag_counters *c, unsigned int schema)
{
	if (!c->destroy_missed)
		return;
	open_json_object(NULL);
	print_uint(PRINT_JSON, "schema", NULL, schema);
	print_string(PRINT_JSON, "type", NULL, "missed");
	print_uint(PRINT_ANY, "destroy_missed",
		   "%llu destroys missed since load: these records may be orphans",
		   c->destroy_missed);
	print_uint(PRINT_ANY, "miss_sweeps",
		   " (each miss makes the module sweep for orphans within seconds; sweeps so far: %llu)\n",
		   c->miss_sweeps);
	close_json_object();
}
