// SPDX-License-Identifier: GPL-2.0
/*
 * A deliberately broken module for the harness self-test
 * (tests/vm/selftest): fail=1 makes init fail, warn=1 makes it WARN.
 * The VM harness must report both as failures.
 */
#include <linux/module.h>

static int fail;
module_param(fail, int, 0444);
static int warn;
module_param(warn, int, 0444);

static int __init badmod_init(void)
{
	WARN(warn, "badmod: deliberate warning for the harness self-test\n");
	return fail ? -ENODEV : 0;
}

static void __exit badmod_exit(void)
{
}

module_init(badmod_init);
module_exit(badmod_exit);
MODULE_LICENSE("GPL");
