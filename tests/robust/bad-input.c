/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * bad-input: call every public function with every class of invalid
 * argument the contract defines and check the errno, the error message
 * (or the completion's ret and error_msg) and that nothing crashes or
 * hangs.  The cases are rows in bad-input-{ctl,props,io}.c; each runs in
 * its own forked child (Check's default) under a timeout.
 *
 * BLKIO_REFERENCE=1 skips the rows only our library is expected to pass
 * (NULL instances, NULL pointers and regions libblkio 1.5 crashes on).
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bad-input.h"
#include "robust.h"
#include "test-driver.h"

char bi_marker;

static const struct bi_case **cases;
static unsigned int nr_cases;
static char *scratch_path;
static char *target_path;	/* "path": scratch_path or its export */
/*
 * Both buffers are memfds of their own, set up once for every case:
 * big_buf is mapped into every started instance of a driver that needs
 * memory regions, region_buf never by setup.  Not the 2 GiB test arena
 * (test_buf_alloc()): that was chosen when valgrind's leak check still
 * scanned all of the arena at the exit of every forked case, 2 s each
 * (test-arena.c now marks its unused part inaccessible).
 */
static uint8_t *big_buf;	/* BI_BUF_SIZE of big_fd */
static int big_fd = -1;
static uint8_t *region_buf;	/* BI_RBUF_SIZE of region_fd */
static int region_fd = -1;

/* Name of the case running in this process, for the crash handler. */
static const char *current;

/*
 * Check reports a crash by loop index only; name the case on stderr,
 * then die of the same signal.  A hang is named by an alarm shortly
 * before Check's own timeout kills the child.
 */
static void on_fatal(int sig)
{
	char line[512];
	int n;

	n = snprintf(line, sizeof(line), "[%s] %s\n", current,
		     sig == SIGALRM ? "still running after 15 s" :
				      strsignal(sig));
	if (n > 0 && write(STDERR_FILENO, line, (size_t)n) < 0)
		n = 0;
	if (sig == SIGALRM)
		return;
	signal(sig, SIG_DFL);
	raise(sig);
}

static void name_crashes(const char *name)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL,
				    SIGALRM };
	unsigned int i;

	current = name;
	for (i = 0; i < ARRAY_SIZE(sigs); i++)
		signal(sigs[i], on_fatal);
	alarm(15);
}

