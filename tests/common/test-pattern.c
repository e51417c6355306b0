/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
#include "test-pattern.h"

/* Eight bytes of a 64-bit mix of the offset's word and the seed. */
static uint8_t pattern_byte(uint64_t o, uint32_t seed)
{
	uint64_t v = ((o >> 3) + 1) * 0x9E3779B97F4A7C15ull;

	v ^= (uint64_t)seed * 0xD1B54A32D192ED03ull;
	v ^= v >> 29;
	return (uint8_t)(v >> ((o & 7) * 8));
}

void test_fill(void *buf, size_t len, uint64_t offset, uint32_t seed)
{
	uint8_t *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = pattern_byte(offset + i, seed);
}

size_t test_check(const void *buf, size_t len, uint64_t offset,
		  uint32_t seed)
{
	const uint8_t *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != pattern_byte(offset + i, seed))
			return i;
	return len;
}

size_t test_check_zero(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i])
			return i;
	return len;
}
