// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * Flush and FUA durability under a crash model.
 *
 * faultfs runs in volatile mode: writes stay in a layer that a simulated
 * crash throws away unless an fsync (or an O_DSYNC write) made them stable.
 * Data written and then flushed, or written with BLKIO_REQ_FUA, must
 * survive a crash.  Nothing else is promised, so nothing else is checked
 * (unflushed data may or may not survive).
 *
 * Most tests go through a loop device (direct I/O) over faultfs, where a
 * flush becomes an fsync of the backing file and FUA becomes a write plus
 * flush in the block layer; one also tests the FUSE file itself.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fault-util.h"

#define FS_SIZE (8u << 20)
#define SLOT 4096u
#define REGION (1u << 20)

static void setup(void)
{
	fu_reset();
	fu_ctl_ok("volatile 1");
}

/*
 * The crash model itself: an unflushed write through the kernel really is
 * dropped by "crash".  Without this the durability tests could pass on a
 * harness that never loses anything.
 */
START_TEST(harness_crash_drops_unflushed)
{
	uint8_t *buf = fu_alloc(SLOT);
	ssize_t n;
	int fd;

	fu_fill(REGION, SLOT, 1);
	fd = open(fu_fs->disk, O_WRONLY | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "open disk: %s", strerror(errno));
	fu_pattern(buf, REGION, SLOT, 2);
	n = pwrite(fd, buf, SLOT, REGION);
	ck_assert_int_eq(n, SLOT);
	ck_assert_int_gt(fu_stat("dirty-pages"), 0);
	fu_ctl_ok("crash");
	close(fd);
	fu_assert_raw(REGION, SLOT, 1, "unflushed write after crash");
	free(buf);
}
END_TEST

/* Requests i = 0..n-1 write slot i with seed; returns after all complete. */
static void write_slots(struct blkioq *q, uint8_t *buf, int first, int n,
			unsigned int seed, uint32_t flags, bool vectored)
{
	struct iovec iov[64][2];
	int rets[64];

	ck_assert(n <= 64);
	for (int i = 0; i < n; i++) {
		uint64_t off = REGION + (uint64_t)(first + i) * SLOT;
		uint8_t *p = buf + (first + i) * SLOT;

		fu_pattern(p, off, SLOT, seed);
		if (vectored) {
			iov[i][0] = (struct iovec){ p, 1024 };
			iov[i][1] = (struct iovec){ p + 1024, SLOT - 1024 };
			blkioq_writev(q, off, iov[i], 2, (void *)(intptr_t)i,
				      flags);
		} else {
			blkioq_write(q, off, p, SLOT, (void *)(intptr_t)i,
				     flags);
		}
	}
	fu_wait_all(q, n, rets, NULL, 0);
	for (int i = 0; i < n; i++)
		ck_assert_msg(rets[i] == 0, "write %d: ret %d", first + i,
			      rets[i]);
}

struct target {
	struct fu_loop loop;
	struct blkio *b;
	struct blkioq *q;
	bool is_loop;
};

/* _i & 1 selects the FUSE file itself instead of a loop device over it. */
static void open_target(struct target *t, int variant)
{
	t->is_loop = !(variant & 1);
	if (t->is_loop) {
		fu_loop_attach(&t->loop, fu_fs->disk, false);
		t->b = fu_open(t->loop.path, true, false, 0, &t->q);
	} else {
		t->b = fu_open(fu_fs->disk, false, false, 0, &t->q);
	}
}

static void close_target(struct target *t)
{
	blkio_destroy(&t->b);
	if (t->is_loop)
		fu_loop_detach(&t->loop);
}

START_TEST(flushed_writes_survive)
{
	uint8_t *buf = fu_alloc(32 * SLOT);
	struct target t;
	int ret;

	fu_fill(REGION, 32 * SLOT, 3);
	open_target(&t, _i);
	write_slots(t.q, buf, 0, 16, 4, 0, false);
	write_slots(t.q, buf, 16, 16, 4, 0, true);
	ret = fu_flush(t.q);
	ck_assert_msg(ret == 0, "flush: ret %d", ret);
	ck_assert_int_gt(fu_stat("commits"), 0);
	fu_ctl_ok("crash");
	fu_assert_raw(REGION, 32 * SLOT, 4, "flushed writes after crash");
	close_target(&t);
	free(buf);
}
END_TEST

START_TEST(fua_writes_survive)
{
	uint8_t *buf = fu_alloc(16 * SLOT);
	struct target t;

	fu_fill(REGION, 16 * SLOT, 5);
	open_target(&t, _i);
	write_slots(t.q, buf, 0, 8, 6, BLKIO_REQ_FUA, false);
	write_slots(t.q, buf, 8, 8, 6, BLKIO_REQ_FUA, true);
	fu_ctl_ok("crash");
	fu_assert_raw(REGION, 16 * SLOT, 6, "FUA writes after crash");
	close_target(&t);
	free(buf);
}
END_TEST

/*
 * A flush covers every write that completed before it was queued; later
 * unflushed writes (to other slots) are allowed to vanish.  FUA writes
 * queued after the flush survive too.
 */
