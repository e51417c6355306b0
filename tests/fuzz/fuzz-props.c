/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * fuzz-props: the property and life-cycle API with random names, types,
 * values and states.
 *
 * Input: up to PZ_MAX_OPS operations, each an opcode byte (create,
 * destroy, connect, start, get, set, queue, memory region; on one of two
 * instances) and its arguments.  Invariants checked on every call: a
 * failure is a negative errno with a non-empty message; get_* out
 * parameters are defaulted on failure; get_str results are freed (so
 * LeakSanitizer sees library leaks); for instances of the driver under
 * test (BLKIO_TEST_DRIVER, default io_uring) the exact result follows the contract's error precedence (props-model.c), set
 * values read back unchanged, and typed and string getters agree.  At the
 * end of every input no file descriptor may be left open.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "props-fuzz.h"
#include "test-driver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct pz_stats pz_stats;

static char *file_path;
static int file_fd = -1;
static char *exports[PZ_INSTANCES];

const char *pz_target(const struct pz_inst *in)
{
	return test_driver()->needs_backend ? exports[in->idx] : file_path;
}

static void print_stats(void)
{
	fprintf(stderr, "fuzz-props: %llu inputs, %llu ops, %llu library calls checked, %llu failures checked\n",
		(unsigned long long)pz_stats.inputs,
		(unsigned long long)pz_stats.ops,
		(unsigned long long)pz_stats.calls,
		(unsigned long long)pz_stats.failures_checked);
}

/*
 * A backend's driver: each instance gets its own export of the scratch
 * file for the whole run (exit 77 saying why where there can be none).
 */
static void export_file(void)
{
	char why[256];
	int i;

	if (!test_driver()->needs_backend)
		return;
	if (test_driver_probe(why, sizeof(why)) < 0) {
		fprintf(stderr, "SKIP: %s\n", why);
		exit(77);
	}
	for (i = 0; i < PZ_INSTANCES; i++) {
		exports[i] = test_driver_export(file_path, false, why,
						sizeof(why));
		if (!exports[i]) {
			fprintf(stderr, "fuzz-props: export: %s\n", why);
			exit(1);
		}
	}
}

