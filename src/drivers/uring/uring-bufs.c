/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Memory regions as registered buffers ("fixed buffers") of every ring of
 * an instance, so that a read or write into one is READ_FIXED /
 * WRITE_FIXED and the kernel need not pin and unpin its pages per
 * request.
 *
 * The table is the instance's: map and unmap change it under the
 * instance lock, from any thread, while queues look buffers up on their
 * own threads without a lock.  A sequence count tells a reader that the
 * table changed under it (it then sends the request unregistered, which
 * is always right), and that the region its one-entry cache holds may be
 * gone.  Every ring has the same slot for a region, so one lookup serves
 * all queues.
 *
 * Nothing here can make a request wrong: a slot emptied or reused after a
 * queue chose it makes the kernel fail the request with -EFAULT (it checks
 * that the buffer lies inside the registered one), and the driver then
 * sends it again unregistered.  Once the kernel has taken a request it
 * holds its own reference to the registered pages until the request
 * completes, so unmapping a region under requests in flight is safe.
 */
#include <errno.h>
#include <string.h>

#include "uring.h"

static inline unsigned seq_read(const struct uring_bufs *bb)
{
	return __atomic_load_n(&bb->seq, __ATOMIC_ACQUIRE);
}

/* Writers are serialised by the instance lock. */
static void seq_begin(struct uring_bufs *bb)
{
	__atomic_store_n(&bb->seq, bb->seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static void seq_end(struct uring_bufs *bb)
{
	__atomic_store_n(&bb->seq, bb->seq + 1, __ATOMIC_RELEASE);
}

static int set_slot(struct uring_queue *uq, unsigned slot, void *addr,
		    size_t len)
{
	struct iovec iov = { .iov_base = addr, .iov_len = len };
	int ret = io_uring_register_buffers_update_tag(&uq->ring, slot, &iov,
						       NULL, 1);

	return ret < 0 ? ret : 0;
}

static void clear_slot(struct uring_queue *uq, unsigned slot)
{
	set_slot(uq, slot, NULL, 0);
}

/*
 * A new ring gets the whole table: sparse, then every region there is.
 * Where that fails (an old kernel, RLIMIT_MEMLOCK) the queue simply does
 * without fixed buffers.
 */
void uring_bufs_attach(struct uring_bufs *bb, struct uring_queue *uq)
{
	unsigned i;

	uq->bufs = NULL;
	if (io_uring_register_buffers_sparse(&uq->ring, URING_BUF_SLOTS) < 0)
		return;
	for (i = 0; i < bb->nr; i++) {
		const struct uring_buf *e = &bb->buf[i];

		if (set_slot(uq, e->slot, (void *)e->start, e->len) < 0) {
			io_uring_unregister_buffers(&uq->ring);
			return;
		}
	}
	uq->bufs = bb;
	uq->fx = (struct uring_buf_cache){ .seq = 1 };	/* never matches */
	uq->bufs_next = bb->queues;
	bb->queues = uq;
}

void uring_bufs_detach(struct uring_queue *uq)
{
	struct uring_queue **p;

	if (!uq->bufs)
		return;
	for (p = &uq->bufs->queues; *p; p = &(*p)->bufs_next) {
		if (*p == uq) {
			*p = uq->bufs_next;
			break;
		}
	}
	uq->bufs = NULL;
}

static int free_slot(const struct uring_bufs *bb)
{
	if (bb->used == ~0ull)
		return -1;
	return __builtin_ctzll(~bb->used);
}

/* Register slot on every ring, or on none. */
static int register_everywhere(struct uring_bufs *bb, unsigned slot,
			       void *addr, size_t len)
{
	struct uring_queue *uq, *undo;
	int ret;

	for (uq = bb->queues; uq; uq = uq->bufs_next) {
		ret = set_slot(uq, slot, addr, len);
		if (ret < 0)
			goto fail;
	}
	return 0;
fail:
	for (undo = bb->queues; undo != uq; undo = undo->bufs_next)
		clear_slot(undo, slot);
	return ret;
}

/* Insert e keeping buf[] sorted by start; regions never overlap. */
static void table_insert(struct uring_bufs *bb, const struct uring_buf *e)
{
	unsigned i = bb->nr;

	seq_begin(bb);
	while (i > 0 && bb->buf[i - 1].start > e->start) {
		bb->buf[i] = bb->buf[i - 1];
		i--;
	}
	bb->buf[i] = *e;
	bb->nr++;
	seq_end(bb);
}

static void table_remove(struct uring_bufs *bb, unsigned i)
{
	seq_begin(bb);
	memmove(&bb->buf[i], &bb->buf[i + 1],
		(bb->nr - i - 1) * sizeof(bb->buf[0]));
	bb->nr--;
	seq_end(bb);
}

/*
 * A mapped region becomes a registered buffer of every ring.  It is an
 * optimisation only: when the slots run out or the kernel refuses (the
 * locked-memory limit of an unprivileged process), the region stays
 * mapped and its requests go unregistered, as without the property.
 */
void uring_bufs_map(struct uring_bufs *bb, const struct blkio_mem_region *r)
{
	struct uring_buf e;
	int slot;

	if (!r->len)
		return;
	slot = free_slot(bb);
	if (slot < 0 || register_everywhere(bb, (unsigned)slot, r->addr,
					    r->len) < 0)
		return;
	bb->used |= 1ull << slot;
	e = (struct uring_buf){
		.start = (uintptr_t)r->addr,
		.len = r->len,
		.slot = (unsigned)slot,
	};
	table_insert(bb, &e);
}

/*
 * Out of the table first, so no queue chooses the slot any more, then out
 * of the rings.  A request the kernel already has keeps the pages until
 * it completes; one a queue prepared but did not submit yet fails with
 * -EFAULT and goes again unregistered.
 */
void uring_bufs_unmap(struct uring_bufs *bb, const struct blkio_mem_region *r)
{
	struct uring_queue *uq;
	unsigned i, slot;

	for (i = 0; i < bb->nr; i++)
		if (bb->buf[i].start == (uintptr_t)r->addr &&
		    bb->buf[i].len == r->len)
			break;
	if (i == bb->nr)
		return;
	slot = bb->buf[i].slot;
	table_remove(bb, i);
	for (uq = bb->queues; uq; uq = uq->bufs_next)
		clear_slot(uq, slot);
	bb->used &= ~(1ull << slot);
}

/* The region holding [addr, addr + len), by binary search; NULL if none. */
static const struct uring_buf *table_find(const struct uring_bufs *bb,
					  unsigned nr, uintptr_t addr,
					  size_t len)
{
	unsigned lo = 0, hi = nr;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		const struct uring_buf *e = &bb->buf[mid];
		uintptr_t start = __atomic_load_n(&e->start, __ATOMIC_RELAXED);

		if (addr < start) {
			hi = mid;
			continue;
		}
		if (uring_buf_holds(start, __atomic_load_n(&e->len,
							   __ATOMIC_RELAXED),
				    addr, len))
			return e;
		lo = mid + 1;
	}
	return NULL;
}

/*
 * The cache missed: look in the table and cache what is found.  A table
 * that changed meanwhile answers "not registered" this time.
 */
int uring_buf_lookup(struct uring_queue *uq, uintptr_t addr, size_t len)
{
	const struct uring_bufs *bb = uq->bufs;
	unsigned seq = seq_read(bb), nr;
	const struct uring_buf *e;
	struct uring_buf_cache fx;

	if (seq & 1)
		return -1;
	nr = __atomic_load_n(&bb->nr, __ATOMIC_RELAXED);
	e = table_find(bb, nr, addr, len);
	if (!e)
		return -1;
	fx = (struct uring_buf_cache){
		.start = __atomic_load_n(&e->start, __ATOMIC_RELAXED),
		.len = __atomic_load_n(&e->len, __ATOMIC_RELAXED),
		.slot = __atomic_load_n(&e->slot, __ATOMIC_RELAXED),
		.seq = seq,
	};
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (__atomic_load_n(&bb->seq, __ATOMIC_RELAXED) != seq)
		return -1;
	uq->fx = fx;
	return (int)fx.slot;
}
