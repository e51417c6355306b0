/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Everything fuzz-io does besides queueing requests: reaping with
 * blkioq_do_io*() in its different modes, waiting on the completion fd,
 * adding and removing queues, and checkpoints that drain all queues and
 * compare the whole file with the model.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "io-fuzz.h"
#include "test-driver.h"

int io_pick_queue(struct io_ctx *c, uint8_t sel)
{
	int alive[IO_MAX_QUEUES], n = 0, i;

	for (i = 0; i < IO_MAX_QUEUES; i++)
		if (c->qs[i].alive)
			alive[n++] = i;
	return n ? alive[sel % n] : -1;
}

enum reap_mode {
	REAP_PLAIN,
	REAP_INTR_NULL,		/* interruptible, sig == NULL */
	REAP_INTR_MASK,		/* interruptible with the current mask */
};

static bool ts_valid(const struct timespec *ts)
{
	return ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec < 1000000000;
}

static bool ts_le(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec ||
	       (a->tv_sec == b->tv_sec && a->tv_nsec <= b->tv_nsec);
}

/*
 * One blkioq_do_io*() call with an array of exactly max entries (so an
 * overrun is an ASan report); every completion returned is checked.
 */
static int call_do_io(struct io_ctx *c, int qs, int min, int max,
		      struct timespec *ts, bool null_comps, enum reap_mode mode)
{
	struct blkioq *q = c->qs[qs].q;
	struct blkio_completion *comps = NULL;
	struct timespec before = { 0, 0 };
	sigset_t mask;
	int ret, i;

	if (!null_comps && max > 0) {
		comps = malloc((size_t)max * sizeof(*comps));
		memset(comps, 0xab, (size_t)max * sizeof(*comps));
	}
	if (ts)
		before = *ts;
	fz_trace("blkioq_do_io%s(q%d, %s, min=%d, max=%d, ts=%s%lld.%09ld) outstanding=%d",
		 mode == REAP_PLAIN ? "" : "_interruptible", qs,
		 comps ? "c" : "NULL", min, max, ts ? "" : "NULL ",
		 ts ? (long long)ts->tv_sec : 0LL, ts ? ts->tv_nsec : 0L,
		 c->qs[qs].outstanding);
	if (mode == REAP_PLAIN) {
		ret = blkioq_do_io(q, comps, min, max, ts);
	} else if (mode == REAP_INTR_NULL) {
		ret = blkioq_do_io_interruptible(q, comps, min, max, ts, NULL);
	} else {
		sigprocmask(SIG_BLOCK, NULL, &mask);
		ret = blkioq_do_io_interruptible(q, comps, min, max, ts, &mask);
	}
	fz_trace("  -> %d", ret);
	io_stats.do_io_calls++;
	FZ_CHECK_ERR("blkioq_do_io", ret);
	if (ret > 0)
		FZ_CHECK(comps, "blkioq_do_io returned %d completions into a NULL array",
			 ret);
	if (ret >= 0) {
		FZ_CHECK(ret >= min && ret <= max,
			 "blkioq_do_io(min=%d, max=%d) returned %d", min, max,
			 ret);
		for (i = 0; i < ret; i++)
			io_complete(c, qs, &comps[i]);
	}
	if (ts && ts_valid(&before)) {
		FZ_CHECK(ts_valid(ts) && ts_le(ts, &before),
			 "timeout %lld.%09ld rewritten to %lld.%09ld",
			 (long long)before.tv_sec, before.tv_nsec,
			 (long long)ts->tv_sec, ts->tv_nsec);
	}
	free(comps);
	return ret;
}

/* Wait (bounded) until the queue has nothing outstanding. */
static void drain_queue(struct io_ctx *c, int qs)
{
	while (c->qs[qs].outstanding > 0) {
		struct timespec ts = { IO_WAIT_SEC, 0 };
		int out = c->qs[qs].outstanding;
		int ret = call_do_io(c, qs, 1, out, &ts, false, REAP_PLAIN);

		FZ_CHECK(ret > 0,
			 "q%d: %d requests outstanding but blkioq_do_io(min=1) returned %d after %d s: lost completions",
			 qs, out, ret, IO_WAIT_SEC);
	}
}

