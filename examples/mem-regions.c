/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * mem-regions.c - do I/O from memory the library knows about.
 *
 * A memory region is a range of memory made known to the instance with
 * blkio_map_mem_region().  Some drivers can only do I/O from mapped
 * regions ("needs-mem-regions"), and some need them backed by a file
 * descriptor ("needs-mem-region-fd"); blkio_alloc_mem_region() hands out
 * memory that satisfies every driver.  The io_uring driver needs neither,
 * but a portable program maps its buffers anyway.
 *
 * The life cycle is: alloc (connected or started), map (started), I/O,
 * unmap (no request in flight may use it), free.
 *
 * Usage: mem-regions [PATH]
 * PATH is overwritten.  Without PATH a scratch file is used.
 */
#include <stdint.h>

#include "example-common.h"

#define IO_LEN (128 * 1024)

static void do_one(struct blkioq *q)
{
	struct blkio_completion c;
	int ret;

	ret = blkioq_do_io(q, &c, 1, 1, NULL);
	if (ret < 0)
		die("blkioq_do_io", ret);
	if (c.ret < 0)
		die_request(&c);
}

static void run(const char *path)
{
	struct blkio_mem_region region;
	unsigned char *wbuf, *rbuf;
	uint64_t align;
	struct blkioq *q;
	struct blkio *b;
	size_t len;
	bool needs;
	int ret;

	b = example_start(path);
	q = blkio_get_queue(b, 0);

	ret = blkio_get_bool(b, "needs-mem-regions", &needs);
	if (ret < 0)
		die("get needs-mem-regions", ret);
	printf("mem-regions: this driver %s mapped buffers\n",
	       needs ? "requires" : "does not require");

	/* The region's length must be a multiple of mem-region-alignment. */
	ret = blkio_get_uint64(b, "mem-region-alignment", &align);
	if (ret < 0)
		die("get mem-region-alignment", ret);
	len = (2 * IO_LEN + align - 1) / align * align;

	ret = blkio_alloc_mem_region(b, &region, len);
	if (ret < 0)
		die("blkio_alloc_mem_region", ret);
	ret = blkio_map_mem_region(b, &region);
	if (ret < 0)
		die("blkio_map_mem_region", ret);

	/* Any buffer inside a mapped region may be used for I/O. */
	wbuf = region.addr;
	rbuf = wbuf + IO_LEN;
	for (int i = 0; i < IO_LEN; i++)
		wbuf[i] = (unsigned char)(i * 13 + 1);
	memset(rbuf, 0, IO_LEN);

	blkioq_write(q, 0, wbuf, IO_LEN, NULL, 0);
	do_one(q);
	blkioq_read(q, 0, rbuf, IO_LEN, NULL, 0);
	do_one(q);
	if (memcmp(wbuf, rbuf, IO_LEN) != 0) {
		fprintf(stderr, "data read back differs from data written\n");
		exit(1);
	}

	/*
	 * Pass the struct exactly as alloc filled it in: regions are
	 * identified by their field values.  Unmap before free.
	 */
	blkio_unmap_mem_region(b, &region);
	blkio_free_mem_region(b, &region);

	/* Regions still allocated at this point would be freed here too. */
	blkio_destroy(&b);
	printf("mem-regions: %zu byte region allocated, mapped, used, "
	       "unmapped and freed\n", len);
}

int main(int argc, char **argv)
{
	run(example_path(argc, argv));
	return 0;
}
