/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * faultfs: a FUSE filesystem serving one file whose I/O misbehaves on
 * purpose (short transfers, errors, latency, lost unflushed writes).
 * Shared declarations of the daemon's pieces; see README.md for usage.
 */
#ifndef FAULTFS_H
#define FAULTFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Operations a rule can match (bit mask). */
enum {
	FF_OP_READ = 1 << 0,
	FF_OP_WRITE = 1 << 1,
	FF_OP_FSYNC = 1 << 2,
	FF_OP_FALLOC = 1 << 3,	/* fallocate: write zeroes, discard */
};

struct ff_rule {
	unsigned int ops;	/* FF_OP_* mask */
	uint64_t start;		/* byte range [start, end) matched */
	uint64_t end;
	int err;		/* positive errno to fail with, 0 = none */
	bool clip;		/* cut at start; from start on: err/eof */
	bool eof;		/* return 0 bytes from start on */
	uint64_t max;		/* at most this many bytes per request, 0 = off */
	unsigned int delay_us;	/* added latency */
	unsigned int jitter_us;	/* plus a random 0..jitter_us */
	uint64_t skip;		/* let this many matching requests through */
	uint64_t count;		/* then fire this many times, 0 = forever */
	uint64_t seen;		/* matching requests so far */
	uint64_t fired;		/* times the rule changed a request */
};

/* What the rules decided for one request. */
struct ff_verdict {
	uint64_t len;		/* bytes to transfer (<= requested) */
	int err;		/* positive errno, 0 = success */
	unsigned int delay_us;
};

/* Rule table (faultfs-rules.c); all functions are thread-safe. */
int ff_rule_parse(const char *spec, struct ff_rule *rule);
int ff_rules_add(const struct ff_rule *rule);
void ff_rules_clear(void);
void ff_rules_eval(unsigned int op, uint64_t off, uint64_t len,
		   struct ff_verdict *v);
void ff_rules_print(FILE *f);
int ff_errno_parse(const char *s, int *err);
int ff_size_parse(const char *s, uint64_t *val);

/* Two-layer data store (faultfs-store.c); thread-safe. */
int ff_store_init(uint64_t size, bool volatile_mode);
void ff_store_fini(void);
uint64_t ff_store_size(void);
void ff_store_read(uint64_t off, void *buf, uint64_t len);
void ff_store_write(uint64_t off, const void *buf, uint64_t len,
		    bool durable);
void ff_store_write_raw(uint64_t off, const void *buf, uint64_t len);
void ff_store_zero(uint64_t off, uint64_t len, bool durable);
uint64_t ff_store_commit(void);
uint64_t ff_store_crash(void);
uint64_t ff_store_dirty_pages(void);
void ff_store_set_volatile(bool on);
bool ff_store_is_volatile(void);

/* Run-time switches and counters shared by the FUSE ops and ctl. */
struct ff_state {
	bool direct_io;		/* open "disk" with FOPEN_DIRECT_IO */
	bool close_commits;	/* FUSE flush (close) commits like fsync */
	uint64_t reads, writes, fsyncs, flushes, fallocs;
	uint64_t shorts, errors, eofs, delays;
	uint64_t bytes_read, bytes_written;
	uint64_t commits, crashes;
};

extern struct ff_state ff_state;

void ff_stat_add(uint64_t *counter, uint64_t n);
uint64_t ff_stat_get(const uint64_t *counter);
void ff_stats_reset(void);

/* Control commands (faultfs-ctl.c): text written to the ctl file. */
int ff_ctl_exec(const char *text, size_t len);
char *ff_ctl_status(size_t *len);
/* Called after "crash" so the kernel drops cached pages of "disk". */
extern void (*ff_ctl_after_crash)(void);

#endif /* FAULTFS_H */
