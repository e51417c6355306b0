/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Text forms of property values, exactly as libblkio reads and writes
 * them: "true"/"false" for bools (case-sensitive), plain decimal for
 * integers with an optional sign, no spaces, no hexadecimal.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "props.h"

char *prop_format(enum prop_type type, const union prop_val *v)
{
	char buf[32];

	switch (type) {
	case PROP_BOOL:
		return strdup(v->b ? "true" : "false");
	case PROP_INT:
		snprintf(buf, sizeof(buf), "%d", v->i);
		return strdup(buf);
	case PROP_UINT64:
		snprintf(buf, sizeof(buf), "%" PRIu64, v->u);
		return strdup(buf);
	case PROP_STR:
		return strdup(v->s ? v->s : "");
	}
	return NULL;
}

/* Decimal digits with an optional sign; returns false on anything else. */
static bool parse_decimal(const char *s, bool allow_minus, bool *negative,
			  uint64_t *magnitude)
{
	uint64_t m = 0;

	*negative = false;
	if (*s == '+' || (allow_minus && *s == '-'))
		*negative = *s++ == '-';
	if (!*s)
		return false;
	for (; *s; s++) {
		unsigned digit = (unsigned)(*s - '0');

		if (digit > 9 || m > (UINT64_MAX - digit) / 10)
			return false;
		m = m * 10 + digit;
	}
	*magnitude = m;
	return true;
}

int prop_parse(enum prop_type type, const char *text, union prop_val *v)
{
	bool negative;
	uint64_t m;

	switch (type) {
	case PROP_BOOL:
		if (strcmp(text, "true") == 0)
			v->b = true;
		else if (strcmp(text, "false") == 0)
			v->b = false;
		else
			return -EINVAL;
		return 0;
	case PROP_INT:
		if (!parse_decimal(text, true, &negative, &m) ||
		    m > (negative ? (uint64_t)INT_MAX + 1 : (uint64_t)INT_MAX))
			return -EINVAL;
		v->i = negative ? (int)(0 - m) : (int)m;
		return 0;
	case PROP_UINT64:
		if (!parse_decimal(text, false, &negative, &m))
			return -EINVAL;
		v->u = m;
		return 0;
	case PROP_STR:
		v->s = (char *)text;
		return 0;
	}
	return -EINVAL;
}
