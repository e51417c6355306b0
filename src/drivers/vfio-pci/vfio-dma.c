/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * DMA: the device reaches only what the IOMMU maps, at IOVAs we choose.
 * Our virtual addresses cannot serve as IOVAs in general: an emulated
 * Intel IOMMU translates 39 bits while user addresses use 47, and every
 * IOMMU reserves holes (the MSI window at 0xfee00000).  So IOVAs are
 * allocated first-fit inside the ranges VFIO reports
 * (VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE), from a small sorted table of
 * what is mapped, which also lets a region be unmapped and its IOVAs
 * reused (QEMU resizes its bounce buffer that way).
 *
 * VFIO_IOMMU_MAP_DMA pins the memory, so anonymous memory is fine and
 * regions need no fd (needs-mem-region-fd is false).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/vfio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vfio.h"

/* Leave IOVA 0 unused: a zero address in a descriptor is then a bug. */
#define IOVA_FLOOR 0x100000ull

static void default_ranges(struct vfio_dev *v)
{
	/* Without the capability: the low 4 GiB minus the MSI window. */
	v->ranges[0] = (struct vfio_span){ 0, 0xfedfffffull };
	v->nr_ranges = 1;
}

static void parse_caps(struct vfio_dev *v, const uint8_t *buf, size_t len,
		       uint32_t off)
{
	unsigned hops;

	for (hops = 0; off && hops < 16; hops++) {
		const struct vfio_info_cap_header *h;
		const struct vfio_iommu_type1_info_cap_iova_range *r;
		uint32_t i, n;

		if (off + sizeof(*h) > len)
			return;
		h = (const void *)(buf + off);
		if (h->id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE &&
		    off + sizeof(*r) <= len) {
			r = (const void *)h;
			n = r->nr_iovas;
			if (n > (len - off - sizeof(*r)) /
				sizeof(r->iova_ranges[0]))
				return;
			v->nr_ranges = 0;
			for (i = 0; i < n && v->nr_ranges < VFIO_MAX_IOVA_RANGES;
			     i++)
				if (r->iova_ranges[i].end >
				    r->iova_ranges[i].start)
					v->ranges[v->nr_ranges++] =
						(struct vfio_span){
							r->iova_ranges[i].start,
							r->iova_ranges[i].end };
		}
		off = h->next;
	}
}

int vfio_iommu_info(struct vfio_dev *v)
{
	size_t len = 4096;
	struct vfio_iommu_type1_info *info = calloc(1, len);
	long page = sysconf(_SC_PAGESIZE);

	if (!info)
		return blkio_err(-ENOMEM, "Out of memory");
	info->argsz = (uint32_t)len;
	if (ioctl(v->container, VFIO_IOMMU_GET_INFO, info) < 0) {
		free(info);
		return blkio_err_os(-errno, "VFIO_IOMMU_GET_INFO failed");
	}
	default_ranges(v);
	v->page_size = (uint64_t)page;
	if ((info->flags & VFIO_IOMMU_INFO_PGSIZES) && info->iova_pgsizes) {
		uint64_t min = info->iova_pgsizes & -info->iova_pgsizes;

		if (min > v->page_size)
			v->page_size = min;
	}
	if ((info->flags & VFIO_IOMMU_INFO_CAPS) && info->cap_offset &&
	    info->argsz <= len)
		parse_caps(v, (const uint8_t *)info, info->argsz,
			   info->cap_offset);
	free(info);
	if (!v->nr_ranges)
		return blkio_err(-EIO, "VFIO: the IOMMU reports no IOVA range");
	return 0;
}

static uint64_t align_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) & ~(a - 1);
}

static bool fits(const struct vfio_span *r, uint64_t at, uint64_t len)
{
	return at >= r->start && at <= r->end && len - 1 <= r->end - at;
}

/* The lowest aligned IOVA in r where len bytes are not mapped yet. */
static bool fit_in_range(const struct vfio_dev *v,
			 const struct vfio_span *r, uint64_t len,
			 uint64_t align, uint64_t *iova)
{
	uint64_t at = align_up(r->start < IOVA_FLOOR ? IOVA_FLOOR : r->start,
			       align);
	unsigned i;

	/* dmas[] is sorted by IOVA: walk the gaps between them in order. */
	for (i = 0; i < v->nr_dmas; i++) {
		const struct vfio_dma *m = &v->dmas[i];

		if (at > r->end)
			return false;
		if (m->iova + m->len <= at)
			continue;
		if (at < m->iova && len <= m->iova - at && fits(r, at, len)) {
			*iova = at;
			return true;
		}
		at = align_up(m->iova + m->len, align);
	}
	if (!fits(r, at, len))
		return false;
	*iova = at;
	return true;
}

