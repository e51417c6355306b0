/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * vdpa-death: a virtio-blk-vhost-vdpa device that stops answering gives
 * errors, never a hang.  qemu-storage-daemon serves a VDUSE device
 * (tests/common/vduse.h); after a verified write and read on a regular
 * and a poll queue the daemon is killed.  A VDUSE device whose daemon
 * died keeps its status, so only device-timeout-ms can notice: requests
 * then in flight, on both queues, must complete with -EIO within it
 * (plus one check period), later ones at once, and blkio_destroy() must
 * return (VDUSE's own message timeout is lowered to MSG_TIMEOUT for
 * that: each reset of the dead device waits for it once).
 *
 *   vdpa-death            (root, vduse and vhost_vdpa loaded)
 *
 * Public API only, plus the tests' VDUSE export helper.  An alarm turns
 * a hang into a failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <blkio.h>

#include "vduse.h"

#define IMAGE_SIZE (16 << 20)
#define DEVICE_TIMEOUT_MS 3000
#define MSG_TIMEOUT 3		/* seconds */
#define HANG_LIMIT 120		/* seconds: the alarm */
#define BUF_LEN (64 << 10)

static int failures;

#define CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			printf("FAIL %s:%d: ", __FILE__, __LINE__);	\
			printf(__VA_ARGS__);				\
			printf("\n");					\
			failures++;					\
		}							\
	} while (0)

#define MUST(call)							\
	do {								\
		int ret_ = (call);					\
		if (ret_ < 0) {						\
			printf("FAIL %s: %d %s\n", #call, ret_,		\
			       blkio_get_error_msg());			\
			exit(1);					\
		}							\
	} while (0)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int make_image(char *path, size_t len)
{
	int fd;

	snprintf(path, len, "%s/vdpa-death-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	fd = mkstemp(path);
	if (fd < 0 || ftruncate(fd, IMAGE_SIZE) < 0) {
		perror("scratch image");
		exit(1);
	}
	return fd;
}

/* The last completion's message. */
static const char *last_msg = "";

/* One request to completion; its result (or do_io's error). */
static int one(struct blkioq *q, bool write, void *buf, uint64_t off,
	       double *secs)
{
	struct blkio_completion c;
	double t0 = now();
	int ret;

	if (write)
		blkioq_write(q, off, buf, BUF_LEN, NULL, 0);
	else
		blkioq_read(q, off, buf, BUF_LEN, NULL, 0);
	ret = blkioq_do_io(q, &c, 1, 1, NULL);
	if (secs)
		*secs = now() - t0;
	if (ret < 0)
		return ret;
	if (ret != 1)
		return -EPROTO;
	last_msg = c.error_msg ? c.error_msg : "";
	return c.ret;
}

static void verified_io(struct blkioq *q, const char *name, uint8_t *buf,
			uint64_t off)
{
	int i, ret;

	for (i = 0; i < BUF_LEN; i++)
		buf[i] = (uint8_t)(i * 13 + off);
	ret = one(q, true, buf, off, NULL);
	CHECK(ret == 0, "%s: write before the death: %d %s", name, ret,
	      blkio_get_error_msg());
	memset(buf, 0, BUF_LEN);
	ret = one(q, false, buf, off, NULL);
	CHECK(ret == 0, "%s: read before the death: %d", name, ret);
	for (i = 0; i < BUF_LEN; i++)
		if (buf[i] != (uint8_t)(i * 13 + off))
			break;
	CHECK(i == BUF_LEN, "%s: data differs at byte %d", name, i);
	printf("%s: 64 KiB written and read back: %s\n", name,
	       i == BUF_LEN ? "matches" : "DIFFERS");
}

int main(void)
{
	struct vduse_opts o = { .num_queues = 2, .msg_timeout = MSG_TIMEOUT };
	struct blkio_mem_region r;
	struct blkioq *q, *pq;
	struct blkio *b;
	struct vduse v;
	char image[256], why[512];
	double t, secs;
	int fd, ret;

	alarm(HANG_LIMIT);
	fd = make_image(image, sizeof(image));
	if (vduse_start(&v, image, &o, why, sizeof(why)) < 0) {
		printf("SKIP: %s\n", why);
		unlink(image);
		return 77;
	}
	printf("device %s (daemon pid %d)\n", v.dev, (int)v.daemon);

	MUST(blkio_create("virtio-blk-vhost-vdpa", &b));
	MUST(blkio_set_str(b, "path", v.dev));
	MUST(blkio_set_int(b, "device-timeout-ms", DEVICE_TIMEOUT_MS));
	MUST(blkio_connect(b));
	MUST(blkio_set_int(b, "num-queues", 1));
	MUST(blkio_set_int(b, "num-poll-queues", 1));
	MUST(blkio_start(b));
	MUST(blkio_alloc_mem_region(b, &r, 4 * BUF_LEN));
	MUST(blkio_map_mem_region(b, &r));
	q = blkio_get_queue(b, 0);
	pq = blkio_get_poll_queue(b, 0);
	CHECK(q && pq, "queues");

	verified_io(q, "regular queue", r.addr, 0);
	verified_io(pq, "poll queue", (uint8_t *)r.addr + BUF_LEN, BUF_LEN);

	vduse_kill_daemon(&v);
	printf("daemon killed\n");

	ret = one(q, false, r.addr, 0, &secs);
	printf("regular queue: read after the death: %d (%s) in %.1f s\n",
	       ret, last_msg, secs);
	CHECK(ret == -EIO, "regular queue: expected -EIO, got %d", ret);
	CHECK(secs < DEVICE_TIMEOUT_MS / 1000.0 + 10,
	      "regular queue: took %.1f s", secs);

	/* The device is given up on as a whole: the poll queue fails at once. */
	ret = one(pq, false, (uint8_t *)r.addr + BUF_LEN, BUF_LEN, &secs);
	printf("poll queue: read after the death: %d (%s) in %.1f s\n", ret,
	       last_msg, secs);
	CHECK(ret == -EIO, "poll queue: expected -EIO, got %d", ret);
	CHECK(secs < 2, "poll queue: took %.1f s", secs);

	ret = one(q, true, r.addr, 0, &secs);
	CHECK(ret == -EIO && secs < 2,
	      "regular queue: later write: %d in %.1f s", ret, secs);

	t = now();
	blkio_destroy(&b);
	printf("blkio_destroy: %.1f s\n", now() - t);
	CHECK(now() - t < 4 * MSG_TIMEOUT + 10, "blkio_destroy took %.1f s",
	      now() - t);

	t = now();
	vduse_stop(&v, true);
	printf("device removed: %.1f s\n", now() - t);
	close(fd);
	unlink(image);
	printf("%s: %d failure(s)\n", failures ? "FAILED" : "PASSED", failures);
	return failures ? 1 : 0;
}
