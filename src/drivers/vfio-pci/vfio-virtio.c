/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * The virtio-pci transport (virtio 1.2, 4.1) over the located common
 * configuration: reset, feature negotiation, virtqueue setup, the device
 * configuration, notification, and the liveness check.
 *
 * DRIVER_OK is set when the last virtqueue of blkio_start() is set up:
 * a virtio 1.x PCI device takes no new virtqueue after it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vfio.h"

/* How long a reset may take before the device is given up on. */
#define RESET_TIMEOUT_MS 2000

/* Reads of the device configuration that found it changing meanwhile. */
#define CONFIG_RETRIES 16

static uint8_t status(struct vfio_dev *v)
{
	return (uint8_t)vfio_loc_read(v, &v->common, VCC_STATUS, 1);
}

static void set_status(struct vfio_dev *v, uint8_t s)
{
	vfio_loc_write(v, &v->common, VCC_STATUS, 1, s);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
			       .tv_nsec = (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * Write 0 and wait until the device reads 0 (4.1.4.3.2): only then has
 * it stopped using the rings and buffers.  All-ones means it is gone.
 * No message: teardown uses it after another error set one.
 */
int vfio_virtio_reset_quiet(struct vfio_dev *v)
{
	long waited = 0;
	uint8_t s;

	v->driver_ok = false;
	set_status(v, 0);
	while ((s = status(v)) != 0) {
		if (s == 0xff)
			return -ENODEV;
		if (waited >= RESET_TIMEOUT_MS)
			return -ETIMEDOUT;
		sleep_ms(1);
		waited++;
	}
	return 0;
}

int vfio_virtio_reset(struct vfio_dev *v)
{
	int ret = vfio_virtio_reset_quiet(v);

	if (ret == -ENODEV)
		return blkio_err(ret, "PCI device %s does not respond (removed?)",
				 v->bdf);
	if (ret < 0)
		return blkio_err(ret, "PCI device %s did not complete its reset",
				 v->bdf);
	return 0;
}

static uint64_t device_features(struct vfio_dev *v)
{
	uint64_t f;

	vfio_loc_write(v, &v->common, VCC_DFSELECT, 4, 0);
	f = vfio_loc_read(v, &v->common, VCC_DF, 4);
	vfio_loc_write(v, &v->common, VCC_DFSELECT, 4, 1);
	f |= (uint64_t)vfio_loc_read(v, &v->common, VCC_DF, 4) << 32;
	return f;
}

static void driver_features(struct vfio_dev *v, uint64_t f)
{
	vfio_loc_write(v, &v->common, VCC_GFSELECT, 4, 0);
	vfio_loc_write(v, &v->common, VCC_GF, 4, (uint32_t)f);
	vfio_loc_write(v, &v->common, VCC_GFSELECT, 4, 1);
	vfio_loc_write(v, &v->common, VCC_GF, 4, (uint32_t)(f >> 32));
}

/*
 * Without ACCESS_PLATFORM a device may bypass the IOMMU and take our
 * IOVAs for physical addresses (QEMU's virtio-pci without
 * iommu_platform=on does): it would write to random memory.
 */
static int negotiate(struct vfio_dev *v, uint64_t *features)
{
	uint64_t offered = device_features(v), f;

	if (offered == UINT64_MAX)
		return blkio_err(-ENODEV, "PCI device %s does not respond", v->bdf);
	if (!(offered & VIRTIO_BIT(VIRTIO_F_ACCESS_PLATFORM)))
		return blkio_err(-ENOTSUP,
				 "PCI device %s does not offer VIRTIO_F_ACCESS_PLATFORM: its DMA would bypass the IOMMU (QEMU: iommu_platform=on)",
				 v->bdf);
	f = vblk_wanted_features(&v->vblk, offered);
	driver_features(v, f);
	set_status(v, VSTAT_ACK | VSTAT_DRIVER | VSTAT_FEATURES_OK);
	if (!(status(v) & VSTAT_FEATURES_OK) || status(v) == 0xff)
		return blkio_err(-ENOTSUP,
				 "PCI device %s refused the features 0x%llx",
				 v->bdf, (unsigned long long)f);
	*features = f;
	return 0;
}

int vfio_virtio_init(struct vfio_dev *v, const struct drv_settings *s,
		     struct drv_device *dev)
{
	uint64_t features = 0;
	uint16_t nq;
	int ret;

	ret = vfio_virtio_reset(v);
	if (ret < 0)
		return ret;
	set_status(v, VSTAT_ACK);
	set_status(v, VSTAT_ACK | VSTAT_DRIVER);
	ret = negotiate(v, &features);
	if (ret < 0)
		goto out_fail;
	/* No interrupt for configuration changes: nothing here reacts. */
	vfio_loc_write(v, &v->common, VCC_MSIX_CONFIG, 2, VPCI_NO_VECTOR);
	nq = (uint16_t)vfio_loc_read(v, &v->common, VCC_NUM_QUEUES, 2);
	if (nq == 0 || nq == 0xffff) {
		ret = blkio_err(-EIO, "PCI device %s reports %u virtqueues",
				v->bdf, nq);
		goto out_fail;
	}
	v->dev_queues = nq;
	v->vblk.max_queues = nq;
	ret = vblk_configure(&v->vblk, features, s, dev);
	if (ret < 0)
		goto out_fail;
	return 0;

out_fail:
	set_status(v, VSTAT_FAILED);
	return ret;
}

static void write64(struct vfio_dev *v, uint32_t off, uint64_t val)
{
	vfio_loc_write(v, &v->common, off, 4, (uint32_t)val);
	vfio_loc_write(v, &v->common, off + 4, 4, (uint32_t)(val >> 32));
}

/* Where writing the queue's index notifies it; checked against the BAR. */
static int notify_offset(struct vfio_dev *v, unsigned index, uint64_t *at)
{
	uint16_t off = (uint16_t)vfio_loc_read(v, &v->common,
					       VCC_Q_NOTIFY_OFF, 2);
	uint64_t o = (uint64_t)off * v->notify_mult;

	if (o + 2 > v->notify.len)
		return blkio_err(-EIO,
				 "PCI device %s: notify offset of virtqueue %u is outside its BAR",
				 v->bdf, index);
	*at = o;
	return 0;
}

static int grow_notify(struct vfio_dev *v, unsigned n)
{
	uint64_t *p;

	if (n <= v->nr_notify)
		return 0;
	p = realloc(v->notify_at, n * sizeof(*p));
	if (!p)
		return blkio_err(-ENOMEM, "Out of memory");
	v->notify_at = p;
	v->nr_notify = n;
	return 0;
}

static int set_vector(struct vfio_dev *v, struct vblk_queue *vbq)
{
	uint16_t want = vbq->q.poll ? VPCI_NO_VECTOR : (uint16_t)vbq->index;
	int ret;

	if (!vbq->q.poll) {
		ret = vfio_msix_bind(v, vbq->index, vbq->call_fd);
		if (ret < 0)
			return ret;
	}
	vfio_loc_write(v, &v->common, VCC_Q_MSIX_VECTOR, 2, want);
	/* The device answers NO_VECTOR when it could not take ours. */
	if ((uint16_t)vfio_loc_read(v, &v->common, VCC_Q_MSIX_VECTOR, 2) != want)
		return blkio_err(-EIO,
				 "PCI device %s refused MSI-X vector %u for virtqueue %u",
				 v->bdf, want, vbq->index);
	return 0;
}

int vfio_setup_vq(struct vblk_dev *d, struct vblk_queue *vbq)
{
	struct vfio_dev *v = vfio_dev(d);
	const struct vq *vq = &vbq->vq;
	uint16_t max;
	int ret;

	if (vbq->index >= v->dev_queues)
		return blkio_err(-EINVAL, "PCI device %s has no virtqueue %u",
				 v->bdf, vbq->index);
	ret = grow_notify(v, d->nr_vqs);
	if (ret < 0)
		return ret;
	vfio_loc_write(v, &v->common, VCC_Q_SELECT, 2, vbq->index);
	max = (uint16_t)vfio_loc_read(v, &v->common, VCC_Q_SIZE, 2);
	if (max == 0 || max == 0xffff || vq->num > max)
		return blkio_err(-EINVAL,
				 "queue-size %u is larger than PCI device %s takes (%u)",
				 vq->num, v->bdf, max);
	vfio_loc_write(v, &v->common, VCC_Q_SIZE, 2, vq->num);
	ret = set_vector(v, vbq);
	if (ret < 0)
		return ret;
	write64(v, VCC_Q_DESC, vq->desc_dev);
	write64(v, VCC_Q_DRIVER, vq->avail_dev);
	write64(v, VCC_Q_DEVICE, vq->used_dev);
	ret = notify_offset(v, vbq->index, &v->notify_at[vbq->index]);
	if (ret < 0)
		return ret;
	vfio_loc_write(v, &v->common, VCC_Q_ENABLE, 2, 1);
	if (vbq->index + 1 == d->nr_vqs) {
		set_status(v, VSTAT_ACK | VSTAT_DRIVER | VSTAT_FEATURES_OK |
			      VSTAT_DRIVER_OK);
		if (status(v) != (VSTAT_ACK | VSTAT_DRIVER |
				  VSTAT_FEATURES_OK | VSTAT_DRIVER_OK))
			return blkio_err(-EIO,
					 "PCI device %s did not accept DRIVER_OK (status 0x%x)",
					 v->bdf, status(v));
		v->driver_ok = true;
	}
	return 0;
}

/* Byte by byte where not a whole aligned dword: any width is allowed. */
static void read_devcfg(struct vfio_dev *v, uint8_t *buf, size_t len)
{
	size_t i = 0;

	for (; i + 4 <= len; i += 4) {
		uint32_t x = htole32(vfio_loc_read(v, &v->devcfg, (uint32_t)i, 4));

		memcpy(buf + i, &x, 4);
	}
	for (; i < len; i++)
		buf[i] = (uint8_t)vfio_loc_read(v, &v->devcfg, (uint32_t)i, 1);
}

/*
 * The part of the configuration the device has (the rest reads as zero),
 * consistent: config_generation must not move during the read (4.1.4.3).
 */
int vfio_get_config(struct vblk_dev *d, struct virtio_blk_config *cfg,
		    size_t len)
{
	struct vfio_dev *v = vfio_dev(d);
	size_t have = len < v->devcfg.len ? len : v->devcfg.len;
	unsigned tries;
	uint8_t gen;

	if (have < len)
		memset((uint8_t *)cfg + have, 0, len - have);
	for (tries = 0; tries < CONFIG_RETRIES; tries++) {
		gen = (uint8_t)vfio_loc_read(v, &v->common, VCC_CFG_GENERATION, 1);
		read_devcfg(v, (uint8_t *)cfg, have);
		if (gen == (uint8_t)vfio_loc_read(v, &v->common,
						  VCC_CFG_GENERATION, 1))
			return 0;
	}
	return blkio_err(-EIO, "PCI device %s: configuration keeps changing",
			 v->bdf);
}

/* Data path: a 16-bit write of the queue index (4.1.4.4). */
void vfio_notify(struct vblk_queue *vbq)
{
	struct vfio_dev *v = vfio_dev(vbq->dev);

	vfio_loc_write(v, &v->notify, (uint32_t)v->notify_at[vbq->index], 2,
		       vbq->index);
}

/*
 * Asked once a second while a wait sees no completion: a device that was
 * reset, wants a reset, or reads as all-ones (surprise removal) will
 * complete nothing more.
 */
const char *vfio_check(struct vblk_dev *d)
{
	struct vfio_dev *v = vfio_dev(d);
	uint8_t s = status(v);

	if (s == 0xff)
		return "virtio-blk PCI device does not respond (removed?)";
	if (s == 0)
		return "virtio-blk PCI device was reset";
	if (s & VSTAT_NEEDS_RESET)
		return "virtio-blk PCI device needs a reset (DEVICE_NEEDS_RESET)";
	if (!(s & VSTAT_DRIVER_OK) || (s & VSTAT_FAILED))
		return "virtio-blk PCI device stopped (status without DRIVER_OK)";
	return NULL;
}
