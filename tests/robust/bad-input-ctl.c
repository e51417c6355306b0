/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * bad-input rows for the control path: create, connect, start, destroy,
 * memory regions and queues.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bad-input.h"
#include "test-driver.h"

/* ---- create / connect / start / destroy ---- */

static int create_null_bp(struct bi_ctx *c, const struct bi_case *t)
{
	return blkio_create(test_driver_name(), NULL);
}

static int create_bad(struct bi_ctx *c, const struct bi_case *t)
{
	struct blkio *b = (struct blkio *)&bi_marker;
	int ret = blkio_create(t->s, &b);

	if (ret < 0 && b != NULL)
		c->bad = "failed blkio_create left *bp != NULL";
	if (ret == 0)
		blkio_destroy(&b);
	return ret;
}

static int do_connect(struct bi_ctx *c, const struct bi_case *t)
{
	return blkio_connect(c->b);
}

static int start(struct bi_ctx *c, const struct bi_case *t)
{
	return blkio_start(c->b);
}

/*
 * A driver that connect()s to a unix socket: a path that exists but is
 * no socket gets ECONNREFUSED from the kernel (net/unix: not S_ISSOCK).
 */
static void socket_answer(struct bi_ctx *c, const char *path)
{
	struct stat st;

	if (test_driver()->path_is_socket && stat(path, &st) == 0 &&
	    !S_ISSOCK(st.st_mode))
		c->expect = -ECONNREFUSED;
}

/* Connect after setting "path" to t->s (relative to the scratch dir). */
static int connect_path(struct bi_ctx *c, const struct bi_case *t)
{
	char path[4096];
	const char *slash = strrchr(c->path, '/');
	int ret;

	if (t->s[0] == '/')
		snprintf(path, sizeof(path), "%s", t->s);
	else
		snprintf(path, sizeof(path), "%.*s/%s",
			 (int)(slash - c->path), c->path, t->s);
	socket_answer(c, path);
	ret = blkio_set_str(c->b, "path", path);
	if (ret < 0) {
		c->bad = "setting path failed";
		return 0;
	}
	return blkio_connect(c->b);
}

/* "fd" = an open descriptor of the scratch file, plus "path" (t->a). */
static int connect_fd(struct bi_ctx *c, const struct bi_case *t)
{
	int fd = (int)t->u;

	if (t->a) {
		c->fd = open(c->path, O_RDWR | O_CLOEXEC);
		fd = c->fd;
	}
	/* Refused at once: "fd property not supported" (contract 6.5). */
	if (!test_driver()->has_fd) {
		c->expect = -ENOENT;
		return blkio_set_int(c->b, "fd", fd);
	}
	if (blkio_set_int(c->b, "fd", fd) < 0) {
		c->bad = "setting fd failed";
		return 0;
	}
	return blkio_connect(c->b);
}

/* Set int property t->s to t->a, then start. */
static int start_with(struct bi_ctx *c, const struct bi_case *t)
{
	if (blkio_set_int(c->b, t->s, (int)t->a) < 0) {
		c->bad = "setting the property failed";
		return 0;
	}
	return blkio_start(c->b);
}

/*
 * The queue-size property (entries_prop) at t->a, or at one over what
 * the kernel can hold for this driver: refused by blkio_start(), or
 * already by the setter where the driver checks it there.
 */
static int start_entries(struct bi_ctx *c, const struct bi_case *t)
{
	const struct test_driver *d = test_driver();
	int n = t->a ? (int)t->a : d->num_entries_refused;
	int ret = blkio_set_int(c->b, d->entries_prop, n);

	if (ret < 0 && d->entries_checked_by_setter)
		return ret;
	if (ret < 0) {
		c->bad = "setting the queue size failed";
		return 0;
	}
	return blkio_start(c->b);
}

