// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * faultfs data store: the file's bytes in two layers.
 *
 * "cur" is what reads see.  In volatile mode "stable" is what survives a
 * crash: writes land in cur only and mark their pages dirty; a commit
 * (fsync, or a write carrying O_DSYNC/O_SYNC) copies dirty pages to stable;
 * a crash copies stable back over the dirty pages.  Outside volatile mode
 * every write goes to both layers, so a crash changes nothing.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "faultfs.h"

#define PAGE_SHIFT 12
#define PAGE_LEN (1ull << PAGE_SHIFT)

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static uint8_t *cur, *stable;
static uint8_t *dirty;		/* one flag byte per page */
static uint64_t size, nr_pages;
static bool volatile_mode;

int ff_store_init(uint64_t bytes, bool vol)
{
	size = bytes;
	nr_pages = (bytes + PAGE_LEN - 1) >> PAGE_SHIFT;
	cur = calloc(1, bytes ? bytes : 1);
	stable = calloc(1, bytes ? bytes : 1);
	dirty = calloc(1, nr_pages ? nr_pages : 1);
	if (!cur || !stable || !dirty)
		return -ENOMEM;
	volatile_mode = vol;
	return 0;
}

void ff_store_fini(void)
{
	free(cur);
	free(stable);
	free(dirty);
	cur = stable = dirty = NULL;
}

uint64_t ff_store_size(void)
{
	return size;
}

void ff_store_read(uint64_t off, void *buf, uint64_t len)
{
	pthread_mutex_lock(&lock);
	memcpy(buf, cur + off, len);
	pthread_mutex_unlock(&lock);
}

/* Copy dirty pages from one layer to the other and clean them. */
static uint64_t sync_dirty(uint8_t *dst, const uint8_t *src)
{
	uint64_t n = 0;

	for (uint64_t p = 0; p < nr_pages; p++) {
		uint64_t off = p << PAGE_SHIFT;
		uint64_t len = size - off < PAGE_LEN ? size - off : PAGE_LEN;

		if (!dirty[p])
			continue;
		memcpy(dst + off, src + off, len);
		dirty[p] = 0;
		n++;
	}
	return n;
}

void ff_store_write(uint64_t off, const void *buf, uint64_t len, bool durable)
{
	uint64_t first = off >> PAGE_SHIFT;
	uint64_t last = (off + len - 1) >> PAGE_SHIFT;

	if (len == 0)
		return;
	pthread_mutex_lock(&lock);
	memcpy(cur + off, buf, len);
	if (!volatile_mode) {
		memcpy(stable + off, buf, len);
	} else if (durable) {
		/*
		 * O_DSYNC (FUA) makes only this range durable.  Pages it
		 * shares with older unflushed writes stay dirty: a crash
		 * restores them from stable, which now holds this write.
		 */
		memcpy(stable + off, buf, len);
	} else {
		for (uint64_t p = first; p <= last; p++)
			dirty[p] = 1;
	}
	pthread_mutex_unlock(&lock);
}

/* Write zeroes / discard: the range reads back as zeros. */
void ff_store_zero(uint64_t off, uint64_t len, bool durable)
{
	uint64_t first = off >> PAGE_SHIFT;
	uint64_t last = (off + len - 1) >> PAGE_SHIFT;

	if (len == 0)
		return;
	pthread_mutex_lock(&lock);
	memset(cur + off, 0, len);
	if (!volatile_mode || durable)
		memset(stable + off, 0, len);
	else
		for (uint64_t p = first; p <= last; p++)
			dirty[p] = 1;
	pthread_mutex_unlock(&lock);
}

/* Test setup/verification path: straight to both layers, no faults. */
void ff_store_write_raw(uint64_t off, const void *buf, uint64_t len)
{
	pthread_mutex_lock(&lock);
	memcpy(cur + off, buf, len);
	memcpy(stable + off, buf, len);
	pthread_mutex_unlock(&lock);
}

uint64_t ff_store_commit(void)
{
	uint64_t n;

	pthread_mutex_lock(&lock);
	n = sync_dirty(stable, cur);
	pthread_mutex_unlock(&lock);
	return n;
}

uint64_t ff_store_crash(void)
{
	uint64_t n;

	pthread_mutex_lock(&lock);
	n = sync_dirty(cur, stable);
	pthread_mutex_unlock(&lock);
	return n;
}

uint64_t ff_store_dirty_pages(void)
{
	uint64_t n = 0;

	pthread_mutex_lock(&lock);
	for (uint64_t p = 0; p < nr_pages; p++)
		n += dirty[p];
	pthread_mutex_unlock(&lock);
	return n;
}

void ff_store_set_volatile(bool on)
{
	pthread_mutex_lock(&lock);
	/* leaving volatile mode commits, so the layers agree again */
	if (!on)
		sync_dirty(stable, cur);
	volatile_mode = on;
	pthread_mutex_unlock(&lock);
}

bool ff_store_is_volatile(void)
{
	bool v;

	pthread_mutex_lock(&lock);
	v = volatile_mode;
	pthread_mutex_unlock(&lock);
	return v;
}
