/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Zones through nvme-io_uring on a Zoned Namespace, in the VM test world
 * (tests/vm/configs/nvme.sh):
 *
 *   nvme-zones NG BLOCKDEV
 *
 * The zoned properties against the kernel's view (sysfs); zone reports
 * (count, types, states, write pointers, capacities) against the block
 * layer's BLKREPORTZONE; sequential writes moving the write pointer, a
 * write elsewhere failing with the device's error; open, close, finish
 * and reset of one zone and of all; the open-zone limit; reports on a
 * poll queue, several reports in flight, read-only mode.
 *
 * Uses only blkio.h of the library.  One PASS/FAIL line per check;
 * exits 0 if every check passed, else 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/blkzoned.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "nvme-test.h"
#include "zone-test.h"

#define MAX_ZONES 64

static const char *ng, *blk;
static uint64_t zone_size, nr_zones, capacity;

static const char *state_name(unsigned s)
{
	switch (s) {
	case BLKIO_ZONE_STATE_EMPTY: return "empty";
	case BLKIO_ZONE_STATE_IMP_OPEN: return "implicitly open";
	case BLKIO_ZONE_STATE_EXP_OPEN: return "explicitly open";
	case BLKIO_ZONE_STATE_CLOSED: return "closed";
	case BLKIO_ZONE_STATE_READONLY: return "read-only";
	case BLKIO_ZONE_STATE_FULL: return "full";
	case BLKIO_ZONE_STATE_OFFLINE: return "offline";
	default: return "?";
	}
}

static void properties(struct blkio *b)
{
	int zoned = -1, mo = -1, ma = -1;
	uint64_t am = 0;
	bool append = false;

	blkio_get_int(b, "zoned", &zoned);
	blkio_get_uint64(b, "zone-size", &zone_size);
	blkio_get_uint64(b, "nr-zones", &nr_zones);
	blkio_get_uint64(b, "capacity", &capacity);
	blkio_get_int(b, "max-open-zones", &mo);
	blkio_get_int(b, "max-active-zones", &ma);
	blkio_get_bool(b, "append-support", &append);
	blkio_get_uint64(b, "zone-append-max-bytes", &am);
	report(zoned == 2, "zoned = %d (host-managed), queue/zoned = host-managed",
	       zoned);
	report(zone_size == (uint64_t)sysfs_num(blk, "queue/chunk_sectors") * 512,
	       "zone-size %llu = queue/chunk_sectors * 512",
	       (unsigned long long)zone_size);
	report((long long)nr_zones == sysfs_num(blk, "queue/nr_zones") &&
	       nr_zones * zone_size == capacity,
	       "nr-zones %llu = queue/nr_zones, capacity %llu",
	       (unsigned long long)nr_zones, (unsigned long long)capacity);
	report(mo == sysfs_num(blk, "queue/max_open_zones") &&
	       ma == sysfs_num(blk, "queue/max_active_zones"),
	       "max-open-zones %d, max-active-zones %d = queue/max_open_zones, queue/max_active_zones",
	       mo, ma);
	report(append && (long long)am ==
			 sysfs_num(blk, "queue/zone_append_max_bytes"),
	       "append-support %d, zone-append-max-bytes %llu = queue/zone_append_max_bytes",
	       append, (unsigned long long)am);
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
	zt_compare_with_kernel(q, blk, "", when);
}

