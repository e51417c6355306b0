// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * Limits the kernel enforces, reported through completions: the end of a
 * block device, read-only devices, misaligned O_DIRECT, a full filesystem
 * and RLIMIT_FSIZE.  The library must pass the kernel's errno through (or,
 * where it resubmits, the errno of the resubmission), never zeros or
 * success, and never crash.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fault-util.h"

#define FS_SIZE (8u << 20)

static struct rlimit saved_fsize;

static void setup(void)
{
	fu_reset();
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &saved_fsize), 0);
}

/* Also runs after a failed check when Check does not fork. */
static void teardown(void)
{
	setrlimit(RLIMIT_FSIZE, &saved_fsize);
	signal(SIGXFSZ, SIG_DFL);
}

struct dev {
	struct fu_loop loop;
	struct blkio *b;
	struct blkioq *q;
	uint64_t cap;
};

static void dev_open(struct dev *d, bool read_only)
{
	fu_loop_attach(&d->loop, fu_fs->disk, read_only);
	d->b = fu_open(d->loop.path, true, read_only, 0, &d->q);
	ck_assert_int_eq(blkio_get_uint64(d->b, "capacity", &d->cap), 0);
	ck_assert_int_eq(d->cap, fu_fs->size);
}

static void dev_close(struct dev *d)
{
	blkio_destroy(&d->b);
	fu_loop_detach(&d->loop);
}

/* Reads touching the end of a block device fail; they are not zero-filled. */
START_TEST(end_of_device_reads)
{
	uint8_t *buf = fu_alloc(16384);
	struct iovec iov[2] = { { buf, 4096 }, { buf + 4096, 8192 } };
	struct dev d;
	int ret;

	fu_fill(fu_fs->size - 65536, 65536, 1);
	dev_open(&d, false);
	ret = fu_read(d.q, d.cap - 8192, buf, 16384);
	ck_assert_msg(ret == -EIO, "read across the end: ret %d", ret);
	ret = fu_read(d.q, d.cap, buf, 4096);
	ck_assert_msg(ret == -EIO, "read at the end: ret %d", ret);
	ret = fu_read(d.q, d.cap + (1 << 20), buf, 4096);
	ck_assert_msg(ret == -EIO, "read past the end: ret %d", ret);
	blkioq_readv(d.q, d.cap - 4096, iov, 2, NULL, 0);
	ret = fu_wait1(d.q);
	ck_assert_msg(ret == -EIO, "readv across the end: ret %d", ret);
	ret = fu_read(d.q, d.cap - 8192, buf, 8192);
	ck_assert_msg(ret == 0, "last blocks: ret %d", ret);
	fu_assert_buf(buf, d.cap - 8192, 8192, 1, "last blocks");
	dev_close(&d);
	free(buf);
}
END_TEST

/* Writes beyond the end: the kernel says -ENOSPC. */
START_TEST(end_of_device_writes)
{
	uint8_t *buf = fu_alloc(16384);
	struct dev d;
	int ret;

	fu_fill(fu_fs->size - 65536, 65536, 2);
	dev_open(&d, false);
	fu_pattern(buf, d.cap - 8192, 16384, 3);
	ret = fu_write(d.q, d.cap - 8192, buf, 16384, 0);
	ck_assert_msg(ret == -ENOSPC, "write across the end: ret %d", ret);
	ret = fu_write(d.q, d.cap, buf, 4096, 0);
	ck_assert_msg(ret == -ENOSPC, "write at the end: ret %d", ret);
	ret = fu_write(d.q, d.cap + (1 << 20), buf, 4096, BLKIO_REQ_FUA);
	ck_assert_msg(ret == -ENOSPC, "FUA write past the end: ret %d", ret);
	fu_assert_raw(fu_fs->size - 65536, 65536 - 8192, 2,
		      "blocks before the failed writes");
	dev_close(&d);
	free(buf);
}
END_TEST

