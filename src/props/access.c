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

#include "../core/error.h"
#include "../core/instance.h"
#include "../core/utf8.h"
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

/* A property of one instance: its descriptor and where its value lives. */
struct found {
	const struct prop *p;
	char *base;	/* the instance, or the driver's private data */
};

static int lookup(struct blkio *b, const char *name, struct found *f)
{
	bool in_driver;

	if (!b)
		return blkio_err(-EINVAL, "b must be non-NULL");
	if (!name || !utf8_valid(name))
		return blkio_err(-EINVAL, "Invalid property name");
	f->p = prop_find(b, name, &in_driver);
	if (!f->p)
		return blkio_err(-ENOENT, "Unknown property name");
	f->base = in_driver ? drv_priv(b) : (char *)b;
	return 0;
}

static void *field(const struct found *f)
{
	return f->base + f->p->offset;
}

static int read_value(struct blkio *b, const struct found *f,
		      union prop_val *v)
{
	const struct prop *p = f->p;

	if (p->read == READ_CONNECTED && b->state == STATE_CREATED)
		return blkio_err(-ENODEV, "Device must be connected");
	if (p->get)
		return p->get(b, v);

	switch (p->type) {
	case PROP_BOOL:
		v->b = *(bool *)field(f);
		break;
	case PROP_INT:
		v->i = *(int *)field(f);
		break;
	case PROP_UINT64:
		v->u = *(uint64_t *)field(f);
		break;
	case PROP_STR:
		v->s = prop_format(PROP_STR, &(union prop_val){
			.s = *(char **)field(f) });
		if (!v->s)
			return blkio_err(-ENOMEM, "Out of memory");
		break;
	}
	return 0;
}

static int write_value(struct blkio *b, const struct found *f,
		       const union prop_val *v)
{
	const struct prop *p = f->p;
	char *copy;

	if (p->write == WRITE_NEVER)
		return blkio_err(-EACCES, "Property is read-only");
	if (p->write == WRITE_CREATED && b->state != STATE_CREATED)
		return blkio_err(-EBUSY, "Cannot set property in connected state");
	if (p->write == WRITE_CONNECTED && b->state == STATE_CREATED)
		return blkio_err(-ENODEV, "Device must be connected");
	if (p->write == WRITE_CONNECTED && b->state == STATE_STARTED)
		return blkio_err(-EBUSY, "Cannot set property in started state");
	if (p->type == PROP_INT && p->range == RANGE_NON_NEGATIVE && v->i < 0)
		return blkio_err(-EINVAL, "%s must not be negative", p->name);
	if (p->type == PROP_INT && p->range == RANGE_POSITIVE && v->i <= 0)
		return blkio_err(-EINVAL, "%s must be greater than 0", p->name);
	if (p->set)
		return p->set(b, v);

	switch (p->type) {
	case PROP_BOOL:
		*(bool *)field(f) = v->b;
		break;
	case PROP_INT:
		*(int *)field(f) = v->i;
		break;
	case PROP_UINT64:
		*(uint64_t *)field(f) = v->u;
		break;
	case PROP_STR:
		copy = strdup(v->s);
		if (!copy)
			return blkio_err(-ENOMEM, "Out of memory");
		free(*(char **)field(f));
		*(char **)field(f) = copy;
		break;
	}
	return 0;
}

/* get for one type; *v is left zeroed (false, 0, NULL) on any failure. */
static int get_typed(struct blkio *b, const char *name, enum prop_type type,
		     union prop_val *v, const void *out)
{
	struct found f;
	int ret;

	ret = lookup(b, name, &f);
	if (ret)
		return ret;
	if (!out)
		return blkio_err(-EINVAL, "value must be non-NULL");
	if (f.p->type != type)
		return blkio_err(-ENOTTY, "%s", not_type_msg[type]);
	pthread_mutex_lock(&b->lock);
	ret = read_value(b, &f, v);
	pthread_mutex_unlock(&b->lock);
	return ret;
}

static int set_typed(struct blkio *b, const char *name, enum prop_type type,
		     const union prop_val *v)
{
	struct found f;
	int ret;

	ret = lookup(b, name, &f);
	if (ret)
		return ret;
	if (f.p->type != type)
		return blkio_err(-ENOTTY, "%s", type == PROP_UINT64 ?
				 "Property is not an unsigned 64-bit int" :
				 not_type_msg[type]);
	pthread_mutex_lock(&b->lock);
	ret = write_value(b, &f, v);
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
	struct found f;
	int ret;

	if (value)
		*value = NULL;
	ret = lookup(b, name, &f);
	if (ret)
		return ret;
	if (!value)
		return blkio_err(-EINVAL, "value must be non-NULL");
	pthread_mutex_lock(&b->lock);
	ret = read_value(b, &f, &v);
	pthread_mutex_unlock(&b->lock);
	if (ret)
		return ret;
	if (f.p->type != PROP_STR) {
		v.s = prop_format(f.p->type, &v);
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
	struct found f;
	union prop_val v;
	int ret;

	/* A value that is not text fails before the name is looked up. */
	if (b && name && utf8_valid(name) &&
	    (!value || !utf8_valid(value)))
		return blkio_err(-EINVAL, "Invalid value string");
	ret = lookup(b, name, &f);
	if (ret)
		return ret;
	if (prop_parse(f.p->type, value, &v) < 0)
		return blkio_err(-EINVAL, "%s", parse_msg[f.p->type]);
	pthread_mutex_lock(&b->lock);
	ret = write_value(b, &f, &v);
	pthread_mutex_unlock(&b->lock);
	return ret;
}
