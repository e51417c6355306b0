/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
#ifndef BENCH_ALLOC_COUNT_H
#define BENCH_ALLOC_COUNT_H

/*
 * The one symbol alloc-count.so exports besides the allocator wrappers.
 * api-loop looks it up with dlsym(RTLD_DEFAULT, ALLOC_COUNT_MARK_SYMBOL)
 * and calls it at the start and end of its steady state; without the
 * LD_PRELOAD the lookup fails and api-loop runs unchanged. Each call
 * prints one line on stderr:
 *
 *   alloc-count: LABEL allocs=N reallocs=N frees=N
 *
 * with the totals since the process started.
 */
#define ALLOC_COUNT_MARK_SYMBOL "alloc_count_mark"

typedef void alloc_count_mark_fn(const char *label);

alloc_count_mark_fn alloc_count_mark;

#endif