#define CASE_ASSERT(t, expr, fmt, ...) \
	ck_assert_msg(expr, "[%s] " fmt, (t)->name, ##__VA_ARGS__)

/* Why a driver without the capability a row needs skips it. */
static const char *const only_why[] = {
	[ONLY_MEM_REGIONS] = "buffers need not lie in mapped memory regions "
			     "(needs-mem-regions false)",
	[ONLY_ALIGNMENT] = "misaligned requests go to the kernel, which may "
			   "take them (no request-alignment check)",
	[ONLY_FIXED_CAPACITY] = "the scratch file grows (can-grow): requests "
				"past the end succeed",
	[ONLY_FIXED_QUEUES] = "the driver adds queues at run time "
			      "(can-add-queues) and may start with none",
	[ONLY_LIMITS_CONNECTED] = "the device limits are read with their "
				  "defaults before connect (contract 6.5)",
	[ONLY_LIMITS_CREATED] = "max-queues and max-mem-regions are read "
				"before connect (contract 6.3)",
};

static bool driver_can(enum bi_only only)
{
	const struct test_driver *d = test_driver();

	switch (only) {
	case ONLY_MEM_REGIONS:
		return d->needs_mem_regions;
	case ONLY_ALIGNMENT:
		return d->checks_alignment;
	case ONLY_FIXED_CAPACITY:
		return d->fixed_capacity;
	case ONLY_FIXED_QUEUES:
		return !d->can_add_queues;
	case ONLY_LIMITS_CONNECTED:
		return !d->limits_before_connect;
	case ONLY_LIMITS_CREATED:
		return d->limits_before_connect;
	case ONLY_ALL:
		break;
	}
	return true;
}

static void skipped(const struct bi_case *t, const char *why)
{
	printf("[%s] skipped for %s: %s\n", t->name, test_driver_name(), why);
	fflush(stdout);
}

/*
 * BI_DIRECT: with "direct" where the driver has it; without, the row
 * still runs if mem-region-alignment is above 1 (connected state).
 */
static bool want_alignment(struct bi_ctx *c, const struct bi_case *t)
{
	uint64_t align = 0;

	if (test_driver()->has_direct) {
		ck_assert_int_eq(blkio_set_bool(c->b, "direct", true), 0);
		return true;
	}
	ck_assert_int_eq(blkio_connect(c->b), 0);
	ck_assert_int_eq(blkio_get_uint64(c->b, "mem-region-alignment",
					  &align), 0);
	if (align > 1)
		return true;
	skipped(t, "no \"direct\" and mem-region-alignment is 1: nothing "
		   "is misaligned");
	return false;
}

/* Where buffers must lie in mapped regions, c->buf is one. */
static int map_big_buf(struct blkio *b)
{
	struct blkio_mem_region r = { .addr = big_buf, .len = BI_BUF_SIZE,
				      .fd = big_fd };

	if (!test_driver()->needs_mem_regions)
		return 0;
	return blkio_map_mem_region(b, &r);
}

/* Returns false when the case cannot run here (printing why). */
static bool setup(struct bi_ctx *c, const struct bi_case *t)
{
	int ret;

	c->fd = -1;
	c->path = scratch_path;
	c->target = target_path;
	c->buf = big_buf;
	c->rbuf = region_buf;
	c->rfd = region_fd;
	if (!driver_can(t->only)) {
		skipped(t, only_why[t->only]);
		return false;
	}
	if (t->state == ST_NONE)
		return true;

	ret = blkio_create(test_driver_name(), &c->b);
	CASE_ASSERT(t, ret == 0, "create: %d %s", ret, blkio_get_error_msg());
	if (t->opts & BI_RDONLY)
		ck_assert_int_eq(blkio_set_bool(c->b, "read-only", true), 0);
	if (!(t->opts & BI_NOPATH))
		ck_assert_int_eq(blkio_set_str(c->b, "path", c->target), 0);
	if ((t->opts & BI_DIRECT) && !want_alignment(c, t))
		return false;
	if (t->state == ST_CREATED)
		return true;

	ret = blkio_connect(c->b);
	if (ret == -EINVAL && (t->opts & BI_DIRECT)) {
		printf("[%s] skipped: BI_DIRECT not supported in %s\n",
		       t->name, c->path);
		return false;
	}
	CASE_ASSERT(t, ret == 0, "connect: %d %s", ret, blkio_get_error_msg());
	if (t->state == ST_CONNECTED)
		return true;

	ret = blkio_start(c->b);
	CASE_ASSERT(t, ret == 0, "start: %d %s", ret, blkio_get_error_msg());
	c->q = blkio_get_queue(c->b, 0);
	CASE_ASSERT(t, c->q != NULL, "no queue 0 after start");
	ret = map_big_buf(c->b);
	CASE_ASSERT(t, ret == 0, "mapping c->buf: %d %s", ret,
		    blkio_get_error_msg());
	return true;
}

struct call {
	struct bi_ctx *c;
	const struct bi_case *t;
	int ret;
	char msg[256];
};

/*
 * A new thread starts with an empty error message, so a non-empty one
 * afterwards was set by this very call and not left over from setup.
 */
static void *call_thread(void *arg)
{
	struct call *cl = arg;

	cl->ret = cl->t->run(cl->c, cl->t);
	snprintf(cl->msg, sizeof(cl->msg), "%s", blkio_get_error_msg());
	return NULL;
}

static struct call call(struct bi_ctx *c, const struct bi_case *t)
{
	struct call cl = { .c = c, .t = t };
	pthread_t th;

	ck_assert_int_eq(pthread_create(&th, NULL, call_thread, &cl), 0);
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	return cl;
}

/* The row's errno, or this driver's own answer (c->expect). */
static int want(const struct bi_ctx *c, const struct bi_case *t)
{
	return c->expect ? c->expect : t->err;
}

static bool errno_ok(const struct bi_ctx *c, const struct bi_case *t,
		     int ret)
{
	if (t->opts & BI_ANY)
		return ret < 0;
	if (c->expect)
		return ret == c->expect;
	return ret == t->err || (t->err2 && ret == t->err2);
}

/* BLKIO_ROBUST_VERBOSE=1: show what each case got (to compare libraries). */
static void show(const struct bi_case *t, int ret, const char *msg)
{
	if (rb_env_ll("BLKIO_ROBUST_VERBOSE", 0))
		printf("[%s] %d \"%s\"\n", t->name, ret, msg ? msg : "(null)");
	fflush(stdout);
}

static void check_int(const struct bi_ctx *c, const struct bi_case *t,
		      const struct call *cl)
{
	show(t, cl->ret, cl->msg);
	CASE_ASSERT(t, errno_ok(c, t, cl->ret), "returned %d (%s), expected %d",
		    cl->ret, cl->ret < 0 ? strerror(-cl->ret) : "no error",
		    want(c, t));
	CASE_ASSERT(t, cl->msg[0] != '\0', "returned %d with an empty message",
		    cl->ret);
}

static bool zeroed(const uint8_t *p, size_t len)
{
	while (len--)
		if (*p++)
			return false;
	return true;
}

/* Exactly one completion, carrying our user_data, the errno and message. */
static void check_req(struct bi_ctx *c, const struct bi_case *t)
{
	struct blkio_completion comp[2];
	struct timespec ts = { .tv_sec = 10 };
	const char *m;
	int n;

	memset(comp, 0xa5, sizeof(comp));
	n = blkioq_do_io(c->q, comp, 1, 1, &ts);
	CASE_ASSERT(t, n == 1, "do_io returned %d (%s)", n,
		    n < 0 ? blkio_get_error_msg() : "");
	m = comp[0].error_msg;
	show(t, comp[0].ret, m);
	CASE_ASSERT(t, comp[0].user_data == &bi_marker, "wrong user_data %p",
		    comp[0].user_data);
	CASE_ASSERT(t, errno_ok(c, t, comp[0].ret),
		    "completion ret %d (%s), expected %d (msg \"%s\")",
		    comp[0].ret, strerror(-comp[0].ret), want(c, t),
		    m ? m : "(null)");
	if (t->msg)
		CASE_ASSERT(t, m && strstr(m, t->msg),
			    "error_msg \"%s\", expected \"%s\"",
			    m ? m : "(null)", t->msg);
	else
		CASE_ASSERT(t, !m || m[0], "error_msg is an empty string");
	CASE_ASSERT(t, zeroed(comp[0].reserved_, sizeof(comp[0].reserved_)),
		    "completion reserved_ bytes not zeroed");

	n = blkioq_do_io(c->q, comp, 0, 2, NULL);
	CASE_ASSERT(t, n == 0, "do_io found %d more completion(s)", n);
}

/* After the bad call the queue must still do a plain read. */
static void check_alive(struct bi_ctx *c, const struct bi_case *t)
{
	struct blkio_completion comp;
	struct timespec ts = { .tv_sec = 10 };
	int n;

	blkioq_read(c->q, 0, c->buf, 512, c, 0);
	n = blkioq_do_io(c->q, &comp, 1, 1, &ts);
	CASE_ASSERT(t, n == 1 && comp.user_data == c && comp.ret == 0,
		    "queue unusable afterwards: do_io %d, ret %d", n,
		    n == 1 ? comp.ret : 0);
}

static void teardown(struct bi_ctx *c)
{
	if (c->b)
		blkio_destroy(&c->b);
	if (c->fd >= 0)
		close(c->fd);
}

START_TEST(bad_input)
{
	const struct bi_case *t = cases[_i];
	struct bi_ctx *c = calloc(1, sizeof(*c));
	struct call cl;

	ck_assert_ptr_nonnull(c);
	name_crashes(t->name);
	if (!setup(c, t))
		goto out;
	cl = call(c, t);

	switch (t->kind) {
	case K_INT:
		check_int(c, t, &cl);
		break;
	case K_PTR:
		CASE_ASSERT(t, c->ptr == NULL, "returned %p, expected NULL",
			    c->ptr);
		break;
	case K_REQ:
		check_req(c, t);
		break;
	case K_VOID:
		break;
	}
	CASE_ASSERT(t, c->bad == NULL, "%s", c->bad);
	if (c->q)
		check_alive(c, t);
out:
	teardown(c);
	free(c);
	alarm(0);
}
END_TEST

static void add_cases(const struct bi_case *tab, unsigned int n,
		      unsigned int *skipped, unsigned int *not_here)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if ((tab[i].opts & BI_OURS) && rb_reference()) {
			(*skipped)++;
			continue;
		}
		/* Still run: the case prints why it skips (setup()). */
		if (!driver_can(tab[i].only))
			(*not_here)++;
		cases[nr_cases++] = &tab[i];
	}
}

