/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * virtio-blk-vhost-vdpa without a vDPA device (this host has none; the
 * data path runs in the VM world, tests/vm/configs/vdpa.sh): the
 * properties before connect, the "path" or "fd" rule, and every way
 * connect fails on something that is not a vhost-vdpa device, each with
 * a message, leaving the caller's fd open and the instance usable.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "util.h"

#define DRIVER "virtio-blk-vhost-vdpa"

static struct blkio *create(void)
{
	struct blkio *b = NULL;

	ck_assert_ok(blkio_create(DRIVER, &b));
	return b;
}

/* Contract 6.5: the created-state values libblkio reports. */
START_TEST(created_state)
{
	struct blkio *b = create();
	uint64_t u = 0;
	bool v = false;
	int i = 0;

	ck_assert_ok(blkio_get_bool(b, "needs-mem-regions", &v));
	ck_assert(v);
	ck_assert_ok(blkio_get_bool(b, "needs-mem-region-fd", &v));
	ck_assert(v);
	ck_assert_ok(blkio_get_bool(b, "can-add-queues", &v));
	ck_assert(!v);
	ck_assert_ok(blkio_get_bool(b, "supports-poll-queues", &v));
	ck_assert(v);
	ck_assert_ok(blkio_get_uint64(b, "mem-region-alignment", &u));
	ck_assert_uint_eq(u, 1);
	ck_assert_ok(blkio_get_int(b, "fd", &i));
	ck_assert_int_eq(i, -1);
	ck_assert_ok(blkio_get_int(b, "queue-size", &i));
	ck_assert_int_eq(i, 256);
	ck_assert_err_any_msg(blkio_get_int(b, "max-queues", &i), -ENODEV);
	ck_assert_err_any_msg(blkio_get_uint64(b, "capacity", &u), -ENODEV);
	blkio_destroy(&b);
}
END_TEST

/* Unlike vhost-user, this driver takes "fd" (libblkio 1.3 and later). */
START_TEST(fd_property_taken)
{
	struct blkio *b = create();
	int i = 0;

	ck_assert_ok(blkio_set_int(b, "fd", -1));
	ck_assert_ok(blkio_set_int(b, "fd", 1000));
	ck_assert_ok(blkio_get_int(b, "fd", &i));
	ck_assert_int_eq(i, 1000);
	blkio_destroy(&b);
}
END_TEST

static void connect_fails_with(struct blkio *b, int err, const char *what,
			       const char *text)
{
	bool relaxed = api_relaxed_for_reference(what, "libblkio fails its "
			"own way; only failure + message checked");
	const char *poison = api_poison_msg();
	int ret = blkio_connect(b);

	ck_assert_msg(ret < 0, "%s: connect returned %d", what, ret);
	ck_assert_str_ne(blkio_get_error_msg(), poison);
	ck_assert_str_ne(blkio_get_error_msg(), "");
	if (!relaxed)
		ck_assert_msg(ret == err, "%s: expected %d, got %d (%s)",
			      what, err, ret, blkio_get_error_msg());
	if (!relaxed && text)
		ck_assert_msg(strstr(blkio_get_error_msg(), text),
			      "%s: message \"%s\" lacks \"%s\"", what,
			      blkio_get_error_msg(), text);
	/* Still usable afterwards: start refuses, destroy works. */
	ck_assert_int_lt(blkio_start(b), 0);
}

static void connect_fails(struct blkio *b, int err, const char *what)
{
	connect_fails_with(b, err, what, NULL);
}

START_TEST(connect_nothing_set)
{
	struct blkio *b = create();

	connect_fails(b, -EINVAL, __func__);
	blkio_destroy(&b);
}
END_TEST

/* libblkio: -EIO "Failed to connect to vDPA device path" (contract 6.5). */
START_TEST(connect_missing_path)
{
	struct blkio *b = create();

	ck_assert_ok(blkio_set_str(b, "path", "/nonexistent/vhost-vdpa-0"));
	connect_fails_with(b, -EIO, __func__,
			   "Failed to connect to vDPA device path");
	blkio_destroy(&b);
}
END_TEST

/* A regular file answers no vhost ioctl: not a vhost-vdpa device. */
START_TEST(connect_regular_file)
{
	struct blkio *b = create();

	ck_assert_ok(blkio_set_str(b, "path", api_file()));
	connect_fails(b, -EINVAL, __func__);
	blkio_destroy(&b);
}
END_TEST

START_TEST(connect_path_and_fd)
{
	struct blkio *b = create();
	int fd = open(api_file(), O_RDWR | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	ck_assert_ok(blkio_set_str(b, "path", api_file()));
	ck_assert_ok(blkio_set_int(b, "fd", fd));
	connect_fails(b, -EINVAL, __func__);
	blkio_destroy(&b);
	ck_assert(api_fd_is_open(fd));
	close(fd);
}
END_TEST

/*
 * QEMU passes an fd and closes it itself when connect fails: a failed
 * connect must leave it open (and the instance's destroy too).
 */
START_TEST(connect_fd_not_vdpa)
{
	struct blkio *b = create();
	int fd = open(api_file(), O_RDWR | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	ck_assert_ok(blkio_set_int(b, "fd", fd));
	connect_fails(b, -EINVAL, __func__);
	ck_assert(api_fd_is_open(fd));
	blkio_destroy(&b);
	ck_assert(api_fd_is_open(fd));
	close(fd);
}
END_TEST

START_TEST(connect_bad_fd)
{
	struct blkio *b = create();

	ck_assert_ok(blkio_set_int(b, "fd", -5));
	connect_fails(b, -EBADF, __func__);
	blkio_destroy(&b);
}
END_TEST

static Suite *vdpa_suite(void)
{
	Suite *s = suite_create("vhost-vdpa");
	TCase *tc = tcase_create("connect");

	tcase_add_test(tc, created_state);
	tcase_add_test(tc, fd_property_taken);
	tcase_add_test(tc, connect_nothing_set);
	tcase_add_test(tc, connect_missing_path);
	tcase_add_test(tc, connect_regular_file);
	tcase_add_test(tc, connect_path_and_fd);
	tcase_add_test(tc, connect_fd_not_vdpa);
	tcase_add_test(tc, connect_bad_fd);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	api_init();
	return api_run(vdpa_suite());
}