/* num-queues = max-queues + t->a, plus t->a2 poll queues. */
static int start_over_max(struct bi_ctx *c, const struct bi_case *t)
{
	int max = 0;

	if (blkio_get_int(c->b, "max-queues", &max) < 0 ||
	    blkio_set_int(c->b, "num-queues", max + (int)t->a) < 0 ||
	    blkio_set_int(c->b, "num-poll-queues", (int)t->a2) < 0) {
		c->bad = "setting num-queues/num-poll-queues failed";
		return 0;
	}
	return blkio_start(c->b);
}

static int destroy_null(struct bi_ctx *c, const struct bi_case *t)
{
	blkio_destroy(NULL);
	return 0;
}

static int destroy_null_b(struct bi_ctx *c, const struct bi_case *t)
{
	struct blkio *b = NULL;

	blkio_destroy(&b);
	return 0;
}

static int destroy_twice(struct bi_ctx *c, const struct bi_case *t)
{
	blkio_destroy(&c->b);
	c->q = NULL;
	if (c->b != NULL)
		c->bad = "blkio_destroy did not set *bp = NULL";
	blkio_destroy(&c->b);
	return 0;
}

/* ---- memory regions ---- */

static uint64_t mem_align(struct bi_ctx *c)
{
	uint64_t align = 0;

	if (blkio_get_uint64(c->b, "mem-region-alignment", &align) < 0)
		c->bad = "cannot read mem-region-alignment";
	return align;
}

static int alloc_len(struct bi_ctx *c, const struct bi_case *t)
{
	struct blkio_mem_region r;
	uint64_t len = t->u;
	int ret;

	/* t->u == 0: a length one byte past the alignment (needs BI_DIRECT). */
	if (len == 0) {
		len = mem_align(c) + 1;
		if (len <= 2) {
			c->bad = "mem-region-alignment is 1; no BI_DIRECT?";
			return 0;
		}
	}
	ret = blkio_alloc_mem_region(c->b, &r, len);
	if (ret == 0)
		blkio_free_mem_region(c->b, &r);
	return ret;
}

static int alloc_null(struct bi_ctx *c, const struct bi_case *t)
{
	return blkio_alloc_mem_region(c->b, NULL, 4096);
}

/*
 * 4096 + extra bytes of c->rbuf from off on; with its memfd where the
 * driver needs one (needs-mem-region-fd), else without, as before.
 */
static struct blkio_mem_region rbuf_region(struct bi_ctx *c, uint64_t off,
					   uint64_t extra)
{
	bool fd = test_driver()->needs_mem_regions;

	return (struct blkio_mem_region){
		.addr = c->rbuf + off,
		.len = 4096 + extra,
		.fd = fd ? c->rfd : -1,
		.fd_offset = fd ? (int64_t)off : 0,
	};
}

/* Map a region of c->rbuf shifted by t->u and t->u2 bytes. */
static int map_buf(struct bi_ctx *c, const struct bi_case *t)
{
	struct blkio_mem_region r = rbuf_region(c, t->u, t->u2);

	if ((t->u || t->u2) && (t->opts & BI_DIRECT) && mem_align(c) <= 1) {
		c->bad = "mem-region-alignment is 1; no BI_DIRECT?";
		return 0;
	}
	return blkio_map_mem_region(c->b, &r);
}

static int map_null(struct bi_ctx *c, const struct bi_case *t)
{
	return blkio_map_mem_region(c->b, NULL);
}

/*
 * Regions a driver that needs them refuses (t->a): 0 no fd, 1 a
 * negative fd_offset, 2 len 0, 3 addr + len wraps around, 4 a part of
 * c->buf, which setup mapped already (overlap).
 */
static int map_bad(struct bi_ctx *c, const struct bi_case *t)
{
	struct blkio_mem_region r = rbuf_region(c, 0, 0);

	switch (t->a) {
	case 0:
		r.fd = -1;
		break;
	case 1:
		r.fd_offset = -4096;
		break;
	case 2:
		r.len = 0;
		break;
	case 3:
		r.len = SIZE_MAX - 4095;
		break;
	default:
		/* rbuf's fd: the overlap is refused before the device sees it. */
		r.addr = c->buf + 4096;
		break;
	}
	return blkio_map_mem_region(c->b, &r);
}