static void fresh_report(struct blkioq *q)
{
	struct blkio_zone z[MAX_ZONES];
	const char *msg = NULL;
	int n, bad = -1;

	blkioq_reset_all_zones(q, NULL, 0);
	n = wait1(q, &msg);
	report(n == 0, "reset all zones: %d%s", n, msg_of(msg));
	n = report_zones(q, 0, z, MAX_ZONES, &msg);
	for (int i = 0; i < n && bad < 0; i++)
		if (z[i].start != i * zone_size || z[i].len != zone_size ||
		    z[i].capacity == 0 || z[i].capacity > zone_size ||
		    z[i].write_pointer != z[i].start ||
		    z[i].zone_type != BLKIO_ZONE_TYPE_SEQWRITE_REQ ||
		    z[i].zone_state != BLKIO_ZONE_STATE_EMPTY || z[i].reset)
			bad = i;
	report((uint64_t)n == nr_zones && bad < 0,
	       "report asking for %d zones: %d (want %llu), all sequential-write-required, empty, write pointer at the start, capacity %llu%s",
	       MAX_ZONES, n, (unsigned long long)nr_zones,
	       n > 0 ? (unsigned long long)z[0].capacity : 0ULL,
	       bad >= 0 ? " - a zone differs" : "");
	compare_with_kernel(q, "after reset");

	n = report_zones(q, 5 * zone_size + 12345 * 512, z, 3, &msg);
	report(n == 3 && z[0].start == 5 * zone_size &&
	       z[2].start == 7 * zone_size,
	       "report of 3 zones from inside zone 5: %d, starting at zone %llu",
	       n, n > 0 ? (unsigned long long)(z[0].start / zone_size) : 0ULL);
	n = report_zones(q, (nr_zones - 1) * zone_size, z, 4, &msg);
	report(n == 1, "report of 4 zones from the last zone: %d", n);
	n = report_zones(q, 0, z, 0, &msg);
	report(n == 0, "report of 0 zones: %d", n);
	n = report_zones(q, capacity, z, 2, &msg);
	report(n == 0, "report from the capacity: %d", n);
}

static void sequential_writes(struct blkioq *q)
{
	size_t len = 69632, first = 4096;
	uint64_t seed = new_seed();
	void *buf = xalloc(len), *back = xalloc(len);
	struct iovec iov[2] = {
		{ (char *)buf + first, 16384 },
		{ (char *)buf + first + 16384, len - first - 16384 },
	};
	const char *msg = NULL;
	struct blkio_zone z;
	int ret;

	pattern_fill(buf, len, 0, seed);
	ret = do_write(q, 0, buf, first, 0, &msg);
	z = zone_of(q, 0);
	report(ret == 0 && z.write_pointer == first &&
	       z.zone_state == BLKIO_ZONE_STATE_IMP_OPEN,
	       "write of 4 KiB at zone 0's write pointer: %d%s; write pointer %llu, %s",
	       ret, msg_of(msg), (unsigned long long)z.write_pointer,
	       state_name(z.zone_state));
	blkioq_writev(q, first, iov, 2, NULL, 0);
	ret = wait1(q, &msg);
	z = zone_of(q, 0);
	report(ret == 0 && z.write_pointer == len,
	       "writev of 64 KiB at the write pointer: %d%s; write pointer %llu",
	       ret, msg_of(msg), (unsigned long long)z.write_pointer);
	ret = do_read(q, 0, back, len, &msg);
	report(ret == 0 && pattern_bad(back, len, 0, seed) < 0,
	       "read back of the zone's 68 KiB: %d%s, data %s", ret,
	       msg_of(msg), pattern_bad(back, len, 0, seed) < 0 ? "verified" : "differs");
	ret = do_write(q, 0, buf, first, 0, &msg);
	report(ret == -EIO && msg && strstr(msg, "0x1bc"),
	       "write at zone 0's start, behind the write pointer: %d%s (want -EIO, Zone Invalid Write)",
	       ret, msg_of(msg));
	ret = do_write(q, len + 4096, buf, first, 0, &msg);
	report(ret == -EIO && msg && strstr(msg, "NVMe status"),
	       "write past the write pointer: %d%s (want -EIO)", ret,
	       msg_of(msg));
	z = zone_of(q, 0);
	report(z.write_pointer == len, "failed writes left the write pointer at %llu",
	       (unsigned long long)z.write_pointer);
	compare_with_kernel(q, "after sequential writes");
	free(buf);
	free(back);
}

/* One zone management request on zone i (or all); the completion's ret. */
static int zone_op(struct blkioq *q, void (*op)(struct blkioq *, uint64_t,
						void *, uint32_t),
		   unsigned i, const char **msg)
{
	op(q, i * zone_size + 4096, NULL, 0);
	return wait1(q, msg);
}

static int all_op(struct blkioq *q, void (*op)(struct blkioq *, void *,
					       uint32_t), const char **msg)
{
	op(q, NULL, 0);
	return wait1(q, msg);
}

