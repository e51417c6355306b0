/* SPDX-License-Identifier: MIT OR Apache-2.0 */
#include <inttypes.h>
#include <stdio.h>

#include "rng.h"
#include "verify.h"

#define PRIME_A 0x9e3779b185ebca87ull
#define PRIME_B 0xc2b2ae3d27d4eb4full

_Static_assert(sizeof(struct verify_header) == 40, "header layout");

static inline uint64_t lane(uint64_t acc, uint64_t word)
{
	return rotl64(acc + word * PRIME_B, 31) * PRIME_A;
}

/*
 * Checksum of the body: four independent lanes so the multiplies overlap
 * (a 4 KiB block costs well under a microsecond), then the header fields
 * folded in.  It only has to catch corruption, not resist an adversary.
 */
static uint64_t checksum(const struct verify_header *h, const uint64_t *body,
			 size_t words)
{
	uint64_t a = PRIME_A, b = PRIME_B, c = ~PRIME_A, d = ~PRIME_B;
	size_t i;

	for (i = 0; i + 4 <= words; i += 4) {
		a = lane(a, body[i]);
		b = lane(b, body[i + 1]);
		c = lane(c, body[i + 2]);
		d = lane(d, body[i + 3]);
	}
	for (; i < words; i++)
		a = lane(a, body[i]);

	a = rotl64(a, 1) + rotl64(b, 7) + rotl64(c, 12) + rotl64(d, 18);
	a = lane(a, h->magic);
	a = lane(a, h->offset);
	a = lane(a, h->seed);
	a = lane(a, ((uint64_t)h->blocksize << 32) | h->reserved);
	return a ^ (a >> 29);
}

static size_t body_words(uint32_t blocksize)
{
	return (blocksize - sizeof(struct verify_header)) / 8;
}

void verify_stamp(void *buf, uint32_t blocksize, uint64_t offset,
		  uint64_t seed)
{
	struct verify_header *h = buf;
	uint64_t *body = (uint64_t *)(h + 1);
	uint64_t state = seed ^ (offset * PRIME_A);
	size_t words = body_words(blocksize);

	for (size_t i = 0; i < words; i++)
		body[i] = splitmix64(&state);

	h->magic = VERIFY_MAGIC;
	h->offset = offset;
	h->seed = seed;
	h->blocksize = blocksize;
	h->reserved = 0;
	h->checksum = checksum(h, body, words);
}

bool verify_check(const void *buf, uint32_t blocksize, uint64_t offset,
		  uint64_t seed, char *why, size_t why_len)
{
	const struct verify_header *h = buf;
	const uint64_t *body = (const uint64_t *)(h + 1);

	if (h->magic != VERIFY_MAGIC) {
		snprintf(why, why_len,
			 "no verify header (block never written with --verify, or the read did not fill the buffer)");
		return false;
	}
	if (h->blocksize != blocksize) {
		snprintf(why, why_len,
			 "block written with --blocksize=%" PRIu32 ", reading with %" PRIu32,
			 h->blocksize, blocksize);
		return false;
	}
	if (h->checksum != checksum(h, body, body_words(blocksize))) {
		snprintf(why, why_len, "checksum mismatch (data corrupted)");
		return false;
	}
	if (h->offset != offset) {
		snprintf(why, why_len,
			 "block belongs at offset %" PRIu64 " (misdirected read or write)",
			 h->offset);
		return false;
	}
	if (h->seed != seed) {
		snprintf(why, why_len,
			 "block written with --verify-seed=%" PRIu64 ", expected %" PRIu64,
			 h->seed, seed);
		return false;
	}
	return true;
}
