/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * The driver a test program runs against, and what it can do.  The data
 * path tests (io, fault, robust, fuzz) run once per driver that can
 * connect on this machine: meson sets BLKIO_TEST_DRIVER for each run
 * (tests/meson.build, test_drivers).  Everything that differs between
 * drivers is a field here, never a copy of a test.
 *
 * Uses only the public API, like the tests themselves.
 */
#ifndef BLKIO_TESTS_TEST_DRIVER_H
#define BLKIO_TESTS_TEST_DRIVER_H

#include <stdbool.h>
#include <stddef.h>

struct test_driver {
	const char *name;

	/*
	 * The driver cannot work where io_uring is switched off or filtered.
	 * Drivers without it are listed in tests/meson.build nouring_drivers
	 * and their tests also run with io_uring blocked (tests/nouring).
	 */
	bool needs_io_uring;

	/* libblkio 1.5 has the driver: the differential runs include it. */
	bool in_reference;

	/*
	 * The driver serves poll queues on every device: IOPOLL where the
	 * device polls, a busy-polled ordinary ring elsewhere.  Without it,
	 * poll queues are refused with -EINVAL.
	 */
	bool poll_queues;

	/*
	 * Disabling completion-fd notifications stops the kernel from
	 * signalling for requests already in flight (io_uring's
	 * IORING_CQ_EVENTFD_DISABLED); kernel AIO attaches the eventfd at
	 * submission, so its requests keep signalling.
	 */
	bool hint_silences_kernel;

	/*
	 * blkioq_do_io_interruptible() works under valgrind 3.19, so
	 * tests/io/interruptible runs there.  It does not for either driver:
	 * valgrind does not treat io_uring_enter as a blocking call (a
	 * signal cannot interrupt it) and has no io_pgetevents (the
	 * linux-aio wait with a signal mask gets -ENOSYS, so -ENOTSUP).
	 */
	bool interruptible_under_valgrind;

	/*
	 * blkioq_do_io_interruptible() with a signal mask works under
	 * valgrind 3.19 (io_uring_enter takes the mask; kernel AIO needs
	 * io_pgetevents, which valgrind lacks: -ENOTSUP there).
	 */
	bool sigmask_wait_under_valgrind;

	/*
	 * The smallest num-entries that blkio_start() refuses with -EINVAL
	 * because the kernel cannot hold that many requests in one queue:
	 * io_uring's IORING_MAX_ENTRIES + 1; kernel AIO's ring limit
	 * (fs/aio.c: 0x10000000 / sizeof(struct io_event), halved) + 1.
	 * Below it kernel AIO may still refuse with -EAGAIN, when the
	 * machine-wide fs.aio-max-nr is used up.
	 */
	int num_entries_refused;

	/*
	 * The kernel itself submits again a request whose asynchronous
	 * completion is -EAGAIN, without end (io_uring re-issues reads and
	 * writes of regular files, REQ_F_REISSUE): a FUSE FOPEN_DIRECT_IO
	 * file that always answers EAGAIN never completes, and tests inject
	 * a permanent EAGAIN there only where this is false (kernel AIO
	 * passes it on to the library, which retries a bounded number of
	 * times).
	 */
	bool kernel_reissues_eagain;

	/*
	 * Every queue's num-entries counts against a machine-wide limit
	 * (kernel AIO: fs.aio-max-nr, shared by all processes), so
	 * blkio_start() and blkio_add_queue() may fail with -EAGAIN below
	 * num_entries_refused; tests expect success only for queues of the
	 * default size (128).
	 */
	bool entries_machine_limit;

	/*
	 * Write-zeroes and discard are system calls the driver runs inside
	 * the next blkioq_do_io() (kernel AIO has no command for them), so
	 * that call returns their completions even with min_completions 0;
	 * io_uring hands them to the kernel and reaps them when they finish.
	 */
	bool zeroes_complete_in_do_io;