void io_drain_all(struct io_ctx *c)
{
	int i;

	for (i = 0; i < IO_MAX_QUEUES; i++)
		if (c->qs[i].alive)
			drain_queue(c, i);
}

static const struct timespec wait_timeouts[] = {
	{ IO_WAIT_SEC, 0 },
	{ 0, 0 },
	{ 0, 1000000 },
};

/* Blocking reap: min may exceed what is outstanding (then -EINVAL). */
static void reap_wait(struct io_ctx *c, int qs, struct fz_in *in,
		      enum reap_mode mode)
{
	int out = c->qs[qs].outstanding;
	int min = fz_u8(in) % (out + 2);
	int max = min + fz_u8(in) % 8;
	uint8_t tcls = fz_u8(in) % 4;
	struct timespec ts;
	int ret;

	if (tcls)
		ts = wait_timeouts[tcls - 1];
	ret = call_do_io(c, qs, min, max, tcls ? &ts : NULL, false, mode);
	if (min > out) {
		FZ_CHECK(ret == -EINVAL,
			 "do_io(min=%d) with %d outstanding returned %d, expected -EINVAL",
			 min, out, ret);
		return;
	}
	if (ret == -ETIME && tcls > 1)
		return;	/* a short timeout may expire first */
	FZ_CHECK(ret >= 0, "do_io(min=%d, max=%d) with %d outstanding failed: %d (%s)",
		 min, max, out, ret, blkio_get_error_msg());
}

static void drain_eventfd(int fd)
{
	uint64_t v;

	while (read(fd, &v, sizeof(v)) == (ssize_t)sizeof(v))
		;
}

/*
 * The completion-fd pattern of the docs: enable, reset the fd, harvest
 * until a call returns fewer than asked, and only then sleep in poll();
 * with requests outstanding the fd must become readable.
 */
static void reap_fd(struct io_ctx *c, int qs, struct fz_in *in)
{
	struct io_queue *qu = &c->qs[qs];
	int max = 1 + fz_u8(in) % 8;
	bool bounce = fz_u8(in) & 1;
	int iter, ret;

	if (bounce) {	/* a disable/enable pair must not lose a wakeup */
		blkioq_set_completion_fd_enabled(qu->q, false);
		call_do_io(c, qs, 0, 0, NULL, true, REAP_PLAIN);
	}
	blkioq_set_completion_fd_enabled(qu->q, true);
	qu->fd_enabled = true;
	for (iter = 0; iter < 4 * IO_MAX_OPS; iter++) {
		struct pollfd pfd = { .fd = qu->fd, .events = POLLIN };

		drain_eventfd(qu->fd);
		do {
			ret = call_do_io(c, qs, 0, max, NULL, false, REAP_PLAIN);
		} while (ret == max);
		FZ_CHECK(ret >= 0, "harvesting do_io failed: %d", ret);
		if (qu->outstanding == 0)
			return;
		fz_trace("poll(completion fd of q%d) outstanding=%d", qs,
			 qu->outstanding);
		ret = poll(&pfd, 1, IO_WAIT_SEC * 1000);
		io_stats.fd_waits++;
		FZ_CHECK(ret == 1,
			 "q%d: completion fd not readable after %d s with %d requests outstanding (poll %d): lost wakeup",
			 qs, IO_WAIT_SEC, qu->outstanding, ret);
	}
}

/* Invalid arguments: -EINVAL, and no completion may get lost. */
static void reap_bad_args(struct io_ctx *c, int qs, struct fz_in *in)
{
	uint8_t sel = fz_u8(in) % 7;
	uint8_t v = fz_u8(in);
	struct timespec ts = { 0, 0 };
	int min = 0, max = 4, ret;
	bool null_comps = false, use_ts = false;

	switch (sel) {
	case 0:
		min = -1 - v;
		break;
	case 1:
		max = -1 - v;
		break;
	case 2:
		min = 2 + v % 4;
		max = min - 1 - v % 2;
		break;
	case 3:
		null_comps = true;
		max = 1 + v % 4;
		break;
	case 4:
		use_ts = true;
		ts.tv_sec = -1 - v;
		break;
	case 5:
		use_ts = true;
		ts.tv_nsec = 1000000000L + v;
		break;
	default:
		use_ts = true;
		ts.tv_nsec = -1 - v;
		break;
	}
	/* call_do_io allocates max entries; keep it from seeing max < 0 */
	ret = call_do_io(c, qs, min, max, use_ts ? &ts : NULL,
			 null_comps || max <= 0, REAP_PLAIN);
	FZ_CHECK(ret == -EINVAL, "invalid do_io arguments (case %u) returned %d",
		 sel, ret);
}

