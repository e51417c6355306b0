/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * io_uring driver properties (contract §3, §5.3, §6.1, §6.3): types, values
 * in each state, set rules, error precedence and string conversion.  The
 * connect rules for path and fd live in connect.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "util.h"

enum ptype { T_BOOL, T_INT, T_U64, T_STR };

enum access {
	RO_PLAIN,	/* read-only, readable in every state */
	RO_CONN,	/* read-only, -ENODEV before connect */
	RW_CREATED,	/* writable only in the created state */
	RW_CONNECTED,	/* writable only in the connected state */
};

/*
 * Expected values in get_str form.  NULL in .created means -ENODEV.
 * Templates: $LBS request alignment of O_DIRECT on the file, $OPTALIGN
 * optimal I/O alignment, $PAGE page size, $IOVMAX IOV_MAX, $PATH the
 * scratch file, $FD an fd open on it, $ANY not checked (machine-dependent).
 */
struct prop {
	const char *name;
	enum ptype type;
	enum access access;
	const char *created;
	const char *buffered;
	const char *direct;
};

static const struct prop props[] = {
	{ "buf-alignment", T_INT, RO_CONN, NULL, "1", "$LBS" },
	{ "can-add-queues", T_BOOL, RO_PLAIN, "true", "true", "true" },
	{ "can-grow", T_BOOL, RO_PLAIN, "false", "true", "true" },
	{ "capacity", T_U64, RO_CONN, NULL, "16777216", "16777216" },
	{ "direct", T_BOOL, RW_CREATED, "false", "false", "true" },
	{ "discard-alignment", T_INT, RO_CONN, NULL, "1", "$LBS" },
	{ "discard-alignment-offset", T_INT, RO_CONN, NULL, "0", "0" },
	{ "driver", T_STR, RO_PLAIN, "io_uring", "io_uring", "io_uring" },
	{ "fd", T_INT, RW_CREATED, "-1", "$FD", "$FD" },
	{ "flush-needed", T_BOOL, RO_PLAIN, "true", "true", "true" },
	{ "max-discard-len", T_U64, RO_CONN, NULL, "0", "0" },
	{ "max-mem-regions", T_U64, RO_PLAIN, "18446744073709551615",
	  "18446744073709551615", "18446744073709551615" },
	{ "max-queues", T_INT, RO_PLAIN, "2147483647", "2147483647",
	  "2147483647" },
	{ "max-segment-len", T_INT, RO_CONN, NULL, "0", "0" },
	{ "max-segments", T_INT, RO_CONN, NULL, "$IOVMAX", "$IOVMAX" },
	{ "max-transfer", T_INT, RO_CONN, NULL, "0", "0" },
	{ "max-write-zeroes-len", T_U64, RO_CONN, NULL, "0", "0" },
	{ "may-pin-mem-regions", T_BOOL, RO_PLAIN, "false", "false", "false" },
	{ "mem-region-alignment", T_U64, RO_CONN, NULL, "1", "$LBS" },
	{ "needs-mem-region-fd", T_BOOL, RO_PLAIN, "false", "false", "false" },
	{ "needs-mem-regions", T_BOOL, RO_PLAIN, "false", "false", "false" },
	{ "num-entries", T_INT, RW_CONNECTED, "128", "128", "128" },
	{ "num-poll-queues", T_INT, RW_CONNECTED, "0", "0", "0" },
	{ "num-queues", T_INT, RW_CONNECTED, "1", "1", "1" },
	{ "optimal-buf-alignment", T_INT, RO_CONN, NULL, "$PAGE", "$PAGE" },
	{ "optimal-io-alignment", T_INT, RO_CONN, NULL, "$OPTALIGN",
	  "$OPTALIGN" },
	{ "optimal-io-size", T_INT, RO_CONN, NULL, "0", "0" },
	{ "path", T_STR, RW_CREATED, "", "$PATH", "$PATH" },
	{ "read-only", T_BOOL, RW_CREATED, "false", "false", "false" },
	{ "request-alignment", T_INT, RO_CONN, NULL, "1", "$LBS" },
	{ "supports-fua-natively", T_BOOL, RO_PLAIN, "false", "$ANY", "$ANY" },
	/* libblkio's probe says true for O_DIRECT where polling fails. */
	{ "supports-poll-queues", T_BOOL, RO_PLAIN, "false", "false", "$ANY" },
};

#define NR_PROPS ((int)(sizeof(props) / sizeof(props[0])))

static const char MSG_NOT_BOOL[] = "Property is not a bool";
static const char MSG_NOT_INT[] = "Property is not an int";
static const char MSG_NOT_U64_GET[] =
	"Property is not an unsigned 64-bit integer";
