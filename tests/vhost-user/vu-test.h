/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Shared helpers of the virtio-blk-vhost-user tests: a scratch file (or
 * a loop device over it, BLKIO_TEST_QSD_EXPORT=loop) exported by
 * qemu-storage-daemon with BLKIO_TEST_QSD_QUEUES queues, an instance
 * connected to it, and buffers in a mapped memory region.
 */
#ifndef BLKIO_TESTS_VU_TEST_H
#define BLKIO_TESTS_VU_TEST_H

#include <check.h>
#include <stdbool.h>
#include <stdint.h>

#include "blkio.h"
#include "loop.h"
#include "qsd.h"
#include "test-pattern.h"

struct vut {
	struct qsd qsd;
	int fd;			/* the exported file or device, for pread */
	char *file;		/* the scratch file's path */
	struct loopdev loop;	/* path set when exporting a loop device */
	uint64_t size;
	struct blkio *b;
	struct blkio_mem_region region;
	char *buf;		/* region.addr */
};

struct vut_opts {
	uint64_t size;		/* 0: 64 MiB */
	uint32_t seed;		/* pattern of the file (0: zeros) */
	int num_queues;		/* of the instance (0: 1) */
	int num_poll_queues;
	bool read_only;		/* instance and export */
	size_t region_len;	/* 0: 16 MiB */
	bool no_start;		/* connect only */
};

/* The export's queue count for this run (BLKIO_TEST_QSD_QUEUES, 1). */
int vut_export_queues(void);

/* Export, connect, start, allocate and map the region; skips (77) if
 * qemu-storage-daemon or (for loop exports) a loop device is missing. */
void vut_setup(struct vut *t, const struct vut_opts *o);
void vut_start(struct vut *t, const struct vut_opts *o);
void vut_teardown(struct vut *t);


/* pread/pwrite the exported file or device directly. */
void vut_pread(struct vut *t, void *buf, size_t len, uint64_t offset);
void vut_pwrite(struct vut *t, const void *buf, size_t len, uint64_t offset);

/* Wait for one completion and assert it is ret for user_data. */
void vut_wait(struct blkioq *q, void *user_data, int ret);

/* Wait for n completions, blocking, with a 30 s timeout. */
void vut_wait_n(struct blkioq *q, struct blkio_completion *c, int n);

#endif