static int map_twice(struct bi_ctx *c, const struct bi_case *t)
{
	struct blkio_mem_region r = rbuf_region(c, 0, 0);

	if (blkio_map_mem_region(c->b, &r) < 0) {
		c->bad = "first map failed";
		return 0;
	}
	return blkio_map_mem_region(c->b, &r);
}

static int free_null(struct bi_ctx *c, const struct bi_case *t)
{
	struct blkio_mem_region r = rbuf_region(c, 0, 0);

	blkio_free_mem_region(c->b, t->a ? NULL : &r);
	return 0;
}

/* Alloc a region; t->a: 1 = map it first, 2 = free it twice. */
static int free_weird(struct bi_ctx *c, const struct bi_case *t)
{
	struct blkio_mem_region r;

	if (blkio_alloc_mem_region(c->b, &r, 4096) < 0) {
		c->bad = "alloc failed";
		return 0;
	}
	if (t->a == 1 && blkio_map_mem_region(c->b, &r) < 0) {
		c->bad = "map failed";
		return 0;
	}
	blkio_free_mem_region(c->b, &r);
	if (t->a == 2)
		blkio_free_mem_region(c->b, &r);
	return 0;
}

static int unmap(struct bi_ctx *c, const struct bi_case *t)
{
	struct blkio_mem_region r = rbuf_region(c, 0, 0);

	blkio_unmap_mem_region(c->b, t->a ? NULL : &r);
	return 0;
}

static int unmap_twice(struct bi_ctx *c, const struct bi_case *t)
{
	struct blkio_mem_region r = rbuf_region(c, 0, 0);

	if (blkio_map_mem_region(c->b, &r) < 0) {
		c->bad = "map failed";
		return 0;
	}
	blkio_unmap_mem_region(c->b, &r);
	blkio_unmap_mem_region(c->b, &r);
	/* A region that was unmapped can be mapped again. */
	if (blkio_map_mem_region(c->b, &r) < 0)
		c->bad = "map after double unmap failed";
	return 0;
}

/* ---- queues ---- */

static int get_queue(struct bi_ctx *c, const struct bi_case *t)
{
	c->ptr = t->s ? blkio_get_poll_queue(c->b, (int)t->a) :
			blkio_get_queue(c->b, (int)t->a);
	return 0;
}

static int get_removed_queue(struct bi_ctx *c, const struct bi_case *t)
{
	if (blkio_remove_queue(c->b, 0) < 0) {
		c->bad = "remove_queue(0) failed";
		return 0;
	}
	c->q = NULL;
	c->ptr = blkio_get_queue(c->b, 0);
	return 0;
}

static int add_queue(struct bi_ctx *c, const struct bi_case *t)
{
	/* In every state, before the state is looked at (contract 4). */
	if (c->b && !test_driver()->can_add_queues)
		c->expect = -ENOTSUP;
	return t->s ? blkio_add_poll_queue(c->b) : blkio_add_queue(c->b);
}

static int remove_queue(struct bi_ctx *c, const struct bi_case *t)
{
	return t->s ? blkio_remove_poll_queue(c->b, (int)t->a) :
		      blkio_remove_queue(c->b, (int)t->a);
}

static int remove_twice(struct bi_ctx *c, const struct bi_case *t)
{
	if (blkio_remove_queue(c->b, 0) < 0) {
		c->bad = "first remove_queue(0) failed";
		return 0;
	}
	c->q = NULL;
	return blkio_remove_queue(c->b, 0);
}

/*
 * Leave 300 reads queued or in flight (more than ring and CQ hold), then
 * remove the queue (t->a) or destroy the instance: neither may crash,
 * hang or touch the buffers afterwards.  The buffers are c->buf's
 * (mapped where the driver needs it), which lives until the process
 * exits: the kernel may finish a read after the ring is gone.
 */