static const char MSG_NOT_U64_SET[] = "Property is not an unsigned 64-bit int";
static const char MSG_BOOL_VALUE[] = "Value must be \"true\" or \"false\"";
static const char MSG_INT_VALUE[] = "Value must be a signed 32-bit integer";
static const char MSG_U64_VALUE[] = "Value must be an unsigned 64-bit integer";
static const char MSG_RO[] = "Property is read-only";
static const char MSG_NODEV[] = "Device must be connected";
static const char MSG_BUSY_CONN[] = "Cannot set property in connected state";
static const char MSG_BUSY_STARTED[] = "Cannot set property in started state";
static const char MSG_UNKNOWN[] = "Unknown property name";

/*
 * What O_DIRECT needs on the scratch file: the kernel's answer (statx
 * STATX_DIOALIGN), else the logical block size of the device under it,
 * else a page.  The kernel's answer comes first as in the library, and
 * it is the only one in a build chroot without /sys.
 */
static long direct_alignment(void)
{
	char path[128];
	struct stat st;
	long lbs = 0;
	FILE *f;

#ifdef STATX_DIOALIGN
	struct statx stx;

	if (statx(AT_FDCWD, api_file(), 0, STATX_DIOALIGN, &stx) == 0 &&
	    (stx.stx_mask & STATX_DIOALIGN) && stx.stx_dio_offset_align)
		return stx.stx_dio_offset_align;
#endif
	ck_assert_int_eq(stat(api_file(), &st), 0);
	snprintf(path, sizeof(path),
		 "/sys/dev/block/%u:%u/queue/logical_block_size",
		 major(st.st_dev), minor(st.st_dev));
	f = fopen(path, "r");
	if (!f) {
		/* A partition: the queue directory belongs to the parent. */
		snprintf(path, sizeof(path),
			 "/sys/dev/block/%u:%u/../queue/logical_block_size",
			 major(st.st_dev), minor(st.st_dev));
		f = fopen(path, "r");
	}
	if (f) {
		if (fscanf(f, "%ld", &lbs) != 1)
			lbs = 0;
		fclose(f);
	}
	return lbs > 0 ? lbs : sysconf(_SC_PAGESIZE);
}

/* The expected get_str text for @tmpl, or NULL when it is not checked. */
static const char *expand(const char *tmpl, bool direct, char *buf,
			  size_t size)
{
	long req = direct ? direct_alignment() : 1;
	struct statfs sfs;

	if (strcmp(tmpl, "$ANY") == 0 || strcmp(tmpl, "$FD") == 0)
		return NULL;
	if (strcmp(tmpl, "$LBS") == 0) {
		snprintf(buf, size, "%ld", req);
	} else if (strcmp(tmpl, "$PAGE") == 0) {
		snprintf(buf, size, "%ld", sysconf(_SC_PAGESIZE));
	} else if (strcmp(tmpl, "$IOVMAX") == 0) {
		snprintf(buf, size, "%ld", sysconf(_SC_IOV_MAX));
	} else if (strcmp(tmpl, "$OPTALIGN") == 0) {
		ck_assert_int_eq(statfs(api_file(), &sfs), 0);
		snprintf(buf, size, "%ld",
			 (long)sfs.f_bsize > req ? (long)sfs.f_bsize : req);
	} else if (strcmp(tmpl, "$PATH") == 0) {
		snprintf(buf, size, "%s", api_file());
	} else {
		snprintf(buf, size, "%s", tmpl);
	}
	return buf;
}

/* Reads @p with its typed getter and formats it as get_str would. */
static void typed_as_str(struct blkio *b, const struct prop *p, char *buf,
			 size_t size)
{
	bool bv;
	int iv;
	uint64_t uv;
	char *sv;

	switch (p->type) {
	case T_BOOL:
		ck_assert_ok(blkio_get_bool(b, p->name, &bv));
		snprintf(buf, size, "%s", bv ? "true" : "false");
		break;
	case T_INT:
		ck_assert_ok(blkio_get_int(b, p->name, &iv));
		snprintf(buf, size, "%d", iv);
		break;
	case T_U64:
		ck_assert_ok(blkio_get_uint64(b, p->name, &uv));
		snprintf(buf, size, "%" PRIu64, uv);
		break;
	case T_STR:
		ck_assert_ok(blkio_get_str(b, p->name, &sv));
		snprintf(buf, size, "%s", sv);
		free(sv);
		break;
	}
}

/* The fd property after connect is an open fd on the scratch file. */
static void check_fd_value(const char *text)
{
	struct stat a, b;
	int fd = atoi(text);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &a), 0);
	ck_assert_int_eq(stat(api_file(), &b), 0);
	ck_assert(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
}

