/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * What the nvme-io_uring driver uses of the NVMe specifications (NVM
 * Express Base 2.0, NVM Command Set 1.0, Zoned Namespace Command Set 1.1):
 * opcodes, command fields, Identify and zone report layouts.  Data from
 * the device is read with nvme_le*() at these byte offsets and checked
 * before use; nothing here trusts it.
 */
#ifndef BLKIO_NVME_SPEC_H
#define BLKIO_NVME_SPEC_H

#include <stdint.h>
#include <string.h>

/* Admin commands */
#define NVME_ADMIN_IDENTIFY		0x06

/* Identify CNS values (CDW10) and Command Set Identifiers (CDW11 31:24) */
#define NVME_ID_CNS_NS			0x00
#define NVME_ID_CNS_CTRL		0x01
#define NVME_ID_CNS_NS_DESC_LIST	0x03
#define NVME_ID_CNS_CS_NS		0x05
#define NVME_ID_CNS_CS_CTRL		0x06
#define NVME_CSI_NVM			0x00
#define NVME_CSI_ZNS			0x02
#define NVME_IDENTIFY_LEN		4096

/* I/O commands */
#define NVME_CMD_FLUSH			0x00
#define NVME_CMD_WRITE			0x01
#define NVME_CMD_READ			0x02
#define NVME_CMD_WRITE_ZEROES		0x08
#define NVME_CMD_DSM			0x09
#define NVME_CMD_ZONE_MGMT_SEND		0x79
#define NVME_CMD_ZONE_MGMT_RECV		0x7a

/* Read/Write/Write Zeroes CDW12 */
#define NVME_RW_FUA			(1u << 30)
#define NVME_WZ_DEAC			(1u << 25)
#define NVME_MAX_NLB			65536u	/* NLB is 16 bits, 0-based */

/* Dataset Management: CDW11 Attribute Deallocate; one 16-byte range */
#define NVME_DSM_AD			(1u << 2)
struct nvme_dsm_range {
	uint32_t cattr;
	uint32_t nlb;		/* not 0-based */
	uint64_t slba;
};

/* Zone Management Send CDW13: Zone Send Action and Select All */
#define NVME_ZSA_CLOSE			0x01
#define NVME_ZSA_FINISH			0x02
#define NVME_ZSA_OPEN			0x03
#define NVME_ZSA_RESET			0x04
#define NVME_ZSA_SELECT_ALL		(1u << 8)

/* Zone Management Receive CDW13: Report Zones, all, partial report */
#define NVME_ZRA_REPORT			0x00
#define NVME_ZRA_PARTIAL		(1u << 16)
#define NVME_ZONE_REPORT_HDR		64
#define NVME_ZONE_DESC_LEN		64

/* Zone descriptor: byte offsets and fields */
#define NVME_ZD_ZT			0	/* bits 3:0 */
#define NVME_ZD_ZS			1	/* bits 7:4 */
#define NVME_ZD_ZA			2
#define NVME_ZD_ZCAP			8
#define NVME_ZD_ZSLBA			16
#define NVME_ZD_WP			24
#define NVME_ZA_RZR			(1u << 2)	/* reset recommended */
#define NVME_ZT_SEQWRITE_REQ		0x2
#define NVME_ZS_READ_ONLY		0xd
#define NVME_ZS_FULL			0xe
#define NVME_ZS_OFFLINE			0xf

/* Identify Controller (CNS 01h) */
#define NVME_IDC_MDTS			77
#define NVME_IDC_ONCS			520	/* 16 bits */
#define NVME_IDC_VWC			525
#define NVME_ONCS_DSM			(1u << 2)
#define NVME_ONCS_WRITE_ZEROES		(1u << 3)
#define NVME_VWC_PRESENT		(1u << 0)

/* I/O Command Set specific Identify Controller, NVM (CNS 06h, CSI 00h) */
#define NVME_IDC_NVM_WZSL		1
#define NVME_IDC_NVM_DMRSL		4	/* 32 bits */

/* Zoned Namespace specific Identify Controller (CNS 06h, CSI 02h) */
#define NVME_IDC_ZNS_ZASL		0

/* Identify Namespace (CNS 00h) */
#define NVME_IDN_NSZE			0	/* 64 bits */
#define NVME_IDN_NLBAF			25
#define NVME_IDN_FLBAS			26
#define NVME_IDN_LBAF			128	/* 4 bytes each */
#define NVME_MAX_LBAF			64
#define NVME_LBAF_MS			0	/* 16 bits, in the entry */
#define NVME_LBAF_LBADS			2

/* Zoned Namespace specific Identify Namespace (CNS 05h, CSI 02h) */
#define NVME_IDN_ZNS_MAR		4	/* 32 bits, 0-based */
#define NVME_IDN_ZNS_MOR		8	/* 32 bits, 0-based */
#define NVME_IDN_ZNS_LBAFE		2816	/* 16 bytes each */
#define NVME_LBAFE_ZSZE			0	/* 64 bits, in the entry */
#define NVME_ZNS_NO_LIMIT		0xffffffffu

/* Namespace Identification Descriptor list (CNS 03h) */
#define NVME_NIDT_CSI			0x04

/*
 * Status: what the kernel puts in cqe->res (> 0), the completion's status
 * field without its phase bit.  Status Code Type and Status Code only.
 */
#define NVME_STATUS_MASK		0x7ff

static inline uint16_t nvme_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t nvme_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t nvme_le64(const uint8_t *p)
{
	return (uint64_t)nvme_le32(p) | (uint64_t)nvme_le32(p + 4) << 32;
}

#endif
