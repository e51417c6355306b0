/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Queues: one virtqueue each, in its slice of the shared area, with a
 * kick and a call eventfd.  Every virtqueue gets a call eventfd, poll
 * queues too: some backends (qemu-storage-daemon 7.2) give up on a
 * device whose virtqueue has none.  The call eventfd is a regular
 * queue's completion fd.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "vblk.h"

static const struct queue_ops vblk_queue_ops = {
	.submit = vblk_submit,
	.do_io = vblk_do_io,
	.do_io_fast = vblk_do_io_fast,
	.set_completion_fd_enabled = vblk_set_completion_fd_enabled,
	.poll_takes_all = true,
};

static int open_eventfds(struct vblk_queue *vbq)
{
	vbq->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vbq->kick_fd < 0)
		return blkio_err_os(-errno, "eventfd for the kick failed");
	vbq->call_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vbq->call_fd < 0)
		return blkio_err_os(-errno, "eventfd for the call failed");
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void free_queue(struct vblk_queue *vbq)
{
	close_fd(&vbq->kick_fd);
	close_fd(&vbq->call_fd);
	vq_fini(&vbq->vq);
	free(vbq->slots);
	free(vbq->segs);
	free(vbq);
}

static int init_vq(struct vblk_dev *d, struct vblk_queue *vbq)
{
	size_t off = d->layout.len * vbq->index;
	int ret;

	ret = vq_init(&vbq->vq, &d->layout, (char *)d->shm.addr + off,
		      d->shm.dev_addr + off, (unsigned)d->queue_size,
		      d->ind_max, vblk_has(d, VIRTIO_RING_F_INDIRECT_DESC),
		      vblk_has(d, VIRTIO_RING_F_EVENT_IDX));
	if (ret < 0)
		return blkio_err(ret, "Out of memory for the virtqueue");
	vbq->slots = calloc((size_t)d->queue_size, sizeof(*vbq->slots));
	vbq->segs = calloc(d->ind_max, sizeof(*vbq->segs));
	if (!vbq->slots || !vbq->segs)
		return blkio_err(-ENOMEM, "Out of memory for the virtqueue");
	return 0;
}

/* What the submit fast path may take (see struct vblk_queue). */
static void fast_path_limits(const struct vblk_dev *d, struct vblk_queue *vbq)
{
	uint32_t max = d->max_rw;

	if (d->max_seg_len && d->max_seg_len < max)
		max = d->max_seg_len;
	vbq->blk_mask = d->blk_size - 1;
	vbq->fast_max = vbq->vq.indirect ? max : 0;
	vbq->read_only = d->read_only;
}

int vblk_add_queue(struct blkio *b, bool poll, struct blkioq **qp)
{
	struct vblk_dev *d = vblk_dev(b);
	struct vblk_queue *vbq;
	int ret;

	if (d->next_vq >= d->nr_vqs)
		return blkio_err(-EINVAL, "No virtqueue left for another queue");
	vbq = calloc(1, sizeof(*vbq));
	if (!vbq)
		return blkio_err(-ENOMEM, "Out of memory");
	vbq->dev = d;
	vbq->kick_fd = vbq->call_fd = -1;
	vbq->index = d->next_vq;
	ret = init_vq(d, vbq);
	if (ret < 0)
		goto out_free;
	ret = open_eventfds(vbq);
	if (ret < 0)
		goto out_free;
	ret = queue_init(&vbq->q, &vblk_queue_ops, poll,
			 (unsigned)d->queue_size);
	if (ret < 0) {
		blkio_err(ret, "Out of memory for request slots");
		goto out_free;
	}
	/* libblkio's virtio-blk queues start with notifications off. */
	vbq->q.completion_fd = poll ? -1 : vbq->call_fd;
	vbq->q.completion_fd_enabled = false;
	fast_path_limits(d, vbq);
	vbq->watched = d->t->check || d->device_timeout_ms;
	vbq->sleeps_fast = !poll && !vbq->watched;
	vbq->wait_fds[0] = (struct pollfd){ .fd = vbq->call_fd, .events = POLLIN };
	vbq->wait_fds[1] = (struct pollfd){ .fd = d->liveness_fd,
					    .events = d->liveness_events };
	vbq->nr_wait_fds = d->liveness_fd >= 0 ? 2 : 1;
	vbq->notify = d->t->notify;
	ret = d->t->setup_vq(d, vbq);
	if (ret < 0)
		goto out_fini;
	vblk_view_refresh(vbq);
	d->next_vq++;
	*qp = &vbq->q;
	return 0;

out_fini:
	queue_fini(&vbq->q);
out_free:
	free_queue(vbq);
	return ret;
}

void vblk_remove_queue(struct blkioq *q)
{
	struct vblk_queue *vbq = vblk_queue(q);
	struct vblk_dev *d = vbq->dev;

	vblk_drain(vbq);
	if (d->t->stop_vq && !vblk_broken(d))
		d->t->stop_vq(d, vbq);
	queue_fini(q);
	free_queue(vbq);
}
