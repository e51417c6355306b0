/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Checking one completion: it belongs to a request that is still
 * outstanding on that queue, its result is one the model allows, the
 * request's buffers were touched only where they should be, read data
 * matches the model; then the model learns the request's effect.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "io-fuzz.h"

bool io_result_allowed(const struct io_req *r, int ret)
{
	int i;

	if (ret == 0)
		return r->ok_allowed;
	for (i = 0; i < r->nerr; i++)
		if (r->errs[i] == ret)
			return true;
	return false;
}

static void check_header(int id, const struct blkio_completion *comp)
{
	size_t i;

	for (i = 0; i < sizeof(comp->reserved_); i++)
		FZ_CHECK(comp->reserved_[i] == 0,
			 "req %d: completion reserved_[%zu] = %#x, not zero",
			 id, i, comp->reserved_[i]);
	if (comp->ret == 0)
		FZ_CHECK(comp->error_msg == NULL,
			 "req %d: success but error_msg \"%s\"", id,
			 comp->error_msg);
	else if (comp->error_msg)	/* must be a readable string */
		FZ_CHECK(strlen(comp->error_msg) < 4096,
			 "req %d: error_msg too long", id);
}

/*
 * Bytes outside the data segments must still hold the canary; a write's
 * segments must still hold its data (the library must not modify them),
 * and a request refused up front must not have touched anything.
 */
FZ_NO_COVERAGE static void check_slot(const struct io_req *r, int id, int ret)
{
	static uint8_t inseg[IO_SLOT_SIZE];
	bool is_write = r->kind == K_WRITE || r->kind == K_WRITEV;
	size_t i, done = 0;
	int s;

	memset(inseg, 0, sizeof(inseg));
	for (s = 0; s < r->nseg; s++) {
		size_t off = (size_t)((uint8_t *)r->iov[s].iov_base - r->slot);

		if (!is_write && r->predicted)
			continue;
		memset(inseg + off, 1, r->iov[s].iov_len);
		if (is_write && r->data)
			FZ_CHECK(memcmp(r->iov[s].iov_base, r->data + done,
					r->iov[s].iov_len) == 0,
				 "req %d: write buffer segment %d was modified",
				 id, s);
		done += r->iov[s].iov_len;
	}
	for (i = 0; i < IO_SLOT_SIZE; i++)
		FZ_CHECK(inseg[i] || r->slot[i] == io_canary(id, i),
			 "req %d (ret %d): buffer byte %zu outside the request's segments was changed (%#x)",
			 id, ret, i, r->slot[i]);
}

FZ_NO_COVERAGE static void check_read(struct io_ctx *c, const struct io_req *r, int id)
{
	const struct io_model *m = c->m;
	uint64_t done = 0, bad = 0, first = 0;
	uint8_t want = 0, got = 0;
	int s;

	for (s = 0; s < r->nseg; s++) {
		const uint8_t *p = r->iov[s].iov_base;
		size_t i;

		for (i = 0; i < r->iov[s].iov_len; i++, done++) {
			uint64_t off = r->start + done;
			uint8_t exp;

			if (off < IO_MODEL_SIZE) {
				if (!r->stable[off - r->mlo] || !m->known[off])
					continue;
				exp = m->val[off];
			} else if (m->far_dirty) {
				continue;
			} else {
				exp = 0;
			}
			io_stats.bytes_checked++;
			if (p[i] != exp && bad++ == 0) {
				first = off;
				want = exp;
				got = p[i];
			}
		}
	}
	FZ_CHECK(bad == 0,
		 "req %d: read data mismatch: %llu bytes differ, first at file offset %llu: expected %#x got %#x (model size %llu%s)",
		 id, (unsigned long long)bad, (unsigned long long)first, want,
		 got, (unsigned long long)m->size,
		 m->size_exact ? "" : ", inexact");
}

static void finish_effect(struct io_ctx *c, struct io_req *r, int ret)
{
	struct io_model *m = c->m;
	uint64_t end = r->start + r->len;
	const uint8_t *data = NULL;

	if (r->eff == EFF_NONE)
		return;
	if (r->eff == EFF_DATA && r->data && r->mhi > r->mlo)
		data = r->data + (r->mlo - r->start);
	model_end(m, r->mlo, r->mhi, data, ret == 0 && r->eff != EFF_UNKNOWN);
	if (ret != 0)
		m->size_exact = false;
	else if (end > m->size && r->eff == EFF_DATA)
		m->size = end;
	else if (end > m->size)
		m->size_exact = false;	/* may or may not have grown */
}

static void release(struct io_req *r)
{
	free(r->iov);
	free(r->data);
	free(r->stable);
	free(r->zones);
	r->iov = NULL;
	r->data = NULL;
	r->stable = NULL;
	r->zones = NULL;
	r->live = false;
}

void io_complete(struct io_ctx *c, int qslot,
		 const struct blkio_completion *comp)
{
	uintptr_t ud = (uintptr_t)comp->user_data;
	struct io_req *r;
	int id;

	FZ_CHECK(ud >= IO_UD_BASE && ud < IO_UD_BASE + (uintptr_t)c->nreqs,
		 "q%d: completion with unknown user_data %p (ret %d)", qslot,
		 comp->user_data, comp->ret);
	id = (int)(ud - IO_UD_BASE);
	r = &c->reqs[id];
	fz_trace("  completion req %d ret %d%s%s", id, comp->ret,
		 comp->error_msg ? " msg " : "",
		 comp->error_msg ? comp->error_msg : "");
	FZ_CHECK(r->live, "req %d completed twice (q%d, ret %d)", id, qslot,
		 comp->ret);
	FZ_CHECK(r->qslot == qslot, "req %d was queued on q%d but completed on q%d",
		 id, r->qslot, qslot);
	check_header(id, comp);
	FZ_CHECK(io_result_allowed(r, comp->ret),
		 "req %d: result %d (%s) not allowed; allowed: %s%d %d %d %d",
		 id, comp->ret, comp->error_msg ? comp->error_msg : "no message",
		 r->ok_allowed ? "0 " : "", r->nerr > 0 ? r->errs[0] : 0,
		 r->nerr > 1 ? r->errs[1] : 0, r->nerr > 2 ? r->errs[2] : 0,
		 r->nerr > 3 ? r->errs[3] : 0);
	check_slot(r, id, comp->ret);
	if (comp->ret == 0 && r->check_data)
		check_read(c, r, id);
	finish_effect(c, r, comp->ret);
	release(r);
	c->qs[qslot].outstanding--;
	io_stats.completions++;
}
