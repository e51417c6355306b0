/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Memory regions.  Allocated regions are memfd-backed shared mappings the
 * instance owns until freed or destroyed; mapped regions are recorded and
 * handed to the driver's map_mem_region, where it has one (the virtio-blk
 * drivers make them visible to the device; the file drivers need nothing).  A region is identified by
 * the value of all six fields, as in libblkio, iova and flags included
 * although nothing else looks at them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "error.h"
#include "instance.h"

struct region {
	struct blkio_mem_region r;
	bool allocated;		/* by blkio_alloc_mem_region: we free it */
	bool mapped;		/* by blkio_map_mem_region */
};

static bool same_region(const struct blkio_mem_region *a,
			const struct blkio_mem_region *b)
{
	return a->addr == b->addr && a->len == b->len && a->iova == b->iova &&
	       a->fd_offset == b->fd_offset && a->fd == b->fd &&
	       a->flags == b->flags;
}

/*
 * Two entries can hold equal fields: an application may map memory, free
 * the region behind it without unmapping, and be given the same address
 * and fd number by its next allocation.  Each operation therefore looks
 * for the entry in the role it acts on (allocated for free, mapped for
 * unmap), so it never frees or forgets the other one.
 */
static struct region *find(struct blkio *b, const struct blkio_mem_region *r,
			   bool allocated, bool mapped)
{
	int i;

	for (i = 0; i < b->nr_regions; i++) {
		struct region *reg = &b->regions[i];

		if ((allocated && !reg->allocated) || (mapped && !reg->mapped))
			continue;
		if (same_region(&reg->r, r))
			return reg;
	}
	return NULL;
}

static struct region *append(struct blkio *b, const struct blkio_mem_region *r)
{
	struct region *regions;
	int cap;

	if (b->nr_regions == b->cap_regions) {
		cap = b->cap_regions ? b->cap_regions * 2 : 8;
		regions = realloc(b->regions, cap * sizeof(*regions));
		if (!regions)
			return NULL;
		b->regions = regions;
		b->cap_regions = cap;
	}
	b->regions[b->nr_regions] = (struct region){ .r = *r };
	return &b->regions[b->nr_regions++];
}

static void drop(struct blkio *b, struct region *reg)
{
	*reg = b->regions[--b->nr_regions];
}

static void driver_unmap(struct blkio *b, const struct blkio_mem_region *r)
{
	if (b->drv->unmap_mem_region && b->state == STATE_STARTED)
		b->drv->unmap_mem_region(b, r);
}

static void release_memory(const struct blkio_mem_region *r)
{
	munmap(r->addr, r->len);
	close(r->fd);
}

static int alloc_locked(struct blkio *b, struct blkio_mem_region *region,
			size_t len)
{
	uint64_t align = b->info.mem_region_alignment;
	struct blkio_mem_region r = { .fd = -1 };
	int ret;

	if (b->state == STATE_CREATED)
		return blkio_err(-ENODEV, "Device must be connected");
	if (align && len % align)
		return blkio_err(-EINVAL,
				 "len %zu violates mem-region-alignment %" PRIu64,
				 len, align);

	r.len = len;
	r.fd = memfd_create("blkio-buf", MFD_CLOEXEC);
	if (r.fd < 0)
		return blkio_err_os(-errno, "memfd_create failed");
	if (ftruncate(r.fd, len) < 0) {
		ret = blkio_err_os(-errno, "ftruncate of the region's memfd failed");
		goto out_close;
	}
	r.addr = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, r.fd, 0);
	if (r.addr == MAP_FAILED) {
		ret = blkio_err_os(-errno, "mmap of the region failed");
		goto out_close;
	}
	if (align && (uintptr_t)r.addr % align) {
		ret = blkio_err(-EOVERFLOW,
				"mapping is not aligned to mem-region-alignment %" PRIu64,
				align);
		goto out_unmap;
	}
	if (!append(b, &r)) {
		ret = blkio_err(-ENOMEM, "Out of memory");
		goto out_unmap;
	}
	b->regions[b->nr_regions - 1].allocated = true;
	*region = r;
	return 0;

