/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * register-mem-regions: a region unmapped (and freed) while the kernel
 * still has a registered read into it.  The kernel holds its own
 * reference to the registered pages until the read completes, so the read
 * completes normally, its data lands in those pages (seen through a
 * second view of the region's memfd that the test keeps) and nothing else
 * is written; afterwards the pages are no longer pinned.
 *
 * slowfs holds the read in the FUSE server until the test lets it go.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "iotest.h"
#include "slowfs.h"
#include "test-driver.h"

#define BLK 4096
#define FILE_SIZE (1u << 20)
#define SLOW_OFF (FILE_SIZE / 2)
#define REGION (4 * BLK)

static struct slowfs *fs;

static void setup(void)
{
	const char *why;

	ck_assert_int_eq(slowfs_start(&fs, iot_dir(), FILE_SIZE, &why), 0);
}

static void teardown(void)
{
	slowfs_cancel_timers(fs);
	slowfs_stop(&fs);
}

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

static struct blkio *open_slowfs(void)
{
	struct blkio *b;
	int ret;

	ck_assert_int_eq(blkio_create(test_driver_name(), &b), 0);
	ck_assert_int_eq(blkio_set_str(b, "path", slowfs_path(fs)), 0);
	ck_assert_int_eq(blkio_set_bool(b, "read-only", true), 0);
	ck_assert_int_eq(blkio_set_bool(b, "register-mem-regions", true), 0);
	ret = blkio_connect(b);
	ck_assert_msg(ret == 0, "connect: %s", blkio_get_error_msg());
	ret = blkio_start(b);
	ck_assert_msg(ret == 0, "start: %s", blkio_get_error_msg());
	return b;
}

START_TEST(test_unmap_in_flight)
{
	struct blkio *b = open_slowfs();
	struct blkioq *q = blkio_get_queue(b, 0);
	struct blkio_mem_region r;
	struct blkio_completion c;
	long pin_before, pin_mapped;
	uint8_t *alias;
	size_t i;

	pin_before = vm_pin_kib();
	ck_assert_int_eq(blkio_alloc_mem_region(b, &r, REGION), 0);
	alias = mmap(NULL, REGION, PROT_READ | PROT_WRITE, MAP_SHARED, r.fd,
		     0);
	ck_assert_ptr_ne(alias, MAP_FAILED);
	memset(alias, 0xee, REGION);
	ck_assert_int_eq(blkio_map_mem_region(b, &r), 0);
	pin_mapped = vm_pin_kib();

	slowfs_hold_from(fs, SLOW_OFF);
	blkioq_read(q, SLOW_OFF, (uint8_t *)r.addr + BLK, BLK, NULL, 0);
	ck_assert_int_eq(blkioq_do_io(q, NULL, 0, 0, NULL), 0);
	ck_assert_msg(slowfs_wait_held(fs, 1, 5000),
		      "the read did not reach slowfs within 5 s");

	/* Gone from the library and from this process's address space. */
	blkio_unmap_mem_region(b, &r);
	blkio_free_mem_region(b, &r);

	slowfs_release(fs);
	iot_wait1(q, &c);
	ck_assert_msg(c.ret == 0, "the read failed: %d %s", c.ret,
		      c.error_msg ? c.error_msg : "");
	for (i = 0; i < BLK; i++)
		ck_assert_msg(alias[BLK + i] == slowfs_byte(SLOW_OFF + i),
			      "byte %zu of the read is not in the registered "
			      "pages", i);
	for (i = 0; i < REGION; i++)
		if (i < BLK || i >= 2 * BLK)
			ck_assert_msg(alias[i] == 0xee, "byte %zu outside the "
				      "read was written", i);
	printf("VmPin: %ld kB before, %ld kB mapped, %ld kB after the read\n",
	       pin_before, pin_mapped, vm_pin_kib());
	if (pin_before >= 0)
		ck_assert_int_eq(vm_pin_kib(), pin_before);
	munmap(alias, REGION);
	blkio_destroy(&b);
}
END_TEST

static Suite *unmap_suite(void)
{
	Suite *s = suite_create("fixed-unmap");
	TCase *tc = tcase_create("in-flight");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_unmap_in_flight);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	struct slowfs *probe = NULL;
	const char *why;

	iot_require_property("register-mem-regions", "true");
	if (slowfs_start(&probe, iot_dir(), FILE_SIZE, &why) != 0)
		iot_skip(why);
	slowfs_stop(&probe);
	return iot_run(unmap_suite());
}
