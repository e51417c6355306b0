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

const struct pm_prop pm_io_uring[] = {
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
const size_t pm_io_uring_count = sizeof(pm_io_uring) / sizeof(pm_io_uring[0]);

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
	size_t i;

	for (i = 0; i < pm_io_uring_count; i++)
		if (strcmp(pm_io_uring[i].name, name) == 0)
			return &pm_io_uring[i];
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

static int check_value(const struct pm_prop *p, const union pm_val *v,
		       int *alt)
{
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
