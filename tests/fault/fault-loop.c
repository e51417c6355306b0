// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * Loop devices over faultfs' /disk turn it into a faulty block device.
 *
 * Always with direct I/O: with the default buffered loop, a short write
 * from the backing file is silently lost instead of reported.  The device
 * is configured with autoclear, so it goes away when the last descriptor
 * closes, even if the test dies.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fault-util.h"

static int read_sysfs_int(int nr, const char *attr)
{
	char path[128], buf[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/block/loop%d/%s", nr, attr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return atoi(buf);
}

/* udev may probe a new device; wait so it does not consume fault rules. */
static void settle_udev(void)
{
	int ret;

	if (access("/run/udev/control", F_OK) == 0 &&
	    access("/usr/bin/udevadm", X_OK) == 0) {
		ret = system("/usr/bin/udevadm settle -t 5 >/dev/null 2>&1");
		(void)ret;	/* best effort */
	}
}

static int configure(struct fu_loop *l, int ctl, int file_fd, bool read_only)
{
	struct loop_config cfg;
	int nr;

	nr = ioctl(ctl, LOOP_CTL_GET_FREE);
	ck_assert_msg(nr >= 0, "LOOP_CTL_GET_FREE: %s", strerror(errno));
	snprintf(l->path, sizeof(l->path), "/dev/loop%d", nr);
	l->fd = open(l->path, O_RDWR | O_CLOEXEC);
	ck_assert_msg(l->fd >= 0, "open %s: %s", l->path, strerror(errno));
	memset(&cfg, 0, sizeof(cfg));
	cfg.fd = (uint32_t)file_fd;
	cfg.info.lo_flags = LO_FLAGS_DIRECT_IO | LO_FLAGS_AUTOCLEAR;
	if (read_only)
		cfg.info.lo_flags |= LO_FLAGS_READ_ONLY;
	if (ioctl(l->fd, LOOP_CONFIGURE, &cfg) == 0) {
		l->nr = nr;
		return 0;
	}
	close(l->fd);
	l->fd = -1;
	return -errno;
}

void fu_loop_attach(struct fu_loop *l, const char *file, bool read_only)
{
	int ctl, file_fd, ret = -EBUSY;

	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	ck_assert_msg(ctl >= 0, "open /dev/loop-control: %s", strerror(errno));
	file_fd = open(file, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	ck_assert_msg(file_fd >= 0, "open %s: %s", file, strerror(errno));
	/* another program may grab the same free device: try again */
	for (int i = 0; i < 20 && ret == -EBUSY; i++)
		ret = configure(l, ctl, file_fd, read_only);
	close(file_fd);
	close(ctl);
	ck_assert_msg(ret == 0, "LOOP_CONFIGURE over %s: %s", file,
		      strerror(-ret));
	ck_assert_msg(read_sysfs_int(l->nr, "loop/dio") == 1,
		      "%s did not enable direct I/O; a buffered loop device "
		      "loses short writes, refusing to test with it", l->path);
	settle_udev();
}

void fu_loop_detach(struct fu_loop *l)
{
	char path[128];

	if (l->fd < 0)
		return;
	close(l->fd);
	l->fd = -1;
	/* autoclear runs on the last close; wait until it has */
	snprintf(path, sizeof(path), "/sys/block/loop%d/loop", l->nr);
	for (int i = 0; i < 200 && access(path, F_OK) == 0; i++)
		usleep(5000);
}
