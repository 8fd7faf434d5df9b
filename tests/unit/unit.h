/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny TAP unit-test runner: TEST(name) { ... CHECK(cond); ... } and a
 * main() from UNIT_MAIN().  Each TEST is one TAP line.
 */
#ifndef CTDIAG_UNIT_H
#define CTDIAG_UNIT_H

#include <stdio.h>
#include <string.h>

struct unit_test {
	const char *name;
	void (*fn)(int *failed);
};

#define MAX_UNIT_TESTS 256
extern struct unit_test unit_tests[MAX_UNIT_TESTS];
extern int unit_ntests;

#define TEST(tname)							\
	static void test_##tname(int *unit_failed);			\
	__attribute__((constructor)) static void reg_##tname(void)	\
	{								\
		unit_tests[unit_ntests].name = #tname;			\
		unit_tests[unit_ntests++].fn = test_##tname;		\
	}								\
	static void test_##tname(int *unit_failed)

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			printf("#   %s:%d: CHECK(%s) failed\n", __FILE__,	\
			       __LINE__, #cond);			\
			*unit_failed = 1;				\
		}							\
	} while (0)

#define CHECK_STR(a, b)							\
	do {								\
		const char *a_ = (a), *b_ = (b);			\
		if (!a_ || !b_ || strcmp(a_, b_)) {			\
			printf("#   %s:%d: \"%s\" != \"%s\"\n", __FILE__,	\
			       __LINE__, a_ ? a_ : "(null)",		\
			       b_ ? b_ : "(null)");			\
			*unit_failed = 1;				\
		}							\
	} while (0)

#define UNIT_MAIN()							\
	struct unit_test unit_tests[MAX_UNIT_TESTS];			\
	int unit_ntests;						\
	int main(void)							\
	{								\
		int i, bad = 0;						\
		setvbuf(stdout, NULL, _IOLBF, 0);			\
		for (i = 0; i < unit_ntests; i++) {			\
			int failed = 0;					\
			unit_tests[i].fn(&failed);			\
			printf("%s %s: %s\n", failed ? "not ok" : "ok",	\
			       __FILE__, unit_tests[i].name);		\
			bad |= failed;					\
		}							\
		return bad;						\
	}

#endif
