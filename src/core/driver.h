/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * The interface between the core and a driver.  Drivers are static const
 * tables listed in src/core/registry.c.
 */
#ifndef BLKIO_CORE_DRIVER_H
#define BLKIO_CORE_DRIVER_H

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "internal.h"

struct prop;

/* One blkioq_do_io() call as the driver sees it. */
struct do_io_ctx {
	struct blkio_completion *c;
	int filled;		/* entries of c[] already written */
	int min;
	int max;
	bool has_deadline;
	struct timespec start;		/* CLOCK_MONOTONIC, when called */
	struct timespec budget;		/* the caller's timeout */
	const sigset_t *sig;	/* installed while waiting; may be NULL */
	bool interruptible;	/* return -EINTR instead of retrying */
};

/* The data path of one queue. */
struct queue_ops {
	/* Put an accepted, validated request into the ring or q->backlog. */
	void (*submit)(struct blkioq *q, struct req *r);

	/*
	 * Submit what is queued, reap into ctx->c, wait until ctx->min are
	 * filled.  Returns 0, or a negative errno with the message set; the
	 * core then gives the ctx->filled completions back to the queue.
	 * Fails with -EINVAL before any system call when min cannot be met
	 * (do_io_check_outstanding()).
	 */
	int (*do_io)(struct blkioq *q, struct do_io_ctx *ctx);

	/* The completion-fd hint (may be NULL: notifications stay on). */
	void (*set_completion_fd_enabled)(struct blkioq *q, bool enable);
};

/*
 * min_completions cannot be met when fewer requests are outstanding.
 * Completions still on the completion list count only as far as they were
 * copied (with min <= max, a non-empty list means min is reached).
 */
static inline int do_io_check_outstanding(const struct blkioq *q,
					  const struct do_io_ctx *ctx,
					  unsigned in_flight)
{
	if (ctx->min > ctx->filled + (int)(in_flight + q->backlog_len))
		return -EINVAL;
	return 0;
}

struct driver {
	const char *name;

	/* Size of the driver's instance type, which starts with struct blkio. */
	size_t instance_size;

	/* Driver-only properties, sorted by name (may be NULL). */
	const struct prop *props;
	size_t nr_props;

	/* Set defaults of a fresh instance (may be NULL). */
	void (*init)(struct blkio *b);

	/* Open the device; NULL means the driver is not built. */
	int (*connect)(struct blkio *b);

	/* Release what connect acquired (may be NULL). */
	void (*disconnect)(struct blkio *b);

	/* Create or destroy one queue; add_queue sets the message on error. */
	int (*add_queue)(struct blkio *b, bool poll, struct blkioq **qp);
	void (*remove_queue)(struct blkioq *q);

	/* Current device size in bytes. */
	int (*get_capacity)(struct blkio *b, uint64_t *capacity);
};

const struct driver *driver_find(const char *name);

/* Time left of ctx->budget (never negative); src/core/do_io.c. */
void do_io_time_left(const struct do_io_ctx *ctx, struct timespec *left);

extern const struct driver io_uring_driver;

#endif
