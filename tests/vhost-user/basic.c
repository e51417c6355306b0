/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * virtio-blk-vhost-user against qemu-storage-daemon: properties, data
 * integrity (checked against the exported file itself), FUA, vectored
 * requests larger than the device's segment limit, buffers outside the
 * mapped regions, alignment, discard, flush, read-only, every queue,
 * poll queues, the backlog and the completion fd.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "vu-test.h"

static int get_int(struct blkio *b, const char *name)
{
	int v = -1;

	ck_assert_msg(blkio_get_int(b, name, &v) == 0, "%s: %s", name,
		      blkio_get_error_msg());
	return v;
}

static uint64_t get_u64(struct blkio *b, const char *name)
{
	uint64_t v = 0;

	ck_assert_msg(blkio_get_uint64(b, name, &v) == 0, "%s: %s", name,
		      blkio_get_error_msg());
	return v;
}

static bool get_bool(struct blkio *b, const char *name)
{
	bool v = false;

	ck_assert_msg(blkio_get_bool(b, name, &v) == 0, "%s: %s", name,
		      blkio_get_error_msg());
	return v;
}

/* libblkio's created-state values (contract 6.5). */
START_TEST(created_state)
{
	struct blkio *b;
	uint64_t u;
	int i;

	ck_assert_int_eq(blkio_create("virtio-blk-vhost-user", &b), 0);
	ck_assert_int_eq(get_int(b, "queue-size"), 256);
	ck_assert_int_eq(get_int(b, "max-queue-size"), 32768);
	ck_assert_int_eq(get_int(b, "request-alignment"), 512);
	ck_assert_int_eq(get_int(b, "max-segments"), 1);
	ck_assert_int_eq(get_int(b, "buf-alignment"), 1);
	ck_assert_int_eq(get_u64(b, "mem-region-alignment"), 1);
	ck_assert(get_bool(b, "needs-mem-regions"));
	ck_assert(get_bool(b, "needs-mem-region-fd"));
	ck_assert(get_bool(b, "may-pin-mem-regions"));
	ck_assert(get_bool(b, "supports-poll-queues"));
	ck_assert(!get_bool(b, "can-add-queues"));
	ck_assert(!get_bool(b, "supports-fua-natively"));
	ck_assert_int_eq(get_int(b, "fd"), -1);
	ck_assert_int_eq(blkio_set_int(b, "fd", 3), -ENOENT);
	ck_assert_str_eq(blkio_get_error_msg(), "fd property not supported");
	ck_assert_int_eq(blkio_get_int(b, "max-queues", &i), -ENODEV);
	ck_assert_int_eq(blkio_get_uint64(b, "max-mem-regions", &u), -ENODEV);
	ck_assert_int_eq(blkio_get_uint64(b, "capacity", &u), -ENODEV);
	ck_assert_int_eq(blkio_set_bool(b, "direct", true), -ENOENT);
	blkio_destroy(&b);
}
END_TEST

START_TEST(connected_properties)
{
	struct vut_opts o = { .no_start = true };
	struct vut t;

	vut_setup(&t, &o);
	ck_assert_uint_eq(get_u64(t.b, "capacity"), t.size);
	ck_assert_int_eq(get_int(t.b, "max-queues"), vut_export_queues());
	ck_assert_int_eq(get_int(t.b, "request-alignment"), 512);
	ck_assert_int_ge(get_int(t.b, "max-segments"), 1);
	ck_assert_uint_ge(get_u64(t.b, "max-mem-regions"), 7);
	ck_assert_uint_gt(get_u64(t.b, "max-write-zeroes-len"), 0);
	ck_assert_uint_gt(get_u64(t.b, "max-discard-len"), 0);
	ck_assert(get_bool(t.b, "flush-needed"));
	/* queue-size: a power of two up to max-queue-size. */
	ck_assert_int_eq(blkio_set_int(t.b, "queue-size", 100), -EINVAL);
	ck_assert_int_eq(blkio_set_int(t.b, "queue-size", 0), -EINVAL);
	ck_assert_int_eq(blkio_set_int(t.b, "queue-size", 65536), -EINVAL);
	ck_assert_int_eq(blkio_set_int(t.b, "queue-size", 64), 0);
	/* More queues than the device has. */
	ck_assert_int_eq(blkio_set_int(t.b, "num-queues",
				       vut_export_queues() + 1), 0);
	ck_assert_int_eq(blkio_start(t.b), -EINVAL);
	ck_assert_int_eq(blkio_set_int(t.b, "num-queues", 0), 0);
	ck_assert_int_eq(blkio_start(t.b), -EINVAL);
	ck_assert_str_eq(blkio_get_error_msg(),
			 "At least one of num_queues and num_poll_queues must be greater than 0");
	vut_teardown(&t);
}
END_TEST

