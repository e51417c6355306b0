/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Requests kernel AIO has no command for: write-zeroes and discard (and
 * flush where the kernel refuses IOCB_CMD_FDSYNC) run as ordinary system
 * calls inside the next blkioq_do_io(), which blocks for their duration.
 * They use the same fallocate modes as the io_uring driver; a block
 * device is discarded with BLKDISCARD.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "aio.h"

void aio_queue_sync(struct aio_queue *aq, struct req *r)
{
	req_list_push(&aq->sync, r);
	aq->sync_len++;
}

static int syscall_result(int ret)
{
	return ret < 0 ? -errno : 0;
}

static int run_fallocate(const struct file_dev *f, int mode,
			 const struct req *r)
{
	return syscall_result(fallocate(f->fd, mode, (off_t)r->start,
					(off_t)r->len));
}

static int run_write_zeroes(const struct file_dev *f, struct req *r)
{
	int ret;

	do {
		if (r->stage == WZ_FLUSH)
			ret = syscall_result(fdatasync(f->fd));
		else
			ret = run_fallocate(f, file_wz_mode(f, r), r);
		ret = file_wz_result(f, r, ret);
	} while (ret == FILE_AGAIN);
	return ret;
}

static int run_discard(const struct file_dev *f, const struct req *r)
{
	uint64_t range[2] = { r->start, r->len };
	int ret;

	if (!f->is_blockdev)
		return run_fallocate(f, file_discard_mode(), r);
	ret = syscall_result(ioctl(f->fd, BLKDISCARD, range));
	/* A device without discard: deallocate as the io_uring driver does. */
	if (ret == -EOPNOTSUPP)
		ret = run_fallocate(f, file_discard_mode(), r);
	return ret;
}

static int run_one(const struct file_dev *f, struct req *r)
{
	int ret;

	if (r->op == REQ_WRITE_ZEROES)
		return run_write_zeroes(f, r);
	/* -EAGAIN goes round again, as for every other request. */
	do {
		if (r->op == REQ_DISCARD)
			ret = run_discard(f, r);
		else
			ret = syscall_result(fdatasync(f->fd));
	} while (file_retry_eagain(r, ret));
	return ret;
}

__attribute__((noinline))
void aio_run_sync(struct aio_queue *aq, struct do_io_ctx *ctx)
{
	struct req *r;

	while ((r = req_list_pop(&aq->sync))) {
		aq->sync_len--;
		aio_finish(aq, ctx, r, run_one(&aq->dev->file, r));
	}
}
