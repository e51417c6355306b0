/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Command line and reporting shared by uring-ref and api-loop:
 *
 *   PROG PATH DEPTH COUNT [direct|buffered [DRIVER]]
 *
 * COUNT is a number of I/Os, or a run time when it ends in "s" ("5s",
 * "0.5s"). The optional fourth argument "direct" (or "1") opens with
 * O_DIRECT; "buffered" (or "0") is the default. DRIVER is the blkio
 * driver api-loop uses (io_uring, the default, or linux-aio); uring-ref
 * accepts only io_uring.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* O_DIRECT */
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s PATH DEPTH COUNT[s] [direct|buffered [DRIVER]]\n"
		"  random %u-byte reads over PATH with DEPTH requests in flight;\n"
		"  COUNT I/Os, or COUNT seconds when it ends in 's'; DRIVER:\n"
		"  the blkio driver of api-loop (default io_uring)\n",
		prog, BENCH_BLOCK_SIZE);
}

static int parse_count(struct bench_args *args, const char *s)
{
	char *end;

	errno = 0;
	if (s[0] != '\0' && s[strlen(s) - 1] == 's') {
		args->seconds = strtod(s, &end);
		if (errno || *end != 's' || end[1] != '\0' || !(args->seconds > 0))
			return -1;
		return 0;
	}
	args->count = strtoull(s, &end, 10);
	if (errno || *end != '\0' || args->count == 0 || s[0] == '-')
		return -1;
	return 0;
}

static int parse_direct(struct bench_args *args, const char *s)
{
	if (!strcmp(s, "direct") || !strcmp(s, "1")) {
		args->direct = true;
		return 0;
	}
	if (!strcmp(s, "buffered") || !strcmp(s, "0")) {
		args->direct = false;
		return 0;
	}
	return -1;
}

int bench_parse_args(struct bench_args *args, int argc, char **argv)
{
	unsigned long depth;
	char *end;

	memset(args, 0, sizeof(*args));
	args->driver = "io_uring";
	if (argc < 4 || argc > 6)
		goto bad;
	args->path = argv[1];

	errno = 0;
	depth = strtoul(argv[2], &end, 10);
	if (errno || *end != '\0' || depth == 0 || depth > BENCH_MAX_DEPTH)
		goto bad;
	args->depth = depth;

	if (parse_count(args, argv[3]) < 0)
		goto bad;
	if (argc >= 5 && parse_direct(args, argv[4]) < 0)
		goto bad;
	if (argc == 6 && argv[5][0] != '\0')
		args->driver = argv[5];
	return 0;

bad:
	usage(argv[0]);
	return -1;
}

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

void bench_report(const struct bench_args *args, uint64_t ios, double secs)
{
	printf("%.3f kIOPS (%llu I/Os in %.3f s, depth %u, %s, %s)\n",
	       secs > 0 ? ios / secs / 1000.0 : 0.0,
	       (unsigned long long)ios, secs, args->depth,
	       args->direct ? "direct" : "buffered", args->driver);
}

int bench_open_target(const struct bench_args *args, uint64_t *nblocks)
{
	int fd = open(args->path, O_RDONLY | O_CLOEXEC |
				  (args->direct ? O_DIRECT : 0));
	uint64_t size;
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0)
		goto err;
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, &size) < 0)
			goto err;
	} else {
		size = (uint64_t)st.st_size;
	}
	*nblocks = size / BENCH_BLOCK_SIZE;
	if (*nblocks)
		return fd;
	errno = EINVAL;
err:
	fprintf(stderr, "%s: %s\n", args->path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}
