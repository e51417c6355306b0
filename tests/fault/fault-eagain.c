// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * -EAGAIN means "not now", not "failed": the library submits a request
 * whose round ends with -EAGAIN again, as QEMU does, up to 1000 times
 * (blkio(3), REQUESTS), and then completes it with -EAGAIN.  faultfs
 * answers chosen attempts with EAGAIN:
 *
 * - transient (the first 3 attempts): the request succeeds, with the
 *   right data read or written, and faultfs saw all 3 failures;
 * - permanent (every attempt): the request completes with -EAGAIN
 *   within the usual deadline, after more than 1000 attempts reached
 *   faultfs, and the queue works afterwards.
 *
 * For every request type that reaches faultfs: read and readv through the
 * page cache, write and writev (write-through), flush (fsync),
 * write-zeroes with and without FUA, discard (fallocate), and a read of a
 * FOPEN_DIRECT_IO file, where io_uring re-issues an -EAGAIN completion
 * inside the kernel without end (test_driver.h: kernel_reissues_eagain),
 * so its permanent case runs only for drivers whose kernel passes it on.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault-util.h"
#include "test-driver.h"

#define FS_SIZE (8u << 20)
#define SLOT 4096u
#define REGION (256u * 1024)
#define TRANSIENT 3
/* blkio(3): an -EAGAIN round is submitted again up to 1000 times. */
#define RETRIES 1000

enum op {
	OP_READ, OP_READV, OP_WRITE, OP_WRITEV, OP_FLUSH, OP_WZ, OP_WZ_FUA,
	OP_DISCARD, OP_READ_DIO, NR_OPS
};

static const struct {
	const char *name;
	const char *rule_op;	/* faultfs rule op= */
	bool dio;		/* FOPEN_DIRECT_IO on the disk file */
} ops[NR_OPS] = {
	[OP_READ] = { "read", "read", false },
	[OP_READV] = { "readv", "read", false },
	[OP_WRITE] = { "write", "write", false },
	[OP_WRITEV] = { "writev", "write", false },
	[OP_FLUSH] = { "flush", "fsync", false },
	[OP_WZ] = { "write zeroes", "falloc", false },
	[OP_WZ_FUA] = { "FUA write zeroes", "falloc", false },
	[OP_DISCARD] = { "discard", "falloc", false },
	[OP_READ_DIO] = { "FOPEN_DIRECT_IO read", "read", true },
};

static void setup(void)
{
	fu_reset();
}

/* Queue one request of the given type on [REGION, REGION + SLOT). */
static void queue_op(struct blkioq *q, enum op op, uint8_t *buf,
		     struct iovec *iov)
{
	switch (op) {
	case OP_READ:
	case OP_READ_DIO:
		blkioq_read(q, REGION, buf, SLOT, NULL, 0);
		break;
	case OP_READV:
		iov[0] = (struct iovec){ buf, 1000 };
		iov[1] = (struct iovec){ buf + 1000, SLOT - 1000 };
		blkioq_readv(q, REGION, iov, 2, NULL, 0);
		break;
	case OP_WRITE:
		blkioq_write(q, REGION, buf, SLOT, NULL, 0);
		break;
	case OP_WRITEV:
		iov[0] = (struct iovec){ buf, 512 };
		iov[1] = (struct iovec){ buf + 512, SLOT - 512 };
		blkioq_writev(q, REGION, iov, 2, NULL, 0);
		break;
	case OP_FLUSH:
		blkioq_flush(q, NULL, 0);
		break;
	case OP_WZ:
	case OP_WZ_FUA:
		blkioq_write_zeroes(q, REGION, SLOT, NULL,
				    op == OP_WZ_FUA ? BLKIO_REQ_FUA : 0);
		break;
	case OP_DISCARD:
		blkioq_discard(q, REGION, SLOT, NULL, 0);
		break;
	default:
		ck_abort_msg("no such op %d", op);
	}
}

static bool is_read(enum op op)
{
	return op == OP_READ || op == OP_READV || op == OP_READ_DIO;
}

static bool is_write(enum op op)
{
	return op == OP_WRITE || op == OP_WRITEV;
}

