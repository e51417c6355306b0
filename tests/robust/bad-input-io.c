/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * bad-input rows for the data path: requests with bogus flags, negative
 * iovcnt, oversize lengths and offsets, unsupported zone requests, writes
 * to a read-only instance, NULL queues, and blkioq_do_io*() with invalid
 * counts and timeouts.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <time.h>

#include "bad-input.h"

#define FUA BLKIO_REQ_FUA
#define NO_UNMAP BLKIO_REQ_NO_UNMAP
#define NO_FALLBACK BLKIO_REQ_NO_FALLBACK

/* Request length: t->u2, or one 512-byte block. */
static size_t req_len(const struct bi_case *t)
{
	return t->u2 ? (size_t)t->u2 : 512;
}

/* NULL, memory no region covers (BI_UNMAPPED) or c->buf (mapped). */
static uint8_t *req_buf(struct bi_ctx *c, const struct bi_case *t)
{
	if (t->opts & BI_NULL)
		return NULL;
	return t->opts & BI_UNMAPPED ? c->rbuf : c->buf;
}

static int rq_read(struct bi_ctx *c, const struct bi_case *t)
{
	blkioq_read(c->q, t->u, req_buf(c, t), req_len(t), &bi_marker,
		    t->rflags);
	return 0;
}

static int rq_write(struct bi_ctx *c, const struct bi_case *t)
{
	blkioq_write(c->q, t->u, req_buf(c, t), req_len(t), &bi_marker,
		     t->rflags);
	return 0;
}

/*
 * Map the first 4096 bytes of c->rbuf, then read t->u2 bytes from
 * there: the buffer runs past the end of the only region holding it.
 */
static int rq_read_straddle(struct bi_ctx *c, const struct bi_case *t)
{
	struct blkio_mem_region r = { .addr = c->rbuf, .len = 4096,
				      .fd = c->rfd };

	if (blkio_map_mem_region(c->b, &r) < 0) {
		c->bad = "mapping the region failed";
		return 0;
	}
	blkioq_read(c->q, t->u, c->rbuf, req_len(t), &bi_marker, t->rflags);
	return 0;
}

/*
 * t->a iovecs of one byte each (t->a may be negative); with t->u2 two
 * iovecs whose lengths add up to more than SSIZE_MAX.
 */
static int setup_iov(struct bi_ctx *c, const struct bi_case *t)
{
	int i;

	if (t->u2) {
		c->iov[0].iov_base = c->buf;
		c->iov[0].iov_len = t->u2;
		c->iov[1].iov_base = c->buf;
		c->iov[1].iov_len = t->u2;
		return 2;
	}
	for (i = 0; i < t->a && i < BI_IOV_MAX; i++) {
		c->iov[i].iov_base = c->buf + i;
		c->iov[i].iov_len = 1;
	}
	/* BI_UNMAPPED: 512-byte iovecs, the last one outside every region. */
	if (t->opts & BI_UNMAPPED) {
		for (i = 0; i < t->a && i < BI_IOV_MAX; i++) {
			c->iov[i].iov_base = c->buf + (size_t)i * 512;
			c->iov[i].iov_len = 512;
		}
		if (i > 0)
			c->iov[i - 1].iov_base = c->rbuf;
	}
	return (int)t->a;
}

static int rq_readv(struct bi_ctx *c, const struct bi_case *t)
{
	int n = setup_iov(c, t);

	blkioq_readv(c->q, t->u, c->iov, n, &bi_marker, t->rflags);
	return 0;
}

static int rq_writev(struct bi_ctx *c, const struct bi_case *t)
{
	int n = setup_iov(c, t);

	blkioq_writev(c->q, t->u, c->iov, n, &bi_marker, t->rflags);
	return 0;
}

static int rq_write_zeroes(struct bi_ctx *c, const struct bi_case *t)
{
	blkioq_write_zeroes(c->q, t->u, req_len(t), &bi_marker, t->rflags);
	return 0;
}

static int rq_discard(struct bi_ctx *c, const struct bi_case *t)
{
	blkioq_discard(c->q, t->u, req_len(t), &bi_marker, t->rflags);
	return 0;
}

