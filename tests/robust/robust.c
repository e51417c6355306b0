/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Helpers shared by the robustness tests.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "robust.h"
#include "test-driver.h"

#define MAX_SCRATCH 16

static char *scratch[MAX_SCRATCH];
static int nr_scratch;
static char *own_dir;		/* mkdtemp'd by us, removed at cleanup */
static pid_t owner_pid;		/* forked children must not clean up */

void rb_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("SKIP: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	/* Print the reason on stdout too: meson shows it in the log. */
	va_start(ap, fmt);
	fputs("SKIP: ", stdout);
	vfprintf(stdout, fmt, ap);
	fputc('\n', stdout);
	va_end(ap);
	exit(77);
}

void rb_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("FATAL: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

void rb_cleanup(void)
{
	if (getpid() != owner_pid)
		return;
	while (nr_scratch > 0) {
		nr_scratch--;
		unlink(scratch[nr_scratch]);
		free(scratch[nr_scratch]);
	}
	if (own_dir) {
		rmdir(own_dir);
		free(own_dir);
		own_dir = NULL;
	}
}

/* Killed (meson timeout, ^C, a closed pipe): still remove the files. */
static void on_term(int sig)
{
	int i;

	if (getpid() == owner_pid) {
		for (i = 0; i < nr_scratch; i++)
			unlink(scratch[i]);
		if (own_dir)
			rmdir(own_dir);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void cleanup_on_signals(void)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGPIPE };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sigs); i++)
		signal(sigs[i], on_term);
}

static const char *test_dir(void)
{
	const char *dir = getenv("BLKIO_TEST_DIR");
	char tmpl[] = "/tmp/blkio-robust-XXXXXX";

	if (dir && dir[0])
		return dir;
	if (!own_dir) {
		if (!mkdtemp(tmpl))
			rb_die("mkdtemp: %s", strerror(errno));
		own_dir = strdup(tmpl);
	}
	return own_dir;
}

char *rb_scratch_file(uint64_t size)
{
	char *path;
	int fd;

	if (!owner_pid) {
		owner_pid = getpid();
		atexit(rb_cleanup);
		cleanup_on_signals();
	}
	if (nr_scratch == MAX_SCRATCH)
		rb_die("too many scratch files");
	if (asprintf(&path, "%s/robust-XXXXXX", test_dir()) < 0)
		rb_die("out of memory");
	fd = mkstemp(path);
	if (fd < 0)
		rb_die("mkstemp %s: %s", path, strerror(errno));
	scratch[nr_scratch++] = path;
	if (ftruncate(fd, (off_t)size) < 0)
		rb_die("ftruncate %s: %s", path, strerror(errno));
	close(fd);
	return path;
}

long long rb_env_ll(const char *name, long long def)
{
	const char *s = getenv(name);
	char *end;
	long long v;

	if (!s || !s[0])
		return def;
	errno = 0;
	v = strtoll(s, &end, 0);
	if (errno || *end)
		rb_die("%s=%s is not an integer", name, s);
	return v;
}

bool rb_reference(void)
{
	const char *s = getenv("BLKIO_REFERENCE");

	return s && strcmp(s, "1") == 0;
}

bool rb_slow_runtime(void)
{
	const char *preload = getenv("LD_PRELOAD");

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
	__has_feature(memory_sanitizer)
	return true;
#endif
#endif
	/* valgrind preloads its vgpreload_*.so into the client. */
	return preload && strstr(preload, "vgpreload");
}

bool rb_small_scale(void)
{
	const char *s = getenv("BLKIO_TEST_SCALE");

	return rb_slow_runtime() || (s && strcmp(s, "small") == 0);
}

uint64_t rb_rss_bytes(void)
{
	unsigned long size, resident;
	FILE *f = fopen("/proc/self/statm", "r");
	int n;

	if (!f)
		rb_die("/proc/self/statm: %s", strerror(errno));
	n = fscanf(f, "%lu %lu", &size, &resident);
	fclose(f);
	if (n != 2)
		rb_die("cannot parse /proc/self/statm");
	return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

int rb_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		rb_die("/proc/self/fd: %s", strerror(errno));
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;		/* the directory stream's own descriptor */
}

double rb_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline uint64_t pattern_word(uint64_t word, uint64_t seq)
{
	uint64_t w = word * 0x9e3779b97f4a7c15ULL ^
		     (seq + 1) * 0xc2b2ae3d27d4eb4fULL;

	return w ^ (w >> 29);
}

void rb_fill(uint8_t *buf, uint64_t off, size_t len, uint64_t seq)
{
	size_t i = 0;
	uint64_t w;

	/* Byte at file offset p is byte (p & 7) of pattern_word(p >> 3). */
	while (i < len && ((off + i) & 7)) {
		w = pattern_word((off + i) >> 3, seq);
		buf[i] = (uint8_t)(w >> (((off + i) & 7) * 8));
		i++;
	}
	for (; i + 8 <= len; i += 8) {
		w = htole64(pattern_word((off + i) >> 3, seq));
		memcpy(buf + i, &w, 8);
	}
	for (; i < len; i++) {
		w = pattern_word((off + i) >> 3, seq);
		buf[i] = (uint8_t)(w >> (((off + i) & 7) * 8));
	}
}

long rb_first_diff(const uint8_t *a, const uint8_t *b, size_t len)
{
	size_t i;

	if (memcmp(a, b, len) == 0)
		return -1;
	for (i = 0; i < len; i++)
		if (a[i] != b[i])
			return (long)i;
	return -1;
}

unsigned int rb_zeroes_modes(const char *path)
{
	unsigned int modes = 0;
	int fd = open(path, O_RDWR);

	if (fd < 0)
		rb_die("open %s: %s", path, strerror(errno));
	if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
		      4096) == 0)
		modes |= RB_PUNCH;
	if (fallocate(fd, FALLOC_FL_ZERO_RANGE, 0, 4096) == 0)
		modes |= RB_ZERO_RANGE;
	close(fd);
	return modes;
}

struct blkio *rb_start(const char *path, bool direct, int num_queues,
		       int num_entries)
{
	struct blkio *b;
	int ret;

	const struct test_driver *d = test_driver();
	char why[256], *target = NULL;

	/* A backend's driver connects to an export of the file. */
	if (d->needs_backend) {
		target = test_driver_export(path, false, why, sizeof(why));
		if (!target) {
			printf("SKIP: %s\n", why);
			exit(77);
		}
		path = target;
	}
	ret = blkio_create(d->name, &b);
	if (ret < 0)
		rb_die("blkio_create %s: %d %s", d->name, ret,
		       blkio_get_error_msg());
	ret = blkio_set_str(b, "path", path);
	if (ret == 0 && direct && d->has_direct)
		ret = blkio_set_bool(b, "direct", true);
	if (ret == 0)
		ret = blkio_connect(b);
	if (ret == 0)
		ret = blkio_set_int(b, "num-queues", num_queues);
	if (ret == 0 && num_entries > 0)
		ret = blkio_set_int(b, d->entries_prop, num_entries);
	if (ret == 0)
		ret = blkio_start(b);
	if (ret == 0)
		ret = test_driver_map_arena(b);
	if (ret < 0)
		rb_die("setting up %s on %s: %d %s", d->name, path,
		       ret, blkio_get_error_msg());
	free(target);
	return b;
}
