/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * fuzz-props: instance life cycle (create, connect, start, destroy) and
 * queues, with the results contract §4 and §5.5 give for io_uring, for the
 * driver under test (its differences: tests/common/test-driver.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "props-fuzz.h"
#include "test-driver.h"

/*
 * Driver names: 0 is the driver under test (BLKIO_TEST_DRIVER), the one
 * the strict model follows; then libblkio's other drivers (connect fails
 * with -ENOTSUP), then the other drivers of the test matrix, which the
 * model only checks loosely.  The order keeps the meaning of the corpus:
 * selectors 1-4 are the libblkio drivers whichever driver is under test.
 */
static const char *const other_drivers[] = {
	"nvme-io_uring", "virtio-blk-vfio-pci", "virtio-blk-vhost-user",
	"virtio-blk-vhost-vdpa",
};
#define NOTHERS (sizeof(other_drivers) / sizeof(other_drivers[0]))

/* The matrix drivers (tests/common/test-driver.c) count too. */
static size_t nr_drivers(void)
{
	size_t n = 0;

	while (test_drivers[n].name)
		n++;
	return NOTHERS + n;
}

static const char *driver(size_t i)
{
	const struct test_driver *d;

	if (i == 0)
		return test_driver_name();
	if (i <= NOTHERS)
		return other_drivers[i - 1];
	i -= NOTHERS + 1;
	for (d = test_drivers; d->name; d++) {
		if (d == test_driver())
			continue;
		if (i-- == 0)
			return d->name;
	}
	return NULL;
}

static void check_fail(const char *call, int ret)
{
	pz_stats.calls++;
	FZ_CHECK_ERR(call, ret);
	if (ret < 0)
		pz_stats.failures_checked++;
}

static void reset_model(struct pz_inst *in, bool strict)
{
	in->strict = strict;
	in->state = PM_CREATED;
	free(in->path);
	in->path = NULL;
	in->fd = -1;
	in->fd_opened = false;
	in->direct = false;
	in->readonly = false;
	/* queue-size's default is the driver's: unknown to the model. */
	in->num_entries = test_driver()->entries_checked_by_setter ? -1 : 128;
	in->num_queues = 1;
	in->num_poll_queues = 0;
	in->poll_queues = false;
	in->mem_align = 0;
	in->regions_loose = false;
	memset(in->q, 0, sizeof(in->q));
	memset(in->pq, 0, sizeof(in->pq));
}

static int known_driver(const char *name)
{
	size_t i;

	for (i = 0; i < nr_drivers(); i++)
		if (strcmp(name, driver(i)) == 0)
			return (int)i;
	return -1;
}

void pz_create(struct pz_inst *in, struct fz_in *fz)
{
	uint8_t sel = fz_u8(fz) % 12;
	char name[64];
	int ret, want;
	size_t n;

	if (in->b)
		pz_destroy(in);
	if (sel == 11) {
		ret = blkio_create(driver(0), NULL);
		fz_trace("blkio_create(%s, NULL) = %d", driver(0), ret);
		check_fail("blkio_create(NULL)", ret);
		FZ_CHECK(ret == -EINVAL, "blkio_create with bp NULL returned %d", ret);
		return;
	}
	if (sel == 10) {
		n = fz_bytes(fz, name, fz_u8(fz) % 24);
		name[n] = '\0';
	} else {
		strcpy(name, driver(sel < 6 ? 0 : sel - 5));
	}
	in->b = (struct blkio *)name;	/* must be overwritten */
	ret = blkio_create(name, &in->b);
	fz_trace("blkio_create(\"%.24s\") = %d", name, ret);
	check_fail("blkio_create", ret);
	want = known_driver(name) >= 0 ? 0 : pm_utf8(name) ? -ENOENT : -EINVAL;
	FZ_CHECK(ret == want, "blkio_create(\"%s\") returned %d, expected %d",
		 name, ret, want);
	FZ_CHECK(ret == 0 ? in->b != NULL : in->b == NULL,
		 "blkio_create returned %d with *bp %p", ret, (void *)in->b);
	if (ret == 0)
		reset_model(in, known_driver(name) == 0);
}

/* Memory we own behind regions goes after the library is gone. */
static void release_regions(struct pz_inst *in)
{
	int i;

	for (i = 0; i < PZ_MAX_REGIONS; i++)
		free(in->regions[i].heap);
	memset(in->regions, 0, sizeof(in->regions));
}

void pz_destroy(struct pz_inst *in)
{
	bool lib_owns_fd = in->fd_given;

	if (!in->b) {
		fz_trace("blkio_destroy(NULL)");
		blkio_destroy(NULL);
		if (!fz_reference())	/* libblkio crashes on *bp == NULL */
			blkio_destroy(&in->b);
		return;
	}
	fz_trace("blkio_destroy()");
	blkio_destroy(&in->b);
	FZ_CHECK(in->b == NULL, "blkio_destroy did not clear *bp");
	if (lib_owns_fd) {
		FZ_CHECK(fcntl(in->our_fd, F_GETFD) < 0 && errno == EBADF,
			 "fd %d passed through the fd property still open after destroy",
			 in->our_fd);
	} else if (in->our_fd >= 0) {
		FZ_CHECK(fcntl(in->our_fd, F_GETFD) >= 0 ||
			 (fz_reference() && !in->strict),
			 "destroy closed fd %d it never owned (not connected with it)",
			 in->our_fd);
		close(in->our_fd);
	}
	in->our_fd = -1;
	in->fd_given = false;
	release_regions(in);
	reset_model(in, false);
}

/* The outcome of connect for a strict instance in created state. */
static int expect_connect(const struct pz_inst *in, bool *any_error)
{
	bool has_path = in->path && in->path[0];
	bool has_fd = in->fd != -1;

	*any_error = false;
	if (has_path == has_fd)
		return -EINVAL;
	if (has_fd)
		return in->fd == in->our_fd ? 0 : (*any_error = true, -1);
	return strcmp(in->path, pz_target(in)) == 0 ? 0 :
							(*any_error = true, -1);
}

/*
 * queue-size is checked against the device's max-queue-size (every
 * instance connects to an export of the same file).
 */
static void device_limits(struct pz_inst *in)
{
	int max = 0, ret = blkio_get_int(in->b, "max-queue-size", &max);

	FZ_CHECK(ret == 0 && max > 0, "max-queue-size %d (%d)", max, ret);
	pm_set_max_queue_size(max);
}

static void after_connect(struct pz_inst *in)
{
	uint64_t align = 0;
	bool b = false;
	int ret;

	if (in->fd != -1) {	/* our dup: O_RDWR, buffered */
		in->fd_given = true;
		in->direct = false;
		in->readonly = false;
		free(in->path);
		in->path = NULL;
	}
	in->fd_opened = true;
	in->state = PM_CONNECTED;
	ret = blkio_get_bool(in->b, "supports-poll-queues", &b);
	FZ_CHECK(ret == 0, "get supports-poll-queues after connect: %d", ret);
	/*
	 * A driver with poll queues makes them on every device, whatever
	 * supports-poll-queues says (busy-polled where the device cannot
	 * poll); one without refuses them.
	 */
	in->poll_queues = test_driver()->poll_queues;
	ret = blkio_get_uint64(in->b, "mem-region-alignment", &align);
	FZ_CHECK(ret == 0 && align > 0 && (align & (align - 1)) == 0,
		 "mem-region-alignment %llu (%d)", (unsigned long long)align, ret);
	in->mem_align = align;
	ret = blkio_get_int(in->b, "max-queues", &in->max_queues);
	FZ_CHECK(ret == 0 && in->max_queues > 0, "max-queues %d (%d)",
		 in->max_queues, ret);
	if (test_driver()->entries_checked_by_setter)
		device_limits(in);
}

void pz_connect(struct pz_inst *in)
{
	enum pm_state st = in->state;
	bool any = false;
	int ret, want = 0;

	if (in->strict && st == PM_CREATED)
		want = expect_connect(in, &any);
	else if (in->strict)
		want = st == PM_STARTED ? -EBUSY : 0;
	ret = blkio_connect(in->b);
	fz_trace("blkio_connect() in state %d = %d (%s)", st, ret,
		 ret ? blkio_get_error_msg() : "");
	check_fail("blkio_connect", ret);
	if (st == PM_CREATED && fz_io_uring_refused(ret))
		in->strict = false;
	if (in->strict)
		FZ_CHECK(any ? ret < 0 : ret == want,
			 "blkio_connect in state %d (path \"%s\", fd %d) returned %d (%s), expected %s%d",
			 st, in->path ? in->path : "", in->fd, ret,
			 ret ? blkio_get_error_msg() : "", any ? "any error, not " : "",
			 any ? 0 : want);
	/* libblkio's nvme-io_uring closes it when refusing it */
	if (st == PM_CREATED && ret < 0 && in->our_fd >= 0 &&
	    (in->strict || !fz_reference()))
		FZ_CHECK(fcntl(in->our_fd, F_GETFD) >= 0,
			 "failed connect closed fd %d it did not own yet",
			 in->our_fd);
	/*
	 * libblkio 1.5 keeps the descriptor of a path it opened but then
	 * refused (e.g. /dev/null) in "fd", so every later connect fails
	 * with "path and fd cannot be set at the same time".
	 */
	if (st == PM_CREATED && ret < 0 && fz_reference())
		in->strict = false;
	if (st != PM_CREATED || ret < 0)
		return;
	if (in->strict)
		after_connect(in);
	else
		in->state = PM_CONNECTED;
}

/*
 * Queues a driver that cannot add them refuses to start with: none, or
 * more than the device has (contract §4, §5.2).
 */
static bool queues_refused(const struct pz_inst *in)
{
	int n = in->num_queues + in->num_poll_queues;

	return !test_driver()->can_add_queues &&
	       (n == 0 || n > in->max_queues);
}

/* More entries than the kernel can hold in one queue. */
static bool too_many_entries(const struct pz_inst *in)
{
	return in->num_entries >= test_driver()->num_entries_refused;
}

/*
 * Where every queue's entries count against a machine-wide limit, a
 * queue beyond the driver's default size may find it used up.
 */
static bool entries_may_run_out(const struct pz_inst *in)
{
	return test_driver()->entries_machine_limit &&
	       in->num_entries > 128;
}

void pz_start(struct pz_inst *in)
{
	enum pm_state st = in->state;
	int ret, want = 0, alt = 1, i;

	if (in->strict) {
		if (st == PM_CREATED) {
			want = -ENODEV;
		} else if (st == PM_CONNECTED) {
			/* keep the rings an input can ask for bounded */
			if (in->num_queues > PZ_MAX_QUEUES ||
			    in->num_poll_queues > PZ_MAX_QUEUES)
				return;
			if (too_many_entries(in) || queues_refused(in) ||
			    (in->num_poll_queues > 0 && !in->poll_queues))
				want = -EINVAL;
			/* without queues no ring checks num-entries yet */
			if (too_many_entries(in) && in->num_queues == 0 &&
			    in->num_poll_queues == 0)
				alt = 0;
			else if (want == 0 && entries_may_run_out(in))
				alt = -EAGAIN;
		}
	}
	ret = blkio_start(in->b);
	fz_trace("blkio_start() in state %d = %d (%s)", st, ret,
		 ret ? blkio_get_error_msg() : "");
	check_fail("blkio_start", ret);
	if (st == PM_CONNECTED && fz_io_uring_refused(ret))
		in->strict = false;
	if (in->strict)
		FZ_CHECK(ret == want || ret == alt, "blkio_start in state %d (entries %d, queues %d, poll %d) returned %d (%s), expected %d",
			 st, in->num_entries, in->num_queues, in->num_poll_queues,
			 ret, ret ? blkio_get_error_msg() : "", want);
	if (st != PM_CONNECTED || ret < 0)
		return;
	in->state = PM_STARTED;
	if (!in->strict)
		return;
	for (i = 0; i < PZ_MAX_QUEUES; i++) {
		in->q[i] = i < in->num_queues;
		in->pq[i] = i < in->num_poll_queues;
	}
}

/* ---- queues ---------------------------------------------------------- */

static void check_get_queue(struct pz_inst *in, bool poll, int idx)
{
	struct blkioq *q = poll ? blkio_get_poll_queue(in->b, idx) :
				  blkio_get_queue(in->b, idx);
	bool *alive = poll ? in->pq : in->q;
	bool want = in->state == PM_STARTED && idx >= 0 &&
		    idx < PZ_MAX_QUEUES && alive[idx];

	pz_stats.calls++;
	fz_trace("blkio_get_%squeue(%d) = %p", poll ? "poll_" : "", idx,
		 (void *)q);
	if (in->strict)
		FZ_CHECK((q != NULL) == want, "blkio_get_%squeue(%d) = %p, expected %s",
			 poll ? "poll_" : "", idx, (void *)q,
			 want ? "a queue" : "NULL");
	if (q) {
		int fd = blkioq_get_completion_fd(q);

		FZ_CHECK(poll ? fd == -1 : fd >= 0,
			 "completion fd of %s queue %d is %d",
			 poll ? "a poll" : "a", idx, fd);
	}
}

static void add_queue(struct pz_inst *in, bool poll)
{
	bool *alive = poll ? in->pq : in->q;
	int want = -1, ret, i;

	for (i = PZ_MAX_QUEUES - 1; i >= 0; i--)
		if (!alive[i])
			want = i;
	if (want < 0)
		return;		/* bounded */
	ret = poll ? blkio_add_poll_queue(in->b) : blkio_add_queue(in->b);
	fz_trace("blkio_add_%squeue() = %d", poll ? "poll_" : "", ret);
	check_fail("blkio_add_queue", ret);
	if (!in->strict || fz_io_uring_refused(ret))
		return;
	if (!test_driver()->can_add_queues)
		FZ_CHECK(ret == -ENOTSUP, "blkio_add_%squeue on a driver that "
			 "cannot add queues returned %d", poll ? "poll_" : "",
			 ret);
	else if (in->state != PM_STARTED)
		FZ_CHECK(ret == -EBUSY || (poll && !in->poll_queues && ret == -EINVAL),
			 "blkio_add_%squeue before start returned %d",
			 poll ? "poll_" : "", ret);
	else if (poll && !in->poll_queues)
		FZ_CHECK(ret == -EINVAL,
			 "blkio_add_poll_queue without poll support returned %d", ret);
	else if (too_many_entries(in))	/* the ring cannot be made */
		FZ_CHECK(ret == -EINVAL || ret == want,
			 "blkio_add_%squeue with num-entries %d returned %d",
			 poll ? "poll_" : "", in->num_entries, ret);
	else if (entries_may_run_out(in))
		FZ_CHECK(ret == -EAGAIN || ret == want,
			 "blkio_add_%squeue with num-entries %d returned %d",
			 poll ? "poll_" : "", in->num_entries, ret);
	else
		FZ_CHECK(ret == want, "blkio_add_%squeue returned %d, lowest free index %d",
			 poll ? "poll_" : "", ret, want);
	if (ret >= 0 && ret < PZ_MAX_QUEUES)
		alive[ret] = true;
}

static void remove_queue(struct pz_inst *in, bool poll, int idx)
{
	bool *alive = poll ? in->pq : in->q;
	bool live = in->state == PM_STARTED && idx >= 0 &&
		    idx < PZ_MAX_QUEUES && alive[idx];
	int ret = poll ? blkio_remove_poll_queue(in->b, idx) :
			 blkio_remove_queue(in->b, idx);

	fz_trace("blkio_remove_%squeue(%d) = %d", poll ? "poll_" : "", idx, ret);
	check_fail("blkio_remove_queue", ret);
	if (in->strict)
		FZ_CHECK(ret == (live ? 0 : -ENOENT),
			 "blkio_remove_%squeue(%d) returned %d, expected %d",
			 poll ? "poll_" : "", idx, ret, live ? 0 : -ENOENT);
	if (ret == 0 && idx >= 0 && idx < PZ_MAX_QUEUES)
		alive[idx] = false;
}

/* A flush through a regular queue: the handle must work. */
static void smoke(struct pz_inst *in, int idx)
{
	struct blkioq *q = blkio_get_queue(in->b, idx);
	struct blkio_completion c;
	int ret;

	if (!q)
		return;
	memset(&c, 0xab, sizeof(c));
	blkioq_flush(q, &c, 0);
	ret = blkioq_do_io(q, &c, 1, 1, NULL);
	fz_trace("flush on queue %d: do_io = %d, ret %d", idx, ret,
		 ret == 1 ? c.ret : 0);
	check_fail("blkioq_do_io", ret);
	FZ_CHECK(ret == 1 && c.user_data == &c && c.ret == 0,
		 "flush on queue %d: do_io %d, user_data %p, ret %d", idx, ret,
		 c.user_data, c.ret);
}

void pz_queue_op(struct pz_inst *in, struct fz_in *fz)
{
	uint8_t sel = fz_u8(fz);
	int idx = (int)(fz_u8(fz) % (PZ_MAX_QUEUES + 3)) - 2;
	bool poll = sel & 1;

	if (!in->b)
		return;
	switch ((sel >> 1) % 4) {
	case 0:
		add_queue(in, poll);
		break;
	case 1:
		remove_queue(in, poll, idx);
		break;
	case 2:
		check_get_queue(in, poll, idx);
		break;
	default:
		if (!poll && in->strict && idx >= 0 && idx < PZ_MAX_QUEUES &&
		    in->q[idx] && in->state == PM_STARTED)
			smoke(in, idx);
		break;
	}
}
