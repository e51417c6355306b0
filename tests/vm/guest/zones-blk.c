/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Zones through the block layer: the io_uring and linux-aio drivers on a
 * zoned block device (the zoned NVMe namespace's /dev/nvmeXnY), in the
 * VM test world (tests/vm/configs/nvme.sh):
 *
 *   zones-blk ZONED_BLOCKDEV CONVENTIONAL_BLOCKDEV
 *
 * For each driver: reports (count, geometry, types, states, write
 * pointers) against the kernel's own BLKREPORTZONE, partial reports and
 * reports from inside a zone; O_DIRECT writes at the write pointer moving
 * it and reading back, writes elsewhere failing with the device's error;
 * open, close, finish and reset of one zone (by any offset inside it) and
 * of all zones, with NVMe's "all" semantics (open all opens the closed
 * zones, finish and close all leave empty zones alone); and on a
 * conventional device every zone request completing with -ENOTSUP.
 *
 * Uses only blkio.h of the library.  One PASS/FAIL line per check; exits
 * 0 if every check passed, else 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nvme-test.h"
#include "zone-test.h"

#define MAX_ZONES ZT_MAX_ZONES

static const char *blk, *drv;
static uint64_t zone_size, nr_zones;

static struct blkio *open_dev(const char *path)
{
	struct blkio *b = NULL;

	if (blkio_create(drv, &b) < 0 || blkio_set_str(b, "path", path) < 0 ||
	    blkio_set_bool(b, "direct", true) < 0 || blkio_connect(b) < 0 ||
	    blkio_start(b) < 0) {
		report(false, "%s: open %s: %s", drv, path,
		       blkio_get_error_msg());
		blkio_destroy(&b);
		return NULL;
	}
	return b;
}

static int report_zones(struct blkioq *q, uint64_t off, struct blkio_zone *z,
			uint32_t n, const char **msg)
{
	return zt_report(q, off, z, n, msg);
}

static struct blkio_zone zone_of(struct blkioq *q, unsigned i)
{
	return zt_zone(q, zone_size, i);
}

static void compare_with_kernel(struct blkioq *q, const char *when)
{
	char label[32];

	snprintf(label, sizeof(label), "%s: ", drv);
	zt_compare_with_kernel(q, blk, label, when);
}

static void geometry(struct blkioq *q)
{
	struct blkio_zone z[MAX_ZONES];
	const char *msg = NULL;
	int n;

	zone_size = (uint64_t)sysfs_num(blk, "queue/chunk_sectors") * 512;
	nr_zones = (uint64_t)sysfs_num(blk, "queue/nr_zones");
	blkioq_reset_all_zones(q, NULL, 0);
	report(wait1(q, &msg) == 0, "%s: reset all%s", drv, msg_of(msg));
	n = report_zones(q, 0, z, MAX_ZONES, &msg);
	report(n > 0 && (uint64_t)n == nr_zones && z[0].len == zone_size &&
	       z[0].zone_type == BLKIO_ZONE_TYPE_SEQWRITE_REQ &&
	       z[0].zone_state == BLKIO_ZONE_STATE_EMPTY &&
	       z[n - 1].start == (uint64_t)(n - 1) * zone_size,
	       "%s: report of %d zones (queue/nr_zones %llu), %llu bytes each, sequential-write-required, empty%s",
	       drv, n, (unsigned long long)nr_zones,
	       (unsigned long long)z[0].len, msg_of(msg));
	compare_with_kernel(q, "after reset all");
	n = report_zones(q, 0, z, 3, &msg);
	report(n == 3 && z[2].start == 2 * zone_size,
	       "%s: asking for 3 zones gives 3: %d", drv, n);
	n = report_zones(q, 5 * zone_size + 4096, z, 2, &msg);
	report(n == 2 && z[0].start == 5 * zone_size,
	       "%s: a report from inside zone 5 starts with zone 5: %d, start %llu",
	       drv, n, (unsigned long long)(n > 0 ? z[0].start : 0));
	n = report_zones(q, (nr_zones - 1) * zone_size, z, 8, &msg);
	report(n == 1, "%s: a report from the last zone gives 1 zone: %d", drv,
	       n);
}

static void sequential_writes(struct blkioq *q)
{
	const size_t len = 64 * 1024;
	void *buf = xalloc(len), *back = xalloc(len);
	uint64_t seed = new_seed(), start = 2 * zone_size;
	const char *msg = NULL;
	struct blkio_zone z;
	int ret;

	pattern_fill(buf, len, start, seed);
	ret = do_write(q, start, buf, len, 0, &msg);
	z = zone_of(q, 2);
	report(ret == 0 && z.write_pointer == start + len &&
	       z.zone_state == BLKIO_ZONE_STATE_IMP_OPEN,
	       "%s: 64 KiB at zone 2's write pointer: %d%s; write pointer +%llu, state %u",
	       drv, ret, msg_of(msg),
	       (unsigned long long)(z.write_pointer - start), z.zone_state);
	ret = do_read(q, start, back, len, &msg);
	report(ret == 0 && pattern_bad(back, len, start, seed) < 0,
	       "%s: read back: %d%s, data %s", drv, ret, msg_of(msg),
	       pattern_bad(back, len, start, seed) < 0 ? "verified" :
							  "differs");
	ret = do_write(q, start, buf, 4096, 0, &msg);
	report(ret < 0, "%s: a write behind the write pointer fails: %d%s",
	       drv, ret, msg_of(msg));
	ret = do_write(q, start + len + 1024 * 1024, buf, 4096, 0, &msg);
	report(ret < 0, "%s: a write past the write pointer fails: %d%s", drv,
	       ret, msg_of(msg));
	report(zone_of(q, 2).write_pointer == start + len,
	       "%s: the failed writes left the write pointer", drv);
	compare_with_kernel(q, "after sequential writes");
	free(buf);
	free(back);
}

