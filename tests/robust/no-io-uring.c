/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * no-io-uring SCENARIO: the connect/start path with io_uring unavailable.
 * Each scenario is its own meson test, so one that cannot run on this
 * machine shows as a SKIP (exit 77, with the reason) instead of hiding
 * inside a pass.  In a forked child a seccomp filter (raw BPF, no
 * libseccomp) makes io_uring_setup fail with ENOSYS, or EPERM; the
 * sysctl-disabled scenario expects kernel.io_uring_disabled to be 2
 * already: no-io-uring-sysctl.sh sets it around this program and puts it
 * back however the run ends, so this program never touches it.
 *
 * The library may notice at create, connect or start (or, started with
 * zero queues, at blkio_add_queue); one of those must fail, with the
 * kernel's errno and a message naming io_uring and the linux-aio driver,
 * and nothing may crash.
 * Under BLKIO_REFERENCE=1 the message is shown but not required
 * (libblkio 1.5 only says e.g. "Function not implemented (os error 38)").
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "block-io-uring.h"
#include "robust.h"


#define SYSCTL "/proc/sys/kernel/io_uring_disabled"

struct scenario {
	const char *id;		/* the command-line argument */
	const char *name;
	int err;		/* errno io_uring_setup fails with */
	bool seccomp;		/* false: the sysctl does it */
	bool direct;		/* O_DIRECT: libblkio probes a ring early */
	bool zero_queues;	/* start with num-queues 0, then add one */
};

static char *path;


/* Does io_uring_setup now fail with @err, as the scenario needs? */
static bool setup_fails(int err)
{
	struct io_uring_params p;
	long fd;

	memset(&p, 0, sizeof(p));
	fd = syscall(__NR_io_uring_setup, 1, &p);
	if (fd >= 0) {
		close((int)fd);
		return false;
	}
	return errno == err;
}

/*
 * The failing step: the kernel's errno and a message naming io_uring and
 * the driver that works without it.
 */
static int judge(const struct scenario *sc, const char *step, int ret)
{
	const char *msg = blkio_get_error_msg();
	bool msg_ok = strstr(msg, "io_uring") != NULL &&
		      strstr(msg, "linux-aio") != NULL;

	printf("[%s] %s failed: %d (%s) \"%s\"\n", sc->name, step, ret,
	       strerror(-ret), msg);
	if (ret != -sc->err) {
		printf("[%s] FAIL: expected %d (%s)\n", sc->name, -sc->err,
		       strerror(sc->err));
		return 1;
	}
	if (!msg_ok && !rb_reference()) {
		printf("[%s] FAIL: message does not name io_uring and linux-aio\n",
		       sc->name);
		return 1;
	}
	return 0;
}

/* A setter that cannot fail on a fresh instance did: say so, fail. */
static int setup_failed(const struct scenario *sc, const char *what, int ret)
{
	printf("[%s] FAIL: %s: %d (%s)\n", sc->name, what, ret,
	       blkio_get_error_msg());
	return 1;
}

/* create → connect → start (→ add_queue): the first failure is judged. */
static int attempt(const struct scenario *sc)
{
	struct blkio *b = NULL;
	int ret, rc;

	ret = blkio_create("io_uring", &b);
	if (ret < 0)
		return judge(sc, "blkio_create", ret);
	ret = blkio_set_str(b, "path", path);
	if (ret == 0 && sc->direct)
		ret = blkio_set_bool(b, "direct", true);
	if (ret < 0) {
		rc = setup_failed(sc, "setting path/direct", ret);
		goto out;
	}
	ret = blkio_connect(b);
	if (ret < 0) {
		rc = judge(sc, "blkio_connect", ret);
		goto out;
	}
	if (sc->zero_queues) {
		ret = blkio_set_int(b, "num-queues", 0);
		if (ret < 0) {
			rc = setup_failed(sc, "setting num-queues 0", ret);
			goto out;
		}
	}
	ret = blkio_start(b);
	if (ret < 0) {
		rc = judge(sc, "blkio_start", ret);
		goto out;
	}
	if (sc->zero_queues) {
		ret = blkio_add_queue(b);
		if (ret < 0) {
			rc = judge(sc, "blkio_add_queue", ret);
			goto out;
		}
	}
	printf("[%s] FAIL: every step succeeded without io_uring\n", sc->name);
	rc = 1;
out:
	blkio_destroy(&b);
	return rc;
}

