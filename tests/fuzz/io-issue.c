/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Decoding one request from the input, working out which results the
 * contract allows for it, and queueing it.
 *
 * Results the library decides itself (invalid flags, negative iovcnt,
 * len beyond 32 bits, offsets the kernel cannot address) are predicted
 * exactly.  Results the kernel decides are accepted only where they may
 * legitimately differ (misaligned O_DIRECT, file-size limits, a file
 * system without FALLOC_FL_ZERO_RANGE); a request that may have failed
 * half-way leaves its range unknown in the model instead of guessing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "io-fuzz.h"
#include "test-driver.h"

static void allow(struct io_req *r, int err)
{
	int i;

	for (i = 0; i < r->nerr; i++)
		if (r->errs[i] == err)
			return;
	if (r->nerr < (int)(sizeof(r->errs) / sizeof(r->errs[0])))
		r->errs[r->nerr++] = err;
}

/* Only these errors: the library must refuse the request itself. */
static void predict(struct io_req *r, int err)
{
	r->ok_allowed = false;
	r->predicted = true;
	r->eff = EFF_NONE;
	r->check_data = false;
	allow(r, err);
}

static const uint64_t huge_starts[] = {
	1ull << 62,
	(uint64_t)INT64_MAX,
	(uint64_t)INT64_MAX + 1,
	UINT64_MAX - 4096,
	UINT64_MAX,
};

static uint64_t pick_start(struct io_ctx *c, struct fz_in *in)
{
	uint8_t cls = fz_u8(in);
	uint64_t v = fz_u32(in);
	uint64_t a = (uint64_t)c->req_align < 512 ? 512 : (uint64_t)c->req_align;
	uint64_t span = c->m->size + IO_MAX_LEN;
	uint64_t s;

	switch (cls % 12) {
	case 3:
		return (v % (IO_MODEL_SIZE / 4096)) * 4096;
	case 4:
		return v % IO_MODEL_SIZE;
	case 5:	/* around the end of the file */
		s = c->m->size + (uint64_t)(int64_t)(int16_t)v;
		return s > c->m->size + 65536 ? 0 : s;
	case 6:	/* around the end of the model */
		return IO_MODEL_SIZE - 1 - v % 8192;
	case 7:	/* far beyond the file, still addressable */
		return (1ull << 30) + (v % 4096) * 512;
	case 8:
		s = huge_starts[v % 5] - (v >> 8) % 8;
		/* libblkio passes -1 to io_uring, which means "file position" */
		if ((fz_reference() || fz_avoid("u64max-start")) && s == UINT64_MAX)
			s--;
		return s;
	default:	/* aligned, inside or just past the file */
		return (v % (span / a + 1)) * a;
	}
}

static uint64_t pick_len(struct io_ctx *c, struct fz_in *in,
			 enum io_kind kind)
{
	uint8_t cls = fz_u8(in);
	uint64_t v = fz_u16(in);
	uint64_t a = (uint64_t)c->req_align < 512 ? 512 : (uint64_t)c->req_align;
	bool vec = kind == K_READV || kind == K_WRITEV;
	bool alloc = kind == K_WRITE_ZEROES || kind == K_DISCARD;

	switch (cls % 10) {
	case 0:
		return 0;
	case 4:
		return 1 + v % IO_MAX_LEN;
	case 5:
		return 1 + v % 600;
	case 6:
		return 4096 * (1 + v % 3);
	case 7:
		if (alloc)	/* bounded: fallbacks might write zeroes */
			return (1 + v % 2048) * 512;
		if (!vec)
			return (1ull << 32) + v;
		break;
	case 8:
		if (alloc)	/* the end overflows */
			return UINT64_MAX - v;
		if (!vec)
			return UINT32_MAX + 1ull + (v & 1) * (1ull << 40);
		break;
	default:
		break;
	}
	return (1 + v % (IO_MAX_LEN / a)) * a;
}

static uint32_t allowed_flags(enum io_kind kind)
{
	switch (kind) {
	case K_WRITE:
	case K_WRITEV:
		return BLKIO_REQ_FUA;
	case K_WRITE_ZEROES:
		return BLKIO_REQ_FUA | BLKIO_REQ_NO_UNMAP | BLKIO_REQ_NO_FALLBACK;
	default:
		return 0;
	}
}

static uint32_t pick_flags(struct fz_in *in, enum io_kind kind)
{
	uint8_t cls = fz_u8(in);
	uint32_t v = fz_u32(in);

	switch (cls % 8) {
	case 5:
		return v & allowed_flags(kind);
	case 6:
		return 1u << (v % 3);
	case 7:
		return v;
	default:
		return 0;
	}
}

