/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Self-checking data blocks for --verify.
 *
 * Every block written with --verify starts with a header (magic, the
 * block's own byte offset, the pattern seed, the block size and a checksum
 * over header and body), followed by a body that is a pure function of
 * (offset, seed).  Because the content depends on nothing else, a block
 * read while a concurrent request rewrites it is still whole and valid,
 * and a later run with the same seed and block size can check what an
 * earlier one wrote.  Fields are in host byte order.
 */
#ifndef BENCH_VERIFY_H
#define BENCH_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VERIFY_MAGIC 0x31424b4c42424c42ull	/* "BLBBLKB1" */
#define VERIFY_MIN_BLOCKSIZE 64

struct verify_header {
	uint64_t magic;
	uint64_t offset;
	uint64_t seed;
	uint32_t blocksize;
	uint32_t reserved;
	uint64_t checksum;
};

/* Fill buf (blocksize bytes, 8-byte aligned) with the block for offset. */
void verify_stamp(void *buf, uint32_t blocksize, uint64_t offset,
		  uint64_t seed);

/*
 * Invalidate buf before a read so a request that "succeeds" without
 * writing the buffer cannot pass for good data.
 */
static inline void verify_poison(void *buf)
{
	((struct verify_header *)buf)->magic = 0;
}

/*
 * Check a block read from offset.  Returns true when it is valid; else
 * writes a one-line explanation into why.
 */
bool verify_check(const void *buf, uint32_t blocksize, uint64_t offset,
		  uint64_t seed, char *why, size_t why_len);

#endif /* BENCH_VERIFY_H */