/* Writes land in the file; what the file holds is read back. */
START_TEST(data_integrity)
{
	struct vut_opts o = { .seed = 7 };
	struct blkio_completion c[64];
	struct blkioq *q;
	struct vut t;
	char *check;
	int i;

	vut_setup(&t, &o);
	q = blkio_get_queue(t.b, 0);
	blkioq_read(q, 1 << 20, t.buf, 1 << 20, NULL, 0);
	vut_wait(q, NULL, 0);
	ck_assert_uint_eq(test_check(t.buf, 1 << 20, 1 << 20, 7), 1 << 20);

	for (i = 0; i < 64; i++) {
		test_fill(t.buf + i * 65536, 65536, (uint64_t)i * 65536, 9);
		blkioq_write(q, (uint64_t)i * 65536, t.buf + i * 65536, 65536,
			     (void *)(uintptr_t)i, i % 2 ? BLKIO_REQ_FUA : 0);
	}
	vut_wait_n(q, c, 64);
	for (i = 0; i < 64; i++)
		ck_assert_int_eq(c[i].ret, 0);
	check = malloc(4 << 20);
	vut_pread(&t, check, 4 << 20, 0);
	ck_assert_uint_eq(test_check(check, 4 << 20, 0, 9), 4 << 20);
	free(check);
	vut_teardown(&t);
}
END_TEST

/*
 * More iovecs than max-segments, and elements smaller than a block:
 * the request goes in pieces that end on block boundaries.
 */
START_TEST(vectored_split)
{
	struct vut_opts o = { .seed = 3 };
	const int n = 1000;
	struct iovec *iov = calloc(n, sizeof(*iov));
	struct blkioq *q;
	struct vut t;
	size_t len = 0;
	int i;

	vut_setup(&t, &o);
	q = blkio_get_queue(t.b, 0);
	/* 1000 elements of 100..611 bytes, 512-aligned in total. */
	for (i = 0; i < n; i++) {
		iov[i].iov_base = t.buf + len;
		iov[i].iov_len = 100 + (size_t)(i * 7919) % 512;
		len += iov[i].iov_len;
	}
	iov[n - 1].iov_len += 512 - len % 512;
	len += 512 - len % 512;
	blkioq_readv(q, 8192, iov, n, NULL, 0);
	vut_wait(q, NULL, 0);
	ck_assert_uint_eq(test_check(t.buf, len, 8192, 3), len);

	test_fill(t.buf, len, 8192, 11);
	blkioq_writev(q, 8192, iov, n, NULL, BLKIO_REQ_FUA);
	vut_wait(q, NULL, 0);
	memset(t.buf + len, 0, len);
	vut_pread(&t, t.buf + len, len, 8192);
	ck_assert_uint_eq(test_check(t.buf + len, len, 8192, 11), len);
	free(iov);
	vut_teardown(&t);
}
END_TEST

/* Nothing outside a mapped region reaches the backend. */
START_TEST(buffer_outside_regions)
{
	struct vut_opts o = { 0 };
	char *heap = malloc(8192);
	struct iovec iov[2];
	struct blkioq *q;
	struct vut t;

	vut_setup(&t, &o);
	q = blkio_get_queue(t.b, 0);
	blkioq_read(q, 0, heap, 4096, heap, 0);
	vut_wait(q, heap, -EFAULT);
	/* Straddling the end of the region. */
	blkioq_write(q, 0, t.buf + t.region.len - 512, 1024, NULL, 0);
	vut_wait(q, NULL, -EFAULT);
	iov[0] = (struct iovec){ t.buf, 512 };
	iov[1] = (struct iovec){ heap, 512 };
	blkioq_readv(q, 0, iov, 2, NULL, 0);
	vut_wait(q, NULL, -EFAULT);
	/* After unmapping, the region's memory is refused too. */
	blkio_unmap_mem_region(t.b, &t.region);
	blkioq_read(q, 0, t.buf, 4096, NULL, 0);
	vut_wait(q, NULL, -EFAULT);
	ck_assert_int_eq(blkio_map_mem_region(t.b, &t.region), 0);
	blkioq_read(q, 0, t.buf, 4096, NULL, 0);
	vut_wait(q, NULL, 0);
	free(heap);
	vut_teardown(&t);
}
END_TEST

