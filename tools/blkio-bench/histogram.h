/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Log-linear latency histogram (the HdrHistogram layout): values below
 * 2^HIST_SUB_BITS get a bucket each; above that every power of two is cut
 * into 2^HIST_SUB_BITS equal buckets, so a bucket is never wider than
 * 1/128 of its value.  A fixed array, one increment per sample, no
 * allocation; recording costs a count-leading-zeros and a few shifts.
 */
#ifndef BENCH_HISTOGRAM_H
#define BENCH_HISTOGRAM_H

#include <stdint.h>

#define HIST_SUB_BITS 7
#define HIST_SUB (1u << HIST_SUB_BITS)
/* Samples of 2^40 ns (18 minutes) and more share the last bucket. */
#define HIST_MAX_BITS 40
#define HIST_BUCKETS ((HIST_MAX_BITS - HIST_SUB_BITS + 1) * HIST_SUB)

struct histogram {
	uint64_t count[HIST_BUCKETS];
};

static inline unsigned hist_index(uint64_t v)
{
	unsigned shift;

	if (v >= (1ull << HIST_MAX_BITS))
		v = (1ull << HIST_MAX_BITS) - 1;
	if (v < HIST_SUB)
		return (unsigned)v;
	shift = 63 - (unsigned)__builtin_clzll(v) - HIST_SUB_BITS;
	return (shift + 1) * HIST_SUB + (unsigned)((v >> shift) - HIST_SUB);
}

static inline void hist_record(struct histogram *h, uint64_t v)
{
	h->count[hist_index(v)]++;
}

void hist_merge(struct histogram *dst, const struct histogram *src);

/*
 * The value at percentile pct (0 < pct <= 100) of total samples: the
 * middle of the bucket holding the sample of that rank.  0 when empty.
 */
uint64_t hist_percentile(const struct histogram *h, uint64_t total,
			 double pct);

#endif /* BENCH_HISTOGRAM_H */
