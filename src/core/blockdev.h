/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Queue limits of a block device, or of the device a regular file lives
 * on, read from sysfs.
 */
#ifndef BLKIO_CORE_BLOCKDEV_H
#define BLKIO_CORE_BLOCKDEV_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct bdev_limits {
	bool found;			/* false: nothing could be read */
	unsigned logical_block_size;
	unsigned physical_block_size;
	unsigned optimal_io_size;
	unsigned discard_granularity;
	unsigned discard_alignment;	/* of the partition, if any */
	uint64_t discard_max_bytes;
	uint64_t write_zeroes_max_bytes;
	unsigned max_hw_sectors_kb;	/* 0: unknown */
	unsigned max_segments;		/* 0: unknown */
	bool fua;
	bool write_back_cache;
	bool io_poll;
	int zoned;			/* 0 none, 1 host-aware, 2 host-managed */
	uint64_t zone_sectors;		/* chunk_sectors of a zoned device */
};

/*
 * Read limits from a device directory (holding discard_alignment) and its
 * queue directory.  Separate from the udev lookup so tests can point it at
 * a captured sysfs tree.  Returns 0 or -ENOENT.
 */
int bdev_limits_from_dirs(const char *dev_dir, const char *queue_dir,
			  struct bdev_limits *l);

/* Limits of block device devnum (partitions use their disk's queue). */
int bdev_limits_from_devnum(dev_t devnum, struct bdev_limits *l);

#endif