static int rq_flush(struct bi_ctx *c, const struct bi_case *t)
{
	blkioq_flush(c->q, &bi_marker, t->rflags);
	return 0;
}

/* The nine zone requests, picked by t->a. */
static int rq_zone(struct bi_ctx *c, const struct bi_case *t)
{
	static struct blkio_zone zones[4];
	void *ud = &bi_marker;
	uint32_t f = t->rflags;

	switch (t->a) {
	case 0:
		blkioq_report_zones(c->q, t->u,
				    t->opts & BI_NULL ? NULL : zones, 4, ud, f);
		break;
	case 1:
		blkioq_close_zone(c->q, t->u, ud, f);
		break;
	case 2:
		blkioq_finish_zone(c->q, t->u, ud, f);
		break;
	case 3:
		blkioq_open_zone(c->q, t->u, ud, f);
		break;
	case 4:
		blkioq_reset_zone(c->q, t->u, ud, f);
		break;
	case 5:
		blkioq_close_all_zones(c->q, ud, f);
		break;
	case 6:
		blkioq_finish_all_zones(c->q, ud, f);
		break;
	case 7:
		blkioq_open_all_zones(c->q, ud, f);
		break;
	default:
		blkioq_reset_all_zones(c->q, ud, f);
		break;
	}
	return 0;
}

/*
 * blkioq_do_io (or the interruptible variant when t->s is set) with
 * min = t->a, max = t->a2, completions NULL with BI_NULL, a timeout of
 * {t->u, t->u2} with BI_TS and a signal mask with BI_SIG.
 */
static int do_io(struct bi_ctx *c, const struct bi_case *t)
{
	struct blkio_completion comp[16];
	struct timespec ts = {
		.tv_sec = (time_t)t->u,
		.tv_nsec = (long)t->u2,
	};
	struct timespec *tsp = t->opts & BI_TS ? &ts : NULL;
	struct blkio_completion *cp = t->opts & BI_NULL ? NULL : comp;
	sigset_t sig;

	sigemptyset(&sig);
	if (!t->s)
		return blkioq_do_io(c->q, cp, (int)t->a, (int)t->a2, tsp);
	return blkioq_do_io_interruptible(c->q, cp, (int)t->a, (int)t->a2, tsp,
					  t->opts & BI_SIG ? &sig : NULL);
}

/*
 * A completion that is already waiting must survive a do_io call that
 * fails because min_completions exceeds what is outstanding.
 */
static int do_io_keeps(struct bi_ctx *c, const struct bi_case *t)
{
	struct blkio_completion comp[4];
	int ret, again;

	blkioq_read(c->q, 0, c->buf, 512, &bi_marker, 0x80);
	ret = blkioq_do_io(c->q, comp, 2, 2, NULL);
	again = blkioq_do_io(c->q, comp, 0, 4, NULL);
	if (again != 1 || comp[0].user_data != &bi_marker)
		c->bad = "a failed do_io lost a pending completion";
	return ret;
}

static int get_fd(struct bi_ctx *c, const struct bi_case *t)
{
	return blkioq_get_completion_fd(c->q);
}

static int set_fd_enabled(struct bi_ctx *c, const struct bi_case *t)
{
	blkioq_set_completion_fd_enabled(c->q, true);
	blkioq_set_completion_fd_enabled(c->q, false);
	return 0;
}

#define FUA_MSG "BLKIO_REQ_FUA is invalid for this request type"
#define NO_UNMAP_MSG "BLKIO_REQ_NO_UNMAP is invalid for this request type"
#define NO_FALLBACK_MSG "BLKIO_REQ_NO_FALLBACK is invalid for this request type"
#define BITS_MSG "unsupported bits in request flags"
#define IOVCNT_MSG "iovcnt must be non-negative"
#define LEN_MSG "len must fit in an unsigned 32-bit integer"
#define ZONE_MSG "request not supported for this driver"
#define FAULT_MSG "buffer is not inside a mapped memory region"
#define ALIGN_MSG "must be multiples of property \"request-alignment\""

/* Request with flags f: fails with -EINVAL and message m. */
#define FL(n, fn, f, m) \
	{ .name = n, .state = ST_STARTED, .opts = 0, .kind = K_REQ, .run = fn, \
	  .rflags = f, .err = -EINVAL, .msg = m }
