/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Identify data, parsed and checked, and the limits that follow from it.
 * Everything read here came from the device: indexes are bounded, sizes
 * are checked against overflow before use, and what cannot be trusted is
 * refused with a message rather than used.
 */
#include <errno.h>
#include <limits.h>
#include <unistd.h>

#include "nvme.h"
#include "nvme-spec.h"

/*
 * The controller's memory page size unit (CAP.MPSMIN), in which MDTS and
 * the other size limits are given.  CAP is a controller register that no
 * kernel interface exposes to an application; Linux runs every controller
 * with 4 KiB pages and refuses one whose minimum is larger, and the
 * smallest the specification allows is 4 KiB, so on Linux it is 4 KiB.
 */
#define NVME_MPSMIN_SHIFT	12

/* Smallest and largest logical block we accept (512 B .. 64 KiB). */
#define LBA_SHIFT_MIN		9
#define LBA_SHIFT_MAX		16

int nvme_parse_id_ns(const uint8_t *data, struct nvme_id_info *id)
{
	unsigned nlbaf = data[NVME_IDN_NLBAF];
	unsigned flbas = data[NVME_IDN_FLBAS];
	const uint8_t *lbaf;
	unsigned format;

	/* FLBAS bits 3:0 and, beyond 16 formats, bits 6:5 as 5:4. */
	format = (flbas & 0xf) | (nlbaf >= 16 ? ((flbas >> 5) & 0x3) << 4 : 0);
	if (format > nlbaf || format >= NVME_MAX_LBAF)
		return blkio_err(-EIO, "Identify Namespace: LBA format %u in use, but only %u are described",
				 format, nlbaf + 1);
	lbaf = data + NVME_IDN_LBAF + 4 * format;
	if (nvme_le16(lbaf + NVME_LBAF_MS) != 0)
		return blkio_err(-ENOTSUP, "The namespace has %u bytes of metadata per logical block, which nvme-io_uring does not support",
				 nvme_le16(lbaf + NVME_LBAF_MS));
	id->lba_shift = lbaf[NVME_LBAF_LBADS];
	if (id->lba_shift < LBA_SHIFT_MIN || id->lba_shift > LBA_SHIFT_MAX)
		return blkio_err(-ENOTSUP, "Identify Namespace: a logical block of 2^%u bytes is not supported",
				 id->lba_shift);
	id->format = format;
	id->nsze = nvme_le64(data + NVME_IDN_NSZE);
	if (id->nsze == 0 || id->nsze > UINT64_MAX >> id->lba_shift)
		return blkio_err(-EIO, "Identify Namespace: implausible size of %llu blocks",
				 (unsigned long long)id->nsze);
	return 0;
}

void nvme_parse_id_ctrl(const uint8_t *data, struct nvme_id_info *id)
{
	id->mdts = data[NVME_IDC_MDTS];
	id->oncs = nvme_le16(data + NVME_IDC_ONCS);
	id->vwc = data[NVME_IDC_VWC] & NVME_VWC_PRESENT;
}

void nvme_parse_id_ctrl_nvm(const uint8_t *data, struct nvme_id_info *id)
{
	id->wzsl = data[NVME_IDC_NVM_WZSL];
	id->dmrsl = nvme_le32(data + NVME_IDC_NVM_DMRSL);
}

/*
 * The Command Set Identifier in a Namespace Identification Descriptor
 * list: type (1 byte), length (1 byte), 2 reserved, then the value.  A
 * list without one is the NVM command set.
 */
uint8_t nvme_parse_ns_csi(const uint8_t *data)
{
	size_t pos = 0;

	while (pos + 4 <= NVME_IDENTIFY_LEN) {
		unsigned type = data[pos], len = data[pos + 1];

		if (type == 0 || len == 0)
			break;
		if (pos + 4 + len > NVME_IDENTIFY_LEN)
			break;
		if (type == NVME_NIDT_CSI)
			return data[pos + 4];
		pos += 4 + len;
	}
	return NVME_CSI_NVM;
}

int nvme_parse_id_ns_zns(const uint8_t *data, struct nvme_id_info *id)
{
	const uint8_t *lbafe = data + NVME_IDN_ZNS_LBAFE + 16 * id->format;

	/* format < NVME_MAX_LBAF: 2816 + 16 * 63 + 8 fits in 4096 bytes. */
	id->zsze = nvme_le64(lbafe + NVME_LBAFE_ZSZE);
	id->mar = nvme_le32(data + NVME_IDN_ZNS_MAR);
	id->mor = nvme_le32(data + NVME_IDN_ZNS_MOR);
	if (id->zsze == 0 || id->zsze > id->nsze)
		return blkio_err(-EIO, "Identify Namespace (zoned): implausible zone size of %llu blocks",
				 (unsigned long long)id->zsze);
	return 0;
}

void nvme_parse_id_ctrl_zns(const uint8_t *data, struct nvme_id_info *id)
{
	id->zasl = data[NVME_IDC_ZNS_ZASL];
}

