/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * example-common.h - the helpers the examples share, so that each example
 * shows only its own subject: error exits, instance setup, aligned
 * buffers and the choice of the file to work on.
 */
#ifndef EXAMPLE_COMMON_H
#define EXAMPLE_COMMON_H

#include <blkio.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * blkio functions return a negative errno and leave a message for the
 * calling thread; print both and give up.
 */
static inline void die(const char *what, int ret)
{
	fprintf(stderr, "%s: %s (%s)\n", what, strerror(-ret),
		blkio_get_error_msg());
	exit(1);
}

/* A request failed: its completion carries the errno and maybe a message. */
static inline void die_request(const struct blkio_completion *c)
{
	fprintf(stderr, "request failed: %s (%s)\n", strerror(-c->ret),
		c->error_msg ? c->error_msg : "no message");
	exit(1);
}

/* A plain system call failed. */
static inline void die_errno(const char *what)
{
	perror(what);
	exit(1);
}

/*
 * An io_uring instance for path, connected and started with the default
 * single queue (blocking-io.c spells these steps out one by one).
 */
static inline struct blkio *example_start(const char *path)
{
	struct blkio *b;
	int ret;

	ret = blkio_create("io_uring", &b);
	if (ret < 0)
		die("blkio_create", ret);
	ret = blkio_set_str(b, "path", path);
	if (ret == 0)
		ret = blkio_connect(b);
	if (ret == 0)
		ret = blkio_start(b);
	if (ret < 0)
		die(path, ret);
	return b;
}

/* I/O buffers aligned as the device wants them (see "buf-alignment"). */
static inline void *alloc_aligned(size_t align, size_t len)
{
	void *buf;

	if (align < sizeof(void *))
		align = sizeof(void *);
	if (posix_memalign(&buf, align, len) != 0) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	return buf;
}

static char *example_scratch;

static inline void example_remove_scratch(void)
{
	unlink(example_scratch);
	free(example_scratch);
}

/*
 * The path given on the command line, or else an empty scratch file in
 * $BLKIO_TEST_DIR (default /tmp) that is removed again at exit.  Regular
 * files can grow, so writing to an empty one is fine.
 */
static inline const char *example_path(int argc, char **argv)
{
	const char *dir = getenv("BLKIO_TEST_DIR");
	size_t len;
	int fd;

	if (argc > 2) {
		fprintf(stderr, "usage: %s [PATH]\n", argv[0]);
		exit(2);
	}
	if (argc == 2)
		return argv[1];

	if (!dir || !*dir)
		dir = "/tmp";
	len = strlen(dir) + sizeof("/blkio-example.XXXXXX");
	example_scratch = malloc(len);
	if (!example_scratch)
		exit(1);
	snprintf(example_scratch, len, "%s/blkio-example.XXXXXX", dir);
	fd = mkstemp(example_scratch);
	if (fd < 0)
		die_errno(example_scratch);
	close(fd);
	atexit(example_remove_scratch);
	return example_scratch;
}

#endif
