/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Test buffers for drivers that need memory regions (see test-driver.h):
 * one memfd, mapped into every instance a test opens, handed out by a
 * bump allocator whose last allocation can be given back.  TEST_ARENA_LEN
 * is address space; only touched pages count.  Thread-safe.
 *
 * Under valgrind the part not handed out is marked inaccessible:
 * memcheck's leak check at the exit of every process (each forked Check
 * case) otherwise read all 2 GiB of the mapping, ~3 s a time
 * (io-requests on virtio-blk-vhost-user: 73 s under valgrind, 3 s
 * without the leak check).  It also makes an access past the buffers
 * handed out an error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <blkio.h>

#include "test-driver.h"

#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define HAVE_MEMCHECK_H 1
#endif
#endif
#ifndef HAVE_MEMCHECK_H
/* Without valgrind's header (package valgrind): no marking. */
#define VALGRIND_MAKE_MEM_NOACCESS(addr, len) ((void)(addr), (void)(len))
#define VALGRIND_MAKE_MEM_DEFINED(addr, len) ((void)(addr), (void)(len))
#endif

#define TEST_ARENA_LEN (2ull << 30)

static struct blkio_mem_region arena = { .fd = -1 };
/* arena_last: offset of the last allocation, NO_LAST once given back. */
#define NO_LAST SIZE_MAX
static size_t arena_used, arena_last = NO_LAST;
static pthread_mutex_t arena_lock = PTHREAD_MUTEX_INITIALIZER;

static void arena_init(void)
{
	size_t len = test_driver()->arena_len ? test_driver()->arena_len :
		     TEST_ARENA_LEN;
	void *addr;
	int fd;

	if (arena.fd >= 0)
		return;
	fd = memfd_create("blkio-test-arena", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)len) < 0) {
		perror("test arena memfd");
		abort();
	}
	addr = mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_NORESERVE, fd, 0);
	if (addr == MAP_FAILED) {
		perror("test arena mmap");
		abort();
	}
	arena = (struct blkio_mem_region){ .addr = addr, .len = len,
					   .fd = fd };
	VALGRIND_MAKE_MEM_NOACCESS(addr, len);
}

static bool in_arena(const void *p)
{
	return arena.fd >= 0 && (const char *)p >= (char *)arena.addr &&
	       (const char *)p < (char *)arena.addr + arena.len;
}

void *test_buf_alloc(size_t len)
{
	size_t need = (len + 4095) & ~(size_t)4095;
	void *p = NULL;

	if (!test_driver()->needs_mem_regions) {
		if (posix_memalign(&p, 4096, len ? len : 1))
			return NULL;
		memset(p, 0, len);
		return p;
	}
	pthread_mutex_lock(&arena_lock);
	arena_init();
	if (arena_used + need + 4096 <= arena.len) {
		arena_last = arena_used;
		p = (char *)arena.addr + arena_used;
		arena_used += need ? need : 4096;
		/* Addressable and defined, as the whole mapping was. */
		VALGRIND_MAKE_MEM_DEFINED(p, arena_used - arena_last);
	}
	pthread_mutex_unlock(&arena_lock);
	if (p)
		memset(p, 0, len);
	return p;
}

void test_buf_free(void *p)
{
	if (!in_arena(p)) {
		free(p);
		return;
	}
	pthread_mutex_lock(&arena_lock);
	/*
	 * Not 0 for "none": freeing the first buffer after the last one
	 * would have given back everything allocated in between.
	 */
	if (arena_last != NO_LAST &&
	    (char *)p == (char *)arena.addr + arena_last) {
		VALGRIND_MAKE_MEM_NOACCESS(p, arena_used - arena_last);
		arena_used = arena_last;
		arena_last = NO_LAST;
	}
	pthread_mutex_unlock(&arena_lock);
}

int test_driver_map_arena(struct blkio *b)
{
	if (!test_driver()->needs_mem_regions)
		return 0;
	pthread_mutex_lock(&arena_lock);
	arena_init();
	pthread_mutex_unlock(&arena_lock);
	return blkio_map_mem_region(b, &arena);
}
