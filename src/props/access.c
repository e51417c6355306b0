/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * blkio_get_*() and blkio_set_*(): lookup, type and state rules, in the
 * order of precedence libblkio applies them (contract §3):
 *   invalid name -> unknown name -> wrong type -> unparsable text ->
 *   read-only -> wrong state -> value validation.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../core/driver.h"
#include "../core/error.h"
#include "props.h"

static const char *const not_type_msg[] = {
	[PROP_BOOL] = "Property is not a bool",
	[PROP_INT] = "Property is not an int",
	[PROP_UINT64] = "Property is not an unsigned 64-bit integer",
	[PROP_STR] = "Property is not a string",
};

static const char *const parse_msg[] = {
	[PROP_BOOL] = "Value must be \"true\" or \"false\"",
	[PROP_INT] = "Value must be a signed 32-bit integer",
	[PROP_UINT64] = "Value must be an unsigned 64-bit integer",
};

/* Strict UTF-8 check: Rust rejects overlongs, surrogates and > U+10FFFF. */
bool prop_valid_utf8(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	while (*s) {
		unsigned c = *s, n, cp, i;

		if (c < 0x80) {
			s++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3, cp = c & 0x07;
		else
			return false;
		for (i = 1; i <= n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i] & 0x3f);
		}
		if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			return false;
		s += n + 1;
	}
	return true;
}

static int lookup(struct blkio *b, const char *name, const struct prop **pp)
{
	if (!b)
		return blkio_err(-EINVAL, "b must be non-NULL");
	if (!name || !prop_valid_utf8(name))
		return blkio_err(-EINVAL, "Invalid property name");
	*pp = prop_find(b, name);
	if (!*pp)
		return blkio_err(-ENOENT, "Unknown property name");
	return 0;
}

static void *field(struct blkio *b, const struct prop *p)
{
	return (char *)b + p->offset;
}

static int read_value(struct blkio *b, const struct prop *p, union prop_val *v)
{
	if (p->read == READ_CONNECTED && b->state == STATE_CREATED)
		return blkio_err(-ENODEV, "Device must be connected");
	if (p->get)
		return p->get(b, v);

	switch (p->type) {
	case PROP_BOOL:
		v->b = *(bool *)field(b, p);
		break;
	case PROP_INT:
		v->i = *(int *)field(b, p);
		break;
	case PROP_UINT64:
		v->u = *(uint64_t *)field(b, p);
		break;
	case PROP_STR:
		v->s = prop_format(PROP_STR, &(union prop_val){
			.s = *(char **)field(b, p) });
		if (!v->s)
			return blkio_err(-ENOMEM, "Out of memory");
		break;
	}
	return 0;
}

static int write_value(struct blkio *b, const struct prop *p,
		       const union prop_val *v)
{
	char *copy;

	if (p->write == WRITE_NEVER)
		return blkio_err(-EACCES, "Property is read-only");
	if (p->write == WRITE_CREATED && b->state != STATE_CREATED)
		return blkio_err(-EBUSY, "Cannot set property in connected state");
	if (p->write == WRITE_CONNECTED && b->state == STATE_CREATED)
		return blkio_err(-ENODEV, "Device must be connected");
	if (p->write == WRITE_CONNECTED && b->state == STATE_STARTED)
		return blkio_err(-EBUSY, "Cannot set property in started state");
	if (p->set)
		return p->set(b, v);

	switch (p->type) {
	case PROP_BOOL:
		*(bool *)field(b, p) = v->b;
		break;
	case PROP_INT:
		*(int *)field(b, p) = v->i;
		break;
	case PROP_UINT64:
		*(uint64_t *)field(b, p) = v->u;
		break;
	case PROP_STR:
		copy = strdup(v->s);
		if (!copy)
			return blkio_err(-ENOMEM, "Out of memory");
		free(*(char **)field(b, p));
		*(char **)field(b, p) = copy;
		break;
	}
	return 0;
}

/* get for one type; *v is left zeroed (false, 0, NULL) on any failure. */
static int get_typed(struct blkio *b, const char *name, enum prop_type type,
		     union prop_val *v, const void *out)
{
	const struct prop *p;
	int ret;

