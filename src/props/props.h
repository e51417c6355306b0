/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * The property engine.  It knows the common table (common.c) and the table
 * a driver hands over in its struct driver; it includes no driver and calls
 * no driver function (capacity comes through the core).
 */
#ifndef BLKIO_PROPS_H
#define BLKIO_PROPS_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/prop-desc.h"

struct blkio;

extern const struct prop prop_common[];
extern const size_t prop_common_count;

/*
 * The descriptor for name, or NULL; *in_driver says whether it came from
 * the driver's table (its offset is then into the private data).
 */
const struct prop *prop_find(const struct blkio *b, const char *name,
			     bool *in_driver);

/* Find a name in one sorted table (exposed for the table unit test). */
const struct prop *prop_table_find(const struct prop *table, size_t n,
				   const char *name);

/* Text forms used by blkio_get_str()/blkio_set_str(). */
char *prop_format(enum prop_type type, const union prop_val *v);
int prop_parse(enum prop_type type, const char *text, union prop_val *v);

#endif
