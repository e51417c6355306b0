/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Small helpers shared by every blkio-bench file: fatal errors and the
 * monotonic clock.
 */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <stdint.h>
#include <stdnoreturn.h>
#include <time.h>

#define NSEC_PER_SEC 1000000000ull
#define GIB (1ull << 30)
#define MIB (1ull << 20)

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* Exit status of a run whose data verification failed. */
#define EXIT_VERIFY_FAILED 2

/*
 * Call before reporting a fatal error and exit()ing, from any thread.
 * Only the first caller returns: exit() must not race with itself, and
 * one report is enough, so later ones wait here to be torn down.
 */
void fatal_begin(void);

/*
 * fatal_begin(), print "blkio-bench: <message>" on stderr, exit(1); exit()
 * runs the scratch-file clean-up.
 */
noreturn void die(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/*
 * CLOCK_MONOTONIC is served by the vDSO, so this costs no system call; it
 * is read once per batch of completions, not once per request.
 */
static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

#endif /* BENCH_UTIL_H */
