/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * event-loop-epoll.c - reap completions from an epoll event loop.
 *
 * A program with an event loop does not block in blkioq_do_io().  It
 * queues requests, submits them without waiting, and watches the queue's
 * completion fd (an eventfd) with epoll.  When the fd becomes readable it
 * resets it, turns notifications off while it drains the queue, turns them
 * back on and drains once more: a completion that arrived just before
 * notifications were re-enabled is found by that last check instead of
 * being left behind until some unrelated wakeup.
 *
 * Usage: event-loop-epoll [PATH]
 * PATH is overwritten.  Without PATH a scratch file is used.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/epoll.h>

#include "example-common.h"

#define NR_REQS 16
#define BLOCK 4096

static struct blkioq *q;
static int pending;		/* requests queued but not completed yet */

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

/* The completion fd is readable. */
static void on_completion_fd(int fd)
{
	uint64_t count;

	/* Reset the eventfd first, so later completions signal it again. */
	if (read(fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		die_errno("read completion fd");

	blkioq_set_completion_fd_enabled(q, false);
	drain();
	blkioq_set_completion_fd_enabled(q, true);
	drain();	/* the re-check: nothing may slip through */
}

/* Runs the event loop until every queued request has completed. */
static void run_loop(int epfd, int fd)
{
	struct epoll_event ev;
	int n;

	/* Submit what is queued; do not wait and do not reap. */
	n = blkioq_do_io(q, NULL, 0, 0, NULL);
	if (n < 0)
		die("blkioq_do_io (submit)", n);

	while (pending > 0) {
		n = epoll_wait(epfd, &ev, 1, 10 * 1000);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die_errno("epoll_wait");
		if (n == 0) {
			fprintf(stderr, "no completion within 10 s\n");
			exit(1);
		}
		on_completion_fd(fd);	/* the only fd in this loop */
	}
}

static void run(const char *path)
{
	struct epoll_event ev = { .events = EPOLLIN };
	unsigned char *wbuf, *rbuf;
	struct blkio *b;
	int epfd, fd;

	b = example_start(path);
	q = blkio_get_queue(b, 0);

	fd = blkioq_get_completion_fd(q);
	blkioq_set_completion_fd_enabled(q, true);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		die_errno("epoll");

	wbuf = alloc_aligned(BLOCK, NR_REQS * BLOCK);
	rbuf = alloc_aligned(BLOCK, NR_REQS * BLOCK);
	for (int i = 0; i < NR_REQS * BLOCK; i++)
		wbuf[i] = (unsigned char)(i / BLOCK + i);
	memset(rbuf, 0, NR_REQS * BLOCK);

	for (int i = 0; i < NR_REQS; i++, pending++)
		blkioq_write(q, i * BLOCK, wbuf + i * BLOCK, BLOCK, NULL, 0);
	run_loop(epfd, fd);

	for (int i = 0; i < NR_REQS; i++, pending++)
		blkioq_read(q, i * BLOCK, rbuf + i * BLOCK, BLOCK, NULL, 0);
	run_loop(epfd, fd);

	if (memcmp(wbuf, rbuf, NR_REQS * BLOCK) != 0) {
		fprintf(stderr, "data read back differs from data written\n");
		exit(1);
	}

	close(epfd);
	blkio_destroy(&b);	/* also closes the completion fd */
	free(wbuf);
	free(rbuf);
}

int main(int argc, char **argv)
{
	run(example_path(argc, argv));
	printf("event-loop-epoll: %d writes and %d reads verified\n",
	       NR_REQS, NR_REQS);
	return 0;
}
