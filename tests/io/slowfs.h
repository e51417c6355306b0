/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * slowfs: a tiny FUSE file system whose single file answers reads at or
 * beyond a chosen offset only when the test says so.  It gives the
 * timeout and interruptible tests a request that really stays in flight,
 * with no timing guesswork: the test can see that the read reached the
 * server (slowfs_wait_held) and decide when it completes.
 *
 * The server is a child process, not a thread: a process that dies while
 * one of its own threads serves its FUSE requests deadlocks in exit (the
 * final close of the file waits for a server that is gone).  The child
 * ends with its parent (PR_SET_PDEATHSIG), answering what it holds, so a
 * failing test still exits.  Timed actions (release later, send signals)
 * run in the server too, so the test needs no threads of its own.
 *
 * The file is read-only data, slowfs_byte(offset) at every offset, and
 * opened with direct_io so that every read reaches the server.
 */
#ifndef BLKIO_TESTS_IO_SLOWFS_H
#define BLKIO_TESTS_IO_SLOWFS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct slowfs;

/* The content of the file at @offset. */
uint8_t slowfs_byte(uint64_t offset);

/*
 * Mount a slowfs under @dir with a file of @size bytes.  Returns 0 or a
 * negative errno; *why then says what is missing (for a SKIP message).
 */
int slowfs_start(struct slowfs **fsp, const char *dir, uint64_t size,
		 const char **why);

/* Path of the file. */
const char *slowfs_path(const struct slowfs *fs);

/* Hold every read that starts at or beyond @offset (UINT64_MAX: none). */
void slowfs_hold_from(struct slowfs *fs, uint64_t offset);

/* Number of reads held right now. */
unsigned int slowfs_held(struct slowfs *fs);

/* Wait until at least @n reads are held; false after @timeout_ms. */
bool slowfs_wait_held(struct slowfs *fs, unsigned int n, int timeout_ms);

/* Answer every held read and stop holding new ones. */
void slowfs_release(struct slowfs *fs);

/*
 * Once @n reads are held, wait @delay_ms and release them (the server
 * does it; the call returns at once).  Replaces an earlier such request.
 */
void slowfs_release_later(struct slowfs *fs, unsigned int n, int delay_ms);

/*
 * Once @n reads are held, wait @delay_ms, then send @sig to thread @tid of
 * this process @count times, @interval_ms apart.
 */
void slowfs_kick(struct slowfs *fs, pid_t tid, int sig, unsigned int n,
		 int delay_ms, int count, int interval_ms);

/* Signals sent so far by the last slowfs_kick(). */
int slowfs_kicks_sent(struct slowfs *fs);

/* Drop pending slowfs_release_later() and slowfs_kick() work. */
void slowfs_cancel_timers(struct slowfs *fs);

/* Release, unmount, end the server and free; NULL is ignored. */
void slowfs_stop(struct slowfs **fsp);

#endif
