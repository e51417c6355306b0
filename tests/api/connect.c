/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * io_uring connect rules: path xor fd, fd ownership, flags read back from
 * the fd, files that are refused, and capacity following file growth.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "util.h"

enum ptype { T_BOOL, T_INT, T_U64, T_STR };

enum access {
	RO_PLAIN,	/* read-only, readable in every state */
	RO_CONN,	/* read-only, -ENODEV before connect */
	RW_CREATED,	/* writable only in the created state */
	RW_CONNECTED,	/* writable only in the connected state */
};

START_TEST(connect_neither_path_nor_fd)
{
	struct blkio *b = api_create();

	ck_assert_err(blkio_connect(b), -EINVAL,
		      "One of path and fd must be set");
	/* An empty path and fd -1 mean "not set". */
	ck_assert_ok(blkio_set_str(b, "path", ""));
	ck_assert_ok(blkio_set_int(b, "fd", -1));
	ck_assert_err(blkio_connect(b), -EINVAL,
		      "One of path and fd must be set");
	blkio_destroy(&b);
}
END_TEST

START_TEST(connect_path_and_fd)
{
	struct blkio *b = api_create();
	int fd = open(api_file(), O_RDWR | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	ck_assert_ok(blkio_set_str(b, "path", api_file()));
	ck_assert_ok(blkio_set_int(b, "fd", fd));
	ck_assert_err(blkio_connect(b), -EINVAL,
		      "path and fd cannot be set at the same time");
	blkio_destroy(&b);
	/* A failed connect does not take the fd over. */
	ck_assert(api_fd_is_open(fd));
	close(fd);
}
END_TEST

START_TEST(connect_fd_owned_on_success)
{
	struct blkio *b = api_create();
	int fd = open(api_file(), O_RDWR | O_CLOEXEC);
	char *s = NULL;
	int v = -1;

	ck_assert_int_ge(fd, 0);
	ck_assert_ok(blkio_set_int(b, "fd", fd));
	ck_assert_int_eq(blkio_connect(b), 0);
	ck_assert_ok(blkio_get_int(b, "fd", &v));
	ck_assert_int_eq(v, fd);
	ck_assert_ok(blkio_get_str(b, "path", &s));
	ck_assert_str_eq(s, "");
	free(s);
	ck_assert(api_fd_is_open(fd));
	blkio_destroy(&b);
	ck_assert(!api_fd_is_open(fd));
}
END_TEST

/* Setting fd alone hands nothing over: destroy before connect keeps it. */
START_TEST(fd_not_owned_without_connect)
{
	struct blkio *b = api_create();
	int fd = open(api_file(), O_RDWR | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	ck_assert_ok(blkio_set_int(b, "fd", fd));
	blkio_destroy(&b);
	ck_assert(api_fd_is_open(fd));
	close(fd);
}
END_TEST

/* direct and read-only are taken from the fd, whatever was set. */
START_TEST(connect_fd_flags)
{
	static const struct {
		int flags;
		bool set;
		bool direct;
		bool ro;
	} cases[] = {
		{ O_RDONLY | O_DIRECT, false, true, true },
		{ O_RDWR, true, false, false },
		{ O_WRONLY, true, false, false },
		{ O_RDWR | O_DIRECT, false, true, false },
	};
	struct blkio *b = api_create();
	int fd = open(api_file(), cases[_i].flags | O_CLOEXEC);
	bool v;

	ck_assert_int_ge(fd, 0);
	ck_assert_ok(blkio_set_int(b, "fd", fd));
	ck_assert_ok(blkio_set_bool(b, "direct", cases[_i].set));
	ck_assert_ok(blkio_set_bool(b, "read-only", cases[_i].set));
	ck_assert_int_eq(blkio_connect(b), 0);
	ck_assert_ok(blkio_get_bool(b, "direct", &v));
	ck_assert(v == cases[_i].direct);
	ck_assert_ok(blkio_get_bool(b, "read-only", &v));
	ck_assert(v == cases[_i].ro);
	blkio_destroy(&b);
}
END_TEST

/* With path, the library opens the file as direct and read-only say. */
START_TEST(connect_path_open_flags)
{
	bool direct = _i & 1, ro = _i & 2, v;
	struct blkio *b = api_create();
	int fd = -1, fl;

	ck_assert_ok(blkio_set_str(b, "path", api_file()));
	ck_assert_ok(blkio_set_bool(b, "direct", direct));
	ck_assert_ok(blkio_set_bool(b, "read-only", ro));
	ck_assert_int_eq(blkio_connect(b), 0);
	ck_assert_ok(blkio_get_int(b, "fd", &fd));
	fl = fcntl(fd, F_GETFL);
	ck_assert_int_ge(fl, 0);
	ck_assert_int_eq(fl & O_ACCMODE, ro ? O_RDONLY : O_RDWR);
	ck_assert_int_eq(!!(fl & O_DIRECT), direct);
	ck_assert_ok(blkio_get_bool(b, "direct", &v));
	ck_assert(v == direct);
	ck_assert_ok(blkio_get_bool(b, "read-only", &v));
	ck_assert(v == ro);
	blkio_destroy(&b);
	ck_assert(!api_fd_is_open(fd));
}
END_TEST

static void connect_refused(const char *path, int fd, bool ro)
{
	struct blkio *b = api_create();

	if (path)
		ck_assert_ok(blkio_set_str(b, "path", path));
	else
		ck_assert_ok(blkio_set_int(b, "fd", fd));
	ck_assert_ok(blkio_set_bool(b, "read-only", ro));
	ck_assert_err(blkio_connect(b), -EINVAL,
		      "The file must be a block device or a regular file");
	blkio_destroy(&b);
}

START_TEST(connect_not_a_file)
{
	connect_refused("/dev/null", -1, false);
	connect_refused(api_dir(), -1, true);
}
END_TEST

/*
 * The fd stays the caller's when connect fails (QEMU closes it itself).
 * libblkio 1.5 closes it when the file-type check fails.
 */
START_TEST(connect_not_a_file_fd)
{
	bool relaxed = api_relaxed_for_reference(__func__,
			"libblkio closes the fd when the type check fails");
	int fd;

	fd = open(_i ? "/dev/null" : api_dir(), O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	connect_refused(NULL, fd, false);
	if (!relaxed) {
		ck_assert(api_fd_is_open(fd));
		close(fd);
	}
}
END_TEST

START_TEST(connect_missing_path)
{
	struct blkio *b = api_create();
	char *path;

	ck_assert_int_gt(asprintf(&path, "%s/does-not-exist", api_dir()), 0);
	ck_assert_ok(blkio_set_str(b, "path", path));
	ck_assert_err_any_msg(blkio_connect(b), -ENOENT);
	free(path);
	blkio_destroy(&b);
}
END_TEST

START_TEST(capacity_tracks_growth)
{
	char *path = api_new_file("grow.img", 1 << 20);
	struct blkio *b = api_create();
	uint64_t cap = 0;
	char *s = NULL;

	ck_assert_ptr_nonnull(path);
	ck_assert_ok(blkio_set_str(b, "path", path));
	ck_assert_int_eq(blkio_connect(b), 0);
	ck_assert_ok(blkio_get_uint64(b, "capacity", &cap));
	ck_assert_uint_eq(cap, 1 << 20);
	ck_assert_int_eq(truncate(path, 3 << 20), 0);
	ck_assert_ok(blkio_get_uint64(b, "capacity", &cap));
	ck_assert_uint_eq(cap, 3 << 20);
	ck_assert_ok(blkio_start(b));
	ck_assert_int_eq(truncate(path, (5 << 20) + 512), 0);
	ck_assert_ok(blkio_get_str(b, "capacity", &s));
	ck_assert_str_eq(s, "5243392");
	free(s);
	blkio_destroy(&b);
	unlink(path);
	free(path);
}
END_TEST

static Suite *connect_suite(void)
{
	Suite *s = suite_create("connect");
	TCase *tc = tcase_create("connect");

	tcase_add_test(tc, connect_neither_path_nor_fd);
	tcase_add_test(tc, connect_path_and_fd);
	tcase_add_test(tc, connect_fd_owned_on_success);
	tcase_add_test(tc, fd_not_owned_without_connect);
	tcase_add_loop_test(tc, connect_fd_flags, 0, 4);
	tcase_add_loop_test(tc, connect_path_open_flags, 0, 4);
	tcase_add_test(tc, connect_not_a_file);
	tcase_add_loop_test(tc, connect_not_a_file_fd, 0, 2);
	tcase_add_test(tc, connect_missing_path);
	tcase_add_test(tc, capacity_tracks_growth);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	api_init();
	api_require_io_uring();
	return api_run(connect_suite());
}
