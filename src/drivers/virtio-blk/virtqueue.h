/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Split virtqueues, driver side (virtio 1.2, 2.7), for any transport.
 *
 * The rings live in memory the device shares, so the device can write
 * any of it at any time: everything read back (the used ring, its index,
 * avail_event) is loaded once into a local and checked before it is
 * used, and the bookkeeping that must stay sane (which descriptors are
 * free, which request a head belongs to) is kept in private memory the
 * device never sees.
 */
#ifndef BLKIO_VIRTQUEUE_H
#define BLKIO_VIRTQUEUE_H

#include <endian.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../core/driver-api.h"
#include "virtio-spec.h"

/* Where the parts of one virtqueue sit in a shared area. */
struct vq_layout {
	size_t desc, avail, used, hdrs, ind;	/* offsets */
	size_t len;			/* total, a multiple of 4096 */
};

/* A per-head block the device reads (header) and writes (status). */
struct vq_hdr {
	struct virtio_blk_outhdr out;
	struct virtio_blk_discard_write_zeroes dwz;
	uint8_t status;
	uint8_t pad[31];
};

struct vq {
	uint16_t num;		/* queue size, a power of two */
	uint16_t mask;
	bool event_idx;
	bool indirect;

	/* Shared with the device. */
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t *used_event;	/* after avail->ring[num] */
	uint16_t *avail_event;	/* after used->ring[num] */
	struct vq_hdr *hdrs;	/* one per head */
	struct vring_desc *ind;	/* ind_max descriptors per head */
	unsigned ind_max;

	/* The device's addresses of the same, for the descriptors. */
	uint64_t desc_dev, avail_dev, used_dev, hdrs_dev, ind_dev;

	/* Private. */
	uint16_t avail_idx;	/* next avail slot to fill */
	uint16_t avail_pub;	/* avail->idx as last published */
	uint16_t last_used;	/* next used entry to consume */
	uint16_t nr_free;	/* free descriptors (heads when indirect) */
	uint16_t free_head;	/* first free descriptor, direct mode */
	uint16_t *next_free;	/* [num]: the free list, direct mode */
	/*
	 * [num]: descriptors of each head's chain; with indirect tables,
	 * 3 while table h is in the fast layout (vq_add_indirect3()).
	 */
	uint16_t *chain_len;
	uint16_t *free_stack;	/* [num]: free heads, indirect mode */
	bool irq_on;		/* the device is asked to interrupt */
};

/* One element of a request, in the device's address space. */
struct vq_seg {
	uint64_t addr;
	uint32_t len;
	bool write;		/* the device writes it */
};

void vq_layout(struct vq_layout *l, unsigned num, unsigned ind_max,
	       bool indirect);

/*
 * Set up vq over the zeroed area at base (device address base_dev) laid
 * out by l; allocates the private arrays.  Returns 0 or -ENOMEM.
 */
int vq_init(struct vq *vq, const struct vq_layout *l, void *base,
	    uint64_t base_dev, unsigned num, unsigned ind_max,
	    bool indirect, bool event_idx);
void vq_fini(struct vq *vq);

/* Whether a chain of n segments fits now (and ever: n <= vq_max_segs()). */
static inline bool vq_has_room(const struct vq *vq, unsigned n)
{
	return vq->indirect ? vq->nr_free > 0 : vq->nr_free >= n;
}

/* The most segments one chain can have. */
static inline unsigned vq_max_segs(const struct vq *vq)
{
	return vq->indirect ? vq->ind_max : vq->num;
}

/*
 * Take a head for a chain of n segments (vq_has_room() must be true).
 * The caller fills the head's header; vq_add() then writes the chain.
 */
uint16_t vq_take_head(struct vq *vq, unsigned n);

/* Write the chain of head h and put it in the avail ring (unpublished). */
void vq_add(struct vq *vq, uint16_t h, const struct vq_seg *segs, unsigned n);

/* Give back the descriptors of head h, whose chain the device used. */
void vq_put_head_direct(struct vq *vq, uint16_t h);

static inline void vq_put_head(struct vq *vq, uint16_t h)
{
	if (likely(vq->indirect))
		vq->free_stack[vq->nr_free++] = h;
	else
		vq_put_head_direct(vq, h);
}

/*
 * Table h in the fast layout: header, one data segment, status.  Inline,
 * so that vq_add_indirect3() calls nothing.
 */
static inline void vq_fast_layout(struct vq *vq, uint16_t h)
{
	uint64_t hdr = vq->hdrs_dev + (uint64_t)h * sizeof(struct vq_hdr);
	struct vring_desc *t = &vq->ind[(size_t)h * vq->ind_max];

	t[0] = (struct vring_desc){
		.addr = htole64(hdr + offsetof(struct vq_hdr, out)),
		.len = htole32(sizeof(struct virtio_blk_outhdr)),
		.flags = htole16(VRING_DESC_F_NEXT),
		.next = htole16(1),
	};
	t[1].next = htole16(2);
	t[2] = (struct vring_desc){
		.addr = htole64(hdr + offsetof(struct vq_hdr, status)),
		.len = htole32(1),
		.flags = htole16(VRING_DESC_F_WRITE),
	};
	vq->desc[h].len = htole32(3 * sizeof(struct vring_desc));
	vq->chain_len[h] = 3;
}