	/*
	 * The system call that hands requests to the kernel (counted by
	 * tests/io/submit-batching.c).
	 */
	long submit_syscall;

	/*
	 * The target is not opened by the library but served by a backend
	 * process: a test's scratch file or device is exported by
	 * qemu-storage-daemon (tests/common/qsd.h) and "path" is the
	 * export's socket (virtio-blk-vhost-user).
	 */
	bool needs_backend;

	/*
	 * The backend's export is a VDUSE device the test reaches through
	 * /dev/vhost-vdpa-N (tests/common/vduse.h), not a socket
	 * (virtio-blk-vhost-vdpa; only where VDUSE is: the VM world).
	 */
	bool backend_vduse;

	/*
	 * Buffers must lie in mapped memory regions with an fd
	 * (needs-mem-regions): tests/io's buffers come from a memfd mapped
	 * into every instance (iot_alloc()).
	 */
	bool needs_mem_regions;

	/* The driver has the "direct" property (virtio-blk: -ENOENT). */
	bool has_direct;

	/* The property sizing a queue: "num-entries" or "queue-size". */
	const char *entries_prop;

	/*
	 * Completion-fd notifications start disabled (libblkio's virtio-blk
	 * drivers): tests that wait on the fd enable them first, as QEMU
	 * does since 2023.
	 */
	bool completion_fd_starts_disabled;

	/*
	 * The backend signals the completion fd on its own now and then
	 * (libvhost-user: once when it is given the fd, and for its first
	 * completions whatever the driver asked), so "the fd stays quiet"
	 * cannot be asserted.
	 */
	bool backend_signals_spuriously;

	/*
	 * Requests whose start or length is not a multiple of
	 * request-alignment complete with -EINVAL (a virtio-blk device
	 * addresses 512-byte sectors); the file drivers pass them on.
	 */
	bool checks_alignment;

	/*
	 * The target is a fixed device, not a file (virtio-blk-vfio-pci):
	 * test_driver_export() copies the scratch file onto the device and
	 * makes the file's path name the device's backing image
	 * (fixed-device.c); needs_backend is set too.
	 */
	bool fixed_device;

	/*
	 * Bytes of the buffer arena (0: 2 GiB of address space).  A driver
	 * that pins mapped regions (VFIO_IOMMU_MAP_DMA) pins it all, in a
	 * VM of 1 GiB.
	 */
	unsigned long long arena_len;

	/*
	 * The driver takes an open descriptor in "fd" instead of "path".
	 * virtio-blk-vhost-user has the property (it reads -1) but refuses
	 * to set it with -ENOENT "fd property not supported", as libblkio
	 * 1.4 and later do (contract 6.5), so tests/robust/bad-input expects
	 * that answer from its "fd" rows there.
	 */
	bool has_fd;

	/*
	 * "path" names a unix socket the driver connect()s to: a path that
	 * exists but is no socket (a directory, a device node) is refused
	 * with -ECONNREFUSED, where the file drivers' open() gives -EISDIR
	 * or their own -EINVAL (bad-input's connect rows).
	 */
	bool path_is_socket;

	/*
	 * blkio_add_queue() works (can-add-queues), so an instance may also
	 * start with no queue at all.  virtio-blk drivers answer -ENOTSUP in
	 * every state and refuse to start with 0 queues or more than
	 * max-queues with -EINVAL (contract 4, 5.2).
	 */
	bool can_add_queues;

	/*
	 * The entries_prop setter refuses what the driver can never use
	 * (queue-size: not a power of two, above max-queue-size) with
	 * -EINVAL; num-entries takes any positive value and the kernel
	 * refuses too many at blkio_start() (num_entries_refused).
	 */
	bool entries_checked_by_setter;

	/*
	 * The target has a fixed size: requests reaching past capacity fail
	 * (a virtio-blk device answers VIRTIO_BLK_S_IOERR: -EIO).  The file
	 * drivers' scratch file is a regular file, which grows (can-grow).
	 */
	bool fixed_capacity;

