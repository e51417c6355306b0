/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * What the drivers for regular files and block device nodes share
 * (io_uring and linux-aio): opening or adopting the fd, the limits of the
 * device under it, and the bookkeeping of a request that needs more than
 * one round trip (short transfers, zero-fill at the end of a growable
 * file, the stages of write-zeroes).  How a round is submitted is the
 * driver's.
 */
#ifndef BLKIO_DRIVERS_FILE_H
#define BLKIO_DRIVERS_FILE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "../../core/driver-api.h"

struct file_dev {
	int fd;
	bool direct;		/* O_DIRECT */
	bool read_only;
	bool is_blockdev;
	bool can_grow;		/* regular file: reads past the end are zeros */
	bool write_zeroes_native;	/* block device: REQ_OP_WRITE_ZEROES */
	bool opened;		/* we opened fd from path (else it is the caller's) */
	unsigned request_alignment;
	int zoned;		/* 0: none; 1 host-aware, 2 host-managed */
	uint64_t zone_sectors;	/* zone size in 512-byte sectors */
	struct bdev_limits limits;	/* of the device, or the one under the file */
};

/*
 * Open the path, or take the caller's fd, check it is a regular file or
 * a block device and learn its limits; fill f and the driver-independent
 * part of dev.  direct is the driver's "direct" property; f->direct then
 * says what the fd really is.  On failure nothing stays open.
 */
int file_connect(struct file_dev *f, const struct drv_settings *s,
		 bool direct, struct drv_device *dev);

/* Undo file_connect() when a later step of the driver's connect fails. */
void file_connect_failed(struct file_dev *f);

/* The "capacity" property: the size now. */
int file_capacity(const struct file_dev *f, uint64_t *capacity);

/*
 * Results of a round that do not finish the request.  file_rw_result()
 * and file_wz_result() return the completion's ret (0 or -errno), or
 * FILE_AGAIN when the request, updated, must be submitted once more.
 */
#define FILE_AGAIN 1

/*
 * -EAGAIN says "not now", not "failed": the round goes again (as QEMU
 * does), up to FILE_EAGAIN_RETRIES times per request so that a device
 * that never stops answering it cannot keep a caller spinning forever.
 */
#define FILE_EAGAIN_RETRIES 1000
bool file_retry_eagain(struct req *r, int64_t res);

/* The result of a read, write, readv or writev round other than r->expect. */
int file_rw_result(const struct file_dev *f, struct req *r, int64_t res);

/*
 * Write-zeroes: stages of req.stage.  Files whose filesystem cannot zero
 * a range in place (tmpfs) get NO_UNMAP zeroing as a punched hole
 * allocated again; FUA adds a flush at the end.
 */
enum { WZ_ZERO = 0, WZ_PUNCH, WZ_ALLOC, WZ_FLUSH };

/* A write-zeroes request that fails before reaching the kernel, or NULL. */
const char *file_wz_refused(const struct file_dev *f, const struct req *r);

/* The fallocate mode of r's current stage (not WZ_FLUSH). */
int file_wz_mode(const struct file_dev *f, const struct req *r);

/* Step a write-zeroes request past the result of its current stage. */
int file_wz_result(const struct file_dev *f, struct req *r, int res);

/* The fallocate mode of a discard. */
int file_discard_mode(void);

/*
 * file-sync.c: requests done as system calls inside blkioq_do_io(), from
 * the queue's deferred list (queue_defer()): write-zeroes, discard, flush
 * and zone requests.  A driver's queue_ops.run_deferred calls this.
 */
void file_run_deferred(const struct file_dev *f, struct blkioq *q,
		       struct do_io_ctx *ctx);

/*
 * Take a zone request (REQ_ZONE_*) from submit: deferred on a zoned block
 * device, -ENOTSUP elsewhere (as libblkio's io_uring driver answers).
 * Returns false for any other request.
 */
bool file_zone_submit(const struct file_dev *f, struct blkioq *q,
		      struct req *r);

/* file-zones.c: one zone request as a block-layer ioctl; ret as completed. */
int file_zone_request(const struct file_dev *f, const struct req *r);

#endif
