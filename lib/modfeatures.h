/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module's features (lib/ctdiag_abi.h, enum ctdiag_feature): which
 * probes and hooks are working, and what a missing one costs.  One reader
 * and one printer, used by status, stats and doctor; feature_warn() for
 * the commands whose output depends on a feature.
 */
#ifndef CTDIAG_MODFEATURES_H
#define CTDIAG_MODFEATURES_H

#include <stdbool.h>
#include <stddef.h>
#include "ctdiag_abi.h"

/* Read the feature states.  0, or -errno (-ENOTTY: a module that predates
 * feature reporting). */
int features_read(int fd, struct ctdiag_features *f);

const char *feature_name(unsigned int feature);
/* What the feature attaches to (a kernel function, nf_ct_hook, ...). */
const char *feature_target(unsigned int feature);
/* What is lost without it, as one phrase. */
const char *feature_lost(unsigned int feature);
/* "on", "off", "waiting", "unavailable" */
const char *feature_state_word(int state);
/* The module's track= parameter, as its packet hooks' state tells it:
 * "api" (hooks off, not asked for) or "all" (asked for, maybe failed). */
const char *feature_track(const struct ctdiag_features *f);
bool feature_unavailable(const struct ctdiag_features *f, unsigned int feature);

/* "features:" line plus one line per unavailable feature (plain), or a
 * "features" object (JSON), through lib/output. */
void features_print(const struct ctdiag_features *f);

/* Print a note on stderr for each of FEATURES (terminated by
 * CTDIAG_FEAT_COUNT) that is unavailable, or is the packet hooks turned
 * off by track=api: "ctdiag[ CMD]: note: ...".  Returns how many were. */
int features_warn(const char *cmd, int fd, const unsigned int *features);

#endif
