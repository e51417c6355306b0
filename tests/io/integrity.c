/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Data integrity on a regular file: what is written reads back, through
 * read/write and readv/writev with odd and many iovecs, buffered and with
 * O_DIRECT, from several queues at once; write_zeroes reads back zeros;
 * discard and FUA writes complete and leave the rest intact.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iotest.h"
#include "test-driver.h"

#define FILE_SIZE (16u << 20)
#define NR_THREADS 4

static char *path;
static struct blkio *b;
static struct blkioq *q;
static int align;	/* request-alignment; 1 when buffered */

static void open_instance(bool direct, int num_queues)
{
	const struct iot_opts o = { .direct = direct,
				    .num_queues = num_queues };

	path = iot_make_file("integrity", FILE_SIZE, 1);
	b = iot_open(path, &o);
	q = blkio_get_queue(b, 0);
	ck_assert_ptr_nonnull(q);
	ck_assert_int_eq(blkio_get_int(b, "request-alignment", &align), 0);
	ck_assert_int_ge(align, 1);
	if (direct)
		ck_assert_int_ge(align, 512);
}

static void setup_buffered(void)
{
	open_instance(false, 0);
}

static void setup_direct(void)
{
	open_instance(true, 0);
	/* The iovec shapes below assume at most 4 KiB. */
	ck_assert_int_le(align, 4096);
}

/* As many as the driver can start (a backend's export may have 1). */
static int nr_queues;

static void setup_queues(void)
{
	nr_queues = iot_max_queues(NR_THREADS);
	if (nr_queues < NR_THREADS)
		fprintf(stderr, "several_queues: %d queue(s) and threads, the "
			"most the export has\n", nr_queues);
	open_instance(true, nr_queues);
}

static void teardown(void)
{
	blkio_destroy(&b);
	iot_remove_file(&path);
}

static void run1(struct blkioq *qq, void *ud)
{
	struct blkio_completion c;

	iot_wait1(qq, &c);
	iot_assert_ok(&c, ud);
}

/* Compare the file at [off, off+len) with the pattern of @seed. */
static void verify_file(uint64_t off, size_t len, uint32_t seed)
{
	uint8_t *chk = iot_alloc(len);
	size_t bad;

	iot_pread(path, chk, len, off);
	bad = test_check(chk, len, off, seed);
	ck_assert_msg(bad == len, "file differs at %llu (seed %u)",
		      (unsigned long long)(off + bad), seed);
	iot_free(chk);
}

static void write_read(uint64_t off, size_t len, uint32_t seed)
{
	uint8_t *w = iot_alloc(len), *r = iot_alloc(len);
	size_t bad;

	test_fill(w, len, off, seed);
	blkioq_write(q, off, w, len, w, 0);
	run1(q, w);
	memset(r, 0xee, len);
	blkioq_read(q, off, r, len, r, 0);
	run1(q, r);
	bad = test_check(r, len, off, seed);
	ck_assert_msg(bad == len, "read back of %zu at %llu differs at +%zu",
		      len, (unsigned long long)off, bad);
	verify_file(off, len, seed);
	iot_free(w);
	iot_free(r);
}

START_TEST(test_rw_buffered_odd)
{
	static const struct { uint64_t off; size_t len; } shapes[] = {
		{ 0, 1 }, { 1, 4095 }, { 4097, 10000 }, { 123457, 65539 },
		{ 999999, 1 << 20 }, { 3 << 20, 3 }, { (8 << 20) - 7, 14 },
	};
	size_t i;
	if (test_driver()->checks_alignment) {
		iot_note_skip("rw_buffered_odd", "the driver refuses misaligned requests");
		return;
	}

	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++)
		write_read(shapes[i].off, shapes[i].len, 10 + (uint32_t)i);
}
END_TEST

START_TEST(test_rw_direct)
{
	const size_t lens[] = { 1, 8, 256, 2048 };	/* in units of align */
	size_t i;

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		write_read((uint64_t)align * (3 + 4096 * i), lens[i] * align,
			   20 + (uint32_t)i);
}
END_TEST