static int child(const struct scenario *sc)
{
	int ret;

	alarm(20);
	if (sc->seccomp) {
		ret = block_io_uring(sc->err);
		if (ret == -ENOTSUP) {
			printf("SKIP: [%s] no seccomp architecture constant for this CPU\n",
			       sc->name);
			return 77;
		}
		if (ret < 0) {
			printf("SKIP: [%s] cannot install a seccomp filter: %s\n",
			       sc->name, strerror(-ret));
			return 77;
		}
	}
	if (!setup_fails(sc->err)) {
		printf("[%s] FAIL: io_uring_setup does not fail with %s\n",
		       sc->name, strerror(sc->err));
		return 1;
	}
	return attempt(sc);
}

/*
 * Run @sc in a child (a seccomp filter cannot be taken back); its exit
 * status is the program's: pass (0), fail (1) or skip (77).
 */
static int run(const struct scenario *sc)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		printf("[%s] FAIL: fork: %s\n", sc->name, strerror(errno));
		return 1;
	}
	if (pid == 0) {
		int rc = child(sc);

		fflush(stdout);
		_exit(rc);
	}
	if (waitpid(pid, &status, 0) != pid) {
		printf("[%s] FAIL: waitpid: %s\n", sc->name, strerror(errno));
		return 1;
	}
	if (WIFSIGNALED(status)) {
		printf("[%s] FAIL: child died of %s\n", sc->name,
		       strsignal(WTERMSIG(status)));
		return 1;
	}
	return WEXITSTATUS(status);
}

static bool direct_ok(void)
{
	int fd = open(path, O_RDONLY | O_DIRECT);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static int read_sysctl(void)
{
	FILE *f = fopen(SYSCTL, "r");
	int v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static const struct scenario scenarios[] = {
	{ "seccomp-enosys", "seccomp ENOSYS", ENOSYS, true, false, false },
	{ "seccomp-eperm", "seccomp EPERM", EPERM, true, false, false },
	{ "seccomp-enosys-zero-queues", "seccomp ENOSYS, num-queues 0",
	  ENOSYS, true, false, true },
	{ "seccomp-eperm-zero-queues", "seccomp EPERM, num-queues 0",
	  EPERM, true, false, true },
	{ "seccomp-enosys-direct", "seccomp ENOSYS, O_DIRECT",
	  ENOSYS, true, true, false },
	{ "seccomp-eperm-direct", "seccomp EPERM, O_DIRECT",
	  EPERM, true, true, false },
	{ "sysctl-disabled", "io_uring_disabled=2", EPERM, false, false, false },
};

static const struct scenario *find_scenario(const char *id)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(scenarios); i++)
		if (strcmp(scenarios[i].id, id) == 0)
			return &scenarios[i];
	return NULL;
}

__attribute__((noreturn))
static void usage(void)
{
	size_t i;

	fprintf(stderr, "usage: no-io-uring SCENARIO\nscenarios:");
	for (i = 0; i < ARRAY_SIZE(scenarios); i++)
		fprintf(stderr, " %s", scenarios[i].id);
	fprintf(stderr, "\n");
	exit(2);
}

/* What this machine lacks for @sc, or NULL when it can run. */
static const char *cannot_run(const struct scenario *sc)
{
	if (sc->direct && !direct_ok())
		return "the scratch directory does not support O_DIRECT";
	return NULL;
}

int main(int argc, char **argv)
{
	const struct scenario *sc;
	const char *why;
	int rc;

	if (argc != 2 || !(sc = find_scenario(argv[1])))
		usage();
	/*
	 * The sysctl belongs to the wrapper, which restores it even when
	 * this program is killed; run by hand, say what is missing.
	 */
	if (!sc->seccomp && read_sysctl() != 2) {
		printf("[%s] FAIL: %s is not 2: run this scenario through "
		       "no-io-uring-sysctl.sh\n", sc->name, SYSCTL);
		return 1;
	}
	/* Removed at exit (rb_cleanup), also after rb_skip. */
	path = rb_scratch_file(1 << 20);
	why = cannot_run(sc);
	if (why)
		rb_skip("[%s] %s", sc->name, why);
	rc = run(sc);
	if (rc == 0)
		printf("[%s] PASS\n", sc->name);
	return rc;
}
