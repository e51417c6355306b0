/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Data cases of nvme-io: write a pattern with many requests in flight,
 * read it back and compare (see nvme-io.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>

#include "nvme-io.h"

#define MAX_DEPTH 64
#define MAX_SEGS 16
/* A busy-polling loop that sees nothing this long has lost a request. */
#define STALL_NS (30 * 1000000000LL)

struct slot {
	struct iovec iov[MAX_SEGS];
	uint64_t off;
};

struct run {
	struct blkioq *q;
	const struct io_case *c;
	size_t size;
	int nseg;
	uint64_t base;
	uint64_t seed;
	char *why;
	size_t whylen;
};

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Segments of uneven lengths (multiples of lba) that add up to size. */
static void split(struct slot *s, size_t size, int nseg, unsigned lba)
{
	size_t each = size / (size_t)nseg / lba * lba, used = 0;

	for (int i = 0; i < nseg; i++) {
		size_t len = i == nseg - 1 ? size - used :
			     (i % 2 ? each - lba : each + lba);

		if (len == 0 || len > size - used)
			len = lba;
		s->iov[i].iov_len = len;
		used += len;
	}
}

static struct slot *alloc_slots(const struct run *r, unsigned lba)
{
	struct slot *slots = calloc((size_t)r->c->depth, sizeof(*slots));

	if (!slots)
		exit(2);
	for (int i = 0; i < r->c->depth; i++) {
		if (r->c->segs)
			split(&slots[i], r->size, r->nseg, lba);
		else
			slots[i].iov[0].iov_len = r->size;
		for (int j = 0; j < r->nseg; j++)
			slots[i].iov[j].iov_base = xalloc(slots[i].iov[j].iov_len);
	}
	return slots;
}

static void free_slots(const struct run *r, struct slot *slots)
{
	for (int i = 0; i < r->c->depth; i++)
		for (int j = 0; j < r->nseg; j++)
			free(slots[i].iov[j].iov_base);
	free(slots);
}

static void enqueue(struct run *r, struct slot *s, bool write)
{
	uint64_t off = s->off;

	for (int i = 0; i < r->nseg; i++) {
		if (write)
			pattern_fill(s->iov[i].iov_base, s->iov[i].iov_len,
				     off, r->seed);
		else	/* poison: a read that moves nothing cannot pass */
			memset(s->iov[i].iov_base, 0xa5, s->iov[i].iov_len);
		off += s->iov[i].iov_len;
	}
	if (r->c->segs && write)
		blkioq_writev(r->q, s->off, s->iov, r->nseg, s, r->c->flags);
	else if (r->c->segs)
		blkioq_readv(r->q, s->off, s->iov, r->nseg, s, 0);
	else if (write)
		blkioq_write(r->q, s->off, s->iov[0].iov_base, r->size, s,
			     r->c->flags);
	else
		blkioq_read(r->q, s->off, s->iov[0].iov_base, r->size, s, 0);
}

static bool check(struct run *r, const struct blkio_completion *c, bool write)
{
	const struct slot *s = c->user_data;
	uint64_t off = s->off;

	if (c->ret != 0) {
		snprintf(r->why, r->whylen, "%s at %llu: %s%s",
			 write ? "write" : "read", (unsigned long long)s->off,
			 strerror(-c->ret), msg_of(c->error_msg));
		return false;
	}
	for (int i = 0; !write && i < r->nseg; i++) {
		long long bad = pattern_bad(s->iov[i].iov_base,
					    s->iov[i].iov_len, off, r->seed);

		if (bad >= 0) {
			snprintf(r->why, r->whylen,
				 "read at %llu: data differs at device offset %llu",
				 (unsigned long long)s->off,
				 (unsigned long long)(off + (uint64_t)bad));
			return false;
		}
		off += s->iov[i].iov_len;
	}
	return true;
}

/* Write (or read back) c->count requests, c->depth at a time. */
static bool phase(struct run *r, struct slot *slots, bool write)
{
	struct blkio_completion comp[MAX_DEPTH];
	struct slot *free_list[MAX_DEPTH];
	int nfree = r->c->depth, issued = 0, done = 0, inflight = 0;
	long long progress = now_ns();

	for (int i = 0; i < r->c->depth; i++)
		free_list[i] = &slots[i];
	while (done < r->c->count) {
		int min, n;

		while (nfree > 0 && issued < r->c->count) {
			struct slot *s = free_list[--nfree];

			s->off = r->base + (uint64_t)issued++ * r->size;
			enqueue(r, s, write);
			inflight++;
		}
		min = r->c->wait == WAIT_ONE ? 1 :
		      r->c->wait == WAIT_ALL ? inflight : 0;
		n = blkioq_do_io(r->q, comp, min, MAX_DEPTH, NULL);
		if (n < min || n > inflight) {
			snprintf(r->why, r->whylen,
				 "blkioq_do_io returned %d (min %d, %d in flight): %s",
				 n, min, inflight, n < 0 ? blkio_get_error_msg() : "");
			return false;
		}
		if (n == 0 && now_ns() - progress > STALL_NS) {
			snprintf(r->why, r->whylen,
				 "no completion for 30 s, %d in flight", inflight);
			return false;
		}
		if (n > 0)
			progress = now_ns();
		for (int i = 0; i < n; i++) {
			if (!check(r, &comp[i], write))
				return false;
			free_list[nfree++] = comp[i].user_data;
		}
		inflight -= n;
		done += n;
	}
	return true;
}

bool io_case(struct blkioq *q, const struct io_case *c, size_t size,
	     unsigned lba, uint64_t base, char *why, size_t whylen)
{
	struct run r = {
		.q = q, .c = c, .size = size, .base = base,
		.nseg = c->segs ? c->segs : 1, .seed = new_seed(),
		.why = why, .whylen = whylen,
	};
	struct slot *slots;
	bool ok;

	if (c->depth > MAX_DEPTH || r.nseg > MAX_SEGS ||
	    size < (size_t)r.nseg * lba) {
		snprintf(why, whylen, "bad case");
		return false;
	}
	slots = alloc_slots(&r, lba);
	ok = phase(&r, slots, true) && phase(&r, slots, false);
	free_slots(&r, slots);
	return ok;
}

const char *case_name(const struct io_case *c, size_t size)
{
	static const char *const waits[] = {
		[WAIT_ONE] = "min=1", [WAIT_ALL] = "min=all",
		[WAIT_POLL] = "min=0 busy",
	};
	static char buf[160];
	char segs[32] = "";

	if (c->segs)
		snprintf(segs, sizeof(segs), " in %d uneven segments", c->segs);
	snprintf(buf, sizeof(buf), "%s%s %zu B%s, depth %d, %d each way, %s",
		 c->segs ? "writev+readv" : "write+read",
		 (c->flags & BLKIO_REQ_FUA) ? " (FUA)" : "", size, segs,
		 c->depth, c->count, waits[c->wait]);
	return buf;
}