static void expect_state(struct blkioq *q, unsigned i, int ret,
			 const char *msg, const char *what, unsigned want,
			 uint64_t want_wp)
{
	struct blkio_zone z = zone_of(q, i);

	report(ret == 0 && z.zone_state == want && z.write_pointer == want_wp,
	       "%s zone %u: %d%s; %s, write pointer %llu (want %s at %llu)",
	       what, i, ret, msg_of(msg), state_name(z.zone_state),
	       (unsigned long long)(z.write_pointer - i * zone_size),
	       state_name(want), (unsigned long long)(want_wp - i * zone_size));
}

static void one_zone(struct blkioq *q)
{
	const unsigned i = 1;
	uint64_t start = i * zone_size;
	void *buf = xalloc(4096);
	const char *msg = NULL;
	int ret;

	ret = zone_op(q, blkioq_open_zone, i, &msg);
	expect_state(q, i, ret, msg, "open", BLKIO_ZONE_STATE_EXP_OPEN, start);
	ret = do_write(q, start, buf, 4096, 0, &msg);
	expect_state(q, i, ret, msg, "write 4 KiB to explicitly open",
		     BLKIO_ZONE_STATE_EXP_OPEN, start + 4096);
	ret = zone_op(q, blkioq_close_zone, i, &msg);
	expect_state(q, i, ret, msg, "close", BLKIO_ZONE_STATE_CLOSED,
		     start + 4096);
	ret = zone_op(q, blkioq_finish_zone, i, &msg);
	expect_state(q, i, ret, msg, "finish", BLKIO_ZONE_STATE_FULL,
		     start + zone_size);
	ret = do_write(q, start + zone_size - 4096, buf, 4096, 0, &msg);
	report(ret == -EIO && msg && strstr(msg, "NVMe status"),
	       "write to the full zone %u: %d%s (want -EIO)", i, ret,
	       msg_of(msg));
	ret = zone_op(q, blkioq_reset_zone, i, &msg);
	expect_state(q, i, ret, msg, "reset", BLKIO_ZONE_STATE_EMPTY, start);
	free(buf);
}

static void all_zones(struct blkioq *q)
{
	void *buf = xalloc(4096);
	const char *msg = NULL;
	int ret;

	/* Zone 0 holds data from sequential_writes(); 2 and 3 get some. */
	for (unsigned i = 2; i <= 3; i++)
		do_write(q, i * zone_size, buf, 4096, 0, NULL);
	ret = all_op(q, blkioq_close_all_zones, &msg);
	for (unsigned i = 2; i <= 3; i++)
		expect_state(q, i, ret, msg, "close all:",
			     BLKIO_ZONE_STATE_CLOSED, i * zone_size + 4096);
	ret = all_op(q, blkioq_open_all_zones, &msg);
	expect_state(q, 3, ret, msg, "open all (the closed ones):",
		     BLKIO_ZONE_STATE_EXP_OPEN, 3 * zone_size + 4096);
	expect_state(q, 4, ret, msg, "open all leaves empty",
		     BLKIO_ZONE_STATE_EMPTY, 4 * zone_size);
	ret = all_op(q, blkioq_finish_all_zones, &msg);
	expect_state(q, 2, ret, msg, "finish all:", BLKIO_ZONE_STATE_FULL,
		     3 * zone_size);
	expect_state(q, 5, ret, msg, "finish all leaves empty",
		     BLKIO_ZONE_STATE_EMPTY, 5 * zone_size);
	compare_with_kernel(q, "after finish all");
	ret = all_op(q, blkioq_reset_all_zones, &msg);
	expect_state(q, 0, ret, msg, "reset all:", BLKIO_ZONE_STATE_EMPTY, 0);
	expect_state(q, 3, ret, msg, "reset all:", BLKIO_ZONE_STATE_EMPTY,
		     3 * zone_size);
	free(buf);
}

/* Explicitly opening one zone more than max-open-zones allows. */
static void open_limit(struct blkio *b, struct blkioq *q)
{
	const char *msg = NULL;
	int mo = 0, ret = 0;
	unsigned i;

	blkio_get_int(b, "max-open-zones", &mo);
	if (mo <= 0 || (uint64_t)mo >= nr_zones) {
		report(false, "max-open-zones %d: no limit to test", mo);
		return;
	}
	for (i = 0; i < (unsigned)mo && ret == 0; i++)
		ret = zone_op(q, blkioq_open_zone, i, &msg);
	report(ret == 0, "open %d zones (max-open-zones): %d%s", mo, ret,
	       msg_of(msg));
	ret = zone_op(q, blkioq_open_zone, i, &msg);
	report(ret == -ETOOMANYREFS && msg && strstr(msg, "0x1be"),
	       "open zone %u, one more: %d%s (want -ETOOMANYREFS, Too Many Open Zones)",
	       i, ret, msg_of(msg));
	ret = all_op(q, blkioq_reset_all_zones, &msg);
	report(ret == 0, "reset all: %d%s", ret, msg_of(msg));
}

