/* SPDX-License-Identifier: MIT OR Apache-2.0 */
#include "workload.h"

void workload_init(struct workload *wl, const struct bench_config *cfg,
		   unsigned thread_index, uint64_t run_seed)
{
	uint64_t start = cfg->capacity / cfg->num_threads * thread_index;

	/* Distinct, reproducible-per-seed streams for each thread. */
	rng_seed(&wl->rng, run_seed ^ ((uint64_t)thread_index << 32));
	wl->num_blocks = cfg->num_blocks;
	wl->blocksize = cfg->blocksize;
	wl->next_block = (start / cfg->blocksize) % cfg->num_blocks;
	wl->read_pct = cfg->rwmixread;
	wl->random = rw_is_random(cfg->rw);
}
