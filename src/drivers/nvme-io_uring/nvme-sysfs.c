/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * The kernel's queue limits for a generic NVMe character device.  The
 * char device has no queue of its own in sysfs, but passthrough commands
 * go through the request queue of its namespace's block device, which
 * sits next to it under the same parent (the controller, or the
 * subsystem for a multipath head): nvme0/ng0n1 beside nvme0/nvme0n1, or
 * the path device nvme0c0n1 with native multipath.  Names follow probe
 * order, so the block device is found by nsid, not by name.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "nvme.h"

static bool nsid_matches(const char *dir, uint32_t nsid)
{
	char path[PATH_MAX];
	unsigned long v;
	bool ok = false;
	FILE *f;

	if (snprintf(path, sizeof(path), "%s/nsid", dir) >= (int)sizeof(path))
		return false;
	f = fopen(path, "re");
	if (!f)
		return false;
	if (fscanf(f, "%lu", &v) == 1)
		ok = v == nsid;
	fclose(f);
	return ok;
}

/* The device directory of the char device: /sys/devices/.../ng0n1. */
static char *char_dev_dir(int fd)
{
	char link[64];
	struct stat st;

	if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode))
		return NULL;
	snprintf(link, sizeof(link), "/sys/dev/char/%u:%u",
		 major(st.st_rdev), minor(st.st_rdev));
	return realpath(link, NULL);
}

int nvme_kernel_limits(int fd, uint32_t nsid, struct bdev_limits *kl)
{
	char *dir = char_dev_dir(fd), *slash;
	char entry[PATH_MAX], queue[PATH_MAX];
	struct dirent *de;
	int ret = -ENOENT;
	DIR *parent;

	kl->found = false;
	if (!dir)
		return -ENOENT;
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		goto out_free;
	*slash = '\0';
	parent = opendir(dir);
	if (!parent)
		goto out_free;
	while (ret < 0 && (de = readdir(parent))) {
		if (strncmp(de->d_name, "nvme", 4) != 0)
			continue;
		if (snprintf(queue, sizeof(queue), "%s/%s/queue", dir,
			     de->d_name) >= (int)sizeof(queue))
			continue;
		snprintf(entry, sizeof(entry), "%s/%s", dir, de->d_name);
		if (nsid_matches(entry, nsid))
			ret = bdev_limits_from_dirs(entry, queue, kl);
	}
	closedir(parent);
out_free:
	free(dir);
	return ret;
}
