/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Mapped memory regions: the device sees only memory it was handed, so
 * every buffer is looked up before it goes into a descriptor, and one
 * outside every region completes with an error instead of reaching the
 * device (which would drop the request or give up on the queue).
 *
 * map/unmap run under the instance lock (the core calls them) while
 * other threads submit on their queues without any lock: the table is
 * published with a sequence count, and each queue keeps a copy it
 * refreshes when the count moved.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "vblk.h"

static void table_begin(struct vblk_regions *t)
{
	__atomic_store_n(&t->seq, t->seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static void table_end(struct vblk_regions *t)
{
	__atomic_store_n(&t->seq, t->seq + 1, __ATOMIC_RELEASE);
}

static void entry_store(struct vblk_region *dst, const struct vblk_region *src)
{
	__atomic_store_n(&dst->start, src->start, __ATOMIC_RELAXED);
	__atomic_store_n(&dst->end, src->end, __ATOMIC_RELAXED);
	__atomic_store_n(&dst->delta, src->delta, __ATOMIC_RELAXED);
}

static void entry_load(struct vblk_region *dst, const struct vblk_region *src)
{
	dst->start = __atomic_load_n(&src->start, __ATOMIC_RELAXED);
	dst->end = __atomic_load_n(&src->end, __ATOMIC_RELAXED);
	dst->delta = __atomic_load_n(&src->delta, __ATOMIC_RELAXED);
}

static int find(const struct vblk_regions *t, uint64_t start, uint64_t end)
{
	unsigned i;

	for (i = 0; i < t->nr; i++)
		if (t->r[i].start == start && t->r[i].end == end)
			return (int)i;
	return -1;
}

static bool overlaps(const struct vblk_regions *t, uint64_t start,
		     uint64_t end)
{
	unsigned i;

	for (i = 0; i < t->nr; i++)
		if (start < t->r[i].end && t->r[i].start < end)
			return true;
	return false;
}

static int check_region(struct vblk_dev *d, const struct blkio_mem_region *r)
{
	uint64_t start = (uintptr_t)r->addr;

	if (d->info.needs_mem_region_fd && r->fd < 0)
		return blkio_err(-EINVAL,
				 "memory region needs a file descriptor (property needs-mem-region-fd)");
	if (!r->len || start + r->len < start)
		return blkio_err(-EINVAL, "invalid memory region length %zu",
				 r->len);
	if (r->fd_offset < 0)
		return blkio_err(-EINVAL, "memory region fd_offset must not be negative");
	if (d->regions.nr >= d->max_regions || d->regions.nr >= VBLK_MAX_REGIONS)
		return blkio_err(-ENOSPC,
				 "cannot map more than max-mem-regions (%" PRIu64 ") memory regions",
				 d->max_mem_regions);
	if (overlaps(&d->regions, start, start + r->len))
		return blkio_err(-EINVAL,
				 "memory region overlaps a mapped memory region");
	return 0;
}

int vblk_map_mem_region(struct blkio *b, const struct blkio_mem_region *r)
{
	struct vblk_dev *d = vblk_dev(b);
	struct vblk_regions *t = &d->regions;
	struct vblk_region e;
	uint64_t dev_addr;
	int ret;

	if (vblk_broken(d))
		return blkio_err(-EIO, "%s", d->broken_msg);
	ret = check_region(d, r);
	if (ret < 0)
		return ret;
	ret = d->t->map(d, r, &dev_addr);
	if (ret < 0)
		return ret;
	e.start = (uintptr_t)r->addr;
	e.end = e.start + r->len;
	e.delta = dev_addr - e.start;
	table_begin(t);
	entry_store(&t->r[t->nr], &e);
	__atomic_store_n(&t->nr, t->nr + 1, __ATOMIC_RELAXED);
	table_end(t);
	return 0;
}

void vblk_unmap_mem_region(struct blkio *b, const struct blkio_mem_region *r)
{
	struct vblk_dev *d = vblk_dev(b);
	struct vblk_regions *t = &d->regions;
	uint64_t start = (uintptr_t)r->addr;
	struct vblk_region e;
	int i = find(t, start, start + r->len);

	if (i < 0)
		return;
	e = t->r[i];
	table_begin(t);
	entry_store(&t->r[i], &t->r[t->nr - 1]);
	__atomic_store_n(&t->nr, t->nr - 1, __ATOMIC_RELAXED);
	table_end(t);
	if (!vblk_broken(d))
		d->t->unmap(d, r, e.start + e.delta);
}

/* Copy the table; again if a writer was at it meanwhile. */
void vblk_view_refresh(struct vblk_queue *vbq)
{
	const struct vblk_regions *t = &vbq->dev->regions;
	struct vblk_region_view *v = &vbq->view;
	unsigned seq, i, nr = 0;

	do {
		seq = __atomic_load_n(&t->seq, __ATOMIC_ACQUIRE);
		if (seq & 1)
			continue;
		nr = __atomic_load_n(&t->nr, __ATOMIC_RELAXED);
		if (nr > VBLK_MAX_REGIONS)
			nr = VBLK_MAX_REGIONS;
		for (i = 0; i < nr; i++)
			entry_load(&v->r[i], &t->r[i]);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while ((seq & 1) || __atomic_load_n(&t->seq, __ATOMIC_RELAXED) != seq);
	/* Entry 0 of an empty view matches nothing (start == end == 0). */
	if (!nr)
		memset(&v->r[0], 0, sizeof(v->r[0]));
	v->nr = nr;
	v->last = 0;
	v->seq = seq;
}

bool vblk_view_lookup_slow(struct vblk_region_view *v, uint64_t a,
			   uint64_t len, uint64_t *dev_addr)
{
	unsigned i;

	for (i = 0; i < v->nr; i++) {
		const struct vblk_region *r = &v->r[i];

		if (a >= r->start && a < r->end && len <= r->end - a) {
			v->last = i;
			*dev_addr = a + r->delta;
			return true;
		}
	}
	return false;
}
