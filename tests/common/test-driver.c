/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <blkio.h>

#include "loop.h"
#include "qsd.h"
#include "test-driver.h"
#include "vduse.h"

const struct test_driver test_drivers[] = {
	{
		.name = "io_uring",
		.submit_syscall = SYS_io_uring_enter,
		.needs_io_uring = true,
		.in_reference = true,
		.poll_queues = true,
		.hint_silences_kernel = true,
		.interruptible_under_valgrind = false,
		.sigmask_wait_under_valgrind = true,
		.num_entries_refused = 32768 + 1,
		.kernel_reissues_eagain = true,
		.entries_machine_limit = false,
		.zeroes_complete_in_do_io = false,
		.has_direct = true,
		.entries_prop = "num-entries",
		.has_fd = true,
		.can_add_queues = true,
	}, {
		.name = "linux-aio",
		.submit_syscall = SYS_io_submit,
		.needs_io_uring = false,
		.in_reference = false,
		.poll_queues = false,
		.hint_silences_kernel = false,
		.interruptible_under_valgrind = false,
		.sigmask_wait_under_valgrind = false,
		.num_entries_refused = 0x10000000 / 32 / 2 + 1,
		.kernel_reissues_eagain = false,
		.entries_machine_limit = true,
		.zeroes_complete_in_do_io = true,
		.has_direct = true,
		.entries_prop = "num-entries",
		.has_fd = true,
		.can_add_queues = true,
	}, {
		.name = "virtio-blk-vhost-user",
		.needs_io_uring = false,
		.in_reference = true,
		.poll_queues = true,
		.hint_silences_kernel = true,
		.interruptible_under_valgrind = true,
		.sigmask_wait_under_valgrind = true,
		.num_entries_refused = 65536,
		.kernel_reissues_eagain = false,
		.entries_machine_limit = false,
		.zeroes_complete_in_do_io = false,
		.needs_backend = true,
		.needs_mem_regions = true,
		.has_direct = false,
		.entries_prop = "queue-size",
		.completion_fd_starts_disabled = true,
		.backend_signals_spuriously = true,
		.checks_alignment = true,
		.has_fd = false,
		.path_is_socket = true,
		.can_add_queues = false,
		.entries_checked_by_setter = true,
		.fixed_capacity = true,
		.limits_before_connect = true,
		.has_device_timeout = true,
		.mem_regions_disjoint = true,
	}, {
		/* Its matrix runs in the VM world (tests/vm/configs/vdpa.sh). */
		.name = "virtio-blk-vhost-vdpa",
		.needs_io_uring = false,
		.in_reference = true,
		.poll_queues = true,
		.hint_silences_kernel = true,
		.interruptible_under_valgrind = true,
		.sigmask_wait_under_valgrind = true,
		.num_entries_refused = 65536,
		.kernel_reissues_eagain = false,
		.entries_machine_limit = false,
		.zeroes_complete_in_do_io = false,
		.needs_backend = true,
		.backend_vduse = true,
		.needs_mem_regions = true,
		.has_direct = false,
		.entries_prop = "queue-size",
		.completion_fd_starts_disabled = true,
		.backend_signals_spuriously = true,
		.checks_alignment = true,
		.has_fd = true,
		.path_is_socket = false,
		.can_add_queues = false,
		.entries_checked_by_setter = true,
		.fixed_capacity = true,
		.limits_before_connect = true,
		.has_device_timeout = true,
		.mem_regions_disjoint = true,
	}, {
		/*
		 * A PCI function of the VM (tests/vm/configs/vfio.sh), fixed
		 * in size and shared by every test: only the programs that
		 * test data on a scratch file run (tests/vm/configs/vfio.sh
		 * lists them); a file that grows, slowfs and loop devices
		 * cannot stand behind it.
		 */
		.name = "virtio-blk-vfio-pci",
		.needs_io_uring = false,
		.in_reference = true,
		.poll_queues = true,
		.hint_silences_kernel = true,
		.interruptible_under_valgrind = true,
		.sigmask_wait_under_valgrind = true,
		.num_entries_refused = 65536,
		.needs_backend = true,
		.fixed_device = true,
		.needs_mem_regions = true,
		.has_direct = false,
		.entries_prop = "queue-size",
		.completion_fd_starts_disabled = true,
		/*
		 * QEMU's virtio-pci device interrupts for the first used
		 * entries after a reset whatever used_event says (its
		 * signalled_used_valid starts false), as the spec allows.
		 */
		.backend_signals_spuriously = true,
		.checks_alignment = true,
		.arena_len = 64ull << 20,
		.has_fd = false,
		.path_is_socket = false,
		.can_add_queues = false,
		.entries_checked_by_setter = true,
		.fixed_capacity = true,
		.limits_before_connect = true,
		.has_device_timeout = true,
		.mem_regions_disjoint = true,
	},
	{ .name = NULL },
};

