/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * The device's IOTLB: the shared area (rings and request headers) and
 * the application's mapped regions, each one VHOST_IOTLB_UPDATE at I/O
 * virtual address = our address, and one VHOST_IOTLB_INVALIDATE when it
 * goes.
 *
 * The shared area is a memfd mapped MAP_SHARED: VDUSE hands the daemon
 * the file behind each mapping and skips, without an error, memory that
 * has none (anonymous memory), whose requests then never complete.  The
 * application's regions carry an fd for the same reason
 * (needs-mem-region-fd); their mapping must be MAP_SHARED too, which
 * blkio_alloc_mem_region() memory is.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vdpa.h"

/* Whether the device can be given [addr, addr + len) at the same IOVA. */
static int check_range(const struct vdpa_dev *v, uint64_t addr, uint64_t len)
{
	if (addr < v->info.iova_first || len == 0 ||
	    len - 1 > v->info.iova_last - addr)
		return blkio_err(-EINVAL,
				 "memory at 0x%" PRIx64 "+0x%" PRIx64 " lies outside the vDPA device's IOVA range 0x%" PRIx64 "-0x%" PRIx64,
				 addr, len, v->info.iova_first,
				 v->info.iova_last);
	return 0;
}

static int iotlb_add(struct vdpa_dev *v, void *addr, uint64_t len)
{
	uint64_t a = (uintptr_t)addr;
	int ret = check_range(v, a, len);

	if (ret < 0)
		return ret;
	return vdpa_sys_iotlb_update(v->vfd, a, len, a);
}

/* Nothing to tell a device that is gone or broken: it resets anyway. */
static void iotlb_remove(struct vdpa_dev *v, uint64_t iova, uint64_t len)
{
	if (v->vfd < 0 || vblk_broken(&v->vblk))
		return;
	if (vdpa_sys_iotlb_invalidate(v->vfd, iova, len) < 0) {
		/* nothing more to do: the device forgets all at reset */
	}
}

int vdpa_alloc_shared(struct vblk_dev *d, size_t len, struct vblk_shm *shm)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	int ret;

	/* The IOTLB maps whole pages. */
	ret = vblk_shm_memfd((len + page - 1) & ~(page - 1), shm);
	if (ret < 0)
		return ret;
	ret = iotlb_add(vdpa_dev(d), shm->addr, shm->len);
	if (ret < 0)
		vblk_shm_release(shm);
	return ret;
}

/* The device is reset (disconnect) or never started using the area. */
void vdpa_free_shared(struct vblk_dev *d, struct vblk_shm *shm)
{
	iotlb_remove(vdpa_dev(d), shm->dev_addr, shm->len);
	vblk_shm_release(shm);
}

int vdpa_map(struct vblk_dev *d, const struct blkio_mem_region *r,
	     uint64_t *dev_addr)
{
	int ret = iotlb_add(vdpa_dev(d), r->addr, r->len);

	if (ret == 0)
		*dev_addr = (uintptr_t)r->addr;
	return ret;
}

void vdpa_unmap(struct vblk_dev *d, const struct blkio_mem_region *r,
		uint64_t dev_addr)
{
	iotlb_remove(vdpa_dev(d), dev_addr, r->len);
}
