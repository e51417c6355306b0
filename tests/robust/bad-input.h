/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
#ifndef BLKIO_TESTS_BAD_INPUT_H
#define BLKIO_TESTS_BAD_INPUT_H

/*
 * One row of the bad-input table: bring an instance to @state, make one
 * call with an invalid argument, and check what comes back.
 */
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include <blkio.h>

enum bi_state {
	ST_NONE,		/* no instance at all: b == NULL, q == NULL */
	ST_CREATED,		/* created, "path" set to the scratch file */
	ST_CONNECTED,
	ST_STARTED,		/* one queue, q = queue 0 */
};

enum bi_kind {
	K_INT,		/* int function: ret == err, non-empty error message */
	K_PTR,		/* pointer function: must return NULL */
	K_VOID,		/* void function: must simply return */
	K_REQ,		/* request: one completion with ret == err */
};

enum {
	BI_OURS = 1 << 0,	/* ours only: libblkio crashes or differs */
	/*
	 * Needs mem-region-alignment > 1: "direct" = true where the driver
	 * has it; a driver without it runs the row only if its alignment is
	 * above 1 anyway (else nothing can be misaligned: skipped).
	 */
	BI_DIRECT = 1 << 1,
	BI_ANY = 1 << 2,		/* any negative errno is right */
	BI_NOPATH = 1 << 3,	/* created state without "path" */
	BI_RDONLY = 1 << 4,	/* "read-only" = true before connect */
	BI_NULL = 1 << 5,	/* pass NULL for the out/value pointer */
	BI_TS = 1 << 6,		/* do_io: pass a timeout {u, u2} */
	BI_SIG = 1 << 7,	/* do_io_interruptible with a signal mask */
	BI_KEEPS = 1 << 8,	/* libblkio leaves the getter's out-parameter */
	BI_UNMAPPED = 1 << 9,	/* request buffer (last iovec) in c->rbuf */
};

#define BI_IOV_MAX 1100
#define BI_FILE_SIZE (1u << 20)	/* the scratch file */
#define BI_BUF_SIZE (2u << 20)	/* > file: a runaway read stays inside */
#define BI_RBUF_SIZE (64u << 10)

/*
 * Rows that only some drivers can answer with an error (a capability of
 * tests/common/test-driver.h); the others skip them with the reason in
 * bi_only_why[] printed.
 */
enum bi_only {
	ONLY_ALL,
	ONLY_MEM_REGIONS,	/* needs_mem_regions: buffers must be mapped */
	ONLY_ALIGNMENT,		/* checks_alignment: misaligned -> -EINVAL */
	ONLY_FIXED_CAPACITY,	/* fixed_capacity: past the end fails */
	ONLY_FIXED_QUEUES,	/* !can_add_queues: queues fixed at start */
	ONLY_LIMITS_CONNECTED,	/* !limits_before_connect */
	ONLY_LIMITS_CREATED,	/* limits_before_connect */
};

struct bi_ctx {
	struct blkio *b;
	struct blkioq *q;
	const char *path;	/* the scratch file */
	const char *target;	/* "path": the file, or a backend's socket */
	uint8_t *buf;		/* BI_BUF_SIZE bytes, page aligned, mapped */
	/*
	 * BI_RBUF_SIZE bytes of a memfd (rfd) never mapped into the
	 * instance by setup, for the rows that map regions themselves.
	 */
	uint8_t *rbuf;
	int rfd;
	/*
	 * The answer this driver gives where it differs from the row's
	 * (set by a run function from a test-driver capability, never
	 * from what the library returned); 0: the row's err.
	 */
	int expect;
	struct iovec iov[BI_IOV_MAX];
	void *ptr;		/* K_PTR result */
	const char *bad;	/* set by a run function: extra check failed */
	int fd;			/* a descriptor a run function must close */
};

struct bi_case {
	const char *name;
	enum bi_state state;
	unsigned int opts;
	enum bi_kind kind;
	int (*run)(struct bi_ctx *c, const struct bi_case *t);
	const char *s;		/* property name, driver, ... */
	const char *s2;		/* string value */
	int64_t a;		/* int/bool value, index, min, iovcnt, ... */
	int64_t a2;		/* second int argument (max, tv_nsec, ...) */
	uint64_t u;		/* uint64 value, start, ... */
	uint64_t u2;		/* length */
	uint32_t rflags;	/* request flags */
	int err;		/* expected negative errno */
	int err2;		/* also accepted (0: none) */
	const char *msg;	/* K_REQ: expected error_msg, NULL: any */
	enum bi_only only;	/* the drivers that run it */
};

/* User data given to K_REQ requests; the completion must carry it back. */
extern char bi_marker;

extern const struct bi_case bi_ctl_cases[];
extern const unsigned int bi_nr_ctl_cases;
extern const struct bi_case bi_prop_cases[];
extern const unsigned int bi_nr_prop_cases;
extern const struct bi_case bi_io_cases[];
extern const unsigned int bi_nr_io_cases;

#endif