/* A read-only loop device: reads work, writes fail, flush is harmless. */
START_TEST(read_only_device)
{
	uint8_t *buf = fu_alloc(8192);
	struct iovec iov = { buf, 8192 };
	bool ro = false;
	struct dev d;
	int ret;

	fu_fill(0, 65536, 4);
	dev_open(&d, true);
	ck_assert_int_eq(blkio_get_bool(d.b, "read-only", &ro), 0);
	ck_assert(ro);
	ret = fu_read(d.q, 4096, buf, 8192);
	ck_assert_msg(ret == 0, "read: ret %d", ret);
	fu_assert_buf(buf, 4096, 8192, 4, "read from read-only device");
	ret = fu_write(d.q, 4096, buf, 8192, 0);
	ck_assert_msg(ret == -EBADF, "write: ret %d, expected -EBADF", ret);
	blkioq_writev(d.q, 4096, &iov, 1, NULL, 0);
	ret = fu_wait1(d.q);
	ck_assert_msg(ret == -EBADF, "writev: ret %d, expected -EBADF", ret);
	ck_assert_int_eq(fu_flush(d.q), 0);
	dev_close(&d);

	/*
	 * Opening it for writing: older kernels refuse the open (-EROFS);
	 * 6.18 allows it and refuses each write with -EPERM.
	 */
	fu_loop_attach(&d.loop, fu_fs->disk, true);
	ret = fu_try_open(d.loop.path, true, false);
	ck_assert_msg(ret == 0 || ret == -EROFS || ret == -EACCES ||
		      ret == -EPERM, "connect read-write to a read-only "
		      "device: %d", ret);
	if (ret == 0) {
		d.b = fu_open(d.loop.path, true, false, 0, &d.q);
		ret = fu_write(d.q, 4096, buf, 8192, 0);
		ck_assert_msg(ret == -EPERM, "write through a read-write "
			      "instance: ret %d, expected -EPERM", ret);
		ret = fu_read(d.q, 4096, buf, 8192);
		ck_assert_msg(ret == 0, "read: ret %d", ret);
		fu_assert_buf(buf, 4096, 8192, 4, "read after refused write");
		blkio_destroy(&d.b);
	}
	fu_loop_detach(&d.loop);
	fu_assert_raw(0, 65536, 4, "read-only device contents");
	free(buf);
}
END_TEST

/* The device turns read-only while open (BLKROSET): writes get -EPERM. */
START_TEST(device_set_read_only_while_open)
{
	uint8_t *buf = fu_alloc(8192);
	int on = 1, off = 0, ret;
	struct dev d;

	fu_fill(0, 65536, 5);
	dev_open(&d, false);
	ck_assert_msg(ioctl(d.loop.fd, BLKROSET, &on) == 0, "BLKROSET: %s",
		      strerror(errno));
	fu_pattern(buf, 4096, 8192, 6);
	ret = fu_write(d.q, 4096, buf, 8192, 0);
	ioctl(d.loop.fd, BLKROSET, &off);
	ck_assert_msg(ret == -EPERM, "write to a device set read-only: ret "
		      "%d, expected -EPERM", ret);
	ret = fu_read(d.q, 4096, buf, 8192);
	ck_assert_msg(ret == 0, "read: ret %d", ret);
	fu_assert_buf(buf, 4096, 8192, 5, "read after the refused write");
	dev_close(&d);
	free(buf);
}
END_TEST

/*
 * The io_uring driver does not validate alignment: misaligned O_DIRECT
 * requests reach the kernel, whose -EINVAL comes back; aligned requests
 * in the same batch are unaffected.
 */
