/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * blkioq_do_io argument validation (contract §8.1, §8.2 step 3): exact
 * messages and their order, the "more than outstanding" check without
 * losing completions, and the submit-only call.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <time.h>

#include "util.h"

static const char MSG_SEC[] = "tv_sec cannot be negative";
static const char MSG_NSEC[] = "tv_nsec must be less than one second";
static const char MSG_MIN[] = "min_completions cannot be negative";
static const char MSG_MAX[] = "max_completions cannot be negative";
static const char MSG_ORDER[] =
	"min_completions must be less than or equal to max_completions";
static const char MSG_NULL[] =
	"max_completions must be 0 when completions is NULL";
static const char MSG_OUTSTANDING[] =
	"min_completions is larger than total outstanding requests";

struct args_case {
	bool null_completions;
	int min, max;
	bool has_timeout;
	long sec, nsec;
	const char *msg;
};

/* Each row breaks one rule or several: the first message in §8.1 wins. */
static const struct args_case args_cases[] = {
	{ false, 0, 1, true, -1, 0, MSG_SEC },
	{ false, 0, 1, true, LONG_MIN, 0, MSG_SEC },
	{ false, 0, 1, true, 0, 1000000000, MSG_NSEC },
	{ false, 0, 1, true, 0, LONG_MAX, MSG_NSEC },
	{ false, 0, 1, true, 0, -1, MSG_NSEC },
	{ false, 0, 1, true, 5, -1000, MSG_NSEC },
	{ true, -1, -1, true, -1, 0, MSG_SEC },		/* timeout first */
	{ true, 2, 1, true, 0, 1000000000, MSG_NSEC },
	{ false, -1, 1, false, 0, 0, MSG_MIN },
	{ false, INT_MIN, 1, false, 0, 0, MSG_MIN },
	{ false, 0, -1, false, 0, 0, MSG_MAX },
	{ false, -1, -1, false, 0, 0, MSG_MIN },	/* min before max */
	{ false, 1, -1, false, 0, 0, MSG_MAX },
	{ false, 2, 1, false, 0, 0, MSG_ORDER },
	{ false, INT_MAX, 0, false, 0, 0, MSG_ORDER },
	{ true, 0, 1, false, 0, 0, MSG_NULL },
	{ true, 2, 1, false, 0, 0, MSG_ORDER },		/* order before NULL */
	{ true, -1, 1, false, 0, 0, MSG_MIN },
	{ true, 0, -1, false, 0, 0, MSG_MAX },
	{ true, 1, 1, true, 1, 0, MSG_NULL },
};

#define NR_ARGS_CASES ((int)(sizeof(args_cases) / sizeof(args_cases[0])))

static int call(struct blkioq *q, const struct args_case *a,
		bool interruptible)
{
	struct blkio_completion c[4];
	struct timespec ts = { .tv_sec = a->sec, .tv_nsec = a->nsec };
	struct timespec *t = a->has_timeout ? &ts : NULL;
	struct blkio_completion *cp = a->null_completions ? NULL : c;

	if (interruptible)
		return blkioq_do_io_interruptible(q, cp, a->min, a->max, t,
						  NULL);
	return blkioq_do_io(q, cp, a->min, a->max, t);
}

START_TEST(invalid_args)
{
	const struct args_case *a = &args_cases[_i / 2];
	struct blkio *b = api_start(false, 1);
	struct blkioq *q = blkio_get_queue(b, 0);
	char buf[512];

	/* With a request in flight, nothing is lost by the refusal. */
	blkioq_read(q, 0, buf, sizeof(buf), buf, 0);
	ck_assert_err(call(q, a, _i % 2), -EINVAL, a->msg);
	{
		struct blkio_completion c;

		ck_assert_int_eq(blkioq_do_io(q, &c, 1, 1, NULL), 1);
		ck_assert_ptr_eq(c.user_data, buf);
		ck_assert_int_eq(c.ret, 0);
	}
	blkio_destroy(&b);
}
END_TEST

START_TEST(min_above_outstanding_idle)
{
	struct blkio *b = api_start(false, 1);
	struct blkioq *q = blkio_get_queue(b, 0);
	struct blkio_completion c[2];

	ck_assert_err(blkioq_do_io(q, c, 1, 1, NULL), -EINVAL,
		      MSG_OUTSTANDING);
	ck_assert_err(blkioq_do_io(q, c, 2, 2, NULL), -EINVAL,
		      MSG_OUTSTANDING);
	ck_assert_err(blkioq_do_io_interruptible(q, c, 1, 2, NULL, NULL),
		      -EINVAL, MSG_OUTSTANDING);
	ck_assert_int_eq(blkioq_do_io(q, c, 0, 2, NULL), 0);
	blkio_destroy(&b);
}
END_TEST

