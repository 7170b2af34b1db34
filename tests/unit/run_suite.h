/* The Check side every suite shares: test cases built from a list, and the main that runs a
 * suite and turns its failures into the exit status `make unit` reads. */
#ifndef NTEMU_TEST_RUN_SUITE_H
#define NTEMU_TEST_RUN_SUITE_H

#include <check.h>
#include <stddef.h>

/* A test case `name` added to `s`, with the checked fixture (either may be NULL) and `tests`
 * in order. Returned for what a list cannot say (timeouts, loop tests). */
TCase *add_tcase(Suite *s, const char *name, SFun setup, SFun teardown, const TTest *const *tests,
		 size_t n);
#define ADD_TCASE(s, name, setup, teardown, ...)                                              \
	add_tcase(s, name, setup, teardown, (const TTest *const[]){__VA_ARGS__},              \
		  sizeof((const TTest *const[]){__VA_ARGS__}) / sizeof(const TTest *))

/* Run every test of `s`, print Check's summary, free it: EXIT_SUCCESS when none failed. */
int run_suite(Suite *s);

#endif
