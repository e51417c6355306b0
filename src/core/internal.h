/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * The bodies of struct blkio and struct blkioq, private to the library.
 *
 * A driver allocates its own instance type with struct blkio as the first
 * member (and its own queue type embedding struct blkioq), so the core can
 * hand out plain pointers and the driver gets its type back with
 * container_of().
 */
#ifndef BLKIO_CORE_INTERNAL_H
#define BLKIO_CORE_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "blkio.h"
#include "export.h"
#include "req.h"

struct driver;
struct queue_ops;

enum blkio_state {
	STATE_CREATED,
	STATE_CONNECTED,
	STATE_STARTED,
};

/*
 * Limits and capabilities answered by properties.  The "plain" ones are
 * readable in every state (the driver sets defaults at create and updates
 * them at connect); the rest become readable once connected.
 */
struct blkio_info {
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

	/* Settings common to every driver. */
	char *path;
	int fd;
	bool read_only;
	int num_queues;
	int num_poll_queues;

	struct blkio_info info;

	struct queue_table queues;
	struct queue_table poll_queues;

	struct region *regions;
	int nr_regions;
	int cap_regions;
};

/* Everything one queue owns on the data path; used by one thread at a time. */
struct blkioq {
	struct blkio *b;
	const struct queue_ops *ops;

	struct req *free_reqs;		/* slots ready for new requests */
	struct req_list backlog;	/* accepted, waiting for room in the ring */
	struct req_list done;		/* completed, not yet returned */
	unsigned backlog_len;
	struct req_chunk *chunks;	/* every slot allocation, for freeing */
	unsigned chunk_reqs;		/* slots added per growth step */

	int completion_fd;		/* eventfd, or -1 on poll queues */
	bool completion_fd_enabled;	/* the application's hint */
	bool completion_fd_exported;	/* blkioq_get_completion_fd() called */
	bool poll;
};

/* Queue slots: request pool, completion posting (src/core/queue.c). */
int queue_init(struct blkioq *q, struct blkio *b, const struct queue_ops *ops,
	       bool poll, unsigned initial_reqs);
void queue_fini(struct blkioq *q);
struct req *req_grow(struct blkioq *q);
void queue_post(struct blkioq *q, struct req *r, int ret, const char *msg);
void queue_signal(struct blkioq *q);

static inline struct req *req_alloc(struct blkioq *q)
{
	struct req *r = q->free_reqs;

	if (unlikely(!r))
		r = req_grow(q);
	q->free_reqs = r->next;
	return r;
}

static inline void req_free(struct blkioq *q, struct req *r)
{
	r->next = q->free_reqs;
	q->free_reqs = r;
}

static inline void backlog_push(struct blkioq *q, struct req *r)
{
	req_list_push(&q->backlog, r);
	q->backlog_len++;
}

static inline void backlog_push_front(struct blkioq *q, struct req *r)
{
	req_list_push_front(&q->backlog, r);
	q->backlog_len++;
}

static inline struct req *backlog_pop(struct blkioq *q)
{
	q->backlog_len--;
	return req_list_pop(&q->backlog);
}

/* Queue tables (src/core/queues.c). */
int queues_start(struct blkio *b);
void queues_destroy_all(struct blkio *b);

/* Memory regions (src/core/mem_region.c). */
void regions_free_all(struct blkio *b);

#endif
