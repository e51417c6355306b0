/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * io_uring switched off for this process and its children, the way a
 * container runtime's seccomp profile does it: io_uring_setup,
 * io_uring_enter and io_uring_register fail with an errno, every other
 * system call is allowed.  For the tests of what works without io_uring
 * (tests/robust/no-io-uring.c, tests/nouring/without-io-uring.c).
 */
#ifndef BLKIO_TESTS_BLOCK_IO_URING_H
#define BLKIO_TESTS_BLOCK_IO_URING_H

/*
 * Install the filter (and no_new_privs, which it needs without
 * CAP_SYS_ADMIN).  0, or a negative errno; -ENOTSUP where the CPU has no
 * seccomp architecture constant here.
 */
int block_io_uring(int err);

#endif
