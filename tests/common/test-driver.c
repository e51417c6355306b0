/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/mman.h>
#include <unistd.h>

#include <blkio.h>

#include "test-driver.h"

const struct test_driver test_drivers[] = {
	{
		.name = "io_uring",
		.submit_syscall = SYS_io_uring_enter,
		.needs_io_uring = true,
		.in_reference = true,
		.poll_queues = true,
		.hint_silences_kernel = true,
		.interruptible_under_valgrind = false,
		.sigmask_wait_under_valgrind = true,
		.num_entries_refused = 32768 + 1,
		.kernel_reissues_eagain = true,
		.entries_machine_limit = false,
		.zeroes_complete_in_do_io = false,
	}, {
		.name = "linux-aio",
		.submit_syscall = SYS_io_submit,
		.needs_io_uring = false,
		.in_reference = false,
		.poll_queues = false,
		.hint_silences_kernel = false,
		.interruptible_under_valgrind = false,
		.sigmask_wait_under_valgrind = false,
		.num_entries_refused = 0x10000000 / 32 / 2 + 1,
		.kernel_reissues_eagain = false,
		.entries_machine_limit = true,
		.zeroes_complete_in_do_io = true,
	},
	{ .name = NULL },
};

const struct test_driver *test_driver(void)
{
	static const struct test_driver *cached;
	const char *name = getenv("BLKIO_TEST_DRIVER");
	const struct test_driver *d;

	if (cached)
		return cached;
	if (!name || !name[0])
		name = "io_uring";
	for (d = test_drivers; d->name; d++) {
		if (strcmp(d->name, name) == 0)
			return cached = d;
	}
	fprintf(stderr, "BLKIO_TEST_DRIVER=%s: no such driver in "
		"tests/common/test-driver.c\n", name);
	exit(1);
}

const char *test_driver_name(void)
{
	return test_driver()->name;
}

int test_driver_probe(char *why, size_t len)
{
	const char *name = test_driver_name();
	const char *step = "blkio_create";
	struct blkio *b = NULL;
	int fd, ret;

	fd = memfd_create("blkio-test-probe", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, 1 << 16) < 0) {
		ret = -errno;
		snprintf(why, len, "memfd for the %s probe: %s", name,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		return ret;
	}
	ret = blkio_create(name, &b);
	if (ret == 0) {
		step = "blkio_connect";
		ret = blkio_set_int(b, "fd", fd);
	}
	if (ret == 0) {
		ret = blkio_connect(b);
		if (ret == 0)
			fd = -1;	/* the instance owns it now */
	}
	if (ret == 0) {
		step = "blkio_start";
		ret = blkio_start(b);
	}
	if (ret < 0)
		snprintf(why, len, "the %s driver does not work here: %s: "
			 "%s", name, step, blkio_get_error_msg());
	blkio_destroy(&b);
	if (fd >= 0)
		close(fd);
	return ret;
}
