/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Delay and fault knobs, compiled into the test build only
 * (tests/vm/build-modules builds kprobe/ a second time with
 * -DCTDIAG_TEST_KNOBS into ctdiag-test.ko).  The module users load has no
 * such parameters: insmod rejects them as unknown, and every knob below is
 * a compile-time constant there, so the code around it folds away.
 *
 * Knobs (module parameters of ctdiag-test.ko, defined in testknobs.c):
 *   fail_alloc_every=N   every Nth record allocation fails (store.c)
 *   fail_feature=A,B     the named features' registration fails with
 *                        -ENOENT, as if the probed symbol were missing
 *                        (names as `ctdiag status` prints them)
 */
#ifndef CTDIAG_TESTKNOBS_H
#define CTDIAG_TESTKNOBS_H

#include <linux/types.h>

#ifdef CTDIAG_TEST_KNOBS
extern unsigned int ctdiag_fail_alloc_every;
int ctdiag_test_fail_feature(unsigned int feature);
#else
#define ctdiag_fail_alloc_every 0U
static inline int ctdiag_test_fail_feature(unsigned int feature)
{
	return 0;
}
#endif

#endif /* CTDIAG_TESTKNOBS_H */
