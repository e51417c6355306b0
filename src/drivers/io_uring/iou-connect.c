/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * blkio_connect() for io_uring: the file driver code opens the file or
 * takes the fd and learns its limits; here we probe what io_uring can do
 * with it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/uio.h>

#include "iou.h"

/*
 * Polled I/O works only where the device has poll queues; the zero-length
 * probe libblkio uses succeeds where every real polled read then fails,
 * so read one real block through an IOPOLL ring instead.
 */
static bool poll_queues_work(int fd, unsigned block)
{
	struct io_uring_cqe *cqe;
	struct io_uring ring;
	bool ok = false;
	void *buf;

	if (posix_memalign(&buf, 4096, block) != 0)
		return false;
	if (io_uring_queue_init(1, &ring, IORING_SETUP_IOPOLL) == 0) {
		io_uring_prep_read(io_uring_get_sqe(&ring), fd, buf, block, 0);
		if (io_uring_submit_and_wait(&ring, 1) >= 0 &&
		    io_uring_peek_cqe(&ring, &cqe) == 0)
			ok = cqe->res >= 0;
		io_uring_queue_exit(&ring);
	}
	free(buf);
	return ok;
}

/*
 * Linux 6.12 added an asynchronous discard command for block devices.  A
 * zero-length discard tells whether it exists without touching data: the
 * kernel validates the range (0 or -EINVAL) if it knows the command and
 * answers -EOPNOTSUPP if it does not.
 */
static bool discard_cmd_works(int fd)
{
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	bool ok = false;

	if (io_uring_queue_init(1, &ring, 0) < 0)
		return false;
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, fd, NULL, 0, 0);
	sqe->cmd_op = BLOCK_URING_CMD_DISCARD;
	sqe->addr = 0;
	sqe->addr3 = 0;
	if (io_uring_submit_and_wait(&ring, 1) >= 0 &&
	    io_uring_peek_cqe(&ring, &cqe) == 0)
		ok = cqe->res == 0 || cqe->res == -EINVAL;
	io_uring_queue_exit(&ring);
	return ok;
}

/*
 * Whether reads of fd can be tried without blocking (the file has
 * FMODE_NOWAIT); where they cannot, io_uring hands each one to a worker
 * thread.  The kernel checks the flag before anything else and answers
 * -EOPNOTSUPP; a read at the end of the file then returns 0 without
 * touching the device (no I/O, no interrupt: the poll-queue tests count
 * them), so a one-block RWF_NOWAIT read there tells.
 */
static bool nowait_works(const struct file_dev *f)
{
	unsigned block = f->request_alignment;
	struct iovec iov = { .iov_len = block };
	uint64_t end;
	bool ok;

	/* Not known: leave the ring to it. */
	if (file_capacity(f, &end) < 0 ||
	    posix_memalign(&iov.iov_base, 4096, block) != 0)
		return true;
	/* At or past the end, aligned for O_DIRECT. */
	end = (end + block - 1) / block * block;
	ok = !(preadv2(f->fd, &iov, 1, (off_t)end, RWF_NOWAIT) < 0 &&
	       errno == EOPNOTSUPP);
	free(iov.iov_base);
	return ok;
}

/* Linux 6.15: READV_FIXED and WRITEV_FIXED. */
static bool vectored_fixed_works(void)
{
	struct io_uring_probe *p = io_uring_get_probe();
	bool ok;

	if (!p)
		return false;
	ok = io_uring_opcode_supported(p, URING_OP_READV_FIXED) &&
	     io_uring_opcode_supported(p, URING_OP_WRITEV_FIXED);
	io_uring_free_probe(p);
	return ok;
}

/*
 * What the kernel can do with this fd beyond what every file driver
 * learns.  direct is what the fd really is.  Registered buffers stay
 * pinned while mapped, which may-pin-mem-regions must say: QEMU then
 * turns off RAM discard (virtio-balloon, virtio-mem).
 */
static void probe_io_uring(struct iou_dev *d, struct dev_info *i)
{
	const struct file_dev *f = &d->file;

	d->direct = f->direct;
	d->discard_cmd = f->is_blockdev && !f->read_only &&
			 discard_cmd_works(f->fd);
	d->nowait = nowait_works(f);
	d->iopoll = f->direct && f->limits.found && f->limits.io_poll &&
		    poll_queues_work(f->fd, f->request_alignment);
	i->supports_poll_queues = d->iopoll;
	d->poll_queue_mode = uring_poll_queue_mode(d->iopoll);
	i->may_pin_mem_regions = d->register_mem_regions;
	if (d->register_mem_regions)
		d->bufs.vectored = vectored_fixed_works();
}

int iou_connect(struct blkio *b, const struct drv_settings *s,
		struct drv_device *dev)
{
	struct iou_dev *d = iou_dev(b);
	int ret;

	ret = file_connect(&d->file, s, d->direct, dev);
	if (ret < 0)
		return ret;
	probe_io_uring(d, &dev->info);
	return 0;
}

int iou_get_capacity(struct blkio *b, uint64_t *capacity)
{
	return file_capacity(&iou_dev(b)->file, capacity);
}
