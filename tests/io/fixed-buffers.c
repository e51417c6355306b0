/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * register-mem-regions: mapped memory regions become registered buffers
 * of every ring, and reads and writes inside one use them.
 *
 * Whether a request used the registered buffer is seen from user space
 * alone: the kernel pinned the region's pages when it was mapped, so a
 * registered read lands in those pages even after the application put
 * other memory at the same address.  The tests map a region allocated by
 * blkio_alloc_mem_region() (a memfd), keep a second view of the memfd
 * (the alias), then cover the region's address with fresh anonymous
 * memory: a registered read shows up in the alias and not at the address,
 * an unregistered one the other way round (and likewise for writes).
 * That is a contract violation on purpose: it is what makes the choice
 * visible.
 *
 *  - default: without the property requests are unregistered and
 *    may-pin-mem-regions is false;
 *  - read, write: READ_FIXED and WRITE_FIXED with the property, and
 *    may-pin-mem-regions is true;
 *  - readv: a vector inside one region is READV_FIXED where the kernel
 *    has it (Linux 6.15), a vector leaving the region is not;
 *  - added queue: a queue added after the mapping registers it too;
 *  - pinning: VmPin grows by the region while it is mapped, and shrinks
 *    back when it is unmapped;
 *  - queued, then unmapped: a request prepared with a slot that is
 *    emptied before the kernel sees it still completes, unregistered.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "iotest.h"
#include "test-driver.h"

#define BLK 4096
#define NR_BLOCKS 64
#define SIZE ((uint64_t)NR_BLOCKS * BLK)
#define REGION (16 * BLK)
#define SEED 5

static char *file;

struct fx {
	struct blkio *b;
	struct blkioq *q;
	struct blkio_mem_region r;
	uint8_t *alias;		/* second view of the region's memfd */
};

static struct blkio *open_file(bool registered, bool read_only)
{
	struct blkio *b;
	int ret;

	ck_assert_int_eq(blkio_create(test_driver_name(), &b), 0);
	ck_assert_int_eq(blkio_set_str(b, "path", file), 0);
	ck_assert_int_eq(blkio_set_bool(b, "read-only", read_only), 0);
	ret = blkio_set_bool(b, "register-mem-regions", registered);
	ck_assert_msg(ret == 0, "register-mem-regions: %s",
		      blkio_get_error_msg());
	ret = blkio_connect(b);
	ck_assert_msg(ret == 0, "connect: %s", blkio_get_error_msg());
	ret = blkio_start(b);
	ck_assert_msg(ret == 0, "start: %s", blkio_get_error_msg());
	return b;
}

static void map_region(struct fx *f)
{
	int ret;

	ck_assert_int_eq(blkio_alloc_mem_region(f->b, &f->r, REGION), 0);
	f->alias = mmap(NULL, REGION, PROT_READ | PROT_WRITE, MAP_SHARED,
			f->r.fd, 0);
	ck_assert_ptr_ne(f->alias, MAP_FAILED);
	ret = blkio_map_mem_region(f->b, &f->r);
	ck_assert_msg(ret == 0, "map: %s", blkio_get_error_msg());
}

static void setup_fx(struct fx *f, bool registered, bool read_only)
{
	f->b = open_file(registered, read_only);
	f->q = blkio_get_queue(f->b, 0);
	map_region(f);
}

/* New memory at the region's address; the alias keeps the old pages. */
static void cover(struct fx *f)
{
	void *p = mmap(f->r.addr, REGION, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);

	ck_assert_ptr_eq(p, f->r.addr);
}

static void teardown_fx(struct fx *f)
{
	blkio_unmap_mem_region(f->b, &f->r);
	blkio_free_mem_region(f->b, &f->r);
	munmap(f->alias, REGION);
	blkio_destroy(&f->b);
}

static bool may_pin(struct blkio *b)
{
	bool v = false;

	ck_assert_int_eq(blkio_get_bool(b, "may-pin-mem-regions", &v), 0);
	return v;
}

static void run1(struct blkioq *q)
{
	struct blkio_completion c;

	iot_wait1(q, &c);
	iot_assert_ok(&c, NULL);
}

/*
 * Reads block 3 into the covered region's first block; returns true when
 * the data went to the registered pages (the alias), false when it went
 * to the memory now at the address.  Anything else fails.
 */