static int abandon(struct bi_ctx *c, const struct bi_case *t)
{
	const uint64_t blocks = BI_FILE_SIZE / 4096;
	int i, ret;

	for (i = 0; i < 300; i++)
		blkioq_read(c->q, (uint64_t)i % blocks * 4096,
			    c->buf + (size_t)i * 4096, 4096, NULL, 0);
	ret = blkioq_do_io(c->q, NULL, 0, 0, NULL);
	if (ret != 0)
		c->bad = "submitting failed";
	if (t->a) {
		if (blkio_remove_queue(c->b, 0) != 0)
			c->bad = "remove_queue with requests in flight failed";
	} else {
		blkio_destroy(&c->b);
	}
	c->q = NULL;
	return 0;
}

#define INT(n, st, o, fn, e, ...) \
	{ .name = n, .state = st, .opts = o, .kind = K_INT, .run = fn, \
	  .err = e, __VA_ARGS__ }
#define VOID(n, st, o, fn, ...) \
	{ .name = n, .state = st, .opts = o, .kind = K_VOID, .run = fn, \
	  __VA_ARGS__ }
#define PTR(n, st, o, ...) \
	{ .name = n, .state = st, .opts = o, .kind = K_PTR, .run = get_queue, \
	  __VA_ARGS__ }