	ret = lookup(b, name, &p);
	if (ret)
		return ret;
	if (!out)
		return blkio_err(-EINVAL, "value must be non-NULL");
	if (p->type != type)
		return blkio_err(-ENOTTY, "%s", not_type_msg[type]);
	pthread_mutex_lock(&b->lock);
	ret = read_value(b, p, v);
	pthread_mutex_unlock(&b->lock);
	return ret;
}

static int set_typed(struct blkio *b, const char *name, enum prop_type type,
		     const union prop_val *v)
{
	const struct prop *p;
	int ret;

	ret = lookup(b, name, &p);
	if (ret)
		return ret;
	if (p->type != type)
		return blkio_err(-ENOTTY, "%s", type == PROP_UINT64 ?
				 "Property is not an unsigned 64-bit int" :
				 not_type_msg[type]);
	pthread_mutex_lock(&b->lock);
	ret = write_value(b, p, v);
	pthread_mutex_unlock(&b->lock);
	return ret;
}

BLKIO_EXPORT int blkio_get_bool(struct blkio *b, const char *name, bool *value)
{
	union prop_val v = { 0 };
	int ret = get_typed(b, name, PROP_BOOL, &v, value);

	if (value)
		*value = ret ? false : v.b;
	return ret;
}

BLKIO_EXPORT int blkio_get_int(struct blkio *b, const char *name, int *value)
{
	union prop_val v = { 0 };
	int ret = get_typed(b, name, PROP_INT, &v, value);

	if (value)
		*value = ret ? 0 : v.i;
	return ret;
}

BLKIO_EXPORT int blkio_get_uint64(struct blkio *b, const char *name,
				  uint64_t *value)
{
	union prop_val v = { 0 };
	int ret = get_typed(b, name, PROP_UINT64, &v, value);

	if (value)
		*value = ret ? 0 : v.u;
	return ret;
}

BLKIO_EXPORT int blkio_get_str(struct blkio *b, const char *name, char **value)
{
	union prop_val v = { 0 };
	const struct prop *p;
	int ret;

	if (value)
		*value = NULL;
	ret = lookup(b, name, &p);
	if (ret)
		return ret;
	if (!value)
		return blkio_err(-EINVAL, "value must be non-NULL");
	pthread_mutex_lock(&b->lock);
	ret = read_value(b, p, &v);
	pthread_mutex_unlock(&b->lock);
	if (ret)
		return ret;
	if (p->type != PROP_STR) {
		v.s = prop_format(p->type, &v);
		if (!v.s)
			return blkio_err(-ENOMEM, "Out of memory");
	}
	*value = v.s;
	return 0;
}

BLKIO_EXPORT int blkio_set_bool(struct blkio *b, const char *name, bool value)
{
	return set_typed(b, name, PROP_BOOL, &(union prop_val){ .b = value });
}

BLKIO_EXPORT int blkio_set_int(struct blkio *b, const char *name, int value)
{
	return set_typed(b, name, PROP_INT, &(union prop_val){ .i = value });
}

BLKIO_EXPORT int blkio_set_uint64(struct blkio *b, const char *name,
				  uint64_t value)
{
	return set_typed(b, name, PROP_UINT64, &(union prop_val){ .u = value });
}

BLKIO_EXPORT int blkio_set_str(struct blkio *b, const char *name,
			       const char *value)
{
	const struct prop *p;
	union prop_val v;
	int ret;

	/* A value that is not text fails before the name is looked up. */
	if (b && name && prop_valid_utf8(name) &&
	    (!value || !prop_valid_utf8(value)))
		return blkio_err(-EINVAL, "Invalid value string");
	ret = lookup(b, name, &p);
	if (ret)
		return ret;
	if (prop_parse(p->type, value, &v) < 0)
		return blkio_err(-EINVAL, "%s", parse_msg[p->type]);
	pthread_mutex_lock(&b->lock);
	ret = write_value(b, p, &v);
	pthread_mutex_unlock(&b->lock);
	return ret;
}