static bool read_registered(struct fx *f, struct blkioq *q)
{
	uint8_t *at = f->r.addr;
	bool in_alias, at_addr;

	blkioq_read(q, 3 * BLK, at, BLK, NULL, 0);
	run1(q);
	in_alias = test_check(f->alias, BLK, 3 * BLK, SEED) == BLK;
	at_addr = test_check(at, BLK, 3 * BLK, SEED) == BLK;
	ck_assert_msg(in_alias != at_addr, "the read landed %s",
		      in_alias ? "in both views" : "nowhere");
	return in_alias;
}

START_TEST(test_default_unregistered)
{
	struct fx f;

	setup_fx(&f, false, true);
	ck_assert_msg(!may_pin(f.b), "may-pin-mem-regions is true without "
		      "register-mem-regions");
	cover(&f);
	ck_assert_msg(!read_registered(&f, f.q), "a registered read without "
		      "register-mem-regions");
	teardown_fx(&f);
}
END_TEST

START_TEST(test_read_registered)
{
	struct fx f;

	setup_fx(&f, true, true);
	ck_assert_msg(may_pin(f.b), "may-pin-mem-regions is false although "
		      "mapped regions are pinned");
	cover(&f);
	ck_assert_msg(read_registered(&f, f.q), "READ into a registered "
		      "region did not use the registered buffer");
	teardown_fx(&f);
}
END_TEST

START_TEST(test_write_registered)
{
	struct fx f;
	uint8_t *back = iot_alloc(BLK);

	setup_fx(&f, true, false);
	test_fill(f.alias, BLK, 7 * BLK, SEED + 1);	/* what WRITE_FIXED sends */
	cover(&f);
	memset(f.r.addr, 0xab, BLK);			/* what WRITE would send */
	blkioq_write(f.q, 7 * BLK, f.r.addr, BLK, NULL, 0);
	run1(f.q);
	iot_pread(file, back, BLK, 7 * BLK);
	ck_assert_msg(test_check(back, BLK, 7 * BLK, SEED + 1) == BLK,
		      "WRITE from a registered region did not use the "
		      "registered buffer");
	/* Put the block back for the other cases. */
	test_fill(back, BLK, 7 * BLK, SEED);
	iot_pwrite(file, back, BLK, 7 * BLK);
	free(back);
	teardown_fx(&f);
}
END_TEST

/*
 * A buffer in no region, with the property on: plain READ and WRITE,
 * the data right; and a read in the region right after is registered
 * again (the queue's cached region is looked up afresh, not stale).
 */
START_TEST(test_outside_then_inside)
{
	uint8_t *outside = iot_alloc(BLK);
	uint8_t *back = iot_alloc(BLK);
	struct fx f;

	setup_fx(&f, true, false);
	cover(&f);
	ck_assert_msg(read_registered(&f, f.q), "READ into a registered "
		      "region did not use the registered buffer");
	blkioq_read(f.q, 11 * BLK, outside, BLK, NULL, 0);
	run1(f.q);
	ck_assert_uint_eq(test_check(outside, BLK, 11 * BLK, SEED), BLK);
	test_fill(outside, BLK, 12 * BLK, SEED + 2);
	blkioq_write(f.q, 12 * BLK, outside, BLK, NULL, 0);
	run1(f.q);
	iot_pread(file, back, BLK, 12 * BLK);
	ck_assert_uint_eq(test_check(back, BLK, 12 * BLK, SEED + 2), BLK);
	memset(f.alias, 0, BLK);
	ck_assert_msg(read_registered(&f, f.q), "a READ into the region "
		      "after one outside it was not registered");
	/* Put the block back for the other cases. */
	test_fill(back, BLK, 12 * BLK, SEED);
	iot_pwrite(file, back, BLK, 12 * BLK);
	free(outside);
	free(back);
	teardown_fx(&f);
}
END_TEST

/* Linux 6.15 has READV_FIXED and WRITEV_FIXED. */
static bool kernel_has_vectored_fixed(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	if (uname(&u) < 0 || sscanf(u.release, "%d.%d", &major, &minor) != 2)
		return false;
	return major > 6 || (major == 6 && minor >= 15);
}