/* Several reports in flight share the queue's report buffer in turn. */
static void reports_in_flight(struct blkioq *q)
{
	enum { N = 4 };
	static struct blkio_zone z[N][MAX_ZONES];
	struct blkio_completion c[N];
	int n, good = 0;

	for (int i = 0; i < N; i++)
		blkioq_report_zones(q, (uint64_t)i * zone_size, z[i],
				    MAX_ZONES, z[i], 0);
	n = blkioq_do_io(q, c, N, N, NULL);
	for (int i = 0; i < n; i++) {
		struct blkio_zone *zi = c[i].user_data;
		int first = (int)(zi - &z[0][0]) / MAX_ZONES;

		if (c[i].ret == (int)nr_zones - first &&
		    zi[0].start == (uint64_t)first * zone_size)
			good++;
	}
	report(n == N && good == N,
	       "%d reports in flight on one queue, waited for with min_completions=%d: %d completed, %d right",
	       N, N, n, good);
}

static void poll_queue(struct blkio *b)
{
	int idx = blkio_add_poll_queue(b);
	struct blkioq *pq = idx >= 0 ? blkio_get_poll_queue(b, idx) : NULL;
	struct blkio_zone z[MAX_ZONES];
	void *buf = xalloc(8192);
	const char *msg = NULL;
	int n, ret;

	if (!report(pq != NULL, "a poll queue: %d", idx))
		return;
	n = report_zones(pq, 0, z, MAX_ZONES, &msg);
	report((uint64_t)n == nr_zones, "report on a poll queue: %d%s", n,
	       msg_of(msg));
	ret = do_write(pq, 6 * zone_size, buf, 8192, 0, &msg);
	report(ret == 0 && zone_of(pq, 6).write_pointer == 6 * zone_size + 8192,
	       "write at zone 6's write pointer on a poll queue: %d%s", ret,
	       msg_of(msg));
	blkioq_reset_zone(pq, 6 * zone_size, NULL, 0);
	ret = wait1(pq, &msg);
	report(ret == 0 && zone_of(pq, 6).write_pointer == 6 * zone_size,
	       "reset zone 6 on a poll queue: %d%s", ret, msg_of(msg));
	free(buf);
}

static void read_only(void)
{
	struct blkio *b = nvme_open(ng, true, 1, 0);
	struct blkioq *q = b ? blkio_get_queue(b, 0) : NULL;
	struct blkio_zone z[4];
	const char *msg = NULL;
	int ret;

	if (!q)
		return;
	ret = report_zones(q, 0, z, 4, &msg);
	report(ret == 4, "read-only: report zones: %d%s", ret, msg_of(msg));
	blkioq_reset_zone(q, 0, NULL, 0);
	ret = wait1(q, &msg);
	report(ret == -EBADF && msg && strstr(msg, "read-only"),
	       "read-only: reset zone: %d%s (want -EBADF)", ret, msg_of(msg));
	blkio_destroy(&b);
}

int main(int argc, char **argv)
{
	struct blkio *b;
	struct blkioq *q;

	if (argc != 3) {
		fprintf(stderr, "usage: %s NG BLOCKDEV\n", argv[0]);
		return 2;
	}
	ng = argv[1];
	blk = argv[2];
	b = nvme_open(ng, false, 1, 0);
	q = b ? blkio_get_queue(b, 0) : NULL;
	if (!q)
		return summary();
	properties(b);
	if (!zone_size || !nr_zones || nr_zones > MAX_ZONES) {
		report(false, "%llu zones of %llu bytes: cannot go on",
		       (unsigned long long)nr_zones,
		       (unsigned long long)zone_size);
		return summary();
	}
	fresh_report(q);
	sequential_writes(q);
	one_zone(q);
	all_zones(q);
	open_limit(b, q);
	reports_in_flight(q);
	poll_queue(b);
	read_only();
	blkio_destroy(&b);
	return summary();
}
