/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Helpers shared by the fault tests: mounting faultfs, driving its control
 * file, loop devices over it, data patterns and small blkio wrappers.
 */
#ifndef FAULT_UTIL_H
#define FAULT_UTIL_H

#include <blkio.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* What a test program needs from the machine (fu_init flags). */
enum {
	FU_NEED_LOOP = 1 << 0,
};

struct faultfs {
	char dir[PATH_MAX];	/* private temp dir under BLKIO_TEST_DIR */
	char mnt[PATH_MAX];	/* dir/mnt, the FUSE mount point */
	char disk[PATH_MAX];	/* mnt/disk, the faulty file */
	char raw[PATH_MAX];	/* mnt/raw, same bytes, no faults */
	char ctl[PATH_MAX];	/* mnt/ctl, control file */
	uint64_t size;
	int pid;
};

/* The mounted faultfs of this test program (valid after fu_init). */
extern struct faultfs *fu_fs;

/*
 * Check the machine (root, /dev/fuse, io_uring, loop if asked), mount
 * faultfs with the given extra arguments (NULL-terminated list), and arrange
 * for unmounting at exit or on a fatal signal.  Exits 77 with a reason when
 * the machine lacks something.  argv[1], if present, is the faultfs binary;
 * else $FAULTFS; else "faultfs" next to the test program.
 */
void fu_init(int argc, char **argv, unsigned int needs, uint64_t size,
	     const char *const *extra_args);
void fu_cleanup(void);
/* Run a Check suite and return the process exit status. */
int fu_run_suite(void *suite);

/* Control file: printf-style commands; returns 0 or -errno. */
int fu_ctl(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Like fu_ctl but fails the test on error. */
void fu_ctl_ok(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A counter from the status ("reads", "shorts", ...), -1 if absent. */
long long fu_stat(const char *key);
/* How often rule n (0: the first added) fired, -1 if there is none. */
long long fu_rule_fired(int n);
/* Reset rules, counters and modes to the defaults tests start from. */
void fu_reset(void);

/* Pattern bytes: a function of (offset, seed) so misplaced data shows. */
uint8_t fu_pattern_byte(uint64_t off, unsigned int seed);
void fu_pattern(void *buf, uint64_t off, size_t len, unsigned int seed);
/* Index of the first byte differing from the pattern, or -1. */
long fu_pattern_diff(const void *buf, uint64_t off, size_t len,
		     unsigned int seed);
/* Fill /raw (durable, fault-free) with the pattern. */
void fu_fill(uint64_t off, size_t len, unsigned int seed);
/* Read /raw into buf. */
void fu_raw_read(void *buf, uint64_t off, size_t len);
/* Assert that /raw holds the pattern over the range. */
void fu_assert_raw(uint64_t off, size_t len, unsigned int seed,
		   const char *what);
/* Assert that buf holds the pattern (buf corresponds to file offset off). */
void fu_assert_buf(const void *buf, uint64_t off, size_t len,
		   unsigned int seed, const char *what);
void fu_assert_zero(const void *buf, size_t len, const char *what);

/* Loop device (direct I/O, autoclear) over a file. */
struct fu_loop {
	int fd;			/* held open; closing it detaches */
	int nr;
	char path[64];
};
void fu_loop_attach(struct fu_loop *l, const char *file, bool read_only);
void fu_loop_detach(struct fu_loop *l);

/* Mount a small tmpfs under fu_fs->dir (removed by fu_cleanup too). */
void fu_tmpfs_mount(char *path, size_t pathlen, const char *size);
void fu_tmpfs_umount(const char *path);

/* blkio instance on path with one queue; fails the test on error. */
struct blkio *fu_open(const char *path, bool direct, bool read_only,
		      int num_entries, struct blkioq **q);
/* Try connect+start; returns 0 or the negative errno (b is destroyed). */
int fu_try_open(const char *path, bool direct, bool read_only);
/*
 * Wait until n completions arrived (each must carry a distinct index
 * 0..n-1 as user_data), storing ret per index in rets[] and the arrival
 * order in order[] (may be NULL).  Each completion harvest asks for at most
 * max_batch.  Fails the test on a timeout, a duplicate or an unknown
 * user_data.
 */
void fu_wait_all(struct blkioq *q, int n, int *rets, int *order,
		 int max_batch);
/* Queue nothing, wait for the single request with user_data (void *)0. */
int fu_wait1(struct blkioq *q);
/* One-request helpers: queue, wait, return ret. */
int fu_read(struct blkioq *q, uint64_t off, void *buf, size_t len);
int fu_write(struct blkioq *q, uint64_t off, const void *buf, size_t len,
	     uint32_t flags);
int fu_flush(struct blkioq *q);

/* Page-aligned buffer of len bytes (never NULL; fails the test). */
void *fu_alloc(size_t len);

/* Build an iovec array over buf from a list of lengths. */
int fu_iov(struct iovec *iov, void *buf, const size_t *lens, int n);

#define FU_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif /* FAULT_UTIL_H */
