/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * fuzz-props: memory regions.  Slots hold regions the library allocated,
 * copies of them with fields changed, our own heap memory and made-up
 * addresses; they are mapped, unmapped and freed in any order and state.
 * Contract §5.4: alloc needs a connection and an aligned length, map needs
 * the started state, aligned fields and no identical mapped region.  Our
 * library tolerates freeing mapped or unknown regions (design §4); against
 * libblkio, which aborts there, only unmapped allocated regions are freed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "props-fuzz.h"
#include "test-driver.h"

static int free_slot(struct pz_inst *in)
{
	int i;

	for (i = 0; i < PZ_MAX_REGIONS; i++) {
		struct pz_region *s = &in->regions[i];

		if (!s->allocated && !s->mapped && !s->heap && !s->r.len)
			return i;
	}
	return -1;
}

static void clear_slot(struct pz_region *s)
{
	free(s->heap);
	memset(s, 0, sizeof(*s));
}

static uint64_t align_of(const struct pz_inst *in)
{
	return in->mem_align ? in->mem_align : 4096;
}

static void alloc_region(struct pz_inst *in, struct fz_in *fz)
{
	uint64_t a = align_of(in);
	int j = free_slot(in);
	uint8_t sel = fz_u8(fz);
	size_t len;
	struct pz_region *s;
	int ret, want = 0;
	bool any = false;

	if (j < 0)
		return;
	s = &in->regions[j];
	switch (sel % 6) {
	case 0:
		len = 0;
		any = true;
		break;
	case 1:
		len = (size_t)a + 1 + sel / 8;
		want = len % a ? -EINVAL : 0;
		break;
	case 2:	/* does not fit anywhere */
		len = (size_t)-a;
		any = true;
		break;
	default:
		len = (size_t)a * (1 + sel % 4);
		break;
	}
	if (in->state == PM_CREATED) {
		want = -ENODEV;
		any = false;
	}
	memset(&s->r, 0xa5, sizeof(s->r));
	ret = blkio_alloc_mem_region(in->b, &s->r, len);
	fz_trace("blkio_alloc_mem_region(slot %d, len %zu) = %d", j, len, ret);
	pz_stats.calls++;
	FZ_CHECK_ERR("blkio_alloc_mem_region", ret);
	if (in->strict)
		FZ_CHECK(any || ret == want,
			 "blkio_alloc_mem_region(len %zu) in state %d returned %d, expected %d",
			 len, in->state, ret, want);
	if (ret < 0) {
		memset(&s->r, 0, sizeof(s->r));
		return;
	}
	FZ_CHECK(s->r.addr && s->r.len >= len && s->r.iova == 0 &&
		 s->r.fd_offset == 0 && s->r.flags == 0 && s->r.fd >= 0 &&
		 (uintptr_t)s->r.addr % a == 0,
		 "allocated region fields: addr %p len %zu iova %llu off %lld fd %d flags %u",
		 s->r.addr, s->r.len, (unsigned long long)s->r.iova,
		 (long long)s->r.fd_offset, s->r.fd, s->r.flags);
	memset(s->r.addr, 0x5c, s->r.len);	/* must be writable memory */
	s->allocated = true;
}

static bool same_region(const struct blkio_mem_region *x,
			const struct blkio_mem_region *y)
{
	return x->addr == y->addr && x->len == y->len && x->iova == y->iova &&
	       x->fd_offset == y->fd_offset && x->fd == y->fd &&
	       x->flags == y->flags;
}

/*
 * The library identifies a region by the value of its six fields, so a
 * derived region equal to one a slot already holds is that slot's region
 * (a length changed twice can come back to the original): the model must
 * track it there, or it takes the library's own region for a stranger.
 */
static int same_as_other_slot(struct pz_inst *in, int j)
{
	int i;

	for (i = 0; i < PZ_MAX_REGIONS; i++) {
		if (i == j || (!in->regions[i].r.len && !in->regions[i].allocated))
			continue;
		if (same_region(&in->regions[i].r, &in->regions[j].r)) {
			clear_slot(&in->regions[j]);
			return i;
		}
	}
	return j;
}

