/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * The error message convention (contract §3, §5.1, §9): a message after
 * every failure, kept across successes, per thread, at most 255 bytes.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "util.h"

/* Runs @fn in a new thread and returns its result. */
static void *in_thread(void *(*fn)(void *), void *arg)
{
	pthread_t t;
	void *ret;

	ck_assert_int_eq(pthread_create(&t, NULL, fn, arg), 0);
	ck_assert_int_eq(pthread_join(t, &ret), 0);
	return ret;
}

static void *read_msg(void *arg)
{
	return strdup(blkio_get_error_msg());
}

START_TEST(initial_empty_in_new_thread)
{
	char *msg;

	/* Leave a message in this thread first: it must not carry over. */
	ck_assert_int_lt(blkio_create("nope", &(struct blkio *){ NULL }), 0);
	msg = in_thread(read_msg, NULL);
	ck_assert_ptr_nonnull(msg);
	ck_assert_str_eq(msg, "");
	free(msg);
}
END_TEST

START_TEST(never_null)
{
	ck_assert_ptr_nonnull(blkio_get_error_msg());
}
END_TEST

static void *fail_in_thread(void *arg)
{
	struct blkio *b = NULL;
	char *msg;

	if (blkio_create("io_uring", &b) < 0)
		return NULL;
	blkio_get_bool(b, "no-such-property", &(bool){ false });
	msg = strdup(blkio_get_error_msg());
	blkio_destroy(&b);
	return msg;
}

START_TEST(thread_local)
{
	char *other;

	ck_assert_err(blkio_create("io_uring", NULL), -EINVAL,
		      "bp must be non-NULL");
	other = in_thread(fail_in_thread, NULL);
	ck_assert_ptr_nonnull(other);
	ck_assert_str_eq(other, "Unknown property name");
	free(other);
	ck_assert_str_eq(blkio_get_error_msg(), "bp must be non-NULL");
}
END_TEST

START_TEST(kept_across_success)
{
	struct blkio *b = api_create();
	int v = 0;

	ck_assert_err(blkio_get_int(b, "no-such-property", &v), -ENOENT,
		      "Unknown property name");
	ck_assert_ok(blkio_get_int(b, "num-entries", &v));
	ck_assert_ok(blkio_set_str(b, "path", api_file()));
	ck_assert_int_eq(blkio_connect(b), 0);
	ck_assert_int_eq(blkio_start(b), 0);
	ck_assert_ptr_nonnull(blkio_get_queue(b, 0));
	blkio_destroy(&b);
	ck_assert_str_eq(blkio_get_error_msg(), "Unknown property name");
}
END_TEST

