/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * SIGINT, SIGTERM and SIGHUP: during the measured run the first one ends
 * the run early (results are still printed); at any other time, or the
 * second time, the scratch file is removed and the signal kills us.
 */
#ifndef BENCH_SIGNALS_H
#define BENCH_SIGNALS_H

#include <signal.h>
#include <stdbool.h>

void signals_install(void);
void signals_set_running(bool running);
bool signals_stop_requested(void);

/* Block the handled signals (worker threads inherit the mask). */
void signals_block(sigset_t *old);
void signals_restore(const sigset_t *old);

#endif /* BENCH_SIGNALS_H */
