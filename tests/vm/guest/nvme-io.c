/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * The nvme-io_uring driver on real (emulated) NVMe namespaces, in the VM
 * test world (tests/vm/configs/nvme.sh):
 *
 *   nvme-io NG BLOCKDEV POLLS [NG BLOCKDEV POLLS]...
 *
 * NG is a namespace's generic char device, BLOCKDEV its block device (for
 * cross-checks through the kernel's block layer and sysfs), POLLS 1 when
 * its controller has poll queues.  For each: the properties Identify and
 * sysfs should give, data written and read back and compared (read/write
 * and readv/writev, sizes from one block to max-transfer, depths 1 to
 * 32), flush, FUA, write-zeroes (with and without NO_UNMAP: zeros read
 * back), discard, the requests refused with the right errno, read-only
 * mode, poll queues (no NVMe interrupt where the controller polls),
 * several queues from several threads, the completion fd.
 *
 * Uses only blkio.h of the library.  One PASS/FAIL line per check;
 * exits 0 if every check passed, else 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "nvme-io.h"

static void check_properties(struct target *t)
{
	struct blkio *b = nvme_connect_only(t->ng, false);
	long long lbs = sysfs_num(t->blk, "queue/logical_block_size");
	long long hw_kb = sysfs_num(t->blk, "queue/max_hw_sectors_kb");
	long long sectors = sysfs_num(t->blk, "size");
	uint64_t wz = 0, dl = 0, mra = 0;
	int ra = 0, ba = 0, oba = 0, zoned = -1, entries = 0;
	bool fua = false, sup = !t->polls, grow = true, flush = false;
	char wc[32] = "", *mode = NULL;

	if (!b)
		return;
	blkio_get_int(b, "request-alignment", &ra);
	blkio_get_int(b, "buf-alignment", &ba);
	blkio_get_uint64(b, "mem-region-alignment", &mra);
	blkio_get_int(b, "optimal-buf-alignment", &oba);
	blkio_get_int(b, "max-transfer", &t->max_transfer);
	blkio_get_uint64(b, "capacity", &t->capacity);
	t->lba = ra > 0 ? (unsigned)ra : 512;
	report(lbs > 0 && ra == lbs && ba == ra && mra == (uint64_t)ra &&
	       oba == (ra > 4096 ? ra : 4096),
	       "%s: request-alignment %d = logical_block_size %lld; buf-alignment %d, mem-region-alignment %llu, optimal-buf-alignment %d",
	       t->ng, ra, lbs, ba, (unsigned long long)mra, oba);
	report(sectors > 0 && t->capacity == (uint64_t)sectors * 512,
	       "%s: capacity %llu = %lld sectors of the block device",
	       t->ng, (unsigned long long)t->capacity, sectors);
	report(t->max_transfer > 0 && t->max_transfer % ra == 0 &&
	       hw_kb > 0 && t->max_transfer <= hw_kb * 1024,
	       "%s: max-transfer %d: a multiple of the block, at most max_hw_sectors_kb %lld KiB",
	       t->ng, t->max_transfer, hw_kb);
	blkio_get_uint64(b, "max-write-zeroes-len", &wz);
	blkio_get_uint64(b, "max-discard-len", &dl);
	report(wz > 0 && wz % (uint64_t)ra == 0 && dl > 0 &&
	       dl % (uint64_t)ra == 0,
	       "%s: max-write-zeroes-len %llu, max-discard-len %llu (ONCS: Write Zeroes, DSM)",
	       t->ng, (unsigned long long)wz, (unsigned long long)dl);
	blkio_get_bool(b, "supports-fua-natively", &fua);
	blkio_get_bool(b, "can-grow", &grow);
	blkio_get_int(b, "zoned", &zoned);
	blkio_get_int(b, "num-entries", &entries);
	report(fua && !grow && zoned == 0 && entries == 128,
	       "%s: supports-fua-natively %d, can-grow %d, zoned %d, num-entries %d",
	       t->ng, fua, grow, zoned, entries);
	blkio_get_bool(b, "flush-needed", &flush);
	sysfs_str(t->blk, "queue/write_cache", wc, sizeof(wc));
	report(flush == (strcmp(wc, "write back") == 0),
	       "%s: flush-needed %d (Identify VWC), queue/write_cache \"%s\"",
	       t->ng, flush, wc);
	blkio_get_bool(b, "supports-poll-queues", &sup);
	blkio_get_str(b, "poll-queue-mode", &mode);
	report(sup == t->polls && mode &&
	       strcmp(mode, t->polls ? "iopoll" : "busy-poll") == 0,
	       "%s: supports-poll-queues %d, poll-queue-mode %s (queue/io_poll %lld)",
	       t->ng, sup, mode ? mode : "?", sysfs_num(t->blk, "queue/io_poll"));
	free(mode);
	blkio_destroy(&b);
}