const struct test_driver *test_driver(void)
{
	static const struct test_driver *cached;
	const char *name = getenv("BLKIO_TEST_DRIVER");
	const struct test_driver *d;

	if (cached)
		return cached;
	if (!name || !name[0])
		name = "io_uring";
	for (d = test_drivers; d->name; d++) {
		if (strcmp(d->name, name) == 0)
			return cached = d;
	}
	fprintf(stderr, "BLKIO_TEST_DRIVER=%s: no such driver in "
		"tests/common/test-driver.c\n", name);
	exit(1);
}

const char *test_driver_name(void)
{
	return test_driver()->name;
}

#define MAX_EXPORTS 64

/* One qemu-storage-daemon export, of the image or of a loop device. */
struct export {
	struct qsd qsd;
	struct loopdev loop;	/* path NULL: the image itself */
};

static struct export exports[MAX_EXPORTS];
static int nr_exports;
static pid_t exports_owner;

/*
 * The daemon first, so the loop device has no other opener left when
 * loop_detach() lets go of it.
 */
static void stop_export(struct export *e)
{
	qsd_stop(&e->qsd);
	loop_detach(&e->loop);
}

/* Only the process that started them: Check's children share the list. */
static void stop_exports(void)
{
	int i;

	if (getpid() != exports_owner)
		return;
	for (i = 0; i < nr_exports; i++)
		stop_export(&exports[i]);
	nr_exports = 0;
}

/*
 * VDUSE exports: their helpers tear them down once this process (and its
 * forks) let go, so nothing is waited for at exit (tests/common/vduse.h).
 */
static char *vduse_export(const char *image, const struct qsd_opts *q,
			  char *why, size_t len)
{
	struct vduse_opts o = { .num_queues = q->num_queues,
				.read_only = q->read_only };
	struct vduse v;
	char *dev;

	if (vduse_start(&v, image, &o, why, len) < 0)
		return NULL;
	dev = v.dev;
	v.dev = NULL;
	/* The hold fd stays open (leaked on purpose) until we exit. */
	return dev;
}

bool test_driver_export_loop(void)
{
	const char *kind = getenv("BLKIO_TEST_QSD_EXPORT");

	if (!kind || !*kind || strcmp(kind, "file") == 0)
		return false;
	if (strcmp(kind, "loop") == 0)
		return true;
	fprintf(stderr, "BLKIO_TEST_QSD_EXPORT=%s: not file or loop\n", kind);
	exit(1);
}

void test_driver_require_export(void)
{
	const char *why;

	if (test_driver_export_loop() && loop_available(&why) < 0) {
		printf("SKIP: BLKIO_TEST_QSD_EXPORT=loop: %s\n", why);
		fflush(stdout);
		exit(77);
	}
}

static bool is_block_device(const char *image)
{
	struct stat st;

	return stat(image, &st) == 0 && S_ISBLK(st.st_mode);
}

/*
 * BLKIO_TEST_QSD_EXPORT=loop: the daemon exports a loop device over the
 * image (the backend of a real disk), detached by stop_export() or,
 * should the test die, by autoclear once the daemon has died with it
 * (qsd.c: PR_SET_PDEATHSIG).  A block device already is one: exported
 * as it is.
 */