/* Lay out nd data segments of total len (plus empty ones) in the slot. */
static void build_segments(struct io_ctx *c, struct io_req *r,
			   struct fz_in *in, int cnt, int nd, size_t misalign,
			   bool aligned)
{
	size_t a = aligned ? (size_t)c->buf_align : 1;
	size_t budget = IO_SLOT_SIZE - misalign - r->len;
	size_t cuts[9];
	size_t pos = misalign;
	int i, j;

	r->iov = calloc((size_t)cnt, sizeof(*r->iov));
	cuts[0] = 0;
	for (i = 1; i < nd; i++)
		cuts[i] = (fz_u16(in) % (r->len + 1)) / a * a;
	cuts[nd] = r->len;
	for (i = 1; i < nd; i++)	/* insertion sort, nd <= 8 */
		for (j = i; j > 1 && cuts[j - 1] > cuts[j]; j--) {
			size_t t = cuts[j];

			cuts[j] = cuts[j - 1];
			cuts[j - 1] = t;
		}
	for (i = 0; i < cnt; i++) {
		size_t seg = i < nd ? cuts[i + 1] - cuts[i] : 0;
		/* empty segments (up to 1025 of them) take no input */
		size_t gap = i < nd ? (fz_u8(in) % 4) * (aligned ? 512 : 97) : 0;

		if (gap > budget)
			gap = 0;
		budget -= gap;
		pos += gap;
		r->iov[i].iov_base = r->slot + (seg ? pos : 0);
		r->iov[i].iov_len = seg;
		pos += seg;
	}
	r->nseg = cnt;
}

static void build_vector(struct io_ctx *c, struct io_req *r,
			 struct fz_in *in, size_t misalign, bool aligned)
{
	uint8_t cls = fz_u8(in);
	int nd;

	switch (cls % 12) {
	case 0:
		r->len = 0;
		r->iovcnt = 0;
		return;
	case 9:
	case 10:	/* IOV_MAX, and one more */
		r->iovcnt = 1024 + cls % 12 - 9;
		nd = 1 + fz_u8(in) % 4;
		break;
	case 11:
		r->iovcnt = (fz_u8(in) & 1) ? -1 : INT_MIN;
		return;
	default:
		r->iovcnt = cls % 12 < 4 ? 1 : 2 + fz_u8(in) % 7;
		nd = r->iovcnt;
		break;
	}
	if (r->len == 0)
		nd = r->iovcnt < 8 ? r->iovcnt : 8;
	build_segments(c, r, in, r->iovcnt, nd > 8 ? 8 : nd, misalign, aligned);
}

static bool direct_misaligned(const struct io_ctx *c, const struct io_req *r)
{
	int i;

	if (!c->direct)
		return false;
	if (r->start % (uint64_t)c->req_align || r->len % (uint64_t)c->req_align)
		return true;
	for (i = 0; i < r->nseg; i++)
		if ((uintptr_t)r->iov[i].iov_base % (uintptr_t)c->buf_align ||
		    r->iov[i].iov_len % (size_t)c->buf_align)
			return true;
	return false;
}

/*
 * A short O_DIRECT read at an end of file that is not aligned leaves a
 * misaligned remainder, which the kernel refuses.
 */
static bool eof_maybe_misaligned(const struct io_ctx *c)
{
	const struct io_model *m = c->m;
	int i;

	if (!m->size_exact || m->size % (uint64_t)c->req_align)
		return true;
	for (i = 0; i < c->nreqs; i++) {
		const struct io_req *o = &c->reqs[i];

		if (o->live && o->eff != EFF_NONE &&
		    (o->start + o->len) % (uint64_t)c->req_align)
			return true;
	}
	return false;
}

/*
 * A driver that checks alignment (checks_alignment: a virtio-blk device
 * addresses sectors) refuses a start or length off request-alignment.
 */
static bool misaligned_for_driver(const struct io_ctx *c,
				  const struct io_req *r)
{
	return test_driver()->checks_alignment && r->kind != K_FLUSH &&
	       ((r->start | r->len) % (uint64_t)c->req_align) != 0;
}

