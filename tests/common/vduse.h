/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * A vhost-vdpa device for the tests: qemu-storage-daemon exports a file
 * as a VDUSE block device, `vdpa dev add` (iproute2) creates the vDPA
 * device, it is bound to vhost_vdpa, and the test gets
 * /dev/vhost-vdpa-N.  Needs the vduse and vhost_vdpa modules and root:
 * the VM world (tests/vm/configs/vdpa.sh); elsewhere the export fails
 * with a reason and the test skips.
 *
 * The device is set up and torn down by a helper process, not by the
 * test: `vdpa dev del` waits until every fd of the device is closed, so
 * a test process that removed its own device at exit (atexit runs before
 * the kernel closes the process's fds) would wait for itself forever.
 * The helper waits for the test to let go (a pipe's end closing, at
 * vduse_stop() or at the test's exit) and only then removes the device
 * and stops the daemon.  It lives in a session of its own: Check kills
 * the process group of a test case when the case ends.
 */
#ifndef BLKIO_TESTS_VDUSE_H
#define BLKIO_TESTS_VDUSE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct vduse {
	pid_t helper;		/* sets up, waits, tears down */
	pid_t daemon;		/* qemu-storage-daemon (the helper's child) */
	int hold;		/* closing it tells the helper to tear down */
	char name[32];		/* VDUSE and vDPA device name */
	char *dev;		/* /dev/vhost-vdpa-N */
};

struct vduse_opts {
	int num_queues;		/* 0: 1 */
	bool read_only;
	/*
	 * VDUSE's timeout for the daemon's answers, seconds (0: the
	 * kernel's, 30): a test that kills the daemon lowers it, or every
	 * reset of the dead device takes that long.
	 */
	int msg_timeout;
};

/*
 * Export @image (a regular file or block device; /proc/self/fd/N paths
 * are fine).  Returns 0, or a negative errno with why saying what failed.
 */
int vduse_start(struct vduse *v, const char *image, const struct vduse_opts *o,
		char *why, size_t len);

/*
 * Let go of the device: the helper removes it and stops the daemon.
 * @wait: wait until it has (the caller must have closed every fd of the
 * device first, or this never returns).
 */
void vduse_stop(struct vduse *v, bool wait);

/* SIGKILL the daemon: a device that stops answering. */
void vduse_kill_daemon(struct vduse *v);

#endif
