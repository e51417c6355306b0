/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Write-zeroes of 64 MiB and 1 GiB against qemu-storage-daemon, whose
 * limit is 16 MiB (libblkio 1.5 fails these): with and without
 * BLKIO_REQ_NO_UNMAP, with FUA, and a discard of 1 GiB.  The file is
 * checked around every boundary of the range.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "vu-test.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)

/* Zeros inside [start, start + len), the pattern just outside. */
static void check_range(struct vut *t, uint64_t start, uint64_t len,
			uint32_t seed)
{
	const uint64_t probe = 1 * MiB;
	char *buf = malloc(2 * probe);
	uint64_t at[] = { start, start + len / 2, start + len - probe };
	size_t i;

	for (i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		vut_pread(t, buf, probe, at[i]);
		ck_assert_uint_eq(test_check_zero(buf, probe), probe);
	}
	if (start >= probe) {
		vut_pread(t, buf, probe, start - probe);
		ck_assert_uint_eq(test_check(buf, probe, start - probe, seed),
				  probe);
	}
	if (start + len + probe <= t->size) {
		vut_pread(t, buf, probe, start + len);
		ck_assert_uint_eq(test_check(buf, probe, start + len, seed),
				  probe);
	}
	free(buf);
}

/* Only the pattern's surroundings are written, so the file stays sparse. */
static void setup(struct vut *t, uint64_t size)
{
	struct vut_opts o = { .size = size, .region_len = 4 * MiB };
	uint64_t off;

	vut_setup(t, &o);
	for (off = 0; off < size; off += 64 * MiB) {
		test_fill(t->buf, 4 * MiB, off, 8);
		vut_pwrite(t, t->buf, 4 * MiB, off);
		if (off + 64 * MiB <= size) {
			test_fill(t->buf, 4 * MiB, off + 60 * MiB, 8);
			vut_pwrite(t, t->buf, 4 * MiB, off + 60 * MiB);
		}
	}
}

static void zeroes(uint64_t len, uint32_t flags)
{
	uint64_t start = 2 * MiB;
	struct blkioq *q;
	struct vut t;

	setup(&t, len + 64 * MiB);
	q = blkio_get_queue(t.b, 0);
	blkioq_write_zeroes(q, start, len, NULL, flags);
	vut_wait(q, NULL, 0);
	check_range(&t, start, len, 8);
	vut_teardown(&t);
}

START_TEST(zeroes_64m)
{
	zeroes(64 * MiB, 0);
}
END_TEST

START_TEST(zeroes_64m_no_unmap_fua)
{
	zeroes(64 * MiB, BLKIO_REQ_NO_UNMAP | BLKIO_REQ_FUA);
}
END_TEST

START_TEST(zeroes_1g)
{
	zeroes(GiB, 0);
}
END_TEST

START_TEST(zeroes_1g_no_unmap)
{
	zeroes(GiB, BLKIO_REQ_NO_UNMAP);
}
END_TEST

START_TEST(discard_1g)
{
	struct blkioq *q;
	struct vut t;

	setup(&t, GiB + 64 * MiB);
	q = blkio_get_queue(t.b, 0);
	blkioq_discard(q, 2 * MiB, GiB, NULL, 0);
	vut_wait(q, NULL, 0);
	vut_teardown(&t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vhost-user-zeroes");
	TCase *tc = tcase_create("zeroes");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, zeroes_64m);
	tcase_add_test(tc, zeroes_64m_no_unmap_fua);
	tcase_add_test(tc, zeroes_1g);
	tcase_add_test(tc, zeroes_1g_no_unmap);
	tcase_add_test(tc, discard_1g);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
