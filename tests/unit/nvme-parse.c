/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * nvme-io_uring's handling of what the device says, without a device:
 * Identify data (valid, and broken in the ways a device could break it),
 * the limits that follow, NVMe status codes, zone reports (bounds, write
 * pointers, order) and a zone report that takes several rounds through a
 * small report buffer, on a real ring with nothing submitted.
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drivers/nvme-io_uring/nvme.h"
#include "drivers/nvme-io_uring/nvme-spec.h"

static uint8_t id[NVME_IDENTIFY_LEN];

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* Identify Namespace with nlbaf formats, format fmt of 2^lbads bytes. */
static void make_id_ns(uint64_t nsze, unsigned nlbaf, unsigned fmt,
		       unsigned lbads, uint16_t ms)
{
	memset(id, 0, sizeof(id));
	put64(id + NVME_IDN_NSZE, nsze);
	id[NVME_IDN_NLBAF] = (uint8_t)(nlbaf - 1);
	id[NVME_IDN_FLBAS] = (uint8_t)((fmt & 0xf) | ((fmt >> 4) & 3) << 5);
	id[NVME_IDN_LBAF + 4 * fmt + NVME_LBAF_LBADS] = (uint8_t)lbads;
	put16(id + NVME_IDN_LBAF + 4 * fmt + NVME_LBAF_MS, ms);
}

START_TEST(id_ns_valid)
{
	struct nvme_id_info i = { 0 };

	make_id_ns(1000, 2, 1, 12, 0);
	ck_assert_int_eq(nvme_parse_id_ns(id, &i), 0);
	ck_assert_uint_eq(i.lba_shift, 12);
	ck_assert_uint_eq(i.nsze, 1000);
	ck_assert_uint_eq(i.format, 1);

	/* More than 16 formats: FLBAS bits 6:5 are the index's bits 5:4. */
	make_id_ns(8, 64, 0x2f, 9, 0);
	ck_assert_int_eq(nvme_parse_id_ns(id, &i), 0);
	ck_assert_uint_eq(i.format, 0x2f);
	ck_assert_uint_eq(i.lba_shift, 9);
}
END_TEST

START_TEST(id_ns_broken)
{
	struct nvme_id_info i = { 0 };

	make_id_ns(1000, 2, 1, 12, 0);
	id[NVME_IDN_FLBAS] = 5;		/* format 5 of 2 */
	ck_assert_int_eq(nvme_parse_id_ns(id, &i), -EIO);
	make_id_ns(1000, 1, 0, 9, 8);	/* metadata */
	ck_assert_int_eq(nvme_parse_id_ns(id, &i), -ENOTSUP);
	make_id_ns(1000, 1, 0, 8, 0);	/* 256-byte blocks */
	ck_assert_int_eq(nvme_parse_id_ns(id, &i), -ENOTSUP);
	make_id_ns(1000, 1, 0, 200, 0);	/* 2^200 bytes */
	ck_assert_int_eq(nvme_parse_id_ns(id, &i), -ENOTSUP);
	make_id_ns(0, 1, 0, 9, 0);
	ck_assert_int_eq(nvme_parse_id_ns(id, &i), -EIO);
	make_id_ns(UINT64_MAX >> 8, 1, 0, 12, 0);	/* bytes overflow */
	ck_assert_int_eq(nvme_parse_id_ns(id, &i), -EIO);
}
END_TEST

START_TEST(ns_csi)
{
	memset(id, 0, sizeof(id));
	ck_assert_uint_eq(nvme_parse_ns_csi(id), NVME_CSI_NVM);
	/* EUI-64 (8 bytes), UUID (16), then the CSI. */
	id[0] = 1; id[1] = 8;
	id[12] = 3; id[13] = 16;
	id[32] = NVME_NIDT_CSI; id[33] = 1; id[36] = NVME_CSI_ZNS;
	ck_assert_uint_eq(nvme_parse_ns_csi(id), NVME_CSI_ZNS);
	/* A descriptor running past the end is not read. */
	memset(id, 0, sizeof(id));
	for (size_t p = 0; p + 259 <= 3885; p += 259) {
		id[p] = 3;
		id[p + 1] = 255;
	}
	id[3885] = NVME_NIDT_CSI;
	id[3886] = 255;
	id[3889] = NVME_CSI_ZNS;
	ck_assert_uint_eq(nvme_parse_ns_csi(id), NVME_CSI_NVM);
}
END_TEST

