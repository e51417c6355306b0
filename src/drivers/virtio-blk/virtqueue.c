/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Split virtqueues, driver side (see virtqueue.h).
 *
 * With indirect descriptors every request takes exactly one ring
 * descriptor, and head h always points at indirect table h: the ring
 * descriptors never change but for their length, and a free head is one
 * pop off a private stack.  Without them a request takes a chain of ring
 * descriptors from a private free list.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "virtqueue.h"

static size_t align_up(size_t v, size_t a)
{
	return (v + a - 1) & ~(a - 1);
}

void vq_layout(struct vq_layout *l, unsigned num, unsigned ind_max,
	       bool indirect)
{
	size_t off = 0;

	l->desc = off;
	off += sizeof(struct vring_desc) * num;
	l->avail = align_up(off, 64);
	off = l->avail + sizeof(struct vring_avail) + 2 * num + 2;
	/* The used ring on its own page: the device writes it, we read. */
	l->used = align_up(off, 4096);
	off = l->used + sizeof(struct vring_used) +
	      sizeof(struct vring_used_elem) * num + 2;
	l->hdrs = align_up(off, 64);
	off = l->hdrs + sizeof(struct vq_hdr) * num;
	l->ind = align_up(off, 64);
	if (indirect)
		off = l->ind + sizeof(struct vring_desc) * ind_max * num;
	l->len = align_up(off, 4096);
}

static int alloc_private(struct vq *vq)
{
	unsigned i;

	vq->chain_len = calloc(vq->num, sizeof(*vq->chain_len));
	if (!vq->chain_len)
		return -ENOMEM;
	if (vq->indirect) {
		vq->free_stack = calloc(vq->num, sizeof(*vq->free_stack));
		if (!vq->free_stack)
			return -ENOMEM;
		/* Popped from the end: head 0 first. */
		for (i = 0; i < vq->num; i++)
			vq->free_stack[i] = (uint16_t)(vq->num - 1 - i);
	} else {
		vq->next_free = calloc(vq->num, sizeof(*vq->next_free));
		if (!vq->next_free)
			return -ENOMEM;
		for (i = 0; i < vq->num; i++)
			vq->next_free[i] = (uint16_t)(i + 1);
		vq->free_head = 0;
	}
	vq->nr_free = vq->num;
	return 0;
}

int vq_init(struct vq *vq, const struct vq_layout *l, void *base,
	    uint64_t base_dev, unsigned num, unsigned ind_max,
	    bool indirect, bool event_idx)
{
	char *p = base;
	unsigned i;

	memset(vq, 0, sizeof(*vq));
	vq->num = (uint16_t)num;
	vq->mask = (uint16_t)(num - 1);
	vq->indirect = indirect;
	vq->event_idx = event_idx;
	vq->ind_max = indirect ? ind_max : 0;

	vq->desc = (struct vring_desc *)(p + l->desc);
	vq->avail = (struct vring_avail *)(p + l->avail);
	vq->used = (struct vring_used *)(p + l->used);
	vq->used_event = &vq->avail->ring[num];
	vq->avail_event = (uint16_t *)&vq->used->ring[num];
	vq->hdrs = (struct vq_hdr *)(p + l->hdrs);
	vq->ind = (struct vring_desc *)(p + l->ind);

	vq->desc_dev = base_dev + l->desc;
	vq->avail_dev = base_dev + l->avail;
	vq->used_dev = base_dev + l->used;
	vq->hdrs_dev = base_dev + l->hdrs;
	vq->ind_dev = base_dev + l->ind;

	if (alloc_private(vq) < 0) {
		vq_fini(vq);
		return -ENOMEM;
	}
	/* Head h of an indirect queue always points at table h. */
	if (indirect)
		for (i = 0; i < num; i++)
			vq->desc[i] = (struct vring_desc){
				.addr = htole64(vq->ind_dev + (uint64_t)i *
						ind_max * sizeof(struct vring_desc)),
				.flags = htole16(VRING_DESC_F_INDIRECT),
			};
	if (indirect)
		for (i = 0; i < num; i++)
			vq_fast_layout(vq, (uint16_t)i);
	/* Interrupts start off: the driver enables them when it waits. */
	vq->irq_on = true;
	vq_irq_disable(vq);
	return 0;
}

void vq_fini(struct vq *vq)
{
	free(vq->chain_len);
	free(vq->free_stack);
	free(vq->next_free);
	vq->chain_len = vq->free_stack = vq->next_free = NULL;
}

uint16_t vq_take_head(struct vq *vq, unsigned n)
{
	uint16_t h;

	if (vq->indirect) {
		h = vq->free_stack[--vq->nr_free];
		/* The general path rewrites the table: no fast layout now. */
		vq->chain_len[h] = 0;
		return h;
	}
	h = vq->free_head;
	vq->chain_len[h] = (uint16_t)n;
	return h;
}

static inline void put_desc(struct vring_desc *d, const struct vq_seg *s,
			    uint16_t flags, uint16_t next)
{
	d->addr = htole64(s->addr);
	d->len = htole32(s->len);
	d->flags = htole16(flags | (s->write ? VRING_DESC_F_WRITE : 0));
	d->next = htole16(next);
}

/* Indirect: table h, then the one ring descriptor's length. */
static void add_indirect(struct vq *vq, uint16_t h, const struct vq_seg *segs,
			 unsigned n)
{
	struct vring_desc *t = &vq->ind[(size_t)h * vq->ind_max];
	unsigned i;

	for (i = 0; i + 1 < n; i++)
		put_desc(&t[i], &segs[i], VRING_DESC_F_NEXT, (uint16_t)(i + 1));
	put_desc(&t[n - 1], &segs[n - 1], 0, 0);
	vq->desc[h].len = htole32(n * (uint32_t)sizeof(struct vring_desc));
}

/* Direct: a chain off the private free list. */
static void add_direct(struct vq *vq, uint16_t h, const struct vq_seg *segs,
		       unsigned n)
{
	uint16_t d = h;
	unsigned i;

	for (i = 0; i < n; i++) {
		uint16_t next = vq->next_free[d];

		put_desc(&vq->desc[d], &segs[i],
			 i + 1 < n ? VRING_DESC_F_NEXT : 0, next);
		if (i + 1 < n)
			d = next;
	}
	vq->free_head = vq->next_free[d];
	vq->nr_free = (uint16_t)(vq->nr_free - n);
}

void vq_add(struct vq *vq, uint16_t h, const struct vq_seg *segs, unsigned n)
{
	if (vq->indirect)
		add_indirect(vq, h, segs, n);
	else
		add_direct(vq, h, segs, n);
	vq->avail->ring[vq->avail_idx & vq->mask] = htole16(h);
	vq->avail_idx++;
}

/*
 * The chain's descriptors are found from the private list, never from
 * the shared next fields, which the device could have rewritten.
 */
void vq_put_head_direct(struct vq *vq, uint16_t h)
{
	uint16_t n = vq->chain_len[h], last = h;
	unsigned i;

	for (i = 1; i < n; i++)
		last = vq->next_free[last];
	vq->next_free[last] = vq->free_head;
	vq->free_head = h;
	vq->nr_free = (uint16_t)(vq->nr_free + n);
}