/* Cut @buf into iovecs of the given lengths (cycled) until @len. */
static int make_iov(struct iovec *iov, int max, uint8_t *buf, size_t len,
		    const size_t *lens, int nr_lens)
{
	size_t done = 0;
	int n = 0;

	while (done < len) {
		size_t l = lens[n % nr_lens];

		ck_assert_int_lt(n, max);
		if (l > len - done)
			l = len - done;
		iov[n++] = (struct iovec){ buf + done, l };
		done += l;
	}
	return n;
}

/*
 * writev with one iovec shape, readv with another, both into buffers
 * carved from one allocation; then compare.
 */
static void vec_write_read(uint64_t off, size_t len, const size_t *wl,
			   int nwl, const size_t *rl, int nrl, uint32_t seed)
{
	static struct iovec wiov[1024], riov[1024];
	uint8_t *w = iot_alloc(len), *r = iot_alloc(len);
	int wn, rn;
	size_t bad;

	test_fill(w, len, off, seed);
	memset(r, 0xee, len);
	wn = make_iov(wiov, 1024, w, len, wl, nwl);
	rn = make_iov(riov, 1024, r, len, rl, nrl);
	blkioq_writev(q, off, wiov, wn, w, 0);
	run1(q, w);
	blkioq_readv(q, off, riov, rn, r, 0);
	run1(q, r);
	bad = test_check(r, len, off, seed);
	ck_assert_msg(bad == len, "readv (%d iovecs) of %zu at %llu differs "
		      "at +%zu", rn, len, (unsigned long long)off, bad);
	verify_file(off, len, seed);
	iot_free(w);
	iot_free(r);
}

START_TEST(test_vec_buffered_odd)
{
	const size_t a[] = { 1, 7, 511, 4096, 3, 65537 };
	const size_t c[] = { 4099, 2, 100000, 13 };
	const size_t one[] = { 1 };
	const size_t small[] = { 1, 2, 3, 5, 8, 13, 21, 34, 55 };
	if (test_driver()->checks_alignment) {
		iot_note_skip("vec_buffered_odd", "the driver refuses misaligned requests");
		return;
	}

	vec_write_read(77, 1 + 7 + 511 + 4096 + 3 + 65537, a, 6, c, 4, 31);
	vec_write_read(5 << 20, 200003, c, 4, a, 6, 32);
	/* Many iovecs: 1024 one-byte ones, then 1024 small odd ones. */
	vec_write_read(12345, 1024, one, 1, small, 9, 33);
	vec_write_read(7 << 20, 1024 * 14, small, 9, small + 3, 6, 34);
}
END_TEST

START_TEST(test_vec_direct)
{
	const size_t a[] = { 1, 2, 8, 1, 3 };	/* in units of align */
	const size_t c[] = { 5, 1, 1, 8 };
	size_t wa[5], ca[4], one[1] = { (size_t)align };
	int i;

	for (i = 0; i < 5; i++)
		wa[i] = a[i] * (size_t)align;
	for (i = 0; i < 4; i++)
		ca[i] = c[i] * (size_t)align;
	vec_write_read((uint64_t)align * 7, 15 * (size_t)align * 4, wa, 5,
		       ca, 4, 41);
	/* 1024 iovecs of one block each, read back in bigger pieces. */
	vec_write_read(2 << 20, 1024 * (size_t)align, one, 1, ca, 4, 42);
	vec_write_read(6 << 20, 1024 * (size_t)align, ca, 4, one, 1, 43);
}
END_TEST

struct worker {
	pthread_t thread;
	struct blkioq *q;
	int index;
	uint64_t base;
	size_t len;
	/* Allocated by the test thread: iot_alloc() is not thread-safe. */
	uint8_t *data, *back;
	const char *failure;
};