static struct nvme_id_info base_id(void)
{
	return (struct nvme_id_info){
		.csi = NVME_CSI_NVM, .lba_shift = 9, .nsze = 131072,
		.mdts = 7, .oncs = NVME_ONCS_WRITE_ZEROES | NVME_ONCS_DSM,
		.vwc = true,
	};
}

START_TEST(limits)
{
	struct bdev_limits kl = { .found = true, .max_hw_sectors_kb = 512,
				  .max_segments = 128 };
	struct nvme_id_info i = base_id();
	struct nvme_dev d = { 0 };
	struct dev_info info = { 0 };

	nvme_set_limits(&d, &i, &kl, &info);
	ck_assert_uint_eq(d.capacity, 64 << 20);
	ck_assert_uint_eq(d.max_transfer, 512 << 10);
	ck_assert_int_eq(info.max_transfer, 512 << 10);
	ck_assert_uint_eq(d.max_write_zeroes, 32 << 20);	/* 65536 blocks */
	ck_assert_uint_eq(d.max_discard, (uint64_t)UINT32_MAX << 9);
	ck_assert_int_eq(info.request_alignment, 512);
	ck_assert_int_eq(info.optimal_buf_alignment,
			 (int)sysconf(_SC_PAGESIZE));
	ck_assert(info.flush_needed);
	ck_assert(info.supports_fua_natively);
	ck_assert_int_eq(d.zoned, 0);

	/* The kernel's limit is the smaller one. */
	kl.max_hw_sectors_kb = 128;
	nvme_set_limits(&d, &i, &kl, &info);
	ck_assert_uint_eq(d.max_transfer, 128 << 10);

	/* No MDTS, no sysfs: the 16-bit block count. */
	kl.found = false;
	i.mdts = 0;
	nvme_set_limits(&d, &i, &kl, &info);
	ck_assert_uint_eq(d.max_transfer, 32 << 20);

	/* Absurd MDTS with 64 KiB blocks: capped, a multiple of the block. */
	i.mdts = 255;
	i.lba_shift = 16;
	i.nsze = 1000;
	nvme_set_limits(&d, &i, &kl, &info);
	ck_assert_uint_le(d.max_transfer, INT_MAX);
	ck_assert_uint_eq(d.max_transfer % 65536, 0);
	ck_assert_uint_gt(d.max_transfer, 0);

	/* WZSL and DMRSL where the controller reports them; ONCS gates. */
	i = base_id();
	i.wzsl = 3;
	i.dmrsl = 8;
	nvme_set_limits(&d, &i, &kl, &info);
	ck_assert_uint_eq(d.max_write_zeroes, 32 << 10);
	ck_assert_uint_eq(d.max_discard, 4096);
	i.oncs = 0;
	i.vwc = false;
	nvme_set_limits(&d, &i, &kl, &info);
	ck_assert_uint_eq(d.max_write_zeroes, 0);
	ck_assert_uint_eq(d.max_discard, 0);
	ck_assert(!info.flush_needed);
}
END_TEST

