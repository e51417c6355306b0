/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Zoned Namespaces: zone reports through Zone Management Receive, open,
 * close, finish and reset through Zone Management Send.
 *
 * A report lands in the queue's report buffer and is converted into the
 * caller's struct blkio_zone array when it completes; a request for more
 * zones than the buffer holds goes round again from the next zone.  One
 * report owns the buffer at a time; others wait, parked, and count as
 * outstanding (uq.held) so blkioq_do_io() waits for them too.
 */
#include <errno.h>

#include "nvme.h"
#include "nvme-spec.h"

/* Why a zone request cannot be sent (and *err), or NULL. */
const char *nvme_zone_refused(const struct nvme_dev *d, const struct req *r,
			      int *err)
{
	*err = -ENOTSUP;
	if (!d->zoned)
		return "the namespace is not zoned";
	*err = -EBADF;
	if (d->read_only && r->op != REQ_ZONE_REPORT)
		return "driver is in read-only mode";
	return NULL;
}

/* The first logical block of the zone holding byte offset start. */
static uint64_t zone_slba(const struct nvme_dev *d, uint64_t start)
{
	uint64_t lba = start >> d->lba_shift;

	return lba - lba % d->zone_lbas;
}

/* Descriptors to ask for in r's next round. */
static uint32_t round_zones(const struct nvme_queue *nq, const struct req *r)
{
	return r->len < nq->report_zones ? (uint32_t)r->len : nq->report_zones;
}

static uint8_t send_action(const struct req *r)
{
	switch (r->op) {
	case REQ_ZONE_OPEN:
		return NVME_ZSA_OPEN;
	case REQ_ZONE_CLOSE:
		return NVME_ZSA_CLOSE;
	case REQ_ZONE_FINISH:
		return NVME_ZSA_FINISH;
	default:
		return NVME_ZSA_RESET;
	}
}

void nvme_zone_cmd(const struct nvme_queue *nq, const struct req *r,
		   struct nvme_uring_cmd *c)
{
	const struct nvme_dev *d = nq->dev;
	uint64_t slba = 0;

	if (r->op == REQ_ZONE_REPORT) {
		uint32_t len = NVME_ZONE_REPORT_HDR +
			       round_zones(nq, r) * NVME_ZONE_DESC_LEN;

		slba = zone_slba(d, r->start);
		c->opcode = NVME_CMD_ZONE_MGMT_RECV;
		c->addr = (uintptr_t)nq->report_buf;
		c->data_len = len;
		c->cdw12 = len / 4 - 1;		/* dwords, 0-based */
		c->cdw13 = NVME_ZRA_REPORT | NVME_ZRA_PARTIAL;
	} else {
		c->opcode = NVME_CMD_ZONE_MGMT_SEND;
		c->cdw13 = send_action(r);
		if (r->flags & REQ_F_ALL_ZONES)
			c->cdw13 |= NVME_ZSA_SELECT_ALL;
		else
			slba = zone_slba(d, r->start);
	}
	c->cdw10 = (uint32_t)slba;
	c->cdw11 = (uint32_t)(slba >> 32);
}

/* The buffer for r, or false: r waits until it is free. */
bool nvme_zone_take_buffer(struct nvme_queue *nq, struct req *r)
{
	if (!nq->report_owner) {
		nq->report_owner = r;
		return true;
	}
	req_list_push(&nq->parked, r);
	nq->uq.held++;
	return false;
}

/* The owner is done: the next parked report, if any, takes the buffer. */
void nvme_zone_release_buffer(struct nvme_queue *nq)
{
	struct req *next = req_list_pop(&nq->parked);

	nq->report_owner = next;
	if (next) {
		nq->uq.held--;
		uring_resubmit(&nq->uq, next);
	}
}

/* NVMe defines no write pointer for full, read-only and offline zones. */
static bool wp_is_valid(uint8_t state)
{
	return state != NVME_ZS_FULL && state != NVME_ZS_READ_ONLY &&
	       state != NVME_ZS_OFFLINE;
}

