/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Per-thread statistics.  Each worker owns one and updates it without
 * locks; the main thread reads it only after joining the worker.
 */
#ifndef BENCH_STATS_H
#define BENCH_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "histogram.h"

struct bench_stats {
	uint64_t ios;		/* completed requests */
	uint64_t reads;		/* of which reads */
	uint64_t lat_min_ns;
	uint64_t lat_max_ns;
	uint64_t lat_sum_ns;
	uint64_t calls;		/* do_io calls that could reap */
	unsigned comp_min;	/* fewest completions of a non-empty reap */
	unsigned comp_max;
	uint64_t verified;	/* reads checked by --verify */
	double runtime_secs;
	double cpu_user_secs;	/* CPU time of the worker thread */
	double cpu_sys_secs;
	struct histogram hist;
};

void stats_init(struct bench_stats *s);

/* Add s to agg; agg->runtime_secs becomes the sum (caller averages). */
void stats_merge(struct bench_stats *agg, const struct bench_stats *s);

static inline void stats_record_latency(struct bench_stats *s, uint64_t ns,
					bool is_read)
{
	s->ios++;
	s->reads += is_read;
	s->lat_sum_ns += ns;
	if (ns < s->lat_min_ns)
		s->lat_min_ns = ns;
	if (ns > s->lat_max_ns)
		s->lat_max_ns = ns;
	hist_record(&s->hist, ns);
}

/* A do_io call that returned n > 0 completions. */
static inline void stats_record_batch(struct bench_stats *s, unsigned n)
{
	if (n < s->comp_min)
		s->comp_min = n;
	if (n > s->comp_max)
		s->comp_max = n;
}

/* Latency percentile in nanoseconds (0 when nothing completed). */
static inline uint64_t stats_percentile_ns(const struct bench_stats *s,
					   double pct)
{
	uint64_t v = hist_percentile(&s->hist, s->ios, pct);

	/* A bucket's middle may lie outside what was actually seen. */
	if (v > s->lat_max_ns)
		v = s->lat_max_ns;
	if (s->ios && v < s->lat_min_ns)
		v = s->lat_min_ns;
	return v;
}

#endif /* BENCH_STATS_H */
