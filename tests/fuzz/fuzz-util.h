/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Pieces both fuzzers share: a reader that turns the input bytes into
 * numbers (running out of input yields zeros, never an error), a failure
 * path that prints what was being checked plus the recent call trace and
 * aborts, and a private scratch directory.
 */
#ifndef BLKIO_FUZZ_UTIL_H
#define BLKIO_FUZZ_UTIL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fz_in {
	const uint8_t *p;
	size_t n;
};

uint8_t fz_u8(struct fz_in *in);
uint16_t fz_u16(struct fz_in *in);
uint32_t fz_u32(struct fz_in *in);
uint64_t fz_u64(struct fz_in *in);
bool fz_empty(const struct fz_in *in);

/* Fill dst with up to n input bytes; returns how many were available. */
size_t fz_bytes(struct fz_in *in, void *dst, size_t n);

/* Record one line of the call trace (kept in a ring, printed on failure). */
void fz_trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Forget the trace: called at the start of every input. */
void fz_trace_reset(void);

/* Print the message, the recent trace, and abort(). */
void fz_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 3, 4)));

/*
 * Hot loops of the checkers (byte-by-byte comparisons) would drown the
 * fuzzer in comparison feedback and dominate its run time; coverage is
 * wanted for the library and the decoding, not for them.
 */
#if defined(__clang__)
#define FZ_NO_COVERAGE __attribute__((no_sanitize("coverage"), noinline))
#else
#define FZ_NO_COVERAGE
#endif

#define FZ_CHECK(cond, ...)						\
	do {								\
		if (!(cond))						\
			fz_fail(__FILE__, __LINE__, __VA_ARGS__);	\
	} while (0)

/*
 * Every failing library call must return a negative errno and leave a
 * non-empty thread-local message (contract §3).
 */
void fz_check_err(const char *file, int line, const char *call, int ret);
#define FZ_CHECK_ERR(call, ret) fz_check_err(__FILE__, __LINE__, call, ret)

/*
 * -EPERM from a call that sets up an io_uring: the machine refused
 * io_uring (kernel.io_uring_disabled, which the robust suite's
 * no-io-uring test sets for a moment); the input is abandoned, not failed.
 */
static inline bool fz_io_uring_refused(int ret)
{
	return ret == -EPERM;
}

/* BLKIO_REFERENCE=1: running against upstream libblkio 1.5. */
bool fz_reference(void);

/* Running under valgrind (the replay programs in its CI stage). */
bool fz_under_valgrind(void);

/*
 * FUZZ_AVOID=word,word...: steer around a known, already reported bug so
 * a long session can find the next one (see README.md for the words).
 */
bool fz_avoid(const char *word);

/*
 * A private directory inside BLKIO_TEST_DIR (else /dev/shm, else /tmp),
 * created on first use and removed (with its files) at exit.
 */
const char *fz_scratch_dir(void);

/* dir/name in the scratch directory; the file is removed at exit. */
char *fz_scratch_path(const char *name);

#endif
