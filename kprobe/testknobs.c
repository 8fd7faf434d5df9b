// SPDX-License-Identifier: GPL-2.0
/* The test build's knobs (kprobe/testknobs.h); empty in the user build. */
#ifdef CTDIAG_TEST_KNOBS
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include "ctdiag.h"
#include "testknobs.h"

unsigned int ctdiag_fail_alloc_every;
module_param_named(fail_alloc_every, ctdiag_fail_alloc_every, uint, 0444);
MODULE_PARM_DESC(fail_alloc_every,
	"Test build: make every Nth record allocation fail (0 = never)");

static char *fail_feature = "";
module_param(fail_feature, charp, 0444);
MODULE_PARM_DESC(fail_feature,
	"Test build: comma-separated features whose registration fails with -ENOENT");

/* Whether NAME is an element of the comma-separated list. */
static bool list_has(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p = list;

	while (*p) {
		const char *end = strchrnul(p, ',');

		if (end - p == n && !strncmp(p, name, n))
			return true;
		p = *end ? end + 1 : end;
	}
	return false;
}

int ctdiag_test_fail_feature(unsigned int feature)
{
	const char *name = ctdiag_feature_name(feature);

	if (name && list_has(fail_feature, name)) {
		pr_info("test: failing registration of %s as asked (fail_feature=)\n",
			name);
		return -ENOENT;
	}
	return 0;
}
#endif
