/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * A fake vhost-user-blk backend for fuzz-vhost-user: it answers the
 * library's control messages (on a thread, from the fuzz input: mostly
 * well formed, sometimes with a wrong request code, size or flags, a
 * refusal, a hostile configuration space, or a closed socket), maps the
 * memory the library hands over, and lets the fuzz target play the
 * device on the data path: completions with any head id, length, status
 * and used index the input says.
 */
#ifndef BLKIO_TESTS_FUZZ_VU_BACKEND_H
#define BLKIO_TESTS_FUZZ_VU_BACKEND_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The input, consumed from the front by both sides (under fb.lock). */
struct fz_input {
	const uint8_t *data;
	size_t len, pos;
};

uint8_t fz_u8(struct fz_input *in);
uint16_t fz_u16(struct fz_input *in);
uint64_t fz_u64(struct fz_input *in);
bool fz_done(const struct fz_input *in);

#define FB_MAX_REGIONS 16
#define FB_MAX_VQS 4

struct fb_region {
	uint64_t gpa, size, uaddr, offset;
	uint8_t *map;		/* the fd mapped from offset 0 */
	size_t map_len;
};

struct fb_vq {
	unsigned num;
	uint64_t desc, avail, used;	/* the library's addresses */
	int kick, call;
	uint16_t last_avail;
	uint16_t used_idx;
};

struct fb {
	int listen_fd;
	int conn;
	char *sock;
	pthread_t thread;
	pthread_mutex_t lock;
	struct fz_input *in;
	bool closed;		/* the backend hung up */
	bool busy;		/* the thread is inside a message */

	unsigned nr_regions;
	struct fb_region regions[FB_MAX_REGIONS];
	struct fb_vq vqs[FB_MAX_VQS];
};

/* Listen on a fresh socket (once per process). */
int fb_init(struct fb *fb);

/* Serve one connection from in, on a thread. */
int fb_serve(struct fb *fb, struct fz_input *in);

/* Wait until the thread has answered everything sent so far. */
void fb_quiesce(struct fb *fb);

/* Hang up and join the thread; unmap and close everything it got. */
void fb_finish(struct fb *fb);

/*
 * Play the device once on virtqueue i, as the input says: take the next
 * available chain (or invent a head), write its status, publish a used
 * entry (or a wild used index), maybe signal the call fd.
 */
void fb_device_step(struct fb *fb, unsigned i);

#endif