/* Value of @p in the current state: get_str, typed getter, expectation. */
static void check_value(struct blkio *b, const struct prop *p,
			const char *tmpl, bool direct)
{
	char typed[4200], exp[4200];
	const char *want;
	char *s = NULL;

	ck_assert_ok(blkio_get_str(b, p->name, &s));
	ck_assert_ptr_nonnull(s);
	typed_as_str(b, p, typed, sizeof(typed));
	ck_assert_msg(strcmp(s, typed) == 0, "%s: get_str \"%s\", typed \"%s\"",
		      p->name, s, typed);
	want = expand(tmpl, direct, exp, sizeof(exp));
	if (want)
		ck_assert_msg(strcmp(s, want) == 0, "%s (%s): \"%s\", want \"%s\"",
			      p->name, direct ? "direct" : "buffered", s, want);
	if (strcmp(tmpl, "$FD") == 0)
		check_fd_value(s);
	free(s);
}

/* Every typed accessor of the wrong type fails -ENOTTY, out-param reset. */
static void check_wrong_types(struct blkio *b, const struct prop *p)
{
	bool bv = true;
	int iv = 42;
	uint64_t uv = 42;

	if (p->type != T_BOOL) {
		ck_assert_err(blkio_get_bool(b, p->name, &bv), -ENOTTY,
			      MSG_NOT_BOOL);
		ck_assert(bv == false);
		ck_assert_err(blkio_set_bool(b, p->name, true), -ENOTTY,
			      MSG_NOT_BOOL);
	}
	if (p->type != T_INT) {
		ck_assert_err(blkio_get_int(b, p->name, &iv), -ENOTTY,
			      MSG_NOT_INT);
		ck_assert_int_eq(iv, 0);
		ck_assert_err(blkio_set_int(b, p->name, 1), -ENOTTY,
			      MSG_NOT_INT);
	}
	if (p->type != T_U64) {
		ck_assert_err(blkio_get_uint64(b, p->name, &uv), -ENOTTY,
			      MSG_NOT_U64_GET);
		ck_assert_uint_eq(uv, 0);
		ck_assert_err(blkio_set_uint64(b, p->name, 1), -ENOTTY,
			      MSG_NOT_U64_SET);
	}
}

/* Types are checked before state and read-only: do it in every state. */
START_TEST(wrong_type)
{
	const struct prop *p = &props[_i];
	struct blkio *b = api_create();

	check_wrong_types(b, p);
	blkio_destroy(&b);
	b = api_connect(false);
	check_wrong_types(b, p);
	ck_assert_ok(blkio_start(b));
	check_wrong_types(b, p);
	blkio_destroy(&b);
}
END_TEST

START_TEST(created_value)
{
	const struct prop *p = &props[_i];
	struct blkio *b = api_create();
	char *s = (char *)p;

	if (p->created) {
		check_value(b, p, p->created, false);
	} else {
		ck_assert_err(blkio_get_str(b, p->name, &s), -ENODEV,
			      MSG_NODEV);
		ck_assert_ptr_null(s);
	}
	blkio_destroy(&b);
}
END_TEST

START_TEST(connected_value)
{
	const struct prop *p = &props[_i / 2];
	bool direct = _i % 2;
	struct blkio *b = api_connect(direct);

	check_value(b, p, direct ? p->direct : p->buffered, direct);
	ck_assert_ok(blkio_start(b));
	check_value(b, p, direct ? p->direct : p->buffered, direct);
	blkio_destroy(&b);
}
END_TEST

/* A value of the right type for @p, as the typed setter and as a string. */
static int set_typed(struct blkio *b, const struct prop *p)
{
	switch (p->type) {
	case T_BOOL:
		return blkio_set_bool(b, p->name, false);
	case T_INT:
		return blkio_set_int(b, p->name, 1);
	case T_U64:
		return blkio_set_uint64(b, p->name, 1);
	case T_STR:
		return blkio_set_str(b, p->name, "io_uring");
	}
	return 0;
}

static const char *valid_text(const struct prop *p)
{
	switch (p->type) {
	case T_BOOL:
		return "false";
	case T_INT:
	case T_U64:
		return "+1";
	case T_STR:
		break;
	}
	return "x";
}

static void check_read_only(struct blkio *b, const struct prop *p)
{
	ck_assert_err(set_typed(b, p), -EACCES, MSG_RO);
	ck_assert_err(blkio_set_str(b, p->name, valid_text(p)), -EACCES,
		      MSG_RO);
}