START_TEST(misaligned_direct_io)
{
	uint8_t *buf = fu_alloc(65536);
	uint8_t *good = buf + 32768;
	struct iovec iov[2] = { { buf, 100 }, { buf + 512, 412 } };
	int rets[6], align = 0;
	struct dev d;

	fu_fill(0, 65536, 7);
	dev_open(&d, false);
	ck_assert_int_eq(blkio_get_int(d.b, "request-alignment", &align), 0);
	ck_assert_int_eq(align, 512);
	blkioq_read(d.q, 1, buf, 512, (void *)0, 0);		/* offset */
	blkioq_read(d.q, 4096, buf + 8192, 100, (void *)1, 0);	/* length */
	blkioq_read(d.q, 4096, buf + 8193, 512, (void *)2, 0);	/* buffer */
	blkioq_readv(d.q, 4096, iov, 2, (void *)3, 0);		/* iovec */
	blkioq_write(d.q, 513, buf + 16384, 512, (void *)4, 0);	/* offset */
	blkioq_read(d.q, 8192, good, 4096, (void *)5, 0);	/* aligned */
	fu_wait_all(d.q, 6, rets, NULL, 0);
	/* offsets and lengths are always checked by the kernel */
	for (int i = 0; i < 5; i++) {
		if (i == 2 || i == 3)
			continue;
		ck_assert_msg(rets[i] == -EINVAL, "misaligned request %d: ret "
			      "%d, expected -EINVAL", i, rets[i]);
	}
	/*
	 * Memory alignment is the kernel's call (6.18 accepts a buffer off
	 * by one byte on loop): an error must be -EINVAL, success must have
	 * read the right bytes.
	 */
	ck_assert_msg(rets[2] == -EINVAL || rets[2] == 0, "misaligned buffer: "
		      "ret %d", rets[2]);
	if (rets[2] == 0)
		fu_assert_buf(buf + 8193, 4096, 512, 7, "misaligned buffer");
	ck_assert_msg(rets[3] == -EINVAL || rets[3] == 0, "misaligned iovec: "
		      "ret %d", rets[3]);
	if (rets[3] == 0) {
		fu_assert_buf(buf, 4096, 100, 7, "misaligned iovec 0");
		fu_assert_buf(buf + 512, 4096 + 100, 412, 7,
			      "misaligned iovec 1");
	}
	printf("misaligned O_DIRECT buffer: %s, iovec: %s\n",
	       strerror(-rets[2]), strerror(-rets[3]));
	ck_assert_msg(rets[5] == 0, "aligned neighbour: ret %d", rets[5]);
	fu_assert_buf(good, 8192, 4096, 7, "aligned neighbour");
	fu_assert_raw(0, 65536, 7, "device after refused writes");
	dev_close(&d);
	free(buf);
}
END_TEST

