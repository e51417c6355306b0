/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * The thread-local error message behind blkio_get_error_msg().
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "blkio.h"
#include "error.h"
#include "compiler.h"

/* 256 bytes as in libblkio: longer messages are truncated, never overrun. */
static _Thread_local char error_msg[256];

BLKIO_EXPORT const char *blkio_get_error_msg(void)
{
	return error_msg;
}

__attribute__((format(printf, 1, 0)))
static void set_msg_v(const char *fmt, va_list ap)
{
	vsnprintf(error_msg, sizeof(error_msg), fmt, ap);
}

int blkio_err(int neg_errno, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_msg_v(fmt, ap);
	va_end(ap);
	return neg_errno;
}

int blkio_err_os(int neg_errno, const char *fmt, ...)
{
	size_t len;
	va_list ap;

	va_start(ap, fmt);
	set_msg_v(fmt, ap);
	va_end(ap);

	/* Append the OS error as libblkio formats it; truncation is fine. */
	len = strlen(error_msg);
	snprintf(error_msg + len, sizeof(error_msg) - len, ": %s (os error %d)",
		 strerror(-neg_errno), -neg_errno);
	return neg_errno;
}

/*
 * libblkio exports these two helpers from its C shim.  Nothing should rely
 * on them, but exporting them keeps symbol-based dependency checks happy.
 */
BLKIO_EXPORT const char *blkio_get_error_msg_(void);
BLKIO_EXPORT void blkio_set_error_msg_(const char *msg, size_t len);

const char *blkio_get_error_msg_(void)
{
	return error_msg;
}

void blkio_set_error_msg_(const char *msg, size_t len)
{
	if (!msg)
		len = 0;
	if (len >= sizeof(error_msg))
		len = sizeof(error_msg) - 1;
	if (len)
		memcpy(error_msg, msg, len);
	error_msg[len] = '\0';
}