START_TEST(zoned_limits)
{
	struct bdev_limits kl = { .found = false };
	struct nvme_id_info i = base_id();
	struct nvme_dev d = { 0 };
	struct dev_info info = { 0 };

	i.csi = NVME_CSI_ZNS;
	i.zsze = 16384;
	i.nsze = 16 * 16384 + 100;	/* a last, partial zone */
	i.mar = 5;
	i.mor = NVME_ZNS_NO_LIMIT;
	nvme_set_limits(&d, &i, &kl, &info);
	ck_assert_int_eq(d.zoned, 2);
	ck_assert_uint_eq(d.zone_size, 8 << 20);
	ck_assert_uint_eq(d.nr_zones, 17);
	ck_assert_int_eq(d.max_active_zones, 6);
	ck_assert_int_eq(d.max_open_zones, 0);
	ck_assert(d.append_support);
	ck_assert_uint_eq(d.zone_append_max_bytes, d.max_transfer);
	i.zasl = 2;
	nvme_set_limits(&d, &i, &kl, &info);
	ck_assert_uint_eq(d.zone_append_max_bytes, 16384);

	/* Identify's zone size is checked. */
	memset(id, 0, sizeof(id));
	i.format = 0;
	ck_assert_int_eq(nvme_parse_id_ns_zns(id, &i), -EIO);
	put64(id + NVME_IDN_ZNS_LBAFE, i.nsze + 1);
	ck_assert_int_eq(nvme_parse_id_ns_zns(id, &i), -EIO);
	put64(id + NVME_IDN_ZNS_LBAFE, 16384);
	put32(id + NVME_IDN_ZNS_MAR, 5);
	ck_assert_int_eq(nvme_parse_id_ns_zns(id, &i), 0);
	ck_assert_uint_eq(i.zsze, 16384);
	ck_assert_uint_eq(i.mar, 5);
}
END_TEST

START_TEST(status_codes)
{
	static const struct { int status, err; } known[] = {
		{ 0x002, -EINVAL }, { 0x080, -ERANGE }, { 0x001, -EOPNOTSUPP },
		{ 0x1bc, -EIO }, { 0x1bd, -EOVERFLOW }, { 0x1be, -ETOOMANYREFS },
		{ 0x280, -EIO }, { 0x281, -EIO }, { 0x4002, -EINVAL },
	};
	const char *msg, *again;
	char want[32];

	for (int code = 0; code <= NVME_STATUS_MASK; code++) {
		int err = nvme_status_errno(code, &msg);

		snprintf(want, sizeof(want), "NVMe status 0x%03x", code);
		ck_assert_int_lt(err, 0);
		ck_assert_msg(msg && strncmp(msg, want, strlen(want)) == 0,
			      "status 0x%03x: message \"%s\"", code,
			      msg ? msg : "(null)");
		/* The same static string every time. */
		nvme_status_errno(code, &again);
		ck_assert_ptr_eq(msg, again);
	}
	for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
		ck_assert_int_eq(nvme_status_errno(known[k].status, &msg),
				 known[k].err);
	nvme_status_errno(0x1bc, &msg);
	ck_assert_str_eq(msg, "NVMe status 0x1bc: Zone Invalid Write");
}
END_TEST

#define ZLBAS 16384u	/* 8 MiB zones of 512-byte blocks */

static uint8_t report[NVME_ZONE_REPORT_HDR + 8 * NVME_ZONE_DESC_LEN];

static void put_zone(unsigned i, uint64_t zslba, uint8_t state,
		     uint64_t wp, uint64_t zcap, uint8_t attrs)
{
	uint8_t *zd = report + NVME_ZONE_REPORT_HDR + i * NVME_ZONE_DESC_LEN;

	memset(zd, 0, NVME_ZONE_DESC_LEN);
	zd[NVME_ZD_ZT] = NVME_ZT_SEQWRITE_REQ;
	zd[NVME_ZD_ZS] = (uint8_t)(state << 4);
	zd[NVME_ZD_ZA] = attrs;
	put64(zd + NVME_ZD_ZCAP, zcap);
	put64(zd + NVME_ZD_ZSLBA, zslba);
	put64(zd + NVME_ZD_WP, wp);
}

