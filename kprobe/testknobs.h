/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Delay and fault knobs, compiled into the test build only
 * (tests/vm/build-modules builds kprobe/ a second time with
 * -DCTDIAG_TEST_KNOBS into ctdiag-test.ko).  The module users load has no
 * such parameters: the kernel ignores them as unknown (with a warning in
 * the log, tests/vm/24-lifecycle.bats), and every knob below is
 * a compile-time constant there, so the code around it folds away.
 *
 * Knobs (module parameters of ctdiag-test.ko, defined in testknobs.c):
 *   fail_alloc_every=N   every Nth record allocation fails (store.c)
 *   fail_feature=A,B     the named features' registration fails with
 *                        -ENOENT, as if the probed symbol were missing
 *                        (names as `ctdiag status` prints them)
 *   miss_destroy_every=N the nf_ct_destroy callback pretends to miss
 *                        every Nth destroy (intercept.c): counted as
 *                        missed, record left in the store, orphan sweep
 *   free_delay_ms=N      the first record that idle expiry or a netns exit
 *                        frees waits between its unlink and its call_rcu,
 *                        after logging "test: delaying free": until an
 *                        API type's unregister has started (at most N ms),
 *                        then 1 s more (store.c; the unregister-during-
 *                        free race)
 *   idle_ms=N            with idle_timeout set, idle expiry counts N ms
 *                        instead of idle_timeout seconds, and runs every
 *                        N/2 ms (expiry.c): lets a test look at
 *                        conntracks that live less than a second (a
 *                        NAT_CLASH loser's fixed 1 s timeout)
 *   reply_write_delay_ms=N  a record's reply tuple is written in two
 *                        halves (addresses, then ports and the rest)
 *                        with a busy wait of N ms between them (store.c
 *                        ext_refresh_reply; packet path and bucket lock:
 *                        mdelay, never a sleep): a reader that does not
 *                        wait for the writer sees a half-written tuple
 */
#ifndef CTDIAG_TESTKNOBS_H
#define CTDIAG_TESTKNOBS_H

#include <linux/types.h>
#include "ctdiag_abi.h"

#ifdef CTDIAG_TEST_KNOBS
extern unsigned int ctdiag_fail_alloc_every;
int ctdiag_test_fail_feature(unsigned int feature);
bool ctdiag_test_miss_destroy(void);
void ctdiag_test_free_delay(u16 path);
void ctdiag_test_unregister_started(void);
extern unsigned int ctdiag_test_idle_ms;
void ctdiag_test_tuple_write(struct ctdiag_tuple *dst,
			     const struct ctdiag_tuple *src);
#else
#define ctdiag_test_idle_ms 0U
static inline void ctdiag_test_tuple_write(struct ctdiag_tuple *dst,
					   const struct ctdiag_tuple *src)
{
	*dst = *src;
}
#define ctdiag_fail_alloc_every 0U
static inline int ctdiag_test_fail_feature(unsigned int feature)
{
	return 0;
}

static inline bool ctdiag_test_miss_destroy(void)
{
	return false;
}
static inline void ctdiag_test_free_delay(u16 path)
{
}
static inline void ctdiag_test_unregister_started(void)
{
}
#endif

#endif /* CTDIAG_TESTKNOBS_H */
