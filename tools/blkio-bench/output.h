/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Results on stdout: JSON (the keys of libblkio's example plus ours) or a
 * human-readable summary.
 */
#ifndef BENCH_OUTPUT_H
#define BENCH_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "stats.h"

struct bench_report {
	const struct bench_config *cfg;
	const struct bench_stats *const *threads;	/* num_threads of them */
	const struct bench_stats *aggregate;	/* runtime = thread mean */
	bool scratch;			/* target was our scratch file */
	bool stopped_early;
	uint64_t filled_blocks;		/* --verify fill */
	uint64_t read_back_blocks;	/* --verify check after writes */
};

/*
 * Before the run: with JSON output, a note about how this driver and its
 * settings measure (drivers.h) goes to stderr; text output prints it in
 * the summary instead.
 */
void output_warn(const struct bench_config *cfg);

void output_print(const struct bench_report *rep);

#endif /* BENCH_OUTPUT_H */
