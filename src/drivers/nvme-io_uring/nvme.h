/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * The nvme-io_uring driver: NVMe commands through the kernel's io_uring
 * passthrough (IORING_OP_URING_CMD) on a namespace's generic character
 * device (/dev/ngXnY).  One ring with 128-byte SQEs and 32-byte CQEs per
 * queue (src/drivers/uring); the NVMe command lives in the SQE.
 */
#ifndef BLKIO_NVME_H
#define BLKIO_NVME_H

#include <linux/nvme_ioctl.h>
#include <stdbool.h>
#include <stdint.h>

#include "../uring/uring.h"

/*
 * What Identify said about the namespace and its controller, checked
 * (nvme-identify.c).  Counts are in logical blocks unless named _bytes.
 */
struct nvme_id_info {
	uint8_t csi;		/* NVME_CSI_NVM or NVME_CSI_ZNS */
	unsigned lba_shift;
	unsigned format;	/* the LBA format index in use */
	uint64_t nsze;
	uint8_t mdts;		/* 0: no limit */
	uint16_t oncs;
	bool vwc;		/* volatile write cache present */
	uint8_t wzsl;		/* 0: not reported */
	uint32_t dmrsl;		/* 0: not reported */

	/* Zoned namespaces only */
	uint64_t zsze;
	uint32_t mar;		/* 0-based, NVME_ZNS_NO_LIMIT */
	uint32_t mor;
	uint8_t zasl;		/* 0: as MDTS */
};

/* The driver's private data of an instance (drv_priv()). */
struct nvme_dev {
	/* nvme-io_uring properties */
	int num_entries;
	bool submit_batching;
	int zoned;			/* 0 none, 2 host-managed */
	int max_active_zones;		/* 0: no limit */
	int max_open_zones;		/* 0: no limit */
	bool append_support;
	uint64_t zone_size;		/* bytes */
	uint64_t nr_zones;
	uint64_t zone_append_max_bytes;

	/* What connect found. */
	int fd;
	bool opened;		/* we opened fd from path (else it is the caller's) */
	bool read_only;
	bool iopoll;		/* the controller has poll queues */
	const char *poll_queue_mode;	/* uring_poll_queue_mode(iopoll) */
	uint32_t nsid;
	unsigned lba_shift;
	uint64_t capacity;		/* bytes */
	uint32_t max_transfer;		/* bytes */
	int max_segments;		/* iovecs: IOV_MAX */
	uint64_t max_write_zeroes;	/* bytes; 0: no Write Zeroes */
	uint64_t max_discard;		/* bytes; 0: no Dataset Management */
	uint64_t zone_lbas;		/* zone size in logical blocks */
};

/* The zone report buffer of a queue: one report in flight at a time. */
#define NVME_REPORT_BUF_MAX	(64u * 1024)

struct nvme_queue {
	struct uring_queue uq;
	const struct nvme_dev *dev;

	/*
	 * Zone reports go through this buffer (the NVMe report does not
	 * have struct blkio_zone's layout).  Its owner is the report in the
	 * ring or the backlog; others wait on `parked` (counted in uq.held)
	 * until it is free.  NULL on namespaces without zones.
	 */
	uint8_t *report_buf;
	uint32_t report_zones;		/* descriptors the buffer holds */
	struct req *report_owner;
	struct req_list parked;
};

static inline struct nvme_dev *nvme_dev(struct blkio *b)
{
	return drv_priv(b);
}

static inline struct nvme_queue *nvme_queue(struct blkioq *q)
{
	return container_of(q, struct nvme_queue, uq.q);
}

static inline struct nvme_queue *nvme_uq(struct uring_queue *uq)
{
	return container_of(uq, struct nvme_queue, uq);
}

/* nvme-identify.c: parse Identify data (untrusted) into *id. */
int nvme_parse_id_ns(const uint8_t *data, struct nvme_id_info *id);
void nvme_parse_id_ctrl(const uint8_t *data, struct nvme_id_info *id);
void nvme_parse_id_ctrl_nvm(const uint8_t *data, struct nvme_id_info *id);
uint8_t nvme_parse_ns_csi(const uint8_t *data);
int nvme_parse_id_ns_zns(const uint8_t *data, struct nvme_id_info *id);
void nvme_parse_id_ctrl_zns(const uint8_t *data, struct nvme_id_info *id);

/*
 * Limits in bytes from Identify and the kernel's queue limits (kl may
 * have found == false); fills the limits of *d and *info.
 */
void nvme_set_limits(struct nvme_dev *d, const struct nvme_id_info *id,
		     const struct bdev_limits *kl, struct dev_info *info);

/* nvme-connect.c */
int nvme_connect(struct blkio *b, const struct drv_settings *s,
		 struct drv_device *dev);
int nvme_get_capacity(struct blkio *b, uint64_t *capacity);

/* nvme-sysfs.c: queue limits of the block device of the same namespace. */
int nvme_kernel_limits(int fd, uint32_t nsid, struct bdev_limits *kl);

/* nvme-queue.c */
int nvme_add_queue(struct blkio *b, bool poll, struct blkioq **qp);
void nvme_remove_queue(struct blkioq *q);

/* nvme-submit.c */
void nvme_submit(struct blkioq *q, struct req *r);
void nvme_prep(struct uring_queue *uq, struct io_uring_sqe *sqe,
	       struct req *r);

/* The 128-byte SQE of a passthrough command, written whole. */
union nvme_sqe {
	struct io_uring_sqe sqe;
	struct {
		uint8_t head[48];	/* up to sqe->cmd */
		struct nvme_uring_cmd cmd;
	};
	uint8_t raw[128];
};

/* nvme-complete.c */
int nvme_complete(struct uring_queue *uq, struct req *r,
		  const struct io_uring_cqe *cqe, const char **msg);

/* nvme-status.c: the errno of an NVMe status (> 0) and a static message. */
int nvme_status_errno(int status, const char **msg);

/* nvme-zones.c */
const char *nvme_zone_refused(const struct nvme_dev *d, const struct req *r,
			      int *err);
bool nvme_zone_take_buffer(struct nvme_queue *nq, struct req *r);
void nvme_zone_cmd(const struct nvme_queue *nq, const struct req *r,
		   struct nvme_uring_cmd *cmd);
int nvme_zone_report_done(struct nvme_queue *nq, struct req *r, int res,
			  const char **msg);
void nvme_zone_release_buffer(struct nvme_queue *nq);

/*
 * Convert up to max NVMe zone descriptors of a report (buf, len bytes)
 * into zones[]; returns how many, or -EIO if the report is inconsistent.
 * *next_lba is where a following report would start.
 */
int nvme_zone_convert(const uint8_t *buf, size_t len, uint32_t max,
		      unsigned lba_shift, uint64_t zone_lbas,
		      struct blkio_zone *zones, uint64_t *next_lba);

#endif
