/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * vhost-user.c - I/O to a vhost-user-blk backend through memory regions.
 *
 * The virtio-blk-vhost-user driver talks to a backend process (for
 * example qemu-storage-daemon) over its unix socket, and the backend
 * reads and writes the application's buffers itself: it can only reach
 * memory it was given.  So every buffer must lie inside a memory region
 * that is mapped ("needs-mem-regions") and backed by a file descriptor
 * the backend can map ("needs-mem-region-fd").  blkio_alloc_mem_region()
 * hands out exactly such memory; map it after blkio_start().
 *
 * Start a backend first, e.g.:
 *   truncate -s 64M disk.img
 *   qemu-storage-daemon \
 *     --blockdev driver=file,node-name=file0,filename=disk.img \
 *     --blockdev driver=raw,node-name=disk0,file=file0 \
 *     --export type=vhost-user-blk,id=exp0,node-name=disk0,addr.type=unix,addr.path=vhost.sock,writable=on
 *
 * Usage: vhost-user SOCKET
 * The first 128 KiB of the exported disk are overwritten.
 */
#include <stdint.h>
#include <sys/uio.h>

#include "example-common.h"

#define IO_LEN (64 * 1024)

static void wait_one(struct blkioq *q)
{
	struct blkio_completion c;
	int ret = blkioq_do_io(q, &c, 1, 1, NULL);

	if (ret < 0)
		die("blkioq_do_io", ret);
	if (c.ret < 0)
		die_request(&c);
}

static struct blkio *open_backend(const char *sock)
{
	struct blkio *b;
	bool needs_regions;
	int ret;

	ret = blkio_create("virtio-blk-vhost-user", &b);
	if (ret < 0)
		die("blkio_create", ret);
	ret = blkio_set_str(b, "path", sock);
	if (ret < 0)
		die("path", ret);
	ret = blkio_connect(b);
	if (ret < 0)
		die("blkio_connect", ret);
	ret = blkio_get_bool(b, "needs-mem-regions", &needs_regions);
	if (ret < 0)
		die("needs-mem-regions", ret);
	printf("needs-mem-regions: %s\n", needs_regions ? "true" : "false");
	ret = blkio_start(b);
	if (ret < 0)
		die("blkio_start", ret);
	return b;
}

/* Region memory rounded up to what the driver wants. */
static void map_region(struct blkio *b, struct blkio_mem_region *r,
		       size_t len)
{
	uint64_t align;
	int ret;

	ret = blkio_get_uint64(b, "mem-region-alignment", &align);
	if (ret < 0)
		die("mem-region-alignment", ret);
	len = (len + align - 1) / align * align;
	ret = blkio_alloc_mem_region(b, r, len);
	if (ret < 0)
		die("blkio_alloc_mem_region", ret);
	ret = blkio_map_mem_region(b, r);
	if (ret < 0)
		die("blkio_map_mem_region", ret);
}

int main(int argc, char **argv)
{
	struct blkio_mem_region region;
	unsigned char *wbuf, *rbuf;
	struct blkio_completion c;
	struct iovec iov[2];
	struct blkioq *q;
	struct blkio *b;
	char stack_buf[512];
	size_t i;

	if (argc != 2) {
		fprintf(stderr, "usage: %s SOCKET\n", argv[0]);
		return 2;
	}
	b = open_backend(argv[1]);
	q = blkio_get_queue(b, 0);
	map_region(b, &region, 2 * IO_LEN);
	wbuf = region.addr;
	rbuf = wbuf + IO_LEN;

	for (i = 0; i < IO_LEN; i++)
		wbuf[i] = (unsigned char)(i * 7);
	/* FUA: durable when it completes (a flush after the write). */
	blkioq_write(q, 0, wbuf, IO_LEN, NULL, BLKIO_REQ_FUA);
	wait_one(q);

	/* Scatter the read back into two halves, both inside the region. */
	iov[0] = (struct iovec){ rbuf, IO_LEN / 2 };
	iov[1] = (struct iovec){ rbuf + IO_LEN / 2, IO_LEN / 2 };
	blkioq_readv(q, 0, iov, 2, NULL, 0);
	wait_one(q);
	if (memcmp(wbuf, rbuf, IO_LEN) != 0) {
		fprintf(stderr, "read back differs from what was written\n");
		return 1;
	}
	printf("wrote and read back %d KiB through the region\n",
	       IO_LEN / 1024);

	/* Memory outside every mapped region never reaches the backend. */
	blkioq_read(q, 0, stack_buf, sizeof(stack_buf), NULL, 0);
	if (blkioq_do_io(q, &c, 1, 1, NULL) != 1 || c.ret != -EFAULT) {
		fprintf(stderr, "a buffer outside the regions was accepted\n");
		return 1;
	}
	printf("stack buffer refused: %s\n", c.error_msg);

	/* No request may use the region any more; then give it back. */
	blkio_unmap_mem_region(b, &region);
	blkio_free_mem_region(b, &region);
	blkio_destroy(&b);
	return 0;
}
