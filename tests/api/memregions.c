/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Memory regions (contract §4, §5.4): allocation in each state, the fields
 * of an allocated region, alignment rules, mapping rules, and who closes
 * the region's fd.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "util.h"

static uint64_t region_alignment(struct blkio *b)
{
	uint64_t align = 0;

	ck_assert_ok(blkio_get_uint64(b, "mem-region-alignment", &align));
	ck_assert_uint_gt(align, 0);
	return align;
}

START_TEST(alloc_in_created)
{
	struct blkio *b = api_create();
	struct blkio_mem_region r;

	ck_assert_err(blkio_alloc_mem_region(b, &r, 4096), -ENODEV,
		      "Device must be connected");
	blkio_destroy(&b);
}
END_TEST

/* The fields of a fresh region, and that its memory is the fd's. */
static void check_region(const struct blkio_mem_region *r, size_t len)
{
	char byte = 0;

	ck_assert_ptr_nonnull(r->addr);
	ck_assert_uint_eq(r->len, len);
	ck_assert_uint_eq(r->iova, 0);
	ck_assert_int_eq(r->fd_offset, 0);
	ck_assert_uint_eq(r->flags, 0);
	ck_assert_int_ge(r->fd, 0);
	memset(r->addr, 0xa5, len);
	ck_assert_int_eq(pread(r->fd, &byte, 1, (off_t)len - 1), 1);
	ck_assert_int_eq((unsigned char)byte, 0xa5);
}

START_TEST(alloc_connected)
{
	struct blkio *b = api_connect(_i);
	struct blkio_mem_region r;

	ck_assert_int_eq(blkio_alloc_mem_region(b, &r, 8192), 0);
	check_region(&r, 8192);
	blkio_free_mem_region(b, &r);
	blkio_destroy(&b);
}
END_TEST

START_TEST(alloc_started)
{
	struct blkio *b = api_start(_i, 1);
	struct blkio_mem_region r;
	uint64_t align = region_alignment(b);

	ck_assert_int_eq(blkio_alloc_mem_region(b, &r, align * 3), 0);
	check_region(&r, align * 3);
	ck_assert_uint_eq((uintptr_t)r.addr % align, 0);
	blkio_free_mem_region(b, &r);
	blkio_destroy(&b);
}
END_TEST

/* The documented close-on-exec; libblkio 1.5 omits MFD_CLOEXEC. */
START_TEST(alloc_fd_cloexec)
{
	struct blkio *b;
	struct blkio_mem_region r;

	API_SKIP_IF_REFERENCE("libblkio 1.5 memfds lack FD_CLOEXEC");
	b = api_connect(false);
	ck_assert_int_eq(blkio_alloc_mem_region(b, &r, 4096), 0);
	ck_assert_int_eq(api_fd_cloexec(r.fd), 1);
	blkio_free_mem_region(b, &r);
	blkio_destroy(&b);
}
END_TEST

START_TEST(alloc_misaligned_len)
{
	struct blkio *b = api_connect(true);
	uint64_t align = region_alignment(b);
	struct blkio_mem_region r;
	char msg[128];

	ck_assert_uint_ge(align, 512);
	snprintf(msg, sizeof(msg), "len %llu violates mem-region-alignment %llu",
		 (unsigned long long)align + 1, (unsigned long long)align);
	ck_assert_err(blkio_alloc_mem_region(b, &r, align + 1), -EINVAL, msg);
	snprintf(msg, sizeof(msg), "len 100 violates mem-region-alignment %llu",
		 (unsigned long long)align);
	ck_assert_err(blkio_alloc_mem_region(b, &r, 100), -EINVAL, msg);
	ck_assert_int_eq(blkio_alloc_mem_region(b, &r, align * 2), 0);
	blkio_free_mem_region(b, &r);
	blkio_destroy(&b);
}
END_TEST

/* A region the caller made itself, without an fd, aligned to @align. */
static struct blkio_mem_region own_region(uint64_t align, size_t len)
{
	struct blkio_mem_region r = { .fd = -1 };

	r.addr = aligned_alloc(align < 4096 ? 4096 : align, len);
	ck_assert_ptr_nonnull(r.addr);
	r.len = len;
	return r;
}

