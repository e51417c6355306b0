/* SPDX-License-Identifier: MIT OR Apache-2.0 */
#include <limits.h>
#include <string.h>

#include "stats.h"

void stats_init(struct bench_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->lat_min_ns = UINT64_MAX;
	s->comp_min = UINT_MAX;
}

void stats_merge(struct bench_stats *agg, const struct bench_stats *s)
{
	agg->ios += s->ios;
	agg->reads += s->reads;
	agg->lat_sum_ns += s->lat_sum_ns;
	if (s->lat_min_ns < agg->lat_min_ns)
		agg->lat_min_ns = s->lat_min_ns;
	if (s->lat_max_ns > agg->lat_max_ns)
		agg->lat_max_ns = s->lat_max_ns;
	agg->calls += s->calls;
	if (s->comp_min < agg->comp_min)
		agg->comp_min = s->comp_min;
	if (s->comp_max > agg->comp_max)
		agg->comp_max = s->comp_max;
	agg->verified += s->verified;
	agg->runtime_secs += s->runtime_secs;
	agg->cpu_user_secs += s->cpu_user_secs;
	agg->cpu_sys_secs += s->cpu_sys_secs;
	hist_merge(&agg->hist, &s->hist);
}
