/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * The io_uring property model.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-util.h"
#include "props-model.h"
#include "test-driver.h"

static const struct pm_prop pm_io_uring[] = {
	{ "buf-alignment", PM_INT, PM_RO_CONNECTED },
	{ "can-add-queues", PM_BOOL, PM_RO_PLAIN },
	{ "can-grow", PM_BOOL, PM_RO_PLAIN },
	{ "capacity", PM_U64, PM_RO_CONNECTED },
	{ "direct", PM_BOOL, PM_RW_CREATED },
	{ "discard-alignment", PM_INT, PM_RO_CONNECTED },
	{ "discard-alignment-offset", PM_INT, PM_RO_CONNECTED },
	{ "driver", PM_STR, PM_RO_PLAIN },
	{ "fd", PM_INT, PM_RW_CREATED },
	{ "flush-needed", PM_BOOL, PM_RO_PLAIN },
	{ "max-discard-len", PM_U64, PM_RO_CONNECTED },
	{ "max-mem-regions", PM_U64, PM_RO_PLAIN },
	{ "max-queues", PM_INT, PM_RO_PLAIN },
	{ "max-segment-len", PM_INT, PM_RO_CONNECTED },
	{ "max-segments", PM_INT, PM_RO_CONNECTED },
	{ "max-transfer", PM_INT, PM_RO_CONNECTED },
	{ "max-write-zeroes-len", PM_U64, PM_RO_CONNECTED },
	{ "may-pin-mem-regions", PM_BOOL, PM_RO_PLAIN },
	{ "mem-region-alignment", PM_U64, PM_RO_CONNECTED },
	{ "needs-mem-region-fd", PM_BOOL, PM_RO_PLAIN },
	{ "needs-mem-regions", PM_BOOL, PM_RO_PLAIN },
	{ "num-entries", PM_INT, PM_RW_CONNECTED },
	{ "num-poll-queues", PM_INT, PM_RW_CONNECTED },
	{ "num-queues", PM_INT, PM_RW_CONNECTED },
	{ "optimal-buf-alignment", PM_INT, PM_RO_CONNECTED },
	{ "optimal-io-alignment", PM_INT, PM_RO_CONNECTED },
	{ "optimal-io-size", PM_INT, PM_RO_CONNECTED },
	{ "path", PM_STR, PM_RW_CREATED },
	{ "read-only", PM_BOOL, PM_RW_CREATED },
	{ "request-alignment", PM_INT, PM_RO_CONNECTED },
	{ "supports-fua-natively", PM_BOOL, PM_RO_PLAIN },
	{ "supports-poll-queues", PM_BOOL, PM_RO_PLAIN },
};
#define PM_IO_URING_COUNT (sizeof(pm_io_uring) / sizeof(pm_io_uring[0]))

/* Beyond io_uring's: max-queue-size and device-timeout-ms. */
#define PM_MAX_PROPS (PM_IO_URING_COUNT + 2)

static struct pm_prop table[PM_MAX_PROPS];
static size_t table_count;
static int max_queue_size;

/*
 * io_uring's property as the driver under test has it.  The virtio-blk
 * drivers (contract §6.5) read their limits before connect
 * (limits_before_connect; capacity is the device's, after) but
 * max-queues and max-mem-regions only after, size queues with
 * queue-size (entries_prop), and have no "direct".
 */
static bool adapt(const struct test_driver *d, struct pm_prop *p)
{
	bool limit = p->access == PM_RO_CONNECTED &&
		     strcmp(p->name, "capacity") != 0;
	bool needs_device = strcmp(p->name, "max-queues") == 0 ||
			    strcmp(p->name, "max-mem-regions") == 0;

	if (!d->has_direct && strcmp(p->name, "direct") == 0)
		return false;
	if (strcmp(p->name, "num-entries") == 0)
		p->name = d->entries_prop;
	if (d->limits_before_connect && limit)
		p->access = PM_RO_PLAIN;
	if (d->limits_before_connect && needs_device)
		p->access = PM_RO_CONNECTED;
	return true;
}