START_TEST(misaligned)
{
	struct vut_opts o = { 0 };
	struct blkioq *q;
	struct vut t;

	vut_setup(&t, &o);
	q = blkio_get_queue(t.b, 0);
	blkioq_read(q, 100, t.buf, 512, NULL, 0);
	vut_wait(q, NULL, -EINVAL);
	blkioq_write(q, 0, t.buf, 100, NULL, 0);
	vut_wait(q, NULL, -EINVAL);
	blkioq_discard(q, 0, 100, NULL, 0);
	vut_wait(q, NULL, -EINVAL);
	/* Past the end: the device says so. */
	blkioq_read(q, t.size, t.buf, 4096, NULL, 0);
	vut_wait(q, NULL, -EIO);
	vut_teardown(&t);
}
END_TEST

START_TEST(discard_flush)
{
	struct vut_opts o = { .seed = 5 };
	struct blkioq *q;
	struct vut t;

	vut_setup(&t, &o);
	q = blkio_get_queue(t.b, 0);
	blkioq_discard(q, 1 << 20, 1 << 20, NULL, 0);
	vut_wait(q, NULL, 0);
	blkioq_flush(q, NULL, 0);
	vut_wait(q, NULL, 0);
	vut_teardown(&t);
}
END_TEST

START_TEST(read_only)
{
	struct vut_opts o = { .read_only = true, .seed = 2 };
	struct blkioq *q;
	struct vut t;

	vut_setup(&t, &o);
	q = blkio_get_queue(t.b, 0);
	blkioq_write(q, 0, t.buf, 4096, NULL, 0);
	vut_wait(q, NULL, -EBADF);
	blkioq_write_zeroes(q, 0, 4096, NULL, 0);
	vut_wait(q, NULL, -EBADF);
	blkioq_read(q, 0, t.buf, 4096, NULL, 0);
	vut_wait(q, NULL, 0);
	ck_assert_uint_eq(test_check(t.buf, 4096, 0, 2), 4096);
	blkioq_flush(q, NULL, 0);
	vut_wait(q, NULL, 0);
	vut_teardown(&t);
}
END_TEST

/* A read-only device wants read-only=true (libblkio: -EROFS at start). */
START_TEST(read_only_device)
{
	struct qsd_opts qo = { .num_queues = 1, .read_only = true };
	struct vut_opts o = { .no_start = true };
	struct vut t;
	char why[256];

	vut_setup(&t, &o);
	blkio_destroy(&t.b);
	qsd_stop(&t.qsd);
	ck_assert_int_eq(qsd_start(&t.qsd, t.file, &qo, why, sizeof(why)), 0);
	ck_assert_int_eq(blkio_create("virtio-blk-vhost-user", &t.b), 0);
	ck_assert_int_eq(blkio_set_str(t.b, "path", t.qsd.sock), 0);
	ck_assert_int_eq(blkio_connect(t.b), 0);
	ck_assert_int_eq(blkio_start(t.b), -EROFS);
	vut_teardown(&t);
}
END_TEST

/* Every queue the device has, and poll queues. */
START_TEST(all_queues)
{
	int nq = vut_export_queues();
	struct vut_opts o = { .seed = 4, .num_queues = nq > 1 ? nq - 1 : 1,
			      .num_poll_queues = nq > 1 ? 1 : 0 };
	struct blkioq *q;
	struct vut t;
	int i;

	vut_setup(&t, &o);
	for (i = 0; i < nq; i++) {
		bool poll = i >= o.num_queues;

		q = poll ? blkio_get_poll_queue(t.b, i - o.num_queues) :
			   blkio_get_queue(t.b, i);
		ck_assert_ptr_nonnull(q);
		if (poll)
			ck_assert_int_eq(blkioq_get_completion_fd(q), -1);
		blkioq_read(q, (uint64_t)i << 16, t.buf, 65536, NULL, 0);
		vut_wait(q, NULL, 0);
		ck_assert_uint_eq(test_check(t.buf, 65536, (uint64_t)i << 16, 4),
				  65536);
		blkioq_write_zeroes(q, (uint64_t)i << 16, 4096, NULL, 0);
		vut_wait(q, NULL, 0);
		blkioq_flush(q, NULL, 0);
		vut_wait(q, NULL, 0);
	}
	vut_teardown(&t);
}
END_TEST