START_TEST(map_before_start)
{
	struct blkio *b = api_create();
	struct blkio_mem_region r = own_region(4096, 4096), a;

	ck_assert_err(blkio_map_mem_region(b, &r), -ENODEV,
		      "Device must be connected");
	/* Unmapping what is not mapped is a no-op in every state. */
	blkio_unmap_mem_region(b, &r);
	blkio_destroy(&b);

	b = api_connect(true);
	ck_assert_err(blkio_map_mem_region(b, &r), -EBUSY,
		      "Device must be started");
	ck_assert_int_eq(blkio_alloc_mem_region(b, &a, 4096), 0);
	ck_assert_err(blkio_map_mem_region(b, &a), -EBUSY,
		      "Device must be started");
	blkio_unmap_mem_region(b, &r);
	blkio_unmap_mem_region(b, &a);
	blkio_free_mem_region(b, &a);
	blkio_destroy(&b);
	free(r.addr);
}
END_TEST

START_TEST(map_alignment)
{
	struct blkio *b = api_start(true, 1);
	uint64_t align = region_alignment(b);
	struct blkio_mem_region r;
	struct blkio_mem_region bad;
	char msg[128];

	ck_assert_int_eq(blkio_alloc_mem_region(b, &r, align * 4), 0);

	bad = r;
	bad.addr = (char *)r.addr + 1;
	snprintf(msg, sizeof(msg), "addr %p violates mem-region-alignment %llu",
		 bad.addr, (unsigned long long)align);
	ck_assert_err(blkio_map_mem_region(b, &bad), -EINVAL, msg);

	bad = r;
	bad.len = align + 1;
	snprintf(msg, sizeof(msg), "len %#llx violates mem-region-alignment %llu",
		 (unsigned long long)bad.len, (unsigned long long)align);
	ck_assert_err(blkio_map_mem_region(b, &bad), -EINVAL, msg);

	/* Both wrong: addr is named first. */
	bad.addr = (char *)r.addr + align / 2;
	snprintf(msg, sizeof(msg), "addr %p violates mem-region-alignment %llu",
		 bad.addr, (unsigned long long)align);
	ck_assert_err(blkio_map_mem_region(b, &bad), -EINVAL, msg);

	ck_assert_int_eq(blkio_map_mem_region(b, &r), 0);
	blkio_unmap_mem_region(b, &r);
	blkio_free_mem_region(b, &r);
	blkio_destroy(&b);
}
END_TEST

START_TEST(map_duplicate)
{
	struct blkio *b = api_start(true, 1);
	struct blkio_mem_region r;

	ck_assert_int_eq(blkio_alloc_mem_region(b, &r, 8192), 0);
	ck_assert_int_eq(blkio_map_mem_region(b, &r), 0);
	ck_assert_err(blkio_map_mem_region(b, &r), -EINVAL,
		      "memory region already mapped");
	blkio_unmap_mem_region(b, &r);
	/* Unmapped, it can be mapped again. */
	ck_assert_int_eq(blkio_map_mem_region(b, &r), 0);
	blkio_unmap_mem_region(b, &r);
	blkio_free_mem_region(b, &r);
	blkio_destroy(&b);
}
END_TEST

/* fio maps its own buffers with fd -1 (needs-mem-region-fd is false). */
START_TEST(map_without_fd)
{
	struct blkio *b = api_start(_i, 1);
	uint64_t align = region_alignment(b);
	struct blkio_mem_region r = own_region(align, 16384);
	struct blkio_completion c;
	struct blkioq *q = blkio_get_queue(b, 0);

	ck_assert_int_eq(blkio_map_mem_region(b, &r), 0);
	/* I/O into the mapped buffer works. */
	blkioq_read(q, 0, r.addr, 4096, &r, 0);
	ck_assert_int_eq(blkioq_do_io(q, &c, 1, 1, NULL), 1);
	ck_assert_int_eq(c.ret, 0);
	ck_assert_ptr_eq(c.user_data, &r);
	blkio_unmap_mem_region(b, &r);
	blkio_unmap_mem_region(b, &r);
	blkio_destroy(&b);
	free(r.addr);
}
END_TEST

/*
 * libblkio maps a region whose iova and flags are not 0 (a program that
 * leaves them uninitialised works there), but they still belong to the
 * region's identity: unmap must be given the values that were mapped.
 */