/* The driver's properties io_uring lacks; returns how many. */
static size_t extra_props(const struct test_driver *d, struct pm_prop *x)
{
	size_t n = 0;

	if (d->entries_checked_by_setter)
		x[n++] = (struct pm_prop){ "max-queue-size", PM_INT,
					   PM_RO_PLAIN };
	if (d->has_device_timeout)
		x[n++] = (struct pm_prop){ "device-timeout-ms", PM_INT,
					   PM_RW_CREATED };
	return n;
}

/*
 * Built once, in io_uring's order, each property at io_uring's index
 * (the inputs pick names by index): one the driver lacks gives its place
 * to one io_uring lacks, the rest of those come last.  For io_uring and
 * linux-aio it is io_uring's table as it is.
 */
const struct pm_prop *pm_table(size_t *count)
{
	const struct test_driver *d = test_driver();
	struct pm_prop extra[2];
	size_t i, nx, next = 0;

	if (!table_count) {
		nx = extra_props(d, extra);
		for (i = 0; i < PM_IO_URING_COUNT; i++) {
			table[table_count] = pm_io_uring[i];
			if (adapt(d, &table[table_count]))
				table_count++;
			else if (next < nx)
				table[table_count++] = extra[next++];
		}
		while (next < nx)
			table[table_count++] = extra[next++];
	}
	*count = table_count;
	return table;
}

void pm_set_max_queue_size(int max)
{
	max_queue_size = max;
}

const char *const pm_names[] = {
	/* other drivers' properties: unknown to io_uring */
	"queue-size", "max-queue-size", "zoned", "max-active-zones",
	"max-open-zones", "zone-size", "nr-zones", "append-support",
	"zone-append-max-bytes",
	/* near misses */
	"num_entries", "read_only", "nr_zones", "Path", "path ", " path",
	"direct\n", "", "-", "capacity-", "num-queue", "driverx",
	"\xff", "pa\xc3\x28th", "\xed\xa0\x80", "\xf4\x90\x80\x80",
	"\xc0\xaf", "caf\xc3\xa9",
};
const size_t pm_names_count = sizeof(pm_names) / sizeof(pm_names[0]);

const struct pm_prop *pm_find(const char *name)
{
	const struct pm_prop *t;
	size_t i, n;

	t = pm_table(&n);
	for (i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return &t[i];
	return NULL;
}

/* Length of the UTF-8 sequence at s, 0 if it is not a valid one. */
static size_t utf8_seq(const unsigned char *s)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		unsigned char lo = c == 0xe0 ? 0xa0 : 0x80;
		unsigned char hi = c == 0xed ? 0x9f : 0xbf;	/* surrogates */

		return s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 ? 3 : 0;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		unsigned char lo = c == 0xf0 ? 0x90 : 0x80;
		unsigned char hi = c == 0xf4 ? 0x8f : 0xbf;	/* <= U+10FFFF */

		return s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 &&
		       (s[3] & 0xc0) == 0x80 ? 4 : 0;
	}
	return 0;
}

bool pm_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n = utf8_seq(p);

		if (!n)
			return false;
		p += n;
	}
	return true;
}

/* Rust integer parsing: one optional sign, then at least one digit. */
static bool parse_digits(const char *s, bool neg_ok, bool *neg,
			 unsigned __int128 *out, unsigned __int128 limit)
{
	unsigned __int128 v = 0;

	*neg = false;
	if (*s == '+' || (*s == '-' && neg_ok)) {
		*neg = *s == '-';
		s++;
	}
	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned int)(*s - '0');
		if (v > limit)
			return false;
	}
	*out = v;
	return true;
}

bool pm_parse(enum pm_type type, const char *s, union pm_val *v)
{
	unsigned __int128 n;
	bool neg;

	switch (type) {
	case PM_BOOL:
		if (strcmp(s, "true") && strcmp(s, "false"))
			return false;
		v->b = s[0] == 't';
		return true;
	case PM_INT:
		if (!parse_digits(s, true, &neg, &n, (unsigned __int128)INT_MAX + 1))
			return false;
		if (!neg && n > INT_MAX)
			return false;
		v->i = neg ? (int)(-(long long)n) : (int)n;
		return true;
	case PM_U64:
		if (!parse_digits(s, false, &neg, &n, UINT64_MAX))
			return false;
		v->u = (uint64_t)n;
		return true;
	default:
		v->s = s;
		return true;
	}
}