#define REQ(n, o, fn, e, m, ...) \
	{ .name = n, .state = ST_STARTED, .opts = o, .kind = K_REQ, .run = fn, \
	  .err = e, .msg = m, __VA_ARGS__ }
#define NULLQ(n, fn, ...) \
	{ .name = n, .state = ST_NONE, .opts = BI_OURS, .kind = K_VOID, \
	  .run = fn, __VA_ARGS__ }
#define DOIO(n, o, e, ...) \
	{ .name = n, .state = ST_STARTED, .opts = o, .kind = K_INT, \
	  .run = do_io, .err = e, __VA_ARGS__ }

const struct bi_case bi_io_cases[] = {
	FL("read FUA", rq_read, FUA, FUA_MSG),
	FL("read NO_UNMAP", rq_read, NO_UNMAP, NO_UNMAP_MSG),
	FL("read NO_FALLBACK", rq_read, NO_FALLBACK, NO_FALLBACK_MSG),
	FL("read NO_UNMAP|NO_FALLBACK names the lowest", rq_read,
	   NO_UNMAP | NO_FALLBACK, NO_UNMAP_MSG),
	FL("read 0x8", rq_read, 0x8, BITS_MSG),
	FL("read 0x80000000", rq_read, 0x80000000u, BITS_MSG),
	FL("read 0xffffffff", rq_read, 0xffffffffu, BITS_MSG),
	FL("readv FUA", rq_readv, FUA, FUA_MSG),
	FL("readv 0x10", rq_readv, 0x10, BITS_MSG),
	FL("write NO_UNMAP", rq_write, NO_UNMAP, NO_UNMAP_MSG),
	FL("write NO_FALLBACK", rq_write, NO_FALLBACK, NO_FALLBACK_MSG),
	FL("write 0x8", rq_write, 0x8, BITS_MSG),
	FL("write FUA|0x8", rq_write, FUA | 0x8, BITS_MSG),
	FL("writev NO_UNMAP", rq_writev, NO_UNMAP, NO_UNMAP_MSG),
	FL("writev 0x40", rq_writev, 0x40, BITS_MSG),
	FL("write_zeroes 0x8", rq_write_zeroes, 0x8, BITS_MSG),
	FL("write_zeroes 0xfffffff8", rq_write_zeroes, 0xfffffff8u, BITS_MSG),
	FL("discard FUA", rq_discard, FUA, FUA_MSG),
	FL("discard NO_UNMAP", rq_discard, NO_UNMAP, NO_UNMAP_MSG),
	FL("discard NO_FALLBACK", rq_discard, NO_FALLBACK, NO_FALLBACK_MSG),
	FL("discard 0x8", rq_discard, 0x8, BITS_MSG),
	FL("flush FUA", rq_flush, FUA, FUA_MSG),
	FL("flush NO_UNMAP", rq_flush, NO_UNMAP, NO_UNMAP_MSG),
	FL("flush NO_FALLBACK", rq_flush, NO_FALLBACK, NO_FALLBACK_MSG),
	FL("flush 0x100", rq_flush, 0x100, BITS_MSG),

	REQ("readv iovcnt -1", 0, rq_readv, -EINVAL, IOVCNT_MSG, .a = -1),
	REQ("readv iovcnt INT_MIN", 0, rq_readv, -EINVAL, IOVCNT_MSG,
	    .a = INT_MIN),
	REQ("writev iovcnt -1", 0, rq_writev, -EINVAL, IOVCNT_MSG, .a = -1),
	REQ("writev iovcnt -7", 0, rq_writev, -EINVAL, IOVCNT_MSG, .a = -7),
	REQ("readv iovcnt 1025 > IOV_MAX", BI_ANY, rq_readv, -EINVAL, NULL,
	    .a = 1025),
	REQ("writev iovcnt 1025 > IOV_MAX", BI_ANY, rq_writev, -EINVAL, NULL,
	    .a = 1025),
	REQ("readv total > SSIZE_MAX", BI_ANY, rq_readv, -EINVAL, NULL,
	    .u2 = SIZE_MAX / 2 + 1),
	REQ("writev total > SSIZE_MAX", BI_ANY, rq_writev, -EINVAL, NULL,
	    .u2 = SIZE_MAX / 2 + 1),
	REQ("read len 2^32", 0, rq_read, -EINVAL, LEN_MSG, .u2 = 1ULL << 32),
	REQ("read len SIZE_MAX", 0, rq_read, -EINVAL, LEN_MSG, .u2 = SIZE_MAX),
	REQ("write len 2^32", 0, rq_write, -EINVAL, LEN_MSG, .u2 = 1ULL << 32),
	REQ("write len 2^32+512", 0, rq_write, -EINVAL, LEN_MSG,
	    .u2 = (1ULL << 32) + 512),
	REQ("read buf=NULL", BI_NULL, rq_read, -EFAULT, NULL),
	REQ("write buf=NULL", BI_NULL, rq_write, -EFAULT, NULL),
	REQ("read start 2^64-512", BI_ANY, rq_read, -EINVAL, NULL,
	    .u = UINT64_MAX - 511),
	REQ("write start 2^63", BI_ANY, rq_write, -EINVAL, NULL,
	    .u = 1ULL << 63),
	REQ("write_zeroes len 2^64-1", BI_ANY, rq_write_zeroes, -EINVAL, NULL,
	    .u2 = UINT64_MAX),
	REQ("write_zeroes start 2^64-4096", BI_ANY, rq_write_zeroes, -EINVAL,
	    NULL, .u = UINT64_MAX - 4095, .u2 = 4096),
	REQ("discard len 2^64-1", BI_ANY, rq_discard, -EINVAL, NULL,
	    .u2 = UINT64_MAX),

	/* Buffers the device cannot see (needs-mem-regions). */
	REQ("read buf outside mapped regions", BI_UNMAPPED, rq_read, -EFAULT,
	    FAULT_MSG, .only = ONLY_MEM_REGIONS),
	REQ("write buf outside mapped regions", BI_UNMAPPED, rq_write, -EFAULT,
	    FAULT_MSG, .only = ONLY_MEM_REGIONS),
	REQ("readv last iovec outside mapped regions", BI_UNMAPPED, rq_readv,
	    -EFAULT, FAULT_MSG, .a = 4, .only = ONLY_MEM_REGIONS),
	REQ("writev last iovec outside mapped regions", BI_UNMAPPED, rq_writev,
	    -EFAULT, FAULT_MSG, .a = 2, .only = ONLY_MEM_REGIONS),
	REQ("read buf straddling a region's end", 0, rq_read_straddle, -EFAULT,
	    FAULT_MSG, .u2 = 8192, .only = ONLY_MEM_REGIONS),

	/* Misaligned start or length (request-alignment 512). */
	REQ("read start 1", 0, rq_read, -EINVAL, ALIGN_MSG, .u = 1,
	    .only = ONLY_ALIGNMENT),
	REQ("read len 511", 0, rq_read, -EINVAL, ALIGN_MSG, .u2 = 511,
	    .only = ONLY_ALIGNMENT),
	REQ("write start 4097", 0, rq_write, -EINVAL, ALIGN_MSG, .u = 4097,
	    .only = ONLY_ALIGNMENT),
	REQ("write len 513", 0, rq_write, -EINVAL, ALIGN_MSG, .u2 = 513,
	    .only = ONLY_ALIGNMENT),
	REQ("readv 3 bytes", 0, rq_readv, -EINVAL, ALIGN_MSG, .a = 3,
	    .only = ONLY_ALIGNMENT),
	REQ("writev 1 byte", 0, rq_writev, -EINVAL, ALIGN_MSG, .a = 1,
	    .only = ONLY_ALIGNMENT),
	REQ("write_zeroes start 1", 0, rq_write_zeroes, -EINVAL, ALIGN_MSG,
	    .u = 1, .only = ONLY_ALIGNMENT),
	REQ("write_zeroes len 4095", 0, rq_write_zeroes, -EINVAL, ALIGN_MSG,
	    .u2 = 4095, .only = ONLY_ALIGNMENT),
	REQ("discard start 256", 0, rq_discard, -EINVAL, ALIGN_MSG, .u = 256,
	    .only = ONLY_ALIGNMENT),
	REQ("discard len 100", 0, rq_discard, -EINVAL, ALIGN_MSG, .u2 = 100,
	    .only = ONLY_ALIGNMENT),

	/* Past capacity (BI_FILE_SIZE): the device refuses, -EIO. */
	REQ("read at capacity", 0, rq_read, -EIO, NULL, .u = BI_FILE_SIZE,
	    .only = ONLY_FIXED_CAPACITY),
	REQ("read across capacity", 0, rq_read, -EIO, NULL,
	    .u = BI_FILE_SIZE - 512, .u2 = 1024, .only = ONLY_FIXED_CAPACITY),
	REQ("write at capacity", 0, rq_write, -EIO, NULL, .u = BI_FILE_SIZE,
	    .only = ONLY_FIXED_CAPACITY),
	REQ("write across capacity", 0, rq_write, -EIO, NULL,
	    .u = BI_FILE_SIZE - 512, .u2 = 4096, .only = ONLY_FIXED_CAPACITY),
	REQ("read 1 TiB past capacity", 0, rq_read, -EIO, NULL,
	    .u = 1ULL << 40, .only = ONLY_FIXED_CAPACITY),
	REQ("write_zeroes at capacity", 0, rq_write_zeroes, -EIO, NULL,
	    .u = BI_FILE_SIZE, .u2 = 4096, .only = ONLY_FIXED_CAPACITY),
	REQ("discard across capacity", 0, rq_discard, -EIO, NULL,
	    .u = BI_FILE_SIZE - 4096, .u2 = 8192,
	    .only = ONLY_FIXED_CAPACITY),

	REQ("report_zones", 0, rq_zone, -ENOTSUP, ZONE_MSG, .a = 0),
	REQ("report_zones zones=NULL", BI_NULL, rq_zone, -ENOTSUP, ZONE_MSG,
	    .a = 0),
	REQ("close_zone", 0, rq_zone, -ENOTSUP, ZONE_MSG, .a = 1),
	REQ("finish_zone", 0, rq_zone, -ENOTSUP, ZONE_MSG, .a = 2),
	REQ("open_zone", 0, rq_zone, -ENOTSUP, ZONE_MSG, .a = 3),
	REQ("reset_zone", 0, rq_zone, -ENOTSUP, ZONE_MSG, .a = 4),
	REQ("close_all_zones", 0, rq_zone, -ENOTSUP, ZONE_MSG, .a = 5),
	REQ("finish_all_zones", 0, rq_zone, -ENOTSUP, ZONE_MSG, .a = 6),
	REQ("open_all_zones", 0, rq_zone, -ENOTSUP, ZONE_MSG, .a = 7),
	REQ("reset_all_zones", 0, rq_zone, -ENOTSUP, ZONE_MSG, .a = 8),
	REQ("reset_zone 0x8 flags", BI_ANY, rq_zone, -ENOTSUP, NULL, .a = 4,
	    .rflags = 0x8),

	REQ("write on read-only", BI_RDONLY, rq_write, -EBADF, NULL),
	REQ("writev on read-only", BI_RDONLY, rq_writev, -EBADF, NULL, .a = 4),
	REQ("write_zeroes on read-only", BI_RDONLY, rq_write_zeroes, -EBADF,
	    NULL),
	REQ("discard on read-only", BI_RDONLY, rq_discard, -EBADF, NULL,
	    .err2 = -ENOTSUP),

	NULLQ("read q=NULL", rq_read),
	NULLQ("write q=NULL", rq_write),
	NULLQ("readv q=NULL", rq_readv, .a = 1),
	NULLQ("writev q=NULL", rq_writev, .a = 1),
	NULLQ("write_zeroes q=NULL", rq_write_zeroes),
	NULLQ("discard q=NULL", rq_discard),
	NULLQ("flush q=NULL", rq_flush),
	NULLQ("report_zones q=NULL", rq_zone, .a = 0),
	NULLQ("close_zone q=NULL", rq_zone, .a = 1),
	NULLQ("finish_zone q=NULL", rq_zone, .a = 2),
	NULLQ("open_zone q=NULL", rq_zone, .a = 3),
	NULLQ("reset_zone q=NULL", rq_zone, .a = 4),
	NULLQ("close_all_zones q=NULL", rq_zone, .a = 5),
	NULLQ("finish_all_zones q=NULL", rq_zone, .a = 6),
	NULLQ("open_all_zones q=NULL", rq_zone, .a = 7),
	NULLQ("reset_all_zones q=NULL", rq_zone, .a = 8),
	NULLQ("set_completion_fd_enabled q=NULL", set_fd_enabled),
	{ .name = "get_completion_fd q=NULL", .state = ST_NONE, .opts = BI_OURS,
	  .kind = K_INT, .run = get_fd,
	  .err = -EINVAL },

	{ .name = "do_io q=NULL", .state = ST_NONE, .opts = BI_OURS,
	  .kind = K_INT, .run = do_io, .a = 0, .a2 = 1,
	  .err = -EINVAL },
	{ .name = "do_io_interruptible q=NULL", .state = ST_NONE,
	  .opts = BI_OURS, .kind = K_INT, .run = do_io,
	  .s = "intr", .a = 0, .a2 = 1, .err = -EINVAL },
	DOIO("do_io min -1", 0, -EINVAL, .a = -1, .a2 = 1),
	DOIO("do_io max -1", 0, -EINVAL, .a = 0, .a2 = -1),
	DOIO("do_io max INT_MIN", 0, -EINVAL, .a = 0, .a2 = INT_MIN),
	DOIO("do_io min > max", 0, -EINVAL, .a = 2, .a2 = 1),
	DOIO("do_io completions=NULL max 1", BI_NULL, -EINVAL, .a = 0, .a2 = 1),
	DOIO("do_io completions=NULL min 1 max 1", BI_NULL, -EINVAL, .a = 1,
	     .a2 = 1),
	DOIO("do_io min 1, nothing outstanding", 0, -EINVAL, .a = 1, .a2 = 1),
	DOIO("do_io min INT_MAX, nothing outstanding", 0, -EINVAL,
	     .a = INT_MAX, .a2 = INT_MAX),
	DOIO("do_io tv_sec -1", BI_TS, -EINVAL, .a = 0, .a2 = 1,
	     .u = (uint64_t)-1),
	DOIO("do_io tv_sec LONG_MIN", BI_TS, -EINVAL, .a = 0, .a2 = 1,
	     .u = (uint64_t)LONG_MIN),
	DOIO("do_io tv_nsec 1e9", BI_TS, -EINVAL, .a = 0, .a2 = 1,
	     .u2 = 1000000000),
	DOIO("do_io tv_nsec -1", BI_TS, -EINVAL, .a = 0, .a2 = 1,
	     .u2 = (uint64_t)-1),
	DOIO("do_io tv_nsec LONG_MAX", BI_TS, -EINVAL, .a = 0, .a2 = 1,
	     .u2 = LONG_MAX),
	DOIO("do_io tv_sec -1 and min -1", BI_TS, -EINVAL, .a = -1, .a2 = 1,
	     .u = (uint64_t)-1),
	DOIO("do_io_interruptible min -1", 0, -EINVAL, .s = "intr", .a = -1,
	     .a2 = 1),
	DOIO("do_io_interruptible min > max", BI_SIG, -EINVAL, .s = "intr",
	     .a = 3, .a2 = 2),
	DOIO("do_io_interruptible completions=NULL max 1", BI_NULL | BI_SIG,
	     -EINVAL, .s = "intr", .a = 0, .a2 = 1),
	DOIO("do_io_interruptible min 1, nothing outstanding", BI_SIG, -EINVAL,
	     .s = "intr", .a = 1, .a2 = 4),
	DOIO("do_io_interruptible tv_sec -1", BI_TS | BI_SIG, -EINVAL,
	     .s = "intr", .a = 0, .a2 = 1, .u = (uint64_t)-1),
	DOIO("do_io_interruptible tv_nsec 1e9", BI_TS, -EINVAL, .s = "intr",
	     .a = 0, .a2 = 1, .u2 = 1000000000),
	{ "do_io min > outstanding keeps completions", ST_STARTED, 0, K_INT,
	  do_io_keeps, .err = -EINVAL },
};

const unsigned int bi_nr_io_cases = sizeof(bi_io_cases) /
				    sizeof(bi_io_cases[0]);
