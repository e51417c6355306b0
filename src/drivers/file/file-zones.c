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

/*
 * One round's BLKREPORTZONE argument, 2 KiB on the stack: the header and
 * room for its flexible zones[] array.
 */
union report_round {
	struct blk_zone_report hdr;
	char room[sizeof(struct blk_zone_report) +
		  REPORT_ROUND * sizeof(struct blk_zone)];
};

/*
 * Ask for up to nr zones from sector; the number reported (0 past the
 * last zone), or -errno.
 */
static int report_round(const struct file_dev *f, union report_round *buf,
			uint64_t sector, uint32_t nr)
{
	int ret;

	memset(&buf->hdr, 0, sizeof(buf->hdr));
	buf->hdr.sector = sector;
	buf->hdr.nr_zones = nr < REPORT_ROUND ? nr : REPORT_ROUND;
	ret = ioctl(f->fd, BLKREPORTZONE, buf) < 0 ? -errno : 0;
	if (ret < 0)
		return ret;
	return buf->hdr.nr_zones <= REPORT_ROUND ? (int)buf->hdr.nr_zones : 0;
}

/* Where the round after buf starts. */
static uint64_t after(const union report_round *buf, int n)
{
	return buf->hdr.zones[n - 1].start + buf->hdr.zones[n - 1].len;
}

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
	struct blkio_zone *out = r->buf;
	uint64_t sector = r->start >> SECTOR_SHIFT;
	uint32_t want = (uint32_t)r->len, filled = 0;
	union report_round buf;
	int n, i;

	while (filled < want) {
		n = report_round(f, &buf, sector, want - filled);
		if (n < 0)
			return filled ? (int)filled : n;
		if (n == 0)
			break;	/* past the last zone */
		for (i = 0; i < n; i++)
			to_blkio_zone(&buf.hdr.zones[i], &out[filled++]);
		sector = after(&buf, n);
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

/* The ioctl's range: the zone holding sector. */
static int act_on_zone(const struct file_dev *f, unsigned long cmd,
		       uint64_t sector)
{
	struct blk_zone_range range = {
		.sector = f->zone_sectors ?
			  sector / f->zone_sectors * f->zone_sectors : sector,
		.nr_sectors = f->zone_sectors,
	};

	return ioctl_result(ioctl(f->fd, cmd, &range));
}

/* The zones an "all zones" request acts on, as NVMe's Select All does. */
static bool selected(enum req_op op, uint8_t cond)
{
	bool open = cond == BLK_ZONE_COND_IMP_OPEN ||
		    cond == BLK_ZONE_COND_EXP_OPEN;

	switch (op) {
	case REQ_ZONE_OPEN:
		return cond == BLK_ZONE_COND_CLOSED;
	case REQ_ZONE_CLOSE:
		return open;
	default:	/* finish */
		return open || cond == BLK_ZONE_COND_CLOSED;
	}
}

/*
 * Open, close or finish every zone in a state the request applies to
 * (zone by zone: the block layer has no "all" for them); the first
 * error ends it.
 */
static int act_on_selected(const struct file_dev *f, enum req_op op)
{
	unsigned long cmd = action_ioctl(op);
	union report_round buf;
	uint64_t sector = 0;
	int n, i, ret;

	while ((n = report_round(f, &buf, sector, REPORT_ROUND)) > 0) {
		for (i = 0; i < n; i++) {
			if (!selected(op, buf.hdr.zones[i].cond))
				continue;
			ret = act_on_zone(f, cmd, buf.hdr.zones[i].start);
			if (ret < 0)
				return ret;
		}
		sector = after(&buf, n);
	}
	return n;
}

/*
 * One zone (the one holding r->start), or every zone it applies to; a
 * reset of all is one request for the whole device, which the kernel
 * turns into a single reset-all.
 */
static int act(const struct file_dev *f, const struct req *r)
{
	struct blk_zone_range range = { 0 };
	uint64_t capacity;
	int ret;

	if (!(r->flags & REQ_F_ALL_ZONES))
		return act_on_zone(f, action_ioctl(r->op),
				   r->start >> SECTOR_SHIFT);
	if (r->op != REQ_ZONE_RESET)
		return act_on_selected(f, r->op);
	ret = file_capacity(f, &capacity);
	if (ret < 0)
		return ret;
	range.nr_sectors = capacity >> SECTOR_SHIFT;
	return ioctl_result(ioctl(f->fd, BLKRESETZONE, &range));
}

int file_zone_request(const struct file_dev *f, const struct req *r)
{
	if (r->op == REQ_ZONE_REPORT)
		return report(f, r);
	return act(f, r);
}
