/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * The data pattern the data-path tests write and check.  It is a function
 * of the absolute device offset and a seed, so any piece of a buffer can
 * be checked on its own.
 */
#ifndef BLKIO_TESTS_TEST_PATTERN_H
#define BLKIO_TESTS_TEST_PATTERN_H

#include <stddef.h>
#include <stdint.h>

void test_fill(void *buf, size_t len, uint64_t offset, uint32_t seed);

/* Index of the first byte that differs from the pattern, or len. */
size_t test_check(const void *buf, size_t len, uint64_t offset,
		  uint32_t seed);

/* Index of the first non-zero byte, or len. */
size_t test_check_zero(const void *buf, size_t len);

#endif
