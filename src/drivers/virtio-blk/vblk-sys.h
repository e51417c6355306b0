/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * The three system calls of the common blkioq_do_io() call (the kick's
 * eventfd write, the ppoll() wait and the call eventfd's read), made in
 * place on x86-64.  The system call instruction clobbers three
 * registers where a call into libc clobbers every caller-saved one, and
 * libc's ppoll() converts its timeout and enters a cancellation point
 * around the call: together about 30 instructions per request at QD1.
 * Elsewhere they are libc's.  Each returns the kernel's result: a count,
 * or a negative errno (errno is left alone on x86-64).  The includer
 * defines _GNU_SOURCE (ppoll()).
 */
#ifndef BLKIO_VBLK_SYS_H
#define BLKIO_VBLK_SYS_H

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
static inline long vblk_sys3(long nr, long a, long b, long c)
{
	long ret = nr;

	__asm__ volatile("syscall"
			 : "+a"(ret)
			 : "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return ret;
}

static inline long vblk_sys_read(int fd, void *buf, size_t len)
{
	return vblk_sys3(__NR_read, fd, (long)buf, (long)len);
}

static inline long vblk_sys_write(int fd, const void *buf, size_t len)
{
	return vblk_sys3(__NR_write, fd, (long)buf, (long)len);
}

/* ppoll() without a timeout or a signal mask: poll() with -1. */
static inline long vblk_sys_poll(struct pollfd *fds, unsigned nfds)
{
	return vblk_sys3(__NR_poll, (long)fds, (long)nfds, -1);
}
#else
static inline long vblk_sys_ret(long ret)
{
	return ret < 0 ? -errno : ret;
}

static inline long vblk_sys_read(int fd, void *buf, size_t len)
{
	return vblk_sys_ret(read(fd, buf, len));
}

static inline long vblk_sys_write(int fd, const void *buf, size_t len)
{
	return vblk_sys_ret(write(fd, buf, len));
}

static inline long vblk_sys_poll(struct pollfd *fds, unsigned nfds)
{
	return vblk_sys_ret(ppoll(fds, nfds, NULL, NULL));
}
#endif

#endif
