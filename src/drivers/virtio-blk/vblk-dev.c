/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * A virtio-blk device as a whole: the defaults libblkio reports before
 * connect, the features asked for, the configuration space checked and
 * turned into limits, the shared area set up at start, capacity.
 *
 * The configuration space comes from the device, which this library
 * does not trust: every value is checked and clamped before it becomes a
 * limit the data path relies on.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "vblk.h"

/* Most data segments per request, whatever the device says (memory). */
#define VBLK_MAX_SEGS 1024

/* Largest piece of one read or write when the device sets no limit. */
#define VBLK_MAX_PIECE (1u << 30)

/* Largest block size accepted from the device. */
#define VBLK_MAX_BLK_SIZE (1u << 16)

void vblk_init(struct vblk_dev *d, struct dev_info *defaults,
	       const struct vblk_transport *t)
{
	struct dev_info *i = &d->info;

	d->t = t;
	d->fd = -1;
	d->device_timeout_ms = t->device_timeout_ms;
	d->liveness_fd = -1;
	d->liveness_events = POLLRDHUP;
	d->queue_size = 256;
	d->max_queue_size = 32768;
	d->shm.fd = -1;

	/* libblkio 1.5's created-state values (contract 6.5). */
	*i = *defaults;
	i->can_add_queues = false;
	i->can_grow = false;
	i->flush_needed = true;
	i->may_pin_mem_regions = true;
	i->needs_mem_region_fd = true;
	i->needs_mem_regions = true;
	i->supports_fua_natively = false;
	i->supports_poll_queues = true;
	i->buf_alignment = 1;
	i->discard_alignment = 512;
	i->discard_alignment_offset = 0;
	i->max_segment_len = 0;
	i->max_segments = 1;
	i->max_transfer = 0;
	i->optimal_buf_alignment = 1;
	i->optimal_io_alignment = 512;
	i->optimal_io_size = 0;
	i->request_alignment = 512;
	i->max_discard_len = 0;
	i->max_write_zeroes_len = 0;
	i->mem_region_alignment = 1;
	*defaults = *i;
}

uint64_t vblk_wanted_features(const struct vblk_dev *d, uint64_t offered)
{
	uint64_t wanted = VIRTIO_BIT(VIRTIO_F_VERSION_1) |
			  VIRTIO_BIT(VIRTIO_RING_F_INDIRECT_DESC) |
			  VIRTIO_BIT(VIRTIO_RING_F_EVENT_IDX) |
			  VIRTIO_BIT(VIRTIO_BLK_F_SIZE_MAX) |
			  VIRTIO_BIT(VIRTIO_BLK_F_SEG_MAX) |
			  VIRTIO_BIT(VIRTIO_BLK_F_RO) |
			  VIRTIO_BIT(VIRTIO_BLK_F_BLK_SIZE) |
			  VIRTIO_BIT(VIRTIO_BLK_F_FLUSH) |
			  VIRTIO_BIT(VIRTIO_BLK_F_TOPOLOGY) |
			  VIRTIO_BIT(VIRTIO_BLK_F_MQ) |
			  VIRTIO_BIT(VIRTIO_BLK_F_DISCARD) |
			  VIRTIO_BIT(VIRTIO_BLK_F_WRITE_ZEROES) |
			  d->t->features;

	return offered & wanted;
}

static bool power_of_two(uint64_t v)
{
	return v && !(v & (v - 1));
}

static uint64_t round_down(uint64_t v, uint64_t a)
{
	return v / a * a;
}

/* Bytes in one discard or write-zeroes: the device's limit in sectors. */
static uint64_t range_limit(uint32_t sectors, uint32_t blk_size)
{
	uint64_t max = (uint64_t)UINT32_MAX << VIRTIO_BLK_SECTOR_SHIFT;

	if (sectors && ((uint64_t)sectors << VIRTIO_BLK_SECTOR_SHIFT) < max)
		max = (uint64_t)sectors << VIRTIO_BLK_SECTOR_SHIFT;
	max = round_down(max, blk_size);
	return max ? max : blk_size;
}

static int check_block_size(struct vblk_dev *d,
			    const struct virtio_blk_config *cfg)
{
	uint32_t bs = VIRTIO_BLK_SECTOR_SIZE;

	if (vblk_has(d, VIRTIO_BLK_F_BLK_SIZE)) {
		bs = le32toh(cfg->blk_size);
		if (!power_of_two(bs) || bs < VIRTIO_BLK_SECTOR_SIZE ||
		    bs > VBLK_MAX_BLK_SIZE)
			return blkio_err(-EIO,
					 "virtio-blk device reports an invalid block size %u",
					 bs);
	}
	d->blk_size = bs;
	return 0;
}

