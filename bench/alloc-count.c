/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * alloc-count.so: an LD_PRELOAD module that counts heap operations.
 *
 * It wraps malloc, calloc, realloc, free and the aligned allocators, passes
 * every call on to the next definition (glibc's) found with
 * dlsym(RTLD_NEXT), and exports alloc_count_mark() (alloc-count.h) so that a
 * program can print the running totals at the edges of the window it cares
 * about. bench/allocs uses it to prove the data path does not allocate.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* RTLD_NEXT */
#endif
#include <dlfcn.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc-count.h"

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);
static void *(*real_memalign)(size_t, size_t);
static void *(*real_valloc)(size_t);
static void *(*real_pvalloc)(size_t);

static unsigned long n_allocs, n_reallocs, n_frees;

/*
 * dlsym() may allocate (glibc callocs its error state) while we are still
 * looking up the real allocator; those few requests are served from this
 * zero-filled static arena and never freed.
 */
static char boot_heap[16384] __attribute__((aligned(64)));
static size_t boot_used;
static bool resolving;

static void *boot_alloc(size_t size)
{
	void *p;

	size = (size + 63) & ~(size_t)63;
	if (size > sizeof(boot_heap) - boot_used)
		return NULL;
	p = boot_heap + boot_used;
	boot_used += size;
	return p;
}

static bool in_boot_heap(const void *p)
{
	return (const char *)p >= boot_heap &&
	       (const char *)p < boot_heap + sizeof(boot_heap);
}

static void *next(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

/* Runs before main() via the constructor, or earlier from a wrapper. */
static void resolve(void)
{
	if (real_free || resolving)
		return;
	resolving = true;
	real_malloc = (void *(*)(size_t))next("malloc");
	real_calloc = (void *(*)(size_t, size_t))next("calloc");
	real_realloc = (void *(*)(void *, size_t))next("realloc");
	real_posix_memalign =
		(int (*)(void **, size_t, size_t))next("posix_memalign");
	real_aligned_alloc = (void *(*)(size_t, size_t))next("aligned_alloc");
	real_memalign = (void *(*)(size_t, size_t))next("memalign");
	real_valloc = (void *(*)(size_t))next("valloc");
	real_pvalloc = (void *(*)(size_t))next("pvalloc");
	/* Last: a non-NULL real_free means every pointer above is set. */
	real_free = (void (*)(void *))next("free");
	resolving = false;
	if (!real_free || !real_malloc || !real_calloc || !real_realloc) {
		static const char msg[] = "alloc-count: cannot find malloc\n";

		ssize_t ignored = write(2, msg, sizeof(msg) - 1);

		(void)ignored;
		abort();
	}
}

__attribute__((constructor)) static void alloc_count_init(void)
{
	resolve();
}

static void count(unsigned long *counter)
{
	__atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
}

static unsigned long read_counter(const unsigned long *counter)
{
	return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

/* True while the real allocator is unknown; resolves it if possible. */
static bool booting(void)
{
	if (real_free)
		return false;
	resolve();
	return !real_free;
}

void *malloc(size_t size)
{
	if (booting())
		return boot_alloc(size);
	count(&n_allocs);
	return real_malloc(size);
}

void *calloc(size_t nmemb, size_t size)
{
	if (booting()) {
		if (size && nmemb > (size_t)-1 / size)
			return NULL;
		return boot_alloc(nmemb * size);
	}
	count(&n_allocs);
	return real_calloc(nmemb, size);
}

void *realloc(void *ptr, size_t size)
{
	void *p;

	if (booting())
		return NULL;
	count(&n_reallocs);
	if (!in_boot_heap(ptr))
		return real_realloc(ptr, size);
	/* Move a bootstrap block to the real heap; its size is unknown. */
	p = real_malloc(size);
	if (p) {
		size_t avail = boot_heap + sizeof(boot_heap) - (char *)ptr;

		memcpy(p, ptr, size < avail ? size : avail);
	}
	return p;
}

void free(void *ptr)
{
	if (!ptr || in_boot_heap(ptr))
		return;
	if (booting())
		return;
	count(&n_frees);
	real_free(ptr);
}

int posix_memalign(void **memptr, size_t alignment, size_t size)
{
	if (booting())
		return 12;	/* ENOMEM, without pulling in errno.h's TLS */
	count(&n_allocs);
	return real_posix_memalign(memptr, alignment, size);
}

void *aligned_alloc(size_t alignment, size_t size)
{
	if (booting())
		return NULL;
	count(&n_allocs);
	return real_aligned_alloc(alignment, size);
}

void *memalign(size_t alignment, size_t size)
{
	if (booting())
		return NULL;
	count(&n_allocs);
	return real_memalign(alignment, size);
}

void *valloc(size_t size)
{
	if (booting())
		return NULL;
	count(&n_allocs);
	return real_valloc(size);
}

void *pvalloc(size_t size)
{
	if (booting())
		return NULL;
	count(&n_allocs);
	return real_pvalloc(size);
}

/* snprintf() on a stack buffer and write(2): no stdio buffer, no malloc. */
void alloc_count_mark(const char *label)
{
	char line[192];
	ssize_t ignored;
	int len;

	len = snprintf(line, sizeof(line),
		       "alloc-count: %s allocs=%lu reallocs=%lu frees=%lu\n",
		       label, read_counter(&n_allocs),
		       read_counter(&n_reallocs), read_counter(&n_frees));
	if (len <= 0)
		return;
	if ((size_t)len >= sizeof(line))
		len = sizeof(line) - 1;
	ignored = write(2, line, len);
	(void)ignored;
}
