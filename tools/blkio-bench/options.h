/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* Command-line parsing and validation. */
#ifndef BENCH_OPTIONS_H
#define BENCH_OPTIONS_H

#include "config.h"

/*
 * Fill *cfg from argv.  -h/--help prints the usage on stdout and exits 0;
 * any invalid option prints a message and the usage on stderr and exits 1.
 */
void options_parse(int argc, char **argv, struct bench_config *cfg);

/* True when blkio-bench must create its own target file. */
bool options_want_scratch(const struct bench_config *cfg);

#endif /* BENCH_OPTIONS_H */
