/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * consumer.c - what a program that links blkio does first: write a block
 * to a file through the io_uring driver, read it back and compare.
 *
 * Usage: consumer [PATH]
 * Without PATH, a scratch file in $BLKIO_TEST_DIR (default /tmp), removed
 * at exit.
 */
#include <blkio.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LEN 4096

static char scratch[4096];

static void fail(const char *what, int ret)
{
	fprintf(stderr, "consumer: %s: %s (%s)\n", what, strerror(-ret),
		blkio_get_error_msg());
	if (scratch[0])
		unlink(scratch);
	exit(1);
}

/* Queue one request, wait for it, and fail on its error. */
static void complete_one(struct blkioq *q, const char *what)
{
	struct blkio_completion c;
	int ret = blkioq_do_io(q, &c, 1, 1, NULL);

	if (ret != 1)
		fail(what, ret < 0 ? ret : -EIO);
	if (c.ret < 0) {
		fprintf(stderr, "consumer: %s: %s (%s)\n", what,
			strerror(-c.ret), c.error_msg ? c.error_msg : "");
		if (scratch[0])
			unlink(scratch);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : NULL;
	unsigned char *wbuf, *rbuf;
	struct blkioq *q;
	struct blkio *b;
	char *driver;
	int ret;

	if (!path) {
		const char *dir = getenv("BLKIO_TEST_DIR");
		int fd;

		snprintf(scratch, sizeof(scratch), "%s/consumer.XXXXXX",
			 dir && *dir ? dir : "/tmp");
		fd = mkstemp(scratch);
		if (fd < 0) {
			perror(scratch);
			return 1;
		}
		close(fd);
		path = scratch;
	}

	ret = blkio_create("io_uring", &b);
	if (ret < 0)
		fail("blkio_create", ret);
	ret = blkio_set_str(b, "path", path);
	if (ret == 0)
		ret = blkio_connect(b);
	if (ret == 0)
		ret = blkio_start(b);
	if (ret < 0)
		fail(path, ret);
	q = blkio_get_queue(b, 0);

	if (posix_memalign((void **)&wbuf, 4096, LEN) ||
	    posix_memalign((void **)&rbuf, 4096, LEN))
		fail("posix_memalign", -ENOMEM);
	for (int i = 0; i < LEN; i++)
		wbuf[i] = (unsigned char)(i * 7 + 1);
	memset(rbuf, 0, LEN);

	blkioq_write(q, 0, wbuf, LEN, NULL, 0);
	complete_one(q, "write");
	blkioq_flush(q, NULL, 0);
	complete_one(q, "flush");
	blkioq_read(q, 0, rbuf, LEN, NULL, 0);
	complete_one(q, "read");
	if (memcmp(wbuf, rbuf, LEN) != 0)
		fail("read back", -EIO);

	ret = blkio_get_str(b, "driver", &driver);
	if (ret < 0)
		fail("blkio_get_str(driver)", ret);
	printf("consumer: %s wrote and read back %d bytes\n", driver, LEN);

	free(driver);
	free(wbuf);
	free(rbuf);
	blkio_destroy(&b);
	if (scratch[0])
		unlink(scratch);
	return 0;
}
