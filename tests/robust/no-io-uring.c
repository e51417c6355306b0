/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * no-io-uring: the connect/start path with io_uring unavailable.  In a
 * forked child a seccomp filter (raw BPF, no libseccomp) makes
 * io_uring_setup fail with ENOSYS, or EPERM; a last case sets the
 * kernel.io_uring_disabled sysctl to 2 for the duration of one child
 * (when it exists and we may write it) and restores it.
 *
 * The library may notice at create, connect or start (or, started with
 * zero queues, at blkio_add_queue); one of those must fail, with the
 * kernel's errno and a message naming io_uring, and nothing may crash.
 * Under BLKIO_REFERENCE=1 the message is shown but not required
 * (libblkio 1.5 only says e.g. "Function not implemented (os error 38)").
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/io_uring.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "robust.h"

#if defined(__x86_64__)
#define AUDIT_ARCH_HERE AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define AUDIT_ARCH_HERE AUDIT_ARCH_AARCH64
#elif defined(__riscv) && __riscv_xlen == 64
#define AUDIT_ARCH_HERE AUDIT_ARCH_RISCV64
#endif

#define SYSCTL "/proc/sys/kernel/io_uring_disabled"

struct scenario {
	const char *name;
	int err;		/* errno io_uring_setup fails with */
	bool seccomp;		/* false: the sysctl does it */
	bool direct;		/* O_DIRECT: libblkio probes a ring early */
	bool zero_queues;	/* start with num-queues 0, then add one */
};

static char *path;

#ifdef AUDIT_ARCH_HERE
/* io_uring_setup → -err, everything else allowed. */
static int block_io_uring(int err)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_HERE, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO |
			 ((unsigned int)err & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {
		.len = (unsigned short)ARRAY_SIZE(f),
		.filter = f,
	};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
		return -errno;
	return 0;
}
#else
static int block_io_uring(int err)
{
	return -ENOSYS;
}
#endif

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

/* The failing step: the kernel's errno and a message naming io_uring. */
static int judge(const struct scenario *sc, const char *step, int ret)
{
	const char *msg = blkio_get_error_msg();
	bool msg_ok = strstr(msg, "io_uring") != NULL;

	printf("[%s] %s failed: %d (%s) \"%s\"\n", sc->name, step, ret,
	       strerror(-ret), msg);
	if (ret != -sc->err) {
		printf("[%s] FAIL: expected %d (%s)\n", sc->name, -sc->err,
		       strerror(sc->err));
		return 1;
	}
	if (!msg_ok && !rb_reference()) {
		printf("[%s] FAIL: message does not name io_uring\n", sc->name);
		return 1;
	}
	return 0;
}

/* create → connect → start (→ add_queue): the first failure is judged. */
static int attempt(const struct scenario *sc)
{
	struct blkio *b = NULL;
	int ret, rc;

	ret = blkio_create("io_uring", &b);
	if (ret < 0)
		return judge(sc, "blkio_create", ret);
	ck_assert_int_eq(blkio_set_str(b, "path", path), 0);
	if (sc->direct)
		ck_assert_int_eq(blkio_set_bool(b, "direct", true), 0);
	ret = blkio_connect(b);
	if (ret < 0) {
		rc = judge(sc, "blkio_connect", ret);
		goto out;
	}
	if (sc->zero_queues)
		ck_assert_int_eq(blkio_set_int(b, "num-queues", 0), 0);
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
		if (ret < 0) {
			printf("[%s] SKIP: no seccomp filter: %s\n", sc->name,
			       strerror(-ret));
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

/* Run @sc in a child; its exit status says pass (0), fail or skip (77). */
static int run(const struct scenario *sc)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int rc = child(sc);

		fflush(stdout);
		_exit(rc);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(!WIFSIGNALED(status), "[%s] child died of %s",
		      sc->name, strsignal(WTERMSIG(status)));
	return WEXITSTATUS(status);
}

static void run_scenario(const struct scenario *sc)
{
	int rc = run(sc);

	ck_assert_msg(rc == 0 || rc == 77, "[%s] failed (see output)",
		      sc->name);
}

static bool direct_ok(void)
{
	int fd = open(path, O_RDONLY | O_DIRECT);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static const struct scenario seccomp_cases[] = {
	{ "seccomp ENOSYS", ENOSYS, true, false, false },
	{ "seccomp EPERM", EPERM, true, false, false },
	{ "seccomp ENOSYS, num-queues 0", ENOSYS, true, false, true },
	{ "seccomp EPERM, num-queues 0", EPERM, true, false, true },
	{ "seccomp ENOSYS, O_DIRECT", ENOSYS, true, true, false },
	{ "seccomp EPERM, O_DIRECT", EPERM, true, true, false },
};

START_TEST(seccomp)
{
	const struct scenario *sc = &seccomp_cases[_i];

	if (sc->direct && !direct_ok()) {
		printf("[%s] SKIP: no O_DIRECT on %s\n", sc->name, path);
		return;
	}
	run_scenario(sc);
}
END_TEST

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

static bool write_sysctl(int v)
{
	FILE *f = fopen(SYSCTL, "w");
	bool ok;

	if (!f)
		return false;
	ok = fprintf(f, "%d\n", v) > 0;
	return fclose(f) == 0 && ok;
}

/*
 * kernel.io_uring_disabled = 2 for as short as possible: it is global,
 * so meson runs this test alone (is_parallel: false).
 */
START_TEST(sysctl)
{
	static const struct scenario sc = {
		"io_uring_disabled=2", EPERM, false, false, false,
	};
	int old = read_sysctl(), rc;

	if (old < 0 || access(SYSCTL, W_OK) < 0) {
		printf("[%s] SKIP: %s missing or not writable\n", sc.name,
		       SYSCTL);
		return;
	}
	if (!write_sysctl(2)) {
		printf("[%s] SKIP: cannot write %s\n", sc.name, SYSCTL);
		return;
	}
	rc = run(&sc);
	ck_assert_msg(write_sysctl(old), "could not restore %s to %d", SYSCTL,
		      old);
	ck_assert_msg(rc == 0 || rc == 77, "[%s] failed (see output)",
		      sc.name);
}
END_TEST

int main(void)
{
	SRunner *sr;
	Suite *s;
	TCase *tc;
	int failed;

#ifndef AUDIT_ARCH_HERE
	rb_skip("no seccomp architecture constant for this CPU");
#endif
	path = rb_scratch_file(1 << 20);
	s = suite_create("no-io-uring");
	tc = tcase_create("seccomp");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, seccomp, 0, (int)ARRAY_SIZE(seccomp_cases));
	suite_add_tcase(s, tc);
	tc = tcase_create("sysctl");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, sysctl);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	rb_cleanup();
	return failed ? 1 : 0;
}
