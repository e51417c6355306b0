/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/blkzoned.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "nvme-test.h"
#include "zone-test.h"

int zt_report(struct blkioq *q, uint64_t off, struct blkio_zone *z,
	      uint32_t n, const char **msg)
{
	memset(z, 0xa5, sizeof(*z) * n);
	blkioq_report_zones(q, off, z, n, NULL, 0);
	return wait1(q, msg);
}

struct blkio_zone zt_zone(struct blkioq *q, uint64_t zone_size, unsigned i)
{
	struct blkio_zone z = { 0 };

	zt_report(q, i * zone_size, &z, 1, NULL);
	return z;
}

/* The kernel's report, for comparison; the number of zones or -1. */
static int kernel_report(const char *blockdev, struct blk_zone *out,
			 unsigned n)
{
	size_t len = sizeof(struct blk_zone_report) + n * sizeof(*out);
	struct blk_zone_report *r = calloc(1, len);
	int fd = open(blockdev, O_RDONLY | O_CLOEXEC), got = -1;

	if (r && fd >= 0) {
		r->nr_zones = n;
		if (ioctl(fd, BLKREPORTZONE, r) == 0) {
			got = (int)r->nr_zones;
			memcpy(out, r->zones, got * sizeof(*out));
		}
	}
	if (fd >= 0)
		close(fd);
	free(r);
	return got;
}

static bool same_zone(const struct blkio_zone *z, const struct blk_zone *k)
{
	return z->start == k->start * 512 && z->len == k->len * 512 &&
	       z->capacity == k->capacity * 512 &&
	       z->write_pointer == k->wp * 512 && z->zone_state == k->cond &&
	       z->zone_type == k->type && z->reset == k->reset;
}

void zt_compare_with_kernel(struct blkioq *q, const char *blockdev,
			    const char *label, const char *when)
{
	struct blkio_zone z[ZT_MAX_ZONES];
	struct blk_zone k[ZT_MAX_ZONES];
	const char *msg = NULL;
	int n = zt_report(q, 0, z, ZT_MAX_ZONES, &msg);
	int kn = kernel_report(blockdev, k, ZT_MAX_ZONES), bad = -1;

	for (int i = 0; n == kn && i < n && bad < 0; i++)
		if (!same_zone(&z[i], &k[i]))
			bad = i;
	report(n > 0 && n == kn && bad < 0,
	       "%s%s: report of %d zones equals BLKREPORTZONE's %d (first difference: %d)%s",
	       label, when, n, kn, bad, msg_of(n < 0 ? msg : NULL));
}