/*
 * The fast path of the common request, a header, one data segment and
 * the status byte in an indirect table: what vq_take_head() + vq_add()
 * do for it, without the segment array.  The header and status
 * descriptors of a head never change, so only the data descriptor is
 * written, unless the general path used the table since
 * (chain_len[h] != 3).  Only with vq->indirect and a free head.
 */
static inline uint16_t vq_add_indirect3(struct vq *vq, uint64_t data,
					uint32_t len, bool write)
{
	uint16_t h = vq->free_stack[--vq->nr_free];
	struct vring_desc *t = &vq->ind[(size_t)h * vq->ind_max];

	if (unlikely(vq->chain_len[h] != 3))
		vq_fast_layout(vq, h);
	t[1].addr = htole64(data);
	t[1].len = htole32(len);
	t[1].flags = htole16(VRING_DESC_F_NEXT |
			     (write ? VRING_DESC_F_WRITE : 0));
	vq->avail->ring[vq->avail_idx & vq->mask] = htole16(h);
	vq->avail_idx++;
	return h;
}


/* The device's used index, loaded once (acquire). */
static inline uint16_t vq_used_idx(const struct vq *vq)
{
	return le16toh(__atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE));
}

static inline bool vq_has_used(const struct vq *vq)
{
	return vq_used_idx(vq) != vq->last_used;
}

/* The head id of used entry i, loaded once. */
static inline uint32_t vq_used_id(const struct vq *vq, uint16_t i)
{
	const struct vring_used_elem *e = &vq->used->ring[i & vq->mask];

	return le32toh(__atomic_load_n(&e->id, __ATOMIC_RELAXED));
}

/* With interrupts off and EVENT_IDX, keep used_event out of reach. */
static inline void vq_irq_keep_off(struct vq *vq)
{
	if (vq->event_idx && !vq->irq_on)
		__atomic_store_n(vq->used_event,
				 htole16((uint16_t)(vq->last_used + 0x8000)),
				 __ATOMIC_RELAXED);
}

/*
 * Publish what vq_add() queued; true if the device wants to be told
 * (the transport's notify).
 */
static inline bool vq_publish(struct vq *vq)
{
	uint16_t old = vq->avail_pub, idx = vq->avail_idx;
	uint16_t event;

	if (old == idx)
		return false;
	vq->avail_pub = idx;
	__atomic_store_n(&vq->avail->idx, htole16(idx), __ATOMIC_RELEASE);
	/*
	 * The index must be visible before the device's wish is read, or
	 * both sides could decide the other one will act (2.7.13.3).
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (vq->event_idx) {
		event = le16toh(__atomic_load_n(vq->avail_event,
						__ATOMIC_RELAXED));
		return vring_need_event(event, idx, old);
	}
	return !(le16toh(__atomic_load_n(&vq->used->flags, __ATOMIC_RELAXED)) &
		 VRING_USED_F_NO_NOTIFY);
}

/*
 * Ask for interrupts (used ring notifications).  Returns true when
 * entries arrived that the device may already have decided not to
 * notify about: the caller must not sleep on them.
 */
static inline bool vq_irq_enable(struct vq *vq)
{
	if (vq->event_idx)
		__atomic_store_n(vq->used_event, htole16(vq->last_used),
				 __ATOMIC_RELAXED);
	else if (!vq->irq_on)
		__atomic_store_n(&vq->avail->flags, 0, __ATOMIC_RELAXED);
	vq->irq_on = true;
	/* Our wish before the device's index: see vq_publish(). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return vq_has_used(vq);
}

/* No interrupts: the driver reaps by itself. */
static inline void vq_irq_disable(struct vq *vq)
{
	if (!vq->irq_on)
		return;
	vq->irq_on = false;
	if (vq->event_idx)
		vq_irq_keep_off(vq);
	else
		__atomic_store_n(&vq->avail->flags,
				 htole16(VRING_AVAIL_F_NO_INTERRUPT),
				 __ATOMIC_RELAXED);
}

/*
 * vq_irq_disable() and vq_irq_keep_off() in one: no interrupts, and with
 * EVENT_IDX used_event out of reach of what was reaped since.
 */
static inline void vq_irq_off(struct vq *vq)
{
	if (vq->event_idx) {
		vq->irq_on = false;
		vq_irq_keep_off(vq);
	} else {
		vq_irq_disable(vq);
	}
}

#endif