/* Read-only properties refuse writes in every state, -EACCES first. */
START_TEST(set_read_only)
{
	const struct prop *p = &props[_i];
	struct blkio *b;

	if (p->access != RO_PLAIN && p->access != RO_CONN)
		return;
	b = api_create();
	check_read_only(b, p);
	blkio_destroy(&b);
	b = api_connect(true);
	check_read_only(b, p);
	ck_assert_ok(blkio_start(b));
	check_read_only(b, p);
	blkio_destroy(&b);
}
END_TEST

START_TEST(set_created_only)
{
	static const char *const names[] = { "path", "fd", "direct",
					     "read-only" };
	const struct prop *p = NULL;
	struct blkio *b;
	int i;

	for (i = 0; i < NR_PROPS; i++)
		if (strcmp(props[i].name, names[_i]) == 0)
			p = &props[i];
	ck_assert_ptr_nonnull(p);
	b = api_connect(false);
	ck_assert_err(blkio_set_str(b, p->name, p->created), -EBUSY,
		      MSG_BUSY_CONN);
	ck_assert_err(set_typed(b, p), -EBUSY, MSG_BUSY_CONN);
	ck_assert_ok(blkio_start(b));
	/* libblkio names the connected state here as well. */
	ck_assert_err(blkio_set_str(b, p->name, p->created), -EBUSY,
		      MSG_BUSY_CONN);
	ck_assert_err(set_typed(b, p), -EBUSY, MSG_BUSY_CONN);
	blkio_destroy(&b);
}
END_TEST

START_TEST(set_created_values)
{
	struct blkio *b = api_create();
	char *s = NULL;
	bool v = false;
	int fd = -2;

	ck_assert_ok(blkio_set_str(b, "path", " odd path "));
	ck_assert_ok(blkio_get_str(b, "path", &s));
	ck_assert_str_eq(s, " odd path ");
	free(s);
	ck_assert_ok(blkio_set_str(b, "path", ""));
	ck_assert_ok(blkio_get_str(b, "path", &s));
	ck_assert_str_eq(s, "");
	free(s);
	ck_assert_ok(blkio_set_bool(b, "direct", true));
	ck_assert_ok(blkio_get_bool(b, "direct", &v));
	ck_assert(v);
	ck_assert_ok(blkio_set_str(b, "read-only", "true"));
	ck_assert_ok(blkio_get_bool(b, "read-only", &v));
	ck_assert(v);
	ck_assert_ok(blkio_set_int(b, "fd", 1234));
	ck_assert_ok(blkio_get_int(b, "fd", &fd));
	ck_assert_int_eq(fd, 1234);
	ck_assert_ok(blkio_set_int(b, "fd", -1));
	blkio_destroy(&b);
}
END_TEST

START_TEST(set_connected_only)
{
	static const char *const names[] = { "num-entries", "num-queues",
					     "num-poll-queues" };
	const char *name = names[_i];
	int first = _i == 0 ? 3 : 0;	/* num-entries must stay > 0 */
	struct blkio *b = api_create();
	int v = -1;

	ck_assert_err(blkio_set_int(b, name, 2), -ENODEV, MSG_NODEV);
	ck_assert_err(blkio_set_str(b, name, "2"), -ENODEV, MSG_NODEV);
	blkio_destroy(&b);

	b = api_connect(false);
	ck_assert_int_eq(blkio_set_int(b, name, first), 0);
	ck_assert_ok(blkio_get_int(b, name, &v));
	ck_assert_int_eq(v, first);
	ck_assert_int_eq(blkio_set_str(b, name, "+2"), 0);
	ck_assert_ok(blkio_get_int(b, name, &v));
	ck_assert_int_eq(v, 2);
	if (_i == 2)	/* no poll queues on a buffered file */
		ck_assert_ok(blkio_set_int(b, name, 0));
	ck_assert_ok(blkio_start(b));
	ck_assert_err(blkio_set_int(b, name, 1), -EBUSY, MSG_BUSY_STARTED);
	ck_assert_err(blkio_set_str(b, name, "1"), -EBUSY, MSG_BUSY_STARTED);
	blkio_destroy(&b);
}
END_TEST

