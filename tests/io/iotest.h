/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Shared helpers of the data-path tests in tests/io: scratch files,
 * opening an io_uring instance, data patterns and completion plumbing.
 * Everything here uses only the public API, so the same programs run
 * against our library and against the reference libblkio.
 */
#ifndef BLKIO_TESTS_IO_IOTEST_H
#define BLKIO_TESTS_IO_IOTEST_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blkio.h"
#include "test-pattern.h"

/* Exit status that meson reports as SKIP. */
#define IOT_SKIP 77

/* What iot_open() configures before connect and before start. */
struct iot_opts {
	bool direct;
	bool read_only;
	int num_entries;	/* 0: leave the default */
	int num_queues;		/* 0: leave the default (1) */
	const char *prop;	/* one more property (NULL: none), and */
	const char *value;	/* its value, set with blkio_set_str() */
};

/* True when BLKIO_REFERENCE=1: cases where we deliberately differ skip. */
bool iot_reference(void);

/* True when the program runs under valgrind. */
bool iot_under_valgrind(void);

/*
 * The most queues an instance of the driver under test can start: the
 * export's queue count for a backend's (BLKIO_TEST_QSD_QUEUES, 1 in the
 * file-1q and loop-1q variants), else @want; never more than @want.
 */
int iot_max_queues(int want);

/* Print why a case is not run (reference mode, missing device, ...). */
void iot_note_skip(const char *what, const char *why);

/* Print why the whole program cannot run and exit 77. */
__attribute__((noreturn)) void iot_skip(const char *why);

/*
 * For the tests of our own opt-in properties: exit 77 with a message
 * against the reference libblkio, or when the driver under test cannot
 * set @prop to @value.
 */
void iot_require_property(const char *prop, const char *value);

/* The scratch directory (BLKIO_TEST_DIR or a private one under /tmp). */
const char *iot_dir(void);

/*
 * Create a scratch file of @size bytes filled with the pattern of @seed
 * (seed 0: a sparse file, all zeros).  Returns a malloc'ed path of the
 * form /proc/self/fd/N: the file has no name left in the directory.
 */
char *iot_make_file(const char *tag, uint64_t size, uint32_t seed);

/* Close and free a path from iot_make_file() (NULL is ignored). */
void iot_remove_file(char **pathp);

/*
 * Create, configure, connect and start; fails the test on any error.
 * For drivers served by a backend the file at path is exported first
 * (qemu-storage-daemon) and the instance connects to the export; the
 * test's own buffer arena is mapped into it.
 */
struct blkio *iot_open(const char *path, const struct iot_opts *o);

/*
 * Page-aligned zeroed buffer; iot_free() it.  For drivers that need
 * memory regions it lies in a memfd every instance of iot_open() maps.
 */
void *iot_alloc(size_t len);
void iot_free(void *p);

/* The smallest power of two >= n (queue-size wants one). */
unsigned iot_pow2(unsigned n);

/* pread/pwrite the whole range with a plain fd; fail the test on error. */
void iot_pread(const char *path, void *buf, size_t len, uint64_t offset);
void iot_pwrite(const char *path, const void *buf, size_t len,
		uint64_t offset);

/* Reap exactly one completion, blocking; fails unless do_io returns 1. */
void iot_wait1(struct blkioq *q, struct blkio_completion *c);

/* Reap @n completions (blocking), in any order, into c[0..n-1]. */
void iot_wait_n(struct blkioq *q, struct blkio_completion *c, int n);

/* Assert a completion is a success for @user_data with clean fields. */
void iot_assert_ok(const struct blkio_completion *c, void *user_data);

/* Assert the reserved_ bytes of a completion are zero. */
void iot_assert_reserved_zero(const struct blkio_completion *c);

/* Read the eventfd until it is empty. */
void iot_drain_fd(int fd);

/* poll() the fd for POLLIN for up to @timeout_ms. */
bool iot_fd_readable(int fd, int timeout_ms);

/* Run a suite with the environment's Check settings; returns exit code. */
int iot_run(Suite *s);

#endif
