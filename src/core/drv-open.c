/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * The "path" or "fd" rule every driver with a device node follows
 * (contract §6.3): exactly one of them, the path opened read-only or
 * read-write as "read-only" says, the caller's fd taken as it is.
 */
#include <errno.h>
#include <fcntl.h>

#include "driver-api.h"

int drv_open_device(const struct drv_settings *s, int flags, bool *opened)
{
	bool has_path = s->path && s->path[0];
	int fd;

	*opened = false;
	if (!has_path && s->fd == -1)
		return blkio_err(-EINVAL, "One of path and fd must be set");
	if (has_path && s->fd != -1)
		return blkio_err(-EINVAL, "path and fd cannot be set at the same time");
	if (!has_path) {
		if (s->fd < 0)
			return blkio_err(-EBADF, "fd %d is not a valid file descriptor",
					 s->fd);
		return s->fd;
	}
	flags |= (s->read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC;
	fd = open(s->path, flags);
	if (fd < 0)
		return blkio_err_os(-errno, "Failed to open %s", s->path);
	*opened = true;
	return fd;
}
