/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * What the user asked for: filled in by options.c, read (never written)
 * by everything else once the target is connected.
 */
#ifndef BENCH_CONFIG_H
#define BENCH_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

enum rw_mode {
	RW_READ,
	RW_WRITE,
	RW_RANDREAD,
	RW_RANDWRITE,
	RW_RANDRW,
};

enum output_format {
	OUTPUT_JSON,
	OUTPUT_TEXT,
};

/* How a worker waits for completions. */
enum wait_mode {
	WAIT_EVENT,		/* epoll on the completion fd (libblkio's example) */
	WAIT_BLOCK,		/* blkioq_do_io(min_completions = 1) */
	WAIT_POLL,		/* non-blocking do_io in a busy loop (--poll) */
	WAIT_VMM,		/* QEMU's blkio driver: see worker.c, run_vmm() */
};

enum progress_mode {
	PROGRESS_AUTO,		/* only when stderr is a terminal */
	PROGRESS_ALWAYS,
	PROGRESS_NEVER,
};

/* Scratch file size when neither --size nor path=/fd= is given. */
#define DEFAULT_SCRATCH_SIZE (64ull << 20)
/* Same watchdog as libblkio's example: a lost wakeup shows as an abort. */
#define DEFAULT_COMPLETION_TIMEOUT_MS 500
/* Default pattern seed, fixed so a later run can verify an earlier one. */
#define DEFAULT_VERIFY_SEED 0x626c6b62656e6368ull

struct bench_config {
	unsigned num_threads;
	unsigned iodepth;
	unsigned blocksize;
	unsigned runtime_secs;
	enum rw_mode rw;
	unsigned rwmixread;	/* percentage of reads, 0..100 */
	enum wait_mode wait;
	bool poll_queues;	/* use IOPOLL poll queues */
	bool verify;
	bool fill;		/* verify: write every block before the run */
	uint64_t verify_seed;
	enum output_format output;
	enum progress_mode progress;
	uint64_t scratch_size;	/* 0: --size not given */
	unsigned completion_timeout_ms;	/* 0: wait forever */

	const char *driver;
	char **props;		/* "name=value" strings, in command-line order */
	int num_props;

	/* Known once the target is connected. */
	uint64_t capacity;
	uint64_t num_blocks;	/* whole blocks in capacity */
	bool direct;		/* the direct property (false without one) */
};

static inline bool rw_is_random(enum rw_mode rw)
{
	return rw == RW_RANDREAD || rw == RW_RANDWRITE || rw == RW_RANDRW;
}

static inline bool rw_reads(enum rw_mode rw)
{
	return rw == RW_READ || rw == RW_RANDREAD || rw == RW_RANDRW;
}

static inline bool rw_writes(enum rw_mode rw)
{
	return rw == RW_WRITE || rw == RW_RANDWRITE || rw == RW_RANDRW;
}

const char *rw_name(enum rw_mode rw);
const char *wait_name(enum wait_mode wait);

#endif /* BENCH_CONFIG_H */