static void check_fd_flags(int fd)
{
	int fl = fcntl(fd, F_GETFL), fdfl = fcntl(fd, F_GETFD);

	FZ_CHECK(fl >= 0 && (fl & O_NONBLOCK), "completion fd %d not O_NONBLOCK", fd);
	FZ_CHECK(fdfl >= 0 && (fdfl & FD_CLOEXEC), "completion fd %d not FD_CLOEXEC", fd);
}

void io_attach_queue(struct io_ctx *c, int idx)
{
	struct io_queue *qu = &c->qs[idx];

	qu->q = blkio_get_queue(c->b, idx);
	FZ_CHECK(qu->q, "blkio_get_queue(%d) returned NULL for a live queue", idx);
	qu->fd = blkioq_get_completion_fd(qu->q);
	FZ_CHECK(qu->fd >= 0, "blkioq_get_completion_fd(q%d) = %d", idx, qu->fd);
	check_fd_flags(qu->fd);
	qu->alive = true;
	qu->outstanding = 0;
	qu->fd_enabled = true;
}

static void add_queue(struct io_ctx *c)
{
	int want = -1, i, ret;

	for (i = IO_MAX_QUEUES - 1; i >= 0; i--)
		if (!c->qs[i].alive)
			want = i;
	if (want < 0)
		return;
	ret = blkio_add_queue(c->b);
	fz_trace("blkio_add_queue() = %d", ret);
	FZ_CHECK_ERR("blkio_add_queue", ret);
	if (fz_io_uring_refused(ret))
		return;
	/* virtio-blk: the queues are the device's, fixed at start. */
	if (!test_driver()->can_add_queues) {
		FZ_CHECK(ret == -ENOTSUP, "blkio_add_queue returned %d, expected -ENOTSUP",
			 ret);
		return;
	}
	FZ_CHECK(ret == want, "blkio_add_queue returned %d, lowest free index is %d",
		 ret, want);
	io_attach_queue(c, ret);
}

static void remove_queue(struct io_ctx *c, uint8_t sel)
{
	int idx = (int)(sel % (IO_MAX_QUEUES + 2)) - 1;
	bool live = idx >= 0 && idx < IO_MAX_QUEUES && c->qs[idx].alive;
	int ret;

	/* In-flight buffers would be written after we freed them. */
	if (live && c->qs[idx].outstanding)
		return;
	ret = blkio_remove_queue(c->b, idx);
	fz_trace("blkio_remove_queue(%d) = %d", idx, ret);
	FZ_CHECK_ERR("blkio_remove_queue", ret);
	FZ_CHECK(ret == (live ? 0 : -ENOENT),
		 "blkio_remove_queue(%d) returned %d, expected %d", idx, ret,
		 live ? 0 : -ENOENT);
	if (!live)
		return;
	c->qs[idx].alive = false;
	FZ_CHECK(blkio_get_queue(c->b, idx) == NULL,
		 "blkio_get_queue(%d) not NULL after removal", idx);
}

/* Nothing ever shrinks the file, so capacity stays >= the model's size. */
static void check_capacity_bound(struct io_ctx *c)
{
	uint64_t cap = 1;
	int ret = blkio_get_uint64(c->b, "capacity", &cap);

	FZ_CHECK(ret == 0, "get capacity failed: %d", ret);
	FZ_CHECK(cap >= c->m->size, "capacity %llu below model size %llu",
		 (unsigned long long)cap, (unsigned long long)c->m->size);
}

