/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Shared helpers of the public-API contract tests.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/io_uring.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

static char scratch_dir[4096];
static char scratch_file[4096 + 16];
/* Check forks a child per case; only the process that set up cleans up. */
static pid_t owner_pid;

static int remove_one(const char *path, const struct stat *st, int flag,
		      struct FTW *ftw)
{
	remove(path);
	return 0;
}

static void cleanup(void)
{
	if (getpid() != owner_pid || !scratch_dir[0])
		return;
	nftw(scratch_dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

void api_skip(const char *why)
{
	printf("SKIP: %s\n", why);
	fflush(stdout);
	exit(API_EXIT_SKIP);
}

char *api_new_file(const char *name, uint64_t size)
{
	char *path;
	int fd;

	if (asprintf(&path, "%s/%s", scratch_dir, name) < 0)
		return NULL;
	fd = open(path, O_CREAT | O_RDWR | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		free(path);
		return NULL;
	}
	if (ftruncate(fd, (off_t)size) < 0) {
		close(fd);
		unlink(path);
		free(path);
		return NULL;
	}
	close(fd);
	return path;
}

void api_init(void)
{
	const char *base = getenv("BLKIO_TEST_DIR");
	char *file;

	if (!base || !*base)
		base = "/tmp";
	snprintf(scratch_dir, sizeof(scratch_dir), "%s/blkio-api-XXXXXX",
		 base);
	if (!mkdtemp(scratch_dir)) {
		char why[4200];

		snprintf(why, sizeof(why), "cannot create a directory in %s: %s",
			 base, strerror(errno));
		scratch_dir[0] = '\0';
		api_skip(why);
	}
	owner_pid = getpid();
	atexit(cleanup);

	file = api_new_file("disk.img", API_FILE_SIZE);
	if (!file)
		api_skip("cannot create the scratch file");
	snprintf(scratch_file, sizeof(scratch_file), "%s", file);
	free(file);
}

void api_require_io_uring(void)
{
	struct io_uring_params p = { 0 };
	long fd = syscall(__NR_io_uring_setup, 1, &p);

	if (fd < 0) {
		char why[128];

		snprintf(why, sizeof(why), "io_uring_setup failed: %s",
			 strerror(errno));
		api_skip(why);
	}
	close((int)fd);
}

const char *api_file(void)
{
	return scratch_file;
}

const char *api_dir(void)
{
	return scratch_dir;
}

bool api_reference(void)
{
	const char *v = getenv("BLKIO_REFERENCE");

	return v && strcmp(v, "1") == 0;
}

bool api_skip_deliberate(const char *func, const char *why)
{
	if (!api_reference())
		return false;
	/* differential.sh counts these lines. */
	fprintf(stderr, "API-DELIBERATE-SKIP: %s: %s\n", func, why);
	return true;
}

bool api_relaxed_for_reference(const char *func, const char *why)
{
	if (!api_reference())
		return false;
	fprintf(stderr, "API-DELIBERATE-RELAXED: %s: %s\n", func, why);
	return true;
}

void api_note_skip(const char *func, const char *why)
{
	fprintf(stderr, "API-PART-SKIP: %s: %s\n", func, why);
}

struct blkio *api_create(void)
{
	struct blkio *b = NULL;

	ck_assert_ok(blkio_create("io_uring", &b));
	ck_assert_ptr_nonnull(b);
	return b;
}

struct blkio *api_connect(bool direct)
{
	struct blkio *b = api_create();

	ck_assert_ok(blkio_set_str(b, "path", api_file()));
	ck_assert_ok(blkio_set_bool(b, "direct", direct));
	ck_assert_ok(blkio_connect(b));
	return b;
}

struct blkio *api_start(bool direct, int num_queues)
{
	struct blkio *b = api_connect(direct);

	ck_assert_ok(blkio_set_int(b, "num-queues", num_queues));
	ck_assert_ok(blkio_start(b));
	return b;
}

#define POISON "api-test-poison"

const char *api_poison_msg(void)
{
	void (*set_msg)(const char *, size_t);

	/*
	 * libblkio and we both export this helper; without it a known
	 * failure leaves a known message instead.
	 */
	*(void **)&set_msg = dlsym(RTLD_DEFAULT, "blkio_set_error_msg_");
	if (set_msg) {
		set_msg(POISON, strlen(POISON));
		return POISON;
	}
	blkio_create("io_uring", NULL);
	return "bp must be non-NULL";
}

int api_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

int api_fd_cloexec(int fd)
{
	int flags = fcntl(fd, F_GETFD);

	if (flags < 0)
		return -1;
	return (flags & FD_CLOEXEC) ? 1 : 0;
}

bool api_fd_is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}
