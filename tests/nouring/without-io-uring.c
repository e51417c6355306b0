/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * without-io-uring: run a test program on a machine where io_uring is
 * unavailable, the way a container runtime or a hardened host makes it.
 *
 *   without-io-uring [--errno=ENOSYS|EPERM] [--sysctl] PROGRAM [ARG...]
 *
 * Default: install a seccomp filter (raw BPF, no libseccomp) that makes
 * io_uring_setup, io_uring_enter and io_uring_register fail with ENOSYS
 * (or EPERM), after PR_SET_NO_NEW_PRIVS; the filter is inherited by the
 * program, its threads and every process it forks.  --sysctl installs
 * nothing: kernel.io_uring_disabled is expected to be 2 already
 * (io-uring-disabled.sh sets it) and the calls to fail with EPERM.
 *
 * Before it runs PROGRAM (execv) it checks, and fails (exit 1) rather
 * than let the program pass without io_uring really being blocked:
 * - io_uring_setup fails with the errno (and, filtered, io_uring_enter
 *   and io_uring_register do too);
 * - an io_uring instance connects, and its blkio_start() fails with
 *   -errno and a message that names io_uring's replacement, "linux-aio";
 * - the driver under test (BLKIO_TEST_DRIVER) does not need io_uring
 *   (its capability row) and starts (test_driver_probe()).
 * Exits 77 with the reason where no seccomp filter can be installed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/io_uring.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <blkio.h>

#include "block-io-uring.h"
#include "test-driver.h"


static const char *me = "without-io-uring";

__attribute__((noreturn, format(printf, 2, 3)))
static void quit(int status, const char *fmt, ...)
{
	va_list ap;

	printf("%s: %s", me, status == 77 ? "SKIP: " :
			      status ? "FAIL: " : "");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	exit(status);
}

/* The errno of a system call that must fail, or 0 if it succeeded. */
static int failure(long ret)
{
	if (ret >= 0) {
		close((int)ret);
		return 0;
	}
	return errno;
}

static void check_calls(int err, bool filtered)
{
	struct io_uring_params p;
	int got;

	memset(&p, 0, sizeof(p));
	got = failure(syscall(__NR_io_uring_setup, 1, &p));
	if (got != err)
		quit(1, "io_uring_setup: %s, expected %s",
		     got ? strerror(got) : "succeeded", strerror(err));
	if (!filtered)
		return;
	/* Unfiltered, fd -1 would give EBADF. */
	got = failure(syscall(__NR_io_uring_enter, -1, 0, 0, 0, NULL, 0));
	if (got != err)
		quit(1, "io_uring_enter: %s, expected %s", strerror(got),
		     strerror(err));
	got = failure(syscall(__NR_io_uring_register, -1, 0, NULL, 0));
	if (got != err)
		quit(1, "io_uring_register: %s, expected %s", strerror(got),
		     strerror(err));
}

/*
 * An io_uring instance on a small memfd connects, then blkio_start()
 * must fail with -err and point at linux-aio.
 */
static void check_io_uring_instance(int err)
{
	struct blkio *b = NULL;
	const char *msg;
	int fd, ret;

	fd = memfd_create("without-io-uring", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, 1 << 16) < 0)
		quit(1, "memfd: %s", strerror(errno));
	ret = blkio_create("io_uring", &b);
	if (ret == 0)
		ret = blkio_set_int(b, "fd", fd);
	if (ret == 0)
		ret = blkio_connect(b);
	if (ret < 0)
		quit(1, "io_uring instance before start: %d %s", ret,
		     blkio_get_error_msg());
	ret = blkio_start(b);
	msg = blkio_get_error_msg();
	if (ret != -err)
		quit(1, "io_uring blkio_start: %d (%s), expected -%s", ret,
		     ret ? msg : "started", strerror(err));
	if (!strstr(msg, "linux-aio") || !strstr(msg, "io_uring"))
		quit(1, "io_uring blkio_start message names neither io_uring "
		     "nor linux-aio: \"%s\"", msg);
	printf("%s: io_uring blkio_start: %d \"%s\"\n", me, ret, msg);
	blkio_destroy(&b);
}

static void check_driver_under_test(void)
{
	char why[512];

	if (test_driver()->needs_io_uring)
		quit(1, "the %s driver needs io_uring (tests/common/"
		     "test-driver.c); tests/meson.build must not list it in "
		     "nouring_drivers", test_driver_name());
	if (test_driver_probe(why, sizeof(why)) < 0)
		quit(1, "%s", why);
}

static int parse_errno(const char *s)
{
	if (strcmp(s, "ENOSYS") == 0)
		return ENOSYS;
	if (strcmp(s, "EPERM") == 0)
		return EPERM;
	quit(2, "--errno=%s: ENOSYS or EPERM", s);
}

int main(int argc, char **argv)
{
	bool sysctl = false;
	int err = ENOSYS, i;

	for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strncmp(argv[i], "--errno=", 8) == 0)
			err = parse_errno(argv[i] + 8);
		else if (strcmp(argv[i], "--sysctl") == 0)
			sysctl = true;
		else
			quit(2, "unknown option %s", argv[i]);
	}
	if (i == argc)
		quit(2, "usage: %s [--errno=ENOSYS|EPERM] [--sysctl] PROGRAM "
		     "[ARG...]", me);
	if (sysctl) {
		err = EPERM;
	} else {
		int ret = block_io_uring(err);

		if (ret == -ENOTSUP)
			quit(77, "no seccomp architecture constant for this CPU");
		if (ret < 0)
			quit(77, "no seccomp filter: %s", strerror(-ret));
	}
	check_calls(err, !sysctl);
	check_io_uring_instance(err);
	check_driver_under_test();
	printf("%s: io_uring fails with %s (%s); running %s with %s\n", me,
	       strerror(err), sysctl ? "kernel.io_uring_disabled" :
	       "seccomp filter", argv[i], test_driver_name());
	fflush(stdout);
	execv(argv[i], argv + i);
	quit(1, "exec %s: %s", argv[i], strerror(errno));
}
