/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * The virtio-blk-vfio-pci driver: a virtio 1.x PCI function bound to the
 * kernel's vfio-pci driver, driven from user space through VFIO (a type1
 * IOMMU container holding the function's IOMMU group), under the
 * virtio-blk core.
 *
 *   vfio-connect.c  the sysfs path, container, group and device; teardown
 *   vfio-pci.c      PCI config space, the BARs, the virtio capabilities
 *   vfio-virtio.c   the virtio-pci common configuration: status, features,
 *                   virtqueues, the device configuration, notify, check
 *   vfio-dma.c      IOVAs and DMA mappings (rings and memory regions)
 *   vfio-irq.c      MSI-X vectors and the device request eventfd
 *   vfio-driver.c   the driver and transport tables
 *
 * Everything the device shows us (config space, capabilities, registers)
 * is untrusted: offsets and lengths are checked against the BARs before
 * any access, and a device that reads as all-ones is gone.
 */
#ifndef BLKIO_VFIO_H
#define BLKIO_VFIO_H

#include <stdbool.h>
#include <stdint.h>

#include "../virtio-blk/vblk.h"

#define VFIO_NR_BARS 6

/* virtio-pci capability types (virtio 1.2, 4.1.4). */
#define VPCI_CAP_COMMON	1
#define VPCI_CAP_NOTIFY	2
#define VPCI_CAP_ISR	3
#define VPCI_CAP_DEVICE	4

/* Device status bits (virtio 1.2, 2.1). */
#define VSTAT_ACK		1
#define VSTAT_DRIVER		2
#define VSTAT_DRIVER_OK		4
#define VSTAT_FEATURES_OK	8
#define VSTAT_NEEDS_RESET	0x40
#define VSTAT_FAILED		0x80

#define VPCI_NO_VECTOR 0xffff

/* The common configuration structure's fields (virtio 1.2, 4.1.4.3). */
#define VCC_DFSELECT		0x00	/* le32 device_feature_select */
#define VCC_DF			0x04	/* le32 device_feature */
#define VCC_GFSELECT		0x08	/* le32 driver_feature_select */
#define VCC_GF			0x0c	/* le32 driver_feature */
#define VCC_MSIX_CONFIG		0x10	/* le16 config_msix_vector */
#define VCC_NUM_QUEUES		0x12	/* le16 num_queues */
#define VCC_STATUS		0x14	/* u8 device_status */
#define VCC_CFG_GENERATION	0x15	/* u8 config_generation */
#define VCC_Q_SELECT		0x16	/* le16 queue_select */
#define VCC_Q_SIZE		0x18	/* le16 queue_size */
#define VCC_Q_MSIX_VECTOR	0x1a	/* le16 queue_msix_vector */
#define VCC_Q_ENABLE		0x1c	/* le16 queue_enable */
#define VCC_Q_NOTIFY_OFF	0x1e	/* le16 queue_notify_off */
#define VCC_Q_DESC		0x20	/* le64 queue_desc */
#define VCC_Q_DRIVER		0x28	/* le64 queue_driver (avail) */
#define VCC_Q_DEVICE		0x30	/* le64 queue_device (used) */
#define VCC_LEN			0x38	/* the fields above, virtio 1.0 */

/* A BAR as the device fd offers it: mapped, or reached with pread/pwrite. */
struct vfio_bar {
	uint64_t size;
	uint64_t offset;	/* in the device fd */
	volatile uint8_t *map;	/* NULL: use the fd */
};

/* Where one virtio structure lives: a range of a BAR. */
struct vfio_loc {
	bool found;
	uint8_t bar;
	uint32_t off;
	uint32_t len;
};

/* An IOVA range the IOMMU translates (inclusive end). */
struct vfio_span {
	uint64_t start, end;
};

#define VFIO_MAX_IOVA_RANGES 16

/* A DMA mapping we made: for the IOVA allocator and for unmapping. */
struct vfio_dma {
	uint64_t iova, len;
};

/* The driver's private data; struct vblk_dev must come first. */
struct vfio_dev {
	struct vblk_dev vblk;