/* Far more requests than descriptors: each completes exactly once. */
START_TEST(backlog)
{
	struct vut_opts o = { .seed = 6, .no_start = true };
	const int n = 1000;
	struct blkio_completion *c = calloc(n, sizeof(*c));
	char *seen = calloc(n, 1);
	struct blkioq *q;
	struct vut t;
	int i;

	vut_setup(&t, &o);
	ck_assert_int_eq(blkio_set_int(t.b, "queue-size", 16), 0);
	vut_start(&t, &o);
	q = blkio_get_queue(t.b, 0);
	for (i = 0; i < n; i++)
		blkioq_read(q, (uint64_t)(i % 4096) * 4096,
			    t.buf + (i % 4096) * 4096, 4096,
			    (void *)(uintptr_t)(i + 1), 0);
	vut_wait_n(q, c, n);
	for (i = 0; i < n; i++) {
		uintptr_t id = (uintptr_t)c[i].user_data;

		ck_assert_int_eq(c[i].ret, 0);
		ck_assert(id >= 1 && id <= (uintptr_t)n && !seen[id - 1]);
		seen[id - 1] = 1;
	}
	ck_assert_int_eq(blkioq_do_io(q, c, 0, 1, NULL), 0);
	free(seen);
	free(c);
	vut_teardown(&t);
}
END_TEST

/*
 * Wait on the fd like an event loop: poll, read, reap; spurious wakeups
 * are allowed (libvhost-user signals every call fd it is given once).
 */
static void event_wait(struct blkioq *q, int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct blkio_completion c;
	uint64_t v;
	int i, n;

	for (i = 0; i < 10; i++) {
		ck_assert_msg(poll(&p, 1, 10000) == 1, "no wakeup");
		ck_assert_int_eq(read(fd, &v, sizeof(v)), 8);
		n = blkioq_do_io(q, &c, 0, 1, NULL);
		ck_assert_int_ge(n, 0);
		if (n == 1) {
			ck_assert_int_eq(c.ret, 0);
			return;
		}
	}
	ck_abort_msg("10 wakeups without a completion");
}

/*
 * Notifications start disabled; once enabled, a completion makes the fd
 * readable, also one that came while they were off.
 */
START_TEST(completion_fd)
{
	struct vut_opts o = { 0 };
	struct blkio_completion c;
	struct pollfd p;
	struct blkioq *q;
	uint64_t v;
	struct vut t;
	int fd;

	vut_setup(&t, &o);
	q = blkio_get_queue(t.b, 0);
	fd = blkioq_get_completion_fd(q);
	ck_assert_int_ge(fd, 0);
	blkioq_set_completion_fd_enabled(q, true);
	blkioq_read(q, 0, t.buf, 4096, NULL, 0);
	ck_assert_int_eq(blkioq_do_io(q, NULL, 0, 0, NULL), 0);
	event_wait(q, fd);

	/* Completed while disabled: enabling must signal. */
	blkioq_set_completion_fd_enabled(q, false);
	blkioq_read(q, 0, t.buf, 4096, NULL, 0);
	ck_assert_int_eq(blkioq_do_io(q, NULL, 0, 0, NULL), 0);
	usleep(100000);
	while (read(fd, &v, sizeof(v)) == 8)
		;
	blkioq_set_completion_fd_enabled(q, true);
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	ck_assert_int_eq(poll(&p, 1, 0), 1);
	ck_assert_int_eq(blkioq_do_io(q, &c, 0, 1, NULL), 1);
	vut_teardown(&t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vhost-user");
	TCase *tc = tcase_create("basic");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, created_state);
	tcase_add_test(tc, connected_properties);
	tcase_add_test(tc, data_integrity);
	tcase_add_test(tc, vectored_split);
	tcase_add_test(tc, buffer_outside_regions);
	tcase_add_test(tc, misaligned);
	tcase_add_test(tc, discard_flush);
	tcase_add_test(tc, read_only);
	tcase_add_test(tc, read_only_device);
	tcase_add_test(tc, all_queues);
	tcase_add_test(tc, backlog);
	tcase_add_test(tc, completion_fd);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
