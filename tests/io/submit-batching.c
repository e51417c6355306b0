/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Submit batching: the path QEMU's blkio driver takes (each request
 * followed by a submit-only blkioq_do_io(q, NULL, 0, 0, NULL), the event
 * loop on the completion fd, one completion reaped per call until none is
 * left) must neither lose nor strand a request, and must not cost one
 * submitting system call per request.
 *
 *  - vmm_pattern: 4000 reads at depth 32, driven that way, all complete
 *    with the right data and no 5 s stall of the event loop;
 *  - early_stopper: an application that reaps one completion per wakeup
 *    and goes back to epoll with completions left (wrong, but it
 *    happens) keeps getting woken while it has requests to issue: what
 *    batching leaves behind is submitted when the requests still in the
 *    kernel signal the fd again (once nothing is left to issue it drains,
 *    or its own unreaped completions would leave it waiting with any
 *    library);
 *  - syscalls: the submitting system calls (capability submit_syscall:
 *    io_uring_enter, io_submit) counted by a seccomp listener: at most
 *    half as many as requests with "submit-batching" (the default), and at
 *    least 9 in 10 without it (so the count, and the property, are real).
 *
 * Direct I/O on a loop device where there is one (completions come from
 * another context, as on real devices), else on the scratch file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "iotest.h"
#include "loop.h"
#include "syscall-count.h"
#include "test-driver.h"

#define SIZE (16u << 20)
#define BLK 4096
#define NR_BLOCKS (SIZE / BLK)
#define DEPTH 32
#define SEED 11

static struct loopdev ld;
static bool have_loop;
static char *file;

static const char *target(void)
{
	return have_loop ? ld.path : file;
}

static struct blkio *open_target(bool batching)
{
	struct blkio *b;
	int ret;

	ck_assert_int_eq(blkio_create(test_driver_name(), &b), 0);
	ck_assert_int_eq(blkio_set_str(b, "path", target()), 0);
	ck_assert_int_eq(blkio_set_bool(b, "direct", true), 0);
	ck_assert_int_eq(blkio_set_bool(b, "read-only", true), 0);
	ret = blkio_set_bool(b, "submit-batching", batching);
	ck_assert_msg(ret == 0, "submit-batching: %s", blkio_get_error_msg());
	ret = blkio_connect(b);
	ck_assert_msg(ret == 0, "connect: %s", blkio_get_error_msg());
	ret = blkio_start(b);
	ck_assert_msg(ret == 0, "start: %s", blkio_get_error_msg());
	return b;
}

struct run {
	struct blkioq *q;
	int fd;
	uint8_t *bufs;
	uint64_t next;		/* requests issued */
	uint64_t done;
	uint64_t total;
	uint32_t rng;
};

static void issue(struct run *r, unsigned slot)
{
	uint64_t block;

	r->rng = r->rng * 1103515245u + 12345u;
	block = (r->rng >> 8) % NR_BLOCKS;
	/* user_data: the slot, and the block it reads, for the check. */
	blkioq_read(r->q, block * BLK, r->bufs + (size_t)slot * BLK, BLK,
		    (void *)(uintptr_t)(block << 8 | slot), 0);
	r->next++;
	/* QEMU submits each request at once. */
	ck_assert_int_ge(blkioq_do_io(r->q, NULL, 0, 0, NULL), 0);
}

static void complete(struct run *r, const struct blkio_completion *c)
{
	uintptr_t ud = (uintptr_t)c->user_data;
	unsigned slot = ud & 0xff;
	uint64_t block = ud >> 8;

	ck_assert_msg(c->ret == 0, "read failed: %d %s", c->ret,
		      c->error_msg ? c->error_msg : "");
	ck_assert_uint_eq(test_check(r->bufs + (size_t)slot * BLK, BLK,
				    block * BLK, SEED), BLK);
	r->done++;
	if (r->next < r->total)
		issue(r, slot);
}

/*
 * The event loop.  per_wakeup 0: reap until none is left (QEMU);
 * otherwise at most that many per wakeup, then back to epoll, as long as
 * requests remain to be issued.
 */
