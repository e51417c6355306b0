/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * nvme-io_uring on a machine without NVMe (contract §6.4): the property
 * values of a created instance, the properties it lacks, and what connect
 * refuses before it ever reaches a device.  I/O on real namespaces runs in
 * the VM test world (tests/vm/guest/nvme-io.c, nvme-zones.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "util.h"

#define DRIVER "nvme-io_uring"
#define MSG_NOT_CHAR "The file must be a character device"

static struct blkio *nvme_create(void)
{
	struct blkio *b = NULL;

	ck_assert_ok(blkio_create(DRIVER, &b));
	return b;
}

static void want_bool(struct blkio *b, const char *name, bool want)
{
	bool v = !want;

	ck_assert_msg(blkio_get_bool(b, name, &v) == 0, "get %s: %s", name,
		      blkio_get_error_msg());
	ck_assert_msg(v == want, "%s = %d, want %d", name, v, want);
}

static void want_int(struct blkio *b, const char *name, int want)
{
	int v = want + 1;

	ck_assert_msg(blkio_get_int(b, name, &v) == 0, "get %s: %s", name,
		      blkio_get_error_msg());
	ck_assert_msg(v == want, "%s = %d, want %d", name, v, want);
}

static void want_u64(struct blkio *b, const char *name, uint64_t want)
{
	uint64_t v = want + 1;

	ck_assert_msg(blkio_get_uint64(b, name, &v) == 0, "get %s: %s", name,
		      blkio_get_error_msg());
	ck_assert_msg(v == want, "%s = %llu, want %llu", name,
		      (unsigned long long)v, (unsigned long long)want);
}

/* The values libblkio 1.5 reports before connect. */
START_TEST(created_state_values)
{
	struct blkio *b = nvme_create();
	char *s = NULL;

	ck_assert_ok(blkio_get_str(b, "driver", &s));
	ck_assert_str_eq(s, DRIVER);
	free(s);
	ck_assert_ok(blkio_get_str(b, "path", &s));
	ck_assert_str_eq(s, "");
	free(s);
	want_int(b, "fd", -1);
	want_bool(b, "read-only", false);
	want_int(b, "num-entries", 128);
	want_int(b, "num-queues", 1);
	want_int(b, "num-poll-queues", 0);
	want_bool(b, "can-add-queues", true);
	want_int(b, "max-queues", INT_MAX);
	want_u64(b, "max-mem-regions", UINT64_MAX);
	want_bool(b, "needs-mem-regions", false);
	want_bool(b, "needs-mem-region-fd", false);
	want_bool(b, "may-pin-mem-regions", false);
	want_bool(b, "supports-fua-natively", true);
	want_bool(b, "supports-poll-queues", false);
	want_bool(b, "can-grow", false);
	blkio_destroy(&b);
}
END_TEST

/* Zoned properties are plain and read-only: 0 until a zoned connect. */
START_TEST(zoned_properties_before_connect)
{
	static const char *const ints[] = {
		"zoned", "max-active-zones", "max-open-zones",
	};
	static const char *const u64s[] = {
		"zone-size", "nr-zones", "zone-append-max-bytes",
	};
	struct blkio *b = nvme_create();

	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		want_int(b, ints[i], 0);
		ck_assert_err(blkio_set_int(b, ints[i], 1), -EACCES,
			      "Property is read-only");
	}
	for (size_t i = 0; i < sizeof(u64s) / sizeof(u64s[0]); i++) {
		want_u64(b, u64s[i], 0);
		ck_assert_err(blkio_set_uint64(b, u64s[i], 1), -EACCES,
			      "Property is read-only");
	}
	want_bool(b, "append-support", false);
	ck_assert_err(blkio_set_bool(b, "append-support", true), -EACCES,
		      "Property is read-only");
	blkio_destroy(&b);
}
END_TEST

