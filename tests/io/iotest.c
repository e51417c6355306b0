/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Shared helpers of the data-path tests (see iotest.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iotest.h"
#include "test-driver.h"

static char *private_dir;
static pid_t private_dir_owner;

bool iot_reference(void)
{
	const char *v = getenv("BLKIO_REFERENCE");

	return v && strcmp(v, "1") == 0;
}

bool iot_under_valgrind(void)
{
	const char *p = getenv("LD_PRELOAD");

	/* valgrind preloads its vgpreload_*.so into every client. */
	return p && strstr(p, "vgpreload");
}

int iot_max_queues(int want)
{
	const struct test_driver *d = test_driver();
	int n;

	/* A fixed device has the queues its VM gave it (tests/vm). */
	if (!d->needs_backend || d->fixed_device)
		return want;
	n = test_driver_export_queues();
	return n < want ? n : want;
}

void iot_note_skip(const char *what, const char *why)
{
	fprintf(stderr, "SKIP case %s: %s\n", what, why);
}

void iot_skip(const char *why)
{
	fprintf(stderr, "SKIP: %s\n", why);
	exit(IOT_SKIP);
}

void iot_require_property(const char *prop, const char *value)
{
	struct blkio *b;
	int ret;

	if (iot_reference()) {
		fprintf(stderr, "SKIP: %s is ours (libblkio lacks it)\n", prop);
		exit(IOT_SKIP);
	}
	ret = blkio_create(test_driver_name(), &b);
	if (ret == 0) {
		ret = blkio_set_str(b, prop, value);
		blkio_destroy(&b);
	}
	if (ret < 0) {
		fprintf(stderr, "SKIP: %s=%s: %s (driver %s)\n", prop, value,
			blkio_get_error_msg(), test_driver_name());
		exit(IOT_SKIP);
	}
}

/* Only the process that made it: Check's forked children share it. */
static void remove_private_dir(void)
{
	if (private_dir && getpid() == private_dir_owner)
		rmdir(private_dir);
}

const char *iot_dir(void)
{
	const char *d = getenv("BLKIO_TEST_DIR");
	static char tmpl[] = "/tmp/blkio-io-XXXXXX";

	if (d && *d) {
		/* Created on demand, so any path will do; left in place. */
		mkdir(d, 0755);
		return d;
	}
	if (!private_dir) {
		private_dir = mkdtemp(tmpl);
		if (!private_dir) {
			perror("mkdtemp /tmp/blkio-io-XXXXXX");
			exit(EXIT_FAILURE);
		}
		private_dir_owner = getpid();
		atexit(remove_private_dir);
	}
	return private_dir;
}

/*
 * The file is unlinked at once and named through /proc/self/fd, so it
 * disappears with the process even when a failing test skips teardown.
 */
char *iot_make_file(const char *tag, uint64_t size, uint32_t seed)
{
	const size_t chunk = 1 << 20;
	char *name, *path, *buf;
	uint64_t off;
	int fd;

	ck_assert(asprintf(&name, "%s/io-%s-XXXXXX", iot_dir(), tag) > 0);
	fd = mkstemp(name);
	ck_assert_msg(fd >= 0, "mkstemp %s: %s", name, strerror(errno));
	unlink(name);
	free(name);
	ck_assert_int_eq(ftruncate(fd, (off_t)size), 0);
	if (seed) {
		buf = malloc(chunk);
		ck_assert_ptr_nonnull(buf);
		for (off = 0; off < size; off += chunk) {
			size_t n = size - off < chunk ? size - off : chunk;

			test_fill(buf, n, off, seed);
			ck_assert_int_eq(pwrite(fd, buf, n, (off_t)off),
					 (ssize_t)n);
		}
		free(buf);
	}
	ck_assert(asprintf(&path, "/proc/self/fd/%d", fd) > 0);
	return path;
}

void iot_remove_file(char **pathp)
{
	int fd;

	if (*pathp) {
		if (sscanf(*pathp, "/proc/self/fd/%d", &fd) == 1)
			close(fd);
		free(*pathp);
		*pathp = NULL;
	}
}

static void set_int(struct blkio *b, const char *name, int value)
{
	int ret = blkio_set_int(b, name, value);

	ck_assert_msg(ret == 0, "set %s=%d: %d %s", name, value, ret,
		      blkio_get_error_msg());
}

/* The target for drivers served by a backend: the export's socket. */
static char *backend_path(const char *path, bool read_only)
{
	char why[256], *sock = test_driver_export(path, read_only, why,
						  sizeof(why));

	if (!sock)
		iot_skip(why);
	return sock;
}

struct blkio *iot_open(const char *path, const struct iot_opts *o)
{
	const struct test_driver *d = test_driver();
	char *target = d->needs_backend ? backend_path(path, o->read_only) :
					  strdup(path);
	struct blkio *b;
	int ret;

	ret = blkio_create(d->name, &b);
	ck_assert_msg(ret == 0, "create: %d %s", ret, blkio_get_error_msg());
	ck_assert_int_eq(blkio_set_str(b, "path", target), 0);
	if (d->has_direct)
		ck_assert_int_eq(blkio_set_bool(b, "direct", o->direct), 0);
	ck_assert_int_eq(blkio_set_bool(b, "read-only", o->read_only), 0);
	if (o->prop) {
		ret = blkio_set_str(b, o->prop, o->value);
		ck_assert_msg(ret == 0, "%s=%s: %s", o->prop, o->value,
			      blkio_get_error_msg());
	}
	ret = blkio_connect(b);
	ck_assert_msg(ret == 0, "connect %s: %d %s", target, ret,
		      blkio_get_error_msg());
	free(target);
	if (o->num_entries)
		set_int(b, d->entries_prop, d->has_direct ? o->num_entries :
			(int)iot_pow2((unsigned)o->num_entries));
	if (o->num_queues)
		set_int(b, "num-queues", o->num_queues);
	ret = blkio_start(b);
	ck_assert_msg(ret == 0, "start: %d %s", ret, blkio_get_error_msg());
	ret = test_driver_map_arena(b);
	ck_assert_msg(ret == 0, "map the buffer arena: %d %s", ret,
		      blkio_get_error_msg());
	return b;
}

unsigned iot_pow2(unsigned n)
{
	unsigned p = 1;

	while (p < n)
		p *= 2;
	return p;
}

void *iot_alloc(size_t len)
{
	void *p = test_buf_alloc(len);

	ck_assert_msg(p, "out of memory for a %zu-byte test buffer", len);
	return p;
}

void iot_free(void *p)
{
	test_buf_free(p);
}

void iot_pread(const char *path, void *buf, size_t len, uint64_t offset)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	n = pread(fd, buf, len, (off_t)offset);
	ck_assert_msg(n == (ssize_t)len, "pread %s: %zd", path, n);
	close(fd);
}

