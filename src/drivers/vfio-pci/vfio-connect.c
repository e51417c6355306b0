/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Connect and disconnect: from the "path" property (the function's sysfs
 * directory, /sys/bus/pci/devices/DDDD:BB:DD.F, as libblkio takes it; a
 * bare PCI address is accepted too) to a VFIO container with the
 * function's IOMMU group in it and the device fd, then the virtio
 * handshake.  Disconnect resets the device before its memory is unmapped,
 * so a later open finds it idle.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vfio.h"

#define SYSFS_PCI "/sys/bus/pci/devices/"

static bool is_bdf(const char *s)
{
	unsigned dom, bus, dev, fn;
	char end;

	return strlen(s) < sizeof(((struct vfio_dev *)0)->bdf) &&
	       sscanf(s, "%x:%x:%x.%x%c", &dom, &bus, &dev, &fn, &end) == 4;
}

/* The last component of the link at dir/name, or "" when there is none. */
static void link_name(const char *dir, const char *name, char *out,
		      size_t len)
{
	char p[PATH_MAX], target[PATH_MAX];
	ssize_t n;

	out[0] = '\0';
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	n = readlink(p, target, sizeof(target) - 1);
	if (n <= 0)
		return;
	target[n] = '\0';
	snprintf(out, len, "%s", basename(target));
}

/* The function's sysfs directory, its PCI address and IOMMU group. */
static int resolve(struct vfio_dev *v, const char *path, int *group_nr)
{
	char given[PATH_MAX], dir[PATH_MAX], driver[64], group[32];

	if (!path || !path[0])
		return blkio_err(-EINVAL,
				 "path must be set to the PCI device's sysfs directory (e.g. /sys/bus/pci/devices/0000:00:01.0)");
	if (!strchr(path, '/') && is_bdf(path))
		snprintf(given, sizeof(given), SYSFS_PCI "%s", path);
	else
		snprintf(given, sizeof(given), "%s", path);
	if (!realpath(given, dir))
		return blkio_err_os(-errno, "Failed to open PCI device path %s",
				    path);
	if (!is_bdf(basename(dir)))
		return blkio_err(-EINVAL,
				 "%s is not a PCI device's sysfs directory", path);
	snprintf(v->bdf, sizeof(v->bdf), "%s", basename(dir));
	if (!realpath(given, dir))	/* basename() may have changed dir */
		return blkio_err_os(-errno, "Failed to open PCI device path %s",
				    path);
	link_name(dir, "driver", driver, sizeof(driver));
	if (strcmp(driver, "vfio-pci") != 0)
		return blkio_err(-ENODEV,
				 "PCI device %s is bound to %s, not vfio-pci (echo vfio-pci > %s/driver_override, then rebind)",
				 v->bdf, driver[0] ? driver : "no driver", dir);
	link_name(dir, "iommu_group", group, sizeof(group));
	if (!group[0] || sscanf(group, "%d", group_nr) != 1)
		return blkio_err(-ENODEV,
				 "PCI device %s has no IOMMU group (is the IOMMU on?)",
				 v->bdf);
	return 0;
}

static int open_container(struct vfio_dev *v)
{
	v->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (v->container < 0)
		return blkio_err_os(-errno, "Failed to open /dev/vfio/vfio");
	if (ioctl(v->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION)
		return blkio_err(-ENOTSUP, "Unknown VFIO API version");
	if (ioctl(v->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) <= 0)
		return blkio_err(-ENOTSUP,
				 "VFIO does not offer the type1v2 IOMMU");
	return 0;
}

static int open_group(struct vfio_dev *v, int nr)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	char p[64];

	snprintf(p, sizeof(p), "/dev/vfio/%d", nr);
	v->group = open(p, O_RDWR | O_CLOEXEC);
	if (v->group < 0)
		return blkio_err_os(-errno,
				    errno == EBUSY ? "VFIO group %s is in use by another process" :
						     "Failed to open VFIO group %s", p);
	if (ioctl(v->group, VFIO_GROUP_GET_STATUS, &st) < 0)
		return blkio_err_os(-errno, "VFIO_GROUP_GET_STATUS failed");
	if (!(st.flags & VFIO_GROUP_FLAGS_VIABLE))
		return blkio_err(-EBUSY,
				 "VFIO group %d is not viable: bind every device of /sys/kernel/iommu_groups/%d to vfio-pci",
				 nr, nr);
	if (ioctl(v->group, VFIO_GROUP_SET_CONTAINER, &v->container) < 0)
		return blkio_err_os(-errno, "VFIO_GROUP_SET_CONTAINER failed");
	if (ioctl(v->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) < 0)
		return blkio_err_os(-errno, "VFIO_SET_IOMMU (type1v2) failed");
	return vfio_iommu_info(v);
}

