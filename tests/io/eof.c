/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * End of a regular file (can-grow true, contract §6.3): a read beyond EOF
 * succeeds with a zero-filled buffer, a read straddling EOF gets the data
 * and then zeros, a write past EOF grows the file and "capacity" follows.
 * Buffered and O_DIRECT.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iotest.h"

/* Buffered: an odd size.  O_DIRECT: a multiple of 512, not of 4096. */
#define SIZE_BUFFERED (65536 + 100)
#define SIZE_DIRECT (65536 + 512)

static char *path;
static struct blkio *b;
static struct blkioq *q;
static uint64_t size;
static uint64_t unit;	/* offsets and lengths are multiples of this */

static void open_file(bool direct)
{
	const struct iot_opts o = { .direct = direct };
	bool grow = false;
	int align;

	size = direct ? SIZE_DIRECT : SIZE_BUFFERED;
	path = iot_make_file("eof", size, 1);
	b = iot_open(path, &o);
	q = blkio_get_queue(b, 0);
	ck_assert_ptr_nonnull(q);
	ck_assert_int_eq(blkio_get_bool(b, "can-grow", &grow), 0);
	ck_assert(grow);
	ck_assert_int_eq(blkio_get_int(b, "request-alignment", &align), 0);
	ck_assert_int_le(align, 512);
	unit = direct ? 512 : 1;
}

static void setup_buffered(void)
{
	open_file(false);
}

static void setup_direct(void)
{
	open_file(true);
}

static void teardown(void)
{
	blkio_destroy(&b);
	iot_remove_file(&path);
}

static uint64_t capacity(void)
{
	uint64_t cap = 0;
	int ret = blkio_get_uint64(b, "capacity", &cap);

	ck_assert_msg(ret == 0, "capacity: %d %s", ret, blkio_get_error_msg());
	return cap;
}

/* Read [off, off+len) into a 0xaa-filled buffer; expect success. */
static uint8_t *read_at(uint64_t off, size_t len)
{
	struct blkio_completion c;
	uint8_t *r = iot_alloc(len);

	memset(r, 0xaa, len);
	blkioq_read(q, off, r, len, r, 0);
	iot_wait1(q, &c);
	iot_assert_ok(&c, r);
	return r;
}

/* @r holds file data up to EOF (= size) and zeros from there. */
static void check_data_then_zeros(const uint8_t *r, uint64_t off, size_t len)
{
	size_t data = off < size ? (size_t)(size - off) : 0;
	size_t bad;

	if (data > len)
		data = len;
	bad = test_check(r, data, off, 1);
	ck_assert_msg(bad == data, "data differs at %llu",
		      (unsigned long long)(off + bad));
	bad = test_check_zero(r + data, len - data);
	ck_assert_msg(bad == len - data, "byte %llu past EOF is 0x%02x, not 0",
		      (unsigned long long)(off + data + bad), r[data + bad]);
}

START_TEST(test_read_beyond_eof)
{
	const uint64_t offs[] = { size, size + unit * 8, 1 << 20,
				  (uint64_t)1 << 40 };
	size_t i;

	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		uint64_t off = offs[i] / unit * unit;
		uint8_t *r = read_at(off, 8192);

		check_data_then_zeros(r, off, 8192);
		iot_free(r);
	}
	/* Reading past EOF does not grow the file. */
	ck_assert_uint_eq(capacity(), size);
}
END_TEST

START_TEST(test_read_straddling_eof)
{
	const uint64_t before[] = { unit, 1000, 4096, 40000 };
	size_t i;

	for (i = 0; i < sizeof(before) / sizeof(before[0]); i++) {
		uint64_t off = (size - before[i]) / unit * unit;
		size_t len = 16384;
		uint8_t *r = read_at(off, len);

		check_data_then_zeros(r, off, len);
		iot_free(r);
	}
	ck_assert_uint_eq(capacity(), size);
}
END_TEST

START_TEST(test_readv_straddling_eof)
{
	const size_t len = 12 * 1024;
	uint8_t *r = iot_alloc(len);
	uint64_t off = (size - 5000) / unit * unit;
	struct blkio_completion c;
	struct iovec iov[4];

	/* EOF falls inside the second iovec; the last two are all zeros. */
	memset(r, 0xaa, len);
	iov[0] = (struct iovec){ r, 4096 };
	iov[1] = (struct iovec){ r + 4096, 4096 };
	iov[2] = (struct iovec){ r + 8192, 2048 };
	iov[3] = (struct iovec){ r + 10240, 2048 };
	blkioq_readv(q, off, iov, 4, iov, 0);
	iot_wait1(q, &c);
	iot_assert_ok(&c, iov);
	check_data_then_zeros(r, off, len);
	iot_free(r);
}
END_TEST

START_TEST(test_write_grows)
{
	const uint64_t far = (1 << 20) + 4096;
	struct blkio_completion c;
	uint8_t *w = iot_alloc(8192), *r;
	struct stat st;

	ck_assert_uint_eq(capacity(), size);
	test_fill(w, 8192, far, 5);
	blkioq_write(q, far, w, 8192, w, 0);
	iot_wait1(q, &c);
	iot_assert_ok(&c, w);
	ck_assert_uint_eq(capacity(), far + 8192);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq((uint64_t)st.st_size, far + 8192);

	/* The hole between old EOF and the write reads as zeros. */
	r = read_at(size / unit * unit, 65536);
	check_data_then_zeros(r, size / unit * unit, 65536);
	iot_free(r);
	r = read_at(far, 8192);
	ck_assert_uint_eq(test_check(r, 8192, far, 5), 8192);
	iot_free(r);

	/* A write straddling the new EOF grows it again. */
	test_fill(w, 8192, far + 4096, 6);
	blkioq_write(q, far + 4096, w, 8192, w, 0);
	iot_wait1(q, &c);
	iot_assert_ok(&c, w);
	ck_assert_uint_eq(capacity(), far + 4096 + 8192);
	iot_free(w);
}
END_TEST

START_TEST(test_capacity_tracks_file)
{
	int fd;

	/* Growth by someone else shows up in the next capacity read. */
	ck_assert_uint_eq(capacity(), size);
	fd = open(path, O_WRONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 3 << 20), 0);
	ck_assert_uint_eq(capacity(), 3 << 20);
	ck_assert_int_eq(ftruncate(fd, (off_t)size), 0);
	ck_assert_uint_eq(capacity(), size);
	close(fd);
}
END_TEST

static void add_tests(TCase *tc)
{
	tcase_add_test(tc, test_read_beyond_eof);
	tcase_add_test(tc, test_read_straddling_eof);
	tcase_add_test(tc, test_readv_straddling_eof);
	tcase_add_test(tc, test_write_grows);
	tcase_add_test(tc, test_capacity_tracks_file);
}

static Suite *eof_suite(void)
{
	Suite *s = suite_create("eof");
	TCase *buffered = tcase_create("buffered");
	TCase *direct = tcase_create("direct");

	tcase_add_checked_fixture(buffered, setup_buffered, teardown);
	tcase_add_checked_fixture(direct, setup_direct, teardown);
	add_tests(buffered);
	add_tests(direct);
	suite_add_tcase(s, buffered);
	suite_add_tcase(s, direct);
	return s;
}

int main(void)
{
	return iot_run(eof_suite());
}
