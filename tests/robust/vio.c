/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Verified I/O engine shared by exactly-once and soak (see vio.h).
 */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "robust.h"
#include "test-driver.h"
#include "vio.h"

#define MAX_BLOCKS	8			/* per request */
#define MAX_LEN		(MAX_BLOCKS * VIO_BLOCK)
#define NR_SLOTS	64
#define MAX_IOV		4
#define IOV_GAP		64	/* iovec pieces are not contiguous */
#define SLOT_BUF	(MAX_LEN + MAX_IOV * IOV_GAP)

const char *const vio_op_name[VIO_NR_OPS] = {
	"read", "write", "readv", "writev", "write_zeroes", "flush",
};

struct slot {
	bool busy;
	enum vio_op op;
	uint64_t seq;
	uint64_t off;		/* relative to the region */
	size_t len;
	uint32_t first;		/* blocks reserved: [first, first + nb) */
	int nb;
	int nr_iov;
	struct iovec iov[MAX_IOV];
	uint8_t *buf;
};

struct vio {
	struct blkioq *q;
	struct vio_opts o;
	struct vio_stats st;
	uint64_t rng;
	int inflight;
	int depth;		/* current target depth */
	uint8_t *done;		/* bitmap over sequence numbers, or NULL */
	int8_t *busy;		/* per block: >0 readers, -1 a writer */
	struct slot slot[NR_SLOTS];
	int free_slot[NR_SLOTS];
	int nr_free;
	uint8_t scratch[MAX_LEN];
	uint8_t fill[SLOT_BUF];	/* all 0xee: what reads start from */
};

/* ---- block reservations: no write overlaps anything in flight ---- */

static bool range_free(struct vio *v, uint32_t first, int n, bool write)
{
	int i;

	for (i = 0; i < n; i++) {
		int8_t s = v->busy[first + (uint32_t)i];

		if (s < 0 || (write && s > 0))
			return false;
	}
	return true;
}

static void range_take(struct vio *v, uint32_t first, int n, bool write)
{
	int i;

	for (i = 0; i < n; i++) {
		int8_t *s = &v->busy[first + (uint32_t)i];

		*s = write ? -1 : (int8_t)(*s + 1);
	}
}

static void range_put(struct vio *v, uint32_t first, int n, bool write)
{
	int i;

	for (i = 0; i < n; i++) {
		int8_t *s = &v->busy[first + (uint32_t)i];

		*s = write ? 0 : (int8_t)(*s - 1);
	}
}

static bool is_write(enum vio_op op)
{
	return op == VIO_WRITE || op == VIO_WRITEV || op == VIO_ZEROES;
}

/* ---- building requests ---- */

static enum vio_op pick_op(struct vio *v)
{
	unsigned int x = (unsigned int)rb_range(&v->rng, 0, 99);

	if (x < 25)
		return VIO_READ;
	if (x < 50)
		return VIO_WRITE;
	if (x < 65)
		return VIO_READV;
	if (x < 80)
		return VIO_WRITEV;
	if (x < 92)
		return (v->o.zmodes & RB_PUNCH) ? VIO_ZEROES : VIO_WRITE;
	/* Flushes are slow on a real disk: most become reads instead. */
	return rb_range(&v->rng, 0, 15) ? VIO_READ : VIO_FLUSH;
}

/*
 * Split [0, len) into pieces at arbitrary byte boundaries and lay them
 * out backwards in the slot buffer with gaps, so a library that treats
 * the iovec array as one contiguous buffer is caught.
 */
static void make_iov(struct vio *v, struct slot *s)
{
	size_t left = s->len, pos = SLOT_BUF;
	int i;

	s->nr_iov = (int)rb_range(&v->rng, 1, MAX_IOV);
	if ((size_t)s->nr_iov > s->len)
		s->nr_iov = 1;
	for (i = 0; i < s->nr_iov; i++) {
		size_t n = left;

		if (i < s->nr_iov - 1)
			n = rb_range(&v->rng, 1,
				     left - (size_t)(s->nr_iov - 1 - i));
		left -= n;
		pos -= n + IOV_GAP;
		s->iov[i].iov_base = s->buf + pos;
		s->iov[i].iov_len = n;
	}
}

/* The slot's data (iovec pieces or buffer), contiguous. */
static const uint8_t *gather(struct vio *v, const struct slot *s)
{
	size_t pos = 0;
	int i;

	if (s->op != VIO_READV && s->op != VIO_WRITEV)
		return s->buf;
	for (i = 0; i < s->nr_iov; i++) {
		memcpy(v->scratch + pos, s->iov[i].iov_base, s->iov[i].iov_len);
		pos += s->iov[i].iov_len;
	}
	return v->scratch;
}

