/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * The io_uring driver on a block device: a loop device with direct I/O
 * over a scratch file.  Properties (request-alignment = logical block
 * size, can-grow false, capacity), write_zeroes with every flag
 * combination, discard, reads past the end failing, O_DIRECT integrity.
 * Needs root and losetup; exits 77 otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iotest.h"
#include "test-driver.h"
#include "loop.h"

#define DEV_SIZE (16u << 20)

static struct loopdev ld;
static struct blkio *b;
static struct blkioq *q;
static int lbs;		/* logical block size */

static void setup(void)
{
	const struct iot_opts o = { .direct = true };
	const char *why;

	ck_assert_msg(loop_attach(&ld, DEV_SIZE, 1, &why) == 0, "%s", why);
	lbs = (int)loop_queue_attr(&ld, "logical_block_size");
	ck_assert_int_ge(lbs, 512);
	b = iot_open(ld.path, &o);
	q = blkio_get_queue(b, 0);
	ck_assert_ptr_nonnull(q);
}

static void teardown(void)
{
	/* Close the device before detaching it. */
	blkio_destroy(&b);
	loop_detach(&ld);
}

static void run1(void *ud)
{
	struct blkio_completion c;

	iot_wait1(q, &c);
	iot_assert_ok(&c, ud);
}

static uint8_t *dev_read(uint64_t off, size_t len)
{
	uint8_t *r = iot_alloc(len);

	memset(r, 0xee, len);
	blkioq_read(q, off, r, len, r, 0);
	run1(r);
	return r;
}

static void dev_write(uint64_t off, size_t len, uint32_t seed)
{
	uint8_t *w = iot_alloc(len);

	test_fill(w, len, off, seed);
	blkioq_write(q, off, w, len, w, 0);
	run1(w);
	iot_free(w);
}

START_TEST(test_properties)
{
	uint64_t cap = 0, mra = 0;
	bool v = true;
	int ra = 0, ba = 0;

	/*
	 * Through a backend the device is the backend's virtio-blk disk:
	 * its block size is the export's logical-block-size (512) and
	 * buffers need no alignment (virtio-blk, contract 6.5).
	 */
	bool backend = test_driver()->needs_backend;

	ck_assert_int_eq(blkio_get_int(b, "request-alignment", &ra), 0);
	ck_assert_int_eq(ra, backend ? 512 : lbs);
	ck_assert_int_eq(blkio_get_int(b, "buf-alignment", &ba), 0);
	ck_assert_int_eq(ba, backend ? 1 : lbs);
	ck_assert_int_eq(blkio_get_uint64(b, "mem-region-alignment", &mra), 0);
	/* vhost-vdpa's IOTLB maps pages (contract 6.5). */
	ck_assert_uint_eq(mra, test_driver()->backend_vduse ?
			  (uint64_t)sysconf(_SC_PAGESIZE) :
			  backend ? 1 : (uint64_t)lbs);
	ck_assert_int_eq(blkio_get_bool(b, "can-grow", &v), 0);
	ck_assert(!v);
	if (test_driver()->has_direct) {
		ck_assert_int_eq(blkio_get_bool(b, "direct", &v), 0);
		ck_assert(v);
	}
	ck_assert_int_eq(blkio_get_bool(b, "read-only", &v), 0);
	ck_assert(!v);
	ck_assert_int_eq(blkio_get_uint64(b, "capacity", &cap), 0);
	ck_assert_uint_eq(cap, DEV_SIZE);
	ck_assert_int_eq(blkio_get_int(b, "optimal-io-alignment", &ra), 0);
	if (!backend)
		ck_assert_int_eq(ra, (int)loop_queue_attr(&ld,
							  "physical_block_size"));
}
END_TEST

static const char *flag_names(uint32_t f)
{
	static char s[64];

	snprintf(s, sizeof(s), "%s%s%s%s", f ? "" : "none",
		 f & BLKIO_REQ_FUA ? "FUA " : "",
		 f & BLKIO_REQ_NO_UNMAP ? "NO_UNMAP " : "",
		 f & BLKIO_REQ_NO_FALLBACK ? "NO_FALLBACK" : "");
	return s;
}

START_TEST(test_write_zeroes_flags)
{
	const uint32_t f = (uint32_t)_i;	/* 0..7: every combination */
	const uint64_t off = (1 << 20) + (uint64_t)f * (1 << 20);
	const uint64_t len = 256 << 10, margin = 64 << 10;
	bool native = loop_queue_attr(&ld, "write_zeroes_max_bytes") > 0;
	struct blkio_completion c;
	uint8_t *r;
	size_t bad;

	dev_write(off - margin, len + 2 * margin, 30 + f);
	blkioq_write_zeroes(q, off, len, &c, f);
	iot_wait1(q, &c);
	ck_assert_ptr_eq(c.user_data, &c);
	if ((f & BLKIO_REQ_NO_FALLBACK) && !native) {
		/* No native zeroing and no fallback allowed. */
		ck_assert_msg(c.ret == -ENOTSUP, "flags %s: %d", flag_names(f),
			      c.ret);
		return;
	}
	ck_assert_msg(c.ret == 0, "write_zeroes flags %s: %d %s",
		      flag_names(f), c.ret, c.error_msg ? c.error_msg : "");
	r = dev_read(off - margin, len + 2 * margin);
	bad = test_check(r, margin, off - margin, 30 + f);
	ck_assert_msg(bad == margin, "flags %s: data before the range "
		      "changed", flag_names(f));
	bad = test_check_zero(r + margin, len);
	ck_assert_msg(bad == len, "flags %s: byte %zu of the range is not 0",
		      flag_names(f), bad);
	bad = test_check(r + margin + len, margin, off + len, 30 + f);
	ck_assert_msg(bad == margin, "flags %s: data after the range "
		      "changed", flag_names(f));
	iot_free(r);
}
END_TEST

