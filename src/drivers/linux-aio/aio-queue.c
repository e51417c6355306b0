/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * One AIO context per queue, with its staging arrays and eventfd.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "aio-sys.h"
#include "aio.h"

static const struct queue_ops aio_queue_ops = {
	.submit = aio_submit,
	.do_io = aio_do_io,
	.set_completion_fd_enabled = aio_set_completion_fd_enabled,
	.run_deferred = aio_run_deferred,
	.zones = true,
};

/*
 * The ring may be read in user space only when it has the layout we know
 * (the kernel sets no incompatible feature on it today).
 */
static struct aio_ring *user_ring(aio_context_t ctx)
{
	struct aio_ring *ring = (struct aio_ring *)(uintptr_t)ctx;

	if (ring->magic != AIO_RING_MAGIC || ring->incompat_features ||
	    ring->header_length != sizeof(*ring) || !ring->nr)
		return NULL;
	return ring;
}

static int setup_context(struct aio_queue *aq)
{
	int ret = sys_io_setup(aq->capacity, &aq->ctx);

	switch (ret) {
	case 0:
		aq->ring = user_ring(aq->ctx);
		return 0;
	case -EAGAIN:
		return blkio_err(ret,
				 "io_setup with %u entries exceeds the system-wide limit on AIO requests (fs.aio-max-nr)",
				 aq->capacity);
	case -EINVAL:
		return blkio_err(ret,
				 "num-entries %u exceeds what kernel AIO accepts",
				 aq->capacity);
	case -ENOSYS:
		return blkio_err(ret,
				 "Linux AIO is not available (kernel built without CONFIG_AIO, or filtered)");
	default:
		return blkio_err_os(ret, "io_setup with %u entries failed",
				    aq->capacity);
	}
}

static int alloc_arrays(struct aio_queue *aq)
{
	unsigned i;

	aq->iocbs = calloc(aq->capacity, sizeof(*aq->iocbs));
	aq->iocbps = calloc(aq->capacity, sizeof(*aq->iocbps));
	aq->events = calloc(aq->capacity, sizeof(*aq->events));
	if (!aq->iocbs || !aq->iocbps || !aq->events)
		return blkio_err(-ENOMEM, "Out of memory");
	for (i = 0; i < aq->capacity; i++)
		aq->iocbps[i] = &aq->iocbs[i];
	return 0;
}

static void free_arrays(struct aio_queue *aq)
{
	free(aq->iocbs);
	free(aq->iocbps);
	free(aq->events);
}

int aio_add_queue(struct blkio *b, bool poll, struct blkioq **qp)
{
	struct aio_dev *d = aio_dev(b);
	struct aio_queue *aq;
	int ret;

	if (poll)
		return blkio_err(-EINVAL,
				 "Poll queues not supported: kernel AIO cannot poll for completions");
	aq = calloc(1, sizeof(*aq));
	if (!aq)
		return blkio_err(-ENOMEM, "Out of memory");
	aq->dev = d;
	aq->capacity = (unsigned)d->num_entries;
	aq->resfd = -1;

	/*
	 * The kernel first: it refuses a num-entries it cannot hold with
	 * -EINVAL before we would allocate arrays of that size (INT_MAX
	 * entries would be gigabytes).
	 */
	ret = setup_context(aq);
	if (ret < 0)
		goto out_free;
	ret = alloc_arrays(aq);
	if (ret < 0)
		goto out_destroy_context;
	ret = queue_init(&aq->q, &aio_queue_ops, false, aq->capacity);
	if (ret < 0) {
		blkio_err(ret, "Out of memory for request slots");
		goto out_destroy_context;
	}
	aq->q.completion_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (aq->q.completion_fd < 0) {
		ret = blkio_err_os(-errno, "eventfd failed");
		goto out_fini_queue;
	}
	*qp = &aq->q;
	return 0;

out_fini_queue:
	queue_fini(&aq->q);
out_destroy_context:
	sys_io_destroy(aq->ctx);
out_free:
	free_arrays(aq);
	free(aq);
	return ret;
}

/*
 * io_destroy() cancels what it can and waits for the rest, so no request
 * writes into the application's buffers after the queue is gone.
 */
void aio_remove_queue(struct blkioq *q)
{
	struct aio_queue *aq = aio_queue(q);

	sys_io_destroy(aq->ctx);
	close(q->completion_fd);
	queue_fini(q);
	free_arrays(aq);
	free(aq);
}