/* Write the request's pattern into its buffer or iovec pieces. */
static void scatter_pattern(struct vio *v, struct slot *s)
{
	uint64_t off = v->o.base + s->off;
	size_t pos = 0;
	int i;

	if (s->op == VIO_WRITE) {
		rb_fill(s->buf, off, s->len, s->seq);
		return;
	}
	for (i = 0; i < s->nr_iov; i++) {
		rb_fill(s->iov[i].iov_base, off + pos, s->iov[i].iov_len,
			s->seq);
		pos += s->iov[i].iov_len;
	}
}

/*
 * write_zeroes flags: NO_UNMAP on half of them where the file system has
 * ZERO_RANGE, and FUA (a flush after the zeroing, slow) on 1 in 64.
 */
static uint32_t zeroes_flags(struct vio *v, const struct slot *s)
{
	uint32_t f = 0;

	if ((v->o.zmodes & RB_ZERO_RANGE) && (s->seq & 1))
		f |= BLKIO_REQ_NO_UNMAP;
	if (rb_range(&v->rng, 0, 63) == 0)
		f |= BLKIO_REQ_FUA;
	return f;
}

static void queue_slot(struct vio *v, struct slot *s, int idx)
{
	void *ud = (void *)(uintptr_t)((s->seq << 8) | (uint64_t)idx);
	uint64_t off = v->o.base + s->off;

	switch (s->op) {
	case VIO_READ:
		blkioq_read(v->q, off, s->buf, s->len, ud, 0);
		break;
	case VIO_WRITE:
		blkioq_write(v->q, off, s->buf, s->len, ud, 0);
		break;
	case VIO_READV:
		blkioq_readv(v->q, off, s->iov, s->nr_iov, ud, 0);
		break;
	case VIO_WRITEV:
		blkioq_writev(v->q, off, s->iov, s->nr_iov, ud, 0);
		break;
	case VIO_ZEROES:
		blkioq_write_zeroes(v->q, off, s->len, ud, zeroes_flags(v, s));
		break;
	default:
		blkioq_flush(v->q, ud, 0);
		break;
	}
}

/* Offset and length: whole blocks, or (buffered I/O allows it) a
 * sub-block start and length inside the reserved blocks; whole blocks
 * only for drivers that refuse the rest (checks_alignment). */
static void place(struct vio *v, struct slot *s)
{
	uint64_t end = ((uint64_t)s->first + (uint64_t)s->nb) * VIO_BLOCK;

	s->off = (uint64_t)s->first * VIO_BLOCK;
	s->len = (size_t)s->nb * VIO_BLOCK;
	if (s->op == VIO_FLUSH || s->op == VIO_ZEROES ||
	    rb_range(&v->rng, 0, 3) || test_driver()->checks_alignment)
		return;
	s->off += rb_range(&v->rng, 0, VIO_BLOCK - 1);
	s->len = rb_range(&v->rng, 1, end - s->off);
}

/* Try to issue one request; false when its range is busy. */
static bool issue_one(struct vio *v)
{
	enum vio_op op = pick_op(v);
	int nb = (int)rb_range(&v->rng, 1, MAX_BLOCKS);
	uint32_t first = (uint32_t)rb_range(&v->rng, 0,
					    v->o.nr_blocks - (uint32_t)nb);
	struct slot *s;
	int idx;

	if (op != VIO_FLUSH && !range_free(v, first, nb, is_write(op)))
		return false;
	idx = v->free_slot[--v->nr_free];
	s = &v->slot[idx];
	s->busy = true;
	s->op = op;
	s->seq = v->st.issued++;
	s->first = first;
	s->nb = nb;
	place(v, s);
	if (op != VIO_FLUSH)
		range_take(v, first, nb, is_write(op));
	if (op == VIO_READV || op == VIO_WRITEV)
		make_iov(v, s);
	if (op == VIO_WRITE || op == VIO_WRITEV)
		scatter_pattern(v, s);
	if (op == VIO_READ || op == VIO_READV)
		memcpy(s->buf, v->fill, SLOT_BUF);
	v->st.nr_op[op]++;
	v->inflight++;
	if (v->inflight > v->st.max_inflight)
		v->st.max_inflight = v->inflight;
	queue_slot(v, s, idx);
	return true;
}

static bool may_issue(const struct vio *v)
{
	return v->inflight < v->depth && v->nr_free > 0 &&
	       (!v->o.total || v->st.issued < v->o.total);
}

static void issue(struct vio *v)
{
	int tries = 0;

	/* Every 4096 requests pick a new target depth. */
	if ((v->st.issued & 4095) == 0)
		v->depth = (int)rb_range(&v->rng, 1, (uint64_t)v->o.max_depth);
	while (may_issue(v) && tries < 8) {
		if (!issue_one(v))
			tries++;
		if (rb_range(&v->rng, 0, 3) == 0)
			break;
	}
}

/* ---- completions ---- */

