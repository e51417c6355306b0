/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
#ifndef BLKIO_CORE_COMPILER_H
#define BLKIO_CORE_COMPILER_H

/*
 * The library builds with -fvisibility=hidden; only functions marked with
 * BLKIO_EXPORT (the public API) are visible, and src/libblkio.map lists the
 * same set so nothing else can leak out.
 */
#define BLKIO_EXPORT __attribute__((visibility("default")))

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - __builtin_offsetof(type, member)))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
