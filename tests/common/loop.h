/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * A loop device for the duration of one test: `losetup -f --show
 * --direct-io=on` over a file.  The device is marked autoclear and kept
 * open, so it detaches itself when the test process ends, however it
 * ends (a backend holding it too dies with the test: qsd.c);
 * loop_detach() does it right away.
 */
#ifndef BLKIO_TESTS_LOOP_H
#define BLKIO_TESTS_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct loopdev {
	char *path;		/* /dev/loopN */
	char *name;		/* loopN, for /sys/block/loopN */
	int hold_fd;		/* keeps an autoclear device alive */
	uint64_t size;
};

/*
 * Whether loop devices can be attached here: 0, or a negative errno
 * with *why saying what is missing (root, /dev/loop-control, losetup).
 */
int loop_available(const char **why);

/*
 * Attach a device over the existing @file (a /proc/self/fd/N path is
 * fine).  Returns 0, or a negative errno with *why saying what failed.
 */
int loop_attach_file(struct loopdev *ld, const char *file, const char **why);

/*
 * Attach a device over a new file in BLKIO_TEST_DIR (else /tmp) of
 * @size bytes filled with the pattern of @seed (0: zeros); the file's
 * name is gone once the device holds it.
 */
int loop_attach(struct loopdev *ld, uint64_t size, uint32_t seed,
		const char **why);

/* Detach and forget the device (does nothing if not attached). */
void loop_detach(struct loopdev *ld);

/* Read /sys/block/<name>/queue/<attr> as a number; -1 if missing. */
long long loop_queue_attr(const struct loopdev *ld, const char *attr);

#endif
