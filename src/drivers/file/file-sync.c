/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Requests done as plain system calls, inside blkioq_do_io() (the queue's
 * deferred list): what kernel AIO has no command for (write-zeroes,
 * discard, a flush where IOCB_CMD_FDSYNC is refused) and zone requests,
 * for which neither io_uring nor AIO has one.  blkioq_do_io() blocks while
 * they run.  The fallocate modes are the io_uring driver's; a block
 * device is discarded with BLKDISCARD.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "file.h"

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
		else if (r->op == REQ_FLUSH)
			ret = syscall_result(fdatasync(f->fd));
		else
			ret = file_zone_request(f, r);
	} while (file_retry_eagain(r, ret));
	return ret;
}

__attribute__((noinline))
void file_run_deferred(const struct file_dev *f, struct blkioq *q,
		       struct do_io_ctx *ctx)
{
	struct req *r;

	while ((r = req_list_pop(&q->deferred)))
		queue_complete(q, ctx, r, run_one(f, r));
}

bool file_zone_submit(const struct file_dev *f, struct blkioq *q,
		      struct req *r)
{
	if (r->op < REQ_ZONE_REPORT)
		return false;
	if (!f->zoned)
		queue_post(q, r, -ENOTSUP,
			   "request not supported for this driver");
	else
		queue_defer(q, r);
	return true;
}
