/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test-driver.h"

const struct test_driver test_drivers[] = {
	{
		.name = "io_uring",
		.in_reference = true,
		.poll_queues = true,
		.hint_silences_kernel = true,
		.interruptible_under_valgrind = false,
		.num_entries_refused = 32768 + 1,
	}, {
		.name = "linux-aio",
		.in_reference = false,
		.poll_queues = false,
		.hint_silences_kernel = false,
		.interruptible_under_valgrind = true,
		.num_entries_refused = 0x10000000 / 32 / 2 + 1,
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