START_TEST(flush_then_more_writes)
{
	uint8_t *buf = fu_alloc(48 * SLOT);
	struct target t;

	fu_fill(REGION, 48 * SLOT, 7);
	open_target(&t, _i);
	write_slots(t.q, buf, 0, 16, 8, 0, false);
	ck_assert_int_eq(fu_flush(t.q), 0);
	write_slots(t.q, buf, 16, 16, 9, 0, false);	/* unflushed */
	write_slots(t.q, buf, 32, 16, 10, BLKIO_REQ_FUA, false);
	fu_ctl_ok("crash");
	fu_assert_raw(REGION, 16 * SLOT, 8, "flushed writes after crash");
	fu_assert_raw(REGION + 32 * SLOT, 16 * SLOT, 10,
		      "FUA writes after crash");
	close_target(&t);
	free(buf);
}
END_TEST

/* Overwrite flushed data with FUA: the newest durable version survives. */
START_TEST(fua_overwrites_flushed)
{
	uint8_t *buf = fu_alloc(8 * SLOT);
	struct target t;

	fu_fill(REGION, 8 * SLOT, 11);
	open_target(&t, _i);
	write_slots(t.q, buf, 0, 8, 12, 0, false);
	ck_assert_int_eq(fu_flush(t.q), 0);
	write_slots(t.q, buf, 0, 8, 13, BLKIO_REQ_FUA, true);
	fu_ctl_ok("crash");
	fu_assert_raw(REGION, 8 * SLOT, 13, "FUA overwrite after crash");
	close_target(&t);
	free(buf);
}
END_TEST

/* Write zeroes with FUA, or followed by a flush, survives a crash. */
START_TEST(write_zeroes_survive)
{
	uint8_t *buf = fu_alloc(16 * SLOT);
	int rets[16];
	struct target t;

	fu_fill(REGION, 16 * SLOT, 16);
	open_target(&t, _i);
	for (int i = 0; i < 8; i++) {
		uint32_t flags = BLKIO_REQ_FUA;

		if (i & 1)
			flags |= BLKIO_REQ_NO_UNMAP;
		blkioq_write_zeroes(t.q, REGION + i * SLOT, SLOT,
				    (void *)(intptr_t)i, flags);
	}
	fu_wait_all(t.q, 8, rets, NULL, 0);
	for (int i = 0; i < 8; i++)
		ck_assert_msg(rets[i] == 0, "FUA write zeroes %d: ret %d", i,
			      rets[i]);
	fu_ctl_ok("crash");
	fu_raw_read(buf, REGION, 8 * SLOT);
	fu_assert_zero(buf, 8 * SLOT, "FUA write zeroes after crash");

	for (int i = 8; i < 16; i++)
		blkioq_write_zeroes(t.q, REGION + i * SLOT, SLOT,
				    (void *)(intptr_t)(i - 8), 0);
	fu_wait_all(t.q, 8, rets, NULL, 0);
	for (int i = 0; i < 8; i++)
		ck_assert_msg(rets[i] == 0, "write zeroes %d: ret %d", i + 8,
			      rets[i]);
	ck_assert_int_eq(fu_flush(t.q), 0);
	fu_ctl_ok("crash");
	fu_raw_read(buf, REGION + 8 * SLOT, 8 * SLOT);
	fu_assert_zero(buf, 8 * SLOT, "flushed write zeroes after crash");
	ck_assert_int_ge(fu_stat("fallocs"), 1);
	close_target(&t);
	free(buf);
}
END_TEST

/*
 * FUA writes that come back short on the FUSE file: every resubmitted
 * piece must carry FUA too, so the whole write survives.
 */
START_TEST(short_fua_writes_survive)
{
	uint8_t *buf = fu_alloc(8 * SLOT);
	struct blkioq *q;
	struct blkio *b;

	fu_fill(REGION, 8 * SLOT, 14);
	b = fu_open(fu_fs->disk, false, false, 0, &q);
	fu_ctl_ok("max-io 1500");
	/*
	 * One request per crash: a later FUA write's fsync would otherwise
	 * commit the pieces an earlier one forgot to mark.
	 */
	for (int i = 0; i < 2; i++) {
		write_slots(q, buf, i, 1, 15, BLKIO_REQ_FUA, i == 1);
		ck_assert_int_gt(fu_stat("shorts"), 1);
		fu_ctl_ok("crash\nreset-stats");
		fu_assert_raw(REGION + i * SLOT, SLOT, 15,
			      "short FUA write after crash");
	}
	blkio_destroy(&b);
	free(buf);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("fault-durability");
	TCase *tc = tcase_create("durability");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, harness_crash_drops_unflushed);
	/* loop index: 0 loop device, 1 the FUSE file */
	tcase_add_loop_test(tc, flushed_writes_survive, 0, 2);
	tcase_add_loop_test(tc, fua_writes_survive, 0, 2);
	tcase_add_loop_test(tc, flush_then_more_writes, 0, 2);
	tcase_add_loop_test(tc, fua_overwrites_flushed, 0, 2);
	tcase_add_test(tc, short_fua_writes_survive);
	tcase_add_loop_test(tc, write_zeroes_survive, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}

int main(int argc, char **argv)
{
	static const char *const args[] = { "--volatile", NULL };

	fu_init(argc, argv, FU_NEED_LOOP, FS_SIZE, args);
	return fu_run_suite(suite());
}
