/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * A vhost-user-blk backend for the tests: qemu-storage-daemon (Debian's
 * qemu-system-common) exporting a file or block device on a unix socket,
 * started as a child process and stopped (or killed, to test a backend
 * that dies) by the test.
 */
#ifndef BLKIO_TESTS_QSD_H
#define BLKIO_TESTS_QSD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct qsd {
	pid_t pid;
	char *dir;		/* private directory holding the socket */
	char *sock;		/* the export's unix socket */
};

struct qsd_opts {
	int num_queues;		/* 0: 1 */
	bool read_only;
};

/*
 * Export @image (a regular file or block device; /proc/self/fd/N paths
 * are fine) and wait until the socket accepts connections.  Returns 0,
 * or a negative errno with why saying what failed (-ENOENT: the daemon
 * is not installed).
 */
int qsd_start(struct qsd *q, const char *image, const struct qsd_opts *o,
	      char *why, size_t len);

/*
 * A name of @path that another process can open (our /proc/self/... by
 * our pid), malloc'ed; NULL when out of memory.
 */
char *path_for_other_process(const char *path);

/* Stop the daemon and wait for it (nothing if not running). */
void qsd_stop(struct qsd *q);

/* SIGKILL it: a backend that dies without a word. */
void qsd_kill(struct qsd *q);

/* The daemon's path, or NULL when it is not installed. */
const char *qsd_binary(void);

/*
 * In a child process: exec qemu-storage-daemon exporting @image (a block
 * device when @blockdev) through the --export option @export, whose node
 * is "disk0"; never returns.
 */
void qsd_exec(const char *image, bool blockdev, bool read_only,
	      const char *export);

#endif