/* Invalid before anything reaches the kernel (contract §5.6, §6.3). */
static void predict_invalid(struct io_ctx *c, struct io_req *r)
{
	bool vec = r->kind == K_READV || r->kind == K_WRITEV;

	if (r->kind == K_ZONE) {
		predict(r, -ENOTSUP);
		/*
		 * Drivers that serve zones check the zone's offset before the
		 * device says it has none (the all-zones operations take no
		 * offset, which the model does not know yet); so do those
		 * that check alignment.
		 */
		if (r->flags || r->start > (uint64_t)INT64_MAX ||
		    misaligned_for_driver(c, r))
			allow(r, -EINVAL);
		return;
	}
	if ((r->flags & ~allowed_flags(r->kind)) ||
	    (vec && r->iovcnt < 0) ||
	    ((r->kind == K_READ || r->kind == K_WRITE) &&
	     r->len > UINT32_MAX) ||
	    misaligned_for_driver(c, r))
		predict(r, -EINVAL);
}

/*
 * A device of fixed size (fixed_capacity) fails a request that reaches
 * past its capacity (the model's size, which never changes then) with
 * -EIO, the device's answer; one split into pieces may have changed
 * its first pieces' bytes, which the failure leaves unknown
 * (finish_effect()).
 */
static bool past_capacity(const struct io_ctx *c, const struct io_req *r)
{
	return test_driver()->fixed_capacity && r->len &&
	       (r->start > c->m->size || r->len > c->m->size - r->start);
}

static bool end_beyond_int64(const struct io_req *r)
{
	return r->start > (uint64_t)INT64_MAX ||
	       r->len > (uint64_t)INT64_MAX - r->start;
}

static void expect_read(struct io_ctx *c, struct io_req *r)
{
	if (past_capacity(c, r)) {
		r->ok_allowed = false;
		allow(r, -EIO);
		allow(r, -EINVAL);
		return;
	}
	if (end_beyond_int64(r)) {
		r->ok_allowed = r->len == 0;
		allow(r, -EINVAL);
		return;
	}
	r->ok_allowed = true;
	r->check_data = true;
	if (r->iovcnt > 1024)
		allow(r, -EINVAL);
	if (direct_misaligned(c, r) ||
	    (c->direct && r->start + r->len > c->m->size &&
	     eof_maybe_misaligned(c)))
		allow(r, -EINVAL);
}

static void expect_write(struct io_ctx *c, struct io_req *r)
{
	if (past_capacity(c, r)) {
		r->ok_allowed = false;
		r->eff = EFF_DATA;
		allow(r, -EIO);
		allow(r, -EINVAL);
		return;
	}
	if (end_beyond_int64(r)) {
		r->ok_allowed = r->len == 0;
		allow(r, -EINVAL);
		return;
	}
	r->ok_allowed = true;
	r->eff = r->len ? EFF_DATA : EFF_NONE;
	if (r->iovcnt > 1024)
		allow(r, -EINVAL);
	if (direct_misaligned(c, r))
		allow(r, -EINVAL);
	if (r->start + r->len > IO_MODEL_SIZE)
		allow(r, -EFBIG);	/* the file system's size limit */
}

static void expect_alloc(struct io_ctx *c, struct io_req *r)
{
	/* The kernel may refuse the fallocate mode before looking at the
	 * range: libblkio's discard mode (contract §6.3), or ZERO_RANGE on a
	 * file system without it. */
	if (r->kind == K_DISCARD && fz_reference())
		allow(r, -EOPNOTSUPP);
	if (r->kind == K_WRITE_ZEROES && (r->flags & BLKIO_REQ_NO_UNMAP) &&
	    !c->zero_range_ok)
		allow(r, -EOPNOTSUPP);
	if (r->len == 0) {
		r->ok_allowed = true;
		allow(r, -EINVAL);
		return;
	}
	if (past_capacity(c, r)) {
		r->eff = r->kind == K_DISCARD ? EFF_UNKNOWN : EFF_ZERO;
		allow(r, -EIO);
		allow(r, -EINVAL);
		return;
	}
	if (end_beyond_int64(r)) {
		allow(r, -EINVAL);
		allow(r, -EFBIG);
		return;
	}
	r->ok_allowed = true;
	r->eff = r->kind == K_DISCARD ? EFF_UNKNOWN : EFF_ZERO;
	if (r->start + r->len > IO_MODEL_SIZE)
		allow(r, -EFBIG);
}