START_TEST(test_readv_registered)
{
	uint8_t *outside = iot_alloc(BLK);
	struct blkio_completion c;
	struct iovec iov[2];
	struct fx f;
	uint8_t *at;
	bool in_alias;

	setup_fx(&f, true, true);
	cover(&f);
	at = f.r.addr;
	/* Two pieces of the region, out of order: blocks 5 and 6. */
	iov[0] = (struct iovec){ at + 4 * BLK, BLK };
	iov[1] = (struct iovec){ at + 2 * BLK, BLK };
	blkioq_readv(f.q, 5 * BLK, iov, 2, NULL, 0);
	iot_wait1(f.q, &c);
	iot_assert_ok(&c, NULL);
	in_alias = test_check(f.alias + 4 * BLK, BLK, 5 * BLK, SEED) == BLK &&
		   test_check(f.alias + 2 * BLK, BLK, 6 * BLK, SEED) == BLK;
	if (kernel_has_vectored_fixed())
		ck_assert_msg(in_alias, "READV inside a registered region did "
			      "not use the registered buffer (Linux >= 6.15)");
	else
		ck_assert_msg(!in_alias, "READV_FIXED on a kernel without it");

	/* One piece outside: the vector goes unregistered, all of it. */
	iov[1] = (struct iovec){ outside, BLK };
	blkioq_readv(f.q, 9 * BLK, iov, 2, NULL, 0);
	iot_wait1(f.q, &c);
	iot_assert_ok(&c, NULL);
	ck_assert_uint_eq(test_check(at + 4 * BLK, BLK, 9 * BLK, SEED), BLK);
	ck_assert_uint_eq(test_check(outside, BLK, 10 * BLK, SEED), BLK);
	free(outside);
	teardown_fx(&f);
}
END_TEST

START_TEST(test_added_queue)
{
	struct blkioq *q2;
	struct fx f;
	int idx;

	setup_fx(&f, true, true);
	idx = blkio_add_queue(f.b);
	ck_assert_msg(idx > 0, "add_queue: %s", blkio_get_error_msg());
	q2 = blkio_get_queue(f.b, idx);
	cover(&f);
	ck_assert_msg(read_registered(&f, q2), "a queue added after the "
		      "mapping does not use the registered buffer");
	teardown_fx(&f);
}
END_TEST

/* VmPin of this process in KiB (the kernel counts registered buffers). */
static long vm_pin_kib(void)
{
	char line[128];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmPin: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

START_TEST(test_pinning)
{
	long before, mapped, after;
	struct fx f;

	f.b = open_file(true, true);
	f.q = blkio_get_queue(f.b, 0);
	before = vm_pin_kib();
	if (before < 0) {
		iot_note_skip("pinning", "no VmPin in /proc/self/status");
		blkio_destroy(&f.b);
		return;
	}
	map_region(&f);
	mapped = vm_pin_kib();
	blkio_unmap_mem_region(f.b, &f.r);
	after = vm_pin_kib();
	printf("VmPin: %ld kB, %ld kB mapped, %ld kB unmapped\n", before,
	       mapped, after);
	ck_assert_msg(mapped - before >= REGION / 1024, "mapping pinned "
		      "%ld kB, not the region's %d", mapped - before,
		      REGION / 1024);
	ck_assert_msg(after == before, "unmapping left %ld kB pinned",
		      after - before);
	blkio_free_mem_region(f.b, &f.r);
	munmap(f.alias, REGION);
	blkio_destroy(&f.b);
}
END_TEST

START_TEST(test_unmapped_before_submission)
{
	struct blkio_completion c;
	struct fx f;

	setup_fx(&f, true, true);
	/* Prepared with the region's slot, not yet seen by the kernel... */
	blkioq_read(f.q, 11 * BLK, f.r.addr, BLK, NULL, 0);
	/* ...whose slot is emptied before it is. */
	blkio_unmap_mem_region(f.b, &f.r);
	iot_wait1(f.q, &c);
	ck_assert_msg(c.ret == 0, "a read queued before its region was "
		      "unmapped failed: %d", c.ret);
	ck_assert_uint_eq(test_check(f.r.addr, BLK, 11 * BLK, SEED), BLK);
	teardown_fx(&f);
}
END_TEST

static void setup_file(void)
{
	file = iot_make_file("fixed", SIZE, SEED);
}

static void teardown_file(void)
{
	iot_remove_file(&file);
}

static Suite *fixed_suite(void)
{
	Suite *s = suite_create("fixed-buffers");
	TCase *tc = tcase_create("regions");

	tcase_add_checked_fixture(tc, setup_file, teardown_file);
	tcase_add_test(tc, test_default_unregistered);
	tcase_add_test(tc, test_read_registered);
	tcase_add_test(tc, test_write_registered);
	tcase_add_test(tc, test_readv_registered);
	tcase_add_test(tc, test_outside_then_inside);
	tcase_add_test(tc, test_added_queue);
	tcase_add_test(tc, test_pinning);
	tcase_add_test(tc, test_unmapped_before_submission);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{

	iot_require_property("register-mem-regions", "true");
	return iot_run(fixed_suite());
}