/*
 * Bytes in one read or write piece: what max_segs segments of at most
 * max_seg_len bytes carry, whole blocks only.  0 when not even one block
 * fits: such a device cannot do I/O.
 */
static uint32_t rw_limit(const struct vblk_dev *d)
{
	uint64_t max_rw = VBLK_MAX_PIECE;

	if (d->max_seg_len &&
	    (uint64_t)d->max_seg_len * d->max_segs < max_rw)
		max_rw = (uint64_t)d->max_seg_len * d->max_segs;
	return (uint32_t)round_down(max_rw, d->blk_size);
}

/* Segments and transfer size: what one read or write may carry. */
static int transfer_limits(struct vblk_dev *d,
			   const struct virtio_blk_config *cfg)
{
	struct dev_info *i = &d->info;

	d->max_segs = 1;
	if (vblk_has(d, VIRTIO_BLK_F_SEG_MAX) && le32toh(cfg->seg_max))
		d->max_segs = le32toh(cfg->seg_max);
	if (d->max_segs > VBLK_MAX_SEGS)
		d->max_segs = VBLK_MAX_SEGS;
	d->max_seg_len = 0;
	if (vblk_has(d, VIRTIO_BLK_F_SIZE_MAX))
		d->max_seg_len = le32toh(cfg->size_max);
	d->max_rw = rw_limit(d);
	if (!d->max_rw)
		return blkio_err(-EIO,
				 "virtio-blk device limits (size_max %u x seg_max %u) do not fit one block",
				 d->max_seg_len, d->max_segs);

	i->max_segments = (int)d->max_segs;
	i->max_segment_len = d->max_seg_len > INT_MAX ? 0 :
			     (int)d->max_seg_len;
	i->max_transfer = d->max_seg_len ? (int)d->max_rw : 0;
	return 0;
}

static void topology(struct vblk_dev *d, const struct virtio_blk_config *cfg)
{
	struct dev_info *i = &d->info;
	uint64_t opt;

	i->request_alignment = (int)d->blk_size;
	i->optimal_io_alignment = (int)d->blk_size;
	i->optimal_io_size = 0;
	if (!vblk_has(d, VIRTIO_BLK_F_TOPOLOGY))
		return;
	/* A physical block of more than 1 MiB is not believed. */
	if (cfg->physical_block_exp <= 20 &&
	    ((uint64_t)d->blk_size << cfg->physical_block_exp) <= (1u << 20))
		i->optimal_io_alignment = (int)(d->blk_size <<
						 cfg->physical_block_exp);
	opt = (uint64_t)le32toh(cfg->opt_io_size) * d->blk_size;
	if (opt <= INT_MAX && opt % i->optimal_io_alignment == 0)
		i->optimal_io_size = (int)opt;
}

static void range_limits(struct vblk_dev *d,
			 const struct virtio_blk_config *cfg)
{
	struct dev_info *i = &d->info;
	uint32_t align;

	d->max_discard = range_limit(le32toh(cfg->max_discard_sectors),
				     d->blk_size);
	d->max_wz = range_limit(le32toh(cfg->max_write_zeroes_sectors),
				d->blk_size);
	d->wz_may_unmap = cfg->write_zeroes_may_unmap;
	i->discard_alignment = (int)d->blk_size;
	i->discard_alignment_offset = 0;
	i->max_discard_len = 0;
	i->max_write_zeroes_len = 0;
	if (vblk_has(d, VIRTIO_BLK_F_DISCARD)) {
		i->max_discard_len = d->max_discard;
		align = le32toh(cfg->discard_sector_alignment);
		if (align && align <= (1u << 21) &&
		    power_of_two((uint64_t)align << VIRTIO_BLK_SECTOR_SHIFT) &&
		    ((uint64_t)align << VIRTIO_BLK_SECTOR_SHIFT) >= d->blk_size)
			i->discard_alignment = (int)(align <<
						     VIRTIO_BLK_SECTOR_SHIFT);
	}
	if (vblk_has(d, VIRTIO_BLK_F_WRITE_ZEROES))
		i->max_write_zeroes_len = d->max_wz;
}

static void queue_limits(struct vblk_dev *d,
			 const struct virtio_blk_config *cfg)
{
	unsigned n = 1;

	if (vblk_has(d, VIRTIO_BLK_F_MQ) && le16toh(cfg->num_queues))
		n = le16toh(cfg->num_queues);
	/* A transport may have lowered max_queues already (its own limit). */
	if (d->max_queues <= 0 || (int)n < d->max_queues)
		d->max_queues = (int)n;
	d->info.max_queues = d->max_queues;
}