START_TEST(validation)
{
	struct blkio *b = api_connect(false);
	int v = 0;

	ck_assert_err(blkio_set_int(b, "num-entries", 0), -EINVAL,
		      "num-entries must be greater than 0");
	ck_assert_err(blkio_set_int(b, "num-entries", -1), -EINVAL,
		      "num-entries must be greater than 0");
	ck_assert_err(blkio_set_int(b, "num-entries", INT_MIN), -EINVAL,
		      "num-entries must be greater than 0");
	ck_assert_err(blkio_set_str(b, "num-entries", "-0"), -EINVAL,
		      "num-entries must be greater than 0");
	ck_assert_ok(blkio_get_int(b, "num-entries", &v));
	ck_assert_int_eq(v, 128);
	ck_assert_err_any_msg(blkio_set_int(b, "num-queues", -1), -EINVAL);
	ck_assert_err_any_msg(blkio_set_str(b, "num-queues", "-7"), -EINVAL);
	ck_assert_err_any_msg(blkio_set_int(b, "num-poll-queues", -1),
			      -EINVAL);
	ck_assert_err_any_msg(blkio_set_int(b, "num-poll-queues", INT_MIN),
			      -EINVAL);
	ck_assert_ok(blkio_get_int(b, "num-queues", &v));
	ck_assert_int_eq(v, 1);
	ck_assert_ok(blkio_get_int(b, "num-poll-queues", &v));
	ck_assert_int_eq(v, 0);
	ck_assert_int_eq(blkio_set_int(b, "num-entries", 1), 0);
	ck_assert_int_eq(blkio_set_int(b, "num-queues", 0), 0);
	blkio_destroy(&b);
}
END_TEST

/* More entries than the kernel allows fail at start, not at set. */
START_TEST(num_entries_too_large)
{
	struct blkio *b = api_connect(false);

	ck_assert_int_eq(blkio_set_int(b, "num-entries", 65536), 0);
	ck_assert_err_any_msg(blkio_start(b), -EINVAL);
	blkio_destroy(&b);
}
END_TEST

/*
 * Poll queues are never refused by the io_uring driver: where the device
 * cannot poll they busy-poll an ordinary ring (libblkio refuses them on a
 * buffered file and fails every request on an O_DIRECT one).
 */
START_TEST(poll_queues_without_device_polling)
{
	struct blkio *b;
	char *mode = NULL;

	API_SKIP_IF_REFERENCE("libblkio refuses poll queues here");
	b = api_connect(false);
	ck_assert_int_eq(blkio_set_int(b, "num-poll-queues", 1), 0);
	ck_assert_ok(blkio_start(b));
	ck_assert_ptr_nonnull(blkio_get_poll_queue(b, 0));
	ck_assert_int_eq(blkioq_get_completion_fd(blkio_get_poll_queue(b, 0)),
			 -1);
	ck_assert_ok(blkio_get_str(b, "poll-queue-mode", &mode));
	ck_assert_str_eq(mode, "busy-poll");
	free(mode);
	blkio_destroy(&b);
}
END_TEST

/* Contract §3: the order in which the checks apply. */
START_TEST(precedence_created)
{
	struct blkio *b = api_create();

	/* unknown name > everything */
	ck_assert_err(blkio_set_str(b, "no-such", "x"), -ENOENT, MSG_UNKNOWN);
	/* type > state (-ENODEV) */
	ck_assert_err(blkio_get_bool(b, "capacity", &(bool){ 0 }), -ENOTTY,
		      MSG_NOT_BOOL);
	ck_assert_err(blkio_set_bool(b, "num-entries", true), -ENOTTY,
		      MSG_NOT_BOOL);
	/* type > read-only */
	ck_assert_err(blkio_set_int(b, "driver", 1), -ENOTTY, MSG_NOT_INT);
	ck_assert_err(blkio_set_uint64(b, "max-queues", 1), -ENOTTY,
		      MSG_NOT_U64_SET);
	/* parse > read-only */
	ck_assert_err(blkio_set_str(b, "capacity", "x"), -EINVAL,
		      MSG_U64_VALUE);
	ck_assert_err(blkio_set_str(b, "can-grow", "yes"), -EINVAL,
		      MSG_BOOL_VALUE);
	/* parse > state */
	ck_assert_err(blkio_set_str(b, "num-entries", "abc"), -EINVAL,
		      MSG_INT_VALUE);
	/* read-only > state */
	ck_assert_err(blkio_set_uint64(b, "capacity", 1), -EACCES, MSG_RO);
	ck_assert_err(blkio_set_int(b, "request-alignment", 1), -EACCES,
		      MSG_RO);
	/* state > validation */
	ck_assert_err(blkio_set_int(b, "num-entries", 0), -ENODEV, MSG_NODEV);
	ck_assert_err(blkio_set_str(b, "num-queues", "-1"), -ENODEV,
		      MSG_NODEV);
	blkio_destroy(&b);
}
END_TEST

START_TEST(precedence_started)
{
	struct blkio *b = api_start(false, 1);

	ck_assert_err(blkio_set_bool(b, "no-such", true), -ENOENT,
		      MSG_UNKNOWN);
	ck_assert_err(blkio_set_bool(b, "path", true), -ENOTTY, MSG_NOT_BOOL);
	ck_assert_err(blkio_set_str(b, "direct", "1"), -EINVAL,
		      MSG_BOOL_VALUE);
	ck_assert_err(blkio_set_str(b, "num-entries", "0x10"), -EINVAL,
		      MSG_INT_VALUE);
	ck_assert_err(blkio_set_int(b, "num-entries", 0), -EBUSY,
		      MSG_BUSY_STARTED);
	ck_assert_err(blkio_set_bool(b, "can-grow", false), -EACCES, MSG_RO);
	blkio_destroy(&b);
}
END_TEST

