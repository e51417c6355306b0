/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * The virtio-blk drivers' own properties, and the common ones they
 * answer differently from the file drivers (libblkio 1.5, contract 6.5):
 * the limits are readable with their defaults before connect, max-queues
 * and max-mem-regions only after, "fd" is refused where the transport
 * takes none.  Every transport uses this table as it is.
 */
#include <errno.h>

#include "vblk-props.h"

#define DEV(field) offsetof(struct vblk_dev, field)
#define INFO(field) offsetof(struct vblk_dev, info.field)

int vblk_set_queue_size(struct blkio *b, const union prop_val *v)
{
	struct vblk_dev *d = vblk_dev(b);

	if (v->i <= 0 || v->i & (v->i - 1) || v->i > d->max_queue_size)
		return blkio_err(-EINVAL,
				 "queue-size must be a power of two between 1 and %d",
				 d->max_queue_size);
	d->queue_size = v->i;
	return 0;
}

/* libblkio 1.4 and later: -ENOENT where the transport takes no fd. */
int vblk_set_fd(struct blkio *b, const union prop_val *v)
{
	struct vblk_dev *d = vblk_dev(b);

	if (!d->t->takes_fd)
		return blkio_err(-ENOENT, "fd property not supported");
	d->fd = v->i;
	return 0;
}

#define LIMIT(prop_name, prop_type, field, text)		\
	{							\
		.name = prop_name,				\
		.type = prop_type,				\
		.offset = INFO(field),				\
		.doc = text,					\
	}

/* Sorted by name; offsets into struct vblk_dev. */
const struct prop vblk_props[VBLK_NR_PROPS] = {
	LIMIT("buf-alignment", PROP_INT, buf_alignment,
	      "Required alignment of buffer addresses and lengths"),
	{
		.name = "device-timeout-ms",
		.type = PROP_INT, .write = WRITE_CREATED,
		.range = RANGE_NON_NEGATIVE,
		.offset = DEV(device_timeout_ms),
		.doc = "Milliseconds a wait may see no completion before the device is given up on (0: never)",
	},
	LIMIT("discard-alignment", PROP_INT, discard_alignment,
	      "Alignment of discard requests"),
	LIMIT("discard-alignment-offset", PROP_INT, discard_alignment_offset,
	      "Offset of the first discard-aligned block"),
	{
		.name = "fd",
		.type = PROP_INT, .write = WRITE_CREATED,
		.offset = DEV(fd),
		.set = vblk_set_fd,
		.doc = "File descriptor of the vhost-vdpa device (-1 to use path); other transports: not supported",
	},
	LIMIT("max-discard-len", PROP_UINT64, max_discard_len,
	      "Maximum discard length in bytes (0: unlimited)"),
	{
		.name = "max-mem-regions",
		.type = PROP_UINT64, .read = READ_CONNECTED,
		.offset = DEV(max_mem_regions),
		.doc = "Maximum number of mapped memory regions",
	}, {
		.name = "max-queue-size",
		.type = PROP_INT,
		.offset = DEV(max_queue_size),
		.doc = "Largest queue-size accepted",
	}, {
		.name = "max-queues",
		.type = PROP_INT, .read = READ_CONNECTED,
		.offset = DEV(max_queues),
		.doc = "Maximum number of queues, poll queues included",
	},
	LIMIT("max-segment-len", PROP_INT, max_segment_len,
	      "Maximum length of one iovec element (0: unlimited)"),
	LIMIT("max-segments", PROP_INT, max_segments,
	      "Maximum number of iovec elements in one request"),
	LIMIT("max-transfer", PROP_INT, max_transfer,
	      "Maximum length of one read or write (0: unlimited)"),
	LIMIT("max-write-zeroes-len", PROP_UINT64, max_write_zeroes_len,
	      "Maximum write-zeroes length in bytes (0: unlimited)"),
	LIMIT("mem-region-alignment", PROP_UINT64, mem_region_alignment,
	      "Required alignment of memory region addresses and lengths"),
	LIMIT("optimal-buf-alignment", PROP_INT, optimal_buf_alignment,
	      "Buffer alignment that gives the best performance"),
	LIMIT("optimal-io-alignment", PROP_INT, optimal_io_alignment,
	      "Request alignment that gives the best performance"),
	LIMIT("optimal-io-size", PROP_INT, optimal_io_size,
	      "Request size that gives the best performance (0: unknown)"),
	{
		.name = "queue-size",
		.type = PROP_INT, .write = WRITE_CONNECTED,
		.offset = DEV(queue_size),
		.set = vblk_set_queue_size,
		.doc = "Descriptors in each virtqueue (a power of two)",
	},
	LIMIT("request-alignment", PROP_INT, request_alignment,
	      "Required alignment of request offsets and lengths"),
};

_Static_assert(sizeof(vblk_props) / sizeof(vblk_props[0]) == VBLK_NR_PROPS,
	       "VBLK_NR_PROPS");
