/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Which request comes next: offset and direction.
 *
 * Offsets are whole blocks inside the target: sequential streams start at
 * capacity / threads * i (rounded down to a block) and wrap at the last
 * whole block; random offsets are uniform over all whole blocks, so every
 * request is aligned to the block size and never crosses the end.
 */
#ifndef BENCH_WORKLOAD_H
#define BENCH_WORKLOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "rng.h"

struct workload {
	struct rng rng;
	uint64_t num_blocks;
	uint64_t next_block;	/* sequential position */
	uint32_t blocksize;
	unsigned read_pct;	/* 100: reads only, 0: writes only */
	bool random;
};

void workload_init(struct workload *wl, const struct bench_config *cfg,
		   unsigned thread_index, uint64_t run_seed);

/* Pick the next request: returns its byte offset, sets *is_read. */
static inline uint64_t workload_next(struct workload *wl, bool *is_read)
{
	uint64_t block;

	if (wl->random) {
		block = rng_below(&wl->rng, wl->num_blocks);
	} else {
		block = wl->next_block;
		if (++wl->next_block == wl->num_blocks)
			wl->next_block = 0;
	}

	if (wl->read_pct == 100)
		*is_read = true;
	else if (wl->read_pct == 0)
		*is_read = false;
	else
		*is_read = rng_below(&wl->rng, 100) < wl->read_pct;

	return block * wl->blocksize;
}

#endif /* BENCH_WORKLOAD_H */