static void expect(struct io_ctx *c, struct io_req *r)
{
	bool modifies = r->kind == K_WRITE || r->kind == K_WRITEV ||
			r->kind == K_WRITE_ZEROES || r->kind == K_DISCARD;

	predict_invalid(c, r);
	if (r->predicted) {
		if (c->readonly && modifies)
			allow(r, -EBADF);
		return;
	}
	switch (r->kind) {
	case K_READ:
	case K_READV:
		expect_read(c, r);
		break;
	case K_WRITE:
	case K_WRITEV:
		expect_write(c, r);
		break;
	case K_WRITE_ZEROES:
	case K_DISCARD:
		expect_alloc(c, r);
		break;
	default:
		r->ok_allowed = true;
		break;
	}
	/*
	 * Read-only: the kernel refuses modifications (-EBADF; -ENOTSUP is
	 * accepted too, contract §5.6) after its argument checks; only an
	 * empty request may pass as a no-op.
	 */
	if (c->readonly && modifies) {
		r->ok_allowed = r->ok_allowed && r->len == 0;
		r->eff = EFF_NONE;
		allow(r, -EBADF);
		allow(r, -EOPNOTSUPP);
	}
}

FZ_NO_COVERAGE static void fill_canary(int id, uint8_t *slot)
{
	size_t i;

	for (i = 0; i < IO_SLOT_SIZE; i++)
		slot[i] = io_canary(id, i);
}

/* Write data goes into the segments; remember it for the model. */
FZ_NO_COVERAGE static void fill_write_data(struct io_req *r, uint8_t seed, int id)
{
	size_t done = 0, i;
	int s;

	if (!r->len || r->len > IO_MAX_LEN)
		return;
	r->data = malloc(r->len);
	for (i = 0; i < r->len; i++)
		r->data[i] = (uint8_t)(seed * 31u + (unsigned int)id * 151u +
				       i * 11u + (i >> 8) + 3u);
	for (s = 0; s < r->nseg; s++) {
		memcpy(r->iov[s].iov_base, r->data + done, r->iov[s].iov_len);
		done += r->iov[s].iov_len;
	}
}

/* The model part of the request's range, and whether it goes beyond. */
static void model_range(struct io_req *r)
{
	uint64_t end = r->start + r->len;

	if (end_beyond_int64(r))
		end = UINT64_MAX;
	r->mlo = r->start < IO_MODEL_SIZE ? r->start : IO_MODEL_SIZE;
	r->mhi = end < IO_MODEL_SIZE ? end : IO_MODEL_SIZE;
	r->far = end > IO_MODEL_SIZE;
}

/* A modifying request may run: readers of its bytes cannot check them. */
FZ_NO_COVERAGE static void start_effect(struct io_ctx *c, struct io_req *r)
{
	int i;

	if (r->eff == EFF_NONE)
		return;
	model_begin(c->m, r->mlo, r->mhi);
	if (r->far && r->eff != EFF_ZERO)
		c->m->far_dirty = true;
	for (i = 0; i < c->nreqs; i++) {
		struct io_req *o = &c->reqs[i];
		uint64_t lo, hi, b;

		if (!o->live || !o->stable)
			continue;
		lo = r->mlo > o->mlo ? r->mlo : o->mlo;
		hi = r->mhi < o->mhi ? r->mhi : o->mhi;
		for (b = lo; b < hi; b++)
			o->stable[b - o->mlo] = 0;
	}
}

/* Which bytes of a read no request in flight is changing. */
FZ_NO_COVERAGE static void snapshot_stable(struct io_ctx *c, struct io_req *r)
{
	uint64_t b;

	if (!r->check_data || r->mhi <= r->mlo)
		return;
	r->stable = malloc(r->mhi - r->mlo);
	for (b = r->mlo; b < r->mhi; b++)
		r->stable[b - r->mlo] = c->m->busy[b] == 0;
}

static void submit_zone(struct io_req *r, struct blkioq *q,
			struct fz_in *in, void *ud)
{
	uint8_t which = fz_u8(in) % 9;
	uint32_t nr = fz_u8(in) % 4;

	fz_trace("zone op %u offset=%llu flags=%#x", which,
		 (unsigned long long)r->start, r->flags);
	switch (which) {
	case 0:
		r->zones = nr ? calloc(nr, sizeof(*r->zones)) : NULL;
		blkioq_report_zones(q, r->start, r->zones, nr, ud, r->flags);
		break;
	case 1:
		blkioq_close_zone(q, r->start, ud, r->flags);
		break;
	case 2:
		blkioq_finish_zone(q, r->start, ud, r->flags);
		break;
	case 3:
		blkioq_open_zone(q, r->start, ud, r->flags);
		break;
	case 4:
		blkioq_reset_zone(q, r->start, ud, r->flags);
		break;
	case 5:
		blkioq_close_all_zones(q, ud, r->flags);
		break;
	case 6:
		blkioq_finish_all_zones(q, ud, r->flags);
		break;
	case 7:
		blkioq_open_all_zones(q, ud, r->flags);
		break;
	default:
		blkioq_reset_all_zones(q, ud, r->flags);
		break;
	}
}

