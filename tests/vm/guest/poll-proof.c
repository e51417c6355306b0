/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * IOPOLL proven with this library, in the VM test world (tests/vm):
 *
 *   poll-proof POLL_DEV [NOPOLL_DEV...]
 *
 * POLL_DEV is an NVMe namespace whose controller has poll queues, each
 * NOPOLL_DEV a namespace of a controller without them
 * (tests/vm/configs/nvme.sh).  That a polled request succeeded proves
 * nothing: the kernel may complete it by interrupt.  The interrupt count
 * does: a poll queue has no interrupt line, so
 *
 *  1. supports-poll-queues (direct=true) is true on POLL_DEV and false on
 *     every NOPOLL_DEV;
 *  2. on a poll queue of POLL_DEV, a pattern is written and read back
 *     (read/write and readv/writev, 4 KiB up to the largest request the
 *     device takes whole, queue depths 1 to 32), waiting in blkioq_do_io()
 *     with min_completions > 0 and busy-polling with 0, and the NVMe lines
 *     of /proc/interrupts do not move while each case runs;
 *  3. the same on a regular queue of POLL_DEV does move them, so the
 *     measurement can fail;
 *  4. poll-queue-mode is "iopoll" on POLL_DEV and "busy-poll" on each
 *     NOPOLL_DEV, where a poll queue still starts and moves data
 *     correctly, and its interrupts move (nothing polls the device).
 *
 * Uses only blkio.h.  One PASS/FAIL line per check (info: lines assert
 * nothing); exits 0 if every check passed, else 1.
 */
#define _GNU_SOURCE
#include <blkio.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>

#include "irq-count.h"

#define MAX_DEPTH 32
#define MAX_SEGS 8
/* A busy-polling loop that sees nothing this long has lost a request. */
#define STALL_NS (30 * 1000000000LL)

enum wait_mode { WAIT_ONE, WAIT_ALL, WAIT_POLL };

static const char *const wait_names[] = {
	[WAIT_ONE] = "do_io min=1",
	[WAIT_ALL] = "do_io min=all in flight",
	[WAIT_POLL] = "do_io min=0 busy-polling",
};

/* What the NVMe interrupt count must do while a case runs. */
enum irqs { IRQS_NONE, IRQS_SOME, IRQS_INFO };

struct io_case {
	size_t size;	/* bytes per request; 0: the largest whole request */
	int segs;	/* 0: read/write, else readv/writev of this many */
	int depth;
	int count;	/* requests each way */
	enum wait_mode wait;
};

struct slot {
	struct iovec iov[MAX_SEGS];
	uint64_t off;
};

struct run {
	struct blkioq *q;
	const struct io_case *c;
	size_t size;
	int nseg;
	uint64_t seed;
	long long calls, empty;	/* do_io calls; those that returned none */
	char why[256];
};

static int passed, failed;