/* Invalid UTF-8 is refused before the name is looked up (contract §3). */
START_TEST(invalid_utf8)
{
	struct blkio *b = api_create();

	ck_assert_err(blkio_set_str(b, "\xff\xfe", "x"), -EINVAL,
		      "Invalid property name");
	ck_assert_err(blkio_get_int(b, "num-\xc3", &(int){ 0 }), -EINVAL,
		      "Invalid property name");
	ck_assert_err(blkio_set_str(b, "path", "/tmp/\xff"), -EINVAL,
		      "Invalid value string");
	ck_assert_err(blkio_set_str(b, "capacity", "\xff"), -EINVAL,
		      "Invalid value string");
	blkio_destroy(&b);
}
END_TEST

START_TEST(get_str_formats)
{
	struct blkio *b = api_create();
	char *s = NULL;

	ck_assert_ok(blkio_get_str(b, "can-add-queues", &s));
	ck_assert_str_eq(s, "true");
	free(s);
	ck_assert_ok(blkio_get_str(b, "needs-mem-regions", &s));
	ck_assert_str_eq(s, "false");
	free(s);
	ck_assert_ok(blkio_get_str(b, "fd", &s));
	ck_assert_str_eq(s, "-1");
	free(s);
	ck_assert_ok(blkio_get_str(b, "max-queues", &s));
	ck_assert_str_eq(s, "2147483647");
	free(s);
	ck_assert_ok(blkio_get_str(b, "max-mem-regions", &s));
	ck_assert_str_eq(s, "18446744073709551615");
	free(s);
	ck_assert_ok(blkio_get_str(b, "driver", &s));
	ck_assert_str_eq(s, "io_uring");
	free(s);
	/* Each call returns a fresh allocation the caller owns. */
	ck_assert_ok(blkio_set_int(b, "fd", INT_MIN));
	ck_assert_ok(blkio_get_str(b, "fd", &s));
	ck_assert_str_eq(s, "-2147483648");
	free(s);
	blkio_destroy(&b);
}
END_TEST

struct parse_case {
	const char *name;
	const char *text;
	int ret;
	const char *msg;	/* NULL: any non-empty message */
	const char *after;	/* get_str afterwards when ret == 0 */
};

/*
 * num-entries/num-queues are set in the connected state, direct and path
 * in the created state, capacity is read-only so a parsed value ends in
 * -EACCES and a refused one in -EINVAL.
 */
