/* SPDX-License-Identifier: MIT OR Apache-2.0 */
#include <stdio.h>
#include <string.h>

#include "drivers.h"

static const struct driver_info {
	const char *name;
	/* Opens path= or fd=: a file or a block device. */
	bool opens_files;
	/* Note for buffered I/O (direct=false), NULL when it is fine. */
	const char *buffered_note;
} drivers[] = {
	{ "io_uring", true, NULL },
	{ "linux-aio", true,
	  "linux-aio with direct=false: buffered AIO may block in io_submit, "
	  "so I/O is not asynchronous; use direct=true" },
};

#define NUM_DRIVERS (sizeof(drivers) / sizeof(drivers[0]))

static const struct driver_info *lookup(const char *driver)
{
	for (size_t i = 0; i < NUM_DRIVERS; i++)
		if (strcmp(drivers[i].name, driver) == 0)
			return &drivers[i];
	return NULL;
}

bool driver_opens_files(const char *driver)
{
	const struct driver_info *d = lookup(driver);

	return d && d->opens_files;
}

void driver_file_names(char *buf, size_t size)
{
	size_t len = 0;

	if (size)
		buf[0] = '\0';
	for (size_t i = 0; i < NUM_DRIVERS && len < size; i++) {
		int n;

		if (!drivers[i].opens_files)
			continue;
		n = snprintf(buf + len, size - len, "%s%s", len ? ", " : "",
			     drivers[i].name);
		if (n < 0)
			break;
		len += (size_t)n;
	}
}

const char *driver_note(const char *driver, bool direct)
{
	const struct driver_info *d = lookup(driver);

	return d && !direct ? d->buffered_note : NULL;
}
