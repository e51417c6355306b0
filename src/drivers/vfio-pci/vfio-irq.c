/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Interrupts through VFIO: each regular queue's virtqueue gets an MSI-X
 * vector whose trigger is the queue's call eventfd (its completion fd);
 * poll queues and configuration changes get none.  MSI-X is enabled once
 * for as many vectors as there are virtqueues, with no eventfd yet, and
 * each queue then binds its own vector: the kernel cannot grow the
 * vector count of an enabled function everywhere, but it can always set
 * one vector's trigger.
 *
 * The device request interrupt (VFIO_PCI_REQ_IRQ_INDEX) is the liveness
 * fd: the kernel signals it when it wants the device back (hot unplug,
 * unbind), and waits then fail instead of holding on to a device that is
 * going away.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/vfio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vfio.h"

static int irq_count(struct vfio_dev *v, unsigned index, unsigned *count)
{
	struct vfio_irq_info ii = { .argsz = sizeof(ii), .index = index };

	if (ioctl(v->device, VFIO_DEVICE_GET_IRQ_INFO, &ii) < 0)
		return -errno;
	*count = (ii.flags & VFIO_IRQ_INFO_EVENTFD) ? ii.count : 0;
	return 0;
}

/* count eventfds (fds[i] -1: none) for vectors start.. of index. */
static int set_irqs(struct vfio_dev *v, unsigned index, unsigned start,
		    unsigned count, const int *fds)
{
	size_t len = sizeof(struct vfio_irq_set) + sizeof(int) * count;
	struct vfio_irq_set *s = calloc(1, len);
	int ret = 0;

	if (!s)
		return -ENOMEM;
	s->argsz = (uint32_t)len;
	s->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	s->index = index;
	s->start = start;
	s->count = count;
	memcpy(s->data, fds, sizeof(int) * count);
	if (ioctl(v->device, VFIO_DEVICE_SET_IRQS, s) < 0)
		ret = -errno;
	free(s);
	return ret;
}

static void irq_disable(struct vfio_dev *v, unsigned index)
{
	struct vfio_irq_set s = {
		.argsz = sizeof(s),
		.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
		.index = index,
	};

	ioctl(v->device, VFIO_DEVICE_SET_IRQS, &s);
}

/* Optional: a kernel or device without it still works, unwatched. */
int vfio_req_irq_init(struct vfio_dev *v)
{
	unsigned n = 0;
	int fd, ret;

	if (irq_count(v, VFIO_PCI_REQ_IRQ_INDEX, &n) < 0 || n < 1)
		return 0;
	fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (fd < 0)
		return blkio_err_os(-errno, "eventfd for the device request failed");
	ret = set_irqs(v, VFIO_PCI_REQ_IRQ_INDEX, 0, 1, &fd);
	if (ret < 0) {
		close(fd);
		return 0;
	}
	v->req_fd = fd;
	v->vblk.liveness_fd = fd;
	v->vblk.liveness_events = POLLIN;
	return 0;
}

static int msix_enable(struct vfio_dev *v)
{
	unsigned i, n = v->vblk.nr_vqs;
	int *fds;
	int ret;

	if (irq_count(v, VFIO_PCI_MSIX_IRQ_INDEX, &v->msix_count) < 0)
		v->msix_count = 0;
	if (n > v->msix_count)
		n = v->msix_count;
	if (!n)
		return blkio_err(-ENOTSUP,
				 "PCI device %s has no MSI-X vector for a regular queue (use poll queues)",
				 v->bdf);
	fds = malloc(sizeof(int) * n);
	if (!fds)
		return blkio_err(-ENOMEM, "Out of memory");
	for (i = 0; i < n; i++)
		fds[i] = -1;
	ret = set_irqs(v, VFIO_PCI_MSIX_IRQ_INDEX, 0, n, fds);
	free(fds);
	if (ret < 0)
		return blkio_err_os(ret, "VFIO: enabling %u MSI-X vectors failed", n);
	v->msix_count = n;
	v->msix_on = true;
	return 0;
}

/* The vector's interrupts now signal fd. */
int vfio_msix_bind(struct vfio_dev *v, unsigned vector, int fd)
{
	int ret;

	if (!v->msix_on) {
		ret = msix_enable(v);
		if (ret < 0)
			return ret;
	}
	if (vector >= v->msix_count)
		return blkio_err(-ENOTSUP,
				 "PCI device %s has %u MSI-X vectors, too few for regular queue %u (use poll queues)",
				 v->bdf, v->msix_count, vector);
	ret = set_irqs(v, VFIO_PCI_MSIX_IRQ_INDEX, vector, 1, &fd);
	if (ret < 0)
		return blkio_err_os(ret, "VFIO: binding MSI-X vector %u failed",
				    vector);
	return 0;
}

void vfio_irqs_off(struct vfio_dev *v)
{
	if (v->msix_on)
		irq_disable(v, VFIO_PCI_MSIX_IRQ_INDEX);
	v->msix_on = false;
	if (v->req_fd >= 0) {
		irq_disable(v, VFIO_PCI_REQ_IRQ_INDEX);
		close(v->req_fd);
	}
	v->req_fd = v->vblk.liveness_fd = -1;
}