static const struct parse_case parse_cases[] = {
	{ "num-entries", "+5", 0, NULL, "5" },
	{ "num-entries", "64", 0, NULL, "64" },
	{ "num-entries", "0064", 0, NULL, "64" },
	{ "num-entries", "2147483647", 0, NULL, "2147483647" },
	{ "num-entries", " 5", -EINVAL, MSG_INT_VALUE, NULL },
	{ "num-entries", "5 ", -EINVAL, MSG_INT_VALUE, NULL },
	{ "num-entries", "5\n", -EINVAL, MSG_INT_VALUE, NULL },
	{ "num-entries", "0x10", -EINVAL, MSG_INT_VALUE, NULL },
	{ "num-entries", "1e3", -EINVAL, MSG_INT_VALUE, NULL },
	{ "num-entries", "5.0", -EINVAL, MSG_INT_VALUE, NULL },
	{ "num-entries", "", -EINVAL, MSG_INT_VALUE, NULL },
	{ "num-entries", "+", -EINVAL, MSG_INT_VALUE, NULL },
	{ "num-entries", "-", -EINVAL, MSG_INT_VALUE, NULL },
	{ "num-entries", "++5", -EINVAL, MSG_INT_VALUE, NULL },
	{ "num-entries", "true", -EINVAL, MSG_INT_VALUE, NULL },
	{ "num-entries", "2147483648", -EINVAL, MSG_INT_VALUE, NULL },
	{ "num-entries", "99999999999999999999", -EINVAL, MSG_INT_VALUE,
	  NULL },
	{ "num-queues", "-2147483649", -EINVAL, MSG_INT_VALUE, NULL },
	{ "num-queues", "-1", -EINVAL, NULL, NULL },
	{ "num-queues", "+0", 0, NULL, "0" },
	{ "direct", "true", 0, NULL, "true" },
	{ "direct", "false", 0, NULL, "false" },
	{ "direct", "TRUE", -EINVAL, MSG_BOOL_VALUE, NULL },
	{ "direct", "True", -EINVAL, MSG_BOOL_VALUE, NULL },
	{ "direct", "1", -EINVAL, MSG_BOOL_VALUE, NULL },
	{ "direct", "0", -EINVAL, MSG_BOOL_VALUE, NULL },
	{ "direct", "yes", -EINVAL, MSG_BOOL_VALUE, NULL },
	{ "direct", "on", -EINVAL, MSG_BOOL_VALUE, NULL },
	{ "direct", "", -EINVAL, MSG_BOOL_VALUE, NULL },
	{ "direct", " true", -EINVAL, MSG_BOOL_VALUE, NULL },
	{ "direct", "true ", -EINVAL, MSG_BOOL_VALUE, NULL },
	{ "fd", "-5", 0, NULL, "-5" },
	{ "fd", "-2147483648", 0, NULL, "-2147483648" },
	{ "fd", "- 5", -EINVAL, MSG_INT_VALUE, NULL },
	{ "path", " verbatim\ttext ", 0, NULL, " verbatim\ttext " },
	{ "path", "", 0, NULL, "" },
	{ "capacity", "+5", -EACCES, MSG_RO, NULL },
	{ "capacity", "0", -EACCES, MSG_RO, NULL },
	{ "capacity", "18446744073709551615", -EACCES, MSG_RO, NULL },
	{ "capacity", "18446744073709551616", -EINVAL, MSG_U64_VALUE, NULL },
	{ "capacity", "-1", -EINVAL, MSG_U64_VALUE, NULL },
	{ "capacity", "-0", -EINVAL, MSG_U64_VALUE, NULL },
	{ "capacity", " 5", -EINVAL, MSG_U64_VALUE, NULL },
	{ "capacity", "0x10", -EINVAL, MSG_U64_VALUE, NULL },
	{ "capacity", "", -EINVAL, MSG_U64_VALUE, NULL },
	{ "can-grow", "true", -EACCES, MSG_RO, NULL },
	{ "can-grow", "1", -EINVAL, MSG_BOOL_VALUE, NULL },
	{ "max-queues", "7", -EACCES, MSG_RO, NULL },
	{ "max-queues", "2147483648", -EINVAL, MSG_INT_VALUE, NULL },
};

#define NR_PARSE_CASES ((int)(sizeof(parse_cases) / sizeof(parse_cases[0])))

static bool connected_only(const char *name)
{
	return strncmp(name, "num-", 4) == 0;
}

START_TEST(set_str_parsing)
{
	const struct parse_case *c = &parse_cases[_i];
	struct blkio *b;
	char *s = NULL;

	b = connected_only(c->name) ? api_connect(false) : api_create();
	if (c->msg)
		ck_assert_err(blkio_set_str(b, c->name, c->text), c->ret,
			      c->msg);
	else if (c->ret)
		ck_assert_err_any_msg(blkio_set_str(b, c->name, c->text),
				      c->ret);
	else
		ck_assert_int_eq(blkio_set_str(b, c->name, c->text), 0);
	if (c->after) {
		ck_assert_ok(blkio_get_str(b, c->name, &s));
		ck_assert_str_eq(s, c->after);
		free(s);
	}
	blkio_destroy(&b);
}
END_TEST

static void check_unknown(struct blkio *b, const char *name)
{
	bool bv = true;
	int iv = 42;
	uint64_t uv = 42;
	char *sv = (char *)name;

	ck_assert_err(blkio_get_bool(b, name, &bv), -ENOENT, MSG_UNKNOWN);
	ck_assert(!bv);
	ck_assert_err(blkio_get_int(b, name, &iv), -ENOENT, MSG_UNKNOWN);
	ck_assert_int_eq(iv, 0);
	ck_assert_err(blkio_get_uint64(b, name, &uv), -ENOENT, MSG_UNKNOWN);
	ck_assert_uint_eq(uv, 0);
	ck_assert_err(blkio_get_str(b, name, &sv), -ENOENT, MSG_UNKNOWN);
	ck_assert_ptr_null(sv);
	ck_assert_err(blkio_set_bool(b, name, true), -ENOENT, MSG_UNKNOWN);
	ck_assert_err(blkio_set_int(b, name, 1), -ENOENT, MSG_UNKNOWN);
	ck_assert_err(blkio_set_uint64(b, name, 1), -ENOENT, MSG_UNKNOWN);
	ck_assert_err(blkio_set_str(b, name, "1"), -ENOENT, MSG_UNKNOWN);
}

