/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * fuzz-vhost-user: the virtio-blk-vhost-user driver against a backend
 * that answers as the fuzz input says (vu-backend.c).  The library must
 * never crash, corrupt memory or hang, and every request it accepted
 * must complete exactly once: whatever the backend did, all of them come
 * back after it hangs up, and blkio_destroy() returns.
 *
 * Input: one configuration byte (queues, poll queue, queue size), then
 * bytes consumed by the backend's answers and by the steps below, in
 * whatever order the two sides ask for them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include <blkio.h>

#include "vu-backend.h"

#define MAX_REQS 64
#define REGION_LEN (1u << 20)

struct client {
	struct fb *fb;
	struct fz_input *in;
	struct blkio *b;
	struct blkioq *q[2];
	int nq;
	struct blkio_mem_region region;
	bool mapped;
	int nr_reqs;
	int queue_of[MAX_REQS];
	bool done[MAX_REQS];
	int outstanding[2];
	struct iovec iov[MAX_REQS][4];
	char heap[4096];
};

static struct fb fb;

static uint8_t take(struct client *c)
{
	uint8_t v;

	pthread_mutex_lock(&c->fb->lock);
	v = fz_u8(c->in);
	pthread_mutex_unlock(&c->fb->lock);
	return v;
}

static void completed(struct client *c, const struct blkio_completion *done,
		      int n, int qi)
{
	int i;

	for (i = 0; i < n; i++) {
		uintptr_t id = (uintptr_t)done[i].user_data;

		if (id < 1 || id > (uintptr_t)c->nr_reqs || c->done[id - 1] ||
		    c->queue_of[id - 1] != qi) {
			fprintf(stderr, "completion for request %lu: unknown or twice\n",
				(unsigned long)id);
			abort();
		}
		if (done[i].ret && !done[i].error_msg && done[i].ret != -ETIME) {
			/* every failure carries a message */
		}
		c->done[id - 1] = true;
		c->outstanding[qi]--;
	}
}

static void *buffer(struct client *c, size_t len)
{
	uint8_t where = take(c);

	if (where >= 240 || !c->mapped)
		return c->heap;		/* outside every region */
	return (char *)c->region.addr + (where * 4096u) % (REGION_LEN - len);
}

static void submit(struct client *c)
{
	int qi = take(c) % c->nq, id = c->nr_reqs + 1;
	struct blkioq *q = c->q[qi];
	uint8_t op = take(c) % 9, f = take(c);
	uint64_t start = (uint64_t)take(c) * 512 * (f & 0x80 ? 4099 : 1);
	size_t len = (size_t)(take(c) % 16 + (f & 0x40 ? 0 : 1)) * 512;
	struct iovec *iov = c->iov[c->nr_reqs];
	void *ud = (void *)(uintptr_t)id;
	uint32_t flags = f & 0x3;
	int i;

	if (f & 0x20)
		start += f & 0x1f;		/* misaligned */
	c->queue_of[c->nr_reqs++] = qi;
	c->outstanding[qi]++;
	switch (op) {
	case 0: blkioq_read(q, start, buffer(c, len), len, ud, 0); break;
	case 1: blkioq_write(q, start, buffer(c, len), len, ud, flags & 1); break;
	case 2:
	case 3:
		for (i = 0; i < 4; i++)
			iov[i] = (struct iovec){ buffer(c, len), len / 4 };
		if (op == 2)
			blkioq_readv(q, start, iov, 4, ud, 0);
		else
			blkioq_writev(q, start, iov, 4, ud, flags & 1);
		break;
	case 4: blkioq_write_zeroes(q, start, len << (f & 7), ud, flags); break;
	case 5: blkioq_discard(q, start, len << (f & 7), ud, 0); break;
	case 6: blkioq_flush(q, ud, 0); break;
	default:
		blkioq_write(q, start, buffer(c, len), len, ud, BLKIO_REQ_FUA);
		break;
	}
}