char *pm_format(enum pm_type type, const union pm_val *v)
{
	char *s = NULL;
	int ret = -1;

	switch (type) {
	case PM_BOOL:
		s = strdup(v->b ? "true" : "false");
		ret = s ? 0 : -1;
		break;
	case PM_INT:
		ret = asprintf(&s, "%d", v->i);
		break;
	case PM_U64:
		ret = asprintf(&s, "%llu", (unsigned long long)v->u);
		break;
	default:
		s = strdup(v->s);
		ret = s ? 0 : -1;
		break;
	}
	return ret < 0 ? NULL : s;
}

int pm_expect_get(enum pm_state st, const char *name, enum pm_type type)
{
	const struct pm_prop *p;

	if (!pm_utf8(name))
		return -EINVAL;
	p = pm_find(name);
	if (!p)
		return -ENOENT;
	if (type != PM_STR && type != p->type)
		return -ENOTTY;
	if (p->access == PM_RO_CONNECTED && st == PM_CREATED)
		return -ENODEV;
	return 0;
}

static int check_state(const struct pm_prop *p, enum pm_state st)
{
	switch (p->access) {
	case PM_RO_PLAIN:
	case PM_RO_CONNECTED:
		return -EACCES;
	case PM_RW_CREATED:
		return st == PM_CREATED ? 0 : -EBUSY;
	default:
		if (st == PM_CREATED)
			return -ENODEV;
		return st == PM_STARTED ? -EBUSY : 0;
	}
}

/* queue-size: a power of two the device takes (0: not known yet). */
static int check_queue_size(int v)
{
	if (v <= 0 || (v & (v - 1)) ||
	    (max_queue_size && v > max_queue_size))
		return -EINVAL;
	return 0;
}

static int check_value(const struct pm_prop *p, const union pm_val *v,
		       int *alt)
{
	const struct test_driver *d = test_driver();

	if (strcmp(p->name, "queue-size") == 0)
		return check_queue_size(v->i);
	if (strcmp(p->name, "device-timeout-ms") == 0)
		return v->i < 0 ? -EINVAL : 0;
	/* libblkio 1.4 and later refuse it where it means nothing. */
	if (strcmp(p->name, "fd") == 0 && !d->has_fd)
		return -ENOENT;
	if (strcmp(p->name, "num-entries") == 0) {
		if (v->i <= 0)
			return -EINVAL;
		if (v->i > 32768)	/* libblkio only refuses it at start */
			*alt = -EINVAL;
	} else if (strcmp(p->name, "num-queues") == 0 ||
		   strcmp(p->name, "num-poll-queues") == 0) {
		if (v->i < 0)
			return -EINVAL;
	} else if (strcmp(p->name, "fd") == 0) {
		if (v->i < -1)		/* not specified either way */
			*alt = -EINVAL;
	}
	return 0;
}

int pm_expect_set(enum pm_state st, const char *name, enum pm_type type,
		  const char *text, union pm_val *v, int *alt)
{
	const struct pm_prop *p;
	int ret;

	*alt = 1;	/* none */
	if (type == PM_STR && !pm_utf8(text) && pm_utf8(name) &&
	    !pm_find(name) && fz_avoid("setstr-value-order"))
		*alt = -ENOENT;
	if (!pm_utf8(name) || (type == PM_STR && !pm_utf8(text)))
		return -EINVAL;
	p = pm_find(name);
	if (!p)
		return -ENOENT;
	if (type == PM_STR) {
		if (!pm_parse(p->type, text, v))
			return -EINVAL;
	} else if (type != p->type) {
		return -ENOTTY;
	}
	ret = check_state(p, st);
	if (ret)
		return ret;
	return check_value(p, v, alt);
}