	int container;
	int group;
	int device;
	char bdf[32];		/* the PCI address, e.g. 0000:00:05.0 */
	bool has_reset;		/* VFIO_DEVICE_RESET offered */

	uint64_t cfg_offset;	/* PCI config space in the device fd */
	uint64_t cfg_size;
	struct vfio_bar bars[VFIO_NR_BARS];

	struct vfio_loc common, notify, isr, devcfg;
	uint32_t notify_mult;
	uint16_t dev_queues;	/* num_queues of the common configuration */

	/* IOVAs the IOMMU takes, and what we mapped there. */
	struct vfio_span ranges[VFIO_MAX_IOVA_RANGES];
	unsigned nr_ranges;
	uint64_t page_size;	/* smallest IOMMU page */
	struct vfio_dma dmas[VBLK_MAX_REGIONS + 1];
	unsigned nr_dmas;

	/* Interrupts. */
	unsigned msix_count;	/* vectors the function has */
	bool msix_on;
	int req_fd;		/* device request eventfd (liveness), or -1 */

	/* Per virtqueue: where to write its index to notify it. */
	uint64_t *notify_at;	/* [nr_vqs] offsets in the notify BAR */
	unsigned nr_notify;
	bool driver_ok;
};

static inline struct vfio_dev *vfio_dev(struct vblk_dev *d)
{
	return container_of(d, struct vfio_dev, vblk);
}

/* vfio-connect.c */
int vfio_connect(struct blkio *b, const struct drv_settings *s,
		 struct drv_device *dev);
void vfio_disconnect(struct blkio *b);

/* vfio-pci.c: config space, BARs, capabilities */
int vfio_cfg_read(struct vfio_dev *v, uint32_t off, void *buf, size_t len);
int vfio_cfg_write(struct vfio_dev *v, uint32_t off, const void *buf,
		   size_t len);
int vfio_bars_init(struct vfio_dev *v);
void vfio_bars_fini(struct vfio_dev *v);
int vfio_find_caps(struct vfio_dev *v);
int vfio_enable_pci(struct vfio_dev *v);
/* Exact-width access inside a located structure (sz 1, 2 or 4). */
uint32_t vfio_loc_read(struct vfio_dev *v, const struct vfio_loc *l,
		       uint32_t off, unsigned sz);
void vfio_loc_write(struct vfio_dev *v, const struct vfio_loc *l,
		    uint32_t off, unsigned sz, uint32_t val);

/* vfio-virtio.c: the virtio-pci transport */
int vfio_virtio_init(struct vfio_dev *v, const struct drv_settings *s,
		     struct drv_device *dev);
int vfio_virtio_reset(struct vfio_dev *v);
int vfio_virtio_reset_quiet(struct vfio_dev *v);
int vfio_setup_vq(struct vblk_dev *d, struct vblk_queue *vbq);
int vfio_get_config(struct vblk_dev *d, struct virtio_blk_config *cfg,
		    size_t len);
void vfio_notify(struct vblk_queue *vbq);
const char *vfio_check(struct vblk_dev *d);

/* vfio-dma.c */
int vfio_iommu_info(struct vfio_dev *v);
int vfio_dma_map(struct vfio_dev *v, void *addr, uint64_t len,
		 uint64_t *iova);
void vfio_dma_unmap(struct vfio_dev *v, uint64_t iova, uint64_t len);
int vfio_alloc_shared(struct vblk_dev *d, size_t len, struct vblk_shm *shm);
void vfio_free_shared(struct vblk_dev *d, struct vblk_shm *shm);
int vfio_map(struct vblk_dev *d, const struct blkio_mem_region *r,
	     uint64_t *dev_addr);
void vfio_unmap(struct vblk_dev *d, const struct blkio_mem_region *r,
		uint64_t dev_addr);

/* vfio-irq.c */
int vfio_req_irq_init(struct vfio_dev *v);
int vfio_msix_bind(struct vfio_dev *v, unsigned vector, int fd);
void vfio_irqs_off(struct vfio_dev *v);

#endif
