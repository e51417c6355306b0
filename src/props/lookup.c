/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
#include <stdlib.h>
#include <string.h>

#include "../core/instance.h"
#include "props.h"

static int compare(const void *key, const void *elem)
{
	return strcmp(key, ((const struct prop *)elem)->name);
}

const struct prop *prop_table_find(const struct prop *table, size_t n,
				   const char *name)
{
	if (!table)
		return NULL;
	return bsearch(name, table, n, sizeof(*table), compare);
}

/* A driver's own property wins over a common one of the same name. */
const struct prop *prop_find(const struct blkio *b, const char *name,
			     bool *in_driver)
{
	const struct prop *p;

	p = prop_table_find(b->drv->props, b->drv->nr_props, name);
	*in_driver = p != NULL;
	if (!p)
		p = prop_table_find(prop_common, prop_common_count, name);
	return p;
}
