/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * The property tables are binary-searched, so they must be sorted and
 * unique; names are lowercase with hyphens, as libblkio spells them.
 */
#include <check.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/instance.h"
#include "props/props.h"

static void check_table(const struct prop *t, size_t n)
{
	size_t i;

	ck_assert_uint_gt(n, 0);
	for (i = 0; i < n; i++) {
		const char *c;

		ck_assert_ptr_nonnull(t[i].name);
		ck_assert_ptr_nonnull(t[i].doc);
		for (c = t[i].name; *c; c++)
			ck_assert_msg(islower((unsigned char)*c) || *c == '-',
				      "bad character in %s", t[i].name);
		if (i > 0)
			ck_assert_msg(strcmp(t[i - 1].name, t[i].name) < 0,
				      "%s must sort after %s", t[i].name,
				      t[i - 1].name);
		ck_assert_ptr_eq(prop_table_find(t, n, t[i].name), &t[i]);
	}
}

START_TEST(common_table_sorted)
{
	check_table(prop_common, prop_common_count);
}
END_TEST

/* The drivers with property tables of their own. */
static const char *const drivers_with_props[] = {
	"io_uring",
	"linux-aio",
	"nvme-io_uring",
};

START_TEST(driver_table_sorted_and_disjoint)
{
	const struct driver *d = driver_find(drivers_with_props[_i]);
	size_t i;

	ck_assert_ptr_nonnull(d);
	check_table(d->props, d->nr_props);
	for (i = 0; i < d->nr_props; i++)
		ck_assert_msg(!prop_table_find(prop_common, prop_common_count,
					       d->props[i].name),
			      "%s is in both tables", d->props[i].name);
}
END_TEST

/*
 * The virtio-blk drivers answer some common properties their own way
 * (libblkio 1.5: limits readable before connect, max-queues not, "fd"
 * refused): their table redefines those, which must keep the common
 * type, and adds only queue-size, max-queue-size and device-timeout-ms.
 */
static const char *const virtio_drivers[] = {
	"virtio-blk-vhost-user",
	"virtio-blk-vhost-vdpa",
};

START_TEST(virtio_table_overrides)
{
	const struct driver *d = driver_find(virtio_drivers[_i]);
	const struct prop *common;
	size_t i;

	ck_assert_ptr_nonnull(d);
	check_table(d->props, d->nr_props);
	for (i = 0; i < d->nr_props; i++) {
		const char *name = d->props[i].name;

		common = prop_table_find(prop_common, prop_common_count, name);
		if (!common) {
			ck_assert_msg(!strcmp(name, "queue-size") ||
				      !strcmp(name, "max-queue-size") ||
				      !strcmp(name, "device-timeout-ms"),
				      "%s is not a common property", name);
			continue;
		}
		ck_assert_msg(common->type == d->props[i].type,
			      "%s changes the common type", name);
	}
	ck_assert_ptr_nonnull(prop_table_find(d->props, d->nr_props,
					      "queue-size"));
}
END_TEST

START_TEST(unknown_names_not_found)
{
	ck_assert_ptr_null(prop_table_find(prop_common, prop_common_count,
					   "num_queues"));
	ck_assert_ptr_null(prop_table_find(prop_common, prop_common_count, ""));
	ck_assert_ptr_null(prop_table_find(prop_common, prop_common_count,
					   "zzz"));
}
END_TEST

START_TEST(parse_and_format)
{
	union prop_val v;
	char *s;

	ck_assert_int_eq(prop_parse(PROP_INT, "+5", &v), 0);
	ck_assert_int_eq(v.i, 5);
	ck_assert_int_eq(prop_parse(PROP_INT, "-2147483648", &v), 0);
	ck_assert_int_eq(v.i, -2147483647 - 1);
	ck_assert_int_lt(prop_parse(PROP_INT, "2147483648", &v), 0);
	ck_assert_int_lt(prop_parse(PROP_INT, " 5", &v), 0);
	ck_assert_int_lt(prop_parse(PROP_INT, "0x10", &v), 0);
	ck_assert_int_lt(prop_parse(PROP_INT, "-", &v), 0);
	ck_assert_int_eq(prop_parse(PROP_UINT64, "18446744073709551615", &v), 0);
	ck_assert_uint_eq(v.u, UINT64_MAX);
	ck_assert_int_lt(prop_parse(PROP_UINT64, "18446744073709551616", &v), 0);
	ck_assert_int_lt(prop_parse(PROP_UINT64, "-1", &v), 0);
	ck_assert_int_lt(prop_parse(PROP_BOOL, "TRUE", &v), 0);
	ck_assert_int_lt(prop_parse(PROP_BOOL, "1", &v), 0);

	v.u = UINT64_MAX;
	s = prop_format(PROP_UINT64, &v);
	ck_assert_str_eq(s, "18446744073709551615");
	free(s);
	v.i = -1;
	s = prop_format(PROP_INT, &v);
	ck_assert_str_eq(s, "-1");
	free(s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("prop-tables");
	TCase *tc = tcase_create("tables");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, common_table_sorted);
	tcase_add_loop_test(tc, virtio_table_overrides, 0,
			    sizeof(virtio_drivers) / sizeof(virtio_drivers[0]));
	tcase_add_loop_test(tc, driver_table_sorted_and_disjoint, 0,
			    sizeof(drivers_with_props) /
			    sizeof(drivers_with_props[0]));
	tcase_add_test(tc, unknown_names_not_found);
	tcase_add_test(tc, parse_and_format);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
