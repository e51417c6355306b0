/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * State of one fuzz-props input: up to two instances, each with what the
 * model knows about it (state, stored properties, queues, memory regions).
 */
#ifndef BLKIO_FUZZ_PROPS_FUZZ_H
#define BLKIO_FUZZ_PROPS_FUZZ_H

#include <stdbool.h>
#include <stdint.h>

#include "blkio.h"
#include "fuzz-util.h"
#include "props-model.h"

#define PZ_MAX_OPS 64
#define PZ_INSTANCES 2
#define PZ_MAX_QUEUES 8
#define PZ_MAX_REGIONS 6

struct pz_region {
	struct blkio_mem_region r;
	bool allocated;		/* by blkio_alloc_mem_region, not freed */
	bool mapped;
	void *heap;		/* our own memory behind r (free() it) */
};

struct pz_inst {
	int idx;		/* which of the PZ_INSTANCES */
	struct blkio *b;
	bool strict;		/* io_uring: the full model applies */
	enum pm_state state;

	/* stored created/connected-state properties (io_uring) */
	char *path;
	int fd;
	bool fd_opened;		/* connected: fd is some descriptor >= 0 */
	bool direct, readonly;
	int num_entries, num_queues, num_poll_queues;	/* entries < 0: unknown */
	int max_queues;		/* connected: the device's max-queues */

	int our_fd;		/* a dup we put into "fd"; -1 if none */
	bool fd_given;		/* connected with it: the library owns it */
	bool regions_loose;	/* a mapped region was freed: anything goes */
	bool poll_queues;	/* the driver makes poll queues */
	uint64_t mem_align;

	bool q[PZ_MAX_QUEUES], pq[PZ_MAX_QUEUES];
	struct pz_region regions[PZ_MAX_REGIONS];
};

struct pz_stats {
	uint64_t inputs, ops, calls, failures_checked;
};

extern struct pz_stats pz_stats;

/*
 * What a successful connect of the instance opens: the scratch file, or
 * for a backend's driver the instance's own export of it (a vhost-user
 * backend serves one client at a time).
 */
const char *pz_target(const struct pz_inst *in);

/* props-ops.c: life cycle, queues and memory regions. */
void pz_create(struct pz_inst *in, struct fz_in *fz);
void pz_destroy(struct pz_inst *in);
void pz_connect(struct pz_inst *in);
void pz_start(struct pz_inst *in);
void pz_queue_op(struct pz_inst *in, struct fz_in *fz);
void pz_region_op(struct pz_inst *in, struct fz_in *fz);

/* fuzz-props.c: property get/set. */
void pz_prop_op(struct pz_inst *in, struct fz_in *fz);

#endif
