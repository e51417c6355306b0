/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * One measured run: start the workers, let them fill (--verify), start
 * the clock for all of them at once, wait for the runtime (printing
 * progress, honouring a stop signal), stop and join them.
 */
#ifndef BENCH_RUN_H
#define BENCH_RUN_H

#include "config.h"
#include "target.h"
#include "worker.h"

struct run {
	struct run_control ctl;
	struct worker **workers;
	unsigned num_workers;
	bool stopped_early;
};

void run_setup(struct run *r, const struct bench_config *cfg,
	       struct target *t);
void run_execute(struct run *r, const struct bench_config *cfg);
void run_teardown(struct run *r);

#endif /* BENCH_RUN_H */
