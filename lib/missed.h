/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Destroys the module saw but could not handle (struct ctdiag_counters
 * destroy_missed, per path probe_nmissed[], miss_sweeps): their records
 * may be orphans until the sweep they trigger has run.  One place formats
 * them for status, stats (plain, JSON, Prometheus) and leaks.
 */
#ifndef CTDIAG_MISSED_H
#define CTDIAG_MISSED_H

#include "ctdiag_abi.h"

/* "destroys missed: N (orphan sweeps: M)" line; JSON: "destroy_missed"
 * and "miss_sweeps" members of the object open at the call. */
void missed_print(const struct ctdiag_counters *c);
/* Prometheus: ctdiag_destroy_missed_total, ctdiag_miss_sweeps_total. */
void missed_prometheus(const struct ctdiag_counters *c);
/* For leaks, only if any were missed: "N destroys missed since load:
 * these records may be orphans ..." (JSON: a line of type "missed"). */
void missed_leaks_note(const struct ctdiag_counters *c, unsigned int schema);

#endif
