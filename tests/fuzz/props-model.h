/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * What the property API of the io_uring driver must answer (contract §3,
 * §6.3): the property table, the string conversions with Rust's parsing
 * rules, and the error precedence for get and set.  Other drivers'
 * tables are io_uring's changed as their capabilities say
 * (tests/common/test-driver.h; the virtio-blk drivers: contract §6.5).
 */
#ifndef BLKIO_FUZZ_PROPS_MODEL_H
#define BLKIO_FUZZ_PROPS_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum pm_type { PM_BOOL, PM_INT, PM_U64, PM_STR };

enum pm_access {
	PM_RO_PLAIN,		/* readable in every state, never writable */
	PM_RO_CONNECTED,	/* -ENODEV before connect, never writable */
	PM_RW_CREATED,		/* writable before connect only */
	PM_RW_CONNECTED,	/* writable between connect and start */
};

enum pm_state { PM_CREATED, PM_CONNECTED, PM_STARTED };

struct pm_prop {
	const char *name;
	enum pm_type type;
	enum pm_access access;
};

union pm_val {
	bool b;
	int i;
	uint64_t u;
	const char *s;
};

/* The driver under test's table, and its length. */
const struct pm_prop *pm_table(size_t *count);

/*
 * The connected device's max-queue-size, which bounds queue-size (the
 * virtio-blk drivers); 0 while unknown.
 */
void pm_set_max_queue_size(int max);

/* Names worth trying: the table, other drivers' names, near misses. */
extern const char *const pm_names[];
extern const size_t pm_names_count;

const struct pm_prop *pm_find(const char *name);

/* Strict UTF-8, as Rust's str::from_utf8 accepts it. */
bool pm_utf8(const char *s);

/* Rust FromStr for bool / i32 / u64; str accepts anything. */
bool pm_parse(enum pm_type type, const char *s, union pm_val *v);

/* The text blkio_get_str() gives for a value (caller frees). */
char *pm_format(enum pm_type type, const union pm_val *v);

/* Expected result (0 or -errno) of a typed get (type PM_STR = get_str). */
int pm_expect_get(enum pm_state st, const char *name, enum pm_type type);

/*
 * Expected result of a set.  For set_str, text is the string (type is
 * PM_STR); the parsed value is stored in *v when it parses.  A second
 * acceptable errno (or 0) goes to *alt for the few rules the contract
 * leaves open.
 */
int pm_expect_set(enum pm_state st, const char *name, enum pm_type type,
		  const char *text, union pm_val *v, int *alt);

#endif