static void drive(struct run *r, int per_wakeup)
{
	unsigned slot;

	for (slot = 0; slot < DEPTH; slot++)
		issue(r, slot);
	while (r->done < r->total) {
		int reaped = 0;

		ck_assert_msg(iot_fd_readable(r->fd, 5000),
			      "no completion signalled for 5 s with %llu of "
			      "%llu done: a request was stranded",
			      (unsigned long long)r->done,
			      (unsigned long long)r->total);
		iot_drain_fd(r->fd);
		for (;;) {
			struct blkio_completion c;
			int n = blkioq_do_io(r->q, &c, 0, 1, NULL);

			ck_assert_msg(n >= 0, "do_io: %d %s", n,
				      blkio_get_error_msg());
			if (n == 0)
				break;
			complete(r, &c);
			if (per_wakeup && ++reaped == per_wakeup &&
			    r->next < r->total)
				break;
		}
	}
}

static void run_pattern(uint64_t total, int per_wakeup, bool batching)
{
	struct blkio *b = open_target(batching);
	struct run r = { .total = total, .rng = 7 };

	r.q = blkio_get_queue(b, 0);
	r.fd = blkioq_get_completion_fd(r.q);
	ck_assert_int_ge(r.fd, 0);
	blkioq_set_completion_fd_enabled(r.q, true);
	r.bufs = iot_alloc((size_t)DEPTH * BLK);
	drive(&r, per_wakeup);
	free(r.bufs);
	blkio_destroy(&b);
}

START_TEST(test_vmm_pattern)
{
	run_pattern(4000, 0, true);
}
END_TEST

START_TEST(test_early_stopper)
{
	run_pattern(1000, 1, true);
}
END_TEST

static unsigned long calls_per_1000(bool batching)
{
	const uint64_t total = 2000;
	struct syscall_counter c;
	const char *why;
	unsigned long n;

	/* The filter stays with this process: Check forks one per case. */
	why = syscall_counter_start(&c, test_driver()->submit_syscall);
	if (why) {
		iot_note_skip("syscalls", why);
		return 0;
	}
	run_pattern(total, 0, batching);
	n = syscall_counter_read(&c);
	printf("%s, submit-batching=%d: %lu submitting calls for %llu "
	       "requests\n", test_driver_name(), batching, n,
	       (unsigned long long)total);
	return n * 1000 / total;
}

START_TEST(test_syscalls_batched)
{
	unsigned long per_1000 = calls_per_1000(true);

	ck_assert_msg(per_1000 <= 500, "%lu submitting calls per 1000 "
		      "requests with submit-batching", per_1000);
}
END_TEST

START_TEST(test_syscalls_unbatched)
{
	unsigned long per_1000 = calls_per_1000(false);

	ck_assert_msg(per_1000 >= 900, "only %lu submitting calls per 1000 "
		      "requests without submit-batching: the counter does "
		      "not count", per_1000);
}
END_TEST

/* A loop device where there is one, else the scratch file (per case). */
static void setup_target(void)
{
	const char *why;

	have_loop = loop_attach(&ld, SIZE, SEED, &why) == 0;
	if (!have_loop) {
		fprintf(stderr, "no loop device (%s): O_DIRECT on the scratch "
			"file\n", why);
		file = iot_make_file("batching", SIZE, SEED);
	}
}

static void teardown_target(void)
{
	loop_detach(&ld);
	iot_remove_file(&file);
}

static Suite *batching_suite(void)
{
	Suite *s = suite_create("submit-batching");
	TCase *tc = tcase_create("vmm");

	tcase_add_checked_fixture(tc, setup_target, teardown_target);
	tcase_add_test(tc, test_vmm_pattern);
	tcase_add_test(tc, test_early_stopper);
	/*
	 * valgrind runs a seccomp-notified system call through its own
	 * machinery, one thread at a time: the counter would deadlock.
	 */
	if (iot_under_valgrind()) {
		iot_note_skip("syscalls", "not under valgrind");
	} else {
		tcase_add_test(tc, test_syscalls_batched);
		tcase_add_test(tc, test_syscalls_unbatched);
	}
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	if (iot_reference())
		iot_skip("submit batching is ours (libblkio has no "
			 "submit-batching property)");
	return iot_run(batching_suite());
}
