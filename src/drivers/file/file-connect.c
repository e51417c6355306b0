/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Connect for the drivers of regular files and block devices: open the
 * path or take the fd, and learn the limits from sysfs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "file.h"

/* direct and read-only describe the fd as it really is. */
static int read_fd_flags(struct file_dev *f)
{
	int fl = fcntl(f->fd, F_GETFL);

	if (fl < 0)
		return blkio_err_os(-errno, "fcntl(F_GETFL) on fd %d failed",
				    f->fd);
	f->direct = fl & O_DIRECT;
	f->read_only = (fl & O_ACCMODE) == O_RDONLY;
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

static unsigned request_alignment(const struct file_dev *f)
{
	const struct bdev_limits *l = &f->limits;
	unsigned a;

	if (!f->direct)
		return 1;
	if (f->is_blockdev)
		return l->found ? l->logical_block_size : 512;
	a = file_dio_alignment(f->fd);
	if (a)
		return a;
	return l->found ? l->logical_block_size : (unsigned)sysconf(_SC_PAGESIZE);
}

static void fill_info(struct file_dev *f, struct dev_info *i)
{
	const struct bdev_limits *l = &f->limits;
	unsigned ra = f->request_alignment;
	struct statfs sfs;

	i->request_alignment = (int)ra;
	i->buf_alignment = (int)ra;
	i->mem_region_alignment = ra;
	i->optimal_buf_alignment = (int)sysconf(_SC_PAGESIZE);
	i->max_segments = (int)sysconf(_SC_IOV_MAX);
	i->can_grow = f->can_grow;
	i->supports_fua_natively = l->found && l->fua;
	i->supports_poll_queues = false;

	if (f->is_blockdev) {
		i->optimal_io_alignment = (int)(l->physical_block_size > ra ?
						l->physical_block_size : ra);
		i->optimal_io_size = (int)l->optimal_io_size;
		i->discard_alignment = (int)(l->discard_granularity ?
					     l->discard_granularity : ra);
		i->discard_alignment_offset = (int)l->discard_alignment;
		i->flush_needed = l->write_back_cache || !f->direct;
	} else {
		unsigned bsize = fstatfs(f->fd, &sfs) == 0 ?
				 (unsigned)sfs.f_bsize : 0;

		i->optimal_io_alignment = (int)(bsize > ra ? bsize : ra);
		i->discard_alignment = (int)ra;
		i->flush_needed = true;
	}
}

int file_connect(struct file_dev *f, const struct drv_settings *s,
		 bool direct, struct drv_device *dev)
{
	struct stat st;
	int ret;

	f->fd = drv_open_device(s, direct ? O_DIRECT : 0, &f->opened);
	if (f->fd < 0)
		return f->fd;
	if (fstat(f->fd, &st) < 0) {
		ret = blkio_err_os(-errno, "fstat of the device failed");
		goto out_close;
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		ret = blkio_err(-EINVAL,
				"The file must be a block device or a regular file");
		goto out_close;
	}
	ret = read_fd_flags(f);
	if (ret < 0)
		goto out_close;

	f->is_blockdev = S_ISBLK(st.st_mode);
	f->can_grow = !f->is_blockdev;
	bdev_limits_from_devnum(f->is_blockdev ? st.st_rdev : st.st_dev,
				&f->limits);
	f->write_zeroes_native = f->is_blockdev &&
				 f->limits.write_zeroes_max_bytes > 0;
	/* Zones are the block layer's: only a zoned block device has them. */
	f->zoned = f->is_blockdev ? f->limits.zoned : 0;
	f->zone_sectors = f->limits.zone_sectors;
	f->request_alignment = request_alignment(f);
	fill_info(f, &dev->info);

	dev->fd = f->fd;
	dev->fd_adopted = !f->opened;
	dev->read_only = f->read_only;
	return 0;

out_close:
	file_connect_failed(f);
	return ret;
}

/* A caller's fd stays the caller's when connect fails. */
void file_connect_failed(struct file_dev *f)
{
	if (f->opened)
		close(f->fd);
	f->fd = -1;
	f->opened = false;
}

int file_capacity(const struct file_dev *f, uint64_t *capacity)
{
	off_t end = lseek(f->fd, 0, SEEK_END);

	if (end < 0)
		return blkio_err_os(-errno, "Failed to get the device size");
	*capacity = (uint64_t)end;
	return 0;
}