out_unmap:
	munmap(r.addr, len);
out_close:
	close(r.fd);
	return ret;
}

BLKIO_EXPORT int blkio_alloc_mem_region(struct blkio *b,
					struct blkio_mem_region *region,
					size_t len)
{
	int ret;

	if (!b || !region)
		return blkio_err(-EINVAL, "b and region must be non-NULL");
	pthread_mutex_lock(&b->lock);
	ret = alloc_locked(b, region, len);
	pthread_mutex_unlock(&b->lock);
	return ret;
}

/*
 * libblkio aborts on a mapped or unknown region; freeing a mapped region
 * unmaps it first, and an unknown region is ignored.
 */
BLKIO_EXPORT void blkio_free_mem_region(struct blkio *b,
					const struct blkio_mem_region *region)
{
	struct region *reg;

	if (!b || !region)
		return;
	pthread_mutex_lock(&b->lock);
	reg = find(b, region, true, false);
	if (reg) {
		/* The device must not keep memory that is given back. */
		if (reg->mapped)
			driver_unmap(b, &reg->r);
		release_memory(&reg->r);
		drop(b, reg);
	}
	pthread_mutex_unlock(&b->lock);
}

static int map_locked(struct blkio *b, const struct blkio_mem_region *region)
{
	uint64_t align = b->info.mem_region_alignment;
	struct region *reg;

	if (b->state == STATE_CREATED)
		return blkio_err(-ENODEV, "Device must be connected");
	if (b->state != STATE_STARTED)
		return blkio_err(-EBUSY, "Device must be started");
	if (align && (uintptr_t)region->addr % align)
		return blkio_err(-EINVAL,
				 "addr %p violates mem-region-alignment %" PRIu64,
				 region->addr, align);
	if (align && region->len % align)
		return blkio_err(-EINVAL,
				 "len 0x%zx violates mem-region-alignment %" PRIu64,
				 region->len, align);
	/*
	 * iova and flags are not checked: libblkio's io_uring driver ignores
	 * them when mapping, and programs that leave them uninitialised work
	 * there.  They still count for the region's identity (same_region).
	 */

	if (find(b, region, false, true))
		return blkio_err(-EINVAL, "memory region already mapped");
	reg = find(b, region, true, false);
	if (!reg) {
		reg = append(b, region);
		if (!reg)
			return blkio_err(-ENOMEM, "Out of memory");
	}
	if (b->drv->map_mem_region) {
		int ret = b->drv->map_mem_region(b, region);

		if (ret < 0) {
			if (!reg->allocated)
				drop(b, reg);
			return ret;
		}
	}
	reg->mapped = true;
	return 0;
}


BLKIO_EXPORT int blkio_map_mem_region(struct blkio *b,
				      const struct blkio_mem_region *region)
{
	int ret;

	if (!b || !region)
		return blkio_err(-EINVAL, "b and region must be non-NULL");
	pthread_mutex_lock(&b->lock);
	ret = map_locked(b, region);
	pthread_mutex_unlock(&b->lock);
	return ret;
}

BLKIO_EXPORT void blkio_unmap_mem_region(struct blkio *b,
					 const struct blkio_mem_region *region)
{
	struct region *reg;

	if (!b || !region)
		return;
	pthread_mutex_lock(&b->lock);
	reg = find(b, region, false, true);
	if (reg) {
		driver_unmap(b, &reg->r);
		reg->mapped = false;
		if (!reg->allocated)
			drop(b, reg);
	}
	pthread_mutex_unlock(&b->lock);
}

void regions_free_all(struct blkio *b)
{
	int i;

	for (i = 0; i < b->nr_regions; i++)
		if (b->regions[i].allocated)
			release_memory(&b->regions[i].r);
	free(b->regions);
	b->regions = NULL;
	b->nr_regions = b->cap_regions = 0;
}