/* The block device, a regular file: not a generic char device. */
static void check_refused_paths(const struct target *t)
{
	struct blkio *b = NULL;
	int ret;

	blkio_create("nvme-io_uring", &b);
	blkio_set_str(b, "path", t->blk);
	ret = blkio_connect(b);
	report(ret == -EINVAL &&
	       strcmp(blkio_get_error_msg(), "The file must be a character device") == 0,
	       "%s: connect to the block device refused: %d (%s)", t->blk,
	       ret, blkio_get_error_msg());
	blkio_destroy(&b);
}

static const struct io_case regular_cases[] = {
	{ 512, 0, 1, 16, WAIT_ONE, 0 },
	{ 4096, 0, 8, 128, WAIT_ONE, 0 },
	{ 4096, 0, 32, 256, WAIT_ALL, 0 },
	{ 65536, 0, 16, 64, WAIT_POLL, 0 },
	{ 131072, 0, 4, 16, WAIT_ONE, BLKIO_REQ_FUA },
	{ 0, 0, 2, 8, WAIT_ALL, 0 },
	{ 16384, 3, 8, 64, WAIT_ONE, 0 },
	{ 65536, 8, 4, 32, WAIT_ALL, BLKIO_REQ_FUA },
	{ 0, 16, 2, 4, WAIT_ONE, 0 },
};

static void data_cases(const struct target *t)
{
	struct blkio *b = nvme_open(t->ng, false, 1, 0);
	struct blkioq *q = b ? blkio_get_queue(b, 0) : NULL;
	char why[256];

	for (size_t i = 0; q && i < sizeof(regular_cases) /
				     sizeof(regular_cases[0]); i++) {
		const struct io_case *c = &regular_cases[i];
		size_t size = c->size ? c->size : (size_t)t->max_transfer;

		if (size < t->lba)
			continue;
		report(io_case(q, c, size, t->lba, 0, why, sizeof(why)),
		       "%s: regular queue, %s%s%s", t->ng, case_name(c, size),
		       why[0] ? ": " : "", why);
		why[0] = '\0';
	}
	blkio_destroy(&b);
}

/* What the passthrough path wrote, the block layer reads. */
static void cross_check(const struct target *t, struct blkioq *q)
{
	size_t len = 65536;
	uint64_t off = 8 << 20, seed = new_seed();
	void *buf = xalloc(len), *back = xalloc(len);
	const char *msg = NULL;
	int ret;

	pattern_fill(buf, len, off, seed);
	ret = do_write(q, off, buf, len, 0, &msg);
	report(ret == 0 && blockdev_read(t->blk, back, len, off) &&
	       pattern_bad(back, len, off, seed) < 0,
	       "%s: 64 KiB written by passthrough read back through %s: %s%s",
	       t->ng, t->blk, ret ? strerror(-ret) : "ok", msg_of(msg));
	free(buf);
	free(back);
}

/* Write a pattern, zero the middle, check zeros there and the pattern
 * around them. */
