/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
#ifndef BLKIO_TESTS_ROBUST_H
#define BLKIO_TESTS_ROBUST_H

/*
 * Helpers shared by the robustness tests: scratch files, environment
 * knobs, a small PRNG, data patterns and a few instance shortcuts.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <blkio.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Check's ck_assert*() records a checkpoint (a write to the parent) on
 * every call, even a passing one; hot loops use this instead, which only
 * talks to Check when the condition fails.
 */
#define RB_CHECK(cond, ...) \
	do { \
		if (__builtin_expect(!(cond), 0)) \
			ck_abort_msg(__VA_ARGS__); \
	} while (0)

/* Print to stderr and exit with meson's "skipped" status. */
__attribute__((noreturn, format(printf, 1, 2)))
void rb_skip(const char *fmt, ...);

/* Print to stderr and exit 1 (for setup failures outside Check tests). */
__attribute__((noreturn, format(printf, 1, 2)))
void rb_die(const char *fmt, ...);

/*
 * Create a scratch file of @size bytes in BLKIO_TEST_DIR (or in a private
 * mkdtemp directory under /tmp) and return its malloc'd path.  Every file
 * made here is removed by rb_cleanup(), which also runs at exit.
 */
char *rb_scratch_file(uint64_t size);
void rb_cleanup(void);

/* Integer from the environment, or @def when unset or empty. */
long long rb_env_ll(const char *name, long long def);

/* BLKIO_REFERENCE=1: running against upstream libblkio, skip ours-only. */
bool rb_reference(void);

/*
 * True when running under valgrind or built with a sanitizer: load tests
 * shrink their default size and skip memory-footprint checks there.
 */
bool rb_slow_runtime(void);

/*
 * Load tests run their small size: rb_slow_runtime(), or the test
 * script's BLKIO_TEST_SCALE=small (its sanitizer and valgrind stages).
 */
bool rb_small_scale(void);

/* Resident set size of this process in bytes (from /proc/self/statm). */
uint64_t rb_rss_bytes(void);

/* Number of open file descriptors of this process. */
int rb_count_fds(void);

/* Monotonic clock in seconds. */
double rb_now(void);

/* splitmix64: small, fast and good enough to pick test operations. */
static inline uint64_t rb_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [lo, hi] (inclusive); hi - lo must be small. */
static inline uint64_t rb_range(uint64_t *state, uint64_t lo, uint64_t hi)
{
	return lo + rb_rand(state) % (hi - lo + 1);
}

/*
 * Data pattern: every byte of the file written by the request with
 * sequence number @seq is a function of (seq, absolute file offset), so a
 * misplaced, stale or torn block is told apart from the expected one.
 */
void rb_fill(uint8_t *buf, uint64_t off, size_t len, uint64_t seq);

/* Offset of the first byte where @a and @b differ, or -1 when equal. */
long rb_first_diff(const uint8_t *a, const uint8_t *b, size_t len);

/*
 * What write_zeroes can do on the file system holding @path (a scratch
 * file whose first 4 KiB may be clobbered): RB_PUNCH when hole punching
 * works (plain write_zeroes), RB_ZERO_RANGE when FALLOC_FL_ZERO_RANGE
 * does (BLKIO_REQ_NO_UNMAP).  tmpfs, for one, has no ZERO_RANGE.
 */
enum { RB_PUNCH = 1, RB_ZERO_RANGE = 2 };
unsigned int rb_zeroes_modes(const char *path);

/*
 * An instance of the driver under test (BLKIO_TEST_DRIVER) on @path brought to the started state with
 * @num_queues queues and @num_entries entries (0 = default); aborts the
 * program with a message on failure.
 */
struct blkio *rb_start(const char *path, bool direct, int num_queues,
		       int num_entries);

#endif
