/* SPDX-License-Identifier: GPL-2.0 */
/* Names of the module's enums (lib/ctdiag_abi.h) as ctdiag prints them,
 * and the event-type list of -e. */
#ifndef CTDIAG_EVNAMES_H
#define CTDIAG_EVNAMES_H

#include <stdint.h>
#include "ctdiag_abi.h"

/* Names as printed and as accepted by -e (e.g. "free", "confirm-drop").
 * NULL for an unknown value. */
const char *event_type_name(unsigned int type);
const char *free_path_name(unsigned int path);
const char *alloc_how_name(unsigned int how);
const char *clash_outcome_name(unsigned int outcome);
const char *destroy_path_name(unsigned int path);
const char *intercept_name(unsigned int v);

/* The comma-separated list of every -e name, for help texts. */
const char *event_type_names(void);

/* Parse "-e alloc,free,clash" into a mask of 1 << type.  "all" is every
 * type.  "lost" is not accepted: loss records are never filtered.
 * 0 or -EINVAL (*bad set to the offending name, static storage). */
int event_mask_parse(const char *list, uint32_t *mask, const char **bad);

#endif