int nvme_zone_convert(const uint8_t *buf, size_t len, uint32_t max,
		      unsigned lba_shift, uint64_t zone_lbas,
		      struct blkio_zone *zones, uint64_t *next_lba)
{
	uint64_t lba_max = UINT64_MAX >> lba_shift;
	uint64_t nr, prev_end = 0;
	uint32_t i;

	/* The device's count is trusted no further than the buffer goes. */
	if (len < NVME_ZONE_REPORT_HDR)
		return -EIO;
	nr = nvme_le64(buf);
	if (nr > (len - NVME_ZONE_REPORT_HDR) / NVME_ZONE_DESC_LEN)
		nr = (len - NVME_ZONE_REPORT_HDR) / NVME_ZONE_DESC_LEN;
	if (nr > max)
		nr = max;
	for (i = 0; i < nr; i++) {
		const uint8_t *zd = buf + NVME_ZONE_REPORT_HDR +
				    (size_t)i * NVME_ZONE_DESC_LEN;
		uint64_t zslba = nvme_le64(zd + NVME_ZD_ZSLBA);
		uint64_t zcap = nvme_le64(zd + NVME_ZD_ZCAP);
		uint64_t wp = nvme_le64(zd + NVME_ZD_WP);
		uint8_t state = zd[NVME_ZD_ZS] >> 4;
		bool wp_valid = wp_is_valid(state);
		struct blkio_zone *z = &zones[i];

		/*
		 * Zones come in order, whole, within 2^64 bytes, with the
		 * write pointer inside the zone where it means anything.
		 */
		if (zslba < prev_end || zslba > lba_max - zone_lbas ||
		    zcap > zone_lbas ||
		    (wp_valid && (wp < zslba || wp > zslba + zone_lbas)))
			return -EIO;
		prev_end = zslba + zone_lbas;
		*z = (struct blkio_zone){
			.start = zslba << lba_shift,
			.len = zone_lbas << lba_shift,
			.capacity = zcap << lba_shift,
			.zone_type = zd[NVME_ZD_ZT] & 0xf,
			.zone_state = state,
			.reset = (zd[NVME_ZD_ZA] & NVME_ZA_RZR) ? 1 : 0,
		};
		/*
		 * Where NVMe leaves the write pointer undefined, report the
		 * end of the zone, as Linux does for full zones.
		 */
		z->write_pointer = wp_valid ? wp << lba_shift : z->start + z->len;
	}
	*next_lba = prev_end;
	return (int)nr;
}

/*
 * A report round completed with res.  Returns the completion's ret (zones
 * filled, or -errno with *msg) or URING_CONTINUED when it went round
 * again for more zones.
 */
int nvme_zone_report_done(struct nvme_queue *nq, struct req *r, int res,
			  const char **msg)
{
	const struct nvme_dev *d = nq->dev;
	uint32_t want = round_zones(nq, r);
	struct blkio_zone *zones = r->buf;
	uint64_t next_lba = 0;
	int got, ret;

	if (res > 0) {
		ret = nvme_status_errno(res, msg);
		goto out_release;
	}
	if (res < 0) {
		ret = res;
		goto out_release;
	}
	got = nvme_zone_convert(nq->report_buf,
				NVME_ZONE_REPORT_HDR + want * NVME_ZONE_DESC_LEN,
				want, d->lba_shift, d->zone_lbas,
				zones + r->drv[0], &next_lba);
	if (got < 0) {
		*msg = "the device returned an inconsistent zone report";
		ret = -EIO;
		goto out_release;
	}
	r->drv[0] += (uint64_t)got;
	r->len -= (uint64_t)got;
	/* A full round may mean more zones: ask from the next one. */
	if (r->len && (uint32_t)got == want &&
	    next_lba < (d->capacity >> d->lba_shift)) {
		r->start = next_lba << d->lba_shift;
		uring_resubmit(&nq->uq, r);
		return URING_CONTINUED;
	}
	ret = (int)r->drv[0];
out_release:
	nvme_zone_release_buffer(nq);
	return ret;
}
