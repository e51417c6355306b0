/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Properties every driver has.  Sorted by name (a unit test checks it).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/instance.h"
#include "props.h"

#define INFO(field) offsetof(struct blkio, info.field)

static int get_driver(struct blkio *b, union prop_val *v)
{
	v->s = strdup(b->drv->name);
	return v->s ? 0 : blkio_err(-ENOMEM, "Out of memory");
}

static int get_capacity(struct blkio *b, union prop_val *v)
{
	return instance_capacity(b, &v->u);
}

const struct prop prop_common[] = {
	{
		.name = "buf-alignment",
		.type = PROP_INT, .read = READ_CONNECTED,
		.offset = INFO(buf_alignment),
		.doc = "Required alignment of buffer addresses and lengths",
	}, {
		.name = "can-add-queues",
		.type = PROP_BOOL,
		.offset = INFO(can_add_queues),
		.doc = "Whether blkio_add_queue() is supported",
	}, {
		.name = "can-grow",
		.type = PROP_BOOL,
		.offset = INFO(can_grow),
		.doc = "Reads past the end return zeros and writes extend the device",
	}, {
		.name = "capacity",
		.type = PROP_UINT64, .read = READ_CONNECTED,
		.get = get_capacity,
		.doc = "Device size in bytes, queried on every read",
	}, {
		.name = "discard-alignment",
		.type = PROP_INT, .read = READ_CONNECTED,
		.offset = INFO(discard_alignment),
		.doc = "Alignment of discard requests",
	}, {
		.name = "discard-alignment-offset",
		.type = PROP_INT, .read = READ_CONNECTED,
		.offset = INFO(discard_alignment_offset),
		.doc = "Offset of the first discard-aligned block",
	}, {
		.name = "driver",
		.type = PROP_STR,
		.get = get_driver,
		.doc = "Name of the driver passed to blkio_create()",
	}, {
		.name = "fd",
		.type = PROP_INT, .write = WRITE_CREATED,
		.offset = offsetof(struct blkio, fd),
		.doc = "File descriptor of the device (-1 to use path)",
	}, {
		.name = "flush-needed",
		.type = PROP_BOOL,
		.offset = INFO(flush_needed),
		.doc = "Whether completed writes need a flush to be durable",
	}, {
		.name = "max-discard-len",
		.type = PROP_UINT64, .read = READ_CONNECTED,
		.offset = INFO(max_discard_len),
		.doc = "Maximum discard length in bytes (0: unlimited)",
	}, {
		.name = "max-mem-regions",
		.type = PROP_UINT64,
		.offset = INFO(max_mem_regions),
		.doc = "Maximum number of mapped memory regions",
	}, {
		.name = "max-queues",
		.type = PROP_INT,
		.offset = INFO(max_queues),
		.doc = "Maximum number of queues, poll queues included",
	}, {
		.name = "max-segment-len",
		.type = PROP_INT, .read = READ_CONNECTED,
		.offset = INFO(max_segment_len),
		.doc = "Maximum length of one iovec element (0: unlimited)",
	}, {
		.name = "max-segments",
		.type = PROP_INT, .read = READ_CONNECTED,
		.offset = INFO(max_segments),
		.doc = "Maximum number of iovec elements in one request",
	}, {
		.name = "max-transfer",
		.type = PROP_INT, .read = READ_CONNECTED,
		.offset = INFO(max_transfer),
		.doc = "Maximum length of one read or write (0: unlimited)",
	}, {
		.name = "max-write-zeroes-len",
		.type = PROP_UINT64, .read = READ_CONNECTED,
		.offset = INFO(max_write_zeroes_len),
		.doc = "Maximum write-zeroes length in bytes (0: unlimited)",
	}, {
		.name = "may-pin-mem-regions",
		.type = PROP_BOOL,
		.offset = INFO(may_pin_mem_regions),
		.doc = "Whether mapping a memory region may pin its pages",
	}, {
		.name = "mem-region-alignment",
		.type = PROP_UINT64, .read = READ_CONNECTED,
		.offset = INFO(mem_region_alignment),
		.doc = "Required alignment of memory region addresses and lengths",
	}, {
		.name = "needs-mem-region-fd",
		.type = PROP_BOOL,
		.offset = INFO(needs_mem_region_fd),
		.doc = "Whether mapped memory regions need a file descriptor",
	}, {
		.name = "needs-mem-regions",
		.type = PROP_BOOL,
		.offset = INFO(needs_mem_regions),
		.doc = "Whether I/O buffers must lie in mapped memory regions",
	}, {
		.name = "num-poll-queues",
		.type = PROP_INT, .write = WRITE_CONNECTED,
		.offset = offsetof(struct blkio, num_poll_queues),
		.range = RANGE_NON_NEGATIVE,
		.doc = "Number of poll queues blkio_start() creates",
	}, {
		.name = "num-queues",
		.type = PROP_INT, .write = WRITE_CONNECTED,
		.offset = offsetof(struct blkio, num_queues),
		.range = RANGE_NON_NEGATIVE,
		.doc = "Number of regular queues blkio_start() creates",
	}, {
		.name = "optimal-buf-alignment",
		.type = PROP_INT, .read = READ_CONNECTED,
		.offset = INFO(optimal_buf_alignment),
		.doc = "Buffer alignment that gives the best performance",
	}, {
		.name = "optimal-io-alignment",
		.type = PROP_INT, .read = READ_CONNECTED,
		.offset = INFO(optimal_io_alignment),
		.doc = "Request alignment that gives the best performance",
	}, {
		.name = "optimal-io-size",
		.type = PROP_INT, .read = READ_CONNECTED,
		.offset = INFO(optimal_io_size),
		.doc = "Request size that gives the best performance (0: unknown)",
	}, {
		.name = "path",
		.type = PROP_STR, .write = WRITE_CREATED,
		.offset = offsetof(struct blkio, path),
		.doc = "Path of the device or file to open",
	}, {
		.name = "read-only",
		.type = PROP_BOOL, .write = WRITE_CREATED,
		.offset = offsetof(struct blkio, read_only),
		.doc = "Open the device read-only",
	}, {
		.name = "request-alignment",
		.type = PROP_INT, .read = READ_CONNECTED,
		.offset = INFO(request_alignment),
		.doc = "Required alignment of request offsets and lengths",
	}, {
		.name = "supports-fua-natively",
		.type = PROP_BOOL,
		.offset = INFO(supports_fua_natively),
		.doc = "Whether BLKIO_REQ_FUA is native rather than emulated",
	}, {
		.name = "supports-poll-queues",
		.type = PROP_BOOL,
		.offset = INFO(supports_poll_queues),
		.doc = "Whether poll queues work on this device",
	},
};

const size_t prop_common_count = sizeof(prop_common) / sizeof(prop_common[0]);
