/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * The kernel AIO system calls, without libaio: each returns the result or
 * a negative errno, never -1.
 */
#ifndef BLKIO_AIO_SYS_H
#define BLKIO_AIO_SYS_H

#include <errno.h>
#include <linux/aio_abi.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static inline long aio_sys_result(long ret)
{
	return ret < 0 ? -errno : ret;
}

static inline int sys_io_setup(unsigned nr, aio_context_t *ctx)
{
	return (int)aio_sys_result(syscall(SYS_io_setup, nr, ctx));
}

static inline int sys_io_destroy(aio_context_t ctx)
{
	return (int)aio_sys_result(syscall(SYS_io_destroy, ctx));
}

static inline int sys_io_submit(aio_context_t ctx, long nr,
				struct iocb **iocbs)
{
	return (int)aio_sys_result(syscall(SYS_io_submit, ctx, nr, iocbs));
}

static inline int sys_io_getevents(aio_context_t ctx, long min_nr, long nr,
				   struct io_event *events,
				   struct timespec *timeout)
{
	return (int)aio_sys_result(syscall(SYS_io_getevents, ctx, min_nr, nr,
					   events, timeout));
}

/* The kernel's struct __aio_sigset: the mask and its size in bytes. */
struct aio_sigset {
	const sigset_t *sigmask;
	size_t sigsetsize;
};

/* io_getevents with the signal mask installed while waiting (Linux 4.18). */
static inline int sys_io_pgetevents(aio_context_t ctx, long min_nr, long nr,
				    struct io_event *events,
				    struct timespec *timeout,
				    const sigset_t *sig)
{
	/* The kernel wants _NSIG / 8 bytes, not sizeof(sigset_t). */
	struct aio_sigset s = { .sigmask = sig, .sigsetsize = _NSIG / 8 };

	return (int)aio_sys_result(syscall(SYS_io_pgetevents, ctx, min_nr, nr,
					   events, timeout, &s));
}

#endif