/*
 * After the transport negotiated features: read the configuration space
 * and fill in every limit.  Called by the transport's connect.
 */
int vblk_configure(struct vblk_dev *d, uint64_t features,
		   const struct drv_settings *s, struct drv_device *dev)
{
	struct virtio_blk_config cfg;
	int ret;

	if (!(features & VIRTIO_BIT(VIRTIO_F_VERSION_1)))
		return blkio_err(-ENOTSUP,
				 "virtio-blk device does not offer VIRTIO_F_VERSION_1");
	d->features = features;
	memset(&cfg, 0, sizeof(cfg));
	ret = d->t->get_config(d, &cfg, sizeof(cfg));
	if (ret < 0)
		return ret;
	ret = check_block_size(d, &cfg);
	if (ret < 0)
		return ret;
	ret = transfer_limits(d, &cfg);
	if (ret < 0)
		return ret;
	topology(d, &cfg);
	range_limits(d, &cfg);
	queue_limits(d, &cfg);
	d->info.flush_needed = vblk_has(d, VIRTIO_BLK_F_FLUSH);
	d->info.max_mem_regions = d->max_mem_regions;
	d->dev_ro = vblk_has(d, VIRTIO_BLK_F_RO);
	d->read_only = s->read_only;

	dev->fd = -1;
	dev->read_only = s->read_only;
	dev->info = d->info;
	return 0;
}

/*
 * One shared area for the rings and headers of every queue: one memory
 * region on the device's side, however many queues there are.
 */
int vblk_start(struct blkio *b, int num_queues, int num_poll_queues)
{
	struct vblk_dev *d = vblk_dev(b);
	bool indirect = vblk_has(d, VIRTIO_RING_F_INDIRECT_DESC);
	long total = (long)num_queues + num_poll_queues;
	int ret;

	if (total == 0)
		return blkio_err(-EINVAL,
				 "At least one of num_queues and num_poll_queues must be greater than 0");
	if (total > d->max_queues)
		return blkio_err(-EINVAL,
				 "num-queues + num-poll-queues (%ld) exceeds max-queues (%d)",
				 total, d->max_queues);
	if (d->dev_ro && !d->read_only)
		return blkio_err(-EROFS,
				 "Device is read-only; set property read-only to true");
	if (vblk_broken(d))
		return blkio_err(-EIO, "%s", d->broken_msg);

	vblk_stop(d);
	/* Without indirect tables a request's chain must fit the ring. */
	if (!indirect && d->max_segs + 2 > (unsigned)d->queue_size) {
		if (d->queue_size < 3)
			return blkio_err(-EINVAL,
					 "queue-size %d is too small for a request without indirect descriptors",
					 d->queue_size);
		d->max_segs = (unsigned)d->queue_size - 2;
		d->max_rw = rw_limit(d);
		if (!d->max_rw)
			return blkio_err(-EINVAL,
					 "queue-size %d leaves too few descriptors for one block",
					 d->queue_size);
	}
	d->ind_max = d->max_segs + 2;
	vq_layout(&d->layout, (unsigned)d->queue_size, d->ind_max, indirect);
	ret = d->t->alloc_shared(d, d->layout.len * (size_t)total, &d->shm);
	if (ret < 0)
		return ret;
	d->nr_vqs = (unsigned)total;
	d->next_vq = 0;
	return 0;
}

void vblk_stop(struct vblk_dev *d)
{
	if (d->shm.addr)
		d->t->free_shared(d, &d->shm);
	d->shm = (struct vblk_shm){ .fd = -1 };
	d->nr_vqs = d->next_vq = 0;
}

int vblk_get_capacity(struct blkio *b, uint64_t *capacity)
{
	struct vblk_dev *d = vblk_dev(b);
	struct virtio_blk_config cfg;
	uint64_t sectors;
	int ret;

	ret = d->t->get_config(d, &cfg, sizeof(cfg.capacity));
	if (ret < 0)
		return ret;
	sectors = le64toh(cfg.capacity);
	if (sectors > INT64_MAX >> VIRTIO_BLK_SECTOR_SHIFT)
		return blkio_err(-EIO,
				 "virtio-blk device reports an invalid capacity of %llu sectors",
				 (unsigned long long)sectors);
	*capacity = sectors << VIRTIO_BLK_SECTOR_SHIFT;
	return 0;
}

/* The first reason wins; the flag is what the data path tests. */
void vblk_set_broken(struct vblk_dev *d, const char *msg)
{
	const char *expected = NULL;

	__atomic_compare_exchange_n(&d->broken_msg, &expected, msg, false,
				    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	__atomic_store_n(&d->broken, 1, __ATOMIC_RELEASE);
}