static int one(struct blkioq *q,
	       void (*op)(struct blkioq *, uint64_t, void *, uint32_t),
	       unsigned i, const char **msg)
{
	/* Any offset inside the zone names it. */
	op(q, i * zone_size + 8192, NULL, 0);
	return wait1(q, msg);
}

static int all(struct blkioq *q, void (*op)(struct blkioq *, void *, uint32_t),
	       const char **msg)
{
	op(q, NULL, 0);
	return wait1(q, msg);
}

static void expect(struct blkioq *q, unsigned i, int ret, const char *msg,
		   const char *what, unsigned state, uint64_t wp_off)
{
	struct blkio_zone z = zone_of(q, i);

	report(ret == 0 && z.zone_state == state &&
	       z.write_pointer == i * zone_size + wp_off,
	       "%s: %s zone %u: %d%s; state %u, write pointer +%llu (want %u, +%llu)",
	       drv, what, i, ret, msg_of(msg), z.zone_state,
	       (unsigned long long)(z.write_pointer - i * zone_size), state,
	       (unsigned long long)wp_off);
}

static void actions(struct blkioq *q)
{
	void *buf = xalloc(4096);
	const char *msg = NULL;
	int ret;

	ret = one(q, blkioq_open_zone, 3, &msg);
	expect(q, 3, ret, msg, "open", BLKIO_ZONE_STATE_EXP_OPEN, 0);
	do_write(q, 3 * zone_size, buf, 4096, 0, NULL);
	ret = one(q, blkioq_close_zone, 3, &msg);
	expect(q, 3, ret, msg, "close", BLKIO_ZONE_STATE_CLOSED, 4096);
	ret = one(q, blkioq_finish_zone, 3, &msg);
	expect(q, 3, ret, msg, "finish", BLKIO_ZONE_STATE_FULL, zone_size);
	ret = one(q, blkioq_reset_zone, 3, &msg);
	expect(q, 3, ret, msg, "reset", BLKIO_ZONE_STATE_EMPTY, 0);

	/* Zone 2 is implicitly open from sequential_writes(); 4 gets data. */
	do_write(q, 4 * zone_size, buf, 4096, 0, NULL);
	ret = all(q, blkioq_close_all_zones, &msg);
	expect(q, 4, ret, msg, "close all:", BLKIO_ZONE_STATE_CLOSED, 4096);
	expect(q, 6, ret, msg, "close all leaves empty",
	       BLKIO_ZONE_STATE_EMPTY, 0);
	ret = all(q, blkioq_open_all_zones, &msg);
	expect(q, 4, ret, msg, "open all (the closed ones):",
	       BLKIO_ZONE_STATE_EXP_OPEN, 4096);
	expect(q, 6, ret, msg, "open all leaves empty",
	       BLKIO_ZONE_STATE_EMPTY, 0);
	ret = all(q, blkioq_finish_all_zones, &msg);
	expect(q, 2, ret, msg, "finish all:", BLKIO_ZONE_STATE_FULL, zone_size);
	expect(q, 6, ret, msg, "finish all leaves empty",
	       BLKIO_ZONE_STATE_EMPTY, 0);
	compare_with_kernel(q, "after finish all");
	ret = all(q, blkioq_reset_all_zones, &msg);
	expect(q, 2, ret, msg, "reset all:", BLKIO_ZONE_STATE_EMPTY, 0);
	expect(q, 4, ret, msg, "reset all:", BLKIO_ZONE_STATE_EMPTY, 0);
	free(buf);
}

/* A device that is not zoned answers as libblkio's io_uring driver does. */
static void conventional(const char *path)
{
	struct blkio *b = open_dev(path);
	struct blkioq *q = b ? blkio_get_queue(b, 0) : NULL;
	struct blkio_zone z[2];
	const char *msg = NULL;
	int ret;

	if (!q)
		return;
	ret = report_zones(q, 0, z, 2, &msg);
	report(ret == -ENOTSUP && msg &&
	       strcmp(msg, "request not supported for this driver") == 0,
	       "%s: report zones on a conventional device: %d%s (want -ENOTSUP)",
	       drv, ret, msg_of(msg));
	ret = all(q, blkioq_reset_all_zones, &msg);
	report(ret == -ENOTSUP, "%s: reset all on a conventional device: %d%s",
	       drv, ret, msg_of(msg));
	blkio_destroy(&b);
}

int main(int argc, char **argv)
{
	static const char *const drivers[] = { "io_uring", "linux-aio" };

	if (argc != 3) {
		fprintf(stderr, "usage: %s ZONED_BLOCKDEV CONVENTIONAL_BLOCKDEV\n",
			argv[0]);
		return 2;
	}
	blk = argv[1];
	for (size_t d = 0; d < sizeof(drivers) / sizeof(drivers[0]); d++) {
		struct blkio *b;
		struct blkioq *q;

		drv = drivers[d];
		b = open_dev(blk);
		q = b ? blkio_get_queue(b, 0) : NULL;
		if (q) {
			geometry(q);
			sequential_writes(q);
			actions(q);
		}
		blkio_destroy(&b);
		conventional(argv[2]);
	}
	return summary();
}