START_TEST(map_ignores_iova_and_flags)
{
	struct blkio *b = api_start(false, 1);
	uint64_t align = region_alignment(b);
	struct blkio_mem_region r = own_region(align, 8192), z;
	struct blkio_completion c;
	struct blkioq *q = blkio_get_queue(b, 0);

	r.iova = 0x5a5a5a5a5a5a5000ull;
	r.flags = 0xffffffffu;
	ck_assert_int_eq(blkio_map_mem_region(b, &r), 0);
	ck_assert_err(blkio_map_mem_region(b, &r), -EINVAL,
		      "memory region already mapped");
	blkioq_read(q, 0, r.addr, 4096, &r, 0);
	ck_assert_int_eq(blkioq_do_io(q, &c, 1, 1, NULL), 1);
	ck_assert_int_eq(c.ret, 0);

	/* The same memory with iova and flags 0 is another region. */
	z = r;
	z.iova = 0;
	z.flags = 0;
	ck_assert_int_eq(blkio_map_mem_region(b, &z), 0);
	blkio_unmap_mem_region(b, &z);
	ck_assert_err(blkio_map_mem_region(b, &r), -EINVAL,
		      "memory region already mapped");
	blkio_unmap_mem_region(b, &r);
	ck_assert_int_eq(blkio_map_mem_region(b, &r), 0);
	blkio_unmap_mem_region(b, &r);
	blkio_destroy(&b);
	free(r.addr);
}
END_TEST

START_TEST(unmap_twice)
{
	struct blkio *b = api_start(false, 1);
	struct blkio_mem_region r;

	ck_assert_int_eq(blkio_alloc_mem_region(b, &r, 4096), 0);
	blkio_unmap_mem_region(b, &r);		/* never mapped */
	ck_assert_int_eq(blkio_map_mem_region(b, &r), 0);
	blkio_unmap_mem_region(b, &r);
	blkio_unmap_mem_region(b, &r);
	blkio_free_mem_region(b, &r);
	blkio_destroy(&b);
}
END_TEST

START_TEST(free_closes_fd)
{
	struct blkio *b = api_connect(false);
	struct blkio_mem_region r;

	ck_assert_int_eq(blkio_alloc_mem_region(b, &r, 4096), 0);
	ck_assert(api_fd_is_open(r.fd));
	blkio_free_mem_region(b, &r);
	ck_assert(!api_fd_is_open(r.fd));
	blkio_destroy(&b);
}
END_TEST

/* Regions are not shared: each allocation has its own memory and fd. */
START_TEST(regions_distinct)
{
	struct blkio *b = api_start(false, 1);
	struct blkio_mem_region r1, r2;

	ck_assert_int_eq(blkio_alloc_mem_region(b, &r1, 4096), 0);
	ck_assert_int_eq(blkio_alloc_mem_region(b, &r2, 4096), 0);
	ck_assert_ptr_ne(r1.addr, r2.addr);
	ck_assert_int_ne(r1.fd, r2.fd);
	ck_assert_int_eq(blkio_map_mem_region(b, &r1), 0);
	ck_assert_int_eq(blkio_map_mem_region(b, &r2), 0);
	blkio_unmap_mem_region(b, &r1);
	blkio_free_mem_region(b, &r1);
	ck_assert(api_fd_is_open(r2.fd));
	blkio_unmap_mem_region(b, &r2);
	blkio_free_mem_region(b, &r2);
	blkio_destroy(&b);
}
END_TEST

/* Destroy unmaps and frees what the application left behind. */
START_TEST(destroy_frees_regions)
{
	struct blkio *b = _i ? api_start(true, 1) : api_connect(true);
	struct blkio_mem_region r1, r2;

	ck_assert_int_eq(blkio_alloc_mem_region(b, &r1, 4096), 0);
	ck_assert_int_eq(blkio_alloc_mem_region(b, &r2, 8192), 0);
	if (_i)
		ck_assert_int_eq(blkio_map_mem_region(b, &r1), 0);
	blkio_destroy(&b);
	ck_assert(!api_fd_is_open(r1.fd));
	ck_assert(!api_fd_is_open(r2.fd));
}
END_TEST

START_TEST(free_mapped_region)
{
	struct blkio *b;
	struct blkio_mem_region r;

	API_SKIP_IF_REFERENCE("libblkio 1.5 aborts freeing a mapped region");
	b = api_start(false, 1);
	ck_assert_int_eq(blkio_alloc_mem_region(b, &r, 4096), 0);
	ck_assert_int_eq(blkio_map_mem_region(b, &r), 0);
	blkio_free_mem_region(b, &r);
	ck_assert(!api_fd_is_open(r.fd));
	/* The instance is still fine. */
	ck_assert_int_eq(blkio_alloc_mem_region(b, &r, 4096), 0);
	ck_assert_int_eq(blkio_map_mem_region(b, &r), 0);
	blkio_destroy(&b);
}
END_TEST

