/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * blocking-io.c - the smallest complete blkio program.
 *
 * Opens a file or block device with the io_uring driver, writes a pattern
 * to its first 64 KiB, reads it back and compares.  Every request is
 * waited for with blkioq_do_io(min_completions = 1), which blocks, so no
 * event loop is needed.
 *
 * Usage: blocking-io [PATH]
 * PATH is overwritten.  Without PATH a scratch file is used.
 */
#include "example-common.h"

#define IO_LEN (64 * 1024)

/* Submits what is queued and blocks until its completion comes back. */
static void wait_one(struct blkioq *q)
{
	struct blkio_completion c;
	int ret;

	ret = blkioq_do_io(q, &c, 1, 1, NULL);
	if (ret < 0)
		die("blkioq_do_io", ret);
	/* A failed request is reported here, never by blkioq_read/write. */
	if (c.ret < 0)
		die_request(&c);
}

static void run(const char *path)
{
	unsigned char *wbuf, *rbuf;
	struct blkioq *q;
	struct blkio *b;
	int align;
	int ret;

	ret = blkio_create("io_uring", &b);
	if (ret < 0)
		die("blkio_create", ret);
	ret = blkio_set_str(b, "path", path);
	if (ret < 0)
		die("set path", ret);
	ret = blkio_connect(b);
	if (ret < 0)
		die("blkio_connect", ret);
	ret = blkio_start(b);	/* creates the default single queue */
	if (ret < 0)
		die("blkio_start", ret);
	q = blkio_get_queue(b, 0);

	/* Honour the buffer alignment the device asks for (O_DIRECT). */
	ret = blkio_get_int(b, "buf-alignment", &align);
	if (ret < 0)
		die("get buf-alignment", ret);
	wbuf = alloc_aligned(align, IO_LEN);
	rbuf = alloc_aligned(align, IO_LEN);
	for (int i = 0; i < IO_LEN; i++)
		wbuf[i] = (unsigned char)(i * 7 + 3);
	memset(rbuf, 0, IO_LEN);

	blkioq_write(q, 0, wbuf, IO_LEN, NULL, 0);
	wait_one(q);
	blkioq_read(q, 0, rbuf, IO_LEN, NULL, 0);
	wait_one(q);
	if (memcmp(wbuf, rbuf, IO_LEN) != 0) {
		fprintf(stderr, "data read back differs from data written\n");
		exit(1);
	}

	/* Closes the device and frees the queue; b becomes NULL. */
	blkio_destroy(&b);
	free(wbuf);
	free(rbuf);
}

int main(int argc, char **argv)
{
	run(example_path(argc, argv));
	printf("blocking-io: wrote and verified %d bytes\n", IO_LEN);
	return 0;
}
