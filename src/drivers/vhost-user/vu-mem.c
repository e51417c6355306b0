/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * The backend's memory table: the shared area (rings and request
 * headers) and the application's mapped regions, each with its fd.
 *
 * With VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS regions come and go one
 * at a time (ADD_MEM_REG/REM_MEM_REG) and the backend leaves the others
 * alone, so requests in flight in other regions are not disturbed.
 * Without it the whole table is sent again (SET_MEM_TABLE, at most 8
 * regions), which is why every region's fd is kept (a duplicate: the
 * application may close its own).
 *
 * Guest physical addresses are our virtual addresses.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vu.h"

static bool one_at_a_time(const struct vu_dev *v)
{
	return vu_has_pf(v, VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS);
}

static int send_table(struct vu_dev *v)
{
	struct vu_memory m = { .nregions = v->nr_maps };
	int fds[VHOST_USER_MEMORY_BASELINE_NREGIONS];
	unsigned i;

	for (i = 0; i < v->nr_maps; i++) {
		m.regions[i] = v->maps[i].r;
		fds[i] = v->maps[i].fd;
	}
	return vu_request(v, VHOST_USER_SET_MEM_TABLE, &m,
			  (uint32_t)(offsetof(struct vu_memory, regions) +
				     v->nr_maps * sizeof(m.regions[0])),
			  fds, v->nr_maps);
}

static int add_mapping(struct vu_dev *v, const struct vu_region *r, int fd)
{
	struct vu_memreg reg = { .region = *r };
	int dup_fd, ret;

	if (v->nr_maps >= v->max_slots || v->nr_maps >= ARRAY_SIZE(v->maps) ||
	    (!one_at_a_time(v) &&
	     v->nr_maps >= VHOST_USER_MEMORY_BASELINE_NREGIONS))
		return blkio_err(-ENOSPC,
				 "vhost-user backend has no memory slot left");
	dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dup_fd < 0)
		return blkio_err_os(-errno, "Failed to duplicate the region's fd");
	v->maps[v->nr_maps] = (struct vu_mapping){ .r = *r, .fd = dup_fd };
	v->nr_maps++;
	if (one_at_a_time(v))
		ret = vu_request(v, VHOST_USER_ADD_MEM_REG, &reg, sizeof(reg),
				 &fd, 1);
	else
		ret = send_table(v);
	if (ret < 0) {
		v->nr_maps--;
		close(dup_fd);
	}
	return ret;
}

static int find_mapping(const struct vu_dev *v, uint64_t gpa, uint64_t size)
{
	unsigned i;

	for (i = 0; i < v->nr_maps; i++)
		if (v->maps[i].r.guest_phys_addr == gpa &&
		    v->maps[i].r.memory_size == size)
			return (int)i;
	return -1;
}

/* Forget mapping i; tell the backend unless it is gone or unreachable. */
static void remove_mapping(struct vu_dev *v, unsigned i)
{
	struct vu_memreg reg = { .region = v->maps[i].r };

	close(v->maps[i].fd);
	v->maps[i] = v->maps[--v->nr_maps];
	if (v->sock < 0 || vblk_broken(&v->vblk))
		return;
	/* Nothing to do when it fails: the backend is broken by then. */
	if (one_at_a_time(v))
		vu_request(v, VHOST_USER_REM_MEM_REG, &reg, sizeof(reg), NULL, 0);
	else
		send_table(v);
}

int vu_alloc_shared(struct vblk_dev *d, size_t len, struct vblk_shm *shm)
{
	struct vu_region r;
	int ret = vblk_shm_memfd(len, shm);

	if (ret < 0)
		return ret;
	r = (struct vu_region){
		.guest_phys_addr = (uintptr_t)shm->addr,
		.memory_size = len,
		.userspace_addr = (uintptr_t)shm->addr,
	};
	ret = add_mapping(vu_dev(d), &r, shm->fd);
	if (ret < 0)
		vblk_shm_release(shm);
	return ret;
}

void vu_free_shared(struct vblk_dev *d, struct vblk_shm *shm)
{
	struct vu_dev *v = vu_dev(d);
	int i = find_mapping(v, shm->dev_addr, shm->len);

	if (i >= 0)
		remove_mapping(v, (unsigned)i);
	vblk_shm_release(shm);
}

int vu_map(struct vblk_dev *d, const struct blkio_mem_region *r,
	   uint64_t *dev_addr)
{
	struct vu_region reg = {
		.guest_phys_addr = (uintptr_t)r->addr,
		.memory_size = r->len,
		.userspace_addr = (uintptr_t)r->addr,
		.mmap_offset = (uint64_t)r->fd_offset,
	};
	int ret = add_mapping(vu_dev(d), &reg, r->fd);

	if (ret == 0)
		*dev_addr = (uintptr_t)r->addr;
	return ret;
}

void vu_unmap(struct vblk_dev *d, const struct blkio_mem_region *r,
	      uint64_t dev_addr)
{
	struct vu_dev *v = vu_dev(d);
	int i = find_mapping(v, dev_addr, r->len);

	if (i >= 0)
		remove_mapping(v, (unsigned)i);
}

/* At disconnect: the backend's mappings end with the connection. */
void vu_maps_release(struct vu_dev *v)
{
	while (v->nr_maps)
		close(v->maps[--v->nr_maps].fd);
}
