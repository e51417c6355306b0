/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Shadow model of the fuzzed file: what each byte of the first
 * IO_MODEL_SIZE bytes must read back as, and which bytes are currently
 * being changed by requests in flight (whose outcome, when they overlap,
 * is up to the order the kernel runs them in).
 */
#ifndef BLKIO_FUZZ_IO_MODEL_H
#define BLKIO_FUZZ_IO_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#define IO_MODEL_SIZE (256u * 1024)

struct io_model {
	uint8_t val[IO_MODEL_SIZE];
	uint8_t known[IO_MODEL_SIZE];	/* val[] is what a read must see */
	uint8_t busy[IO_MODEL_SIZE];	/* modifying requests in flight */
	uint8_t conflict[IO_MODEL_SIZE];/* two of them overlapped here */

	/* Nothing at or beyond hw was ever touched: known zero. */
	uint64_t hw;

	/* Something may have been written at or beyond IO_MODEL_SIZE. */
	bool far_dirty;

	/* File size; exact unless an outcome we cannot predict happened. */
	uint64_t size;
	bool size_exact;
};

/* The byte a fresh file of the given seed holds at offset off. */
uint8_t model_pattern(uint8_t seed, uint64_t off);

void model_reset(struct io_model *m, uint64_t size, uint8_t seed);

/* A modifying request covering [lo, hi) (model bytes only) starts. */
void model_begin(struct io_model *m, uint64_t lo, uint64_t hi);

/*
 * It finished: data (hi - lo bytes) is what it wrote, NULL for zeroes;
 * known is false when the outcome is unspecified (failure, discard).
 */
void model_end(struct io_model *m, uint64_t lo, uint64_t hi,
	       const uint8_t *data, bool known);

#endif
