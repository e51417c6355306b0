/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libudev.h>

#include "blockdev.h"

/* Read one line of a sysfs attribute; false if it cannot be read. */
static bool read_attr(const char *dir, const char *name, char *buf, size_t len)
{
	char path[PATH_MAX];
	FILE *f;
	bool ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "re");
	if (!f)
		return false;
	ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = '\0';
	return ok;
}

static uint64_t read_u64(const char *dir, const char *name, uint64_t dflt)
{
	char buf[64], *end;
	uint64_t v;

	if (!read_attr(dir, name, buf, sizeof(buf)))
		return dflt;
	errno = 0;
	v = strtoull(buf, &end, 10);
	return errno || end == buf ? dflt : v;
}

static unsigned read_uint(const char *dir, const char *name, unsigned dflt)
{
	uint64_t v = read_u64(dir, name, dflt);

	return v > UINT_MAX ? dflt : (unsigned)v;
}

int bdev_limits_from_dirs(const char *dev_dir, const char *queue_dir,
			  struct bdev_limits *l)
{
	char buf[64];

	memset(l, 0, sizeof(*l));
	l->logical_block_size = read_uint(queue_dir, "logical_block_size", 0);
	if (!l->logical_block_size)
		return -ENOENT;
	l->found = true;
	l->physical_block_size = read_uint(queue_dir, "physical_block_size",
					   l->logical_block_size);
	l->optimal_io_size = read_uint(queue_dir, "optimal_io_size", 0);
	l->discard_granularity = read_uint(queue_dir, "discard_granularity", 0);
	l->discard_max_bytes = read_u64(queue_dir, "discard_max_bytes", 0);
	l->write_zeroes_max_bytes = read_u64(queue_dir,
					     "write_zeroes_max_bytes", 0);
	l->max_hw_sectors_kb = read_uint(queue_dir, "max_hw_sectors_kb", 0);
	l->max_segments = read_uint(queue_dir, "max_segments", 0);
	l->fua = read_uint(queue_dir, "fua", 0) != 0;
	l->io_poll = read_uint(queue_dir, "io_poll", 0) != 0;
	if (read_attr(queue_dir, "zoned", buf, sizeof(buf)))
		l->zoned = strcmp(buf, "host-managed") == 0 ? 2 :
			   strcmp(buf, "host-aware") == 0 ? 1 : 0;
	if (l->zoned)
		l->zone_sectors = read_u64(queue_dir, "chunk_sectors", 0);
	l->write_back_cache = read_attr(queue_dir, "write_cache", buf,
					sizeof(buf)) &&
			      strcmp(buf, "write back") == 0;
	l->discard_alignment = read_uint(dev_dir, "discard_alignment", 0);
	/*
	 * Some kernels report the granularity itself as the alignment
	 * offset; an offset equal to the granularity is really 0.
	 */
	if (l->discard_alignment == l->discard_granularity)
		l->discard_alignment = 0;
	return 0;
}

int bdev_limits_from_devnum(dev_t devnum, struct bdev_limits *l)
{
	struct udev_device *dev, *disk;
	char queue_dir[PATH_MAX];
	const char *devtype;
	struct udev *udev;
	int ret = -ENOENT;

	memset(l, 0, sizeof(*l));
	udev = udev_new();
	if (!udev)
		return -ENOMEM;
	dev = udev_device_new_from_devnum(udev, 'b', devnum);
	if (!dev)
		goto out_unref_udev;

	/* A partition has no queue/ of its own: use its disk's. */
	disk = dev;
	devtype = udev_device_get_devtype(dev);
	if (devtype && strcmp(devtype, "partition") == 0)
		disk = udev_device_get_parent_with_subsystem_devtype(dev,
								     "block", "disk");
	if (disk) {
		snprintf(queue_dir, sizeof(queue_dir), "%s/queue",
			 udev_device_get_syspath(disk));
		ret = bdev_limits_from_dirs(udev_device_get_syspath(dev),
					    queue_dir, l);
	}
	udev_device_unref(dev);
out_unref_udev:
	udev_unref(udev);
	return ret;
}
