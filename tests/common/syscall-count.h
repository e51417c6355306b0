/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Counting one system call of this process with a seccomp listener: how
 * tests show that a path makes (or avoids) a system call.  The filter
 * stays with the process for good (Check forks one per case), and
 * valgrind cannot run it (it deadlocks on the notified calls): callers
 * skip the count there (iot_under_valgrind()).
 */
#ifndef BLKIO_TEST_SYSCALL_COUNT_H
#define BLKIO_TEST_SYSCALL_COUNT_H

#include <pthread.h>

struct syscall_counter {
	int listener;
	pthread_t thread;
	unsigned long count;	/* written by the thread only */
};

/* Count system call nr from now on: NULL, or why it cannot be counted. */
const char *syscall_counter_start(struct syscall_counter *c, long nr);

/* Calls of nr made since the start. */
unsigned long syscall_counter_read(struct syscall_counter *c);

#endif