/* 2^(units) memory pages in bytes, capped; 0 stays 0 (not reported). */
static uint64_t pages_pow2(unsigned units, uint64_t cap)
{
	if (units == 0)
		return 0;
	if (units + NVME_MPSMIN_SHIFT >= 63)
		return cap;
	return (uint64_t)1 << (units + NVME_MPSMIN_SHIFT) < cap ?
	       (uint64_t)1 << (units + NVME_MPSMIN_SHIFT) : cap;
}

static uint64_t min_nonzero(uint64_t a, uint64_t b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	return a < b ? a : b;
}

/*
 * The largest transfer: MDTS, but also what the kernel maps into one
 * passthrough request (max_hw_sectors_kb; and max_segments pages, since
 * a buffer's pages need not be contiguous), and what the 16-bit block
 * count of a command can say.  A multiple of the logical block size.
 */
static uint32_t max_transfer(const struct nvme_id_info *id,
			     const struct bdev_limits *kl)
{
	uint64_t lba = 1u << id->lba_shift;
	uint64_t max = (uint64_t)NVME_MAX_NLB << id->lba_shift;
	long page = sysconf(_SC_PAGESIZE);

	max = min_nonzero(max, pages_pow2(id->mdts, max));
	if (kl->found && kl->max_hw_sectors_kb)
		max = min_nonzero(max, (uint64_t)kl->max_hw_sectors_kb * 1024);
	if (kl->found && kl->max_segments && page > 0)
		max = min_nonzero(max, (uint64_t)kl->max_segments *
				       (uint64_t)page);
	if (max > INT_MAX)
		max = INT_MAX;
	max &= ~(lba - 1);
	return (uint32_t)(max ? max : lba);
}

static void set_zoned(struct nvme_dev *d, const struct nvme_id_info *id)
{
	uint64_t append;

	/* Zoned Namespaces are host-managed: writes must be sequential. */
	d->zoned = 2;
	d->zone_lbas = id->zsze;
	d->zone_size = id->zsze << id->lba_shift;
	d->nr_zones = id->nsze / id->zsze + (id->nsze % id->zsze ? 1 : 0);
	d->max_active_zones = id->mar == NVME_ZNS_NO_LIMIT ||
			      id->mar >= INT_MAX ? 0 : (int)id->mar + 1;
	d->max_open_zones = id->mor == NVME_ZNS_NO_LIMIT ||
			    id->mor >= INT_MAX ? 0 : (int)id->mor + 1;
	/* Zone Append is mandatory in ZNS; ZASL 0 means "as MDTS". */
	d->append_support = true;
	append = pages_pow2(id->zasl, d->max_transfer);
	d->zone_append_max_bytes = append ? append : d->max_transfer;
}

void nvme_set_limits(struct nvme_dev *d, const struct nvme_id_info *id,
		     const struct bdev_limits *kl, struct dev_info *info)
{
	uint64_t nlb_max = (uint64_t)NVME_MAX_NLB << id->lba_shift;
	uint64_t dsm_max = (uint64_t)UINT32_MAX << id->lba_shift;
	unsigned lba = 1u << id->lba_shift;
	long page = sysconf(_SC_PAGESIZE);

	d->lba_shift = id->lba_shift;
	d->capacity = id->nsze << id->lba_shift;
	d->max_transfer = max_transfer(id, kl);

	/* Write Zeroes: 16-bit block count, and WZSL where reported. */
	d->max_write_zeroes = 0;
	if (id->oncs & NVME_ONCS_WRITE_ZEROES)
		d->max_write_zeroes = min_nonzero(nlb_max,
						  pages_pow2(id->wzsl, nlb_max));
	/* One DSM range: 32-bit block count, and DMRSL where reported. */
	d->max_discard = 0;
	if (id->oncs & NVME_ONCS_DSM)
		d->max_discard = id->dmrsl ?
			min_nonzero(dsm_max, (uint64_t)id->dmrsl << id->lba_shift) :
			dsm_max;
	d->max_write_zeroes &= ~(uint64_t)(lba - 1);
	d->max_discard &= ~(uint64_t)(lba - 1);

	d->zoned = 0;
	if (id->csi == NVME_CSI_ZNS)
		set_zoned(d, id);

	info->request_alignment = (int)lba;
	info->buf_alignment = (int)lba;
	info->mem_region_alignment = lba;
	info->optimal_io_alignment = (int)lba;
	info->optimal_io_size = 0;
	info->optimal_buf_alignment = page > (long)lba ? (int)page : (int)lba;
	info->max_transfer = (int)d->max_transfer;
	d->max_segments = (int)sysconf(_SC_IOV_MAX);
	info->max_segments = d->max_segments;
	info->max_segment_len = 0;
	info->max_write_zeroes_len = d->max_write_zeroes;
	info->max_discard_len = d->max_discard;
	info->discard_alignment = (int)lba;
	info->discard_alignment_offset = 0;
	info->flush_needed = id->vwc;
	info->supports_fua_natively = true;
	info->can_grow = false;
}
