/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Zoned-storage requests.  A driver that manages zones says so in its
 * queue_ops (zones) and gets them through submit() like any request;
 * elsewhere each completes with -ENOTSUP, as in libblkio, after the same
 * flag check as other requests.  Whether the device is zoned at all is
 * the driver's to find out: a zone request to a conventional device
 * fails with the device's error.
 */
#include <errno.h>

#include "queue.h"

#define ALL_FLAGS (BLKIO_REQ_FUA | BLKIO_REQ_NO_UNMAP | BLKIO_REQ_NO_FALLBACK)

static void zone_request(struct blkioq *q, enum req_op op, uint64_t start,
			 void *buf, uint32_t nr_zones, bool all_zones,
			 void *user_data, uint32_t flags)
{
	struct req *r;

	if (!q)
		return;
	r = req_alloc(q);
	r->user_data = user_data;
	if (flags & ~(uint32_t)ALL_FLAGS) {
		queue_post(q, r, -EINVAL, "unsupported bits in request flags");
		return;
	}
	if (!q->ops->zones) {
		queue_post(q, r, -ENOTSUP,
			   "request not supported for this driver");
		return;
	}
	if (start > INT64_MAX) {
		queue_post(q, r, -EINVAL,
			   "start must fit in a signed 64-bit integer");
		return;
	}
	r->op = (uint8_t)op;
	r->flags = all_zones ? REQ_F_ALL_ZONES : 0;
	r->start = start;
	r->buf = buf;
	r->len = nr_zones;
	r->expect = REQ_EXPECT_NOTHING;
	r->stage = 0;
	r->retries = 0;
	q->ops->submit(q, r);
}

BLKIO_EXPORT void blkioq_report_zones(struct blkioq *q, uint64_t offset,
				      struct blkio_zone *zones,
				      uint32_t nr_zones, void *user_data,
				      uint32_t flags)
{
	zone_request(q, REQ_ZONE_REPORT, offset, zones, nr_zones, false,
		     user_data, flags);
}

#define ZONE_OP(name, op)						\
BLKIO_EXPORT void name(struct blkioq *q, uint64_t offset,		\
		       void *user_data, uint32_t flags)			\
{									\
	zone_request(q, op, offset, NULL, 0, false, user_data, flags);	\
}

#define ALL_ZONES_OP(name, op)						\
BLKIO_EXPORT void name(struct blkioq *q, void *user_data,		\
		       uint32_t flags)					\
{									\
	zone_request(q, op, 0, NULL, 0, true, user_data, flags);	\
}

ZONE_OP(blkioq_close_zone, REQ_ZONE_CLOSE)
ZONE_OP(blkioq_finish_zone, REQ_ZONE_FINISH)
ZONE_OP(blkioq_open_zone, REQ_ZONE_OPEN)
ZONE_OP(blkioq_reset_zone, REQ_ZONE_RESET)
ALL_ZONES_OP(blkioq_close_all_zones, REQ_ZONE_CLOSE)
ALL_ZONES_OP(blkioq_finish_all_zones, REQ_ZONE_FINISH)
ALL_ZONES_OP(blkioq_open_all_zones, REQ_ZONE_OPEN)
ALL_ZONES_OP(blkioq_reset_all_zones, REQ_ZONE_RESET)