	/*
	 * The device limits (request-alignment, buf-alignment,
	 * mem-region-alignment, max-segments, ...) are read with their
	 * defaults before connect, and max-queues and max-mem-regions need
	 * a connection (libblkio's virtio-blk drivers, contract 6.5); the
	 * file drivers are the other way round (contract 6.3).
	 */
	bool limits_before_connect;

	/*
	 * The driver has our "device-timeout-ms" (an int written before
	 * connect, not negative): how long a wait may see no completion
	 * before the device is given up on (the virtio-blk drivers).
	 */
	bool has_device_timeout;

	/*
	 * Mapped memory regions must not overlap: mapping one that shares
	 * bytes with a mapped region (a copy of it with other flags, say)
	 * fails with -EINVAL, since the device finds a buffer's region by
	 * its address (the virtio-blk drivers' translation table); io_uring
	 * and kernel AIO take any memory.
	 */
	bool mem_regions_disjoint;
};

/* Every driver the data-path tests know, ending with a NULL name. */
extern const struct test_driver test_drivers[];

/*
 * The driver of this run: BLKIO_TEST_DRIVER, or io_uring when unset.
 * An unknown name ends the program with a message (exit 1).
 */
const struct test_driver *test_driver(void);

/* test_driver()->name */
const char *test_driver_name(void);

/*
 * Whether the driver under test works on this machine: an instance on a
 * small memfd is created, connected and started (and destroyed).  Returns
 * 0, or the negative errno of the step that failed with its message in
 * why, for a test program to print before it exits 77.
 */
int test_driver_probe(char *why, size_t len);

/*
 * For drivers that need a backend: export @image with qemu-storage-daemon
 * (queues: BLKIO_TEST_QSD_QUEUES, default 4) and return the socket's path
 * (malloc'd), or for backend_vduse the /dev/vhost-vdpa-N node; the daemon
 * is stopped when the process exits.  With BLKIO_TEST_QSD_EXPORT=loop
 * (default file) the daemon exports a loop device over @image (direct
 * I/O), detached with the export.  NULL with why filled in when it cannot
 * be started (no daemon; loop devices unavailable: not root, no
 * /dev/loop-control), for the test to exit 77 with.
 */
char *test_driver_export(const char *image, bool read_only, char *why,
			 size_t len);

/*
 * Stop the daemon export whose socket is @target (what
 * test_driver_export() returned) before the process exits, for a
 * program that exports again and again (fuzz-io: one export per input);
 * VDUSE and fixed-device exports are left alone.
 */
void test_driver_unexport(const char *target);

/*
 * The queues test_driver_export() gives a daemon's or VDUSE export
 * (BLKIO_TEST_QSD_QUEUES, default 4): the most an instance can start.
 */
int test_driver_export_queues(void);

/* BLKIO_TEST_QSD_EXPORT=loop (exits 1 on a value not file or loop). */
bool test_driver_export_loop(void);

/*
 * Exit 77 (skip), saying why, when this run's export variant cannot be
 * made on this machine (BLKIO_TEST_QSD_EXPORT=loop without root or loop
 * devices): before a test program forks its cases, which would each
 * fail on it instead.
 */
void test_driver_require_export(void);

/*
 * Buffers for I/O (test-arena.c): page-aligned and zeroed; for drivers
 * that need memory regions they lie in a memfd that
 * test_driver_map_arena() maps into an instance (after blkio_start()).
 * NULL when out of memory; test_buf_free() takes any pointer
 * test_buf_alloc() or malloc() returned.
 */
/* fixed-device.c: test_driver_export() of a fixed_device driver. */
char *test_fixed_device_export(const char *image, char *why, size_t len);

struct blkio;
void *test_buf_alloc(size_t len);
void test_buf_free(void *p);
int test_driver_map_arena(struct blkio *b);

#endif
