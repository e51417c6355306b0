/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * The PCI side: config space (always through the device fd: vfio-pci
 * virtualizes parts of it), the BARs (mapped where VFIO allows it, so a
 * register access is a load or store; else pread/pwrite on the device
 * fd), and the virtio vendor capabilities that say where the virtio
 * structures are.  The capability list comes from the device: its
 * pointers are bounded and followed a limited number of times, and every
 * structure must lie inside its BAR before anything uses it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vfio.h"

/* A list longer than this loops (the config space holds at most 48). */
#define MAX_CAPS 48

#define PCI_VENDOR_VIRTIO 0x1af4
#define PCI_DEVICE_VIRTIO_BLK_MODERN 0x1042
#define PCI_DEVICE_VIRTIO_BLK_LEGACY 0x1001

int vfio_cfg_read(struct vfio_dev *v, uint32_t off, void *buf, size_t len)
{
	ssize_t n;

	if (off + len > v->cfg_size)
		return -EINVAL;
	n = pread(v->device, buf, len, (off_t)(v->cfg_offset + off));
	if (n != (ssize_t)len)
		return n < 0 ? -errno : -EIO;
	return 0;
}

int vfio_cfg_write(struct vfio_dev *v, uint32_t off, const void *buf,
		   size_t len)
{
	ssize_t n;

	if (off + len > v->cfg_size)
		return -EINVAL;
	n = pwrite(v->device, buf, len, (off_t)(v->cfg_offset + off));
	if (n != (ssize_t)len)
		return n < 0 ? -errno : -EIO;
	return 0;
}

static int region_info(struct vfio_dev *v, unsigned index,
		       struct vfio_region_info *ri)
{
	*ri = (struct vfio_region_info){ .argsz = sizeof(*ri), .index = index };
	if (ioctl(v->device, VFIO_DEVICE_GET_REGION_INFO, ri) < 0)
		return -errno;
	return 0;
}

/*
 * Map a BAR whole when VFIO says it may be mapped.  A BAR with parts
 * that may not (the MSI-X table, sparse mmap) fails the mmap: it is then
 * reached through the fd, which is slower but always allowed.
 */
static void map_bar(struct vfio_dev *v, struct vfio_bar *bar, uint32_t flags)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p;

	if (!(flags & VFIO_REGION_INFO_FLAG_MMAP) || bar->size % (uint64_t)page)
		return;
	p = mmap(NULL, bar->size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 v->device, (off_t)bar->offset);
	if (p != MAP_FAILED)
		bar->map = p;
}

int vfio_bars_init(struct vfio_dev *v)
{
	struct vfio_region_info ri;
	unsigned i;
	int ret;

	ret = region_info(v, VFIO_PCI_CONFIG_REGION_INDEX, &ri);
	if (ret < 0)
		return blkio_err_os(ret, "VFIO: no PCI config space region");
	v->cfg_offset = ri.offset;
	v->cfg_size = ri.size < 4096 ? ri.size : 4096;
	if (v->cfg_size < 256)
		return blkio_err(-EIO, "VFIO: PCI config space of %llu bytes",
				 (unsigned long long)ri.size);
	for (i = 0; i < VFIO_NR_BARS; i++) {
		struct vfio_bar *bar = &v->bars[i];

		if (region_info(v, VFIO_PCI_BAR0_REGION_INDEX + i, &ri) < 0 ||
		    !ri.size || !(ri.flags & VFIO_REGION_INFO_FLAG_READ) ||
		    !(ri.flags & VFIO_REGION_INFO_FLAG_WRITE))
			continue;
		bar->size = ri.size;
		bar->offset = ri.offset;
	}
	return 0;
}

/* Called only for the BARs the capabilities use (the others stay unmapped). */
static void map_used_bars(struct vfio_dev *v)
{
	const struct vfio_loc *locs[] = { &v->common, &v->notify, &v->isr,
					  &v->devcfg };
	struct vfio_region_info ri;
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(locs); i++) {
		struct vfio_bar *bar = &v->bars[locs[i]->bar];

		if (!locs[i]->found || bar->map)
			continue;
		if (region_info(v, VFIO_PCI_BAR0_REGION_INDEX + locs[i]->bar,
				&ri) == 0)
			map_bar(v, bar, ri.flags);
	}
}

void vfio_bars_fini(struct vfio_dev *v)
{
	unsigned i;

	for (i = 0; i < VFIO_NR_BARS; i++) {
		if (v->bars[i].map)
			munmap((void *)v->bars[i].map, v->bars[i].size);
		v->bars[i] = (struct vfio_bar){ 0 };
	}
}

/* One virtio vendor capability at pos, checked against its BAR. */
static int vendor_cap(struct vfio_dev *v, uint32_t pos)
{
	uint8_t c[16];
	struct vfio_loc l = { .found = true };
	struct vfio_loc *dst;
	uint32_t mult;

	if (vfio_cfg_read(v, pos, c, sizeof(c)) < 0 || c[2] < sizeof(c))
		return 0;
	l.bar = c[4];
	memcpy(&l.off, &c[8], 4);
	memcpy(&l.len, &c[12], 4);
	l.off = le32toh(l.off);
	l.len = le32toh(l.len);
	switch (c[3]) {
	case VPCI_CAP_COMMON: dst = &v->common; break;
	case VPCI_CAP_NOTIFY: dst = &v->notify; break;
	case VPCI_CAP_ISR: dst = &v->isr; break;
	case VPCI_CAP_DEVICE: dst = &v->devcfg; break;
	default: return 0;	/* PCI config access and others: unused */
	}
	/* The first one of a type that we can use counts (4.1.4.1). */
	if (dst->found || l.bar >= VFIO_NR_BARS || !v->bars[l.bar].size ||
	    !l.len || (uint64_t)l.off + l.len > v->bars[l.bar].size)
		return 0;
	if (c[3] == VPCI_CAP_NOTIFY) {
		if (c[2] < 20 || vfio_cfg_read(v, pos + 16, &mult, 4) < 0)
			return 0;
		v->notify_mult = le32toh(mult);
	}
	*dst = l;
	return 0;
}

