/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * What blkio-bench knows about drivers by name, in one table (drivers.c):
 * which drivers open a file or block device given as path= or fd= (and so
 * get a scratch file when neither is given), and which settings deserve a
 * note next to the results.  Everything else is asked of the library
 * through the public API.
 */
#ifndef BENCH_DRIVERS_H
#define BENCH_DRIVERS_H

#include <stdbool.h>
#include <stddef.h>

/* True for the drivers of files and block devices (io_uring, linux-aio). */
bool driver_opens_files(const char *driver);

/* Their names, "a, b", for help and error messages. */
void driver_file_names(char *buf, size_t size);

/*
 * A caveat about how the run measures, or NULL: with linux-aio and
 * buffered I/O the kernel may do the transfer inside io_submit, so the
 * I/O is not asynchronous.  direct is the instance's direct property.
 */
const char *driver_note(const char *driver, bool direct);

#endif /* BENCH_DRIVERS_H */
