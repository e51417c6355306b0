/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

/*
 * What the bench programs share: the command line, the random offset
 * sequence and the report line. Both programs must run exactly the same
 * workload, so everything that shapes it lives here and nowhere else.
 */
#include <stdbool.h>
#include <stdint.h>

#define BENCH_BLOCK_SIZE 4096u

/* Largest queue depth accepted; bounds the buffer and request arrays. */
#define BENCH_MAX_DEPTH 4096u

struct bench_args {
	const char *path;
	unsigned int depth;
	uint64_t count;		/* I/Os to complete; 0 when time based */
	double seconds;		/* run time; 0 when count based */
	bool direct;
	const char *driver;	/* api-loop's blkio driver (default io_uring) */
};

int bench_parse_args(struct bench_args *args, int argc, char **argv);

/*
 * Opens args->path read-only (O_DIRECT when args->direct) and returns the
 * fd, with its size in whole blocks in *nblocks (regular file or block
 * device); -1 with a message on stderr when it cannot be opened or holds
 * no whole block.
 */
int bench_open_target(const struct bench_args *args, uint64_t *nblocks);

/* Monotonic time in seconds. */
double bench_now(void);

/* Prints "<kIOPS> kIOPS ..." on stdout; scripts read the first number. */
void bench_report(const struct bench_args *args, uint64_t ios, double secs);

/*
 * Time-based runs check the clock only every 64 reaping rounds so the check
 * costs nothing measurable; count-based runs never look at the clock.
 */
static inline bool bench_should_stop(const struct bench_args *args,
				     uint64_t submitted, unsigned int *rounds,
				     double deadline)
{
	if (args->count)
		return submitted >= args->count;
	if ((++*rounds & 63) != 0)
		return false;
	return bench_now() >= deadline;
}

/*
 * xorshift64*: a few instructions per offset, and the same sequence in
 * every program for a given seed.
 */
static inline uint64_t bench_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* A random block-aligned offset below nblocks blocks (multiply, no divide). */
static inline uint64_t bench_offset(uint64_t *state, uint64_t nblocks)
{
	unsigned __int128 r = (unsigned __int128)bench_rand(state) * nblocks;

	return (uint64_t)(r >> 64) * BENCH_BLOCK_SIZE;
}

#define BENCH_SEED 0x9e3779b97f4a7c15ull

#endif