void iot_pwrite(const char *path, const void *buf, size_t len,
		uint64_t offset)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	n = pwrite(fd, buf, len, (off_t)offset);
	ck_assert_msg(n == (ssize_t)len, "pwrite %s: %zd", path, n);
	ck_assert_int_eq(fsync(fd), 0);
	close(fd);
}

void iot_wait1(struct blkioq *q, struct blkio_completion *c)
{
	iot_wait_n(q, c, 1);
}

void iot_wait_n(struct blkioq *q, struct blkio_completion *c, int n)
{
	int got = 0, ret;

	memset(c, 0xa5, sizeof(*c) * (size_t)n);
	while (got < n) {
		ret = blkioq_do_io(q, c + got, 1, n - got, NULL);
		ck_assert_msg(ret >= 1 && ret <= n - got,
			      "do_io returned %d (%s)", ret,
			      ret < 0 ? blkio_get_error_msg() : "");
		got += ret;
	}
}

void iot_assert_reserved_zero(const struct blkio_completion *c)
{
	size_t i;

	for (i = 0; i < sizeof(c->reserved_); i++)
		ck_assert_msg(c->reserved_[i] == 0,
			      "reserved_[%zu] = 0x%02x", i, c->reserved_[i]);
}

void iot_assert_ok(const struct blkio_completion *c, void *user_data)
{
	ck_assert_ptr_eq(c->user_data, user_data);
	ck_assert_msg(c->ret == 0, "request %p failed: %d %s", user_data,
		      c->ret, c->error_msg ? c->error_msg : "(no message)");
	ck_assert_ptr_null(c->error_msg);
	iot_assert_reserved_zero(c);
}

void iot_drain_fd(int fd)
{
	uint64_t v;

	while (read(fd, &v, sizeof(v)) == sizeof(v))
		;
}

bool iot_fd_readable(int fd, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int ret;

	do {
		ret = poll(&pfd, 1, timeout_ms);
	} while (ret < 0 && errno == EINTR);
	return ret == 1 && (pfd.revents & POLLIN);
}

int iot_run(Suite *s)
{
	SRunner *sr;
	int failed;

	test_driver_require_export();
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
