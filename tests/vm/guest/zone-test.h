/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Helpers of the zone guest tests (nvme-zones.c, zones-blk.c): reports
 * through the library, and the kernel's own report of the block device
 * to compare them with.
 */
#ifndef ZONE_TEST_H
#define ZONE_TEST_H

#include <blkio.h>
#include <stdint.h>

#define ZT_MAX_ZONES 64

/* Report from off into z (poisoned first); the completion's ret. */
int zt_report(struct blkioq *q, uint64_t off, struct blkio_zone *z,
	      uint32_t n, const char **msg);

/* Zone i of zone_size bytes, as the library reports it. */
struct blkio_zone zt_zone(struct blkioq *q, uint64_t zone_size, unsigned i);

/*
 * A PASS/FAIL line: the library's report of every zone equals the block
 * layer's BLKREPORTZONE of blockdev (label and when say what and when).
 */
void zt_compare_with_kernel(struct blkioq *q, const char *blockdev,
			    const char *label, const char *when);

#endif
