/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
#ifndef BLKIO_CORE_ERROR_H
#define BLKIO_CORE_ERROR_H

/*
 * Every failing library call leaves a message for blkio_get_error_msg() and
 * returns a negative errno.  blkio_err() does both, so an error path is one
 * line:  return blkio_err(-EINVAL, "num-entries must be greater than 0");
 */
__attribute__((format(printf, 2, 3), cold))
int blkio_err(int neg_errno, const char *fmt, ...);

/* The same, with ": <strerror>" of the negative errno appended. */
__attribute__((format(printf, 2, 3), cold))
int blkio_err_os(int neg_errno, const char *fmt, ...);

#endif