/* A failing call of every kind leaves a fresh, non-empty message. */
START_TEST(message_after_every_failure)
{
	struct blkio *b = api_create();
	struct blkio_mem_region r = { 0 };
	struct blkioq *q;
	struct blkio_completion c;

	ck_assert_err_any_msg(blkio_create("nope", &(struct blkio *){ 0 }),
			      -ENOENT);
	ck_assert_err_any_msg(blkio_create("io_uring", NULL), -EINVAL);
	ck_assert_err_any_msg(blkio_start(b), -ENODEV);
	ck_assert_err_any_msg(blkio_connect(b), -EINVAL);
	ck_assert_err_any_msg(blkio_get_bool(b, "x", &(bool){ 0 }), -ENOENT);
	ck_assert_err_any_msg(blkio_get_int(b, "driver", &(int){ 0 }),
			      -ENOTTY);
	ck_assert_err_any_msg(blkio_get_uint64(b, "capacity",
					       &(uint64_t){ 0 }), -ENODEV);
	ck_assert_err_any_msg(blkio_get_str(b, "x", &(char *){ NULL }),
			      -ENOENT);
	ck_assert_err_any_msg(blkio_set_bool(b, "can-grow", true), -EACCES);
	ck_assert_err_any_msg(blkio_set_int(b, "num-entries", 1), -ENODEV);
	ck_assert_err_any_msg(blkio_set_uint64(b, "path", 1), -ENOTTY);
	ck_assert_err_any_msg(blkio_set_str(b, "direct", "1"), -EINVAL);
	ck_assert_err_any_msg(blkio_alloc_mem_region(b, &r, 4096), -ENODEV);
	ck_assert_err_any_msg(blkio_add_queue(b), -EBUSY);
	ck_assert_err_any_msg(blkio_add_poll_queue(b), -EBUSY);
	ck_assert_err_any_msg(blkio_remove_queue(b, 0), -ENOENT);
	ck_assert_err_any_msg(blkio_remove_poll_queue(b, 0), -ENOENT);
	blkio_destroy(&b);

	b = api_start(false, 1);
	q = blkio_get_queue(b, 0);
	ck_assert_ptr_nonnull(q);
	ck_assert_err_any_msg(blkio_connect(b), -EBUSY);
	ck_assert_err_any_msg(blkio_set_int(b, "num-queues", 1), -EBUSY);
	ck_assert_err_any_msg(blkioq_do_io(q, &c, 1, 1, NULL), -EINVAL);
	ck_assert_err_any_msg(blkioq_do_io(q, &c, -1, 1, NULL), -EINVAL);
	ck_assert_err_any_msg(blkioq_do_io_interruptible(q, &c, 2, 1, NULL,
							 NULL), -EINVAL);
	blkio_destroy(&b);
}
END_TEST

/* The buffer is 256 bytes: long text must be cut, not overrun. */
START_TEST(long_property_name)
{
	struct blkio *b = api_create();
	size_t len = 100000;
	char *name = malloc(len + 1);

	ck_assert_ptr_nonnull(name);
	memset(name, 'x', len);
	name[len] = '\0';
	ck_assert_err(blkio_set_str(b, name, name), -ENOENT,
		      "Unknown property name");
	ck_assert_err(blkio_get_str(b, name, &(char *){ NULL }), -ENOENT,
		      "Unknown property name");
	ck_assert_ok(blkio_set_str(b, "path", name));
	ck_assert_err_any_msg(blkio_connect(b), -ENAMETOOLONG);
	ck_assert_uint_le(strlen(blkio_get_error_msg()), 255);
	free(name);
	blkio_destroy(&b);
}
END_TEST

/*
 * The exported helper that stores a message (in libblkio and here, not in
 * the header) truncates to 255 bytes.
 */
START_TEST(truncated_to_255)
{
	void (*set_msg)(const char *, size_t);
	char long_msg[1000];

	*(void **)&set_msg = dlsym(RTLD_DEFAULT, "blkio_set_error_msg_");
	if (!set_msg) {
		api_note_skip(__func__, "blkio_set_error_msg_ not exported");
		return;
	}
	memset(long_msg, 'm', sizeof(long_msg));
	set_msg(long_msg, sizeof(long_msg));
	ck_assert_uint_eq(strlen(blkio_get_error_msg()), 255);
	ck_assert_int_eq(memcmp(blkio_get_error_msg(), long_msg, 255), 0);
	set_msg("short", 5);
	ck_assert_str_eq(blkio_get_error_msg(), "short");
	set_msg("", 0);
	ck_assert_str_eq(blkio_get_error_msg(), "");
}
END_TEST

static Suite *errors_suite(void)
{
	Suite *s = suite_create("errors");
	TCase *tc = tcase_create("message");

	tcase_add_test(tc, initial_empty_in_new_thread);
	tcase_add_test(tc, never_null);
	tcase_add_test(tc, thread_local);
	tcase_add_test(tc, kept_across_success);
	tcase_add_test(tc, message_after_every_failure);
	tcase_add_test(tc, long_property_name);
	tcase_add_test(tc, truncated_to_255);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	api_init();
	api_require_io_uring();
	return api_run(errors_suite());
}
