/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * The once-a-second status line on stderr (never stdout, which carries
 * the results).  On a terminal it rewrites itself in place.
 */
#ifndef BENCH_PROGRESS_H
#define BENCH_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

struct progress {
	bool enabled;
	bool tty;
	bool printed;
	unsigned blocksize;
	unsigned runtime_secs;
	uint64_t last_ns;
	uint64_t last_ios;
	uint64_t last_lat_ns;
};

void progress_init(struct progress *p, const struct bench_config *cfg,
		   uint64_t start_ns);

/* Totals so far over all workers, at time now_ns. */
void progress_tick(struct progress *p, uint64_t start_ns, uint64_t now,
		   uint64_t ios, uint64_t lat_ns);

/* End the line (terminal) before anything else is printed. */
void progress_finish(struct progress *p);

#endif /* BENCH_PROGRESS_H */
