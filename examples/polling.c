/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * polling.c - reap completions by polling from the application.
 *
 * A thread that owns a queue and has nothing better to do can skip the
 * completion fd altogether: it calls blkioq_do_io() with
 * min_completions = 0 in a loop.  Each call submits what is queued and
 * returns whatever has completed, without ever sleeping.  Nobody waits on
 * the completion fd, so notifications are switched off; that saves the
 * kernel an eventfd write per completion.
 *
 * This is polling in the application, on a regular queue.  Poll queues
 * (num-poll-queues, supports-poll-queues) go further and poll the device
 * itself; the loop below works unchanged on one of those.
 *
 * Usage: polling [PATH]
 * PATH is overwritten.  Without PATH a scratch file is used.
 */
#include <stdint.h>
#include <time.h>

#include "example-common.h"

#define NR_REQS 32
#define BLOCK 4096

/* Spins until nr requests have completed; returns the number of calls. */
static unsigned long poll_until_done(struct blkioq *q, int nr)
{
	struct blkio_completion c[NR_REQS];
	time_t deadline = time(NULL) + 10;
	unsigned long calls = 0;
	int n;

	while (nr > 0) {
		n = blkioq_do_io(q, c, 0, NR_REQS, NULL);
		if (n < 0)
			die("blkioq_do_io", n);
		for (int i = 0; i < n; i++) {
			if (c[i].ret < 0)
				die_request(&c[i]);
		}
		nr -= n;
		calls++;

		/* A real program would do its other work here. */
		if ((calls & 0xfff) == 0 && time(NULL) > deadline) {
			fprintf(stderr, "requests still pending after 10 s\n");
			exit(1);
		}
	}
	return calls;
}

static void run(const char *path)
{
	unsigned char *wbuf, *rbuf;
	unsigned long calls;
	struct blkioq *q;
	struct blkio *b;

	b = example_start(path);
	q = blkio_get_queue(b, 0);

	/* Only a hint: the fd may still become readable; nobody looks. */
	blkioq_set_completion_fd_enabled(q, false);

	wbuf = alloc_aligned(BLOCK, NR_REQS * BLOCK);
	rbuf = alloc_aligned(BLOCK, NR_REQS * BLOCK);
	for (int i = 0; i < NR_REQS * BLOCK; i++)
		wbuf[i] = (unsigned char)(i ^ (i / BLOCK));
	memset(rbuf, 0, NR_REQS * BLOCK);

	for (int i = 0; i < NR_REQS; i++)
		blkioq_write(q, i * BLOCK, wbuf + i * BLOCK, BLOCK, NULL, 0);
	calls = poll_until_done(q, NR_REQS);
	printf("polling: %d writes took %lu blkioq_do_io calls\n", NR_REQS,
	       calls);

	for (int i = 0; i < NR_REQS; i++)
		blkioq_read(q, i * BLOCK, rbuf + i * BLOCK, BLOCK, NULL, 0);
	calls = poll_until_done(q, NR_REQS);
	printf("polling: %d reads took %lu blkioq_do_io calls\n", NR_REQS,
	       calls);

	if (memcmp(wbuf, rbuf, NR_REQS * BLOCK) != 0) {
		fprintf(stderr, "data read back differs from data written\n");
		exit(1);
	}
	blkio_destroy(&b);
	free(wbuf);
	free(rbuf);
}

int main(int argc, char **argv)
{
	run(example_path(argc, argv));
	printf("polling: data verified\n");
	return 0;
}
