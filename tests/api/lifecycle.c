/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Instance life cycle (contract §4, §5.2): blkio_create errors, the
 * created -> connected -> started state table, and blkio_destroy in every
 * state.
 */
#include <errno.h>
#include <stdlib.h>

#include "util.h"

static const char *const drivers[] = {
	"io_uring",
	"nvme-io_uring",
	"virtio-blk-vfio-pci",
	"virtio-blk-vhost-user",
	"virtio-blk-vhost-vdpa",
};

#define NR_DRIVERS (sizeof(drivers) / sizeof(drivers[0]))

START_TEST(create_null_bp)
{
	ck_assert_err(blkio_create("io_uring", NULL), -EINVAL,
		      "bp must be non-NULL");
}
END_TEST

START_TEST(create_unknown_driver)
{
	struct blkio *b = (struct blkio *)&b;	/* must be overwritten */

	ck_assert_err(blkio_create("no-such-driver", &b), -ENOENT,
		      "Unknown driver name");
	ck_assert_ptr_null(b);

	b = (struct blkio *)&b;
	ck_assert_err(blkio_create("", &b), -ENOENT, "Unknown driver name");
	ck_assert_ptr_null(b);

	/* Names are exact: no case folding, no underscores for hyphens. */
	b = (struct blkio *)&b;
	ck_assert_err(blkio_create("IO_URING", &b), -ENOENT,
		      "Unknown driver name");
	ck_assert_ptr_null(b);
	b = (struct blkio *)&b;
	ck_assert_err(blkio_create("nvme_io_uring", &b), -ENOENT,
		      "Unknown driver name");
	ck_assert_ptr_null(b);
}
END_TEST

/* Every driver name QEMU registers can be created and reports its name. */
START_TEST(create_every_driver)
{
	const char *name = drivers[_i];
	struct blkio *b = NULL;
	char *value = NULL;

	ck_assert_ok(blkio_create(name, &b));
	ck_assert_ptr_nonnull(b);
	ck_assert_ok(blkio_get_str(b, "driver", &value));
	ck_assert_str_eq(value, name);
	free(value);
	blkio_destroy(&b);
	ck_assert_ptr_null(b);
}
END_TEST

/*
 * virtio-blk-vhost-user connects to a unix socket: without a path, or
 * with one nobody listens on, connect fails with the errno of the cause
 * and a message, and the instance stays usable.
 */
static void connect_fails(const char *func, const char *driver,
			  const char *path, int err)
{
	bool relaxed = api_relaxed_for_reference(func, "libblkio fails its "
			"own way; only failure + message checked");
	struct blkio *b = NULL;
	int ret;

	ck_assert_ok(blkio_create(driver, &b));
	if (path)
		ck_assert_ok(blkio_set_str(b, "path", path));
	api_poison_msg();
	ret = blkio_connect(b);
	ck_assert_msg(ret < 0, "connect %s returned %d", path, ret);
	ck_assert_str_ne(blkio_get_error_msg(), "");
	if (!relaxed)
		ck_assert_msg(ret == err, "connect %s: expected %d, got %d (%s)",
			      path, err, ret, blkio_get_error_msg());
	ck_assert_int_lt(blkio_start(b), 0);
	blkio_destroy(&b);
}

static void connect_vhost_user(const char *func, const char *path, int err)
{
	connect_fails(func, "virtio-blk-vhost-user", path, err);
}

START_TEST(connect_vhost_user_no_path)
{
	connect_vhost_user(__func__, NULL, -EINVAL);
}
END_TEST

/* A regular file is no socket: connect(2) says ECONNREFUSED. */
START_TEST(connect_vhost_user_file)
{
	connect_vhost_user(__func__, api_file(), -ECONNREFUSED);
}
END_TEST

START_TEST(connect_vhost_user_missing)
{
	connect_vhost_user(__func__, "/nonexistent/vhost-user.sock", -ENOENT);
}
END_TEST

/*
 * virtio-blk-vfio-pci takes a PCI function's sysfs directory: none, a
 * regular file, a path that does not exist all fail at connect (tests/vm
 * has the device: configs/vfio.sh).
 */
START_TEST(connect_vfio_pci_no_path)
{
	connect_fails(__func__, "virtio-blk-vfio-pci", NULL, -EINVAL);
}
END_TEST

START_TEST(connect_vfio_pci_file)
{
	connect_fails(__func__, "virtio-blk-vfio-pci", api_file(), -EINVAL);
}
END_TEST

START_TEST(connect_vfio_pci_missing)
{
	connect_fails(__func__, "virtio-blk-vfio-pci",
		      "/sys/bus/pci/devices/ffff:ff:1f.7", -ENOENT);
}
END_TEST

START_TEST(start_in_created)
{
	struct blkio *b = api_create();

	ck_assert_err(blkio_start(b), -ENODEV, "Device must be connected");
	blkio_destroy(&b);
}
END_TEST

START_TEST(connect_idempotent)
{
	struct blkio *b = api_connect(false);

	ck_assert_int_eq(blkio_connect(b), 0);
	ck_assert_int_eq(blkio_connect(b), 0);
	ck_assert_int_eq(blkio_start(b), 0);
	blkio_destroy(&b);
}
END_TEST

START_TEST(start_idempotent)
{
	struct blkio *b = api_connect(false);

	ck_assert_int_eq(blkio_start(b), 0);
	ck_assert_int_eq(blkio_start(b), 0);
	ck_assert_ptr_nonnull(blkio_get_queue(b, 0));
	blkio_destroy(&b);
}
END_TEST