static void write_zeroes_case(const struct target *t, struct blkioq *q,
			      uint32_t flags, const char *what)
{
	size_t len = 3 * 65536;
	uint64_t off = 12 << 20, seed = new_seed();
	void *buf = xalloc(len);
	const char *msg = NULL;
	int ret;

	pattern_fill(buf, len, off, seed);
	ret = do_write(q, off, buf, len, 0, &msg);
	if (ret == 0) {
		blkioq_write_zeroes(q, off + 65536, 65536, NULL, flags);
		ret = wait1(q, &msg);
	}
	if (ret == 0)
		ret = do_read(q, off, buf, len, &msg);
	report(ret == 0 && pattern_bad(buf, 65536, off, seed) < 0 &&
	       zero_bad((char *)buf + 65536, 65536) < 0 &&
	       pattern_bad((char *)buf + 131072, 65536, off + 131072, seed) < 0,
	       "%s: write-zeroes%s of 64 KiB between patterns: zeros read back, neighbours intact: %s%s",
	       t->ng, what, ret ? strerror(-ret) : "ok", msg_of(msg));
	free(buf);
}

static void special_requests(const struct target *t)
{
	struct blkio *b = nvme_open(t->ng, false, 1, 0);
	struct blkioq *q = b ? blkio_get_queue(b, 0) : NULL;
	const char *msg = NULL;
	uint64_t wz = 0;
	int ret;

	if (!q)
		return;
	cross_check(t, q);
	blkioq_flush(q, NULL, 0);
	ret = wait1(q, &msg);
	report(ret == 0, "%s: flush: %d%s", t->ng, ret, msg_of(msg));
	write_zeroes_case(t, q, 0, " (deallocate)");
	write_zeroes_case(t, q, BLKIO_REQ_NO_UNMAP, " NO_UNMAP");
	write_zeroes_case(t, q, BLKIO_REQ_FUA, " FUA");

	/* The largest write-zeroes in one request, where the device has room. */
	blkio_get_uint64(b, "max-write-zeroes-len", &wz);
	if (wz && wz <= t->capacity / 2) {
		blkioq_write_zeroes(q, 0, wz, NULL, 0);
		ret = wait1(q, &msg);
		report(ret == 0, "%s: write-zeroes of max-write-zeroes-len (%llu B): %d%s",
		       t->ng, (unsigned long long)wz, ret, msg_of(msg));
	}
	blkioq_discard(q, 16 << 20, 1 << 20, NULL, 0);
	ret = wait1(q, &msg);
	report(ret == 0, "%s: discard of 1 MiB: %d%s", t->ng, ret, msg_of(msg));
	blkio_destroy(&b);
}

/* One request that must fail with want and a message naming why. */
static void expect_error(const struct target *t, struct blkioq *q,
			 const char *what, int want, const char *msg_part)
{
	const char *msg = NULL;
	int ret = wait1(q, &msg);

	report(ret == want && msg && strstr(msg, msg_part),
	       "%s: %s: %d (%s), want %d and a message with \"%s\"", t->ng,
	       what, ret, msg ? msg : "no message", want, msg_part);
}

static void refused_requests(const struct target *t)
{
	struct blkio *b = nvme_open(t->ng, false, 1, 0);
	struct blkioq *q = b ? blkio_get_queue(b, 0) : NULL;
	uint64_t wz = 0, dl = 0;
	void *buf;
	size_t big;

	if (!q)
		return;
	big = (size_t)t->max_transfer + t->lba;
	buf = xalloc(big);
	blkio_get_uint64(b, "max-write-zeroes-len", &wz);
	blkio_get_uint64(b, "max-discard-len", &dl);

	blkioq_read(q, 1, buf, t->lba, NULL, 0);
	expect_error(t, q, "read at offset 1", -EINVAL, "request-alignment");
	blkioq_write(q, 0, buf, t->lba + 1, NULL, 0);
	expect_error(t, q, "write of a block + 1 byte", -EINVAL,
		     "request-alignment");
	blkioq_read(q, 0, buf, big, NULL, 0);
	expect_error(t, q, "read of max-transfer + a block", -EINVAL,
		     "max-transfer");
	blkioq_write_zeroes(q, 0, wz + t->lba, NULL, 0);
	expect_error(t, q, "write-zeroes over max-write-zeroes-len", -EINVAL,
		     "max-write-zeroes-len");
	blkioq_discard(q, 0, dl + t->lba, NULL, 0);
	expect_error(t, q, "discard over max-discard-len", -EINVAL,
		     "max-discard-len");
	/* The device's answer, with its status code in the message. */
	blkioq_read(q, t->capacity, buf, t->lba, NULL, 0);
	expect_error(t, q, "read at the capacity (device: LBA Out of Range)",
		     -ERANGE, "NVMe status 0x080");
	blkioq_reset_zone(q, 0, NULL, 0);
	expect_error(t, q, "reset zone on a conventional namespace", -ENOTSUP,
		     "not zoned");
	free(buf);
	blkio_destroy(&b);
}