static const char *export_target(struct export *e, const char *image,
				 char *why, size_t len)
{
	const char *err;

	memset(&e->loop, 0, sizeof(e->loop));
	e->loop.hold_fd = -1;
	if (!test_driver_export_loop() || is_block_device(image))
		return image;
	if (loop_attach_file(&e->loop, image, &err) < 0) {
		snprintf(why, len, "BLKIO_TEST_QSD_EXPORT=loop: %s", err);
		return NULL;
	}
	return e->loop.path;
}

static char *qsd_export(const char *image, const struct qsd_opts *o,
			char *why, size_t len)
{
	struct export *e;
	const char *target;

	if (getpid() != exports_owner) {
		/* A forked test: its own list, stopped when it exits. */
		nr_exports = 0;
		exports_owner = getpid();
		atexit(stop_exports);
	}
	if (nr_exports == MAX_EXPORTS) {
		snprintf(why, len, "more than %d exports in one test", MAX_EXPORTS);
		return NULL;
	}
	e = &exports[nr_exports];
	target = export_target(e, image, why, len);
	if (!target)
		return NULL;
	if (qsd_start(&e->qsd, target, o, why, len) < 0) {
		loop_detach(&e->loop);
		return NULL;
	}
	nr_exports++;
	return strdup(e->qsd.sock);
}

int test_driver_export_queues(void)
{
	const char *env = getenv("BLKIO_TEST_QSD_QUEUES");

	return env && atoi(env) > 0 ? atoi(env) : 4;
}

char *test_driver_export(const char *image, bool read_only, char *why,
			 size_t len)
{
	struct qsd_opts o = { .num_queues = test_driver_export_queues(),
			      .read_only = read_only };

	if (test_driver()->backend_vduse)
		return vduse_export(image, &o, why, len);
	if (test_driver()->fixed_device)
		return test_fixed_device_export(image, why, len);
	return qsd_export(image, &o, why, len);
}

void test_driver_unexport(const char *target)
{
	int i;

	if (getpid() != exports_owner)
		return;
	for (i = 0; i < nr_exports; i++) {
		if (strcmp(exports[i].qsd.sock, target) == 0) {
			stop_export(&exports[i]);
			exports[i] = exports[--nr_exports];
			return;
		}
	}
}

/* A backend's driver: export the probe's memfd and connect to it. */
static int probe_backend(struct blkio *b, int fd, char *why, size_t len)
{
	char image[64], *sock;
	int ret;

	snprintf(image, sizeof(image), "/proc/self/fd/%d", fd);
	sock = test_driver_export(image, false, why, len);
	if (!sock)
		return -ENODEV;
	ret = blkio_set_str(b, "path", sock);
	free(sock);
	return ret;
}

int test_driver_probe(char *why, size_t len)
{
	const char *name = test_driver_name();
	const char *step = "blkio_create";
	struct blkio *b = NULL;
	int fd, ret;

	fd = memfd_create("blkio-test-probe", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, 1 << 16) < 0) {
		ret = -errno;
		snprintf(why, len, "memfd for the %s probe: %s", name,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		return ret;
	}
	ret = blkio_create(name, &b);
	if (ret == 0 && test_driver()->needs_backend) {
		step = "qemu-storage-daemon";
		ret = probe_backend(b, fd, why, len);
		if (ret == -ENODEV) {
			blkio_destroy(&b);
			close(fd);
			return ret;
		}
		step = "blkio_connect";
		if (ret == 0)
			ret = blkio_connect(b);
	} else if (ret == 0) {
		step = "blkio_connect";
		ret = blkio_set_int(b, "fd", fd);
		if (ret == 0) {
			ret = blkio_connect(b);
			if (ret == 0)
				fd = -1;	/* the instance owns it now */
		}
	}
	if (ret == 0) {
		step = "blkio_start";
		ret = blkio_start(b);
	}
	if (ret < 0)
		snprintf(why, len, "the %s driver does not work here: %s: "
			 "%s", name, step, blkio_get_error_msg());
	blkio_destroy(&b);
	if (fd >= 0)
		close(fd);
	return ret;
}
