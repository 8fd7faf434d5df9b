/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Printing ring records (struct ctdiag_event), plain or JSON, for `watch`
 * (live and -r replay) and anything else that shows events.
 */
#ifndef CTDIAG_EVENT_H
#define CTDIAG_EVENT_H

#include <stdbool.h>
#include <stdint.h>
#include "ctdiag_abi.h"

/* "schema" of the JSON objects `watch -o json` prints. */
#define EVENT_JSON_SCHEMA	1

/* Print one event: a plain line, or one JSON object per line.  Unknown
 * types print as "type-N" with the common fields, never crash. */
void event_print(const struct ctdiag_event *ev);

/* Print a loss line for a gap found by seq_track (same shape as a LOST
 * record's line). */
void event_print_gap(const struct ctdiag_event *next, uint64_t count,
		     uint64_t first_seq);

#endif
