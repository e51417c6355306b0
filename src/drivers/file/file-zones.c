/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Zone requests on a zoned block device, through the block layer's zone
 * ioctls (libblkio has zones only in nvme-io_uring).  They are system
 * calls, run among a queue's deferred requests (file-sync.c).  Reports
 * go through a small buffer on the stack, in rounds, so nothing is
 * allocated on the data path.
 */
#include <errno.h>
#include <linux/blkzoned.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "file.h"

#define SECTOR_SHIFT 9

/* Zones asked of the kernel per BLKREPORTZONE round. */
#define REPORT_ROUND 32

static int ioctl_result(int ret)
{
	return ret < 0 ? -errno : 0;
}

static void to_blkio_zone(const struct blk_zone *z, struct blkio_zone *out)
{
	memset(out, 0, sizeof(*out));
	out->start = z->start << SECTOR_SHIFT;
	out->len = z->len << SECTOR_SHIFT;
	out->capacity = (z->capacity ? z->capacity : z->len) << SECTOR_SHIFT;
	out->write_pointer = z->wp << SECTOR_SHIFT;
	/* BLK_ZONE_TYPE_* and BLK_ZONE_COND_* have libblkio's values. */
	out->zone_type = z->type;
	out->zone_state = z->cond;
	out->reset = z->reset;
}

/* The completion's ret is the number of zones filled in. */
static int report(const struct file_dev *f, const struct req *r)
{
	struct {
		struct blk_zone_report hdr;
		struct blk_zone zones[REPORT_ROUND];
	} buf;
	struct blkio_zone *out = r->buf;
	uint64_t sector = r->start >> SECTOR_SHIFT;
	uint32_t want = (uint32_t)r->len, filled = 0, i;
	int ret;

	while (filled < want) {
		memset(&buf.hdr, 0, sizeof(buf.hdr));
		buf.hdr.sector = sector;
		buf.hdr.nr_zones = want - filled < REPORT_ROUND ?
				   want - filled : REPORT_ROUND;
		ret = ioctl_result(ioctl(f->fd, BLKREPORTZONE, &buf));
		if (ret < 0)
			return filled ? (int)filled : ret;
		if (buf.hdr.nr_zones == 0 || buf.hdr.nr_zones > REPORT_ROUND)
			break;	/* past the last zone */
		for (i = 0; i < buf.hdr.nr_zones; i++)
			to_blkio_zone(&buf.zones[i], &out[filled++]);
		sector = buf.zones[i - 1].start + buf.zones[i - 1].len;
	}
	return (int)filled;
}

static unsigned long action_ioctl(enum req_op op)
{
	switch (op) {
	case REQ_ZONE_OPEN:
		return BLKOPENZONE;
	case REQ_ZONE_CLOSE:
		return BLKCLOSEZONE;
	case REQ_ZONE_FINISH:
		return BLKFINISHZONE;
	default:
		return BLKRESETZONE;
	}
}

/*
 * One zone (the one starting at r->start), or every zone: the whole
 * device, which the kernel turns into a single reset-all for a reset.
 */
static int act(const struct file_dev *f, const struct req *r)
{
	struct blk_zone_range range = {
		.sector = r->start >> SECTOR_SHIFT,
		.nr_sectors = f->zone_sectors,
	};
	uint64_t capacity;
	int ret;

	if (r->flags & REQ_F_ALL_ZONES) {
		ret = file_capacity(f, &capacity);
		if (ret < 0)
			return ret;
		range.sector = 0;
		range.nr_sectors = capacity >> SECTOR_SHIFT;
	}
	return ioctl_result(ioctl(f->fd, action_ioctl(r->op), &range));
}

int file_zone_request(const struct file_dev *f, const struct req *r)
{
	if (r->op == REQ_ZONE_REPORT)
		return report(f, r);
	return act(f, r);
}
