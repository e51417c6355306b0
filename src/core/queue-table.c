/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Queue tables: blkio_get_queue() and friends.  Regular and poll queues
 * have separate index spaces; a removed queue leaves a hole that the next
 * blkio_add_queue() fills first, and other indices never move.  Whether a
 * poll queue can be had is the driver's to say, in its add_queue.
 */
#include <errno.h>
#include <stdlib.h>

#include "error.h"
#include "instance.h"

static struct queue_table *table_of(struct blkio *b, bool poll)
{
	return poll ? &b->poll_queues : &b->queues;
}

static struct blkioq *table_get(struct queue_table *t, int index)
{
	if (index < 0 || index >= t->len)
		return NULL;
	return t->slots[index];
}

/* Index of the lowest hole, else the end (growing the array). */
static int table_free_index(struct queue_table *t)
{
	struct blkioq **slots;
	int i, cap;

	for (i = 0; i < t->len; i++)
		if (!t->slots[i])
			return i;
	if (t->len == t->cap) {
		cap = t->cap ? t->cap * 2 : 8;
		slots = realloc(t->slots, cap * sizeof(*slots));
		if (!slots)
			return -ENOMEM;
		t->slots = slots;
		t->cap = cap;
	}
	t->slots[t->len] = NULL;
	return t->len++;
}

static int add_queue_locked(struct blkio *b, bool poll)
{
	struct queue_table *t = table_of(b, poll);
	struct blkioq *q;
	int index, ret;

	/*
	 * A driver that cannot add queues says so in every state (libblkio's
	 * virtio-blk drivers, contract 4): can-add-queues is known from
	 * blkio_create() on, so the state is no excuse.
	 */
	if (!b->info.can_add_queues)
		return blkio_err(-ENOTSUP,
				 "Driver does not support dynamically adding queues");
	if (b->state != STATE_STARTED)
		return blkio_err(-EBUSY, "Device must be started");

	index = table_free_index(t);
	if (index < 0)
		return blkio_err(index, "Out of memory for the queue table");
	ret = b->drv->add_queue(b, poll, &q);
	if (ret < 0) {
		if (index == t->len - 1)
			t->len--;
		return ret;
	}
	t->slots[index] = q;
	return index;
}

static int remove_queue_locked(struct blkio *b, bool poll, int index)
{
	struct queue_table *t = table_of(b, poll);
	struct blkioq *q = table_get(t, index);

	if (!q)
		return blkio_err(-ENOENT, "no queue with index %d", index);
	t->slots[index] = NULL;
	while (t->len > 0 && !t->slots[t->len - 1])
		t->len--;
	b->drv->remove_queue(q);
	return 0;
}

/* Create num-queues and num-poll-queues queues; all or nothing. */
int queues_start(struct blkio *b)
{
	int i, ret;

	for (i = 0; i < b->num_queues + b->num_poll_queues; i++) {
		bool poll = i >= b->num_queues;
		struct queue_table *t = table_of(b, poll);
		struct blkioq *q;

		ret = table_free_index(t);
		if (ret < 0) {
			blkio_err(ret, "Out of memory for the queue table");
			goto out_destroy;
		}
		ret = b->drv->add_queue(b, poll, &q);
		if (ret < 0) {
			t->len--;
			goto out_destroy;
		}
		t->slots[t->len - 1] = q;
	}
	return 0;

out_destroy:
	queues_destroy_all(b);
	return ret;
}

static void table_destroy(struct blkio *b, struct queue_table *t)
{
	int i;

	for (i = 0; i < t->len; i++)
		if (t->slots[i])
			b->drv->remove_queue(t->slots[i]);
	free(t->slots);
	t->slots = NULL;
	t->len = t->cap = 0;
}

void queues_destroy_all(struct blkio *b)
{
	table_destroy(b, &b->queues);
	table_destroy(b, &b->poll_queues);
}

static struct blkioq *get_queue(struct blkio *b, bool poll, int index)
{
	struct blkioq *q;

	if (!b)
		return NULL;
	pthread_mutex_lock(&b->lock);
	q = table_get(table_of(b, poll), index);
	pthread_mutex_unlock(&b->lock);
	return q;
}

static int add_queue(struct blkio *b, bool poll)
{
	int ret;

	if (!b)
		return blkio_err(-EINVAL, "b must be non-NULL");
	pthread_mutex_lock(&b->lock);
	ret = add_queue_locked(b, poll);
	pthread_mutex_unlock(&b->lock);
	return ret;
}

static int remove_queue(struct blkio *b, bool poll, int index)
{
	int ret;

	if (!b)
		return blkio_err(-EINVAL, "b must be non-NULL");
	pthread_mutex_lock(&b->lock);
	ret = remove_queue_locked(b, poll, index);
	pthread_mutex_unlock(&b->lock);
	return ret;
}

BLKIO_EXPORT struct blkioq *blkio_get_queue(struct blkio *b, int index)
{
	return get_queue(b, false, index);
}

BLKIO_EXPORT struct blkioq *blkio_get_poll_queue(struct blkio *b, int index)
{
	return get_queue(b, true, index);
}

BLKIO_EXPORT int blkio_add_queue(struct blkio *b)
{
	return add_queue(b, false);
}

BLKIO_EXPORT int blkio_add_poll_queue(struct blkio *b)
{
	return add_queue(b, true);
}

BLKIO_EXPORT int blkio_remove_queue(struct blkio *b, int index)
{
	return remove_queue(b, false, index);
}

BLKIO_EXPORT int blkio_remove_poll_queue(struct blkio *b, int index)
{
	return remove_queue(b, true, index);
}
