/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * A read-only instance (read-only=true): every modifying request fails
 * with -EBADF (or -ENOTSUP, contract §5.6), reads and flushes succeed, and
 * the file is left exactly as it was.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iotest.h"

#define FILE_SIZE (1 << 20)
#define BLK 4096

static char *path;
static struct blkio *b;
static struct blkioq *q;
static uint8_t *buf;

static void open_ro(bool direct)
{
	const struct iot_opts o = { .read_only = true, .direct = direct };
	bool ro = false;

	path = iot_make_file("readonly", FILE_SIZE, 1);
	b = iot_open(path, &o);
	q = blkio_get_queue(b, 0);
	ck_assert_ptr_nonnull(q);
	ck_assert_int_eq(blkio_get_bool(b, "read-only", &ro), 0);
	ck_assert(ro);
	buf = iot_alloc(4 * BLK);
	test_fill(buf, 4 * BLK, 0, 77);
}

static void setup_buffered(void)
{
	open_ro(false);
}

static void setup_direct(void)
{
	open_ro(true);
}

static void teardown(void)
{
	blkio_destroy(&b);
	iot_remove_file(&path);
	iot_free(buf);
}

static void assert_unchanged(void)
{
	uint8_t *chk = iot_alloc(FILE_SIZE);
	size_t bad;

	iot_pread(path, chk, FILE_SIZE, 0);
	bad = test_check(chk, FILE_SIZE, 0, 1);
	ck_assert_msg(bad == FILE_SIZE, "file changed at byte %zu", bad);
	iot_free(chk);
}

static void assert_refused(const struct blkio_completion *c, const char *what)
{
	ck_assert_msg(c->ret == -EBADF || c->ret == -ENOTSUP,
		      "%s on a read-only instance: ret %d (%s)", what, c->ret,
		      c->error_msg ? c->error_msg : "no message");
	iot_assert_reserved_zero(c);
}

enum { W, WV, WV_FUA, W_FUA, WZ, WZ_NOUNMAP, WZ_FUA, DISCARD, NR_OPS };

static const char *const op_name[NR_OPS] = {
	"write", "writev", "writev FUA", "write FUA", "write_zeroes",
	"write_zeroes NO_UNMAP", "write_zeroes FUA", "discard",
};

static void queue_op(int op, uint64_t off, void *ud)
{
	static struct iovec iov[2];

	iov[0] = (struct iovec){ buf, BLK };
	iov[1] = (struct iovec){ buf + BLK, 3 * BLK };
	switch (op) {
	case W:
		blkioq_write(q, off, buf, BLK, ud, 0);
		break;
	case W_FUA:
		blkioq_write(q, off, buf, BLK, ud, BLKIO_REQ_FUA);
		break;
	case WV:
		blkioq_writev(q, off, iov, 2, ud, 0);
		break;
	case WV_FUA:
		blkioq_writev(q, off, iov, 2, ud, BLKIO_REQ_FUA);
		break;
	case WZ:
		blkioq_write_zeroes(q, off, 4 * BLK, ud, 0);
		break;
	case WZ_NOUNMAP:
		blkioq_write_zeroes(q, off, 4 * BLK, ud, BLKIO_REQ_NO_UNMAP);
		break;
	case WZ_FUA:
		blkioq_write_zeroes(q, off, 4 * BLK, ud, BLKIO_REQ_FUA);
		break;
	case DISCARD:
		blkioq_discard(q, off, 4 * BLK, ud, 0);
		break;
	}
}

START_TEST(test_each_refused)
{
	struct blkio_completion c;
	int op = _i;
	void *ud = (void *)(uintptr_t)(0x700 + op);

	queue_op(op, (uint64_t)op * 4 * BLK, ud);
	iot_wait1(q, &c);
	ck_assert_ptr_eq(c.user_data, ud);
	assert_refused(&c, op_name[op]);
	assert_unchanged();
}
END_TEST

START_TEST(test_read_and_flush)
{
	struct blkio_completion c;
	struct iovec iov[3];

	blkioq_read(q, 8 * BLK, buf, 2 * BLK, buf, 0);
	iot_wait1(q, &c);
	iot_assert_ok(&c, buf);
	ck_assert_uint_eq(test_check(buf, 2 * BLK, 8 * BLK, 1), 2 * BLK);

	iov[0] = (struct iovec){ buf, BLK };
	iov[1] = (struct iovec){ buf + BLK, BLK };
	iov[2] = (struct iovec){ buf + 2 * BLK, 2 * BLK };
	blkioq_readv(q, 32 * BLK, iov, 3, iov, 0);
	iot_wait1(q, &c);
	iot_assert_ok(&c, iov);
	ck_assert_uint_eq(test_check(buf, 4 * BLK, 32 * BLK, 1), 4 * BLK);

	blkioq_flush(q, q, 0);
	iot_wait1(q, &c);
	iot_assert_ok(&c, q);
}
END_TEST

START_TEST(test_mixed_batch)
{
	struct blkio_completion c[NR_OPS + 2];
	uint8_t *rbuf = iot_alloc(BLK);
	unsigned int seen = 0;
	int op, i;

	/* Refused writes between a read and a flush in one batch. */
	blkioq_read(q, 0, rbuf, BLK, (void *)(uintptr_t)NR_OPS, 0);
	for (op = 0; op < NR_OPS; op++)
		queue_op(op, (uint64_t)(op + 1) * 4 * BLK,
			 (void *)(uintptr_t)op);
	blkioq_flush(q, (void *)(uintptr_t)(NR_OPS + 1), 0);
	iot_wait_n(q, c, NR_OPS + 2);
	for (i = 0; i < NR_OPS + 2; i++) {
		uintptr_t id = (uintptr_t)c[i].user_data;

		ck_assert_uint_le(id, NR_OPS + 1);
		ck_assert(!(seen & (1u << id)));
		seen |= 1u << id;
		if (id >= NR_OPS)
			iot_assert_ok(&c[i], c[i].user_data);
		else
			assert_refused(&c[i], op_name[id]);
	}
	ck_assert_uint_eq(test_check(rbuf, BLK, 0, 1), BLK);
	assert_unchanged();
	iot_free(rbuf);
}
END_TEST

static void add_tests(TCase *tc)
{
	tcase_add_loop_test(tc, test_each_refused, 0, NR_OPS);
	tcase_add_test(tc, test_read_and_flush);
	tcase_add_test(tc, test_mixed_batch);
}

static Suite *readonly_suite(void)
{
	Suite *s = suite_create("readonly");
	TCase *buffered = tcase_create("buffered");
	TCase *direct = tcase_create("direct");

	tcase_add_checked_fixture(buffered, setup_buffered, teardown);
	tcase_add_checked_fixture(direct, setup_direct, teardown);
	add_tests(buffered);
	add_tests(direct);
	suite_add_tcase(s, buffered);
	suite_add_tcase(s, direct);
	return s;
}

int main(void)
{
	return iot_run(readonly_suite());
}
