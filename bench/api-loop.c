/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * api-loop: the smallest program that runs the bench workload through the
 * public blkio API, so that its cost per I/O is the library's cost plus the
 * same few instructions uring-ref spends.
 *
 *   api-loop PATH DEPTH COUNT[s] [direct|buffered [DRIVER]]
 *
 * One buffer slot per request in flight (from one mapped memory region),
 * blkioq_read() into each slot, then blkioq_do_io(q, c, 1, DEPTH, NULL) in
 * a loop, resubmitting a read for every completion. DRIVER is the blkio
 * driver (io_uring by default, or linux-aio). It links against the
 * libblkio.so.1 it was built with; LD_LIBRARY_PATH runs the same binary on
 * another implementation with the same soname.
 *
 * When alloc-count.so is preloaded, the steady state is bracketed with
 * calls to its mark function (see alloc-count.h).
 *
 * BLKIO_API_LOOP_PROPS="name=value,..." sets more properties before
 * connecting (e.g. register-mem-regions=true), for our library's opt-in
 * features.
 *
 * Built a second time as api-loop-readv (API_LOOP_VECTORED): reads with
 * blkioq_readv() and a one-element vector per slot, as QEMU sends every
 * request.  A build of its own, so that api-loop spends nothing on the
 * choice.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* RTLD_DEFAULT */
#endif
#include <errno.h>
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <blkio.h>

#include "alloc-count.h"
#include "common.h"

struct loop {
	struct blkio *b;
	struct blkioq *q;
	struct blkio_mem_region region;
	struct blkio_completion *completions;
#ifdef API_LOOP_VECTORED
	struct iovec *iovs;	/* one per slot */
#endif
	alloc_count_mark_fn *mark;
	uint64_t nblocks;
	uint64_t rng;
	uint64_t submitted;
	uint64_t done;
	uint64_t warmup;	/* completions before the steady state */
	unsigned int inflight;
};

static int fail(const char *what, int ret)
{
	fprintf(stderr, "%s: %s (%d)\n", what, blkio_get_error_msg(), ret);
	return -1;
}

/* BLKIO_API_LOOP_PROPS: "name=value" pairs, comma-separated. */
static int set_env_props(struct blkio *b)
{
	const char *env = getenv("BLKIO_API_LOOP_PROPS");
	char *copy, *save = NULL, *tok;
	int ret = 0;

	if (!env || !*env)
		return 0;
	copy = strdup(env);
	if (!copy)
		return -1;
	for (tok = strtok_r(copy, ",", &save); tok && ret == 0;
	     tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');

		if (!eq) {
			fprintf(stderr, "BLKIO_API_LOOP_PROPS: %s: no '='\n", tok);
			ret = -1;
			break;
		}
		*eq = '\0';
		ret = blkio_set_str(b, tok, eq + 1);
		if (ret < 0)
			fail(tok, ret);
	}
	free(copy);
	return ret < 0 ? -1 : 0;
}

/* Connects DRIVER (io_uring by default) to PATH, read-only; one queue. */
static int open_target(struct loop *l, const struct bench_args *args)
{
	const char *name;
	uint64_t capacity;
	int ret, entries;

	ret = blkio_create(args->driver, &l->b);
	if (ret < 0)
		return fail("blkio_create", ret);
	ret = blkio_set_str(l->b, "path", args->path);
	if (ret < 0)
		return fail("path", ret);
	/* Drivers without the property (virtio-blk: -ENOENT) are direct. */
	ret = blkio_set_bool(l->b, "direct", args->direct);
	if (ret < 0 && ret != -ENOENT)
		return fail("direct", ret);
	ret = blkio_set_bool(l->b, "read-only", true);
	if (ret < 0)
		return fail("read-only", ret);
	if (set_env_props(l->b) < 0)
		return -1;
	ret = blkio_connect(l->b);
	if (ret < 0)
		return fail("blkio_connect", ret);

	ret = blkio_get_uint64(l->b, "capacity", &capacity);
	if (ret < 0)
		return fail("capacity", ret);
	l->nblocks = capacity / BENCH_BLOCK_SIZE;
	if (l->nblocks == 0) {
		fprintf(stderr, "%s: smaller than one block\n", args->path);
		return -1;
	}

	/*
	 * The default ring or AIO context (128 entries; a virtqueue of 256)
	 * is enough unless DEPTH is larger.  virtio-blk drivers call it
	 * queue-size and want a power of two.
	 */
	name = "num-entries";
	ret = blkio_get_int(l->b, name, &entries);
	if (ret == -ENOENT) {
		name = "queue-size";
		ret = blkio_get_int(l->b, name, &entries);
	}
	if (ret < 0)
		return fail(name, ret);
	if ((unsigned int)entries < args->depth) {
		while ((unsigned int)entries < args->depth)
			entries *= 2;
		ret = blkio_set_int(l->b, name, entries);
		if (ret < 0)
			return fail(name, ret);
	}

	ret = blkio_start(l->b);
	if (ret < 0)
		return fail("blkio_start", ret);
	l->q = blkio_get_queue(l->b, 0);
	if (!l->q) {
		fprintf(stderr, "blkio_get_queue: %s\n", blkio_get_error_msg());
		return -1;
	}
	return 0;
}

