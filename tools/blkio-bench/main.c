/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * blkio-bench: measure throughput and latency of an I/O workload run
 * through libblkio's public API.  A superset of libblkio's example of the
 * same name; see blkio-bench(1).
 */
#include <stdlib.h>

#include "options.h"
#include "output.h"
#include "run.h"
#include "scratch.h"
#include "signals.h"
#include "target.h"
#include "util.h"

static void report(const struct run *r, const struct bench_config *cfg,
		   bool scratch)
{
	const struct bench_stats **threads;
	struct bench_stats *agg;
	struct bench_report rep = {
		.cfg = cfg,
		.scratch = scratch,
		.stopped_early = r->stopped_early,
	};

	threads = calloc(r->num_workers, sizeof(*threads));
	agg = malloc(sizeof(*agg));
	if (!threads || !agg)
		die("out of memory");

	stats_init(agg);
	for (unsigned i = 0; i < r->num_workers; i++) {
		threads[i] = &r->workers[i]->stats;
		stats_merge(agg, threads[i]);
		rep.filled_blocks += r->workers[i]->filled;
		rep.read_back_blocks += r->workers[i]->read_back;
	}
	/* Like libblkio's example: aggregate runtime is the threads' mean. */
	agg->runtime_secs /= r->num_workers;

	rep.threads = threads;
	rep.aggregate = agg;
	output_print(&rep);
	free(agg);
	free(threads);
}

int main(int argc, char **argv)
{
	struct bench_config cfg;
	const char *scratch = NULL;
	struct target target;
	struct run run;

	options_parse(argc, argv, &cfg);
	signals_install();
	if (options_want_scratch(&cfg))
		scratch = scratch_create(cfg.scratch_size);

	target_open(&target, &cfg, scratch);
	/* The library holds the file open now; nothing can leak it later. */
	scratch_remove();
	output_warn(&cfg);

	run_setup(&run, &cfg, &target);
	run_execute(&run, &cfg);
	report(&run, &cfg, scratch != NULL);
	run_teardown(&run);
	target_close(&target);
	return EXIT_SUCCESS;
}
