/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Exports for drivers whose target is a fixed device rather than a file
 * a backend serves (virtio-blk-vfio-pci: a PCI function of the VM,
 * tests/vm/configs/vfio.sh).  The data-path tests make a scratch file,
 * open it through the driver and then check the file itself with plain
 * pread/pwrite (iot_pread()), so the device must start with the file's
 * content and the file must show what the device wrote afterwards.
 *
 * Writing the content through the driver would give the first half
 * only.  Instead the VM keeps each device's backing image on its
 * read-write 9p share (uncached, so every read reaches QEMU's view,
 * which is the host's page cache that the device's own reads and writes
 * go through too): the export copies the scratch file onto the image
 * and then puts the image's fd in place of the scratch file's fd
 * (dup2), so /proc/self/fd/N, the test's path, now names the device's
 * backing store; a scratch file with a name (tests/robust) is replaced
 * by a symbolic link to the image instead.  The environment names both:
 *
 *   BLKIO_TEST_DEVICE        the driver's "path" (e.g. the sysfs
 *                            directory of the PCI function)
 *   BLKIO_TEST_DEVICE_IMAGE  the device's backing image as seen here
 *
 * Without them (on the host) the export fails and the tests skip.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test-driver.h"

static int copy(int from, int to, off_t size)
{
	static char buf[1 << 20];
	off_t off = 0;

	while (off < size) {
		size_t n = size - off < (off_t)sizeof(buf) ?
			   (size_t)(size - off) : sizeof(buf);
		ssize_t r = pread(from, buf, n, off);

		if (r <= 0 || pwrite(to, buf, (size_t)r, off) != r)
			return -1;
		off += r;
	}
	return fsync(to);
}

char *test_fixed_device_export(const char *image, char *why, size_t len)
{
	const char *dev = getenv("BLKIO_TEST_DEVICE");
	const char *img = getenv("BLKIO_TEST_DEVICE_IMAGE");
	struct stat src, dst;
	int n = 0, test_fd = -1, img_fd;
	bool named;
	char *ret;

	if (!dev || !*dev || !img || !*img) {
		snprintf(why, len, "%s needs BLKIO_TEST_DEVICE and "
			 "BLKIO_TEST_DEVICE_IMAGE (set in the VM: tests/vm/run "
			 "vfio)", test_driver_name());
		return NULL;
	}
	named = sscanf(image, "/proc/self/fd/%d%n", &test_fd, &n) != 1 ||
		image[n];
	if (named)
		test_fd = open(image, O_RDONLY | O_CLOEXEC);
	if (test_fd < 0 || fstat(test_fd, &src) < 0 ||
	    !S_ISREG(src.st_mode)) {
		snprintf(why, len, "%s: a fixed device can stand in only for "
			 "a scratch file", image);
		if (named && test_fd >= 0)
			close(test_fd);
		return NULL;
	}
	img_fd = open(img, O_RDWR | O_CLOEXEC);
	if (img_fd < 0 || fstat(img_fd, &dst) < 0 ||
	    dst.st_size < src.st_size) {
		snprintf(why, len, "%s: %s", img, img_fd < 0 ? strerror(errno) :
			 "smaller than the test's scratch file");
		if (img_fd >= 0)
			close(img_fd);
		if (named)
			close(test_fd);
		return NULL;
	}
	if (copy(test_fd, img_fd, src.st_size) < 0 ||
	    (named ? unlink(image) < 0 || symlink(img, image) < 0 :
		     dup3(img_fd, test_fd, O_CLOEXEC) < 0)) {
		snprintf(why, len, "copying %s onto %s: %s", image, img,
			 strerror(errno));
		ret = NULL;
	} else {
		ret = strdup(dev);
	}
	if (named)
		close(test_fd);
	close(img_fd);
	return ret;
}