/*
 * A backend's driver connects to an export of the scratch file (one
 * daemon for every case: each forked case connects to it in turn).
 */
static char *export(char *path)
{
	char why[256], *sock;

	if (!test_driver()->needs_backend)
		return path;
	sock = test_driver_export(path, false, why, sizeof(why));
	if (!sock)
		rb_skip("%s", why);
	return sock;
}

/* @len bytes of a new memfd, mapped shared (a backend can map it too). */
static uint8_t *memfd_buf(const char *name, size_t len, int *fdp)
{
	void *p;
	int fd;

	fd = memfd_create(name, MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)len) < 0)
		rb_die("memfd %s: %s", name, strerror(errno));
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		rb_die("mmap of memfd %s: %s", name, strerror(errno));
	*fdp = fd;
	return p;
}

int main(void)
{
	unsigned int total = bi_nr_ctl_cases + bi_nr_prop_cases +
			     bi_nr_io_cases;
	unsigned int skipped = 0, not_here = 0;
	SRunner *sr;
	Suite *s;
	TCase *tc;
	int failed;

	cases = calloc(total, sizeof(*cases));
	if (!cases)
		rb_die("out of memory");
	add_cases(bi_ctl_cases, bi_nr_ctl_cases, &skipped, &not_here);
	add_cases(bi_prop_cases, bi_nr_prop_cases, &skipped, &not_here);
	add_cases(bi_io_cases, bi_nr_io_cases, &skipped, &not_here);
	printf("bad-input (%s): %u cases (%u control, %u property, %u data "
	       "path), running %u, %u ours-only skipped, %u not for this "
	       "driver (and BI_DIRECT rows where nothing can be misaligned; "
	       "each named below)\n", test_driver_name(), total,
	       bi_nr_ctl_cases, bi_nr_prop_cases, bi_nr_io_cases, nr_cases,
	       skipped, not_here);
	fflush(stdout);

	scratch_path = rb_scratch_file(BI_FILE_SIZE);
	target_path = export(scratch_path);
	big_buf = memfd_buf("bad-input-buf", BI_BUF_SIZE, &big_fd);
	memset(big_buf, 0x5a, BI_BUF_SIZE);
	region_buf = memfd_buf("bad-input-region", BI_RBUF_SIZE, &region_fd);

	s = suite_create("bad-input");
	tc = tcase_create("cases");
	tcase_set_timeout(tc, 20);
	tcase_add_loop_test(tc, bad_input, 0, (int)nr_cases);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	free(cases);
	munmap(big_buf, BI_BUF_SIZE);
	close(big_fd);
	munmap(region_buf, BI_RBUF_SIZE);
	close(region_fd);
	if (target_path != scratch_path)
		free(target_path);
	rb_cleanup();
	return failed ? 1 : 0;
}
