/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/* nvme-io (the nvme-io_uring data-path guest test): shared declarations. */
#ifndef NVME_IO_H
#define NVME_IO_H

#include "nvme-test.h"

enum wait_mode { WAIT_ONE, WAIT_ALL, WAIT_POLL };

struct io_case {
	size_t size;		/* bytes per request; 0: max-transfer */
	int segs;		/* 0: read/write, else readv/writev */
	int depth;
	int count;		/* requests each way */
	enum wait_mode wait;
	uint32_t flags;		/* of the writes */
};

/*
 * Write c->count requests of size bytes from base with c->depth in flight,
 * read them back and compare; false with why on any error.
 */
bool io_case(struct blkioq *q, const struct io_case *c, size_t size,
	     unsigned lba, uint64_t base, char *why, size_t whylen);

/* A description of the case for its report line (static buffer). */
const char *case_name(const struct io_case *c, size_t size);

/* The device under test (nvme-io.c). */
struct target {
	const char *ng;		/* /dev/ngXnY */
	const char *blk;	/* its block device, /dev/nvmeXnY */
	bool polls;		/* the controller has poll queues */
	unsigned lba;
	int max_transfer;
	uint64_t capacity;
};

/* nvme-io-queues.c: poll queues, several queues, the completion fd. */
void poll_queue_cases(const struct target *t);
void multi_queue_cases(const struct target *t);
void completion_fd_case(const struct target *t);

#endif
