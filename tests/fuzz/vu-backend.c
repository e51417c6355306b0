/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * The fake vhost-user-blk backend of fuzz-vhost-user (see vu-backend.h).
 * It defines the protocol numbers itself rather than taking the
 * library's: the test must not share the code under test's mistakes.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "vu-backend.h"

enum {
	GET_FEATURES = 1, SET_MEM_TABLE = 5, SET_VRING_NUM = 8,
	SET_VRING_ADDR = 9, GET_VRING_BASE = 11, SET_VRING_KICK = 12,
	SET_VRING_CALL = 13, GET_PROTOCOL_FEATURES = 15, GET_QUEUE_NUM = 17,
	GET_CONFIG = 24, GET_MAX_MEM_SLOTS = 36, ADD_MEM_REG = 37,
	REM_MEM_REG = 38,
};

#define NEED_REPLY (1u << 3)
#define REPLY_FLAGS 0x5u
#define MAX_PAYLOAD 512
#define MAX_MAP (256u << 20)

struct msg {
	uint32_t request, flags, size;
	uint8_t p[MAX_PAYLOAD];
} __attribute__((packed));

uint8_t fz_u8(struct fz_input *in)
{
	return in->pos < in->len ? in->data[in->pos++] : 0;
}

uint16_t fz_u16(struct fz_input *in)
{
	return (uint16_t)(fz_u8(in) | fz_u8(in) << 8);
}

uint64_t fz_u64(struct fz_input *in)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v |= (uint64_t)fz_u8(in) << (8 * i);
	return v;
}

bool fz_done(const struct fz_input *in)
{
	return in->pos >= in->len;
}

int fb_init(struct fb *fb)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char tmpl[] = "/tmp/blkio-fuzz-vu-XXXXXX";

	memset(fb, 0, sizeof(*fb));
	fb->conn = -1;
	pthread_mutex_init(&fb->lock, NULL);
	if (!mkdtemp(tmpl) || asprintf(&fb->sock, "%s/sock", tmpl) < 0)
		return -1;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", fb->sock);
	fb->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fb->listen_fd < 0 ||
	    bind(fb->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fb->listen_fd, 4) < 0)
		return -1;
	return 0;
}

static void unmap_region(struct fb_region *r)
{
	if (r->map)
		munmap(r->map, r->map_len);
	r->map = NULL;
}