START_TEST(free_unknown_region)
{
	struct blkio *b;
	struct blkio_mem_region own = { .fd = -1 }, r;
	int fd;

	API_SKIP_IF_REFERENCE("libblkio 1.5 aborts freeing an unknown region");
	b = api_connect(false);
	own = own_region(4096, 4096);
	blkio_free_mem_region(b, &own);
	/* Unknown: neither our memory nor our fd is touched. */
	memset(own.addr, 0, 4096);
	free(own.addr);
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(blkio_alloc_mem_region(b, &r, 4096), 0);
	own = r;
	own.fd = fd;
	blkio_free_mem_region(b, &own);
	ck_assert(api_fd_is_open(fd));
	close(fd);
	blkio_free_mem_region(b, &r);
	/* Freed twice: now unknown. */
	blkio_free_mem_region(b, &r);
	blkio_destroy(&b);
}
END_TEST

/*
 * A mapped region the application never allocated can hold the same six
 * fields as a later allocation: map part of an allocated region, free the
 * allocation, and the next one reuses its fd number and address.  Freeing
 * the new allocation must still free it (and not take the stale mapping
 * for it), and unmapping must act on the mapping.
 */
static bool same_fields(const struct blkio_mem_region *x,
			const struct blkio_mem_region *y)
{
	return x->addr == y->addr && x->len == y->len && x->fd == y->fd &&
	       x->fd_offset == y->fd_offset && x->iova == y->iova &&
	       x->flags == y->flags;
}

START_TEST(stale_mapping_equal_to_new_region)
{
	struct blkio *b;
	struct blkio_mem_region a, low, high, n;
	uint64_t align;

	API_SKIP_IF_REFERENCE("libblkio 1.5 aborts freeing a mapped region");
	b = api_start(false, 1);
	align = region_alignment(b);
	ck_assert_int_eq(blkio_alloc_mem_region(b, &a, align * 2), 0);
	low = a;
	low.len = align;
	high = low;
	high.addr = (char *)a.addr + align;
	ck_assert_int_eq(blkio_map_mem_region(b, &low), 0);
	ck_assert_int_eq(blkio_map_mem_region(b, &high), 0);
	blkio_free_mem_region(b, &a);
	ck_assert(!api_fd_is_open(a.fd));

	/* Lowest free fd and the hole just unmapped: one half is reused. */
	ck_assert_int_eq(blkio_alloc_mem_region(b, &n, align), 0);
	ck_assert_msg(same_fields(&n, &low) || same_fields(&n, &high),
		      "could not arrange the collision: new region %p fd %d, old %p fd %d",
		      n.addr, n.fd, a.addr, a.fd);
	ck_assert_err(blkio_map_mem_region(b, &n), -EINVAL, "memory region already mapped");
	blkio_free_mem_region(b, &n);
	ck_assert(!api_fd_is_open(n.fd));

	/* The stale mappings are still there, and unmap takes them away. */
	ck_assert_err(blkio_map_mem_region(b, &low), -EINVAL, "memory region already mapped");
	blkio_unmap_mem_region(b, &low);
	blkio_unmap_mem_region(b, &high);
	ck_assert_int_eq(blkio_map_mem_region(b, &low), 0);
	blkio_destroy(&b);
}
END_TEST

static Suite *memregions_suite(void)
{
	Suite *s = suite_create("memregions");
	TCase *tc;

	tc = tcase_create("alloc");
	tcase_add_test(tc, alloc_in_created);
	tcase_add_loop_test(tc, alloc_connected, 0, 2);
	tcase_add_loop_test(tc, alloc_started, 0, 2);
	tcase_add_test(tc, alloc_fd_cloexec);
	tcase_add_test(tc, alloc_misaligned_len);
	tcase_add_test(tc, free_closes_fd);
	tcase_add_test(tc, regions_distinct);
	tcase_add_loop_test(tc, destroy_frees_regions, 0, 2);
	tcase_add_test(tc, free_mapped_region);
	tcase_add_test(tc, free_unknown_region);
	suite_add_tcase(s, tc);

	tc = tcase_create("map");
	tcase_add_test(tc, map_before_start);
	tcase_add_test(tc, map_alignment);
	tcase_add_test(tc, map_duplicate);
	tcase_add_loop_test(tc, map_without_fd, 0, 2);
	tcase_add_test(tc, map_ignores_iova_and_flags);
	tcase_add_test(tc, unmap_twice);
	tcase_add_test(tc, stale_mapping_equal_to_new_region);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	api_init();
	api_require_io_uring();
	return api_run(memregions_suite());
}