/* One thread per queue: write its slice in pieces, read it back. */
static void *queue_worker(void *arg)
{
	enum { PIECE = 64 << 10 };
	struct worker *w = arg;
	struct blkio_completion c[64];
	uint8_t *data, *back;
	int n = (int)(w->len / PIECE), i, got;

	data = w->data;
	back = w->back;
	test_fill(data, w->len, w->base, 50 + (uint32_t)w->index);
	memset(back, 0, w->len);
	for (i = 0; i < n; i++)
		blkioq_write(w->q, w->base + (uint64_t)i * PIECE,
			     data + (size_t)i * PIECE, PIECE, NULL, 0);
	for (got = 0; got < n && !w->failure;) {
		int ret = blkioq_do_io(w->q, c, 1, 64, NULL);

		if (ret < 1)
			w->failure = "do_io failed";
		for (i = 0; i < ret; i++)
			if (c[i].ret)
				w->failure = "write failed";
		got += ret > 0 ? ret : 0;
	}
	for (i = 0; i < n; i++)
		blkioq_read(w->q, w->base + (uint64_t)i * PIECE,
			    back + (size_t)i * PIECE, PIECE, NULL, 0);
	for (got = 0; got < n && !w->failure;) {
		int ret = blkioq_do_io(w->q, c, 1, 64, NULL);

		if (ret < 1)
			w->failure = "do_io failed";
		for (i = 0; i < ret; i++)
			if (c[i].ret)
				w->failure = "read failed";
		got += ret > 0 ? ret : 0;
	}
	if (!w->failure && test_check(back, w->len, w->base,
				     50 + (uint32_t)w->index) != w->len)
		w->failure = "data read back differs";

	return NULL;
}

START_TEST(test_several_queues)
{
	struct worker w[NR_THREADS];
	int i;

	for (i = 0; i < nr_queues; i++) {
		w[i] = (struct worker){
			.q = blkio_get_queue(b, i), .index = i,
			.base = (uint64_t)i * (FILE_SIZE / (unsigned)nr_queues),
			.len = FILE_SIZE / (unsigned)nr_queues,
		};
		w[i].data = iot_alloc(w[i].len);
		w[i].back = iot_alloc(w[i].len);
		ck_assert_ptr_nonnull(w[i].q);
	}
	for (i = 0; i < nr_queues; i++)
		ck_assert_int_eq(pthread_create(&w[i].thread, NULL,
						queue_worker, &w[i]), 0);
	for (i = 0; i < nr_queues; i++)
		pthread_join(w[i].thread, NULL);
	for (i = 0; i < nr_queues; i++) {
		ck_assert_msg(!w[i].failure, "queue %d: %s", i, w[i].failure);
		verify_file(w[i].base, w[i].len, 50 + (uint32_t)i);
	}
	for (i = nr_queues - 1; i >= 0; i--) {
		iot_free(w[i].back);
		iot_free(w[i].data);
	}

	/* Each queue reads what another one wrote. */
	for (i = 0; i < nr_queues; i++) {
		struct blkioq *qq = blkio_get_queue(b, (i + 1) % nr_queues);
		uint8_t *r = iot_alloc(1 << 20);

		blkioq_read(qq, w[i].base, r, 1 << 20, r, 0);
		run1(qq, r);
		ck_assert_uint_eq(test_check(r, 1 << 20, w[i].base,
					    50 + (uint32_t)i), 1 << 20);
		iot_free(r);
	}
}
END_TEST

static void check_zeroed(uint64_t off, uint64_t len, uint32_t seed)
{
	const uint64_t margin = 8192;
	uint8_t *r = iot_alloc(len + 2 * margin);
	size_t bad;

	/* Zeros inside, the old pattern right before and after. */
	iot_pread(path, r, len + 2 * margin, off - margin);
	ck_assert_uint_eq(test_check(r, margin, off - margin, seed), margin);
	bad = test_check_zero(r + margin, len);
	ck_assert_msg(bad == len, "not zero at %llu",
		      (unsigned long long)(off + bad));
	ck_assert_uint_eq(test_check(r + margin + len, margin, off + len, seed),
			  margin);
	iot_free(r);
}