static void add_region(struct fb *fb, const uint8_t *p, int fd)
{
	struct fb_region r;

	memcpy(&r.gpa, p, 8);
	memcpy(&r.size, p + 8, 8);
	memcpy(&r.uaddr, p + 16, 8);
	memcpy(&r.offset, p + 24, 8);
	if (fb->nr_regions >= FB_MAX_REGIONS || r.size > MAX_MAP ||
	    r.offset > MAX_MAP || fd < 0)
		return;
	r.map_len = r.size + r.offset;
	r.map = mmap(NULL, r.map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (r.map == MAP_FAILED)
		return;
	fb->regions[fb->nr_regions++] = r;
}

static void remove_region(struct fb *fb, const uint8_t *p)
{
	uint64_t gpa, size;
	unsigned i;

	memcpy(&gpa, p, 8);
	memcpy(&size, p + 8, 8);
	for (i = 0; i < fb->nr_regions; i++) {
		if (fb->regions[i].gpa == gpa && fb->regions[i].size == size) {
			unmap_region(&fb->regions[i]);
			fb->regions[i] = fb->regions[--fb->nr_regions];
			return;
		}
	}
}

static void mem_table(struct fb *fb, const struct msg *m, const int *fds,
		      int nfds)
{
	uint32_t n;
	int i;

	while (fb->nr_regions)
		unmap_region(&fb->regions[--fb->nr_regions]);
	memcpy(&n, m->p, 4);
	for (i = 0; i < (int)n && i < nfds && 8 + 32 * (i + 1) <= (int)m->size; i++)
		add_region(fb, m->p + 8 + 32 * i, fds[i]);
}

static struct fb_vq *vq_of(struct fb *fb, const struct msg *m)
{
	uint32_t index;

	memcpy(&index, m->p, 4);
	index &= 0xff;
	return index < FB_MAX_VQS ? &fb->vqs[index] : NULL;
}

/* What the library told us; fds we keep are taken out of fds[]. */
static void record(struct fb *fb, const struct msg *m, int *fds, int nfds)
{
	struct fb_vq *vq = vq_of(fb, m);

	switch (m->request) {
	case SET_MEM_TABLE:
		mem_table(fb, m, fds, nfds);
		break;
	case ADD_MEM_REG:
		if (m->size >= 40 && nfds == 1)
			add_region(fb, m->p + 8, fds[0]);
		break;
	case REM_MEM_REG:
		if (m->size >= 40)
			remove_region(fb, m->p + 8);
		break;
	case SET_VRING_NUM:
		if (vq)
			memcpy(&vq->num, m->p + 4, 4);
		break;
	case SET_VRING_ADDR:
		if (vq && m->size >= 40) {
			memcpy(&vq->desc, m->p + 8, 8);
			memcpy(&vq->used, m->p + 16, 8);
			memcpy(&vq->avail, m->p + 24, 8);
			vq->last_avail = vq->used_idx = 0;
		}
		break;
	case SET_VRING_KICK:
	case SET_VRING_CALL:
		if (vq && nfds == 1) {
			int *slot = m->request == SET_VRING_KICK ? &vq->kick :
								   &vq->call;
			if (*slot > 0)
				close(*slot);
			*slot = fds[0];
			fds[0] = -1;
		}
		break;
	}
}

/* A plausible virtio-blk configuration space, spoilt by the input. */
static void config(struct fz_input *in, uint8_t *cfg, uint32_t len)
{
	static const uint8_t good[60] = {
		[1] = 0x00, [2] = 0x02,		/* capacity 64 MiB */
		[12] = 126,			/* seg_max */
		[21] = 0x02,			/* blk_size 512 */
		[26] = 1,			/* min_io_size */
		[34] = 2,			/* num_queues */
		[37] = 0x80, [40] = 1, [44] = 1,	/* discard */
		[49] = 0x80, [52] = 1,		/* write zeroes */
	};
	uint8_t mode = fz_u8(in);
	uint32_t i;

	for (i = 0; i < len && i < MAX_PAYLOAD - 12; i++) {
		cfg[i] = i < sizeof(good) ? good[i] : 0;
		if (mode & 1)
			cfg[i] ^= fz_u8(in);
	}
}

static uint32_t reply_payload(struct fb *fb, const struct msg *m,
			      struct msg *r, uint8_t mode)
{
	struct fz_input *in = fb->in;
	uint64_t v = 0;
	uint32_t len;

	switch (m->request) {
	case GET_FEATURES:
		v = fz_u64(in);
		if (!(mode & 0x80))	/* VERSION_1, PROTOCOL_FEATURES */
			v |= 1ull << 32 | 1ull << 30;
		break;
	case GET_PROTOCOL_FEATURES:
		v = fz_u64(in);
		if (!(mode & 0x80))	/* CONFIG */
			v |= 1ull << 9;
		break;
	case GET_QUEUE_NUM:
		v = fz_u8(in) % 6;
		break;
	case GET_MAX_MEM_SLOTS:
		v = mode & 0x40 ? fz_u16(in) : 8 + fz_u8(in) % 32;
		break;
	case GET_VRING_BASE:
		memcpy(r->p, m->p, 8);
		return 8;
	case GET_CONFIG:
		memcpy(&len, m->p + 4, 4);
		if (len > MAX_PAYLOAD - 12)
			len = MAX_PAYLOAD - 12;
		memcpy(r->p, m->p, 12);
		config(in, r->p + 12, len);
		return 12 + len;
	default:		/* acknowledgement */
		v = fz_u8(in) < 240 ? 0 : 1;
		break;
	}
	memcpy(r->p, &v, 8);
	return 8;
}

static bool wants_reply(const struct msg *m)
{
	switch (m->request) {
	case GET_FEATURES: case GET_PROTOCOL_FEATURES: case GET_QUEUE_NUM:
	case GET_MAX_MEM_SLOTS: case GET_VRING_BASE: case GET_CONFIG:
		return true;
	default:
		return m->flags & NEED_REPLY;
	}
}

static void answer(struct fb *fb, const struct msg *m)
{
	struct msg r = { .request = m->request, .flags = REPLY_FLAGS };
	uint8_t mode = fz_u8(fb->in);

	if (mode >= 250 || fz_done(fb->in)) {
		shutdown(fb->conn, SHUT_RDWR);
		fb->closed = true;
		return;
	}
	if (!wants_reply(m))
		return;
	r.size = reply_payload(fb, m, &r, mode);
	if (mode >= 200 && mode < 215)
		r.request++;
	else if (mode >= 215 && mode < 230)
		r.size += 1 + (mode & 7);
	else if (mode >= 230 && mode < 240)
		r.size = mode & 3;
	else if (mode >= 240)
		r.flags = 1;
	if (r.size > MAX_PAYLOAD)
		r.size = MAX_PAYLOAD;
	if (send(fb->conn, &r, 12 + r.size, MSG_NOSIGNAL) < 0)
		fb->closed = true;
}

static int recv_msg(struct fb *fb, struct msg *m, int *fds, int *nfds)
{
	char control[CMSG_SPACE(8 * sizeof(int))];
	struct iovec iov = { .iov_base = m, .iov_len = 12 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = control,
			     .msg_controllen = sizeof(control) };
	struct cmsghdr *c;
	ssize_t n;

	*nfds = 0;
	memset(control, 0, sizeof(control));
	memset(m, 0, sizeof(*m));
	n = recvmsg(fb->conn, &mh, MSG_CMSG_CLOEXEC | MSG_WAITALL);
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_type != SCM_RIGHTS)
			continue;
		*nfds = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		memcpy(fds, CMSG_DATA(c), *nfds * sizeof(int));
	}
	if (n != 12 || m->size > MAX_PAYLOAD)
		return -1;
	if (m->size && recv(fb->conn, m->p, m->size, MSG_WAITALL) != m->size)
		return -1;
	return 0;
}

