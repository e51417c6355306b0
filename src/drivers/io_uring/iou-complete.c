/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * CQE results that do not simply finish a request: errors, short
 * transfers, the stages of write-zeroes.  The decisions are the shared
 * file driver code's; sending a request round again is ours.
 */
#include <errno.h>

#include "iou.h"

int iou_complete(struct uring_queue *uq, struct req *r,
		 const struct io_uring_cqe *cqe, const char **msg)
{
	const struct file_dev *f = &iou_uq(uq)->dev->file;
	int res = cqe->res;
	int ret;

	(void)msg;	/* the errno says it all */
	/*
	 * The slot was emptied or reused between choosing it and the kernel
	 * taking the request (an unmap racing with it): go unregistered.
	 */
	if (unlikely(res == -EFAULT && uq->bufs && r->op <= REQ_WRITEV &&
		     r->stage == IOU_RW_FIXED)) {
		r->stage = IOU_RW_UNFIXED;
		uring_resubmit(uq, r);
		return URING_CONTINUED;
	}
	switch (r->op) {
	case REQ_READ:
	case REQ_WRITE:
	case REQ_READV:
	case REQ_WRITEV:
		ret = file_rw_result(f, r, res);
		break;
	case REQ_WRITE_ZEROES:
		ret = file_wz_result(f, r, res);
		break;
	default:	/* flush, discard */
		ret = file_retry_eagain(r, res) ? FILE_AGAIN : res < 0 ? res : 0;
		break;
	}
	if (ret != FILE_AGAIN)
		return ret;
	uring_resubmit(uq, r);
	return URING_CONTINUED;
}