static int setup(struct loop *l, const struct bench_args *args)
{
	size_t len = (size_t)args->depth * BENCH_BLOCK_SIZE;
	int ret;

	if (open_target(l, args) < 0)
		return -1;

	ret = blkio_alloc_mem_region(l->b, &l->region, len);
	if (ret < 0)
		return fail("blkio_alloc_mem_region", ret);
	ret = blkio_map_mem_region(l->b, &l->region);
	if (ret < 0) {
		blkio_free_mem_region(l->b, &l->region);
		l->region.addr = NULL;
		return fail("blkio_map_mem_region", ret);
	}

#ifdef API_LOOP_VECTORED
	l->iovs = calloc(args->depth, sizeof(*l->iovs));
	if (!l->iovs) {
		fprintf(stderr, "out of memory\n");
		return -1;
	}
#endif
	l->completions = calloc(args->depth, sizeof(*l->completions));
	if (!l->completions) {
		perror("calloc");
		return -1;
	}

	l->rng = BENCH_SEED;
	l->warmup = 4 * (uint64_t)args->depth + 64;
	if (args->count && l->warmup > args->count / 2)
		l->warmup = args->count / 2;
	l->mark = (alloc_count_mark_fn *)dlsym(RTLD_DEFAULT,
					       ALLOC_COUNT_MARK_SYMBOL);
	return 0;
}

static void teardown(struct loop *l)
{
	if (l->region.addr) {
		blkio_unmap_mem_region(l->b, &l->region);
		blkio_free_mem_region(l->b, &l->region);
	}
	/* libblkio 1.5 crashes on a NULL instance: only destroy a real one. */
	if (l->b)
		blkio_destroy(&l->b);
	free(l->completions);
#ifdef API_LOOP_VECTORED
	free(l->iovs);
#endif
}

static void queue_read(struct loop *l, unsigned int slot)
{
	char *buf = (char *)l->region.addr + (size_t)slot * BENCH_BLOCK_SIZE;
	uint64_t offset = bench_offset(&l->rng, l->nblocks);

#ifdef API_LOOP_VECTORED
	l->iovs[slot] = (struct iovec){ buf, BENCH_BLOCK_SIZE };
	blkioq_readv(l->q, offset, &l->iovs[slot], 1, (void *)(uintptr_t)slot,
		     0);
#else
	blkioq_read(l->q, offset, buf, BENCH_BLOCK_SIZE,
		    (void *)(uintptr_t)slot, 0);
#endif
	l->submitted++;
}

/* Checks and recycles the N completions of one blkioq_do_io() call. */
static int recycle(struct loop *l, const struct bench_args *args, int n,
		   bool *stop, unsigned int *checks, double deadline)
{
	int i;

	for (i = 0; i < n; i++) {
		struct blkio_completion *c = &l->completions[i];

		if (c->ret != 0) {
			fprintf(stderr, "read failed: %d %s\n", c->ret,
				c->error_msg ? c->error_msg : "");
			return -1;
		}
		if (!*stop)
			*stop = bench_should_stop(args, l->submitted, checks,
						  deadline);
		if (*stop)
			l->inflight--;
		else
			queue_read(l, (unsigned int)(uintptr_t)c->user_data);
	}
	l->done += n;
	return 0;
}

static int run(struct loop *l, const struct bench_args *args, double *secs)
{
	unsigned int checks = 0;
	bool marked = false;
	double start, deadline;
	bool stop = false;
	int n;

	start = bench_now();
	deadline = start + args->seconds;
	while (l->inflight < args->depth &&
	       !(args->count && l->submitted >= args->count)) {
		queue_read(l, l->inflight);
		l->inflight++;
	}
	while (l->inflight) {
		n = blkioq_do_io(l->q, l->completions, 1, args->depth, NULL);
		if (n < 0)
			return fail("blkioq_do_io", n);
		if (recycle(l, args, n, &stop, &checks, deadline) < 0)
			return -1;
		if (!marked && l->done >= l->warmup) {
			marked = true;
			if (l->mark)
				l->mark("steady-begin");
		}
	}
	*secs = bench_now() - start;
	if (l->mark)
		l->mark("steady-end");
	return 0;
}

int main(int argc, char **argv)
{
	struct bench_args args;
	struct loop l = { 0 };
	double secs = 0;
	int ret = -1;

	if (bench_parse_args(&args, argc, argv) < 0)
		return 2;
	if (setup(&l, &args) == 0)
		ret = run(&l, &args, &secs);
	teardown(&l);
	if (ret < 0)
		return 1;
	bench_report(&args, l.done, secs);
	return 0;
}
