/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * bad-input rows for the eight property accessors: NULL instance, NULL
 * name or value, invalid UTF-8, unknown and ill-typed names, unparsable
 * strings, read-only properties, wrong states and out-of-range values,
 * following the error precedence of the contract (§3).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "bad-input.h"
#include "robust.h"
#include "test-driver.h"

/*
 * Properties only some drivers have: "direct", and the queue size
 * (num-entries on the file drivers, queue-size and max-queue-size on
 * virtio-blk).  Every other name in the rows is common to all drivers.
 */
static bool driver_has(const char *name)
{
	const struct test_driver *d = test_driver();

	if (strcmp(name, "direct") == 0)
		return d->has_direct;
	if (strcmp(name, "max-queue-size") == 0)
		name = "queue-size";
	if (strcmp(name, "num-entries") == 0 ||
	    strcmp(name, "queue-size") == 0)
		return strcmp(name, d->entries_prop) == 0;
	return true;
}

/*
 * The row's property name.  A driver without it answers -ENOENT: the
 * name is looked up before type, parsing, access and state (contract
 * 3); only a NULL instance is refused before that.
 */
static const char *prop(struct bi_ctx *c, const struct bi_case *t)
{
	if (c->b && t->s && !driver_has(t->s))
		c->expect = -ENOENT;
	return t->s;
}

/*
 * A getter that fails must overwrite its out-parameter with a default;
 * libblkio skips that for some failures (BI_KEEPS rows).
 */
static bool check_out(const struct bi_case *t, int ret)
{
	/* With a NULL out-pointer there is nothing to have been reset. */
	if (t->opts & BI_NULL)
		return false;
	return ret < 0 && !((t->opts & BI_KEEPS) && rb_reference());
}

static int get_bool(struct bi_ctx *c, const struct bi_case *t)
{
	bool v = true;
	int ret = blkio_get_bool(c->b, prop(c, t), t->opts & BI_NULL ? NULL : &v);

	if (check_out(t, ret) && v != false)
		c->bad = "failed get_bool left *value != false";
	return ret;
}

static int get_int(struct bi_ctx *c, const struct bi_case *t)
{
	int v = 12345;
	int ret = blkio_get_int(c->b, prop(c, t), t->opts & BI_NULL ? NULL : &v);

	if (check_out(t, ret) && v != 0)
		c->bad = "failed get_int left *value != 0";
	return ret;
}

static int get_u64(struct bi_ctx *c, const struct bi_case *t)
{
	uint64_t v = 12345;
	int ret = blkio_get_uint64(c->b, prop(c, t), t->opts & BI_NULL ? NULL : &v);

	if (check_out(t, ret) && v != 0)
		c->bad = "failed get_uint64 left *value != 0";
	return ret;
}

static int get_str(struct bi_ctx *c, const struct bi_case *t)
{
	char dummy;
	char *v = &dummy;
	int ret = blkio_get_str(c->b, prop(c, t), t->opts & BI_NULL ? NULL : &v);

	if (check_out(t, ret) && v != NULL)
		c->bad = "failed get_str left *value != NULL";
	if (ret == 0 && !(t->opts & BI_NULL))
		free(v);
	return ret;
}

static int set_bool(struct bi_ctx *c, const struct bi_case *t)
{
	return blkio_set_bool(c->b, prop(c, t), t->a != 0);
}

static int set_int(struct bi_ctx *c, const struct bi_case *t)
{
	return blkio_set_int(c->b, prop(c, t), (int)t->a);
}

static int set_u64(struct bi_ctx *c, const struct bi_case *t)
{
	return blkio_set_uint64(c->b, prop(c, t), t->u);
}

static int set_str(struct bi_ctx *c, const struct bi_case *t)
{
	return blkio_set_str(c->b, prop(c, t),
			     t->opts & BI_NULL ? NULL : t->s2);
}

#define G(n, st, o, fn, prop, e, ...) \
	{ .name = n, .state = st, .opts = o, .kind = K_INT, .run = fn, \
	  .s = prop, .err = e, __VA_ARGS__ }
#define SB(n, st, o, prop, v, e) \
	{ .name = n, .state = st, .opts = o, .kind = K_INT, .run = set_bool, \
	  .s = prop, .a = v, .err = e }
#define SI(n, st, o, prop, v, e) \
	{ .name = n, .state = st, .opts = o, .kind = K_INT, .run = set_int, \
	  .s = prop, .a = v, .err = e }
#define SU(n, st, o, prop, v, e) \
	{ .name = n, .state = st, .opts = o, .kind = K_INT, .run = set_u64, \
	  .s = prop, .u = v, .err = e }
