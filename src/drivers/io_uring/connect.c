/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * blkio_connect() for io_uring: open the file or take the fd, learn its
 * limits from sysfs, and probe what the kernel can do with it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "../../core/blockdev.h"
#include "../../core/error.h"
#include "iou.h"

#ifndef BLOCK_URING_CMD_DISCARD
#define BLOCK_URING_CMD_DISCARD _IO(0x12, 0)
#endif

/* The fd to use: opened from path (*opened) or the one handed over. */
static int open_device(struct iou_dev *d, bool *opened)
{
	struct blkio *b = &d->b;
	bool has_path = b->path && b->path[0];
	int flags, fd;

	*opened = false;
	if (!has_path && b->fd == -1)
		return blkio_err(-EINVAL, "One of path and fd must be set");
	if (has_path && b->fd != -1)
		return blkio_err(-EINVAL, "path and fd cannot be set at the same time");
	if (!has_path) {
		if (b->fd < 0)
			return blkio_err(-EBADF, "fd %d is not a valid file descriptor",
					 b->fd);
		return b->fd;
	}

	flags = (b->read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC;
	if (d->direct)
		flags |= O_DIRECT;
	fd = open(b->path, flags);
	if (fd < 0)
		return blkio_err_os(-errno, "Failed to open %s", b->path);
	*opened = true;
	return fd;
}

/* direct and read-only describe the fd as it really is. */
static int read_fd_flags(struct iou_dev *d, int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return blkio_err_os(-errno, "fcntl(F_GETFL) on fd %d failed", fd);
	d->direct = fl & O_DIRECT;
	d->b.read_only = (fl & O_ACCMODE) == O_RDONLY;
	return 0;
}

/* Alignment O_DIRECT needs on a regular file; 0 if the kernel won't say. */
static unsigned file_dio_alignment(int fd)
{
#ifdef STATX_DIOALIGN
	struct statx stx;

	if (statx(fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &stx) == 0 &&
	    (stx.stx_mask & STATX_DIOALIGN))
		return stx.stx_dio_offset_align;
#endif
	return 0;
}

static unsigned request_alignment(struct iou_dev *d, int fd,
				  const struct bdev_limits *l)
{
	unsigned page = (unsigned)sysconf(_SC_PAGESIZE);
	unsigned a;

	if (!d->direct)
		return 1;
	if (d->is_blockdev)
		return l->found ? l->logical_block_size : 512;
	a = file_dio_alignment(fd);
	if (a)
		return a;
	return l->found ? l->logical_block_size : page;
}

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

static void fill_info(struct iou_dev *d, int fd, const struct stat *st)
{
	struct blkio_info *i = &d->b.info;
	unsigned page = (unsigned)sysconf(_SC_PAGESIZE);
	struct bdev_limits l;
	struct statfs sfs;
	unsigned ra;

	bdev_limits_from_devnum(d->is_blockdev ? st->st_rdev : st->st_dev, &l);
	ra = request_alignment(d, fd, &l);

	i->request_alignment = (int)ra;
	i->buf_alignment = (int)ra;
	i->mem_region_alignment = ra;
	i->optimal_buf_alignment = (int)page;
	i->max_segments = (int)sysconf(_SC_IOV_MAX);
	i->can_grow = !d->is_blockdev;
	i->supports_fua_natively = l.found && l.fua;

	if (d->is_blockdev) {
		i->optimal_io_alignment = (int)(l.physical_block_size > ra ?
						l.physical_block_size : ra);
		i->optimal_io_size = (int)l.optimal_io_size;
		i->discard_alignment = (int)(l.discard_granularity ?
					     l.discard_granularity : ra);
		i->discard_alignment_offset = (int)l.discard_alignment;
		i->flush_needed = l.write_back_cache || !d->direct;
		d->write_zeroes_native = l.write_zeroes_max_bytes > 0;
		d->discard_cmd = !d->b.read_only && discard_cmd_works(fd);
	} else {
		unsigned bsize = fstatfs(fd, &sfs) == 0 ? (unsigned)sfs.f_bsize : 0;

		i->optimal_io_alignment = (int)(bsize > ra ? bsize : ra);
		i->discard_alignment = (int)ra;
		i->flush_needed = true;
	}
	i->supports_poll_queues = d->direct && l.found && l.io_poll &&
				  poll_queues_work(fd, ra);
}

int iou_connect(struct blkio *b)
{
	struct iou_dev *d = iou_dev(b);
	struct stat st;
	bool opened;
	int fd, ret;

	fd = open_device(d, &opened);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0) {
		ret = blkio_err_os(-errno, "fstat of the device failed");
		goto out_close;
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		ret = blkio_err(-EINVAL,
				"The file must be a block device or a regular file");
		goto out_close;
	}
	ret = read_fd_flags(d, fd);
	if (ret < 0)
		goto out_close;

	d->is_blockdev = S_ISBLK(st.st_mode);
	fill_info(d, fd, &st);
	b->fd = fd;
	if (!opened) {
		/* The fd came from the caller: path stays empty. */
		free(b->path);
		b->path = NULL;
	}
	return 0;

out_close:
	/* A caller's fd stays the caller's when connect fails. */
	if (opened)
		close(fd);
	return ret;
}

int iou_get_capacity(struct blkio *b, uint64_t *capacity)
{
	off_t end = lseek(b->fd, 0, SEEK_END);

	if (end < 0)
		return blkio_err_os(-errno, "Failed to get the device size");
	*capacity = (uint64_t)end;
	return 0;
}
