// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * Fault-test data: position-dependent patterns (so data landing at the
 * wrong offset or in the wrong iovec is caught) and fault-free access to
 * faultfs' bytes through /raw.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fault-util.h"

uint8_t fu_pattern_byte(uint64_t off, unsigned int seed)
{
	uint64_t x = ((off >> 3) + 1) * 0x9e3779b97f4a7c15ull;

	x ^= ((uint64_t)seed + 1) * 0xd6e8feb86659fd93ull;
	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 29;
	return (uint8_t)(x >> ((off & 7) * 8));
}

void fu_pattern(void *buf, uint64_t off, size_t len, unsigned int seed)
{
	uint8_t *p = buf;

	for (size_t i = 0; i < len; i++)
		p[i] = fu_pattern_byte(off + i, seed);
}

long fu_pattern_diff(const void *buf, uint64_t off, size_t len,
		     unsigned int seed)
{
	const uint8_t *p = buf;

	for (size_t i = 0; i < len; i++)
		if (p[i] != fu_pattern_byte(off + i, seed))
			return (long)i;
	return -1;
}

void *fu_alloc(size_t len)
{
	void *p = NULL;

	ck_assert_msg(posix_memalign(&p, 4096, len ? len : 1) == 0,
		      "out of memory (%zu bytes)", len);
	memset(p, 0xa5, len);
	return p;
}

static int raw_open(int flags)
{
	int fd = open(fu_fs->raw, flags | O_CLOEXEC);

	ck_assert_msg(fd >= 0, "open %s: %s", fu_fs->raw, strerror(errno));
	return fd;
}

void fu_fill(uint64_t off, size_t len, unsigned int seed)
{
	size_t chunk = 1 << 20;
	uint8_t *buf = fu_alloc(chunk);
	int fd = raw_open(O_WRONLY);

	while (len) {
		size_t n = len < chunk ? len : chunk;
		ssize_t w;

		fu_pattern(buf, off, n, seed);
		w = pwrite(fd, buf, n, (off_t)off);
		ck_assert_msg(w == (ssize_t)n, "fill raw at %llu: %zd (%s)",
			      (unsigned long long)off, w, strerror(errno));
		off += n;
		len -= n;
	}
	close(fd);
	free(buf);
}

void fu_raw_read(void *buf, uint64_t off, size_t len)
{
	int fd = raw_open(O_RDONLY);
	uint8_t *p = buf;

	while (len) {
		ssize_t r = pread(fd, p, len, (off_t)off);

		ck_assert_msg(r > 0, "read raw at %llu: %zd (%s)",
			      (unsigned long long)off, r, strerror(errno));
		p += r;
		off += (uint64_t)r;
		len -= (size_t)r;
	}
	close(fd);
}

void fu_assert_buf(const void *buf, uint64_t off, size_t len,
		   unsigned int seed, const char *what)
{
	long i = fu_pattern_diff(buf, off, len, seed);

	ck_assert_msg(i < 0,
		      "%s: byte %ld (file offset %llu) is %#x, expected %#x "
		      "(seed %u)", what, i,
		      (unsigned long long)(off + (uint64_t)i),
		      i < 0 ? 0 : ((const uint8_t *)buf)[i],
		      fu_pattern_byte(off + (uint64_t)(i < 0 ? 0 : i), seed),
		      seed);
}

void fu_assert_raw(uint64_t off, size_t len, unsigned int seed,
		   const char *what)
{
	uint8_t *buf = fu_alloc(len);

	fu_raw_read(buf, off, len);
	fu_assert_buf(buf, off, len, seed, what);
	free(buf);
}

void fu_assert_zero(const void *buf, size_t len, const char *what)
{
	const uint8_t *p = buf;

	for (size_t i = 0; i < len; i++)
		ck_assert_msg(p[i] == 0, "%s: byte %zu is %#x, expected 0",
			      what, i, p[i]);
}

int fu_iov(struct iovec *iov, void *buf, const size_t *lens, int n)
{
	uint8_t *p = buf;

	for (int i = 0; i < n; i++) {
		iov[i].iov_base = p;
		iov[i].iov_len = lens[i];
		p += lens[i];
	}
	return n;
}