static int check_ids(struct vfio_dev *v)
{
	uint16_t ids[2];

	if (vfio_cfg_read(v, PCI_VENDOR_ID, ids, sizeof(ids)) < 0)
		return blkio_err(-EIO, "VFIO: cannot read the PCI config space");
	if (le16toh(ids[0]) != PCI_VENDOR_VIRTIO ||
	    (le16toh(ids[1]) != PCI_DEVICE_VIRTIO_BLK_MODERN &&
	     le16toh(ids[1]) != PCI_DEVICE_VIRTIO_BLK_LEGACY))
		return blkio_err(-ENODEV,
				 "PCI device %s (%04x:%04x) is not a virtio-blk device",
				 v->bdf, le16toh(ids[0]), le16toh(ids[1]));
	return 0;
}

int vfio_find_caps(struct vfio_dev *v)
{
	uint16_t status;
	uint8_t pos, hdr[2];
	unsigned n;
	int ret;

	ret = check_ids(v);
	if (ret < 0)
		return ret;
	if (vfio_cfg_read(v, PCI_STATUS, &status, 2) < 0 ||
	    !(le16toh(status) & PCI_STATUS_CAP_LIST) ||
	    vfio_cfg_read(v, PCI_CAPABILITY_LIST, &pos, 1) < 0)
		pos = 0;
	for (n = 0; pos && n < MAX_CAPS; n++) {
		pos &= ~3;
		if (pos < 0x40 || vfio_cfg_read(v, pos, hdr, 2) < 0)
			break;
		if (hdr[0] == PCI_CAP_ID_VNDR)
			vendor_cap(v, pos);
		pos = hdr[1];
	}
	if (!v->common.found || !v->notify.found || !v->devcfg.found)
		return blkio_err(-ENOTSUP,
				 "PCI device %s has no virtio 1.x (modern) interface; use disable-legacy=on or a modern device",
				 v->bdf);
	if (v->common.len < VCC_LEN)
		return blkio_err(-EIO,
				 "PCI device %s: virtio common configuration too short (%u bytes)",
				 v->bdf, v->common.len);
	map_used_bars(v);
	return 0;
}

/* Memory space and bus master on (DMA), legacy INTx off (we use MSI-X). */
int vfio_enable_pci(struct vfio_dev *v)
{
	uint16_t cmd;

	if (vfio_cfg_read(v, PCI_COMMAND, &cmd, 2) < 0)
		return blkio_err(-EIO, "VFIO: cannot read the PCI command register");
	cmd = htole16(le16toh(cmd) | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
		      PCI_COMMAND_INTX_DISABLE);
	if (vfio_cfg_write(v, PCI_COMMAND, &cmd, 2) < 0)
		return blkio_err(-EIO, "VFIO: cannot write the PCI command register");
	return 0;
}

static volatile void *reg(struct vfio_dev *v, const struct vfio_loc *l,
			  uint32_t off)
{
	return v->bars[l->bar].map + l->off + off;
}

/*
 * Registers are read and written with their exact width (virtio 1.2,
 * 4.1.3.1).  An access outside the structure reads as all-ones, like a
 * vanished device, and writes nothing.
 */
uint32_t vfio_loc_read(struct vfio_dev *v, const struct vfio_loc *l,
		       uint32_t off, unsigned sz)
{
	uint32_t val = 0;

	if ((uint64_t)off + sz > l->len)
		return UINT32_MAX;
	if (v->bars[l->bar].map) {
		volatile void *p = reg(v, l, off);

		if (sz == 1)
			return *(volatile uint8_t *)p;
		if (sz == 2)
			return le16toh(*(volatile uint16_t *)p);
		return le32toh(*(volatile uint32_t *)p);
	}
	if (pread(v->device, &val, sz, (off_t)(v->bars[l->bar].offset +
					       l->off + off)) != (ssize_t)sz)
		return UINT32_MAX;
	return le32toh(val);
}

void vfio_loc_write(struct vfio_dev *v, const struct vfio_loc *l,
		    uint32_t off, unsigned sz, uint32_t val)
{
	uint32_t le = htole32(val);

	if ((uint64_t)off + sz > l->len)
		return;
	if (v->bars[l->bar].map) {
		volatile void *p = reg(v, l, off);

		if (sz == 1)
			*(volatile uint8_t *)p = (uint8_t)val;
		else if (sz == 2)
			*(volatile uint16_t *)p = htole16((uint16_t)val);
		else
			*(volatile uint32_t *)p = le;
		return;
	}
	/* Little-endian: the first sz bytes of le are the value. */
	if (pwrite(v->device, &le, sz, (off_t)(v->bars[l->bar].offset +
					       l->off + off)) != (ssize_t)sz) {
		/* nothing to do: a gone device shows in check() */
	}
}