static void setup_once(void)
{
	if (file_path)
		return;
	file_path = fz_scratch_path("props-file");
	file_fd = open(file_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (file_fd < 0 || ftruncate(file_fd, 1 << 20) < 0) {
		perror("fuzz-props: scratch file");
		exit(1);
	}
	export_file();
	atexit(print_stats);
}

/* ---- names and values ------------------------------------------------ */

static void pick_name(struct fz_in *fz, char *buf, size_t cap)
{
	uint8_t sel = fz_u8(fz) % 8;
	size_t n, count;
	const struct pm_prop *table = pm_table(&count);
	const char *base = table[fz_u8(fz) % count].name;

	switch (sel) {
	case 4:
		snprintf(buf, cap, "%s", pm_names[fz_u8(fz) % pm_names_count]);
		break;
	case 5:	/* raw bytes: invalid UTF-8, underscores, anything */
		n = fz_bytes(fz, buf, fz_u8(fz) % 48);
		buf[n] = '\0';
		break;
	case 6:	/* too long to be anything */
		n = 1 + fz_u16(fz) % (cap - 1);
		memset(buf, 'a', n);
		buf[n] = '\0';
		memcpy(buf, base, strlen(base) < n ? strlen(base) : n);
		break;
	case 7:	/* one byte changed */
		snprintf(buf, cap, "%s", base);
		n = strlen(buf);
		buf[fz_u8(fz) % n] ^= (char)(fz_u8(fz) | 1);
		break;
	default:
		snprintf(buf, cap, "%s", base);
		break;
	}
}

static const int int_values[] = {
	0, 1, -1, 2, 3, 4, 8, 16, 128, 1024, 4096, 32768, 32769, INT_MAX,
	INT_MIN, -2,
};

static const uint64_t u64_values[] = {
	0, 1, UINT64_MAX, 4096, 1ull << 32, 512,
};

static const char *const str_values[] = {
	"true", "false", "TRUE", "True", "1", "0", "-1", "+5", " 5", "5 ",
	"0x10", "", "18446744073709551615", "18446744073709551616",
	"2147483647", "2147483648", "-2147483648", "-2147483649", "+", "-",
	"-0", "+0", "007", "+-1", "io_uring", "\xff\xfe", "caf\xc3\xa9",
	"4", "128", "32768", "40000",
};

static void pick_text(struct fz_in *fz, char *buf, size_t cap)
{
	uint8_t sel = fz_u8(fz) % 4;
	size_t n;

	if (sel == 0) {
		n = fz_bytes(fz, buf, fz_u8(fz) % 40);
		buf[n] = '\0';
	} else if (sel == 1) {
		snprintf(buf, cap, "%d", (int)fz_u32(fz));
	} else {
		snprintf(buf, cap, "%s",
			 str_values[fz_u8(fz) % (sizeof(str_values) / sizeof(str_values[0]))]);
	}
}

/*
 * "path" values stay inside the scratch directory (a random name is
 * prefixed with it, slashes become underscores), so connect never opens
 * anything of the machine's.
 */
static void sanitize_path(const struct pz_inst *in, struct fz_in *fz,
			  char *buf, size_t cap)
{
	char name[64];
	size_t i;

	switch (fz_u8(fz) % 6) {
	case 0:
	case 1:
		snprintf(buf, cap, "%s", pz_target(in));
		return;
	case 2:
		buf[0] = '\0';
		return;
	case 3:
		snprintf(buf, cap, "%s", fz_scratch_dir());
		return;
	case 4:
		snprintf(buf, cap, "/dev/null");
		return;
	default:
		i = strnlen(buf, sizeof(name) - 1);
		memcpy(name, buf, i);
		name[i] = '\0';
		for (i = 0; name[i]; i++)
			if (name[i] == '/')
				name[i] = '_';
		snprintf(buf, cap, "%s/%s", fz_scratch_dir(), name);
		return;
	}
}

/*
 * "fd" values are never descriptors someone else owns (the library
 * closes the fd it connected with): -1, impossible numbers, or a dup of
 * our scratch file that we own until a connect succeeds.
 */
static int sanitize_fd(struct pz_inst *in, uint32_t v)
{
	static const int bad[] = { -1, -1, -2, INT_MIN, INT_MAX, 0x7fff0000 };

	/* libblkio's other drivers may close it on a failed connect */
	if (v % 4 == 3 && (in->strict || !fz_reference())) {
		if (in->our_fd < 0)
			in->our_fd = dup(file_fd);
		return in->our_fd;
	}
	return bad[v % (sizeof(bad) / sizeof(bad[0]))];
}

/* After a successful set of "fd" to something else, our dup is unused. */
static void forget_our_fd(struct pz_inst *in, int now)
{
	if (in->our_fd >= 0 && now != in->our_fd) {
		close(in->our_fd);
		in->our_fd = -1;
	}
}

/* ---- get ------------------------------------------------------------- */

static bool check_stored(const struct pz_inst *in, const char *name,
			 enum pm_type t, const union pm_val *v)
{
	if (strcmp(name, "driver") == 0)
		return t == PM_STR && strcmp(v->s, test_driver_name()) == 0;
	if (strcmp(name, "path") == 0)
		return strcmp(v->s, in->path ? in->path : "") == 0;
	/* A driver without "fd" reads -1 in every state. */
	if (strcmp(name, "fd") == 0)
		return in->fd_opened && test_driver()->has_fd ? v->i >= 0 :
								v->i == in->fd;
	if (strcmp(name, "direct") == 0)
		return v->b == in->direct;
	if (strcmp(name, "read-only") == 0)
		return v->b == in->readonly;
	if (strcmp(name, test_driver()->entries_prop) == 0)
		return in->num_entries < 0 || v->i == in->num_entries;
	if (strcmp(name, "num-queues") == 0)
		return v->i == in->num_queues;
	if (strcmp(name, "num-poll-queues") == 0)
		return v->i == in->num_poll_queues;
	return true;
}

/* A typed get and get_str must agree. */
static void check_str_agrees(struct pz_inst *in, const char *name,
			     enum pm_type t, const union pm_val *v)
{
	char *s = (char *)1, *want = pm_format(t, v);
	int ret = blkio_get_str(in->b, name, &s);

	pz_stats.calls++;
	FZ_CHECK(ret == 0 && s && want && strcmp(s, want) == 0,
		 "get_str(\"%s\") = %d \"%s\" but the typed getter gave \"%s\"",
		 name, ret, ret == 0 && s ? s : "", want ? want : "?");
	free(s);
	free(want);
}

/*
 * libblkio 1.5 leaves the out-parameter alone when the name is not UTF-8
 * (contract §3 says it is defaulted on every failure).
 */
static void ref_default(const char *name, bool *b, int *i, uint64_t *u,
			char **s)
{
	if (!fz_reference() || pm_utf8(name))
		return;
	*b = false;
	*i = 0;
	*u = 0;
	if (*s == (char *)1)
		*s = NULL;
}

static int typed_get(struct pz_inst *in, const char *name, enum pm_type t,
		     union pm_val *v, char **str)
{
	bool b = true;
	int i = 0x5a5a5a5a, ret;
	uint64_t u = 0x5a5a5a5a5a5a5a5aull;

	*str = (char *)1;
	ref_default(name, &b, &i, &u, str);
	switch (t) {
	case PM_BOOL:
		ret = blkio_get_bool(in->b, name, &b);
		FZ_CHECK(ret == 0 || !b, "get_bool failed (%d) but left true", ret);
		v->b = b;
		break;
	case PM_INT:
		ret = blkio_get_int(in->b, name, &i);
		FZ_CHECK(ret == 0 || i == 0, "get_int failed (%d) but left %d", ret, i);
		v->i = i;
		break;
	case PM_U64:
		ret = blkio_get_uint64(in->b, name, &u);
		FZ_CHECK(ret == 0 || u == 0, "get_uint64 failed (%d) but left %llu",
			 ret, (unsigned long long)u);
		v->u = u;
		break;
	default:
		ret = blkio_get_str(in->b, name, str);
		FZ_CHECK(ret == 0 ? *str != NULL : *str == NULL,
			 "get_str returned %d with value %p", ret, (void *)*str);
		v->s = *str;
		break;
	}
	return ret;
}

static void do_get(struct pz_inst *in, struct fz_in *fz)
{
	enum pm_type t = (enum pm_type)(fz_u8(fz) % 4);
	char name[512];
	union pm_val v;
	char *str;
	int ret, want;

	pick_name(fz, name, sizeof(name));
	ret = typed_get(in, name, t, &v, &str);
	fz_trace("get(type %d, \"%.40s\") = %d", t, name, ret);
	pz_stats.calls++;
	FZ_CHECK_ERR("blkio_get_*", ret);
	if (ret < 0)
		pz_stats.failures_checked++;
	if (in->strict) {
		want = pm_expect_get(in->state, name, t);
		FZ_CHECK(ret == want, "get(type %d, \"%s\") in state %d returned %d (%s), expected %d",
			 t, name, in->state, ret,
			 ret ? blkio_get_error_msg() : "", want);
		if (ret == 0) {
			const struct pm_prop *p = pm_find(name);
			union pm_val pv = v;

			if (t == PM_STR && p->type != PM_STR)
				FZ_CHECK(pm_parse(p->type, str, &pv),
					 "get_str(\"%s\") = \"%s\" does not parse",
					 name, str);
			FZ_CHECK(check_stored(in, name, p->type, &pv),
				 "\"%s\" reads back a value other than the one stored",
				 name);
			if (t != PM_STR)
				check_str_agrees(in, name, t, &v);
		}
	}
	if (t == PM_STR && ret == 0)
		free(str);
}

/* ---- set ------------------------------------------------------------- */

static int typed_set(struct pz_inst *in, const char *name, enum pm_type t,
		     const union pm_val *v)
{
	switch (t) {
	case PM_BOOL:
		return blkio_set_bool(in->b, name, v->b);
	case PM_INT:
		return blkio_set_int(in->b, name, v->i);
	case PM_U64:
		return blkio_set_uint64(in->b, name, v->u);
	default:
		return blkio_set_str(in->b, name, v->s);
	}
}

static void remember_set(struct pz_inst *in, const char *name,
			 const union pm_val *v)
{
	if (strcmp(name, "path") == 0) {
		free(in->path);
		in->path = strdup(v->s);
	} else if (strcmp(name, "fd") == 0) {
		in->fd = v->i;
	} else if (strcmp(name, "direct") == 0) {
		in->direct = v->b;
	} else if (strcmp(name, "read-only") == 0) {
		in->readonly = v->b;
	} else if (strcmp(name, test_driver()->entries_prop) == 0) {
		in->num_entries = v->i;
	} else if (strcmp(name, "num-queues") == 0) {
		in->num_queues = v->i;
	} else if (strcmp(name, "num-poll-queues") == 0) {
		in->num_poll_queues = v->i;
	}
}

/* Pick a value of type t for name; "path" and "fd" are sanitized. */
static void pick_value(struct pz_inst *in, struct fz_in *fz,
		       const char *name, enum pm_type t, union pm_val *v,
		       char *text, size_t cap)
{
	union pm_val parsed;

	switch (t) {
	case PM_BOOL:
		v->b = fz_u8(fz) & 1;
		break;
	case PM_INT:
		v->i = (fz_u8(fz) & 1) ? (int)fz_u32(fz) :
		       int_values[fz_u8(fz) % (sizeof(int_values) / sizeof(int_values[0]))];
		if (strcmp(name, "fd") == 0)
			v->i = sanitize_fd(in, fz_u32(fz));
		break;
	case PM_U64:
		v->u = (fz_u8(fz) & 1) ? fz_u64(fz) :
		       u64_values[fz_u8(fz) % (sizeof(u64_values) / sizeof(u64_values[0]))];
		break;
	default:
		pick_text(fz, text, cap);
		if (strcmp(name, "path") == 0 && pm_utf8(text))
			sanitize_path(in, fz, text, cap);
		if (strcmp(name, "fd") == 0 && pm_parse(PM_INT, text, &parsed))
			snprintf(text, cap, "%d", sanitize_fd(in, fz_u32(fz)));
		v->s = text;
		break;
	}
}

static void check_round_trip(struct pz_inst *in, const char *name,
			     const union pm_val *set)
{
	const struct pm_prop *p = pm_find(name);
	union pm_val got;
	char *str;
	int ret = typed_get(in, name, p->type, &got, &str);
	bool same;

	pz_stats.calls++;
	FZ_CHECK(ret == 0, "get \"%s\" right after a successful set failed: %d",
		 name, ret);
	switch (p->type) {
	case PM_BOOL:
		same = got.b == set->b;
		break;
	case PM_INT:
		same = got.i == set->i;
		break;
	case PM_U64:
		same = got.u == set->u;
		break;
	default:
		same = strcmp(got.s, set->s) == 0;
		free(str);
		break;
	}
	FZ_CHECK(same, "\"%s\" does not read back what was set", name);
}

static void do_set(struct pz_inst *in, struct fz_in *fz)
{
	enum pm_type t = (enum pm_type)(fz_u8(fz) % 4);
	char name[512], text[512];
	union pm_val v, parsed;
	int ret, want, alt;

	pick_name(fz, name, sizeof(name));
	pick_value(in, fz, name, t, &v, text, sizeof(text));
	ret = typed_set(in, name, t, &v);
	fz_trace("set(type %d, \"%.40s\", %.40s) = %d", t, name,
		 t == PM_STR ? v.s : "(value)", ret);
	pz_stats.calls++;
	FZ_CHECK_ERR("blkio_set_*", ret);
	if (ret < 0)
		pz_stats.failures_checked++;
	if (!in->strict) {
		if (ret == 0 && strcmp(name, "fd") == 0)
			forget_our_fd(in, t == PM_INT ? v.i : atoi(text));
		return;
	}
	parsed = v;
	want = pm_expect_set(in->state, name, t, t == PM_STR ? v.s : NULL,
			     &parsed, &alt);
	FZ_CHECK(ret == want || ret == alt,
		 "set(type %d, \"%s\", \"%s\") in state %d returned %d (%s), expected %d",
		 t, name, t == PM_STR ? v.s : "(typed)", in->state, ret,
		 ret ? blkio_get_error_msg() : "", want);
	if (ret != 0)
		return;
	remember_set(in, name, &parsed);
	if (strcmp(name, "fd") == 0)
		forget_our_fd(in, parsed.i);
	check_round_trip(in, name, &parsed);
}

void pz_prop_op(struct pz_inst *in, struct fz_in *fz)
{
	if (fz_u8(fz) & 1)
		do_set(in, fz);
	else
		do_get(in, fz);
}

/* ---- the input ------------------------------------------------------- */

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in fz = { data, size };
	struct pz_inst insts[PZ_INSTANCES];
	int fds_before, fds_after, n, i, cur = 0;

	setup_once();
	fz_trace_reset();
	pz_stats.inputs++;
	memset(insts, 0, sizeof(insts));
	for (i = 0; i < PZ_INSTANCES; i++) {
		insts[i].idx = i;
		insts[i].our_fd = -1;
	}
	fds_before = count_fds();

	for (n = 0; n < PZ_MAX_OPS && !fz_empty(&fz); n++) {
		uint8_t op = fz_u8(&fz);
		struct pz_inst *in = &insts[(op >> 7) & 1];

		pz_stats.ops++;
		if (((op >> 7) & 1) != cur)
			fz_trace("-- instance %d", cur = (op >> 7) & 1);
		op %= 16;
		if (op == 1) {
			pz_destroy(in);
		} else if (op == 0 || (!in->b && op < 12)) {
			pz_create(in, &fz);
		} else if (op == 2) {
			pz_connect(in);
		} else if (op == 3) {
			pz_start(in);
		} else if (op < 9) {
			pz_prop_op(in, &fz);
		} else if (op < 11) {
			pz_queue_op(in, &fz);
		} else if (in->b) {
			pz_region_op(in, &fz);
		}
	}
	for (i = 0; i < PZ_INSTANCES; i++)
		pz_destroy(&insts[i]);

	fds_after = count_fds();
	FZ_CHECK(fds_after == fds_before,
		 "%d file descriptors open before the input, %d after: leak",
		 fds_before, fds_after);
	return 0;
}
