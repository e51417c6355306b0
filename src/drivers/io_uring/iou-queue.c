/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * One io_uring per queue.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "iou.h"

static const struct queue_ops iou_queue_ops = {
	.submit = iou_submit,
	.do_io = iou_do_io,
	.set_completion_fd_enabled = iou_set_completion_fd_enabled,
};

/*
 * SUBMIT_ALL keeps the kernel submitting a batch past an SQE that fails
 * early (Linux 5.18).  COOP_TASKRUN (5.19) lets a completion that needs
 * the submitting task wait for that task's next kernel entry instead of
 * interrupting it with an IPI: 20-30 % more IOPS on a loop device at
 * QD 32 and nearly twice as many when the application busy-polls
 * (docs/performance.md).  A task asleep (in do_io, epoll or another ring)
 * is still woken at once; TASKRUN_FLAG tells do_io when a task that polls
 * without sleeping must enter the kernel to get its completions.  Older
 * kernels refuse the flags, so retry with fewer.
 */
static int setup_ring(struct iou_queue *iq, unsigned entries, bool poll,
		      struct io_uring_params *p)
{
	static const unsigned extra[] = {
		IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN |
			IORING_SETUP_TASKRUN_FLAG,
		IORING_SETUP_SUBMIT_ALL,
		0,
	};
	unsigned base = poll ? IORING_SETUP_IOPOLL : 0;
	int ret = -EINVAL;

	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]) &&
			   ret == -EINVAL; i++) {
		*p = (struct io_uring_params){ .flags = base | extra[i] };
		ret = io_uring_queue_init_params(entries, &iq->ring, p);
	}
	return ret;
}

/* kernel.io_uring_disabled: 0, 1 (only io_uring_group), 2; -1 if unknown. */
static int io_uring_disabled_sysctl(void)
{
	FILE *f = fopen("/proc/sys/kernel/io_uring_disabled", "re");
	int value = -1;

	if (f) {
		if (fscanf(f, "%d", &value) != 1)
			value = -1;
		fclose(f);
	}
	return value;
}

/*
 * Where io_uring is switched off or filtered, say why and point at the
 * driver that works without it; there is no silent switching of drivers.
 */
__attribute__((cold))
static void setup_failed(int ret, int entries)
{
	const char *cause;
	int sysctl;

	if (ret != -ENOSYS && ret != -EPERM) {
		blkio_err_os(ret, "io_uring_setup with %d entries failed",
			     entries);
		return;
	}
	sysctl = io_uring_disabled_sysctl();
	if (ret == -ENOSYS)
		cause = "the kernel has no io_uring, or a seccomp filter refuses it";
	else if (sysctl == 2)
		cause = "kernel.io_uring_disabled is 2";
	else if (sysctl == 1)
		cause = "kernel.io_uring_disabled is 1 and this process is not in kernel.io_uring_group";
	else
		cause = "a seccomp filter or security module refuses it";
	blkio_err(ret, "io_uring is unavailable (%s: %s); the linux-aio driver works without it",
		  cause, strerror(-ret));
}

static int setup_eventfd(struct iou_queue *iq)
{
	int efd, ret;

	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (efd < 0)
		return blkio_err_os(-errno, "eventfd failed");
	ret = io_uring_register_eventfd(&iq->ring, efd);
	if (ret < 0) {
		close(efd);
		return blkio_err_os(ret, "Registering the completion eventfd with io_uring failed");
	}
	iq->q.completion_fd = efd;
	/* Quiet until the application takes the fd (src/core/do-io.c). */
	iou_set_completion_fd_enabled(&iq->q, false);
	return 0;
}

int iou_add_queue(struct blkio *b, bool poll, struct blkioq **qp)
{
	struct iou_dev *d = iou_dev(b);
	struct io_uring_params p;
	struct iou_queue *iq;
	int ret;

	iq = calloc(1, sizeof(*iq));
	if (!iq)
		return blkio_err(-ENOMEM, "Out of memory");
	iq->dev = d;

	/* Where the device cannot poll, a poll queue polls an ordinary ring. */
	iq->busy_poll = poll && !d->iopoll;
	ret = setup_ring(iq, (unsigned)d->num_entries, poll && d->iopoll, &p);
	if (ret < 0) {
		setup_failed(ret, d->num_entries);
		goto out_free;
	}
	iq->max_in_flight = p.cq_entries;
	iq->credits = p.sq_entries;
	iq->ext_arg = p.features & IORING_FEAT_EXT_ARG;

	ret = io_uring_register_files(&iq->ring, &d->file.fd, 1);
	if (ret < 0) {
		blkio_err_os(ret, "Registering the device with io_uring failed");
		goto out_exit_ring;
	}
	ret = queue_init(&iq->q, &iou_queue_ops, poll, p.cq_entries);
	if (ret < 0) {
		blkio_err(ret, "Out of memory for request slots");
		goto out_exit_ring;
	}
	if (!poll) {
		ret = setup_eventfd(iq);
		if (ret < 0)
			goto out_fini_queue;
	}
	*qp = &iq->q;
	return 0;

out_fini_queue:
	queue_fini(&iq->q);
out_exit_ring:
	io_uring_queue_exit(&iq->ring);
out_free:
	free(iq);
	return ret;
}

void iou_remove_queue(struct blkioq *q)
{
	struct iou_queue *iq = iou_queue(q);

	io_uring_queue_exit(&iq->ring);
	if (q->completion_fd >= 0)
		close(q->completion_fd);
	queue_fini(q);
	free(iq);
}
