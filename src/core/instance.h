/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * The body of struct blkio, private to the core and the property engine.
 * Drivers never see it (src/core/driver-api.h): their state lives in the
 * private area at the end, which drv_priv() returns.
 */
#ifndef BLKIO_CORE_INSTANCE_H
#define BLKIO_CORE_INSTANCE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blkio.h"
#include "driver-api.h"

enum blkio_state {
	STATE_CREATED,
	STATE_CONNECTED,
	STATE_STARTED,
};

/* Regular queues and poll queues each live in one of these. */
struct queue_table {
	struct blkioq **slots;	/* NULL marks a removed queue */
	int len;
	int cap;
};

struct region;

struct blkio {
	const struct driver *drv;
	enum blkio_state state;

	/*
	 * Serialises instance-level calls (properties, queues, regions) so
	 * that consumers which call them from several threads, as fio and
	 * QEMU do, are safe.  Never taken on the data path.
	 */
	pthread_mutex_t lock;

	/* Settings common to every driver; after connect, what it found. */
	char *path;
	int fd;
	bool read_only;
	int num_queues;
	int num_poll_queues;

	struct dev_info info;

	struct queue_table queues;
	struct queue_table poll_queues;

	struct region *regions;
	int nr_regions;
	int cap_regions;

	/* The driver's private data (drv_priv()). */
	max_align_t priv[];
};

/* The driver table registered under name, or NULL (src/core/registry.c). */
const struct driver *driver_find(const char *name);

/* The "capacity" property: asks the driver (src/core/instance.c). */
int instance_capacity(struct blkio *b, uint64_t *capacity);

/* Queue tables (src/core/queue-table.c). */
int queues_start(struct blkio *b);
void queues_destroy_all(struct blkio *b);

/* Memory regions (src/core/mem-region.c). */
void regions_free_all(struct blkio *b);

#endif