static void report(bool ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void report(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", ok ? "PASS" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (ok)
		passed++;
	else
		failed++;
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The pattern: each 8-byte word is a function of its device offset. */
static uint64_t word(uint64_t seed, uint64_t off)
{
	uint64_t x = seed ^ off;

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static void fill(const struct run *r, struct slot *s)
{
	uint64_t off = s->off;

	for (int i = 0; i < r->nseg; i++) {
		uint64_t *w = s->iov[i].iov_base;

		for (size_t j = 0; j < s->iov[i].iov_len / 8; j++, off += 8)
			w[j] = word(r->seed, off);
	}
}

/* The device offset of the first wrong word, or -1. */
static long long first_bad(const struct run *r, const struct slot *s)
{
	uint64_t off = s->off;

	for (int i = 0; i < r->nseg; i++) {
		const uint64_t *w = s->iov[i].iov_base;

		for (size_t j = 0; j < s->iov[i].iov_len / 8; j++, off += 8)
			if (w[j] != word(r->seed, off))
				return (long long)off;
	}
	return -1;
}

static void enqueue(struct run *r, struct slot *s, bool write)
{
	if (write) {
		fill(r, s);
		if (r->c->segs)
			blkioq_writev(r->q, s->off, s->iov, r->nseg, s, 0);
		else
			blkioq_write(r->q, s->off, s->iov[0].iov_base,
				     r->size, s, 0);
		return;
	}
	/* Poison, so a read that transfers nothing cannot pass. */
	for (int i = 0; i < r->nseg; i++)
		memset(s->iov[i].iov_base, 0xa5, s->iov[i].iov_len);
	if (r->c->segs)
		blkioq_readv(r->q, s->off, s->iov, r->nseg, s, 0);
	else
		blkioq_read(r->q, s->off, s->iov[0].iov_base, r->size, s, 0);
}

/* Handle one completion; false (with r->why) if it is wrong. */
static bool complete(struct run *r, const struct blkio_completion *c,
		     bool write)
{
	const struct slot *s = c->user_data;
	long long bad;

	if (c->ret != 0) {
		snprintf(r->why, sizeof(r->why), "%s at %llu: %s (%s)",
			 write ? "write" : "read", (unsigned long long)s->off,
			 strerror(-c->ret), c->error_msg ? c->error_msg : "");
		return false;
	}
	if (!write && (bad = first_bad(r, s)) >= 0) {
		snprintf(r->why, sizeof(r->why),
			 "read at %llu: data differs at offset %lld",
			 (unsigned long long)s->off, bad);
		return false;
	}
	return true;
}

/* Write (or read back) c->count requests, c->depth at a time. */
static bool phase(struct run *r, struct slot *slots, bool write)
{
	struct blkio_completion comp[MAX_DEPTH];
	struct slot *free_slots[MAX_DEPTH];
	int nfree = r->c->depth, issued = 0, done = 0, inflight = 0;
	long long progress = now_ns();

	for (int i = 0; i < r->c->depth; i++)
		free_slots[i] = &slots[i];
	while (done < r->c->count) {
		int min, n;

		while (nfree > 0 && issued < r->c->count) {
			struct slot *s = free_slots[--nfree];

			s->off = (uint64_t)issued++ * r->size;
			enqueue(r, s, write);
			inflight++;
		}
		min = r->c->wait == WAIT_ONE ? 1 :
		      r->c->wait == WAIT_ALL ? inflight : 0;
		n = blkioq_do_io(r->q, comp, min, MAX_DEPTH, NULL);
		r->calls++;
		if (n < 0) {
			snprintf(r->why, sizeof(r->why), "blkioq_do_io: %s (%s)",
				 strerror(-n), blkio_get_error_msg());
			return false;
		}
		if (n < min || n > inflight) {
			snprintf(r->why, sizeof(r->why),
				 "blkioq_do_io returned %d, min %d, %d in flight",
				 n, min, inflight);
			return false;
		}
		if (n == 0) {
			r->empty++;
			if (now_ns() - progress > STALL_NS) {
				snprintf(r->why, sizeof(r->why),
					 "no completion for 30 s, %d in flight",
					 inflight);
				return false;
			}
			continue;
		}
		progress = now_ns();
		for (int i = 0; i < n; i++) {
			if (!complete(r, &comp[i], write))
				return false;
			free_slots[nfree++] = comp[i].user_data;
		}
		inflight -= n;
		done += n;
	}
	return true;
}

static struct slot *alloc_slots(const struct run *r, size_t align)
{
	struct slot *slots = calloc(r->c->depth, sizeof(*slots));
	size_t seg = r->size / r->nseg;

	for (int i = 0; slots && i < r->c->depth; i++) {
		for (int j = 0; j < r->nseg; j++) {
			if (posix_memalign(&slots[i].iov[j].iov_base, align, seg))
				exit(2);
			slots[i].iov[j].iov_len = seg;
		}
	}
	if (!slots)
		exit(2);
	return slots;
}

static void free_slots(const struct run *r, struct slot *slots)
{
	for (int i = 0; i < r->c->depth; i++)
		for (int j = 0; j < r->nseg; j++)
			free(slots[i].iov[j].iov_base);
	free(slots);
}

/*
 * One case: write the pattern, read it back and compare, and count the
 * NVMe interrupts taken meanwhile.
 */
static void run_case(struct blkioq *q, const char *qname,
		     const struct io_case *c, size_t big, size_t align,
		     uint64_t capacity, enum irqs want)
{
	struct run r = {
		.q = q, .c = c, .size = c->size ? c->size : big,
		.nseg = c->segs ? c->segs : 1,
	};
	long long before, delta;
	struct slot *slots;
	char what[160], segs[32] = "";
	bool ok;

	if (c->segs)
		snprintf(segs, sizeof(segs), " in %d segments", c->segs);
	snprintf(what, sizeof(what), "%s queue, %s %zu B%s, depth %d, %d each way, %s",
		 qname, c->segs ? "writev+readv" : "write+read", r.size, segs,
		 c->depth, c->count, wait_names[c->wait]);
	if ((uint64_t)c->count * r.size > capacity) {
		report(false, "%s: the device (%llu B) is too small", what,
		       (unsigned long long)capacity);
		return;
	}
	/* A new pattern each case and run: stale data cannot match. */
	r.seed = (uint64_t)now_ns() * 0x9e3779b97f4a7c15ULL;
	slots = alloc_slots(&r, align);

	before = nvme_irq_count();
	ok = phase(&r, slots, true) && phase(&r, slots, false);
	delta = nvme_irq_count() - before;
	free_slots(&r, slots);

	if (!ok) {
		report(false, "%s: %s", what, r.why);
		return;
	}
	switch (want) {
	case IRQS_NONE:
		report(delta == 0, "%s: data verified, %lld do_io calls (%lld empty), nvme interrupts %+lld (want +0)",
		       what, r.calls, r.empty, delta);
		break;
	case IRQS_SOME:
		report(delta > 0, "%s: data verified, nvme interrupts %+lld (want > 0: the count can move)",
		       what, delta);
		break;
	case IRQS_INFO:
		report(true, "%s: data verified", what);
		printf("info: nvme interrupts %+lld: above the device's limit the kernel splits the request and completes it by interrupt\n",
		       delta);
		break;
	}
	if (delta != 0 && want == IRQS_NONE)
		nvme_irq_dump("      ");
}

/* queue/ATTR of the block device at path, or -1. */
static long sysfs_attr(const char *path, const char *attr)
{
	char *real = realpath(path, NULL), file[PATH_MAX];
	const char *name;
	long v = -1;
	FILE *f;

	if (!real)
		return -1;
	name = strrchr(real, '/') + 1;
	snprintf(file, sizeof(file), "/sys/block/%s/queue/%s", name, attr);
	free(real);
	f = fopen(file, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static struct blkio *connect_direct(const char *path)
{
	struct blkio *b = NULL;

	if (blkio_create("io_uring", &b) < 0 ||
	    blkio_set_str(b, "path", path) < 0 ||
	    blkio_set_bool(b, "direct", true) < 0 || blkio_connect(b) < 0) {
		report(false, "%s: connect with direct=true: %s", path,
		       blkio_get_error_msg());
		blkio_destroy(&b);
		return NULL;
	}
	return b;
}

/*
 * supports-poll-queues says whether the device polls; poll-queue-mode
 * how this instance's poll queues will poll.
 */
static void check_supports(const char *path, bool want)
{
	const char *want_mode = want ? "iopoll" : "busy-poll";
	struct blkio *b = connect_direct(path);
	char *mode = NULL;
	bool sup;

	if (!b)
		return;
	if (blkio_get_bool(b, "supports-poll-queues", &sup) < 0)
		report(false, "%s: supports-poll-queues: %s", path,
		       blkio_get_error_msg());
	else
		report(sup == want, "%s: supports-poll-queues=%s with direct=true (queue/io_poll=%ld), want %s",
		       path, sup ? "true" : "false",
		       sysfs_attr(path, "io_poll"), want ? "true" : "false");
	if (blkio_get_str(b, "poll-queue-mode", &mode) < 0)
		report(false, "%s: poll-queue-mode: %s", path,
		       blkio_get_error_msg());
	else
		report(strcmp(mode, want_mode) == 0,
		       "%s: poll-queue-mode=%s, want %s", path, mode,
		       want_mode);
	free(mode);
	blkio_destroy(&b);
}

/*
 * The largest request the device takes as one: above max_sectors_kb, or
 * with more pages than max_segments, the block layer splits it and a
 * split request is no longer polled.
 */
static size_t largest_whole(const char *path)
{
	long kb = sysfs_attr(path, "max_sectors_kb");
	long segs = sysfs_attr(path, "max_segments");
	size_t max = 1 << 20, big = 4096;

	if (kb > 0 && (size_t)kb * 1024 < max)
		max = (size_t)kb * 1024;
	if (segs > 0 && (size_t)segs * 4096 < max)
		max = (size_t)segs * 4096;
	while (big * 2 <= max)
		big *= 2;
	printf("info: %s: max_sectors_kb %ld, max_segments %ld: largest whole request %zu B\n",
	       path, kb, segs, big);
	return big;
}

static const struct io_case poll_cases[] = {
	{ 4096, 0, 1, 64, WAIT_ONE },
	{ 4096, 0, 16, 256, WAIT_ONE },
	{ 4096, 0, 32, 256, WAIT_ALL },
	{ 4096, 0, 32, 256, WAIT_POLL },
	{ 16384, 4, 16, 128, WAIT_POLL },
	{ 65536, 4, 8, 64, WAIT_ONE },
	{ 65536, 0, 4, 64, WAIT_POLL },
	{ 0, 8, 2, 16, WAIT_ALL },
	{ 0, 0, 4, 16, WAIT_POLL },
};

static const struct io_case control_case = { 4096, 0, 8, 64, WAIT_ONE };

static void io_cases(const char *path)
{
	struct blkio *b = connect_direct(path);
	struct blkioq *pq, *rq;
	struct io_case over;
	uint64_t capacity = 0;
	size_t big;
	int align, ret;

	if (!b)
		return;
	big = largest_whole(path);
	if (blkio_get_int(b, "buf-alignment", &align) < 0 || align < 4096)
		align = 4096;
	blkio_get_uint64(b, "capacity", &capacity);
	blkio_set_int(b, "num-queues", 1);
	blkio_set_int(b, "num-poll-queues", 1);
	ret = blkio_start(b);
	report(ret == 0, "%s: start with num-queues=1 num-poll-queues=1: %s",
	       path, ret == 0 ? "ok" : blkio_get_error_msg());
	if (ret < 0)
		goto out;
	pq = blkio_get_poll_queue(b, 0);
	rq = blkio_get_queue(b, 0);
	if (!pq || !rq) {
		report(false, "%s: no poll queue 0 or queue 0 after start", path);
		goto out;
	}

	for (size_t i = 0; i < sizeof(poll_cases) / sizeof(poll_cases[0]); i++)
		run_case(pq, "poll", &poll_cases[i], big, align, capacity,
			 IRQS_NONE);
	run_case(rq, "regular", &control_case, big, align, capacity,
		 IRQS_SOME);

	/* Correct data, but no interrupt claim: the kernel's business. */
	over = (struct io_case){ 4 * big, 0, 2, 8, WAIT_ONE };
	run_case(pq, "poll", &over, big, align, capacity, IRQS_INFO);
out:
	blkio_destroy(&b);
}

static const struct io_case busy_poll_cases[] = {
	{ 4096, 0, 16, 128, WAIT_ONE },
	{ 16384, 4, 8, 64, WAIT_POLL },
};

/*
 * A device that cannot poll still gets a working poll queue (a busy-polled
 * ordinary ring): data verified, and its interrupts move, as they must
 * without IOPOLL.
 */
static void busy_poll_io_cases(const char *path)
{
	struct blkio *b = connect_direct(path);
	struct blkioq *pq;
	uint64_t capacity = 0;
	int ret;

	if (!b)
		return;
	blkio_get_uint64(b, "capacity", &capacity);
	blkio_set_int(b, "num-queues", 0);
	blkio_set_int(b, "num-poll-queues", 1);
	ret = blkio_start(b);
	report(ret == 0, "%s: start with num-poll-queues=1 on a device that cannot poll: %s",
	       path, ret == 0 ? "ok" : blkio_get_error_msg());
	pq = ret == 0 ? blkio_get_poll_queue(b, 0) : NULL;
	for (size_t i = 0; pq && i < sizeof(busy_poll_cases) /
				     sizeof(busy_poll_cases[0]); i++)
		run_case(pq, "busy-poll", &busy_poll_cases[i], 4096, 4096,
			 capacity, IRQS_SOME);
	blkio_destroy(&b);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s POLL_DEV [NOPOLL_DEV...]\n", argv[0]);
		return 2;
	}
	if (nvme_irq_count() < 0) {
		report(false, "cannot read /proc/interrupts");
		return 1;
	}
	check_supports(argv[1], true);
	for (int i = 2; i < argc; i++)
		check_supports(argv[i], false);
	io_cases(argv[1]);
	for (int i = 2; i < argc; i++)
		busy_poll_io_cases(argv[i]);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
