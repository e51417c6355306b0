/* SPDX-License-Identifier: MIT OR Apache-2.0 */
#include "histogram.h"

void hist_merge(struct histogram *dst, const struct histogram *src)
{
	for (unsigned i = 0; i < HIST_BUCKETS; i++)
		dst->count[i] += src->count[i];
}

static uint64_t bucket_low(unsigned idx, uint64_t *width)
{
	unsigned shift;

	if (idx < HIST_SUB) {
		*width = 1;
		return idx;
	}
	shift = idx / HIST_SUB - 1;
	*width = 1ull << shift;
	return (uint64_t)(HIST_SUB + idx % HIST_SUB) << shift;
}

uint64_t hist_percentile(const struct histogram *h, uint64_t total,
			 double pct)
{
	uint64_t rank, ppm, seen = 0, width, low;

	if (total == 0)
		return 0;
	/*
	 * Rank of the sample at pct, 1-based: ceil(total * pct / 100), in
	 * integers (parts per million) so 99.9 does not round up a rank.
	 */
	ppm = (uint64_t)(pct * 10000.0 + 0.5);
	rank = (uint64_t)(((unsigned __int128)total * ppm + 999999) / 1000000);
	if (rank == 0)
		rank = 1;
	if (rank > total)
		rank = total;

	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		seen += h->count[i];
		if (seen >= rank) {
			low = bucket_low(i, &width);
			return low + width / 2;
		}
	}
	return 0;	/* not reached while total matches the counts */
}
