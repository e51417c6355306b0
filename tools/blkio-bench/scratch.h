/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * The scratch file used when a driver of files and block devices
 * (drivers.h) is given no path= or fd=: created in $TMPDIR (else the
 * current directory), filled with data so reads are real (and
 * page-cached), removed at exit, on error and on a fatal signal.
 */
#ifndef BENCH_SCRATCH_H
#define BENCH_SCRATCH_H

#include <stdint.h>

/* Create and fill a file of size bytes; returns its path.  Dies on error. */
const char *scratch_create(uint64_t size);

/*
 * Remove the file if it still exists.  Idempotent and async-signal-safe;
 * once the library holds the file open, removing it early is harmless and
 * guarantees nothing is left behind whatever happens next.
 */
void scratch_remove(void);

#endif /* BENCH_SCRATCH_H */
