/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * The driver-author API: the one core header a driver includes.
 *
 * A driver is a static const struct driver listed in src/core/registry.c.
 * It never sees the body of struct blkio: it keeps its own state in the
 * private area drv_priv() returns, reads the common settings from the
 * struct drv_settings connect is given, and reports what connect found
 * (fd, read-only, capacity, limits) in a struct drv_device.  Its queues
 * embed struct blkioq (src/core/queue.h), the shared data-path state.
 *
 * docs/architecture.md states the rules; tests/seam checks them.
 */
#ifndef BLKIO_CORE_DRIVER_API_H
#define BLKIO_CORE_DRIVER_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blockdev.h"
#include "compiler.h"
#include "error.h"
#include "prop-desc.h"
#include "queue.h"
#include "req.h"

struct blkio;

/*
 * Limits and capabilities answered by properties.  The "plain" ones are
 * readable in every state (a driver's init sets its defaults, connect
 * updates them); the rest become readable once connected.
 */
struct dev_info {
	/* plain */
	bool can_add_queues;
	bool can_grow;
	bool flush_needed;
	bool may_pin_mem_regions;
	bool needs_mem_region_fd;
	bool needs_mem_regions;
	bool supports_fua_natively;
	bool supports_poll_queues;
	int max_queues;
	uint64_t max_mem_regions;

	/* valid once connected */
	int buf_alignment;
	int discard_alignment;
	int discard_alignment_offset;
	int max_segment_len;
	int max_segments;
	int max_transfer;
	int optimal_buf_alignment;
	int optimal_io_alignment;
	int optimal_io_size;
	int request_alignment;
	uint64_t max_discard_len;
	uint64_t max_write_zeroes_len;
	uint64_t mem_region_alignment;
};

/* The common properties connect works from, as the application set them. */
struct drv_settings {
	const char *path;	/* NULL or "" when unset */
	int fd;			/* -1 when unset */
	bool read_only;
};

/* What connect found.  The core keeps it; the driver keeps its own copy. */
struct drv_device {
	/*
	 * The device's fd as the "fd" property reports it, or -1.  The core
	 * closes it at blkio_destroy(), after the driver's disconnect.
	 */
	int fd;
	bool fd_adopted;	/* it is the caller's fd: "path" reads "" */
	bool read_only;
	struct dev_info info;	/* comes in holding the driver's defaults */
};

struct driver {
	const char *name;

	/* Bytes of private data per instance, zeroed at create (may be 0). */
	size_t priv_size;

	/*
	 * Driver-only properties, sorted by name, offsets into the private
	 * data (may be NULL).
	 */
	const struct prop *props;
	size_t nr_props;

	/* Set the private data's and the plain limits' defaults (may be NULL). */
	void (*init)(void *priv, struct dev_info *defaults);

	/*
	 * Open the device and fill *dev; on failure release everything and
	 * leave a caller's fd open.  NULL means the driver is not built.
	 */
	int (*connect)(struct blkio *b, const struct drv_settings *s,
		       struct drv_device *dev);

	/* Release what connect acquired, except dev->fd (may be NULL). */
	void (*disconnect)(struct blkio *b);

	/*
	 * At blkio_start(), before the queues are created: check the counts
	 * and set up what the queues share (may be NULL).  Sets the message
	 * on error.
	 */
	int (*start)(struct blkio *b, int num_queues, int num_poll_queues);

	/* Create or destroy one queue; add_queue sets the message on error. */
	int (*add_queue)(struct blkio *b, bool poll, struct blkioq **qp);
	void (*remove_queue)(struct blkioq *q);

	/* Current device size in bytes ("capacity"). */
	int (*get_capacity)(struct blkio *b, uint64_t *capacity);

	/*
	 * A memory region was mapped (blkio_map_mem_region(), after the
	 * core's own checks) or is being unmapped (blkio_unmap_mem_region(),
	 * or freeing a region still mapped): make it visible to the device,
	 * or no longer.  Called with the instance lock held, in the started
	 * state; map sets the message on error and the region is then not
	 * recorded.  May be NULL: the region is only recorded.
	 */
	int (*map_mem_region)(struct blkio *b,
			      const struct blkio_mem_region *region);
	void (*unmap_mem_region)(struct blkio *b,
				 const struct blkio_mem_region *region);
};

/* The driver's private data of an instance (priv_size bytes). */
void *drv_priv(struct blkio *b);

/*
 * The fd connect works on: exactly one of "path" and "fd" must be set; a
 * path is opened O_RDONLY or O_RDWR as "read-only" says, with O_CLOEXEC
 * and flags (e.g. O_DIRECT), and *opened set; a caller's fd is returned
 * as it is.  A negative errno with the message set on failure.
 */
int drv_open_device(const struct drv_settings *s, int flags, bool *opened);

#endif
