/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Property descriptors: the form in which the core and each driver hand
 * their properties to the property engine (src/props).  A table is a
 * static const array sorted by name.
 */
#ifndef BLKIO_CORE_PROP_DESC_H
#define BLKIO_CORE_PROP_DESC_H

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

/* What an int property accepts (checked before set or store). */
enum prop_range {
	RANGE_ANY,
	RANGE_NON_NEGATIVE,	/* "NAME must not be negative" */
	RANGE_POSITIVE,		/* "NAME must be greater than 0" */
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
	enum prop_range range;	/* PROP_INT only */

	/*
	 * Where the value lives, used when get/set is NULL: an offset into
	 * struct blkio for the common table, into the driver's private data
	 * (drv_priv()) for a driver's table.  A str is a char * owned by
	 * the instance.
	 */
	size_t offset;

	/* Compute the value (may be NULL). Called with the instance lock. */
	int (*get)(struct blkio *b, union prop_val *v);

	/* Validate and store (may be NULL). Called with the instance lock. */
	int (*set)(struct blkio *b, const union prop_val *v);

	/* One line for blkio(3) and tools. */
	const char *doc;
};

#endif