/* The data after a request that succeeded (seed 1 before, 2 written). */
static void check_data(enum op op, const uint8_t *buf)
{
	uint8_t *got = fu_alloc(SLOT);

	if (is_read(op))
		fu_assert_buf(buf, REGION, SLOT, 1, "data read after EAGAIN");
	fu_raw_read(got, REGION, SLOT);
	if (is_write(op))
		fu_assert_buf(got, REGION, SLOT, 2, "data written after EAGAIN");
	else if (op == OP_WZ || op == OP_WZ_FUA || op == OP_DISCARD)
		fu_assert_zero(got, SLOT, "range zeroed after EAGAIN");
	else
		fu_assert_buf(got, REGION, SLOT, 1, "data left alone");
	free(got);
}

/* The file after a request that failed: untouched. */
static void check_untouched(void)
{
	fu_assert_raw(REGION, SLOT, 1, "data after a request that failed");
}

/*
 * Open the disk file, add the EAGAIN rule (count 0: every attempt) and
 * run one request of type op; returns its ret.
 */
static int run_op(enum op op, unsigned int count, struct blkio **bp,
		  struct blkioq **qp, uint8_t *buf)
{
	struct iovec iov[2];

	fu_ctl_ok("direct-io %d", ops[op].dio);
	fu_fill(REGION, SLOT, 1);
	if (is_write(op))
		fu_pattern(buf, REGION, SLOT, 2);
	else
		memset(buf, 0xa5, SLOT);
	*bp = fu_open(fu_fs->disk, false, false, 0, qp);
	fu_ctl_ok("rule op=%s start=%u len=%u err=EAGAIN count=%u",
		  ops[op].rule_op, REGION, SLOT, count);
	queue_op(*qp, op, buf, iov);
	return fu_wait1(*qp);
}

/* The first TRANSIENT attempts fail with EAGAIN: the request succeeds. */
START_TEST(transient_eagain)
{
	enum op op = (enum op)_i;
	uint8_t *buf = fu_alloc(SLOT);
	struct blkioq *q;
	struct blkio *b;
	int ret;

	ret = run_op(op, TRANSIENT, &b, &q, buf);
	ck_assert_msg(ret == 0, "%s with %d transient EAGAIN: ret %d (%s), "
		      "expected success", ops[op].name, TRANSIENT, ret,
		      strerror(-ret));
	ck_assert_msg(fu_rule_fired(0) == TRANSIENT, "%s: faultfs answered "
		      "EAGAIN %lld times, expected %d", ops[op].name,
		      fu_rule_fired(0), TRANSIENT);
	check_data(op, buf);
	ck_assert_int_eq(blkioq_do_io(q, NULL, 0, 0, NULL), 0);
	blkio_destroy(&b);
	free(buf);
}
END_TEST

/* Every attempt fails with EAGAIN: -EAGAIN after the retries, no hang. */
START_TEST(permanent_eagain)
{
	enum op op = (enum op)_i;
	uint8_t *buf = fu_alloc(SLOT);
	struct blkioq *q;
	struct blkio *b;
	long long fired;
	int ret;

	if (ops[op].dio && test_driver()->kernel_reissues_eagain) {
		printf("%s: permanent EAGAIN skipped: the %s driver's kernel "
		       "interface re-issues it without end\n", ops[op].name,
		       test_driver_name());
		free(buf);
		return;
	}
	ret = run_op(op, 0, &b, &q, buf);
	fired = fu_rule_fired(0);
	ck_assert_msg(ret == -EAGAIN, "%s with EAGAIN on every attempt: ret "
		      "%d (%s), expected -EAGAIN", ops[op].name, ret,
		      strerror(-ret));
	ck_assert_msg(fired > RETRIES, "%s: -EAGAIN after %lld attempts, "
		      "expected more than %d", ops[op].name, fired, RETRIES);
	check_untouched();
	/* Exactly once, and the queue still works without the rule. */
	ck_assert_int_eq(blkioq_do_io(q, NULL, 0, 0, NULL), 0);
	fu_ctl_ok("clear");
	ck_assert_int_eq(fu_read(q, REGION, buf, SLOT), 0);
	fu_assert_buf(buf, REGION, SLOT, 1, "read after the rule was cleared");
	blkio_destroy(&b);
	free(buf);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("fault-eagain");
	TCase *tc = tcase_create("eagain");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, transient_eagain, 0, NR_OPS);
	tcase_add_loop_test(tc, permanent_eagain, 0, NR_OPS);
	suite_add_tcase(s, tc);
	return s;
}

int main(int argc, char **argv)
{
	fu_init(argc, argv, 0, FS_SIZE, NULL);
	return fu_run_suite(suite());
}
