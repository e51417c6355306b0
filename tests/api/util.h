/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
#ifndef BLKIO_TESTS_API_UTIL_H
#define BLKIO_TESTS_API_UTIL_H

/*
 * Helpers shared by the public-API contract tests: a scratch directory
 * with a scratch file, instance shortcuts, skip decisions and assertions
 * on (errno, message) pairs.
 */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "blkio.h"

/* Exit status meson reports as SKIP. */
#define API_EXIT_SKIP 77

/* Default size of the scratch file every program works on. */
#define API_FILE_SIZE (16u << 20)

/*
 * Called first thing in main(): creates a private scratch directory inside
 * BLKIO_TEST_DIR (or under /tmp) holding a file of API_FILE_SIZE bytes, and
 * removes the whole directory at exit.  Exits 77 with a reason if that is
 * impossible.
 */
void api_init(void);

/* Exits 77 with a reason when io_uring cannot be used on this machine. */
void api_require_io_uring(void);

/* Exits 77 with @why, for a program that cannot run here at all. */
__attribute__((noreturn)) void api_skip(const char *why);

/* Path of the API_FILE_SIZE scratch file. */
const char *api_file(void);

/* A new empty-ish file of @size bytes in the scratch directory (malloc'd). */
char *api_new_file(const char *name, uint64_t size);

/* The scratch directory itself. */
const char *api_dir(void);

/* True when BLKIO_REFERENCE=1: we run against upstream libblkio. */
bool api_reference(void);

/*
 * Deliberate differences from libblkio (design §4) are asserted only
 * against our library.  The case prints a marker that differential.sh
 * counts, then returns without asserting.
 */
#define API_SKIP_IF_REFERENCE(why) \
	do { \
		if (api_skip_deliberate(__func__, why)) \
			return; \
	} while (0)
bool api_skip_deliberate(const char *func, const char *why);

/*
 * For a case that asserts less against libblkio: prints a marker and
 * returns true when running against it.
 */
bool api_relaxed_for_reference(const char *func, const char *why);

/* A part of a case that needs something the machine lacks. */
void api_note_skip(const char *func, const char *why);

/* io_uring instances on the scratch file, state created/connected/started. */
struct blkio *api_create(void);
struct blkio *api_connect(bool direct);
struct blkio *api_start(bool direct, int num_queues);

/* Helpers for assertions on failures. */
#define ck_assert_err(expr, err, msg) \
	do { \
		api_poison_msg(); \
		int ret_ = (expr); \
		ck_assert_msg(ret_ == (err), "%s: expected %d, got %d (%s)", \
			      #expr, (err), ret_, blkio_get_error_msg()); \
		ck_assert_str_eq(blkio_get_error_msg(), (msg)); \
	} while (0)

/* A failure whose message the contract leaves open: only non-empty. */
#define ck_assert_err_any_msg(expr, err) \
	do { \
		const char *poison_ = api_poison_msg(); \
		int ret_ = (expr); \
		ck_assert_msg(ret_ == (err), "%s: expected %d, got %d (%s)", \
			      #expr, (err), ret_, blkio_get_error_msg()); \
		ck_assert_msg(blkio_get_error_msg()[0] != '\0' && \
			      strcmp(blkio_get_error_msg(), poison_) != 0, \
			      "%s: no new error message", #expr); \
	} while (0)

#define ck_assert_ok(expr) \
	do { \
		int ret_ = (expr); \
		ck_assert_msg(ret_ >= 0, "%s failed: %d (%s)", #expr, ret_, \
			      blkio_get_error_msg()); \
	} while (0)

/*
 * Sets the thread's message to a known text (returned) so a stale message
 * cannot pass for a new one.
 */
const char *api_poison_msg(void);

/* Runs @s with Check and returns main()'s exit status. */
int api_run(Suite *s);

/* FD_CLOEXEC state, -1 if @fd is not open. */
int api_fd_cloexec(int fd);
bool api_fd_is_open(int fd);

#endif
