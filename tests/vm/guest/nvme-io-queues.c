/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * nvme-io's queue cases: poll queues (interrupt counts prove the
 * polling), several queues from several threads, the completion fd.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "irq-count.h"
#include "nvme-io.h"

static const struct io_case poll_cases[] = {
	{ 4096, 0, 1, 64, WAIT_ONE, 0 },
	{ 4096, 0, 16, 256, WAIT_ONE, 0 },
	{ 4096, 0, 32, 256, WAIT_ALL, 0 },
	{ 4096, 0, 32, 256, WAIT_POLL, 0 },
	{ 16384, 4, 8, 64, WAIT_POLL, 0 },
	{ 65536, 0, 8, 64, WAIT_ONE, BLKIO_REQ_FUA },
	{ 0, 0, 2, 8, WAIT_ONE, 0 },
};

static const struct io_case control_case = { 4096, 0, 8, 64, WAIT_ONE, 0 };

/*
 * One case with the NVMe interrupt count around it.  want_irqs: 0 means
 * none may be taken, 1 that some must be (the count can move), -1 that
 * the count is only shown.
 */
static void counted_case(const struct target *t, struct blkioq *q,
			 const char *qname, const struct io_case *c,
			 int want_irqs)
{
	size_t size = c->size ? c->size : (size_t)t->max_transfer;
	long long before = nvme_irq_count(), delta;
	char why[256] = "", name[160];
	bool ok;

	snprintf(name, sizeof(name), "%s", case_name(c, size));
	ok = io_case(q, c, size, t->lba, 16 << 20, why, sizeof(why));
	delta = nvme_irq_count() - before;
	if (!ok) {
		report(false, "%s: %s queue, %s: %s", t->ng, qname, name, why);
		return;
	}
	if (want_irqs == 0)
		report(delta == 0, "%s: %s queue, %s: data verified, nvme interrupts %+lld (want +0)",
		       t->ng, qname, name, delta);
	else if (want_irqs > 0)
		report(delta > 0, "%s: %s queue, %s: data verified, nvme interrupts %+lld (want > 0)",
		       t->ng, qname, name, delta);
	else
		report(true, "%s: %s queue, %s: data verified, nvme interrupts %+lld (not polled by the device)",
		       t->ng, qname, name, delta);
	if (want_irqs == 0 && delta != 0)
		nvme_irq_dump("      ");
}

void poll_queue_cases(const struct target *t)
{
	struct blkio *b = nvme_open(t->ng, false, 1, 1);
	struct blkioq *pq, *rq, *added;
	const char *msg = NULL;
	int ret, idx;

	if (!b)
		return;
	pq = blkio_get_poll_queue(b, 0);
	rq = blkio_get_queue(b, 0);
	if (!report(pq && rq && blkioq_get_completion_fd(pq) == -1,
		    "%s: a poll queue (no completion fd) and a queue after start",
		    t->ng))
		goto out;
	for (size_t i = 0; i < sizeof(poll_cases) / sizeof(poll_cases[0]); i++)
		counted_case(t, pq, t->polls ? "poll" : "busy-poll",
			     &poll_cases[i], t->polls ? 0 : -1);
	counted_case(t, rq, "regular", &control_case, 1);

	blkioq_flush(pq, NULL, 0);
	ret = wait1(pq, &msg);
	report(ret == -ENOTSUP && msg && strstr(msg, "poll queues"),
	       "%s: flush on a poll queue: %d%s (want -ENOTSUP)", t->ng, ret,
	       msg_of(msg));

	idx = blkio_add_poll_queue(b);
	added = idx >= 0 ? blkio_get_poll_queue(b, idx) : NULL;
	if (report(added != NULL, "%s: blkio_add_poll_queue: %d", t->ng, idx))
		counted_case(t, added, "added poll", &poll_cases[1],
			     t->polls ? 0 : -1);
out:
	blkio_destroy(&b);
}

struct worker {
	pthread_t thread;
	const struct target *t;
	struct blkioq *q;
	uint64_t base;
	bool ok;
	char why[256];
};

static const struct io_case thread_case = { 16384, 0, 16, 128, WAIT_ONE, 0 };

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	w->ok = io_case(w->q, &thread_case, thread_case.size, w->t->lba,
			w->base, w->why, sizeof(w->why));
	return NULL;
}

/* Queues of one instance used at once from their own threads. */
void multi_queue_cases(const struct target *t)
{
	enum { NQ = 3 };
	struct blkio *b = nvme_open(t->ng, false, NQ, 0);
	struct worker w[NQ + 1];
	int n = 0, idx;

	if (!b)
		return;
	idx = blkio_add_queue(b);
	report(idx == NQ, "%s: blkio_add_queue after %d queues: %d", t->ng,
	       NQ, idx);
	for (int i = 0; i <= NQ; i++) {
		w[i] = (struct worker){
			.t = t, .q = blkio_get_queue(b, i),
			.base = (uint64_t)i * (4 << 20),
		};
		if (!w[i].q || pthread_create(&w[i].thread, NULL, worker_main,
					      &w[i]) != 0)
			break;
		n++;
	}
	for (int i = 0; i < n; i++)
		pthread_join(w[i].thread, NULL);
	for (int i = 0; i < n; i++)
		report(w[i].ok, "%s: queue %d of %d, in its own thread, %s%s%s",
		       t->ng, i, NQ + 1,
		       case_name(&thread_case, thread_case.size),
		       w[i].ok ? "" : ": ", w[i].why);
	report(n == NQ + 1, "%s: %d threads started on %d queues", t->ng, n,
	       NQ + 1);
	blkio_destroy(&b);
}

/* The completion fd wakes a poll(2) and do_io then has the completion. */
void completion_fd_case(const struct target *t)
{
	struct blkio *b = nvme_open(t->ng, false, 1, 0);
	struct blkioq *q = b ? blkio_get_queue(b, 0) : NULL;
	struct blkio_completion c = { 0 };
	struct pollfd pfd;
	uint64_t count;
	void *buf;
	int n = 0, ready;

	if (!q)
		return;
	buf = xalloc(t->lba);
	pfd = (struct pollfd){ .fd = blkioq_get_completion_fd(q),
			       .events = POLLIN };
	blkioq_set_completion_fd_enabled(q, true);
	blkioq_read(q, 0, buf, t->lba, &c, 0);
	blkioq_do_io(q, NULL, 0, 0, NULL);	/* submit only */
	ready = poll(&pfd, 1, 10000);
	if (ready == 1 && read(pfd.fd, &count, sizeof(count)) == 8)
		n = blkioq_do_io(q, &c, 0, 1, NULL);
	report(pfd.fd >= 0 && ready == 1 && n == 1 && c.ret == 0,
	       "%s: completion fd %d readable (poll %d), then do_io(min=0) returns %d completion(s), ret %d",
	       t->ng, pfd.fd, ready, n, c.ret);
	free(buf);
	blkio_destroy(&b);
}
