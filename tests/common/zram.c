/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/* zram devices for the tests (zram.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sysfs-write.h"
#include "zram.h"

#define CONTROL "/sys/class/zram-control"

static int device_attr(const struct zramdev *z, const char *attr,
		       const char *value)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/block/zram%d/%s", z->id, attr);
	return sysfs_write(path, value);
}

/* hot_add answers with the new device's number. */
static int hot_add(void)
{
	char line[16] = "";
	FILE *f = fopen(CONTROL "/hot_add", "re");
	int id = -1;

	if (!f)
		return -errno;
	if (fgets(line, sizeof(line), f))
		id = atoi(line);
	fclose(f);
	return id >= 0 && line[0] ? id : -EIO;
}

int zram_attach(struct zramdev *z, uint64_t size, const char **why)
{
	char value[24];
	int ret;

	z->id = -1;
	if (geteuid() != 0) {
		*why = "zram devices need root";
		return -EPERM;
	}
	if (access(CONTROL "/hot_add", R_OK) != 0 &&
	    system("modprobe zram >/dev/null 2>&1") != 0) {
		*why = "no zram module (" CONTROL " is missing)";
		return -ENODEV;
	}
	ret = hot_add();
	if (ret < 0) {
		*why = "adding a zram device failed";
		return ret;
	}
	z->id = ret;
	snprintf(z->path, sizeof(z->path), "/dev/zram%d", z->id);
	snprintf(value, sizeof(value), "%llu", (unsigned long long)size);
	ret = device_attr(z, "disksize", value);
	if (ret < 0) {
		*why = "setting the zram device's disksize failed";
		zram_detach(z);
		return ret;
	}
	/* udev may create the node a moment after the device appears. */
	for (int i = 0; i < 500 && access(z->path, R_OK | W_OK) != 0; i++)
		usleep(10000);
	if (access(z->path, R_OK | W_OK) != 0) {
		*why = "the zram device node did not appear";
		zram_detach(z);
		return -ENODEV;
	}
	return 0;
}

/*
 * udev opens a new device to probe it, and reset and hot_remove refuse
 * an open device (-EBUSY): try again for up to five seconds.
 */
static int retry_busy(int (*fn)(const struct zramdev *), const struct zramdev *z)
{
	int ret;

	for (int i = 0; (ret = fn(z)) == -EBUSY && i < 500; i++)
		usleep(10000);
	return ret;
}

static int reset(const struct zramdev *z)
{
	return device_attr(z, "reset", "1");
}

static int hot_remove(const struct zramdev *z)
{
	char id[16];

	snprintf(id, sizeof(id), "%d", z->id);
	return sysfs_write(CONTROL "/hot_remove", id);
}

void zram_detach(struct zramdev *z)
{
	if (z->id < 0)
		return;
	retry_busy(reset, z);
	if (retry_busy(hot_remove, z) < 0)
		fprintf(stderr, "zram%d could not be removed\n", z->id);
	z->id = -1;
}
