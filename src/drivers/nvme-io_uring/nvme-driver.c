/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * The nvme-io_uring driver's table and its own properties: libblkio's
 * (num-entries and the zoned ones) and poll-queue-mode, as io_uring has.
 */

#include "nvme.h"

/* The zoned properties: plain values that connect sets. */
#define ZONED(prop_type, field)						\
	.type = prop_type, .write = WRITE_NEVER,			\
	.offset = offsetof(struct nvme_dev, field)

/* Sorted by name; offsets into struct nvme_dev. */
static const struct prop nvme_props[] = {
	{
		.name = "append-support", ZONED(PROP_BOOL, append_support),
		.doc = "The device supports Zone Append (zoned namespaces)",
	}, {
		.name = "max-active-zones", ZONED(PROP_INT, max_active_zones),
		.doc = "Zones that may be open or closed at once; 0: no limit",
	}, {
		.name = "max-open-zones", ZONED(PROP_INT, max_open_zones),
		.doc = "Zones that may be open at once; 0: no limit",
	}, {
		.name = "nr-zones", ZONED(PROP_UINT64, nr_zones),
		.doc = "Number of zones",
	}, {
		.name = "num-entries",
		.type = PROP_INT, .write = WRITE_CONNECTED,
		.offset = offsetof(struct nvme_dev, num_entries),
		.range = RANGE_POSITIVE,
		.doc = "Submission queue entries of each queue's io_uring",
	}, {
		.name = "poll-queue-mode",
		.type = PROP_STR, .read = READ_CONNECTED,
		.offset = offsetof(struct nvme_dev, poll_queue_mode),
		.doc = "How poll queues poll: iopoll (the device) or busy-poll (the ring)",
	}, {
		.name = "submit-batching",
		.type = PROP_BOOL, .write = WRITE_CREATED,
		.offset = offsetof(struct nvme_dev, submit_batching),
		.doc = "Submit-only calls may leave requests for the next call while an event loop drains completions",
	}, {
		.name = "zone-append-max-bytes",
		ZONED(PROP_UINT64, zone_append_max_bytes),
		.doc = "Largest Zone Append in bytes",
	}, {
		.name = "zone-size", ZONED(PROP_UINT64, zone_size),
		.doc = "Size of each zone in bytes",
	}, {
		.name = "zoned", ZONED(PROP_INT, zoned),
		.doc = "0: not zoned, 1: host-aware, 2: host-managed",
	},
};

static void nvme_init(void *priv, struct dev_info *defaults)
{
	struct nvme_dev *d = priv;

	d->num_entries = 128;
	d->submit_batching = true;
	d->fd = -1;
	defaults->supports_fua_natively = true;
}

const struct driver nvme_io_uring_driver = {
	.name = "nvme-io_uring",
	.priv_size = sizeof(struct nvme_dev),
	.props = nvme_props,
	.nr_props = ARRAY_SIZE(nvme_props),
	.init = nvme_init,
	.connect = nvme_connect,
	.add_queue = nvme_add_queue,
	.remove_queue = nvme_remove_queue,
	.get_capacity = nvme_get_capacity,
};