static void read_only_mode(const struct target *t)
{
	struct blkio *b = nvme_open(t->ng, true, 1, 0);
	struct blkioq *q = b ? blkio_get_queue(b, 0) : NULL;
	struct iovec iov;
	const char *msg = NULL;
	bool ro = false;
	void *buf;
	int ret;

	if (!q)
		return;
	buf = xalloc(t->lba);
	iov = (struct iovec){ buf, t->lba };
	blkio_get_bool(b, "read-only", &ro);
	report(ro, "%s: read-only reads back true after connect", t->ng);
	blkioq_write(q, 0, buf, t->lba, NULL, 0);
	expect_error(t, q, "read-only: write", -EBADF, "driver is in read-only mode");
	blkioq_writev(q, 0, &iov, 1, NULL, 0);
	expect_error(t, q, "read-only: writev", -EBADF, "driver is in read-only mode");
	blkioq_write_zeroes(q, 0, t->lba, NULL, 0);
	expect_error(t, q, "read-only: write-zeroes", -EBADF,
		     "driver is in read-only mode");
	blkioq_discard(q, 0, t->lba, NULL, 0);
	expect_error(t, q, "read-only: discard", -EBADF,
		     "driver is in read-only mode");
	ret = do_read(q, 0, buf, t->lba, &msg);
	report(ret == 0, "%s: read-only: read works: %d%s", t->ng, ret,
	       msg_of(msg));
	blkioq_flush(q, NULL, 0);
	ret = wait1(q, &msg);
	report(ret == 0, "%s: read-only: flush works: %d%s", t->ng, ret,
	       msg_of(msg));
	free(buf);
	blkio_destroy(&b);
}

/* The fd property: the library takes the caller's fd and closes it. */
static void fd_property(const struct target *t)
{
	int fd = open(t->ng, O_RDWR | O_CLOEXEC), v = -1;
	struct blkio *b = NULL;
	const char *msg = NULL;
	char *path = NULL;
	void *buf = xalloc(t->lba);
	int ret;

	blkio_create("nvme-io_uring", &b);
	blkio_set_int(b, "fd", fd);
	ret = blkio_connect(b);
	if (ret == 0)
		ret = blkio_start(b);
	blkio_get_int(b, "fd", &v);
	blkio_get_str(b, "path", &path);
	if (ret == 0)
		ret = do_read(blkio_get_queue(b, 0), 0, buf, t->lba, &msg);
	blkio_destroy(&b);
	report(ret == 0 && v == fd && path && !path[0] &&
	       fcntl(fd, F_GETFD) < 0,
	       "%s: connect through the fd property: %d%s, fd %d, path \"%s\", closed at destroy",
	       t->ng, ret, msg_of(msg), v, path ? path : "?");
	free(path);
	free(buf);
}

int main(int argc, char **argv)
{
	if (argc < 4 || (argc - 1) % 3) {
		fprintf(stderr, "usage: %s NG BLOCKDEV POLLS [NG BLOCKDEV POLLS]...\n",
			argv[0]);
		return 2;
	}
	for (int i = 1; i + 2 < argc; i += 3) {
		struct target t = {
			.ng = argv[i], .blk = argv[i + 1],
			.polls = strcmp(argv[i + 2], "1") == 0,
		};

		printf("== %s (%s), controller %s poll queues\n", t.ng, t.blk,
		       t.polls ? "with" : "without");
		check_properties(&t);
		if (!t.max_transfer || !t.capacity)
			continue;
		check_refused_paths(&t);
		data_cases(&t);
		special_requests(&t);
		refused_requests(&t);
		read_only_mode(&t);
		fd_property(&t);
		poll_queue_cases(&t);
		multi_queue_cases(&t);
		completion_fd_case(&t);
	}
	return summary();
}