START_TEST(zone_convert)
{
	struct blkio_zone z[8];
	uint64_t next = 0;

	memset(report, 0, sizeof(report));
	put64(report, 1000);	/* claims more than the buffer holds */
	put_zone(0, 0, 0x2, 100, 12288, 0);
	put_zone(1, ZLBAS, 0xe, UINT64_MAX, 12288, NVME_ZA_RZR);
	put_zone(2, 2 * ZLBAS, 0x1, 2 * ZLBAS, 12288, 0);
	ck_assert_int_eq(nvme_zone_convert(report, NVME_ZONE_REPORT_HDR +
					   3 * NVME_ZONE_DESC_LEN, 8, 9,
					   ZLBAS, z, &next), 3);
	ck_assert_uint_eq(next, 3 * ZLBAS);
	ck_assert_uint_eq(z[0].start, 0);
	ck_assert_uint_eq(z[0].len, 8 << 20);
	ck_assert_uint_eq(z[0].capacity, 6 << 20);
	ck_assert_uint_eq(z[0].write_pointer, 100 * 512);
	ck_assert_uint_eq(z[0].zone_type, BLKIO_ZONE_TYPE_SEQWRITE_REQ);
	ck_assert_uint_eq(z[0].zone_state, BLKIO_ZONE_STATE_IMP_OPEN);
	/* Full: the write pointer NVMe leaves undefined is the zone's end. */
	ck_assert_uint_eq(z[1].zone_state, BLKIO_ZONE_STATE_FULL);
	ck_assert_uint_eq(z[1].write_pointer, 16 << 20);
	ck_assert_uint_eq(z[1].reset, 1);
	ck_assert_uint_eq(z[2].zone_state, BLKIO_ZONE_STATE_EMPTY);

	/* No more than asked for. */
	ck_assert_int_eq(nvme_zone_convert(report, sizeof(report), 2, 9,
					   ZLBAS, z, &next), 2);
	/* Broken reports: out of order, write pointer outside its zone,
	 * capacity beyond the zone, a zone past 2^64 bytes. */
	put_zone(2, 0, 0x1, 0, 12288, 0);
	ck_assert_int_eq(nvme_zone_convert(report, sizeof(report), 3, 9,
					   ZLBAS, z, &next), -EIO);
	put_zone(2, 2 * ZLBAS, 0x2, 3 * ZLBAS + 1, 12288, 0);
	ck_assert_int_eq(nvme_zone_convert(report, sizeof(report), 3, 9,
					   ZLBAS, z, &next), -EIO);
	put_zone(2, 2 * ZLBAS, 0x1, 2 * ZLBAS, ZLBAS + 1, 0);
	ck_assert_int_eq(nvme_zone_convert(report, sizeof(report), 3, 9,
					   ZLBAS, z, &next), -EIO);
	put_zone(2, UINT64_MAX >> 9, 0x1, 0, 1, 0);
	ck_assert_int_eq(nvme_zone_convert(report, sizeof(report), 3, 9,
					   ZLBAS, z, &next), -EIO);
	ck_assert_int_eq(nvme_zone_convert(report, 10, 3, 9, ZLBAS, z,
					   &next), -EIO);
}
END_TEST

/* A queue on a real ring (a scratch file as its fixed file). */
static bool make_queue(struct nvme_dev *d, struct nvme_queue *nq, int *fd)
{
	static const struct queue_ops qops = { .submit = nvme_submit,
					       .do_io = uring_do_io,
					       .zones = true };
	static const struct uring_ops uops = { .prep = nvme_prep,
					       .complete = nvme_complete };
	char path[] = "/tmp/blkio-nvme-unit-XXXXXX";
	struct uring_setup s = {
		.queue_ops = &qops, .ops = &uops, .entries = 8,
		.flags = IORING_SETUP_SQE128 | IORING_SETUP_CQE32,
	};

	*d = (struct nvme_dev){
		.zoned = 2, .nsid = 1, .lba_shift = 9, .zone_lbas = ZLBAS,
		.capacity = 16ull * ZLBAS * 512, .max_transfer = 1 << 20,
	};
	*nq = (struct nvme_queue){ .dev = d, .report_zones = 3 };
	nq->report_buf = (uint8_t *)report;
	*fd = mkstemp(path);
	if (*fd < 0)
		return false;
	unlink(path);
	s.fd = *fd;
	return uring_queue_init(&nq->uq, &s) == 0;
}