/* A full tmpfs: the write is partly done, then -ENOSPC. */
START_TEST(full_tmpfs)
{
	const size_t len = 512 * 1024;
	uint8_t *buf = fu_alloc(len);
	char dir[PATH_MAX], file[PATH_MAX + 8];
	struct blkioq *q;
	struct blkio *b;
	struct stat st;
	int fd, ret;

	fu_tmpfs_mount(dir, sizeof(dir), "256k");
	snprintf(file, sizeof(file), "%s/f", dir);
	fd = open(file, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
	ck_assert_msg(fd >= 0, "create %s: %s", file, strerror(errno));
	b = fu_open(file, false, false, 0, &q);
	fu_pattern(buf, 0, len, 8);
	ret = fu_write(q, 0, buf, len, 0);
	ck_assert_msg(ret == -ENOSPC, "write to a full tmpfs: ret %d", ret);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_msg(st.st_size > 0 && st.st_size < (off_t)len,
		      "file size %lld after a partial write",
		      (long long)st.st_size);
	memset(buf, 0, len);
	ck_assert_int_eq(pread(fd, buf, (size_t)st.st_size, 0), st.st_size);
	fu_assert_buf(buf, 0, (size_t)st.st_size, 8, "data that fitted");
	blkio_destroy(&b);
	close(fd);
	fu_tmpfs_umount(dir);
	free(buf);
}
END_TEST

/* faultfs refusing space from an offset on: short write, then -ENOSPC. */
START_TEST(full_faultfs)
{
	const size_t len = 64 * 1024, room = 20000;
	const uint64_t off = 1 << 20;
	uint8_t *buf = fu_alloc(len);
	struct iovec iov[3] = {
		{ buf, 10000 },
		{ buf + 10000, 30000 },
		{ buf + 40000, len - 40000 },
	};
	struct blkioq *q;
	struct blkio *b;
	int ret;

	fu_fill(off, len, 9);
	fu_ctl_ok("rule op=write start=%llu clip err=ENOSPC",
		  (unsigned long long)(off + room));
	b = fu_open(fu_fs->disk, false, false, 0, &q);
	fu_pattern(buf, off, len, 10);
	ret = fu_write(q, off, buf, len, 0);
	ck_assert_msg(ret == -ENOSPC, "write: ret %d, expected -ENOSPC", ret);
	fu_assert_raw(off, room, 10, "bytes that fitted");
	fu_assert_raw(off + room, len - room, 9, "bytes that did not fit");
	fu_pattern(buf, off, len, 11);
	blkioq_writev(q, off, iov, 3, NULL, 0);
	ret = fu_wait1(q);
	ck_assert_msg(ret == -ENOSPC, "writev: ret %d, expected -ENOSPC", ret);
	fu_assert_raw(off, room, 11, "bytes that fitted (writev)");
	ck_assert_int_ge(fu_stat("shorts"), 2);
	blkio_destroy(&b);
	free(buf);
}
END_TEST

/* RLIMIT_FSIZE ("ulimit -f"): writes reaching the limit get -EFBIG. */
START_TEST(file_size_limit)
{
	const size_t limit = 64 * 1024;
	uint8_t *buf = fu_alloc(128 * 1024);
	struct iovec iov[2] = { { buf, 4096 }, { buf + 4096, 60000 } };
	char dir[PATH_MAX], file[PATH_MAX + 8];
	struct rlimit rl;
	struct blkioq *q;
	struct blkio *b;
	struct stat st;
	int ret;

	fu_tmpfs_mount(dir, sizeof(dir), "4m");
	snprintf(file, sizeof(file), "%s/f", dir);
	close(open(file, O_CREAT | O_RDWR | O_CLOEXEC, 0600));
	b = fu_open(file, false, false, 0, &q);
	/* the kernel also sends SIGXFSZ, whose default action kills */
	signal(SIGXFSZ, SIG_IGN);
	rl = saved_fsize;
	rl.rlim_cur = limit;
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);

	fu_pattern(buf, 0, 32768, 12);
	ret = fu_write(q, 0, buf, 32768, 0);
	ck_assert_msg(ret == 0, "write below the limit: ret %d", ret);
	fu_pattern(buf, 32768, 65536, 12);
	ret = fu_write(q, 32768, buf, 65536, 0);
	ck_assert_msg(ret == -EFBIG, "write across the limit: ret %d", ret);
	ret = fu_write(q, 128 * 1024, buf, 4096, 0);
	ck_assert_msg(ret == -EFBIG, "write past the limit: ret %d", ret);
	blkioq_writev(q, limit - 4096, iov, 2, NULL, 0);
	ret = fu_wait1(q);
	ck_assert_msg(ret == -EFBIG, "writev across the limit: ret %d", ret);

	teardown();
	ck_assert_int_eq(stat(file, &st), 0);
	ck_assert_int_eq(st.st_size, limit);
	blkio_destroy(&b);
	fu_tmpfs_umount(dir);
	free(buf);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("fault-limits");
	TCase *tc = tcase_create("limits");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, end_of_device_reads);
	tcase_add_test(tc, end_of_device_writes);
	tcase_add_test(tc, read_only_device);
	tcase_add_test(tc, device_set_read_only_while_open);
	tcase_add_test(tc, misaligned_direct_io);
	tcase_add_test(tc, full_tmpfs);
	tcase_add_test(tc, full_faultfs);
	tcase_add_test(tc, file_size_limit);
	suite_add_tcase(s, tc);
	return s;
}

int main(int argc, char **argv)
{
	fu_init(argc, argv, FU_NEED_LOOP, FS_SIZE, NULL);
	return fu_run_suite(suite());
}
