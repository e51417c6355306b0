/* SPDX-License-Identifier: MIT OR Apache-2.0 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "util.h"

void fatal_begin(void)
{
	static atomic_bool failing;

	if (atomic_exchange(&failing, true))
		for (;;)
			pause();
}

void die(const char *fmt, ...)
{
	va_list ap;

	fatal_begin();
	fputs("blkio-bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_FAILURE);
}