/* A region to map: an existing slot as is, or a new slot derived. */
static int make_candidate(struct pz_inst *in, struct fz_in *fz)
{
	uint8_t sel = fz_u8(fz);
	int src = fz_u8(fz) % PZ_MAX_REGIONS, j;
	uint64_t a = align_of(in);
	struct pz_region *s;

	if (sel % 5 == 0 || (sel % 5 == 1 && !in->regions[src].r.len))
		return src;
	j = free_slot(in);
	if (j < 0)
		return src;
	s = &in->regions[j];
	switch (sel % 5) {
	case 1:	/* a copy with one field changed */
		s->r = in->regions[src].r;
		switch ((sel >> 3) % 6) {
		case 0:
			s->r.addr = (char *)s->r.addr + a;
			break;
		case 1:
			s->r.len = s->r.len > a ? s->r.len - a : s->r.len + 1;
			break;
		case 2:
			s->r.iova = 4096;
			break;
		case 3:
			s->r.flags = 1u << (sel % 32);
			break;
		case 4:
			s->r.fd = -1;
			break;
		default:
			s->r.fd_offset = (int64_t)a;
			break;
		}
		break;
	case 2:	/* our own memory */
		s->heap = aligned_alloc((size_t)a, (size_t)a * 2);
		s->r = (struct blkio_mem_region){ .addr = s->heap,
						  .len = (size_t)a * 2, .fd = -1 };
		break;
	case 3:	/* misaligned piece of our own memory */
		s->heap = aligned_alloc((size_t)a, (size_t)a * 2);
		s->r = (struct blkio_mem_region){ .addr = (char *)s->heap + 1 + sel % 64,
						  .len = (size_t)a, .fd = -1 };
		break;
	default:	/* an address nobody mapped */
		s->r = (struct blkio_mem_region){ .addr = (void *)(uintptr_t)(a * (1 + sel)),
						  .len = (size_t)a, .fd = -1 };
		break;
	}
	return same_as_other_slot(in, j);
}

static bool overlap(const struct blkio_mem_region *x,
		    const struct blkio_mem_region *y)
{
	uintptr_t xa = (uintptr_t)x->addr, ya = (uintptr_t)y->addr;

	return xa < ya + y->len && ya < xa + x->len;
}

/* A driver whose regions must be disjoint refuses an overlapping one. */
static bool overlaps_mapped(const struct pz_inst *in, int j)
{
	int i;

	if (!test_driver()->mem_regions_disjoint)
		return false;
	for (i = 0; i < PZ_MAX_REGIONS; i++)
		if (i != j && in->regions[i].mapped &&
		    overlap(&in->regions[i].r, &in->regions[j].r))
			return true;
	return false;
}

static int expect_map(const struct pz_inst *in, int j, bool *any, int *alt)
{
	const struct pz_region *s = &in->regions[j];
	uint64_t a = align_of(in);
	bool misaligned = (uintptr_t)s->r.addr % a || s->r.len % a;
	int i;

	*any = false;
	*alt = 1;
	if (in->state == PM_CREATED)
		return -ENODEV;
	if (in->state == PM_CONNECTED) {
		if (misaligned)	/* which check comes first is open */
			*alt = -EINVAL;
		return -EBUSY;
	}
	if (misaligned)
		return -EINVAL;
	/* iova and flags are not checked (as libblkio), only compared. */
	*any = in->regions_loose;
	for (i = 0; i < PZ_MAX_REGIONS; i++)
		if (in->regions[i].mapped && same_region(&in->regions[i].r, &s->r))
			return -EINVAL;
	if (overlaps_mapped(in, j))
		return -EINVAL;
	if (!s->allocated)
		*any = true;	/* io_uring may register it, or not */
	return 0;
}

