/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Queue limits parsed from a captured sysfs tree (written here into a
 * temporary directory), and from whatever real block device backs the
 * test directory.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "core/blockdev.h"

static char root[] = "/tmp/blkio-sysfs-XXXXXX";
static char dev_dir[256], queue_dir[256];

static void put(const char *dir, const char *name, const char *value)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "%s\n", value);
	fclose(f);
}

static void make_tree(void)
{
	ck_assert_ptr_nonnull(mkdtemp(root));
	snprintf(dev_dir, sizeof(dev_dir), "%s/sda1", root);
	snprintf(queue_dir, sizeof(queue_dir), "%s/queue", root);
	ck_assert_int_eq(mkdir(dev_dir, 0700), 0);
	ck_assert_int_eq(mkdir(queue_dir, 0700), 0);
	put(queue_dir, "logical_block_size", "512");
	put(queue_dir, "physical_block_size", "4096");
	put(queue_dir, "optimal_io_size", "65536");
	put(queue_dir, "discard_granularity", "4096");
	put(queue_dir, "discard_max_bytes", "2147450880");
	put(queue_dir, "write_zeroes_max_bytes", "0");
	put(queue_dir, "fua", "1");
	put(queue_dir, "io_poll", "0");
	put(queue_dir, "max_hw_sectors_kb", "512");
	put(queue_dir, "max_segments", "127");
	put(queue_dir, "write_cache", "write back");
	put(dev_dir, "discard_alignment", "4096");
}

static void remove_tree(void)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(captured_tree)
{
	struct bdev_limits l;

	make_tree();
	ck_assert_int_eq(bdev_limits_from_dirs(dev_dir, queue_dir, &l), 0);
	ck_assert(l.found);
	ck_assert_uint_eq(l.logical_block_size, 512);
	ck_assert_uint_eq(l.physical_block_size, 4096);
	ck_assert_uint_eq(l.optimal_io_size, 65536);
	ck_assert_uint_eq(l.discard_granularity, 4096);
	ck_assert_uint_eq(l.discard_max_bytes, 2147450880u);
	ck_assert_uint_eq(l.write_zeroes_max_bytes, 0);
	ck_assert(l.fua);
	ck_assert(!l.io_poll);
	ck_assert_uint_eq(l.max_hw_sectors_kb, 512);
	ck_assert_uint_eq(l.max_segments, 127);
	ck_assert(l.write_back_cache);
	/* An alignment offset equal to the granularity means 0. */
	ck_assert_uint_eq(l.discard_alignment, 0);

	put(dev_dir, "discard_alignment", "1024");
	put(queue_dir, "write_cache", "write through");
	ck_assert_int_eq(bdev_limits_from_dirs(dev_dir, queue_dir, &l), 0);
	ck_assert_uint_eq(l.discard_alignment, 1024);
	ck_assert(!l.write_back_cache);
	remove_tree();
}
END_TEST

START_TEST(missing_tree)
{
	struct bdev_limits l;

	ck_assert_int_lt(bdev_limits_from_dirs("/nonexistent", "/nonexistent",
					       &l), 0);
	ck_assert(!l.found);
}
END_TEST

START_TEST(real_device_or_skip)
{
	struct bdev_limits l;
	struct stat st;

	ck_assert_int_eq(stat("/", &st), 0);
	if (major(st.st_dev) == 0)
		return; /* root on a virtual fs: no device to read */
	if (access("/sys/dev/block", F_OK) != 0)
		return; /* no sysfs (a build chroot): nothing to read */
	ck_assert_int_eq(bdev_limits_from_devnum(st.st_dev, &l), 0);
	ck_assert(l.found);
	ck_assert_uint_ge(l.logical_block_size, 512);
	ck_assert_uint_ge(l.physical_block_size, l.logical_block_size);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("blockdev-sysfs");
	TCase *tc = tcase_create("limits");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, captured_tree);
	tcase_add_test(tc, missing_tree);
	tcase_add_test(tc, real_device_or_skip);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