/* The NVMe command of the last SQE prepared. */
static const struct nvme_uring_cmd *last_cmd(struct nvme_queue *nq)
{
	struct io_uring_sq *sq = &nq->uq.ring.sq;
	unsigned idx = (sq->sqe_tail - 1) & sq->ring_mask;

	return &((union nvme_sqe *)&sq->sqes[idx << 1])->cmd;
}

START_TEST(report_rounds_and_parking)
{
	struct blkio_zone z[5], y[1];
	struct req r = { 0 }, r2 = { 0 };
	struct nvme_queue nq;
	struct nvme_dev d;
	const char *msg = NULL;
	int fd;

	if (!make_queue(&d, &nq, &fd)) {
		fprintf(stderr, "no io_uring with SQE128|CQE32 here: case skipped\n");
		return;
	}
	r = (struct req){ .op = REQ_ZONE_REPORT, .start = 512, .len = 5,
			  .buf = z };
	nvme_submit(&nq.uq.q, &r);
	ck_assert_ptr_eq(nq.report_owner, &r);
	ck_assert_uint_eq(last_cmd(&nq)->opcode, NVME_CMD_ZONE_MGMT_RECV);
	ck_assert_uint_eq(last_cmd(&nq)->cdw10, 0);
	ck_assert_uint_eq(last_cmd(&nq)->data_len, 64 + 3 * 64);

	/* Another report waits for the buffer. */
	r2 = (struct req){ .op = REQ_ZONE_REPORT, .start = 0, .len = 1,
			   .buf = y };
	nvme_submit(&nq.uq.q, &r2);
	ck_assert_uint_eq(nq.uq.held, 1);

	/* Round 1: three zones, so r goes again from zone 3 for two. */
	memset(report, 0, sizeof(report));
	put64(report, 3);
	for (unsigned i = 0; i < 3; i++)
		put_zone(i, i * ZLBAS, 0x1, i * ZLBAS, 12288, 0);
	ck_assert_int_eq(nvme_zone_report_done(&nq, &r, 0, &msg),
			 URING_CONTINUED);
	ck_assert_uint_eq(r.drv[0], 3);
	ck_assert_uint_eq(r.len, 2);
	ck_assert_uint_eq(last_cmd(&nq)->cdw10, 3 * ZLBAS);
	ck_assert_uint_eq(last_cmd(&nq)->data_len, 64 + 2 * 64);
	ck_assert_ptr_eq(nq.report_owner, &r);

	/* Round 2 ends it: 5 zones; the parked report takes the buffer. */
	put64(report, 2);
	for (unsigned i = 0; i < 2; i++)
		put_zone(i, (3 + i) * ZLBAS, 0x1, (3 + i) * ZLBAS, 12288, 0);
	ck_assert_int_eq(nvme_zone_report_done(&nq, &r, 0, &msg), 5);
	ck_assert_uint_eq(z[4].start, 4ull * ZLBAS * 512);
	ck_assert_ptr_eq(nq.report_owner, &r2);
	ck_assert_uint_eq(nq.uq.held, 0);
	ck_assert_uint_eq(last_cmd(&nq)->data_len, 64 + 64);

	/* A device error ends the report and frees the buffer. */
	ck_assert_int_eq(nvme_zone_report_done(&nq, &r2, 0x002, &msg),
			 -EINVAL);
	ck_assert_str_eq(msg, "NVMe status 0x002: Invalid Field in Command");
	ck_assert_ptr_null(nq.report_owner);
	uring_queue_fini(&nq.uq);
	close(fd);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nvme-parse");
	TCase *tc = tcase_create("nvme");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, id_ns_valid);
	tcase_add_test(tc, id_ns_broken);
	tcase_add_test(tc, ns_csi);
	tcase_add_test(tc, limits);
	tcase_add_test(tc, zoned_limits);
	tcase_add_test(tc, status_codes);
	tcase_add_test(tc, zone_convert);
	tcase_add_test(tc, report_rounds_and_parking);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
