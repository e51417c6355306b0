/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * blkio_connect() for nvme-io_uring: open the generic character device
 * (or take the caller's fd), check that it is an NVMe namespace, and
 * learn the namespace and its controller through Identify (the admin
 * passthrough ioctl), the kernel's queue limits through sysfs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nvme.h"
#include "nvme-spec.h"

/* A character device of an NVMe namespace; d->nsid and d->read_only. */
static int check_device(struct nvme_dev *d)
{
	struct stat st;
	int fl, nsid;

	if (fstat(d->fd, &st) < 0)
		return blkio_err_os(-errno, "fstat of the device failed");
	if (!S_ISCHR(st.st_mode))
		return blkio_err(-EINVAL, "The file must be a character device");
	/* The kernel's errno, as libblkio returns it (-ENOTTY for /dev/null). */
	nsid = ioctl(d->fd, NVME_IOCTL_ID);
	if (nsid < 0)
		return blkio_err_os(-errno, "The file is not an NVMe namespace's generic character device (/dev/ngXnY): NVME_IOCTL_ID failed");
	if (nsid == 0)
		return blkio_err(-EINVAL, "The file is not an NVMe namespace's generic character device (/dev/ngXnY): NVME_IOCTL_ID gave namespace 0");
	d->nsid = (uint32_t)nsid;
	fl = fcntl(d->fd, F_GETFL);
	if (fl < 0)
		return blkio_err_os(-errno, "fcntl(F_GETFL) on fd %d failed",
				    d->fd);
	d->read_only = (fl & O_ACCMODE) == O_RDONLY;
	return 0;
}

/*
 * One Identify through the admin passthrough ioctl.  Returns 0, a
 * negative errno, or the NVMe status (> 0); sets no message.
 */
static int identify(int fd, uint8_t cns, uint32_t nsid, uint8_t csi,
		    uint8_t *buf)
{
	struct nvme_admin_cmd cmd = {
		.opcode = NVME_ADMIN_IDENTIFY,
		.nsid = nsid,
		.addr = (uintptr_t)buf,
		.data_len = NVME_IDENTIFY_LEN,
		.cdw10 = cns,
		.cdw11 = (uint32_t)csi << 24,
	};
	int ret;

	memset(buf, 0, NVME_IDENTIFY_LEN);
	ret = ioctl(fd, NVME_IOCTL_ADMIN_CMD, &cmd);
	return ret < 0 ? -errno : ret;
}

__attribute__((cold))
static int identify_failed(int ret, const char *what)
{
	const char *msg = NULL;
	int err;

	if (ret > 0) {
		err = nvme_status_errno(ret, &msg);
		return blkio_err(err, "Identify %s failed: %s", what, msg);
	}
	if (ret == -EPERM || ret == -EACCES)
		return blkio_err(ret, "Identify %s through NVME_IOCTL_ADMIN_CMD failed: %s (passthrough needs CAP_SYS_ADMIN)",
				 what, strerror(-ret));
	return blkio_err_os(ret, "Identify %s through NVME_IOCTL_ADMIN_CMD failed",
			    what);
}

/* What must be known: the namespace's format and size, the controller. */
static int identify_required(int fd, uint32_t nsid, uint8_t *buf,
			     struct nvme_id_info *id)
{
	int ret;

	ret = identify(fd, NVME_ID_CNS_NS, nsid, NVME_CSI_NVM, buf);
	if (ret)
		return identify_failed(ret, "Namespace");
	ret = nvme_parse_id_ns(buf, id);
	if (ret < 0)
		return ret;
	ret = identify(fd, NVME_ID_CNS_CTRL, 0, NVME_CSI_NVM, buf);
	if (ret)
		return identify_failed(ret, "Controller");
	nvme_parse_id_ctrl(buf, id);
	return 0;
}

/*
 * The command set, and what its own Identify structures add.  Controllers
 * older than NVMe 1.3 know neither the descriptor list nor the command set
 * specific structures: then the namespace is NVM and the optional limits
 * stay unreported.
 */
static int identify_command_set(int fd, uint32_t nsid, uint8_t *buf,
				struct nvme_id_info *id)
{
	int ret;

	id->csi = NVME_CSI_NVM;
	if (identify(fd, NVME_ID_CNS_NS_DESC_LIST, nsid, 0, buf) == 0)
		id->csi = nvme_parse_ns_csi(buf);
	else if (identify(fd, NVME_ID_CNS_CS_NS, nsid, NVME_CSI_ZNS, buf) == 0 &&
		 nvme_le64(buf + NVME_IDN_ZNS_LBAFE + 16 * id->format) != 0)
		/*
		 * Linux lets users without CAP_SYS_ADMIN send some Identify
		 * commands but not the descriptor list: a namespace that
		 * answers the zoned Identify with a zone size is zoned.
		 */
		id->csi = NVME_CSI_ZNS;
	if (identify(fd, NVME_ID_CNS_CS_CTRL, 0, NVME_CSI_NVM, buf) == 0)
		nvme_parse_id_ctrl_nvm(buf, id);

	if (id->csi == NVME_CSI_NVM)
		return 0;
	if (id->csi != NVME_CSI_ZNS)
		return blkio_err(-ENOTSUP, "The namespace uses I/O command set %u; nvme-io_uring supports NVM (0) and Zoned Namespace (2)",
				 id->csi);
	ret = identify(fd, NVME_ID_CNS_CS_NS, nsid, NVME_CSI_ZNS, buf);
	if (ret)
		return identify_failed(ret, "Namespace (Zoned Namespace command set)");
	ret = nvme_parse_id_ns_zns(buf, id);
	if (ret < 0)
		return ret;
	if (identify(fd, NVME_ID_CNS_CS_CTRL, 0, NVME_CSI_ZNS, buf) == 0)
		nvme_parse_id_ctrl_zns(buf, id);
	return 0;
}

static int learn_device(struct nvme_dev *d, struct dev_info *info)
{
	struct nvme_id_info id = { 0 };
	struct bdev_limits kl;
	uint8_t *buf;
	int ret;

	if (posix_memalign((void **)&buf, NVME_IDENTIFY_LEN,
			   NVME_IDENTIFY_LEN) != 0)
		return blkio_err(-ENOMEM, "Out of memory");
	ret = identify_required(d->fd, d->nsid, buf, &id);
	if (ret == 0)
		ret = identify_command_set(d->fd, d->nsid, buf, &id);
	free(buf);
	if (ret < 0)
		return ret;

	/*
	 * Without its block device's queue in sysfs the kernel's limits are
	 * unknown: Identify's alone are used, and poll queues are
	 * busy-polled (IOPOLL passthrough to a controller without poll
	 * queues "succeeds" by interrupt, so it is never tried blind).
	 */
	nvme_kernel_limits(d->fd, d->nsid, &kl);
	nvme_set_limits(d, &id, &kl, info);
	d->iopoll = kl.found && kl.io_poll;
	info->supports_poll_queues = d->iopoll;
	d->poll_queue_mode = uring_poll_queue_mode(d->iopoll);
	return 0;
}

int nvme_connect(struct blkio *b, const struct drv_settings *s,
		 struct drv_device *dev)
{
	struct nvme_dev *d = nvme_dev(b);
	int ret;

	d->fd = drv_open_device(s, 0, &d->opened);
	if (d->fd < 0)
		return d->fd;
	ret = check_device(d);
	if (ret == 0)
		ret = learn_device(d, &dev->info);
	if (ret < 0) {
		/* A caller's fd stays the caller's when connect fails. */
		if (d->opened)
			close(d->fd);
		d->fd = -1;
		d->opened = false;
		return ret;
	}
	dev->fd = d->fd;
	dev->fd_adopted = !d->opened;
	dev->read_only = d->read_only;
	return 0;
}

int nvme_get_capacity(struct blkio *b, uint64_t *capacity)
{
	*capacity = nvme_dev(b)->capacity;
	return 0;
}
