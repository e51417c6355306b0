/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * CQE results other than success.  The kernel puts a negative errno in
 * cqe->res when the command failed on its side, and the NVMe status
 * (> 0) when the device completed it with an error.
 */
#include <errno.h>

#include "nvme.h"

/*
 * -EAGAIN says "not now", not "failed": the command goes again, a bounded
 * number of times so a kernel that keeps answering it cannot keep the
 * caller spinning.
 */
#define NVME_EAGAIN_RETRIES 1000

int nvme_complete(struct uring_queue *uq, struct req *r,
		  const struct io_uring_cqe *cqe, const char **msg)
{
	int res = cqe->res;

	if (res == -EAGAIN && r->retries < NVME_EAGAIN_RETRIES) {
		r->retries++;
		uring_resubmit(uq, r);
		return URING_CONTINUED;
	}
	if (r->op == REQ_ZONE_REPORT)
		return nvme_zone_report_done(nvme_uq(uq), r, res, msg);
	if (res > 0)
		return nvme_status_errno(res, msg);
	return res;
}
