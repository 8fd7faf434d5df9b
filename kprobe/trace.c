// SPDX-License-Identifier: GPL-2.0
/* The trace events' definitions (kprobe/trace.h), made here once. */
#define CREATE_TRACE_POINTS
#include "trace.h"