const struct bi_case bi_ctl_cases[] = {
	INT("create bp=NULL", ST_NONE, 0, create_null_bp, -EINVAL),
	INT("create driver=NULL", ST_NONE, BI_OURS, create_bad, -EINVAL,
	    .s = NULL),
	INT("create unknown driver", ST_NONE, 0, create_bad, -ENOENT,
	    .s = "no-such-driver"),
	INT("create empty driver", ST_NONE, 0, create_bad, -ENOENT, .s = ""),
	INT("create driver in capitals", ST_NONE, 0, create_bad, -ENOENT,
	    .s = "IO_URING"),
	INT("create driver with dash", ST_NONE, 0, create_bad, -ENOENT,
	    .s = "io-uring"),
	INT("create driver not UTF-8", ST_NONE, BI_ANY, create_bad, -EINVAL,
	    .s = "io_uring\xff"),

	INT("connect b=NULL", ST_NONE, BI_OURS, do_connect, -EINVAL),
	INT("connect without path or fd", ST_CREATED, BI_NOPATH, do_connect,
	    -EINVAL),
	INT("connect with path and fd", ST_CREATED, 0, connect_fd, -EINVAL,
	    .a = 1),
	INT("connect nonexistent path", ST_CREATED, BI_NOPATH, connect_path,
	    -ENOENT, .s = "does-not-exist"),
	INT("connect path in missing dir", ST_CREATED, BI_NOPATH, connect_path,
	    -ENOENT, .s = "no-dir/no-file"),
	INT("connect directory read-write", ST_CREATED, BI_NOPATH,
	    connect_path, -EISDIR, .s = "."),
	INT("connect directory read-only", ST_CREATED, BI_NOPATH | BI_RDONLY,
	    connect_path, -EINVAL, .s = "."),
	INT("connect character device", ST_CREATED, BI_NOPATH, connect_path,
	    -EINVAL, .s = "/dev/null"),
	INT("connect fd not open", ST_CREATED, BI_NOPATH, connect_fd, -EBADF,
	    .u = 999999),
	INT("connect fd -2", ST_CREATED, BI_NOPATH, connect_fd, -EBADF,
	    .u = (uint64_t)-2),
	INT("connect started", ST_STARTED, 0, do_connect, -EBUSY),

	INT("start b=NULL", ST_NONE, BI_OURS, start, -EINVAL),
	INT("start created", ST_CREATED, 0, start, -ENODEV),
	INT("start num-entries over the kernel's limit", ST_CONNECTED, 0,
	    start_entries, -EINVAL),
	INT("start num-entries INT_MAX", ST_CONNECTED, 0, start_entries,
	    -EINVAL, .a = INT_MAX),
	INT("start with 0 queues", ST_CONNECTED, 0, start_with, -EINVAL,
	    .s = "num-queues", .a = 0, .only = ONLY_FIXED_QUEUES),
	INT("start num-queues max-queues + 1", ST_CONNECTED, 0, start_over_max,
	    -EINVAL, .a = 1, .only = ONLY_FIXED_QUEUES),
	INT("start num-queues max-queues, 1 poll queue", ST_CONNECTED, 0,
	    start_over_max, -EINVAL, .a = 0, .a2 = 1,
	    .only = ONLY_FIXED_QUEUES),

	VOID("destroy bp=NULL", ST_NONE, 0, destroy_null),
	VOID("destroy *bp=NULL", ST_NONE, BI_OURS, destroy_null_b),
	VOID("destroy twice", ST_STARTED, BI_OURS, destroy_twice),
	VOID("destroy with requests in flight", ST_STARTED, 0, abandon),

	INT("alloc_mem_region b=NULL", ST_NONE, BI_OURS, alloc_len, -EINVAL,
	    .u = 4096),
	INT("alloc_mem_region created", ST_CREATED, 0, alloc_len, -ENODEV,
	    .u = 4096),
	INT("alloc_mem_region region=NULL", ST_STARTED, BI_OURS, alloc_null,
	    -EINVAL),
	INT("alloc_mem_region misaligned len", ST_CONNECTED, BI_DIRECT,
	    alloc_len, -EINVAL, .u = 0),
	INT("alloc_mem_region len SIZE_MAX", ST_STARTED, BI_ANY, alloc_len,
	    -ENOMEM, .u = SIZE_MAX),
	INT("alloc_mem_region len 2^62", ST_STARTED, BI_ANY, alloc_len,
	    -ENOMEM, .u = 1ULL << 62),
	INT("map_mem_region b=NULL", ST_NONE, BI_OURS, map_buf, -EINVAL),
	INT("map_mem_region created", ST_CREATED, 0, map_buf, -ENODEV),
	INT("map_mem_region connected", ST_CONNECTED, 0, map_buf, -EBUSY),
	INT("map_mem_region region=NULL", ST_STARTED, BI_OURS, map_null,
	    -EINVAL),
	INT("map_mem_region misaligned addr", ST_STARTED, BI_DIRECT, map_buf,
	    -EINVAL, .u = 1),
	INT("map_mem_region misaligned len", ST_STARTED, BI_DIRECT, map_buf,
	    -EINVAL, .u2 = 1),
	INT("map_mem_region twice", ST_STARTED, 0, map_twice, -EINVAL),
	INT("map_mem_region without fd", ST_STARTED, 0, map_bad, -EINVAL,
	    .a = 0, .only = ONLY_MEM_REGIONS),
	INT("map_mem_region fd_offset negative", ST_STARTED, 0, map_bad,
	    -EINVAL, .a = 1, .only = ONLY_MEM_REGIONS),
	INT("map_mem_region len 0", ST_STARTED, 0, map_bad, -EINVAL, .a = 2,
	    .only = ONLY_MEM_REGIONS),
	INT("map_mem_region addr + len wraps", ST_STARTED, 0, map_bad,
	    -EINVAL, .a = 3, .only = ONLY_MEM_REGIONS),
	INT("map_mem_region overlapping a mapped region", ST_STARTED, 0,
	    map_bad, -EINVAL, .a = 4, .only = ONLY_MEM_REGIONS),
	VOID("free_mem_region b=NULL", ST_NONE, BI_OURS, free_null),
	VOID("free_mem_region region=NULL", ST_STARTED, BI_OURS, free_null,
	     .a = 1),
	VOID("free_mem_region unknown region", ST_STARTED, BI_OURS, free_null),
	VOID("free_mem_region mapped region", ST_STARTED, BI_OURS, free_weird,
	     .a = 1),
	VOID("free_mem_region twice", ST_STARTED, BI_OURS, free_weird, .a = 2),
	VOID("unmap_mem_region b=NULL", ST_NONE, BI_OURS, unmap),
	VOID("unmap_mem_region region=NULL", ST_STARTED, BI_OURS, unmap,
	     .a = 1),
	VOID("unmap_mem_region created", ST_CREATED, 0, unmap),
	VOID("unmap_mem_region never mapped", ST_STARTED, 0, unmap),
	VOID("unmap_mem_region twice", ST_STARTED, 0, unmap_twice),

	PTR("get_queue b=NULL", ST_NONE, BI_OURS, .a = 0),
	PTR("get_poll_queue b=NULL", ST_NONE, BI_OURS, .s = "poll", .a = 0),
	PTR("get_queue created", ST_CREATED, 0, .a = 0),
	PTR("get_queue connected", ST_CONNECTED, 0, .a = 0),
	PTR("get_queue -1", ST_STARTED, 0, .a = -1),
	PTR("get_queue 1 of 1", ST_STARTED, 0, .a = 1),
	PTR("get_queue INT_MAX", ST_STARTED, 0, .a = INT_MAX),
	PTR("get_queue INT_MIN", ST_STARTED, 0, .a = INT_MIN),
	PTR("get_poll_queue 0 of 0", ST_STARTED, 0, .s = "poll", .a = 0),
	PTR("get_poll_queue -1", ST_STARTED, 0, .s = "poll", .a = -1),
	PTR("get_poll_queue connected", ST_CONNECTED, 0, .s = "poll", .a = 0),
	{ .name = "get_queue removed", .state = ST_STARTED, .opts = 0,
	  .kind = K_PTR, .run = get_removed_queue },

	INT("add_queue b=NULL", ST_NONE, BI_OURS, add_queue, -EINVAL),
	INT("add_poll_queue b=NULL", ST_NONE, BI_OURS, add_queue, -EINVAL,
	    .s = "poll"),
	INT("add_queue created", ST_CREATED, 0, add_queue, -EBUSY),
	INT("add_queue connected", ST_CONNECTED, 0, add_queue, -EBUSY),
	INT("add_poll_queue created", ST_CREATED, 0, add_queue, -EBUSY,
	    .s = "poll"),
	INT("add_queue started", ST_STARTED, 0, add_queue, -ENOTSUP,
	    .only = ONLY_FIXED_QUEUES),
	INT("add_poll_queue started", ST_STARTED, 0, add_queue, -ENOTSUP,
	    .s = "poll", .only = ONLY_FIXED_QUEUES),
	INT("remove_queue b=NULL", ST_NONE, BI_OURS, remove_queue, -EINVAL),
	INT("remove_poll_queue b=NULL", ST_NONE, BI_OURS, remove_queue, -EINVAL,
	    .s = "poll"),
	INT("remove_queue created", ST_CREATED, 0, remove_queue, -ENOENT),
	INT("remove_queue connected", ST_CONNECTED, 0, remove_queue, -ENOENT),
	INT("remove_queue -1", ST_STARTED, 0, remove_queue, -ENOENT, .a = -1),
	INT("remove_queue 1 of 1", ST_STARTED, 0, remove_queue, -ENOENT,
	    .a = 1),
	INT("remove_queue INT_MAX", ST_STARTED, 0, remove_queue, -ENOENT,
	    .a = INT_MAX),
	INT("remove_queue INT_MIN", ST_STARTED, 0, remove_queue, -ENOENT,
	    .a = INT_MIN),
	INT("remove_queue twice", ST_STARTED, 0, remove_twice, -ENOENT),
	VOID("remove_queue with requests in flight", ST_STARTED, 0, abandon,
	     .a = 1),
	INT("remove_poll_queue 0 of 0", ST_STARTED, 0, remove_queue, -ENOENT,
	    .s = "poll"),
	INT("remove_poll_queue -1", ST_STARTED, 0, remove_queue, -ENOENT,
	    .s = "poll", .a = -1),
};

const unsigned int bi_nr_ctl_cases = sizeof(bi_ctl_cases) /
				     sizeof(bi_ctl_cases[0]);
