/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Property descriptors.  Each driver has a sorted static table of its own
 * properties; the properties every driver shares live in common.c.
 */
#ifndef BLKIO_PROPS_H
#define BLKIO_PROPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct blkio;

enum prop_type {
	PROP_BOOL,
	PROP_INT,
	PROP_UINT64,
	PROP_STR,
};

/* When a property can be read. */
enum prop_read {
	READ_ALWAYS,		/* plain value: readable from creation on */
	READ_CONNECTED,		/* -ENODEV before blkio_connect() */
};

/* When a property can be written. */
enum prop_write {
	WRITE_NEVER,		/* -EACCES in every state */
	WRITE_CREATED,		/* before blkio_connect() */
	WRITE_CONNECTED,	/* between blkio_connect() and blkio_start() */
};

union prop_val {
	bool b;
	int i;
	uint64_t u;
	char *s;	/* get: malloc'd for the caller; set: borrowed */
};

struct prop {
	const char *name;
	enum prop_type type;
	enum prop_read read;
	enum prop_write write;

	/*
	 * Where the value lives: an offset from the start of the driver's
	 * instance (which begins with struct blkio), used when get/set is
	 * NULL.  A str at an offset is a char * owned by the instance.
	 */
	size_t offset;

	/* Compute the value (may be NULL). Called with the instance lock. */
	int (*get)(struct blkio *b, union prop_val *v);

	/* Validate and store (may be NULL). Called with the instance lock. */
	int (*set)(struct blkio *b, const union prop_val *v);

	/* One line for blkio(3) and tools. */
	const char *doc;
};

extern const struct prop prop_common[];
extern const size_t prop_common_count;

/* The descriptor for name, or NULL. */
const struct prop *prop_find(const struct blkio *b, const char *name);

/* Find a name in one sorted table (exposed for the table unit test). */
const struct prop *prop_table_find(const struct prop *table, size_t n,
				   const char *name);

/* Whether str is valid UTF-8, as libblkio (Rust) requires of names. */
bool prop_valid_utf8(const char *str);

/* Text forms used by blkio_get_str()/blkio_set_str(). */
char *prop_format(enum prop_type type, const union prop_val *v);
int prop_parse(enum prop_type type, const char *text, union prop_val *v);

#endif