START_TEST(test_discard)
{
	const uint64_t off = 12 << 20, len = 1 << 20, margin = 64 << 10;
	uint8_t *r;

	/* Contents of the range are unspecified; the rest is kept. */
	dev_write(off - margin, len + 2 * margin, 40);
	blkioq_discard(q, off, len, &ld, 0);
	run1(&ld);
	r = dev_read(off - margin, margin);
	ck_assert_uint_eq(test_check(r, margin, off - margin, 40), margin);
	iot_free(r);
	r = dev_read(off + len, margin);
	ck_assert_uint_eq(test_check(r, margin, off + len, 40), margin);
	iot_free(r);
}
END_TEST

START_TEST(test_read_past_end)
{
	const struct { uint64_t off; size_t len; } reads[] = {
		{ DEV_SIZE, 4096 },
		{ DEV_SIZE + (1 << 20), 4096 },
		{ DEV_SIZE - 4096, 8192 },	/* straddles the end */
	};
	struct blkio_completion c;
	uint8_t *r = iot_alloc(8192);
	size_t i;

	/* A block device cannot grow: no zero-fill, an error instead. */
	for (i = 0; i < sizeof(reads) / sizeof(reads[0]); i++) {
		blkioq_read(q, reads[i].off, r, reads[i].len, r, 0);
		iot_wait1(q, &c);
		ck_assert_ptr_eq(c.user_data, r);
		ck_assert_msg(c.ret < 0, "read of %zu at %llu (capacity %u) "
			      "succeeded", reads[i].len,
			      (unsigned long long)reads[i].off, DEV_SIZE);
	}
	iot_free(r);
}
END_TEST

START_TEST(test_direct_integrity)
{
	const size_t units[] = { 1, 3, 8, 64, 512 };
	struct blkio_completion c;
	struct iovec iov[64];
	uint8_t *w, *r;
	size_t i, bad;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		uint64_t off = (uint64_t)lbs * (7 + 1000 * i);
		size_t len = units[i] * (size_t)lbs;

		dev_write(off, len, 50 + (uint32_t)i);
		r = dev_read(off, len);
		bad = test_check(r, len, off, 50 + (uint32_t)i);
		ck_assert_msg(bad == len, "%zu bytes at %llu differ at +%zu",
			      len, (unsigned long long)off, bad);
		iot_free(r);
	}

	/* 64 one-block iovecs written, read back as one buffer. */
	w = iot_alloc(64 * (size_t)lbs);
	test_fill(w, 64 * (size_t)lbs, 8 << 20, 60);
	for (i = 0; i < 64; i++)
		iov[i] = (struct iovec){ w + i * (size_t)lbs, (size_t)lbs };
	blkioq_writev(q, 8 << 20, iov, 64, iov, BLKIO_REQ_FUA);
	iot_wait1(q, &c);
	iot_assert_ok(&c, iov);
	r = dev_read(8 << 20, 64 * (size_t)lbs);
	ck_assert_uint_eq(test_check(r, 64 * (size_t)lbs, 8 << 20, 60),
			  64 * (size_t)lbs);
	iot_free(r);
	iot_free(w);

	/* Untouched areas keep the backing file's pattern; flush works. */
	r = dev_read(15 << 20, 1 << 20);
	ck_assert_uint_eq(test_check(r, 1 << 20, 15 << 20, 1), 1 << 20);
	iot_free(r);
	blkioq_flush(q, q, 0);
	run1(q);
}
END_TEST

static Suite *loopdev_suite(void)
{
	Suite *s = suite_create("loopdev");
	TCase *tc = tcase_create("loopdev");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_properties);
	tcase_add_loop_test(tc, test_write_zeroes_flags, 0, 8);
	if (iot_reference())
		iot_note_skip("discard", "libblkio 1.5 discard fails with "
			      "-EOPNOTSUPP on block devices (design §4)");
	else
		tcase_add_test(tc, test_discard);
	tcase_add_test(tc, test_read_past_end);
	tcase_add_test(tc, test_direct_integrity);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	struct loopdev probe;
	const char *why;

	/* One attach up front turns a missing loop setup into a SKIP. */
	if (loop_attach(&probe, 1 << 20, 0, &why) != 0)
		iot_skip(why);
	loop_detach(&probe);
	return iot_run(loopdev_suite());
}
