/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
#ifndef BENCH_URING_FEATURES_H
#define BENCH_URING_FEATURES_H

/*
 * The kernel features uring-ref and uring-vmm may use, so that raw
 * liburing can be measured with the same ones as the library it is
 * compared with.  They come in the DRIVER argument:
 *
 *   io_uring[+FEATURE...]
 *
 *   fixed   the buffers registered, IORING_OP_READ_FIXED (the library's
 *           register-mem-regions=true)
 *   coop    SUBMIT_ALL | COOP_TASKRUN | TASKRUN_FLAG, the library's rings
 *   defer   SINGLE_ISSUER | DEFER_TASKRUN (fio's rings)
 *   ringfd  the ring fd registered (IORING_ENTER_REGISTERED_RING)
 *   sqpoll  a kernel submission thread (SQPOLL, 1 s idle)
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <liburing.h>

struct uring_features {
	bool fixed;
	bool coop;
	bool defer;
	bool ringfd;
	bool sqpoll;
};

static inline int uring_features_parse(const char *driver,
				       struct uring_features *f)
{
	char buf[128], *save = NULL, *tok;

	memset(f, 0, sizeof(*f));
	if (strncmp(driver, "io_uring", 8) != 0 ||
	    (driver[8] != '\0' && driver[8] != '+') ||
	    strlen(driver) >= sizeof(buf))
		return -1;
	strcpy(buf, driver + 8);
	for (tok = strtok_r(buf, "+", &save); tok;
	     tok = strtok_r(NULL, "+", &save)) {
		if (!strcmp(tok, "fixed"))
			f->fixed = true;
		else if (!strcmp(tok, "coop"))
			f->coop = true;
		else if (!strcmp(tok, "defer"))
			f->defer = true;
		else if (!strcmp(tok, "ringfd"))
			f->ringfd = true;
		else if (!strcmp(tok, "sqpoll"))
			f->sqpoll = true;
		else
			return -1;
	}
	return 0;
}

/* io_uring_queue_init_params() with the features' setup flags. */
static inline int uring_features_init(const struct uring_features *f,
				      unsigned entries, struct io_uring *ring)
{
	struct io_uring_params p = { 0 };

	if (f->coop)
		p.flags |= IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN |
			   IORING_SETUP_TASKRUN_FLAG;
	if (f->defer)
		p.flags |= IORING_SETUP_SINGLE_ISSUER |
			   IORING_SETUP_DEFER_TASKRUN;
	if (f->sqpoll) {
		p.flags |= IORING_SETUP_SQPOLL;
		p.sq_thread_idle = 1000;
	}
	return io_uring_queue_init_params(entries, ring, &p);
}

/* What setup needs after the ring exists: the ring fd, the buffers. */
static inline int uring_features_register(const struct uring_features *f,
					  struct io_uring *ring, void *bufs,
					  size_t len)
{
	struct iovec iov = { .iov_base = bufs, .iov_len = len };
	int ret;

	if (f->ringfd) {
		ret = io_uring_register_ring_fd(ring);
		if (ret != 1)
			return ret < 0 ? ret : -1;
	}
	if (f->fixed) {
		ret = io_uring_register_buffers(ring, &iov, 1);
		if (ret < 0)
			return ret;
	}
	return 0;
}

#endif