/* The refused call must not swallow completions it already reaped. */
START_TEST(min_above_outstanding_keeps_completions)
{
	struct blkio *b = api_start(false, 1);
	struct blkioq *q = blkio_get_queue(b, 0);
	struct blkio_completion c[4];
	char buf[2][4096];
	bool seen[2] = { false, false };
	int i, n;

	blkioq_read(q, 0, buf[0], sizeof(buf[0]), buf[0], 0);
	blkioq_read(q, 4096, buf[1], sizeof(buf[1]), buf[1], 0);
	ck_assert_err(blkioq_do_io(q, c, 3, 3, NULL), -EINVAL,
		      MSG_OUTSTANDING);
	/* Let both finish in the kernel before asking again. */
	nanosleep(&(struct timespec){ .tv_nsec = 20000000 }, NULL);
	ck_assert_err(blkioq_do_io(q, c, 3, 4, NULL), -EINVAL,
		      MSG_OUTSTANDING);
	n = blkioq_do_io(q, c, 2, 4, NULL);
	ck_assert_int_eq(n, 2);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(c[i].ret, 0);
		ck_assert(c[i].user_data == buf[0] || c[i].user_data == buf[1]);
		seen[c[i].user_data == buf[1]] = true;
	}
	ck_assert(seen[0] && seen[1]);
	ck_assert_err(blkioq_do_io(q, c, 1, 4, NULL), -EINVAL,
		      MSG_OUTSTANDING);
	blkio_destroy(&b);
}
END_TEST

/* Submit only: no completions array, nothing reaped, returns 0. */
START_TEST(submit_only)
{
	struct blkio *b = api_start(false, 1);
	struct blkioq *q = blkio_get_queue(b, 0);
	struct blkio_completion c;
	struct timespec ts = { .tv_sec = 5 };
	char buf[512];

	ck_assert_int_eq(blkioq_do_io(q, NULL, 0, 0, NULL), 0);
	ck_assert_int_eq(blkioq_do_io(q, NULL, 0, 0, &ts), 0);
	ck_assert_int_eq(blkioq_do_io_interruptible(q, NULL, 0, 0, NULL, NULL),
			 0);
	/* max 0 with a real array is the same. */
	ck_assert_int_eq(blkioq_do_io(q, &c, 0, 0, NULL), 0);
	blkioq_read(q, 0, buf, sizeof(buf), buf, 0);
	ck_assert_int_eq(blkioq_do_io(q, NULL, 0, 0, NULL), 0);
	/* Still one outstanding: it can be waited for. */
	ck_assert_int_eq(blkioq_do_io(q, &c, 1, 1, NULL), 1);
	ck_assert_ptr_eq(c.user_data, buf);
	ck_assert_int_eq(c.ret, 0);
	blkio_destroy(&b);
}
END_TEST

/* Valid timeouts at the edges of the accepted range. */
START_TEST(timeout_edges)
{
	struct blkio *b = api_start(false, 1);
	struct blkioq *q = blkio_get_queue(b, 0);
	struct blkio_completion c;
	struct timespec ts = { .tv_sec = 0, .tv_nsec = 999999999 };

	ck_assert_int_eq(blkioq_do_io(q, &c, 0, 1, &ts), 0);
	ts = (struct timespec){ .tv_sec = LONG_MAX, .tv_nsec = 0 };
	ck_assert_int_eq(blkioq_do_io(q, &c, 0, 1, &ts), 0);
	ts = (struct timespec){ 0 };
	ck_assert_int_eq(blkioq_do_io(q, &c, 0, 1, &ts), 0);
	blkio_destroy(&b);
}
END_TEST

static Suite *doio_args_suite(void)
{
	Suite *s = suite_create("doio-args");
	TCase *tc = tcase_create("args");

	tcase_add_loop_test(tc, invalid_args, 0, 2 * NR_ARGS_CASES);
	tcase_add_test(tc, min_above_outstanding_idle);
	tcase_add_test(tc, min_above_outstanding_keeps_completions);
	tcase_add_test(tc, submit_only);
	tcase_add_test(tc, timeout_edges);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	api_init();
	api_require_io_uring();
	return api_run(doio_args_suite());
}
