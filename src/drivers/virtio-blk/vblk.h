/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * The virtio-blk core, shared by the virtio-blk-* drivers: feature
 * negotiation, the configuration space turned into limits, queues of
 * split virtqueues, requests (split where the device's limits say so),
 * completions and waits.  A transport (vhost-user, vhost-vdpa, vfio-pci)
 * supplies how to talk to the device (struct vblk_transport) and embeds
 * struct vblk_dev at the start of its private data.
 */
#ifndef BLKIO_VBLK_H
#define BLKIO_VBLK_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>

#include "../../core/driver-api.h"
#include "virtio-spec.h"
#include "virtqueue.h"

struct vblk_dev;
struct vblk_queue;

/* Mapped memory regions the data path may look up without a lock. */
#define VBLK_MAX_REGIONS 64

struct vblk_region {
	uint64_t start, end;	/* [start, end) in our address space */
	uint64_t delta;		/* device address = address + delta */
};

/*
 * The table is written under the instance lock, read by every queue's
 * thread: a sequence count (odd while it changes) tells a reader that its
 * copy is stale or torn, and it copies again.
 */
struct vblk_regions {
	unsigned seq;
	unsigned nr;
	struct vblk_region r[VBLK_MAX_REGIONS];
};

/* A queue's own copy of the table. */
struct vblk_region_view {
	unsigned seq;
	unsigned nr;
	unsigned last;		/* the entry that matched last */
	struct vblk_region r[VBLK_MAX_REGIONS];
};

/* Memory the device sees: the rings and request headers of all queues. */
struct vblk_shm {
	void *addr;
	size_t len;
	int fd;
	uint64_t dev_addr;	/* the device's address of addr */
};

struct vblk_transport {
	/* Feature bits the transport adds to the block device's (may be 0). */
	uint64_t features;

	/* The "fd" property names the device (vhost-vdpa); else -ENOENT. */
	bool takes_fd;

	/*
	 * The "device-timeout-ms" default: how long a wait may see no
	 * completion before the device is given up on (0: never; a
	 * transport whose liveness fd reports a vanished device needs none).
	 */
	int device_timeout_ms;

	/* The shared area: allocate and make visible to the device, release. */
	int (*alloc_shared)(struct vblk_dev *d, size_t len,
			    struct vblk_shm *shm);
	void (*free_shared)(struct vblk_dev *d, struct vblk_shm *shm);

	/* Hand the device virtqueue vbq->index (rings, kick and call fds). */
	int (*setup_vq)(struct vblk_dev *d, struct vblk_queue *vbq);

	/* Make the device stop using the virtqueue (may be NULL). */
	void (*stop_vq)(struct vblk_dev *d, struct vblk_queue *vbq);

	/* An application's memory region, made visible to the device. */
	int (*map)(struct vblk_dev *d, const struct blkio_mem_region *r,
		   uint64_t *dev_addr);
	void (*unmap)(struct vblk_dev *d, const struct blkio_mem_region *r,
		      uint64_t dev_addr);

	/* Read len bytes of the configuration space. */
	int (*get_config)(struct vblk_dev *d, struct virtio_blk_config *cfg,
			  size_t len);

	/* Data path: the virtqueue has new buffers (may be NULL: kick_fd). */
	void (*notify)(struct vblk_queue *vbq);

	/*
	 * Whether the device still works, asked when a wait has seen no
	 * completion for VBLK_CHECK_MS (may be NULL): NULL when it does, or
	 * why not (a static message; the device is then marked broken).
	 */
	const char *(*check)(struct vblk_dev *d);
};

/* How long a wait goes without asking the transport's check(). */
#define VBLK_CHECK_MS 1000

/* The start of a virtio-blk driver's private data (drv_priv()). */
struct vblk_dev {
	const struct vblk_transport *t;

	/* Properties (offsets into this struct, vblk_props()). */
	int fd;			/* always -1 where the transport takes none */
	int queue_size;
	int max_queue_size;
	int max_queues;
	uint64_t max_mem_regions;
	int device_timeout_ms;	/* 0: waits never give up on the device */

	/*
	 * The limits as the driver's own properties report them: libblkio's
	 * virtio-blk drivers answer them (with defaults) before connect too.
	 */
	struct dev_info info;

	/* What connect found. */
	uint64_t features;	/* negotiated */
	size_t config_len;	/* of the configuration space read */
	uint32_t blk_size;
	unsigned max_segs;	/* data segments in one request */
	uint32_t max_seg_len;	/* 0: none */
	uint32_t max_rw;	/* bytes in one read or write */
	uint64_t max_discard;	/* bytes in one discard */
	uint64_t max_wz;	/* bytes in one write-zeroes */
	bool read_only;		/* the application's setting */
	bool dev_ro;		/* the device is read-only (VIRTIO_BLK_F_RO) */
	bool wz_may_unmap;

	/*
	 * An fd that reports liveness_events (or POLLHUP/POLLERR) when the
	 * device goes away (vhost-user: the socket, POLLRDHUP; vfio-pci: the
	 * device request eventfd, POLLIN), or -1.  Waits watch it too.
	 */
	int liveness_fd;
	short liveness_events;

	/* Set once the device misbehaved or vanished; never cleared. */
	int broken;
	const char *broken_msg;

	/* Set up at start. */
	struct vblk_shm shm;
	struct vq_layout layout;
	unsigned ind_max;	/* descriptors in one indirect table */
	unsigned nr_vqs;	/* virtqueues the shared area holds */
	unsigned next_vq;	/* the next one add_queue hands out */
	unsigned max_regions;	/* mapped regions the transport can take */

	struct vblk_regions regions;
};

/* One request's piece in flight, by head. */
struct vblk_slot {
	struct req *r;
	uint64_t len;		/* bytes of the request the piece does */
};

struct vblk_queue {
	struct blkioq q;
	struct vblk_dev *dev;
	struct vq vq;
	unsigned index;		/* virtqueue index */
	int kick_fd;
	int call_fd;		/* the completion fd of a regular queue */
	unsigned in_flight;	/* pieces the device holds */
	bool need_kick;		/* published since the last notify */
	unsigned polls;		/* busy-poll rounds since a liveness check */
	struct vblk_slot *slots;
	struct vq_seg *segs;	/* scratch: the piece being built */

	/*
	 * The fast path's limits, copied from the device at start: reads
	 * and writes of whole blocks up to fast_max bytes (0: never) go
	 * straight into an indirect table (vblk-submit.c).
	 */
	uint64_t blk_mask;
	uint32_t fast_max;
	bool read_only;

	/*
	 * Waits watch over the device (the transport's check(), or a
	 * device-timeout-ms): both fixed once the instance is started.
	 */
	bool watched;

	/*
	 * A regular queue of an unwatched device: do_io_fast sleeps on
	 * the call fd by itself (vblk-do-io-fast.c).
	 */
	bool sleeps_fast;

	struct pollfd wait_fds[2];	/* call fd, liveness fd */
	unsigned nr_wait_fds;		/* 2 with a liveness fd, else 1 */

	/* The transport's notify, or NULL for the kick eventfd. */
	void (*notify)(struct vblk_queue *vbq);
	struct vblk_region_view view;
};

static inline struct vblk_dev *vblk_dev(struct blkio *b)
{
	return drv_priv(b);
}

static inline struct vblk_queue *vblk_queue(struct blkioq *q)
{
	return container_of(q, struct vblk_queue, q);
}

static inline bool vblk_has(const struct vblk_dev *d, unsigned bit)
{
	return d->features & VIRTIO_BIT(bit);
}

static inline bool vblk_broken(const struct vblk_dev *d)
{
	return __atomic_load_n(&d->broken, __ATOMIC_ACQUIRE);
}

/* vblk-dev.c: defaults, features, limits, start, capacity */
void vblk_init(struct vblk_dev *d, struct dev_info *defaults,
	       const struct vblk_transport *t);
uint64_t vblk_wanted_features(const struct vblk_dev *d, uint64_t offered);
int vblk_configure(struct vblk_dev *d, uint64_t features,
		   const struct drv_settings *s, struct drv_device *dev);
int vblk_start(struct blkio *b, int num_queues, int num_poll_queues);
void vblk_stop(struct vblk_dev *d);
int vblk_get_capacity(struct blkio *b, uint64_t *capacity);
void vblk_set_broken(struct vblk_dev *d, const char *msg);

/* vblk-props.c: the setters behind the virtio-blk properties */
int vblk_set_queue_size(struct blkio *b, const union prop_val *v);
int vblk_set_fd(struct blkio *b, const union prop_val *v);

/*
 * vblk-shm.c: a memfd of @len bytes mapped shared, its device address
 * the process's (transports that hand the device memory by fd).
 */
int vblk_shm_memfd(size_t len, struct vblk_shm *shm);
void vblk_shm_release(struct vblk_shm *shm);

/* vblk-mem.c: mapped regions */
int vblk_map_mem_region(struct blkio *b, const struct blkio_mem_region *r);
void vblk_unmap_mem_region(struct blkio *b,
			   const struct blkio_mem_region *r);
void vblk_view_refresh(struct vblk_queue *vbq);
bool vblk_view_lookup_slow(struct vblk_region_view *v, uint64_t addr,
			   uint64_t len, uint64_t *dev_addr);

/*
 * The device's address of [addr, addr + len) when it lies inside the
 * region that matched last and the queue's copy of the table is current;
 * false otherwise (vblk_translate() then knows).  No call: the submit
 * fast path needs no saved registers.
 */
static inline bool vblk_translate_last(struct vblk_queue *vbq,
				       const void *addr, uint64_t len,
				       uint64_t *dev_addr)
{
	const struct vblk_region_view *v = &vbq->view;
	const struct vblk_region *r = &v->r[v->last];
	uint64_t a = (uintptr_t)addr;

	if (unlikely(__atomic_load_n(&vbq->dev->regions.seq,
				     __ATOMIC_ACQUIRE) != v->seq))
		return false;
	if (likely(a >= r->start && len <= r->end - a && a < r->end)) {
		*dev_addr = a + r->delta;
		return true;
	}
	return false;
}

/*
 * The device's address of [addr, addr + len), which must lie inside one
 * mapped region: false otherwise.
 */
static inline bool vblk_translate(struct vblk_queue *vbq, const void *addr,
				  uint64_t len, uint64_t *dev_addr)
{
	if (likely(vblk_translate_last(vbq, addr, len, dev_addr)))
		return true;
	if (__atomic_load_n(&vbq->dev->regions.seq, __ATOMIC_ACQUIRE) !=
	    vbq->view.seq)
		vblk_view_refresh(vbq);
	return vblk_view_lookup_slow(&vbq->view, (uintptr_t)addr, len,
				     dev_addr);
}

/* vblk-queue.c: queues */
int vblk_add_queue(struct blkio *b, bool poll, struct blkioq **qp);
void vblk_remove_queue(struct blkioq *q);

/* vblk-submit.c: requests into the virtqueue */
void vblk_submit(struct blkioq *q, struct req *r);
int vblk_queue_piece(struct vblk_queue *vbq, struct req *r, const char **msg);
void vblk_refill(struct vblk_queue *vbq, struct do_io_ctx *ctx);
void vblk_notify(struct vblk_queue *vbq);

/* Publish what was queued and tell the device if it wants to know. */
static inline void vblk_kick(struct vblk_queue *vbq)
{
	if (vbq->vq.avail_pub != vbq->vq.avail_idx && vq_publish(&vbq->vq))
		vblk_notify(vbq);
}
void vblk_finish(struct vblk_queue *vbq, struct do_io_ctx *ctx, struct req *r,
		 int ret, const char *msg);

/* vblk-complete.c: used entries into completions (vblk-reap.h) */
void vblk_used_slow(struct vblk_queue *vbq, struct do_io_ctx *ctx,
		    struct req *r, uint8_t status, uint64_t len);
int vblk_device_broke(struct vblk_queue *vbq, const char *msg);
void vblk_fail_all(struct vblk_queue *vbq, struct do_io_ctx *ctx);

/* vblk-do-io.c: queue_ops.do_io and the completion-fd hint */
int vblk_do_io(struct blkioq *q, struct do_io_ctx *ctx);
void vblk_set_completion_fd_enabled(struct blkioq *q, bool enable);
void vblk_drain(struct vblk_queue *vbq);

/* vblk-do-io-fast.c: queue_ops.do_io_fast */
int vblk_do_io_fast(struct blkioq *q, struct blkio_completion *c, int min,
		    int max);

#endif