static void *serve(void *arg)
{
	struct fb *fb = arg;
	struct pollfd p = { .fd = fb->listen_fd, .events = POLLIN };
	int fds[8], nfds, i;
	struct msg m;

	if (poll(&p, 1, 5000) != 1)
		return NULL;
	fb->conn = accept4(fb->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	p.fd = fb->conn;
	while (fb->conn >= 0 && !fb->closed) {
		if (poll(&p, 1, 20) != 1)
			continue;
		pthread_mutex_lock(&fb->lock);
		fb->busy = true;
		if (recv_msg(fb, &m, fds, &nfds) < 0) {
			fb->closed = true;
		} else {
			record(fb, &m, fds, nfds);
			answer(fb, &m);
		}
		for (i = 0; i < nfds; i++)
			if (fds[i] >= 0)
				close(fds[i]);
		fb->busy = false;
		pthread_mutex_unlock(&fb->lock);
	}
	return NULL;
}

int fb_serve(struct fb *fb, struct fz_input *in)
{
	unsigned i;

	fb->in = in;
	fb->closed = false;
	fb->conn = -1;
	for (i = 0; i < FB_MAX_VQS; i++)
		fb->vqs[i] = (struct fb_vq){ .kick = -1, .call = -1 };
	return pthread_create(&fb->thread, NULL, serve, fb);
}

void fb_quiesce(struct fb *fb)
{
	struct timespec ts = { .tv_nsec = 50000 };
	int pending, i;

	for (i = 0; i < 20000; i++) {
		pthread_mutex_lock(&fb->lock);
		pending = 0;
		if (fb->conn >= 0 && !fb->closed &&
		    ioctl(fb->conn, FIONREAD, &pending) < 0)
			pending = 0;
		pthread_mutex_unlock(&fb->lock);
		if (!pending)
			return;
		nanosleep(&ts, NULL);
	}
}

void fb_finish(struct fb *fb)
{
	unsigned i;

	pthread_mutex_lock(&fb->lock);
	fb->closed = true;
	if (fb->conn >= 0)
		shutdown(fb->conn, SHUT_RDWR);
	pthread_mutex_unlock(&fb->lock);
	pthread_join(fb->thread, NULL);
	if (fb->conn >= 0)
		close(fb->conn);
	fb->conn = -1;
	while (fb->nr_regions)
		unmap_region(&fb->regions[--fb->nr_regions]);
	for (i = 0; i < FB_MAX_VQS; i++) {
		if (fb->vqs[i].kick >= 0)
			close(fb->vqs[i].kick);
		if (fb->vqs[i].call >= 0)
			close(fb->vqs[i].call);
		fb->vqs[i] = (struct fb_vq){ .kick = -1, .call = -1 };
	}
}

/* The library's [addr, addr + len), or NULL outside every region. */
static void *translate(struct fb *fb, uint64_t addr, uint64_t len)
{
	unsigned i;

	for (i = 0; i < fb->nr_regions; i++) {
		struct fb_region *r = &fb->regions[i];

		if (addr >= r->uaddr && addr - r->uaddr <= r->size &&
		    len <= r->size - (addr - r->uaddr))
			return r->map + r->offset + (addr - r->uaddr);
	}
	return NULL;
}

/* The status byte of the chain at head: its last descriptor. */
static uint8_t *status_of(struct fb *fb, struct fb_vq *vq, uint16_t head)
{
	uint8_t *d = translate(fb, vq->desc, 16ull * vq->num);
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next, i;
	unsigned n = vq->num;

	if (!d || head >= n)
		return NULL;
	memcpy(&flags, d + 16 * head + 12, 2);
	if (le16toh(flags) & 4) {	/* INDIRECT */
		memcpy(&addr, d + 16 * head, 8);
		memcpy(&len, d + 16 * head + 8, 4);
		n = le32toh(len) / 16;
		d = translate(fb, le64toh(addr), le32toh(len));
		if (!d || !n)
			return NULL;
		head = 0;
	}
	for (i = 0; i < 1024; i++) {
		memcpy(&flags, d + 16 * head + 12, 2);
		if (!(le16toh(flags) & 1))
			break;
		memcpy(&next, d + 16 * head + 14, 2);
		head = le16toh(next);
		if (head >= n)
			return NULL;
	}
	memcpy(&addr, d + 16 * head, 8);
	return translate(fb, le64toh(addr), 1);
}

void fb_device_step(struct fb *fb, unsigned i)
{
	struct fz_input *in = fb->in;
	struct fb_vq *vq = &fb->vqs[i % FB_MAX_VQS];
	uint8_t *avail, *used, *status, action;
	uint16_t idx, head;
	uint32_t id, len;
	uint64_t one = 1;

	if (!vq->num || vq->num > 32768 || !vq->used)
		return;
	avail = translate(fb, vq->avail, 6 + 2ull * vq->num);
	used = translate(fb, vq->used, 6 + 8ull * vq->num);
	if (!avail || !used)
		return;
	action = fz_u8(in);
	memcpy(&idx, avail + 2, 2);
	if (action < 200 && le16toh(idx) != vq->last_avail) {
		memcpy(&head, avail + 4 + 2 * (vq->last_avail % vq->num), 2);
		head = le16toh(head);
		vq->last_avail++;
		status = status_of(fb, vq, head);
		if (status)
			*status = fz_u8(in) < 220 ? 0 : fz_u8(in);
		id = fz_u8(in) < 240 ? head : fz_u16(in);
	} else if (action < 230) {
		id = fz_u16(in);		/* a head never made available */
	} else {
		idx = htole16(fz_u16(in));	/* a wild used index */
		__atomic_store_n((uint16_t *)(used + 2), idx, __ATOMIC_RELEASE);
		return;
	}
	len = htole32(fz_u8(in));
	id = htole32(id);
	memcpy(used + 4 + 8 * (vq->used_idx % vq->num), &id, 4);
	memcpy(used + 8 + 8 * (vq->used_idx % vq->num), &len, 4);
	vq->used_idx++;
	__atomic_store_n((uint16_t *)(used + 2), htole16(vq->used_idx),
			 __ATOMIC_RELEASE);
	if (fz_u8(in) < 200 && vq->call >= 0 &&
	    write(vq->call, &one, sizeof(one)) < 0) {
		/* a full counter: signalled anyway */
	}
}