static void map_region(struct pz_inst *in, struct fz_in *fz)
{
	int j = make_candidate(in, fz), ret, want, alt;
	struct pz_region *s = &in->regions[j];
	bool any;

	if (!s->r.len && !s->allocated)
		return;
	want = expect_map(in, j, &any, &alt);
	ret = blkio_map_mem_region(in->b, &s->r);
	fz_trace("blkio_map_mem_region(slot %d: %p+%zu fd %d iova %llu flags %u) = %d",
		 j, s->r.addr, s->r.len, s->r.fd,
		 (unsigned long long)s->r.iova, s->r.flags, ret);
	pz_stats.calls++;
	FZ_CHECK_ERR("blkio_map_mem_region", ret);
	if (in->strict)
		FZ_CHECK((any && (ret == 0 || ret == want || want == 0)) ||
			 ret == want || ret == alt,
			 "blkio_map_mem_region(slot %d) in state %d returned %d (%s), expected %d",
			 j, in->state, ret, ret ? blkio_get_error_msg() : "", want);
	if (ret == 0)
		s->mapped = true;
	else if (!s->allocated && !s->mapped)
		clear_slot(s);
}

/*
 * The slot the library acts on when given slot j's region: an equal region
 * in the role the call needs (allocated for free, mapped for unmap), where
 * j itself is not in it.  Equal slots arise when memory is freed while a
 * copy of it is still mapped and the next allocation reuses address and fd.
 */
static int slot_in_role(const struct pz_inst *in, int j, bool allocated)
{
	const struct pz_region *s = &in->regions[j];
	int i;

	if (allocated ? s->allocated : s->mapped)
		return j;
	for (i = 0; i < PZ_MAX_REGIONS; i++) {
		const struct pz_region *o = &in->regions[i];

		if ((allocated ? o->allocated : o->mapped) &&
		    same_region(&o->r, &s->r))
			return i;
	}
	return j;
}

static void unmap_region(struct pz_inst *in, struct fz_in *fz)
{
	int j = slot_in_role(in, fz_u8(fz) % PZ_MAX_REGIONS, false);
	struct pz_region *s = &in->regions[j];

	if (!s->r.len && !s->allocated)
		return;
	fz_trace("blkio_unmap_mem_region(slot %d)", j);
	blkio_unmap_mem_region(in->b, &s->r);
	s->mapped = false;
	if (!s->allocated)
		clear_slot(s);
}

/* fd belongs to a region the library allocated and has not freed. */
static bool fd_in_use(const struct pz_inst *in, int fd)
{
	int i;

	for (i = 0; i < PZ_MAX_REGIONS; i++)
		if (in->regions[i].allocated && in->regions[i].r.fd == fd)
			return true;
	return false;
}

static void free_region(struct pz_inst *in, struct fz_in *fz)
{
	int j = slot_in_role(in, fz_u8(fz) % PZ_MAX_REGIONS, true);
	struct pz_region *s = &in->regions[j];
	int fd = s->r.fd;

	if (!s->r.len && !s->allocated)
		return;
	if (fz_reference() && (!s->allocated || s->mapped))
		return;		/* libblkio aborts (contract §14 #15) */
	fz_trace("blkio_free_mem_region(slot %d, allocated %d, mapped %d)", j,
		 s->allocated, s->mapped);
	blkio_free_mem_region(in->b, &s->r);
	if (s->allocated) {
		if (s->mapped)
			in->regions_loose = true;
		s->allocated = false;
		memset(&s->r, 0, sizeof(s->r));
		s->mapped = false;
		return;
	}
	/* Not a region of the library's: memory and fd must be untouched. */
	if (s->heap)
		memset(s->heap, 0x3c, (size_t)align_of(in) * 2);
	if (fd >= 0 && fd_in_use(in, fd))
		FZ_CHECK(fcntl(fd, F_GETFD) >= 0,
			 "freeing an unknown region closed fd %d of a live region",
			 fd);
	if (!s->mapped)
		clear_slot(s);
}

void pz_region_op(struct pz_inst *in, struct fz_in *fz)
{
	switch (fz_u8(fz) % 6) {
	case 0:
	case 1:
		alloc_region(in, fz);
		break;
	case 2:
	case 3:
		map_region(in, fz);
		break;
	case 4:
		unmap_region(in, fz);
		break;
	default:
		free_region(in, fz);
		break;
	}
}