static const char *const kind_names[] = {
	"read", "write", "readv", "writev", "write_zeroes", "discard",
	"flush", "zone",
};

static void submit(struct io_ctx *c, struct io_req *r, int id,
		   struct fz_in *in)
{
	struct blkioq *q = c->qs[r->qslot].q;
	void *ud = (void *)(IO_UD_BASE + (uintptr_t)id);
	void *buf = r->nseg ? r->iov[0].iov_base : r->slot;

	if (r->kind != K_ZONE)
		fz_trace("req %d: blkioq_%s(q%d, start=%llu, len=%llu, iovcnt=%d, flags=%#x) ok=%d errs=%d,%d,%d",
			 id, kind_names[r->kind], r->qslot,
			 (unsigned long long)r->start,
			 (unsigned long long)r->len, r->iovcnt, r->flags,
			 r->ok_allowed, r->nerr > 0 ? r->errs[0] : 0,
			 r->nerr > 1 ? r->errs[1] : 0,
			 r->nerr > 2 ? r->errs[2] : 0);
	switch (r->kind) {
	case K_READ:
		blkioq_read(q, r->start, buf, r->len, ud, r->flags);
		break;
	case K_WRITE:
		blkioq_write(q, r->start, buf, r->len, ud, r->flags);
		break;
	case K_READV:
		blkioq_readv(q, r->start, r->iov, r->iovcnt, ud, r->flags);
		break;
	case K_WRITEV:
		blkioq_writev(q, r->start, r->iov, r->iovcnt, ud, r->flags);
		break;
	case K_WRITE_ZEROES:
		blkioq_write_zeroes(q, r->start, r->len, ud, r->flags);
		break;
	case K_DISCARD:
		blkioq_discard(q, r->start, r->len, ud, r->flags);
		break;
	case K_FLUSH:
		blkioq_flush(q, ud, r->flags);
		break;
	case K_ZONE:
		submit_zone(r, q, in, ud);
		break;
	}
}

static void decode(struct io_ctx *c, struct io_req *r, struct fz_in *in)
{
	uint8_t shape = fz_u8(in);
	size_t misalign = (shape & 3) ? 0 : ((size_t)(shape >> 2) * 37) % 511 + 1;
	bool aligned = !misalign && (shape & 4) == 0;

	if (r->kind != K_FLUSH)
		r->start = pick_start(c, in);
	if (r->kind == K_FLUSH || r->kind == K_ZONE)
		r->len = 0;
	else
		r->len = pick_len(c, in, r->kind);
	r->flags = pick_flags(in, r->kind);

	if (r->kind == K_READV || r->kind == K_WRITEV) {
		if (r->len > IO_MAX_LEN)
			r->len = IO_MAX_LEN;
		build_vector(c, r, in, misalign, aligned);
	} else if ((r->kind == K_READ || r->kind == K_WRITE) &&
		   r->len <= IO_MAX_LEN) {
		r->iovcnt = 1;
		r->iov = calloc(1, sizeof(*r->iov));
		r->iov[0].iov_base = r->slot + misalign;
		r->iov[0].iov_len = r->len;
		r->nseg = 1;
	}
}

void io_issue(struct io_ctx *c, struct fz_in *in, enum io_kind kind)
{
	int qslot = io_pick_queue(c, fz_u8(in));
	uint8_t seed = fz_u8(in);
	struct io_req *r;
	int id;

	if (qslot < 0 || c->nreqs >= IO_MAX_OPS)
		return;
	id = c->nreqs++;
	r = &c->reqs[id];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->qslot = qslot;
	r->slot = c->arena + (size_t)id * IO_SLOT_SIZE;
	fill_canary(id, r->slot);

	decode(c, r, in);
	if (r->kind == K_WRITE || r->kind == K_WRITEV)
		fill_write_data(r, seed, id);
	expect(c, r);
	model_range(r);
	if (c->readonly)
		r->eff = EFF_NONE;
	snapshot_stable(c, r);
	start_effect(c, r);

	r->live = true;
	c->qs[qslot].outstanding++;
	io_stats.requests++;
	submit(c, r, id, in);
}
