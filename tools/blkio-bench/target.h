/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * The libblkio instance under test, set up as libblkio's example does:
 * create, properties (created state), read-only for read workloads,
 * connect, capacity, queue counts, start, one mapped memory region.
 */
#ifndef BENCH_TARGET_H
#define BENCH_TARGET_H

#include <blkio.h>

#include "config.h"

struct target {
	struct blkio *b;
	struct blkio_mem_region region;
};

/*
 * Open the target; scratch_path (may be NULL) becomes the path property.
 * Sets cfg->capacity, cfg->num_blocks and cfg->direct.  Dies with the library's
 * message on any failure.
 */
void target_open(struct target *t, struct bench_config *cfg,
		 const char *scratch_path);

/* Queue of worker i (a poll queue with --poll-queues). */
struct blkioq *target_queue(struct target *t, const struct bench_config *cfg,
			    unsigned i);

/* Buffer slice of worker i: iodepth blocks. */
char *target_buffer(struct target *t, const struct bench_config *cfg,
		    unsigned i);

void target_close(struct target *t);

#endif /* BENCH_TARGET_H */
