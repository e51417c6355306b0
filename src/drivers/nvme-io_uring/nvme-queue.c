/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * One io_uring per queue with 128-byte SQEs and 32-byte CQEs, which NVMe
 * passthrough needs (src/drivers/uring does the work), and on zoned
 * namespaces the queue's zone report buffer.
 */
#include <errno.h>
#include <stdlib.h>

#include "nvme.h"
#include "nvme-spec.h"

static const struct queue_ops nvme_queue_ops = {
	.submit = nvme_submit,
	.do_io = uring_do_io,
	.set_completion_fd_enabled = uring_set_completion_fd_enabled,
	.zones = true,
};

static const struct uring_ops nvme_uring_ops = {
	.prep = nvme_prep,
	.complete = nvme_complete,
};

/*
 * As many zone descriptors as one transfer brings (after the report's
 * header), within NVME_REPORT_BUF_MAX; more zones take more rounds.
 */
static int alloc_report_buf(struct nvme_queue *nq)
{
	const struct nvme_dev *d = nq->dev;
	size_t len = d->max_transfer < NVME_REPORT_BUF_MAX ?
		     d->max_transfer : NVME_REPORT_BUF_MAX;

	if (!d->zoned)
		return 0;
	/* max_transfer is at least one block of 512 bytes: 7 zones. */
	nq->report_zones = (uint32_t)((len - NVME_ZONE_REPORT_HDR) /
				      NVME_ZONE_DESC_LEN);
	if (posix_memalign((void **)&nq->report_buf, 4096, len) != 0)
		return blkio_err(-ENOMEM, "Out of memory for the zone report buffer");
	return 0;
}

int nvme_add_queue(struct blkio *b, bool poll, struct blkioq **qp)
{
	struct nvme_dev *d = nvme_dev(b);
	struct uring_setup s = {
		.queue_ops = &nvme_queue_ops,
		.ops = &nvme_uring_ops,
		.entries = (unsigned)d->num_entries,
		.flags = IORING_SETUP_SQE128 | IORING_SETUP_CQE32,
		.fd = d->fd,
		.poll = poll,
		.iopoll = d->iopoll,
		.batch_submit = d->submit_batching,
		.unavailable_hint = "NVMe passthrough needs it",
	};
	struct nvme_queue *nq;
	int ret;

	nq = calloc(1, sizeof(*nq));
	if (!nq)
		return blkio_err(-ENOMEM, "Out of memory");
	nq->dev = d;
	ret = alloc_report_buf(nq);
	if (ret < 0)
		goto out_free;
	ret = uring_queue_init(&nq->uq, &s);
	if (ret < 0)
		goto out_free_buf;
	*qp = &nq->uq.q;
	return 0;

out_free_buf:
	free(nq->report_buf);
out_free:
	free(nq);
	return ret;
}

void nvme_remove_queue(struct blkioq *q)
{
	struct nvme_queue *nq = nvme_queue(q);

	uring_queue_fini(&nq->uq);
	free(nq->report_buf);
	free(nq);
}
