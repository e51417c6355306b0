/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * The linux-aio driver: kernel AIO (io_setup, io_submit, io_getevents) for
 * machines where io_uring is switched off or filtered.  One AIO context
 * per queue; completions are read from the context's ring in user space
 * where the kernel exposes it; every iocb carries the queue's eventfd once
 * the application has taken it.  Write-zeroes, discard, zone requests
 * and (where the kernel refuses IOCB_CMD_FDSYNC) flush have no AIO
 * command and run as plain system calls inside blkioq_do_io()
 * (src/drivers/file/file-sync.c).
 */
#ifndef BLKIO_AIO_H
#define BLKIO_AIO_H

#include <linux/aio_abi.h>
#include <stdbool.h>

#include "../file/file.h"

/* The driver's private data of an instance (drv_priv()). */
struct aio_dev {
	struct file_dev file;

	/* Properties, as in the io_uring driver. */
	bool direct;
	int num_entries;
	bool submit_batching;
};

/*
 * The kernel's completion ring, mapped at the address of the context
 * (the layout of fs/aio.c).  The kernel advances tail; whoever reaps
 * advances head, which the kernel reads back to know the room it has.
 */
struct aio_ring {
	unsigned id;
	unsigned nr;		/* entries of events[] */
	unsigned head;
	unsigned tail;
	unsigned magic;
	unsigned compat_features;
	unsigned incompat_features;
	unsigned header_length;
	struct io_event events[];
};

#define AIO_RING_MAGIC 0xa10a10a1

struct aio_queue {
	struct blkioq q;
	const struct aio_dev *dev;
	aio_context_t ctx;
	struct aio_ring *ring;	/* NULL: reap with io_getevents */
	unsigned capacity;	/* in flight + staged, at most num-entries */
	unsigned in_flight;	/* submitted, event not yet handled */
	unsigned staged;	/* iocbs[0..staged) wait for io_submit */

	/*
	 * The eventfd every new iocb carries (IOCB_FLAG_RESFD), or -1 until
	 * the application takes the completion fd.  iocbs submitted before
	 * that carry none; `quiet` counts those still in flight, and while
	 * any are, do_io signals the fd itself so no wakeup is lost.
	 */
	int resfd;
	unsigned quiet;

	bool fdsync_refused;	/* flush with fdatasync() from now on */

	struct iocb *iocbs;
	struct iocb **iocbps;	/* &iocbs[i], as io_submit wants them */
	struct io_event *events;	/* capacity entries for io_getevents */
};

/* An iocb submitted without the eventfd (req.flags). */
#define REQ_F_QUIET REQ_F_DRIVER

static inline struct aio_dev *aio_dev(struct blkio *b)
{
	return drv_priv(b);
}

static inline struct aio_queue *aio_queue(struct blkioq *q)
{
	return container_of(q, struct aio_queue, q);
}

/* Requests that take a slot in the context: staged or in flight. */
static inline unsigned aio_room(const struct aio_queue *aq)
{
	return aq->capacity - aq->in_flight - aq->staged;
}

/* aio-connect.c */
int aio_connect(struct blkio *b, const struct drv_settings *s,
		struct drv_device *dev);
int aio_get_capacity(struct blkio *b, uint64_t *capacity);

/* aio-queue.c */
int aio_add_queue(struct blkio *b, bool poll, struct blkioq **qp);
void aio_remove_queue(struct blkioq *q);

/* aio-submit.c */
void aio_submit(struct blkioq *q, struct req *r);
void aio_resubmit(struct aio_queue *aq, struct req *r);
void aio_refill(struct aio_queue *aq);


/* aio-do-io.c */
int aio_do_io(struct blkioq *q, struct do_io_ctx *ctx);
void aio_set_completion_fd_enabled(struct blkioq *q, bool enable);
void aio_run_deferred(struct blkioq *q, struct do_io_ctx *ctx);

#endif