/* Compare [0, n) of the file with the model; equal chunks go fast. */
FZ_NO_COVERAGE static void compare_file(struct io_model *m,
					const uint8_t *buf, uint64_t n)
{
	uint64_t i, j;

	for (i = 0; i < n; i += 4096) {
		uint64_t len = n - i < 4096 ? n - i : 4096;

		if (memcmp(buf + i, m->val + i, len) == 0) {
			io_stats.bytes_checked += len;
			continue;
		}
		for (j = i; j < i + len; j++) {
			if (!m->known[j])
				continue;
			io_stats.bytes_checked++;
			FZ_CHECK(buf[j] == m->val[j],
				 "file byte %llu is %#x, model expects %#x",
				 (unsigned long long)j, buf[j], m->val[j]);
		}
	}
}

/*
 * With nothing in flight: the file must match the model; capacity must
 * match the file.  Unknown bytes then take the file's values, so later
 * reads are checked again.
 */
FZ_NO_COVERAGE void io_verify_file(struct io_ctx *c, int fd)
{
	static uint8_t buf[IO_MODEL_SIZE];
	struct io_model *m = c->m;
	uint64_t cap = 0, n, i;
	struct stat st;
	int ret;

	FZ_CHECK(fstat(fd, &st) == 0, "fstat");
	ret = blkio_get_uint64(c->b, "capacity", &cap);
	FZ_CHECK(ret == 0 && cap == (uint64_t)st.st_size,
		 "capacity %llu (ret %d) but the file has %lld bytes",
		 (unsigned long long)cap, ret, (long long)st.st_size);
	if (m->size_exact)
		FZ_CHECK((uint64_t)st.st_size == m->size,
			 "file size %lld, model expects %llu",
			 (long long)st.st_size, (unsigned long long)m->size);
	n = (uint64_t)st.st_size < IO_MODEL_SIZE ? (uint64_t)st.st_size : IO_MODEL_SIZE;
	FZ_CHECK(pread(fd, buf, n, 0) == (ssize_t)n, "pread of the file");
	compare_file(m, buf, n);
	/* Bytes past the end read as zero; a write that "succeeded" there
	 * without extending the file shows up here. */
	for (i = n; i < m->hw; i++)
		FZ_CHECK(!m->known[i] || m->val[i] == 0,
			 "model byte %llu past EOF %lld is %#x",
			 (unsigned long long)i, (long long)st.st_size, m->val[i]);
	for (i = 0; i < m->hw; i++) {
		if (!m->known[i]) {
			m->known[i] = 1;
			m->val[i] = i < n ? buf[i] : 0;
		}
	}
	m->size = (uint64_t)st.st_size;
	m->size_exact = true;
}

void io_reap_op(struct io_ctx *c, struct fz_in *in, uint8_t op)
{
	int qs = io_pick_queue(c, fz_u8(in));
	int ret;

	if (op == 6) {
		add_queue(c);
		return;
	}
	if (op == 7) {
		remove_queue(c, fz_u8(in));
		return;
	}
	if (qs < 0)
		return;
	switch (op) {
	case 0:
		ret = call_do_io(c, qs, 0, 0, NULL, true, REAP_PLAIN);
		FZ_CHECK(ret == 0, "submit-only do_io returned %d", ret);
		break;
	case 1:
		ret = call_do_io(c, qs, 0, 1 + fz_u8(in) % 16, NULL, false,
				 REAP_PLAIN);
		FZ_CHECK(ret >= 0, "harvesting do_io returned %d", ret);
		break;
	case 2:
		reap_wait(c, qs, in, REAP_PLAIN);
		break;
	case 3:
		reap_fd(c, qs, in);
		break;
	case 4:
		reap_bad_args(c, qs, in);
		break;
	case 5: {
		/*
		 * libblkio fails any wait with a mask (contract §8.4), and so
		 * does linux-aio under valgrind (no io_pgetevents there).
		 */
		bool null_mask = (fz_u8(in) & 1) || fz_reference() ||
				 (fz_under_valgrind() &&
				  !test_driver()->sigmask_wait_under_valgrind);

		reap_wait(c, qs, in, null_mask ? REAP_INTR_NULL : REAP_INTR_MASK);
		break;
	}
	case 8: {
		bool en = fz_u8(in) & 1;

		fz_trace("blkioq_set_completion_fd_enabled(q%d, %d)", qs, en);
		blkioq_set_completion_fd_enabled(c->qs[qs].q, en);
		c->qs[qs].fd_enabled = en;
		break;
	}
	case 9:
		check_capacity_bound(c);
		break;
	default:
		break;
	}
}
