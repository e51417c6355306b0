/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * A zram device of the test's own for the duration of one test: added
 * with /sys/class/zram-control/hot_add, sized, and removed again.  zram
 * is the block device at hand whose files lack NOWAIT support (io_uring
 * hands each of its reads and writes to a worker thread).  A device left
 * behind by a test that crashed holds no memory beyond what was written.
 */
#ifndef BLKIO_TESTS_ZRAM_H
#define BLKIO_TESTS_ZRAM_H

#include <stdint.h>

struct zramdev {
	int id;			/* N of /dev/zramN; -1: none */
	char path[32];		/* /dev/zramN */
};

/*
 * Add a zram device of @size bytes (all zeros).  Returns 0, or a negative
 * errno with *why saying what is missing (root, the zram module).
 */
int zram_attach(struct zramdev *z, uint64_t size, const char **why);

/* Remove the device (does nothing if none was added). */
void zram_detach(struct zramdev *z);

#endif