START_TEST(test_write_zeroes)
{
	static uint32_t flags[] = {
		0, BLKIO_REQ_NO_UNMAP, BLKIO_REQ_FUA,
		BLKIO_REQ_FUA | BLKIO_REQ_NO_UNMAP,
		BLKIO_REQ_NO_FALLBACK | BLKIO_REQ_NO_UNMAP,
	};
	uint64_t len = 64 << 10;
	size_t i;

	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		uint64_t off = (1 << 20) * (i + 1);

		blkioq_write_zeroes(q, off, len, &flags[i], flags[i]);
		run1(q, &flags[i]);
		check_zeroed(off, len, 1);
	}
	/* A range that is not block aligned (buffered instance only). */
	if (align == 1) {
		blkioq_write_zeroes(q, (10 << 20) + 333, 1000, q, 0);
		run1(q, q);
		check_zeroed((10 << 20) + 333, 1000, 1);
		blkioq_write_zeroes(q, (11 << 20) + 77, 5000, q,
				    BLKIO_REQ_NO_UNMAP);
		run1(q, q);
		check_zeroed((11 << 20) + 77, 5000, 1);
	}
	/* Reading the zeros through the library agrees. */
	uint8_t *r = iot_alloc(len);

	memset(r, 0xee, len);
	blkioq_read(q, 1 << 20, r, len, r, 0);
	run1(q, r);
	ck_assert_uint_eq(test_check_zero(r, len), len);
	iot_free(r);
}
END_TEST

START_TEST(test_discard)
{
	const uint64_t off = 4 << 20, len = 1 << 20;
	const uint64_t margin = 8192;
	uint8_t *r = iot_alloc(margin);

	/* Contents of the range are unspecified afterwards; its edges not. */
	blkioq_discard(q, off, len, r, 0);
	run1(q, r);
	iot_pread(path, r, margin, off - margin);
	ck_assert_uint_eq(test_check(r, margin, off - margin, 1), margin);
	iot_pread(path, r, margin, off + len);
	ck_assert_uint_eq(test_check(r, margin, off + len, 1), margin);
	iot_free(r);
}
END_TEST

START_TEST(test_fua)
{
	const size_t len = 64 << 10;
	uint8_t *w = iot_alloc(len);
	struct iovec iov[3];

	test_fill(w, len, 3 << 20, 61);
	blkioq_write(q, 3 << 20, w, len, w, BLKIO_REQ_FUA);
	run1(q, w);
	verify_file(3 << 20, len, 61);

	test_fill(w, len, 9 << 20, 62);
	iov[0] = (struct iovec){ w, 4096 };
	iov[1] = (struct iovec){ w + 4096, len - 8192 };
	iov[2] = (struct iovec){ w + len - 4096, 4096 };
	blkioq_writev(q, 9 << 20, iov, 3, iov, BLKIO_REQ_FUA);
	run1(q, iov);
	verify_file(9 << 20, len, 62);
	iot_free(w);
}
END_TEST

static TCase *tcase(const char *name, void (*setup)(void))
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	return tc;
}

static Suite *integrity_suite(void)
{
	Suite *s = suite_create("integrity");
	TCase *buffered = tcase("buffered", setup_buffered);
	TCase *direct = tcase("direct", setup_direct);
	TCase *queues = tcase("queues", setup_queues);

	tcase_add_test(buffered, test_rw_buffered_odd);
	tcase_add_test(buffered, test_vec_buffered_odd);
	tcase_add_test(buffered, test_write_zeroes);
	tcase_add_test(buffered, test_fua);
	tcase_add_test(direct, test_rw_direct);
	tcase_add_test(direct, test_vec_direct);
	tcase_add_test(direct, test_write_zeroes);
	tcase_add_test(direct, test_fua);
	if (iot_reference()) {
		iot_note_skip("discard", "libblkio 1.5 discard fails with "
			      "-EOPNOTSUPP (design §4)");
	} else {
		tcase_add_test(buffered, test_discard);
		tcase_add_test(direct, test_discard);
	}
	tcase_add_test(queues, test_several_queues);
	suite_add_tcase(s, buffered);
	suite_add_tcase(s, direct);
	suite_add_tcase(s, queues);
	return s;
}

int main(void)
{
	return iot_run(integrity_suite());
}
