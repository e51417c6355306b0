/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * State of one fuzz-io input: the instance, its queues, every request
 * issued (with the results the model allows for it) and the model.
 */
#ifndef BLKIO_FUZZ_IO_FUZZ_H
#define BLKIO_FUZZ_IO_FUZZ_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "blkio.h"
#include "fuzz-util.h"
#include "io-model.h"

#define IO_MAX_OPS 64		/* operations decoded per input */
#define IO_MAX_QUEUES 6
#define IO_MAX_LEN (12u * 1024)	/* data length of one ordinary request */
#define IO_SLOT_SIZE (20u * 1024)	/* buffer space each request owns */
#define IO_WAIT_SEC 20		/* "this must have completed by now" */

enum io_kind {
	K_READ,
	K_WRITE,
	K_READV,
	K_WRITEV,
	K_WRITE_ZEROES,
	K_DISCARD,
	K_FLUSH,
	K_ZONE,
};

/* What a request does to the file when it runs. */
enum io_effect {
	EFF_NONE,
	EFF_DATA,	/* writes data[] */
	EFF_ZERO,	/* zeroes the range */
	EFF_UNKNOWN,	/* leaves the range unspecified (discard) */
};

struct io_req {
	bool live;		/* queued, completion not returned yet */
	int qslot;
	enum io_kind kind;
	uint64_t start, len;
	uint32_t flags;

	uint8_t *slot;		/* IO_SLOT_SIZE bytes only this request uses */
	struct iovec *iov;	/* the data segments inside slot */
	int iovcnt;		/* as passed (may be invalid); segs used below */
	int nseg;
	uint8_t *data;		/* write: the bytes written, len of them */
	uint8_t *stable;	/* read: model bytes no write may change */
	struct blkio_zone *zones;

	/* Allowed outcomes. */
	bool ok_allowed;
	int errs[6];
	int nerr;
	bool predicted;		/* refused before reaching the kernel */
	bool check_data;	/* read: compare with the model on success */

	enum io_effect eff;
	uint64_t mlo, mhi;	/* affected model bytes */
	bool far;		/* reaches at or beyond IO_MODEL_SIZE */
};

struct io_queue {
	bool alive;
	struct blkioq *q;
	int fd;
	int outstanding;
	bool fd_enabled;
};

struct io_stats {
	uint64_t inputs, ops, requests, completions, bytes_checked,
		 do_io_calls, fd_waits;
};

struct io_ctx {
	struct blkio *b;
	struct io_model *m;
	struct io_queue qs[IO_MAX_QUEUES];
	struct io_req reqs[IO_MAX_OPS];
	int nreqs;

	bool direct, readonly;
	int req_align, buf_align;
	bool zero_range_ok;	/* the file system has FALLOC_FL_ZERO_RANGE */

	uint8_t *arena;		/* IO_MAX_OPS slots */
	struct blkio_mem_region region;
	bool have_region;
};

extern struct io_stats io_stats;

/* io-issue.c: decode one request from the input and queue it. */
void io_issue(struct io_ctx *c, struct fz_in *in, enum io_kind kind);

/* io-reap.c: reaping strategies, queue changes, checkpoints. */
void io_reap_op(struct io_ctx *c, struct fz_in *in, uint8_t op);
void io_drain_all(struct io_ctx *c);
void io_verify_file(struct io_ctx *c, int fd);
int io_pick_queue(struct io_ctx *c, uint8_t sel);
void io_attach_queue(struct io_ctx *c, int idx);

/* io-complete.c: check one completion against its request. */
void io_complete(struct io_ctx *c, int qslot,
		 const struct blkio_completion *comp);
bool io_result_allowed(const struct io_req *r, int ret);

/* The canary byte a slot holds wherever no data segment lies. */
static inline uint8_t io_canary(int id, uint64_t off)
{
	return (uint8_t)(0xA5 ^ (off * 29) ^ (off >> 7) ^ (uint64_t)id);
}

#define IO_UD_BASE ((uintptr_t)0x5eed0000u)

#endif