#define SS(n, st, o, prop, v, e) \
	{ .name = n, .state = st, .opts = o, .kind = K_INT, .run = set_str, \
	  .s = prop, .s2 = v, .err = e }

/* Not valid UTF-8: a lone continuation byte and an overlong encoding. */
#define BAD_UTF8 "num-\x80\xc0\xaf"

const struct bi_case bi_prop_cases[] = {
	/* NULL instance: ours returns -EINVAL, libblkio dereferences it. */
	G("get_bool b=NULL", ST_NONE, BI_OURS, get_bool, "direct", -EINVAL),
	G("get_int b=NULL", ST_NONE, BI_OURS, get_int, "num-entries", -EINVAL),
	G("get_uint64 b=NULL", ST_NONE, BI_OURS, get_u64, "capacity", -EINVAL),
	G("get_str b=NULL", ST_NONE, BI_OURS, get_str, "driver", -EINVAL),
	SB("set_bool b=NULL", ST_NONE, BI_OURS, "direct", 1, -EINVAL),
	SI("set_int b=NULL", ST_NONE, BI_OURS, "num-entries", 8, -EINVAL),
	SU("set_uint64 b=NULL", ST_NONE, BI_OURS, "capacity", 1, -EINVAL),
	SS("set_str b=NULL", ST_NONE, BI_OURS, "path", "/x", -EINVAL),

	/* NULL name and NULL value pointers. */
	G("get_bool name=NULL", ST_CREATED, BI_OURS, get_bool, NULL, -EINVAL),
	G("get_int name=NULL", ST_CREATED, BI_OURS, get_int, NULL, -EINVAL),
	G("get_uint64 name=NULL", ST_CREATED, BI_OURS, get_u64, NULL, -EINVAL),
	G("get_str name=NULL", ST_CREATED, BI_OURS, get_str, NULL, -EINVAL),
	SB("set_bool name=NULL", ST_CREATED, BI_OURS, NULL, 1, -EINVAL),
	SI("set_int name=NULL", ST_CREATED, BI_OURS, NULL, 1, -EINVAL),
	SU("set_uint64 name=NULL", ST_CREATED, BI_OURS, NULL, 1, -EINVAL),
	SS("set_str name=NULL", ST_CREATED, BI_OURS, NULL, "1", -EINVAL),
	G("get_bool value=NULL", ST_CREATED, BI_OURS | BI_NULL, get_bool,
	  "direct", -EINVAL),
	G("get_int value=NULL", ST_CREATED, BI_OURS | BI_NULL, get_int,
	  "fd", -EINVAL),
	G("get_uint64 value=NULL", ST_CONNECTED, BI_OURS | BI_NULL, get_u64,
	  "capacity", -EINVAL),
	G("get_str value=NULL", ST_CREATED, BI_OURS | BI_NULL, get_str,
	  "driver", -EINVAL),
	SS("set_str value=NULL", ST_CREATED, BI_OURS | BI_NULL, "path", NULL,
	   -EINVAL),

	/* Invalid UTF-8 in the name or in a string value. */
	G("get_bool name not UTF-8", ST_CREATED, BI_KEEPS, get_bool, BAD_UTF8,
	  -EINVAL),
	G("get_int name not UTF-8", ST_CREATED, BI_KEEPS, get_int, BAD_UTF8,
	  -EINVAL),
	G("get_uint64 name not UTF-8", ST_CREATED, BI_KEEPS, get_u64, BAD_UTF8,
	  -EINVAL),
	G("get_str name not UTF-8", ST_CREATED, BI_KEEPS, get_str, BAD_UTF8,
	  -EINVAL),
	SB("set_bool name not UTF-8", ST_CREATED, 0, BAD_UTF8, 1, -EINVAL),
	SI("set_int name not UTF-8", ST_CREATED, 0, BAD_UTF8, 1, -EINVAL),
	SU("set_uint64 name not UTF-8", ST_CREATED, 0, BAD_UTF8, 1, -EINVAL),
	SS("set_str name not UTF-8", ST_CREATED, 0, BAD_UTF8, "1", -EINVAL),
	SS("set_str value not UTF-8", ST_CREATED, 0, "path", "/tmp/\xff\xfe",
	   -EINVAL),

	/* Unknown names: misspelt, other drivers', underscores, case. */
	G("get_bool unknown", ST_CREATED, 0, get_bool, "no-such-prop", -ENOENT),
	G("get_int unknown", ST_CREATED, 0, get_int, "no-such-prop", -ENOENT),
	G("get_uint64 unknown", ST_CREATED, 0, get_u64, "no-such-prop",
	  -ENOENT),
	G("get_str unknown", ST_CREATED, 0, get_str, "no-such-prop", -ENOENT),
	SB("set_bool unknown", ST_CREATED, 0, "no-such-prop", 1, -ENOENT),
	SI("set_int unknown", ST_CREATED, 0, "no-such-prop", 1, -ENOENT),
	SU("set_uint64 unknown", ST_CREATED, 0, "no-such-prop", 1, -ENOENT),
	SS("set_str unknown", ST_CREATED, 0, "no-such-prop", "1", -ENOENT),
	G("get_int empty name", ST_CREATED, 0, get_int, "", -ENOENT),
	G("get_int underscore name", ST_CONNECTED, 0, get_int, "num_entries",
	  -ENOENT),
	SB("set_bool underscore name", ST_CREATED, 0, "read_only", 1, -ENOENT),
	SB("set_bool capitalised name", ST_CREATED, 0, "Direct", 1, -ENOENT),
	SB("set_bool name with space", ST_CREATED, 0, "direct ", 1, -ENOENT),
	G("get_uint64 nvme-only nr-zones", ST_CONNECTED, 0, get_u64,
	  "nr-zones", -ENOENT),
	SI("set_int queue-size 0", ST_CONNECTED, 0, "queue-size", 0,
	   -EINVAL),
	G("get_str started unknown", ST_STARTED, 0, get_str, "bogus", -ENOENT),

	/* Ill-typed accessors (type is checked before access and state). */
	G("get_bool on int", ST_CREATED, 0, get_bool, "num-entries", -ENOTTY),
	G("get_bool on str", ST_CREATED, 0, get_bool, "path", -ENOTTY),
	G("get_bool on uint64, created", ST_CREATED, 0, get_bool, "capacity",
	  -ENOTTY),
	G("get_int on bool", ST_CREATED, 0, get_int, "direct", -ENOTTY),
	G("get_int on bool read-only", ST_CREATED, 0, get_int, "read-only",
	  -ENOTTY),
	SB("set_bool on int queue-size", ST_CONNECTED, 0, "queue-size", 1,
	   -ENOTTY),
	SU("set_uint64 on int queue-size", ST_CONNECTED, 0, "queue-size", 8,
	   -ENOTTY),
	G("get_int on str", ST_CREATED, 0, get_int, "driver", -ENOTTY),
	G("get_int on uint64", ST_CONNECTED, 0, get_int, "capacity", -ENOTTY),
	G("get_uint64 on int", ST_CONNECTED, 0, get_u64, "request-alignment",
	  -ENOTTY),
	G("get_uint64 on bool", ST_CREATED, 0, get_u64, "read-only", -ENOTTY),
	G("get_uint64 on str", ST_CREATED, 0, get_u64, "path", -ENOTTY),
	SB("set_bool on int", ST_CONNECTED, 0, "num-entries", 1, -ENOTTY),
	SB("set_bool on str", ST_CREATED, 0, "path", 1, -ENOTTY),
	SB("set_bool on read-only int", ST_CREATED, 0, "max-queues", 1,
	   -ENOTTY),
	SI("set_int on bool", ST_CREATED, 0, "direct", 1, -ENOTTY),
	SI("set_int on str", ST_CREATED, 0, "path", 1, -ENOTTY),
	SI("set_int on read-only str", ST_CREATED, 0, "driver", 1, -ENOTTY),
	SI("set_int on uint64", ST_CONNECTED, 0, "capacity", 1, -ENOTTY),
	SU("set_uint64 on int", ST_CONNECTED, 0, "num-entries", 8, -ENOTTY),
	SU("set_uint64 on bool", ST_CREATED, 0, "direct", 1, -ENOTTY),
	SU("set_uint64 on str", ST_CREATED, 0, "path", 1, -ENOTTY),
	SI("set_int on bool, started", ST_STARTED, 0,
	   "read-only", 1, -ENOTTY),

	/* set_str parses for the property's type before anything else. */
	SS("set_str bool \"1\"", ST_CREATED, 0, "direct", "1", -EINVAL),
	SS("set_str bool \"TRUE\"", ST_CREATED, 0, "direct", "TRUE", -EINVAL),
	SS("set_str bool \"yes\"", ST_CREATED, 0, "read-only", "yes", -EINVAL),
	SS("set_str bool empty", ST_CREATED, 0, "direct", "", -EINVAL),
	SS("set_str bool \" true\"", ST_CREATED, 0, "direct", " true", -EINVAL),
	SS("set_str bool \"false \"", ST_CREATED, 0, "direct", "false ",
	   -EINVAL),
	SS("set_str int \" 5\"", ST_CREATED, 0, "fd", " 5", -EINVAL),
	SS("set_str int \"5 \"", ST_CREATED, 0, "fd", "5 ", -EINVAL),
	SS("set_str int hex", ST_CREATED, 0, "fd", "0x10", -EINVAL),
	SS("set_str int empty", ST_CREATED, 0, "fd", "", -EINVAL),
	SS("set_str int letters", ST_CREATED, 0, "fd", "abc", -EINVAL),
	SS("set_str int fraction", ST_CREATED, 0, "fd", "1.5", -EINVAL),
	SS("set_str int \"--1\"", ST_CREATED, 0, "fd", "--1", -EINVAL),
	SS("set_str int \"+-1\"", ST_CREATED, 0, "fd", "+-1", -EINVAL),
	SS("set_str int INT_MAX+1", ST_CREATED, 0, "fd", "2147483648",
	   -EINVAL),
	SS("set_str int INT_MIN-1", ST_CREATED, 0, "fd", "-2147483649",
	   -EINVAL),
	SS("set_str int 2^64", ST_CONNECTED, 0, "num-entries",
	   "18446744073709551616", -EINVAL),
	SS("set_str int parse before state", ST_CREATED, 0, "num-entries",
	   "abc", -EINVAL),
	SS("set_str uint64 negative", ST_CONNECTED, 0, "capacity", "-1",
	   -EINVAL),
	SS("set_str uint64 2^64", ST_CONNECTED, 0, "capacity",
	   "18446744073709551616", -EINVAL),
	SS("set_str uint64 letters, created", ST_CREATED, 0,
	   "max-mem-regions", "lots", -EINVAL),
	SS("set_str read-only int unparsable", ST_CREATED, 0, "max-queues",
	   "x", -EINVAL),
	SS("set_str read-only bool unparsable", ST_CREATED, 0,
	   "can-add-queues", "1", -EINVAL),

	/* Read-only properties refuse every setter in every state. */
	SS("set_str driver", ST_CREATED, 0, "driver", "io_uring", -EACCES),
	SB("set_bool can-add-queues", ST_CREATED, 0, "can-add-queues", 1,
	   -EACCES),
	SI("set_int max-queues", ST_CREATED, 0, "max-queues", 1, -EACCES),
	SU("set_uint64 max-mem-regions", ST_CREATED, 0, "max-mem-regions", 1,
	   -EACCES),
	SU("set_uint64 capacity, created", ST_CREATED, 0, "capacity", 1,
	   -EACCES),
	SS("set_str capacity, created", ST_CREATED, 0, "capacity", "5",
	   -EACCES),
	SB("set_bool supports-poll-queues", ST_CONNECTED, 0,
	   "supports-poll-queues", 1, -EACCES),
	SI("set_int request-alignment", ST_STARTED, 0, "request-alignment", 512,
	   -EACCES),
	SB("set_bool needs-mem-regions", ST_STARTED, 0, "needs-mem-regions", 0,
	   -EACCES),
	SB("set_bool flush-needed", ST_CONNECTED, 0, "flush-needed", 0,
	   -EACCES),
	SI("set_int optimal-io-size", ST_CONNECTED, 0, "optimal-io-size", 0,
	   -EACCES),
	SU("set_uint64 mem-region-alignment", ST_STARTED, 0,
	   "mem-region-alignment", 4096, -EACCES),
	SS("set_str can-grow", ST_CONNECTED, 0, "can-grow", "true", -EACCES),
	SI("set_int max-segments", ST_CREATED, 0, "max-segments", 1, -EACCES),
	SI("set_int max-queue-size", ST_CREATED, 0, "max-queue-size", 64,
	   -EACCES),

	/* Computed properties need a connection. */
	G("get_uint64 capacity, created", ST_CREATED, 0, get_u64, "capacity",
	  -ENODEV),
	G("get_int request-alignment, created", ST_CREATED, 0, get_int,
	  "request-alignment", -ENODEV,
	  .only = ONLY_LIMITS_CONNECTED),
	G("get_int buf-alignment, created", ST_CREATED, 0, get_int,
	  "buf-alignment", -ENODEV,
	  .only = ONLY_LIMITS_CONNECTED),
	G("get_uint64 mem-region-alignment, created", ST_CREATED, 0, get_u64,
	  "mem-region-alignment", -ENODEV,
	  .only = ONLY_LIMITS_CONNECTED),
	G("get_int max-segments, created", ST_CREATED, 0, get_int,
	  "max-segments", -ENODEV,
	  .only = ONLY_LIMITS_CONNECTED),
	G("get_int max-queues, created", ST_CREATED, 0, get_int,
	  "max-queues", -ENODEV,
	  .only = ONLY_LIMITS_CREATED),
	G("get_uint64 max-mem-regions, created", ST_CREATED, 0, get_u64,
	  "max-mem-regions", -ENODEV,
	  .only = ONLY_LIMITS_CREATED),
	G("get_str max-queues, created", ST_CREATED, 0, get_str,
	  "max-queues", -ENODEV,
	  .only = ONLY_LIMITS_CREATED),
	G("get_str capacity, created", ST_CREATED, 0, get_str, "capacity",
	  -ENODEV),

	/* Setters in the wrong state. */
	SI("set_int num-queues, created", ST_CREATED, 0, "num-queues", 1,
	   -ENODEV),
	SI("set_int num-entries, created", ST_CREATED, 0, "num-entries", 8,
	   -ENODEV),
	SI("set_int num-poll-queues, created", ST_CREATED, 0,
	   "num-poll-queues", 0, -ENODEV),
	SS("set_str num-queues, created", ST_CREATED, 0, "num-queues", "2",
	   -ENODEV),
	SS("set_str path, connected", ST_CONNECTED, 0, "path", "/dev/null",
	   -EBUSY),
	SB("set_bool direct, connected", ST_CONNECTED, 0, "direct", 1, -EBUSY),
	SB("set_bool read-only, connected", ST_CONNECTED, 0, "read-only", 1,
	   -EBUSY),
	SI("set_int fd, connected", ST_CONNECTED, 0, "fd", 0, -EBUSY),
	SS("set_str path, started", ST_STARTED, 0, "path", "/dev/null",
	   -EBUSY),
	SB("set_bool read-only, started", ST_STARTED, 0, "read-only", 0,
	   -EBUSY),
	SI("set_int num-queues, started", ST_STARTED, 0, "num-queues", 2,
	   -EBUSY),
	SI("set_int num-entries, started", ST_STARTED, 0, "num-entries", 8,
	   -EBUSY),
	SI("set_int num-poll-queues, started", ST_STARTED, 0,
	   "num-poll-queues", 0, -EBUSY),
	SS("set_str num-entries, started", ST_STARTED, 0, "num-entries", "8",
	   -EBUSY),
	SI("set_int queue-size, created", ST_CREATED, 0, "queue-size", 8,
	   -ENODEV),
	SI("set_int queue-size, started", ST_STARTED, 0, "queue-size", 8,
	   -EBUSY),

	/* Out-of-range values. */
	SI("set_int num-entries 0", ST_CONNECTED, 0, "num-entries", 0, -EINVAL),
	SI("set_int num-entries -1", ST_CONNECTED, 0, "num-entries", -1,
	   -EINVAL),
	SI("set_int num-entries INT_MIN", ST_CONNECTED, 0, "num-entries",
	   INT_MIN, -EINVAL),
	SS("set_str num-entries \"0\"", ST_CONNECTED, 0, "num-entries", "0",
	   -EINVAL),
	SI("set_int num-queues -1", ST_CONNECTED, 0, "num-queues", -1, -EINVAL),
	SI("set_int num-queues INT_MIN", ST_CONNECTED, 0, "num-queues", INT_MIN,
	   -EINVAL),
	SI("set_int num-poll-queues -1", ST_CONNECTED, 0, "num-poll-queues", -1,
	   -EINVAL),
	/* queue-size: a power of two up to max-queue-size (contract 6.5). */
	SI("set_int queue-size -1", ST_CONNECTED, 0, "queue-size", -1, -EINVAL),
	SI("set_int queue-size INT_MIN", ST_CONNECTED, 0, "queue-size", INT_MIN,
	   -EINVAL),
	SI("set_int queue-size 3", ST_CONNECTED, 0, "queue-size", 3, -EINVAL),
	SI("set_int queue-size 96", ST_CONNECTED, 0, "queue-size", 96, -EINVAL),
	SI("set_int queue-size 65536", ST_CONNECTED, 0, "queue-size", 65536,
	   -EINVAL),
	SI("set_int queue-size INT_MAX", ST_CONNECTED, 0, "queue-size", INT_MAX,
	   -EINVAL),
	SS("set_str queue-size \"0\"", ST_CONNECTED, 0, "queue-size", "0",
	   -EINVAL),
	SS("set_str queue-size \"3\"", ST_CONNECTED, 0, "queue-size", "3",
	   -EINVAL),
};

const unsigned int bi_nr_prop_cases = sizeof(bi_prop_cases) /
				      sizeof(bi_prop_cases[0]);