static int iova_alloc(struct vfio_dev *v, uint64_t len, uint64_t *iova)
{
	/* 2 MiB alignment for large mappings lets the IOMMU use huge pages. */
	uint64_t align = len >= (2u << 20) ? (2u << 20) : v->page_size;
	unsigned i;

	for (i = 0; i < v->nr_ranges; i++)
		if (fit_in_range(v, &v->ranges[i], len, align, iova) ||
		    fit_in_range(v, &v->ranges[i], len, v->page_size, iova))
			return 0;
	return blkio_err(-ENOSPC, "VFIO: no IOVA space left for %llu bytes",
			 (unsigned long long)len);
}

static void dma_insert(struct vfio_dev *v, uint64_t iova, uint64_t len)
{
	unsigned i = v->nr_dmas;

	while (i > 0 && v->dmas[i - 1].iova > iova) {
		v->dmas[i] = v->dmas[i - 1];
		i--;
	}
	v->dmas[i] = (struct vfio_dma){ iova, len };
	v->nr_dmas++;
}

int vfio_dma_map(struct vfio_dev *v, void *addr, uint64_t len,
		 uint64_t *iova)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)addr,
		.size = len,
	};
	uint64_t at;
	int ret;

	if (v->nr_dmas >= ARRAY_SIZE(v->dmas))
		return blkio_err(-ENOSPC, "VFIO: too many DMA mappings");
	if ((uintptr_t)addr % v->page_size || len % v->page_size || !len)
		return blkio_err(-EINVAL,
				 "memory region address and length must be multiples of %llu (property mem-region-alignment)",
				 (unsigned long long)v->page_size);
	ret = iova_alloc(v, len, &at);
	if (ret < 0)
		return ret;
	m.iova = at;
	if (ioctl(v->container, VFIO_IOMMU_MAP_DMA, &m) < 0)
		return blkio_err_os(-errno, "VFIO_IOMMU_MAP_DMA of %llu bytes failed",
				    (unsigned long long)len);
	dma_insert(v, at, len);
	*iova = at;
	return 0;
}

void vfio_dma_unmap(struct vfio_dev *v, uint64_t iova, uint64_t len)
{
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u), .iova = iova, .size = len,
	};
	unsigned i;

	for (i = 0; i < v->nr_dmas; i++)
		if (v->dmas[i].iova == iova && v->dmas[i].len == len)
			break;
	if (i == v->nr_dmas)
		return;
	memmove(&v->dmas[i], &v->dmas[i + 1],
		(v->nr_dmas - i - 1) * sizeof(v->dmas[0]));
	v->nr_dmas--;
	/* Fails only when the container is gone: nothing left to undo. */
	if (v->container >= 0)
		ioctl(v->container, VFIO_IOMMU_UNMAP_DMA, &u);
}

/* The rings and request headers: anonymous memory, pinned by the map. */
int vfio_alloc_shared(struct vblk_dev *d, size_t len, struct vblk_shm *shm)
{
	struct vfio_dev *v = vfio_dev(d);
	uint64_t iova;
	void *addr;
	int ret;

	len = align_up(len, v->page_size);
	addr = mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (addr == MAP_FAILED)
		return blkio_err_os(-errno, "mmap of the virtqueues failed");
	/*
	 * Pinned pages must stay ours: after a fork() the first write would
	 * copy a private page away from the one the device uses.
	 */
	madvise(addr, len, MADV_DONTFORK);
	ret = vfio_dma_map(v, addr, len, &iova);
	if (ret < 0) {
		munmap(addr, len);
		return ret;
	}
	*shm = (struct vblk_shm){ .addr = addr, .len = len, .fd = -1,
				  .dev_addr = iova };
	return 0;
}

/* The device is reset by now (vfio_disconnect): it no longer uses it. */
void vfio_free_shared(struct vblk_dev *d, struct vblk_shm *shm)
{
	struct vfio_dev *v = vfio_dev(d);

	vfio_dma_unmap(v, shm->dev_addr, shm->len);
	munmap(shm->addr, shm->len);
}

int vfio_map(struct vblk_dev *d, const struct blkio_mem_region *r,
	     uint64_t *dev_addr)
{
	return vfio_dma_map(vfio_dev(d), r->addr, r->len, dev_addr);
}

void vfio_unmap(struct vblk_dev *d, const struct blkio_mem_region *r,
		uint64_t dev_addr)
{
	vfio_dma_unmap(vfio_dev(d), dev_addr, r->len);
}
