/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * event-loop-uring-poll.c - an event loop built on the application's own
 * io_uring, watching blkio's completion fd with IORING_OP_POLL_ADD.
 *
 * Event loops that already run on io_uring (QEMU's fdmon-io_uring is one)
 * do not use epoll: they add a one-shot poll request for each fd they
 * watch and add it again after it fires.  The blkio side is the same as
 * with epoll: reset the eventfd, disable notifications, drain, enable,
 * drain again.  The application's ring is separate from the rings blkio
 * uses internally; the two never share submission or completion queues.
 *
 * Usage: event-loop-uring-poll [PATH]
 * PATH is overwritten.  Without PATH a scratch file is used.
 * Build: cc ... $(pkg-config --cflags --libs blkio liburing)
 */
#include <liburing.h>
#include <poll.h>
#include <stdint.h>

#include "example-common.h"

#define NR_REQS 16
#define BLOCK 4096

static struct io_uring ring;	/* the application's event loop */
static bool poll_armed;
static struct blkioq *q;
static int pending;		/* blkio requests not completed yet */

/* Asks the application's ring to tell us when the completion fd fires. */
static void arm_poll(int fd)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
	int ret;

	io_uring_prep_poll_add(sqe, fd, POLLIN);
	io_uring_sqe_set_data(sqe, &q);	/* any tag; there is one source */
	ret = io_uring_submit(&ring);
	if (ret < 0)
		die("io_uring_submit", ret);
	poll_armed = true;
}

/* Takes every completion that is ready, without waiting for more. */
static void drain(void)
{
	struct blkio_completion c[NR_REQS];
	int n;

	do {
		n = blkioq_do_io(q, c, 0, NR_REQS, NULL);
		if (n < 0)
			die("blkioq_do_io", n);
		for (int i = 0; i < n; i++) {
			if (c[i].ret < 0)
				die_request(&c[i]);
		}
		pending -= n;
	} while (n > 0);
}

static void on_completion_fd(int fd)
{
	uint64_t count;

	if (read(fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		die_errno("read completion fd");
	blkioq_set_completion_fd_enabled(q, false);
	drain();
	blkioq_set_completion_fd_enabled(q, true);
	drain();	/* re-check after enabling: nothing may slip through */
}

static void run_loop(int fd)
{
	struct __kernel_timespec ts = { .tv_sec = 10 };
	struct io_uring_cqe *cqe;
	int ret, res;

	ret = blkioq_do_io(q, NULL, 0, 0, NULL);	/* submit only */
	if (ret < 0)
		die("blkioq_do_io (submit)", ret);

	while (pending > 0) {
		if (!poll_armed)
			arm_poll(fd);
		ret = io_uring_wait_cqe_timeout(&ring, &cqe, &ts);
		if (ret == -EINTR)
			continue;
		if (ret == -ETIME) {
			fprintf(stderr, "no completion within 10 s\n");
			exit(1);
		}
		if (ret < 0)
			die("io_uring_wait_cqe_timeout", ret);
		res = cqe->res;
		io_uring_cqe_seen(&ring, cqe);
		poll_armed = false;	/* POLL_ADD without MULTI is one-shot */
		if (res < 0)
			die("IORING_OP_POLL_ADD", res);
		on_completion_fd(fd);
	}
}

static void run(const char *path)
{
	unsigned char *wbuf, *rbuf;
	struct blkio *b;
	int fd, ret;

	b = example_start(path);
	q = blkio_get_queue(b, 0);
	fd = blkioq_get_completion_fd(q);
	blkioq_set_completion_fd_enabled(q, true);

	ret = io_uring_queue_init(8, &ring, 0);
	if (ret < 0)
		die("io_uring_queue_init", ret);

	wbuf = alloc_aligned(BLOCK, NR_REQS * BLOCK);
	rbuf = alloc_aligned(BLOCK, NR_REQS * BLOCK);
	for (int i = 0; i < NR_REQS * BLOCK; i++)
		wbuf[i] = (unsigned char)(i / BLOCK * 3 + i);
	memset(rbuf, 0, NR_REQS * BLOCK);

	for (int i = 0; i < NR_REQS; i++, pending++)
		blkioq_write(q, i * BLOCK, wbuf + i * BLOCK, BLOCK, NULL, 0);
	run_loop(fd);
	for (int i = 0; i < NR_REQS; i++, pending++)
		blkioq_read(q, i * BLOCK, rbuf + i * BLOCK, BLOCK, NULL, 0);
	run_loop(fd);

	if (memcmp(wbuf, rbuf, NR_REQS * BLOCK) != 0) {
		fprintf(stderr, "data read back differs from data written\n");
		exit(1);
	}

	/* Tearing down the ring cancels a poll that is still armed. */
	io_uring_queue_exit(&ring);
	blkio_destroy(&b);
	free(wbuf);
	free(rbuf);
}

int main(int argc, char **argv)
{
	run(example_path(argc, argv));
	printf("event-loop-uring-poll: %d writes and %d reads verified\n",
	       NR_REQS, NR_REQS);
	return 0;
}
