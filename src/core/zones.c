/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Zoned-storage requests.  No driver in this release talks to a zoned
 * device (libblkio implements them only in nvme-io_uring), so each one
 * completes with -ENOTSUP, after the same flag check as other requests.
 */
#include <errno.h>

#include "queue.h"

static void unsupported(struct blkioq *q, void *user_data, uint32_t flags)
{
	struct req *r;

	if (!q)
		return;
	r = req_alloc(q);
	r->user_data = user_data;
	if (flags & ~(uint32_t)(BLKIO_REQ_FUA | BLKIO_REQ_NO_UNMAP |
				BLKIO_REQ_NO_FALLBACK))
		queue_post(q, r, -EINVAL, "unsupported bits in request flags");
	else
		queue_post(q, r, -ENOTSUP,
			   "request not supported for this driver");
}

BLKIO_EXPORT void blkioq_report_zones(struct blkioq *q, uint64_t offset,
				      struct blkio_zone *zones,
				      uint32_t nr_zones, void *user_data,
				      uint32_t flags)
{
	unsupported(q, user_data, flags);
}

#define ZONE_OP(name)							\
BLKIO_EXPORT void name(struct blkioq *q, uint64_t offset,		\
		       void *user_data, uint32_t flags)			\
{									\
	unsupported(q, user_data, flags);				\
}

#define ALL_ZONES_OP(name)						\
BLKIO_EXPORT void name(struct blkioq *q, void *user_data,		\
		       uint32_t flags)					\
{									\
	unsupported(q, user_data, flags);				\
}

ZONE_OP(blkioq_close_zone)
ZONE_OP(blkioq_finish_zone)
ZONE_OP(blkioq_open_zone)
ZONE_OP(blkioq_reset_zone)
ALL_ZONES_OP(blkioq_close_all_zones)
ALL_ZONES_OP(blkioq_finish_all_zones)
ALL_ZONES_OP(blkioq_open_all_zones)
ALL_ZONES_OP(blkioq_reset_all_zones)
