/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Helpers of the nvme-io_uring guest tests (nvme-io.c, nvme-zones.c):
 * PASS/FAIL lines, a data pattern, instances and single requests.  Only
 * blkio.h of the library; sysfs and the block device for cross-checks.
 */
#ifndef NVME_TEST_H
#define NVME_TEST_H

#include <blkio.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One PASS/FAIL line; returns ok. */
bool report(bool ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* "N passed, N failed"; the exit status (0 all passed, else 1). */
int summary(void);

/* The pattern: each 8-byte word a function of seed and device offset. */
void pattern_fill(void *buf, size_t len, uint64_t off, uint64_t seed);
/* Offset into buf of the first wrong word, or -1. */
long long pattern_bad(const void *buf, size_t len, uint64_t off,
		      uint64_t seed);
/* Offset of the first non-zero byte, or -1. */
long long zero_bad(const void *buf, size_t len);
uint64_t new_seed(void);

/* Zeroed memory aligned to 4 KiB; exits on failure. */
void *xalloc(size_t len);

/*
 * Create nvme-io_uring on path, read-only as asked, connect, set the
 * queue counts and start.  NULL (with a FAIL line) on failure.
 */
struct blkio *nvme_open(const char *path, bool read_only, int queues,
			int poll_queues);

/* Just create and connect. */
struct blkio *nvme_connect_only(const char *path, bool read_only);

/* Queue nothing; wait for exactly one completion; its ret (or the
 * do_io error).  *msg gets the completion's error_msg. */
int wait1(struct blkioq *q, const char **msg);

/* One request, waited for: the completion's ret. */
int do_read(struct blkioq *q, uint64_t off, void *buf, size_t len,
	    const char **msg);
int do_write(struct blkioq *q, uint64_t off, const void *buf, size_t len,
	     uint32_t flags, const char **msg);

/* queue/ATTR of a block device (a number), or -1. */
long long sysfs_num(const char *blockdev, const char *attr);
/* queue/ATTR as text into buf, or false. */
bool sysfs_str(const char *blockdev, const char *attr, char *buf,
	       size_t len);

/* O_DIRECT pread of the block device; false on error or short read. */
bool blockdev_read(const char *blockdev, void *buf, size_t len, uint64_t off);

/* "" or " (message)" for a report line. */
const char *msg_of(const char *msg);

#endif