START_TEST(connect_in_started)
{
	struct blkio *b = api_start(false, 1);

	ck_assert_err(blkio_connect(b), -EBUSY,
		      "Cannot set property in connected state");
	/* The instance is unharmed by the refused call. */
	ck_assert_ptr_nonnull(blkio_get_queue(b, 0));
	blkio_destroy(&b);
}
END_TEST

/* A failed connect leaves the instance in the created state. */
START_TEST(connect_retry_after_failure)
{
	struct blkio *b = api_create();
	uint64_t cap = 1;

	ck_assert_err(blkio_connect(b), -EINVAL,
		      "One of path and fd must be set");
	ck_assert_err(blkio_get_uint64(b, "capacity", &cap), -ENODEV,
		      "Device must be connected");
	ck_assert_err(blkio_start(b), -ENODEV, "Device must be connected");
	ck_assert_ok(blkio_set_str(b, "path", api_file()));
	ck_assert_int_eq(blkio_connect(b), 0);
	ck_assert_ok(blkio_get_uint64(b, "capacity", &cap));
	ck_assert_uint_eq(cap, API_FILE_SIZE);
	ck_assert_int_eq(blkio_start(b), 0);
	blkio_destroy(&b);
}
END_TEST

START_TEST(destroy_created)
{
	struct blkio *b = api_create();

	blkio_destroy(&b);
	ck_assert_ptr_null(b);
}
END_TEST

START_TEST(destroy_connected)
{
	struct blkio *b = api_connect(_i);

	blkio_destroy(&b);
	ck_assert_ptr_null(b);
}
END_TEST

START_TEST(destroy_started)
{
	struct blkio *b = api_start(_i, 2);

	blkio_destroy(&b);
	ck_assert_ptr_null(b);
}
END_TEST

/* Requests queued, submitted or completed but never reaped go away too. */
START_TEST(destroy_with_requests)
{
	struct blkio *b = api_start(false, 2);
	struct blkioq *q0 = blkio_get_queue(b, 0);
	struct blkioq *q1 = blkio_get_queue(b, 1);
	static char buf[4][4096];
	int i;

	for (i = 0; i < 2; i++)
		blkioq_read(q0, (uint64_t)i * 4096, buf[i], 4096, NULL, 0);
	ck_assert_int_eq(blkioq_do_io(q0, NULL, 0, 0, NULL), 0);
	blkioq_read(q1, 0, buf[2], 4096, NULL, 0);	/* never submitted */
	blkioq_read(q1, 0, buf[3], 4096, NULL, 1u << 31); /* failed at once */
	blkio_destroy(&b);
	ck_assert_ptr_null(b);
}
END_TEST

START_TEST(destroy_null_bp)
{
	/* No-op in libblkio too. */
	blkio_destroy(NULL);
}
END_TEST

START_TEST(destroy_null_instance)
{
	struct blkio *b = NULL;

	API_SKIP_IF_REFERENCE("libblkio 1.5 dereferences *bp == NULL");
	blkio_destroy(&b);
	ck_assert_ptr_null(b);
}
END_TEST

/* Independent instances on the same file do not disturb each other. */
START_TEST(two_instances)
{
	struct blkio *a = api_start(false, 1);
	struct blkio *b = api_connect(false);
	uint64_t cap = 0;

	blkio_destroy(&a);
	ck_assert_ptr_null(a);
	ck_assert_ok(blkio_get_uint64(b, "capacity", &cap));
	ck_assert_uint_eq(cap, API_FILE_SIZE);
	ck_assert_int_eq(blkio_start(b), 0);
	blkio_destroy(&b);
}
END_TEST

static Suite *lifecycle_suite(void)
{
	Suite *s = suite_create("lifecycle");
	TCase *tc;

	tc = tcase_create("create");
	tcase_add_test(tc, create_null_bp);
	tcase_add_test(tc, create_unknown_driver);
	tcase_add_loop_test(tc, create_every_driver, 0, NR_DRIVERS);
	tcase_add_test(tc, connect_vhost_user_no_path);
	tcase_add_test(tc, connect_vhost_user_file);
	tcase_add_test(tc, connect_vhost_user_missing);
	tcase_add_test(tc, connect_vfio_pci_no_path);
	tcase_add_test(tc, connect_vfio_pci_file);
	tcase_add_test(tc, connect_vfio_pci_missing);
	suite_add_tcase(s, tc);

	tc = tcase_create("states");
	tcase_add_test(tc, start_in_created);
	tcase_add_test(tc, connect_idempotent);
	tcase_add_test(tc, start_idempotent);
	tcase_add_test(tc, connect_in_started);
	tcase_add_test(tc, connect_retry_after_failure);
	tcase_add_test(tc, two_instances);
	suite_add_tcase(s, tc);

	tc = tcase_create("destroy");
	tcase_add_test(tc, destroy_created);
	tcase_add_loop_test(tc, destroy_connected, 0, 2);
	tcase_add_loop_test(tc, destroy_started, 0, 2);
	tcase_add_test(tc, destroy_with_requests);
	tcase_add_test(tc, destroy_null_bp);
	tcase_add_test(tc, destroy_null_instance);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	api_init();
	api_require_io_uring();
	return api_run(lifecycle_suite());
}
