/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/* Helpers of the nvme-io_uring guest tests (see nvme-test.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nvme-test.h"

static int passed, failed;

bool report(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", ok ? "PASS" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (ok)
		passed++;
	else
		failed++;
	return ok;
}

int summary(void)
{
	printf("%d passed, %d failed\n", passed, failed);
	return failed || !passed ? 1 : 0;
}

static uint64_t word(uint64_t seed, uint64_t off)
{
	uint64_t x = seed ^ off;

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

void pattern_fill(void *buf, size_t len, uint64_t off, uint64_t seed)
{
	uint64_t *w = buf;

	for (size_t i = 0; i < len / 8; i++)
		w[i] = word(seed, off + 8 * i);
}

long long pattern_bad(const void *buf, size_t len, uint64_t off,
		      uint64_t seed)
{
	const uint64_t *w = buf;

	for (size_t i = 0; i < len / 8; i++)
		if (w[i] != word(seed, off + 8 * i))
			return (long long)(8 * i);
	return -1;
}

long long zero_bad(const void *buf, size_t len)
{
	const unsigned char *p = buf;

	for (size_t i = 0; i < len; i++)
		if (p[i])
			return (long long)i;
	return -1;
}

uint64_t new_seed(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec) *
	       0x9e3779b97f4a7c15ULL;
}

void *xalloc(size_t len)
{
	void *p;

	if (posix_memalign(&p, 4096, len ? len : 1)) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	memset(p, 0, len);
	return p;
}

struct blkio *nvme_connect_only(const char *path, bool read_only)
{
	struct blkio *b = NULL;

	if (blkio_create("nvme-io_uring", &b) < 0 ||
	    blkio_set_str(b, "path", path) < 0 ||
	    blkio_set_bool(b, "read-only", read_only) < 0 ||
	    blkio_connect(b) < 0) {
		report(false, "%s: create and connect (read-only=%d): %s",
		       path, read_only, blkio_get_error_msg());
		blkio_destroy(&b);
		return NULL;
	}
	return b;
}

struct blkio *nvme_open(const char *path, bool read_only, int queues,
			int poll_queues)
{
	struct blkio *b = nvme_connect_only(path, read_only);

	if (!b)
		return NULL;
	if (blkio_set_int(b, "num-queues", queues) < 0 ||
	    blkio_set_int(b, "num-poll-queues", poll_queues) < 0 ||
	    blkio_start(b) < 0) {
		report(false, "%s: start with %d queues, %d poll queues: %s",
		       path, queues, poll_queues, blkio_get_error_msg());
		blkio_destroy(&b);
		return NULL;
	}
	return b;
}

int wait1(struct blkioq *q, const char **msg)
{
	struct blkio_completion c;
	int n = blkioq_do_io(q, &c, 1, 1, NULL);

	if (msg)
		*msg = n == 1 ? c.error_msg : blkio_get_error_msg();
	if (n != 1)
		return n < 0 ? n : -EPROTO;
	return c.ret;
}

int do_read(struct blkioq *q, uint64_t off, void *buf, size_t len,
	    const char **msg)
{
	blkioq_read(q, off, buf, len, NULL, 0);
	return wait1(q, msg);
}

int do_write(struct blkioq *q, uint64_t off, const void *buf, size_t len,
	     uint32_t flags, const char **msg)
{
	blkioq_write(q, off, buf, len, NULL, flags);
	return wait1(q, msg);
}

static bool sysfs_file(const char *blockdev, const char *attr, char *path,
		       size_t len)
{
	const char *name = strrchr(blockdev, '/');

	name = name ? name + 1 : blockdev;
	return snprintf(path, len, "/sys/block/%s/%s", name, attr) <
	       (int)len;
}

bool sysfs_str(const char *blockdev, const char *attr, char *buf,
	       size_t len)
{
	char path[PATH_MAX];
	bool ok;
	FILE *f;

	if (!sysfs_file(blockdev, attr, path, sizeof(path)))
		return false;
	f = fopen(path, "r");
	if (!f)
		return false;
	ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = '\0';
	return ok;
}

long long sysfs_num(const char *blockdev, const char *attr)
{
	char buf[64], *end;
	long long v;

	if (!sysfs_str(blockdev, attr, buf, sizeof(buf)))
		return -1;
	v = strtoll(buf, &end, 10);
	return end == buf ? -1 : v;
}

bool blockdev_read(const char *blockdev, void *buf, size_t len, uint64_t off)
{
	int fd = open(blockdev, O_RDONLY | O_DIRECT | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	n = pread(fd, buf, len, (off_t)off);
	close(fd);
	return n == (ssize_t)len;
}

const char *msg_of(const char *msg)
{
	static char buf[512];

	if (!msg || !msg[0])
		return "";
	snprintf(buf, sizeof(buf), " (%s)", msg);
	return buf;
}