/* What the driver does not have, and what needs a connection. */
START_TEST(absent_and_connected_only)
{
	static const char *const after_connect[] = {
		"capacity", "request-alignment", "max-transfer",
		"max-write-zeroes-len", "max-discard-len", "buf-alignment",
	};
	struct blkio *b = nvme_create();
	bool v = true;

	/* fio tolerates -ENOENT for "direct" on drivers without it. */
	ck_assert_err(blkio_set_bool(b, "direct", true), -ENOENT,
		      "Unknown property name");
	ck_assert_err(blkio_get_bool(b, "direct", &v), -ENOENT,
		      "Unknown property name");
	ck_assert_err(blkio_set_int(b, "queue-size", 8), -ENOENT,
		      "Unknown property name");
	ck_assert_err(blkio_set_int(b, "nr_zones", 8), -ENOENT,
		      "Unknown property name");
	ck_assert_err(blkio_set_int(b, "num-entries", 8), -ENODEV,
		      "Device must be connected");
	for (size_t i = 0; i < sizeof(after_connect) /
			       sizeof(after_connect[0]); i++) {
		char *s = NULL;

		ck_assert_err(blkio_get_str(b, after_connect[i], &s), -ENODEV,
			      "Device must be connected");
	}
	blkio_destroy(&b);
}
END_TEST

static void connect_fails(struct blkio *b, int err, const char *msg)
{
	if (api_relaxed_for_reference(__func__, "libblkio's own message"))
		ck_assert_err_any_msg(blkio_connect(b), err);
	else if (msg)
		ck_assert_err(blkio_connect(b), err, msg);
	else
		ck_assert_err_any_msg(blkio_connect(b), err);
	/* Still usable afterwards: start refuses, destroy works. */
	ck_assert_int_lt(blkio_start(b), 0);
	blkio_destroy(&b);
	ck_assert_ptr_null(b);
}

START_TEST(connect_needs_path_or_fd)
{
	struct blkio *b = nvme_create();

	connect_fails(b, -EINVAL, "One of path and fd must be set");
	b = nvme_create();
	ck_assert_ok(blkio_set_str(b, "path", "/dev/null"));
	ck_assert_ok(blkio_set_int(b, "fd", 0));
	connect_fails(b, -EINVAL, "path and fd cannot be set at the same time");
}
END_TEST

/* A regular file or a directory is not an NVMe character device. */
START_TEST(connect_not_a_char_device)
{
	const char *paths[] = { api_file(), api_dir() };
	struct blkio *b = nvme_create();

	ck_assert_ok(blkio_set_str(b, "path", paths[_i]));
	ck_assert_ok(blkio_set_bool(b, "read-only", _i == 1));
	connect_fails(b, -EINVAL, MSG_NOT_CHAR);
}
END_TEST

/*
 * A character device, but no NVMe namespace: refused with the kernel's
 * errno for the namespace ioctl (-ENOTTY), as libblkio does, and a reason.
 */
START_TEST(connect_char_device_not_nvme)
{
	struct blkio *b = nvme_create();

	ck_assert_ok(blkio_set_str(b, "path", "/dev/null"));
	connect_fails(b, -ENOTTY, NULL);
}
END_TEST

/* A refused fd stays the caller's (QEMU closes it itself). */
START_TEST(connect_refused_fd_stays_open)
{
	int fd = open(_i ? "/dev/null" : api_file(), O_RDWR | O_CLOEXEC);
	struct blkio *b = nvme_create();

	ck_assert_int_ge(fd, 0);
	ck_assert_ok(blkio_set_int(b, "fd", fd));
	connect_fails(b, _i ? -ENOTTY : -EINVAL, _i ? NULL : MSG_NOT_CHAR);
	if (!api_relaxed_for_reference(__func__,
				       "libblkio's nvme-io_uring closes the fd it refuses")) {
		ck_assert(api_fd_is_open(fd));
		close(fd);
	}
}
END_TEST

START_TEST(connect_missing_path)
{
	struct blkio *b = nvme_create();
	char *path;

	ck_assert_int_gt(asprintf(&path, "%s/no-such-ng0n1", api_dir()), 0);
	ck_assert_ok(blkio_set_str(b, "path", path));
	ck_assert_err_any_msg(blkio_connect(b), -ENOENT);
	free(path);
	blkio_destroy(&b);
}
END_TEST

static Suite *nvme_suite(void)
{
	Suite *s = suite_create("nvme");
	TCase *tc = tcase_create("nvme");

	tcase_add_test(tc, created_state_values);
	tcase_add_test(tc, zoned_properties_before_connect);
	tcase_add_test(tc, absent_and_connected_only);
	tcase_add_test(tc, connect_needs_path_or_fd);
	tcase_add_loop_test(tc, connect_not_a_char_device, 0, 2);
	tcase_add_test(tc, connect_char_device_not_nvme);
	tcase_add_loop_test(tc, connect_refused_fd_stays_open, 0, 2);
	tcase_add_test(tc, connect_missing_path);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	api_init();
	return api_run(nvme_suite());
}
