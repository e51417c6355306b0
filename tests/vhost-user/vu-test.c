/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "test-driver.h"
#include "vu-test.h"

int vut_export_queues(void)
{
	const char *v = getenv("BLKIO_TEST_QSD_QUEUES");

	return v && atoi(v) > 0 ? atoi(v) : 1;
}

static void skip(const char *why)
{
	fprintf(stderr, "SKIP: %s\n", why);
	exit(77);
}

static char *make_file(uint64_t size, uint32_t seed, int *fdp)
{
	const char *dir = getenv("BLKIO_TEST_DIR");
	const size_t chunk = 1 << 20;
	char *path, *buf;
	uint64_t off;
	int fd;

	ck_assert(asprintf(&path, "%s/vu-XXXXXX", dir && *dir ? dir : "/tmp") > 0);
	fd = mkstemp(path);
	ck_assert_msg(fd >= 0, "mkstemp %s: %s", path, strerror(errno));
	ck_assert_int_eq(ftruncate(fd, (off_t)size), 0);
	if (seed) {
		buf = malloc(chunk);
		for (off = 0; off < size; off += chunk) {
			size_t n = size - off < chunk ? size - off : chunk;

			test_fill(buf, n, off, seed);
			ck_assert_int_eq(pwrite(fd, buf, n, (off_t)off), (ssize_t)n);
		}
		free(buf);
	}
	*fdp = fd;
	return path;
}

/*
 * A loop device over the file (tests/common/loop.h: direct I/O,
 * autoclear); t->fd becomes the device, so vut_pread() sees what the
 * export's readers see.
 */
static void attach_loop(struct vut *t)
{
	const char *why;

	if (loop_attach_file(&t->loop, t->file, &why) < 0)
		skip(why);
	close(t->fd);
	t->fd = open(t->loop.path, O_RDWR | O_CLOEXEC);
	ck_assert_msg(t->fd >= 0, "open %s: %s", t->loop.path, strerror(errno));
}

void vut_start(struct vut *t, const struct vut_opts *o)
{
	int ret;

	if (o->num_queues || o->num_poll_queues)
		ck_assert_int_eq(blkio_set_int(t->b, "num-queues", o->num_queues), 0);
	if (o->num_poll_queues)
		ck_assert_int_eq(blkio_set_int(t->b, "num-poll-queues",
					       o->num_poll_queues), 0);
	ret = blkio_start(t->b);
	ck_assert_msg(ret == 0, "start: %d %s", ret, blkio_get_error_msg());
	ret = blkio_alloc_mem_region(t->b, &t->region,
				     o->region_len ? o->region_len : 16 << 20);
	ck_assert_msg(ret == 0, "alloc: %d %s", ret, blkio_get_error_msg());
	ret = blkio_map_mem_region(t->b, &t->region);
	ck_assert_msg(ret == 0, "map: %d %s", ret, blkio_get_error_msg());
	t->buf = t->region.addr;
}

void vut_setup(struct vut *t, const struct vut_opts *o)
{
	struct qsd_opts qo = { .num_queues = vut_export_queues(),
			       .read_only = o->read_only };
	char why[256];
	int ret;

	memset(t, 0, sizeof(*t));
	if (!qsd_binary())
		skip("qemu-storage-daemon is not installed (package qemu-system-common)");
	t->size = o->size ? o->size : 64 << 20;
	t->file = make_file(t->size, o->seed, &t->fd);
	if (test_driver_export_loop())
		attach_loop(t);
	ret = qsd_start(&t->qsd, t->loop.path ? t->loop.path : t->file, &qo, why,
			sizeof(why));
	ck_assert_msg(ret == 0, "qemu-storage-daemon: %s", why);
	ck_assert_int_eq(blkio_create("virtio-blk-vhost-user", &t->b), 0);
	ck_assert_int_eq(blkio_set_str(t->b, "path", t->qsd.sock), 0);
	ck_assert_int_eq(blkio_set_bool(t->b, "read-only", o->read_only), 0);
	ret = blkio_connect(t->b);
	ck_assert_msg(ret == 0, "connect: %d %s", ret, blkio_get_error_msg());
	if (!o->no_start)
		vut_start(t, o);
}

void vut_teardown(struct vut *t)
{
	blkio_destroy(&t->b);
	qsd_stop(&t->qsd);
	if (t->fd >= 0)
		close(t->fd);
	if (t->file) {
		unlink(t->file);
		free(t->file);
	}
	loop_detach(&t->loop);
}

void vut_pread(struct vut *t, void *buf, size_t len, uint64_t offset)
{
	ck_assert_int_eq(pread(t->fd, buf, len, (off_t)offset), (ssize_t)len);
}

void vut_pwrite(struct vut *t, const void *buf, size_t len, uint64_t offset)
{
	ck_assert_int_eq(pwrite(t->fd, buf, len, (off_t)offset), (ssize_t)len);
	ck_assert_int_eq(fdatasync(t->fd), 0);
}

void vut_wait_n(struct blkioq *q, struct blkio_completion *c, int n)
{
	struct timespec ts = { .tv_sec = 30 };
	int got = 0, ret;

	while (got < n) {
		ret = blkioq_do_io(q, c + got, 1, n - got, &ts);
		ck_assert_msg(ret > 0, "do_io: %d %s", ret, blkio_get_error_msg());
		got += ret;
	}
}

void vut_wait(struct blkioq *q, void *user_data, int ret)
{
	struct blkio_completion c;

	vut_wait_n(q, &c, 1);
	ck_assert_ptr_eq(c.user_data, user_data);
	ck_assert_msg(c.ret == ret, "completion %d (%s), expected %d", c.ret,
		      c.error_msg ? c.error_msg : "", ret);
	if (ret == 0)
		ck_assert_ptr_null(c.error_msg);
	else
		ck_assert_ptr_nonnull(c.error_msg);
}