static const char *const unknown_names[] = {
	"no-such-property",
	"",
	"num_entries",			/* underscores are not accepted */
	"read_only",
	"mem_region_alignment",
	"can_add_queues",
	"Num-Entries",
	"path ",
	"queue-size",			/* virtio-blk only */
	"nr-zones",			/* nvme-io_uring only */
	"max-queue-size",
};

#define NR_UNKNOWN ((int)(sizeof(unknown_names) / sizeof(unknown_names[0])))

START_TEST(unknown_name)
{
	const char *name = unknown_names[_i];
	struct blkio *b = api_create();

	check_unknown(b, name);
	blkio_destroy(&b);
	b = api_connect(false);
	check_unknown(b, name);
	ck_assert_ok(blkio_start(b));
	check_unknown(b, name);
	blkio_destroy(&b);
}
END_TEST

/* Out-parameters get a default on failures other than -ENOENT too. */
START_TEST(out_param_defaults)
{
	struct blkio *b = api_create();
	bool bv = true;
	int iv = 42;
	uint64_t uv = 42;
	char *sv = (char *)b;

	ck_assert_err(blkio_get_int(b, "request-alignment", &iv), -ENODEV,
		      MSG_NODEV);
	ck_assert_int_eq(iv, 0);
	ck_assert_err(blkio_get_uint64(b, "capacity", &uv), -ENODEV,
		      MSG_NODEV);
	ck_assert_uint_eq(uv, 0);
	ck_assert_err(blkio_get_str(b, "capacity", &sv), -ENODEV, MSG_NODEV);
	ck_assert_ptr_null(sv);
	ck_assert_err(blkio_get_bool(b, "driver", &bv), -ENOTTY, MSG_NOT_BOOL);
	ck_assert(!bv);
	blkio_destroy(&b);
}
END_TEST

static int backing_io_poll(void)
{
	char path[128];
	struct stat st;
	int v = -1;
	FILE *f;

	ck_assert_int_eq(stat(api_file(), &st), 0);
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/queue/io_poll",
		 major(st.st_dev), minor(st.st_dev));
	f = fopen(path, "r");
	if (!f) {
		snprintf(path, sizeof(path),
			 "/sys/dev/block/%u:%u/../queue/io_poll",
			 major(st.st_dev), minor(st.st_dev));
		f = fopen(path, "r");
	}
	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/*
 * Design §4: supports-poll-queues is false where the device cannot poll
 * (libblkio's zero-length probe says true); poll queues still start, and
 * say they busy-poll.
 */
START_TEST(supports_poll_queues_truthful)
{
	struct blkio *b;
	bool v = true;

	API_SKIP_IF_REFERENCE("libblkio's probe claims poll support");
	if (backing_io_poll() != 0) {
		api_note_skip(__func__, "cannot tell from sysfs whether the "
			      "device under BLKIO_TEST_DIR polls");
		return;
	}
	b = api_connect(true);
	ck_assert_ok(blkio_get_bool(b, "supports-poll-queues", &v));
	ck_assert(!v);
	ck_assert_int_eq(blkio_set_int(b, "num-poll-queues", 1), 0);
	ck_assert_ok(blkio_start(b));
	ck_assert_ptr_nonnull(blkio_get_poll_queue(b, 0));
	blkio_destroy(&b);
}
END_TEST

static Suite *properties_suite(void)
{
	Suite *s = suite_create("properties");
	TCase *tc;

	tc = tcase_create("table");
	tcase_add_loop_test(tc, wrong_type, 0, NR_PROPS);
	tcase_add_loop_test(tc, created_value, 0, NR_PROPS);
	tcase_add_loop_test(tc, connected_value, 0, 2 * NR_PROPS);
	tcase_add_loop_test(tc, set_read_only, 0, NR_PROPS);
	suite_add_tcase(s, tc);

	tc = tcase_create("set");
	tcase_add_loop_test(tc, set_created_only, 0, 4);
	tcase_add_test(tc, set_created_values);
	tcase_add_loop_test(tc, set_connected_only, 0, 3);
	tcase_add_test(tc, validation);
	tcase_add_test(tc, num_entries_too_large);
	tcase_add_test(tc, poll_queues_without_device_polling);
	tcase_add_test(tc, supports_poll_queues_truthful);
	tcase_add_test(tc, precedence_created);
	tcase_add_test(tc, precedence_started);
	tcase_add_test(tc, invalid_utf8);
	suite_add_tcase(s, tc);

	tc = tcase_create("strings");
	tcase_add_test(tc, get_str_formats);
	tcase_add_loop_test(tc, set_str_parsing, 0, NR_PARSE_CASES);
	tcase_add_loop_test(tc, unknown_name, 0, NR_UNKNOWN);
	tcase_add_test(tc, out_param_defaults);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	api_init();
	api_require_io_uring();
	return api_run(properties_suite());
}