/*
 * A read must not write outside its buffer or iovec pieces: blank what
 * it was given (already checked) and expect the rest still 0xee.
 */
static void check_no_overrun(const struct vio *v, const struct slot *s)
{
	int i;

	if (s->op == VIO_READ)
		memset(s->buf, 0xee, s->len);
	for (i = 0; s->op == VIO_READV && i < s->nr_iov; i++)
		memset(s->iov[i].iov_base, 0xee, s->iov[i].iov_len);
	RB_CHECK(memcmp(s->buf, v->fill, SLOT_BUF) == 0,
		 "%s #%llu wrote outside its buffer", vio_op_name[s->op],
		 (unsigned long long)s->seq);
}

static void finish_slot(struct vio *v, struct slot *s, int idx)
{
	const uint8_t *data, *want = v->o.shadow + s->off;
	long d;

	switch (s->op) {
	case VIO_READ:
	case VIO_READV:
		data = gather(v, s);
		d = rb_first_diff(data, want, s->len);
		RB_CHECK(d < 0, "%s #%llu at %llu+%zu: byte %ld is 0x%02x, "
			 "expected 0x%02x", vio_op_name[s->op],
			 (unsigned long long)s->seq,
			 (unsigned long long)(v->o.base + s->off), s->len, d,
			 data[d], want[d]);
		check_no_overrun(v, s);
		break;
	case VIO_WRITE:
	case VIO_WRITEV:
		memcpy(v->o.shadow + s->off, gather(v, s), s->len);
		break;
	case VIO_ZEROES:
		memset(v->o.shadow + s->off, 0, s->len);
		break;
	default:
		break;
	}
	if (s->op != VIO_FLUSH)
		range_put(v, s->first, s->nb, is_write(s->op));
	s->busy = false;
	v->free_slot[v->nr_free++] = idx;
	v->inflight--;
	v->st.completed++;
}

static bool zeroed(const uint8_t *p, size_t len)
{
	while (len--)
		if (*p++)
			return false;
	return true;
}

static void complete(struct vio *v, const struct blkio_completion *c)
{
	uintptr_t ud = (uintptr_t)c->user_data;
	uint64_t seq = ud >> 8;
	int idx = (int)(ud & 0xff);
	struct slot *s;

	RB_CHECK(idx < NR_SLOTS && seq < v->st.issued,
		 "completion with unknown user_data %p", c->user_data);
	s = &v->slot[idx];
	if (v->done) {
		RB_CHECK(!(v->done[seq / 8] & (1u << (seq % 8))),
			 "request #%llu completed twice",
			 (unsigned long long)seq);
		v->done[seq / 8] |= (uint8_t)(1u << (seq % 8));
	}
	/* user_data names a sequence number no other request shares. */
	RB_CHECK(s->busy && s->seq == seq,
		 "completion for #%llu, but slot %d holds #%llu (busy %d): "
		 "duplicate or stray completion", (unsigned long long)seq, idx,
		 (unsigned long long)s->seq, s->busy);
	RB_CHECK(c->ret == 0, "%s #%llu at %llu+%zu failed: %d %s",
		 vio_op_name[s->op], (unsigned long long)seq,
		 (unsigned long long)(v->o.base + s->off), s->len, c->ret,
		 c->error_msg ? c->error_msg : "(null)");
	RB_CHECK(c->error_msg == NULL, "error_msg set on success: %s",
		 c->error_msg);
	RB_CHECK(zeroed(c->reserved_, sizeof(c->reserved_)),
		 "reserved_ not zeroed");
	finish_slot(v, s, idx);
}

static void take(struct vio *v, struct blkio_completion *comp, int n,
		 int min, int max)
{
	int i;

	v->st.calls++;
	RB_CHECK(n >= min && n <= max,
		 "do_io(min %d, max %d) with %d in flight returned %d %s",
		 min, max, v->inflight, n, n < 0 ? blkio_get_error_msg() : "");
	for (i = 0; i < n; i++)
		complete(v, &comp[i]);
}

/*
 * Event-loop style, following the documented pattern: enable the fd,
 * re-check with a non-blocking harvest, and only then sleep on the fd,
 * reset it and harvest.  The fd must wake us while anything is in
 * flight: 30 s of silence is reported as a lost wake-up.
 */
static void reap_fd(struct vio *v, struct blkio_completion *comp)
{
	int fd = blkioq_get_completion_fd(v->q);
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint64_t cnt;
	int n;

	RB_CHECK(fd >= 0, "no completion fd: %d", fd);
	blkioq_set_completion_fd_enabled(v->q, true);
	n = blkioq_do_io(v->q, comp, 0, NR_SLOTS, NULL);
	take(v, comp, n, 0, NR_SLOTS);
	if (n > 0 || v->inflight == 0)
		return;
	n = poll(&pfd, 1, 30000);
	RB_CHECK(n == 1, "completion fd silent for 30 s with %d in flight",
		 v->inflight);
	v->st.fd_waits++;
	if (read(fd, &cnt, sizeof(cnt)) < 0)
		RB_CHECK(errno == EAGAIN, "read completion fd: %s",
			 strerror(errno));
	n = blkioq_do_io(v->q, comp, 0, NR_SLOTS, NULL);
	take(v, comp, n, 0, NR_SLOTS);
}

