/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * The virtio-blk-vhost-user driver: the frontend side of the vhost-user
 * protocol over a unix socket (qemu-storage-daemon, SPDK's vhost target,
 * libvhost-user backends), under the virtio-blk core.
 *
 * Memory the backend sees is handed over as memory-region fds; guest
 * physical addresses are our own virtual addresses, so descriptors carry
 * plain pointers and the backend translates them.
 */
#ifndef BLKIO_VU_H
#define BLKIO_VU_H

#include <stdbool.h>
#include <stdint.h>

#include "../virtio-blk/vblk.h"

/* Requests (vhost-user specification, "Front-end message types"). */
enum vu_request {
	VHOST_USER_GET_FEATURES = 1,
	VHOST_USER_SET_FEATURES = 2,
	VHOST_USER_SET_OWNER = 3,
	VHOST_USER_SET_MEM_TABLE = 5,
	VHOST_USER_SET_VRING_NUM = 8,
	VHOST_USER_SET_VRING_ADDR = 9,
	VHOST_USER_SET_VRING_BASE = 10,
	VHOST_USER_GET_VRING_BASE = 11,
	VHOST_USER_SET_VRING_KICK = 12,
	VHOST_USER_SET_VRING_CALL = 13,
	VHOST_USER_GET_PROTOCOL_FEATURES = 15,
	VHOST_USER_SET_PROTOCOL_FEATURES = 16,
	VHOST_USER_GET_QUEUE_NUM = 17,
	VHOST_USER_SET_VRING_ENABLE = 18,
	VHOST_USER_GET_CONFIG = 24,
	VHOST_USER_GET_MAX_MEM_SLOTS = 36,
	VHOST_USER_ADD_MEM_REG = 37,
	VHOST_USER_REM_MEM_REG = 38,
};

#define VHOST_USER_VERSION		0x1
#define VHOST_USER_VERSION_MASK		0x3
#define VHOST_USER_REPLY_MASK		(1u << 2)
#define VHOST_USER_NEED_REPLY_MASK	(1u << 3)

#define VHOST_USER_F_PROTOCOL_FEATURES	30

#define VHOST_USER_PROTOCOL_F_MQ			0
#define VHOST_USER_PROTOCOL_F_REPLY_ACK			3
#define VHOST_USER_PROTOCOL_F_CONFIG			9
#define VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS	15

/* Regions in one VHOST_USER_SET_MEM_TABLE. */
#define VHOST_USER_MEMORY_BASELINE_NREGIONS 8

/* Slots a backend may claim; more are not believed. */
#define VU_MAX_MEM_SLOTS 512

/* Largest configuration space asked for. */
#define VU_CONFIG_MAX 256

struct vu_region {
	uint64_t guest_phys_addr;
	uint64_t memory_size;
	uint64_t userspace_addr;
	uint64_t mmap_offset;
};

struct vu_vring_state {
	uint32_t index;
	uint32_t num;
};

struct vu_vring_addr {
	uint32_t index;
	uint32_t flags;
	uint64_t desc_user_addr;
	uint64_t used_user_addr;
	uint64_t avail_user_addr;
	uint64_t log_guest_addr;
};

struct vu_memory {
	uint32_t nregions;
	uint32_t padding;
	struct vu_region regions[VHOST_USER_MEMORY_BASELINE_NREGIONS];
};

struct vu_memreg {
	uint64_t padding;
	struct vu_region region;
};

struct vu_config {
	uint32_t offset;
	uint32_t size;
	uint32_t flags;
	uint8_t region[VU_CONFIG_MAX];
};

struct vu_hdr {
	uint32_t request;
	uint32_t flags;
	uint32_t size;
};

union vu_payload {
	uint64_t u64;
	struct vu_vring_state state;
	struct vu_vring_addr addr;
	struct vu_memory memory;
	struct vu_memreg memreg;
	struct vu_config config;
};

struct vu_msg {
	struct vu_hdr hdr;
	union vu_payload p;
} __attribute__((packed));

/* A region the backend maps: ours, or the shared area (internal). */
struct vu_mapping {
	struct vu_region r;
	int fd;			/* our duplicate, for SET_MEM_TABLE */
};

/* The driver's private data; struct vblk_dev must come first. */
struct vu_dev {
	struct vblk_dev vblk;
	int sock;
	uint64_t protocol_features;
	unsigned max_slots;	/* regions the backend can map */
	unsigned nr_maps;
	struct vu_mapping maps[VBLK_MAX_REGIONS + 1];
};

static inline struct vu_dev *vu_dev(struct vblk_dev *d)
{
	return container_of(d, struct vu_dev, vblk);
}

static inline bool vu_has_pf(const struct vu_dev *v, unsigned bit)
{
	return v->protocol_features & (1ull << bit);
}

/* vu-msg.c: one request, its fds, and its reply or acknowledgement */
int vu_send(struct vu_dev *v, uint32_t request, const void *payload,
	    uint32_t size, const int *fds, unsigned nr_fds);
int vu_get_u64(struct vu_dev *v, uint32_t request, uint64_t *value);
int vu_set_u64(struct vu_dev *v, uint32_t request, uint64_t value);
int vu_call(struct vu_dev *v, uint32_t request, const void *payload,
	    uint32_t size, union vu_payload *reply, uint32_t reply_size);
int vu_request(struct vu_dev *v, uint32_t request, const void *payload,
	       uint32_t size, const int *fds, unsigned nr_fds);

/* vu-connect.c */
int vu_connect(struct blkio *b, const struct drv_settings *s,
	       struct drv_device *dev);
void vu_disconnect(struct blkio *b);

/* vu-mem.c: the memory table, the shared area, application regions */
int vu_alloc_shared(struct vblk_dev *d, size_t len, struct vblk_shm *shm);
void vu_free_shared(struct vblk_dev *d, struct vblk_shm *shm);
int vu_map(struct vblk_dev *d, const struct blkio_mem_region *r,
	   uint64_t *dev_addr);
void vu_unmap(struct vblk_dev *d, const struct blkio_mem_region *r,
	      uint64_t dev_addr);
void vu_maps_release(struct vu_dev *v);

/* vu-vring.c: virtqueues and the configuration space */
int vu_setup_vq(struct vblk_dev *d, struct vblk_queue *vbq);
void vu_stop_vq(struct vblk_dev *d, struct vblk_queue *vbq);
int vu_get_config(struct vblk_dev *d, struct virtio_blk_config *cfg,
		  size_t len);

#endif