static void reap(struct client *c, int qi, bool wait)
{
	struct blkio_completion done[16];
	/* A deadline already passed: wait only as long as a spin. */
	struct timespec ts = { 0 };
	int n;

	n = blkioq_do_io(c->q[qi], done, wait && c->outstanding[qi] ? 1 : 0,
			 16, wait ? &ts : NULL);
	if (n > 0)
		completed(c, done, n, qi);
	else if (n < 0 && n != -ETIME) {
		fprintf(stderr, "do_io: %d %s\n", n, blkio_get_error_msg());
		abort();
	}
}

static void step(struct client *c)
{
	uint8_t op = take(c);
	int qi = op % c->nq;

	switch (op >> 5) {
	case 0: case 1:
		if (c->nr_reqs < MAX_REQS)
			submit(c);
		break;
	case 2: case 3: case 4:
		pthread_mutex_lock(&c->fb->lock);
		fb_device_step(c->fb, (unsigned)qi);
		pthread_mutex_unlock(&c->fb->lock);
		break;
	case 5:
		reap(c, qi, false);
		break;
	case 6:
		reap(c, qi, true);
		break;
	default:
		if (blkioq_get_completion_fd(c->q[qi]) >= 0)
			blkioq_set_completion_fd_enabled(c->q[qi], op & 1);
		break;
	}
}

/* After the backend hung up, everything outstanding must come back. */
static void drain(struct client *c)
{
	struct blkio_completion done[16];
	struct timespec ts;
	int qi, n;

	for (qi = 0; qi < c->nq; qi++) {
		while (c->outstanding[qi]) {
			ts = (struct timespec){ .tv_sec = 10 };
			n = blkioq_do_io(c->q[qi], done, 1, 16, &ts);
			if (n <= 0) {
				fprintf(stderr, "%d requests lost on queue %d: %d %s\n",
					c->outstanding[qi], qi, n,
					blkio_get_error_msg());
				abort();
			}
			completed(c, done, n, qi);
		}
	}
}

static bool open_instance(struct client *c, uint8_t cfg)
{
	int poll = (cfg >> 1) & 1;

	if (blkio_create("virtio-blk-vhost-user", &c->b) < 0 ||
	    blkio_set_str(c->b, "path", c->fb->sock) < 0 ||
	    blkio_connect(c->b) < 0)
		return false;
	c->nq = 1 + (cfg & 1);
	blkio_set_int(c->b, "queue-size", 1 << (2 + ((cfg >> 2) & 7)));
	blkio_set_int(c->b, "num-queues", c->nq - poll);
	blkio_set_int(c->b, "num-poll-queues", poll);
	if (blkio_start(c->b) < 0)
		return false;
	c->q[0] = c->nq - poll > 0 ? blkio_get_queue(c->b, 0) :
				     blkio_get_poll_queue(c->b, 0);
	if (c->nq == 2)
		c->q[1] = poll ? blkio_get_poll_queue(c->b, 0) :
				 blkio_get_queue(c->b, 1);
	if (!c->q[0] || (c->nq == 2 && !c->q[1]))
		abort();
	if (blkio_alloc_mem_region(c->b, &c->region, REGION_LEN) == 0)
		c->mapped = blkio_map_mem_region(c->b, &c->region) == 0;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct fz_input in = { .data = data, .len = size };
	struct client *c;
	int i;

	if (!ready) {
		if (fb_init(&fb) < 0) {
			perror("fuzz-vhost-user: backend socket");
			abort();
		}
		ready = true;
	}
	if (!size)
		return 0;
	c = calloc(1, sizeof(*c));
	c->fb = &fb;
	c->in = &in;
	in.pos = 1;
	if (fb_serve(&fb, &in) != 0)
		abort();
	if (open_instance(c, data[0])) {
		if (getenv("FUZZ_VU_DEBUG"))
			fprintf(stderr, "started: %d queues\n", c->nq);
		fb_quiesce(&fb);
		for (i = 0; i < 256 && !fz_done(&in); i++)
			step(c);
		fb_finish(&fb);
		drain(c);
	} else {
		if (getenv("FUZZ_VU_DEBUG"))
			fprintf(stderr, "not started: %s\n", blkio_get_error_msg());
		fb_finish(&fb);
	}
	blkio_destroy(&c->b);
	free(c);
	return 0;
}