/* One blkioq_do_io* call with a randomly chosen shape. */
static void reap(struct vio *v)
{
	struct blkio_completion comp[NR_SLOTS];
	struct timespec ts = { .tv_sec = 60 };
	unsigned int shape = (unsigned int)rb_range(&v->rng, 0, 99);
	int min, max, n;

	if (shape < 5) {
		n = blkioq_do_io(v->q, NULL, 0, 0, NULL);
		take(v, NULL, n, 0, 0);
		return;
	}
	if (v->o.use_fd && shape < 20 && v->inflight > 0) {
		reap_fd(v, comp);
		return;
	}
	/* Notifications are only a hint while the app does not sleep. */
	if (v->o.use_fd && shape >= 95)
		blkioq_set_completion_fd_enabled(v->q, false);
	if (shape < 35 || v->inflight == 0)
		min = 0;
	else if (shape < 65)
		min = 1;
	else
		min = (int)rb_range(&v->rng, 1, (uint64_t)v->inflight);
	max = min + (int)rb_range(&v->rng, 0, 16);
	if (max == 0)
		max = 1;
	if (max > NR_SLOTS)
		max = NR_SLOTS;
	memset(comp, 0xa5, sizeof(comp[0]) * (size_t)max);

	if (shape % 10 == 0)
		n = blkioq_do_io_interruptible(v->q, comp, min, max, &ts, NULL);
	else if (shape % 5 == 1)
		n = blkioq_do_io(v->q, comp, min, max, &ts);
	else
		n = blkioq_do_io(v->q, comp, min, max, NULL);
	take(v, comp, n, min, max);
}

void vio_step(struct vio *v)
{
	issue(v);
	reap(v);
}

bool vio_finished(const struct vio *v)
{
	return v->o.total && v->st.completed == v->o.total;
}

void vio_drain(struct vio *v)
{
	struct blkio_completion comp[NR_SLOTS];
	int n;

	while (v->inflight > 0) {
		n = blkioq_do_io(v->q, comp, v->inflight, NR_SLOTS, NULL);
		take(v, comp, n, v->inflight, NR_SLOTS);
	}
	/* Nothing may complete after everything has. */
	n = blkioq_do_io(v->q, comp, 0, NR_SLOTS, NULL);
	RB_CHECK(n == 0, "%d completion(s) after all requests completed", n);
}

void vio_check_all_done(const struct vio *v)
{
	uint64_t seq;

	RB_CHECK(v->st.completed == v->st.issued,
		 "%llu of %llu requests completed",
		 (unsigned long long)v->st.completed,
		 (unsigned long long)v->st.issued);
	for (seq = 0; v->done && seq < v->st.issued; seq++)
		RB_CHECK(v->done[seq / 8] & (1u << (seq % 8)),
			 "request #%llu never completed",
			 (unsigned long long)seq);
}

const struct vio_stats *vio_stats(const struct vio *v)
{
	return &v->st;
}

struct vio *vio_new(struct blkioq *q, const struct vio_opts *o)
{
	struct vio *v = calloc(1, sizeof(*v));
	int i;

	RB_CHECK(v != NULL, "out of memory");
	RB_CHECK(o->max_depth >= 1 && o->max_depth <= NR_SLOTS &&
		 o->nr_blocks >= MAX_BLOCKS, "bad vio options");
	v->q = q;
	v->o = *o;
	v->rng = o->seed;
	v->depth = 1;
	memset(v->fill, 0xee, sizeof(v->fill));
	v->busy = calloc(o->nr_blocks, 1);
	if (o->bitmap)
		v->done = calloc(o->total / 8 + 1, 1);
	RB_CHECK(v->busy && (v->done || !o->bitmap), "out of memory");
	for (i = 0; i < NR_SLOTS; i++) {
		/* In the driver's memory region where it needs one. */
		v->slot[i].buf = test_buf_alloc(SLOT_BUF);
		RB_CHECK(v->slot[i].buf != NULL, "out of memory");
		v->free_slot[v->nr_free++] = NR_SLOTS - 1 - i;
	}
	return v;
}

void vio_free(struct vio *v)
{
	int i;

	for (i = NR_SLOTS - 1; i >= 0; i--)
		test_buf_free(v->slot[i].buf);
	free(v->busy);
	free(v->done);
	free(v);
}