static int open_device(struct vfio_dev *v)
{
	struct vfio_device_info di = { .argsz = sizeof(di) };

	v->device = ioctl(v->group, VFIO_GROUP_GET_DEVICE_FD, v->bdf);
	if (v->device < 0)
		return blkio_err_os(-errno, "VFIO_GROUP_GET_DEVICE_FD %s failed",
				    v->bdf);
	if (ioctl(v->device, VFIO_DEVICE_GET_INFO, &di) < 0)
		return blkio_err_os(-errno, "VFIO_DEVICE_GET_INFO failed");
	if (!(di.flags & VFIO_DEVICE_FLAGS_PCI) ||
	    di.num_regions <= VFIO_PCI_CONFIG_REGION_INDEX)
		return blkio_err(-ENODEV, "VFIO device %s is not a PCI device",
				 v->bdf);
	v->has_reset = di.flags & VFIO_DEVICE_FLAGS_RESET;
	return vfio_bars_init(v);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Undo what connect did, in reverse; safe on a half-made connection. */
static void teardown(struct vfio_dev *v)
{
	if (v->device >= 0 && v->common.found)
		vfio_virtio_reset_quiet(v);	/* stops DMA before the unmaps */
	if (v->device >= 0)
		vfio_irqs_off(v);
	if (v->device >= 0 && v->has_reset)
		ioctl(v->device, VFIO_DEVICE_RESET);
	vblk_stop(&v->vblk);
	vfio_bars_fini(v);
	close_fd(&v->device);
	close_fd(&v->group);	/* leaves the container */
	close_fd(&v->container);	/* drops every DMA mapping left */
	v->nr_dmas = 0;
	free(v->notify_at);
	v->notify_at = NULL;
	v->nr_notify = 0;
	v->common = v->notify = v->isr = v->devcfg = (struct vfio_loc){ 0 };
	v->msix_on = false;
	v->driver_ok = false;
	/* The created-state values again (a failed connect may be retried). */
	v->vblk.info.needs_mem_region_fd = true;
	v->vblk.info.mem_region_alignment = 1;
}

static int open_all(struct vfio_dev *v, const struct drv_settings *s,
		    struct drv_device *dev)
{
	int group_nr, ret;

	ret = resolve(v, s->path, &group_nr);
	if (!ret)
		ret = open_container(v);
	if (!ret)
		ret = open_group(v, group_nr);
	if (!ret)
		ret = open_device(v);
	if (!ret)
		ret = vfio_find_caps(v);
	if (!ret)
		ret = vfio_enable_pci(v);
	if (!ret)
		ret = vfio_req_irq_init(v);
	if (ret < 0)
		return ret;
	/* MAP_DMA pins any memory, in whole IOMMU pages (contract 6.5). */
	v->vblk.info.needs_mem_region_fd = false;
	v->vblk.info.mem_region_alignment = v->page_size;
	v->vblk.max_regions = VBLK_MAX_REGIONS;
	v->vblk.max_mem_regions = VBLK_MAX_REGIONS;
	return vfio_virtio_init(v, s, dev);
}

int vfio_connect(struct blkio *b, const struct drv_settings *s,
		 struct drv_device *dev)
{
	struct vfio_dev *v = drv_priv(b);
	int ret = open_all(v, s, dev);

	if (ret < 0) {
		teardown(v);
		/* A later connect starts afresh. */
		v->vblk.broken = 0;
		v->vblk.broken_msg = NULL;
	}
	return ret;
}

/* Queues are gone (drained) and regions unmapped by now. */
void vfio_disconnect(struct blkio *b)
{
	teardown(drv_priv(b));
}
