/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * exactly-once: push many requests (default 1 000 000, env
 * BLKIO_EXACTLY_ONCE_REQUESTS; 50 000 under valgrind or a sanitizer, or
 * with BLKIO_TEST_SCALE=small) of mixed types (read, write, readv,
 * writev, write_zeroes, flush) through one queue of the driver under test
 * (BLKIO_TEST_DRIVER) with num-entries 8 over a small buffered scratch
 * file, keeping up to six times the ring size in flight so the library's
 * request backlog is used, and reaping with varied min/max/timeout,
 * through blkioq_do_io_interruptible, and by sleeping on the completion
 * fd (which is also disabled now and then, as a hint).
 *
 * Checks (vio.c): every request completes exactly once (a bitmap over
 * sequence numbers; user_data carries the sequence number and slot),
 * successfully, with error_msg NULL and reserved_ zeroed; do_io returns
 * between min and max; every read matches the shadow copy; finally the
 * whole file, read without the library, matches the shadow copy.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "robust.h"
#include "test-driver.h"
#include "vio.h"

#define NR_BLOCKS	2048			/* 1 MiB file */
#define FILE_SIZE	(NR_BLOCKS * VIO_BLOCK)

static char *path;

static void init_file(uint8_t *shadow)
{
	int fd = open(path, O_WRONLY);

	ck_assert_int_ge(fd, 0);
	rb_fill(shadow, 0, FILE_SIZE, UINT64_MAX - 1);
	ck_assert_int_eq(pwrite(fd, shadow, FILE_SIZE, 0), FILE_SIZE);
	close(fd);
}

/* The file, read without the library, must equal the shadow copy. */
static void check_file(const uint8_t *shadow)
{
	uint8_t *data = malloc(FILE_SIZE);
	int fd = open(path, O_RDONLY);
	long d;

	ck_assert(data && fd >= 0);
	ck_assert_int_eq(pread(fd, data, FILE_SIZE, 0), FILE_SIZE);
	close(fd);
	d = rb_first_diff(data, shadow, FILE_SIZE);
	ck_assert_msg(d < 0, "file byte %ld is 0x%02x, expected 0x%02x", d,
		      data[d], shadow[d]);
	free(data);
}

static void report(const struct vio_stats *st, double secs)
{
	int i;

	printf("exactly-once (%s): %llu requests in %.2f s (%.0f/s), %llu "
	       "do_io calls, %llu completion fd wake-ups, max %d in flight "
	       "(num-entries 8)\n", test_driver_name(),
	       (unsigned long long)st->completed, secs,
	       (double)st->completed / secs, (unsigned long long)st->calls,
	       (unsigned long long)st->fd_waits, st->max_inflight);
	for (i = 0; i < VIO_NR_OPS; i++)
		printf("  %-12s %llu\n", vio_op_name[i],
		       (unsigned long long)st->nr_op[i]);
	fflush(stdout);
}

START_TEST(exactly_once)
{
	long long def = rb_small_scale() ? 50000 : 1000000;
	uint8_t *shadow = malloc(FILE_SIZE);
	struct vio_opts o = {
		.nr_blocks = NR_BLOCKS,
		.shadow = shadow,
		.seed = (uint64_t)rb_env_ll("BLKIO_ROBUST_SEED", 1),
		.total = (uint64_t)rb_env_ll("BLKIO_EXACTLY_ONCE_REQUESTS",
					     def),
		/* num-entries 8 (io_uring's CQ holds 16): the rest waits in
		 * the library's backlog */
		.max_depth = 48,
		.use_fd = true,
		.bitmap = true,
	};
	struct blkio *b;
	struct vio *v;
	double t0;

	ck_assert_ptr_nonnull(shadow);
	o.zmodes = rb_zeroes_modes(path);
	init_file(shadow);
	b = rb_start(path, false, 1, 8);
	v = vio_new(blkio_get_queue(b, 0), &o);

	t0 = rb_now();
	while (!vio_finished(v))
		vio_step(v);
	report(vio_stats(v), rb_now() - t0);
	vio_check_all_done(v);
	vio_drain(v);
	check_file(shadow);
	vio_free(v);
	blkio_destroy(&b);
	free(shadow);
}
END_TEST

int main(void)
{
	SRunner *sr;
	Suite *s;
	TCase *tc;
	int failed;

	test_driver_require_export();
	path = rb_scratch_file(FILE_SIZE);
	s = suite_create("exactly-once");
	tc = tcase_create("load");
	tcase_set_timeout(tc, (double)rb_env_ll("BLKIO_ROBUST_TIMEOUT", 1200));
	tcase_add_test(tc, exactly_once);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	rb_cleanup();
	return failed ? 1 : 0;
}
