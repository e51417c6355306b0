/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
#ifndef BLKIO_TESTS_VIO_H
#define BLKIO_TESTS_VIO_H

/*
 * Verified I/O engine: issues random reads, writes, readv, writev,
 * write_zeroes and flushes on one queue over one region of a file,
 * predicts every byte with a shadow copy of the region and checks each
 * completion (exactly once, success, error_msg NULL, reserved_ zero) and
 * each read.  Requests in flight never overlap a write in flight, so the
 * prediction is exact whatever order the library completes them in.
 *
 * Failures go through Check (ck_abort_msg); from a worker thread that
 * ends the forked test process with the message, so callers running
 * several engines in threads must use Check's fork mode.
 */
#include <stdbool.h>
#include <stdint.h>

#include <blkio.h>

#define VIO_BLOCK 512

enum vio_op { VIO_READ, VIO_WRITE, VIO_READV, VIO_WRITEV, VIO_ZEROES,
	      VIO_FLUSH, VIO_NR_OPS };

extern const char *const vio_op_name[VIO_NR_OPS];

struct vio_opts {
	uint64_t base;		/* region start in the file (bytes) */
	uint32_t nr_blocks;	/* region size in VIO_BLOCK units */
	uint8_t *shadow;	/* expected region contents, nr_blocks blocks */
	uint64_t seed;
	uint64_t total;		/* requests to issue; 0: no limit */
	int max_depth;		/* in flight at most (<= 64) */
	unsigned int zmodes;	/* rb_zeroes_modes() of the file */
	bool use_fd;		/* sometimes wait on the completion fd */
	bool bitmap;		/* track every sequence number (needs total) */
};

struct vio_stats {
	uint64_t issued;
	uint64_t completed;
	uint64_t calls;		/* blkioq_do_io*() calls */
	uint64_t fd_waits;	/* completion fd wake-ups */
	int max_inflight;
	uint64_t nr_op[VIO_NR_OPS];
};

struct vio;

struct vio *vio_new(struct blkioq *q, const struct vio_opts *o);
void vio_free(struct vio *v);

/* Issue a few requests, then make one randomly shaped do_io call. */
void vio_step(struct vio *v);

/* True once @total requests were issued and completed. */
bool vio_finished(const struct vio *v);

/* Reap everything in flight (blocking) and check nothing else arrives. */
void vio_drain(struct vio *v);

/* For an engine with a bitmap: every sequence number completed once. */
void vio_check_all_done(const struct vio *v);

const struct vio_stats *vio_stats(const struct vio *v);

#endif
