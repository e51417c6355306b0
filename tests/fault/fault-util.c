// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * Fault-test fixture: machine checks, mounting faultfs, its control file
 * and the cleanup that must run however the program ends.
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fault-util.h"
#include "test-driver.h"

#define MAX_TMPFS 4

static struct faultfs fs_storage;
struct faultfs *fu_fs;

/* Only the process that mounted cleans up (Check forks test children). */
static pid_t owner_pid;
static char tmpfs_paths[MAX_TMPFS][PATH_MAX];

static void __attribute__((format(printf, 1, 2))) skip(const char *fmt, ...)
{
	va_list ap;

	fputs("SKIP: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
	fu_cleanup();
	exit(77);
}

static void __attribute__((format(printf, 1, 2))) die(const char *fmt, ...)
{
	va_list ap;

	fputs("FATAL: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fu_cleanup();
	exit(1);
}

void fu_tmpfs_umount(const char *path)
{
	for (int i = 0; i < MAX_TMPFS; i++) {
		if (strcmp(tmpfs_paths[i], path) != 0)
			continue;
		umount2(path, MNT_DETACH);
		rmdir(path);
		tmpfs_paths[i][0] = '\0';
	}
}

void fu_tmpfs_mount(char *path, size_t pathlen, const char *size)
{
	char opts[64];
	int i;

	for (i = 0; i < MAX_TMPFS; i++)
		if (!tmpfs_paths[i][0])
			break;
	ck_assert_msg(i < MAX_TMPFS, "too many tmpfs mounts");
	snprintf(path, pathlen, "%.4000s/tmpfs%d", fs_storage.dir, i);
	ck_assert_msg(mkdir(path, 0700) == 0, "mkdir %s: %s", path,
		      strerror(errno));
	snprintf(opts, sizeof(opts), "size=%s", size);
	if (mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, opts)) {
		int err = errno;

		rmdir(path);
		ck_abort_msg("mount tmpfs %s: %s", path, strerror(err));
	}
	/* recorded so that fu_cleanup removes it even if the test dies */
	snprintf(tmpfs_paths[i], PATH_MAX, "%s", path);
}

/* Stop faultfs and remove what we created; safe in a signal handler. */
void fu_cleanup(void)
{
	struct faultfs *fs = &fs_storage;

	/* a forked test child removes the tmpfs mounts it made itself */
	for (int i = 0; i < MAX_TMPFS; i++) {
		if (tmpfs_paths[i][0]) {
			umount2(tmpfs_paths[i], MNT_DETACH);
			rmdir(tmpfs_paths[i]);
			tmpfs_paths[i][0] = '\0';
		}
	}
	if (owner_pid == 0 || getpid() != owner_pid)
		return;
	/* and the owner sweeps those of children that were killed */
	for (int i = 0; fs->dir[0] && i < MAX_TMPFS; i++) {
		char path[PATH_MAX + 16];

		snprintf(path, sizeof(path), "%.4000s/tmpfs%d", fs->dir, i);
		umount2(path, MNT_DETACH);
		rmdir(path);
	}
	if (fs->pid > 0) {
		/* faultfs unmounts itself on SIGTERM */
		kill(fs->pid, SIGTERM);
		for (int i = 0; i < 200; i++) {
			if (waitpid(fs->pid, NULL, WNOHANG) != 0)
				break;
			usleep(10000);
			if (i == 199) {
				kill(fs->pid, SIGKILL);
				waitpid(fs->pid, NULL, 0);
			}
		}
		fs->pid = 0;
	}
	if (fs->mnt[0]) {
		umount2(fs->mnt, MNT_DETACH);	/* no-op when already gone */
		rmdir(fs->mnt);
		fs->mnt[0] = '\0';
	}
	if (fs->dir[0]) {
		rmdir(fs->dir);
		fs->dir[0] = '\0';
	}
}

static void on_signal(int sig)
{
	fu_cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install_cleanup(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

	owner_pid = getpid();
	atexit(fu_cleanup);
	for (size_t i = 0; i < FU_ARRAY_SIZE(sigs); i++)
		signal(sigs[i], on_signal);
}

static void check_machine(unsigned int needs)
{
	char why[512];
	int fd;

	if (geteuid() != 0)
		skip("fault tests need root (FUSE mounts, loop devices)");
	fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		skip("/dev/fuse not usable: %s", strerror(errno));
	close(fd);
	if (test_driver_probe(why, sizeof(why)) < 0)
		skip("%s", why);
	if (needs & FU_NEED_LOOP) {
		fd = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
		if (fd < 0)
			skip("/dev/loop-control not usable: %s",
			     strerror(errno));
		close(fd);
	}
}

/* Root inside a container may still be refused mounts: skip, not fail. */
static void check_mount_allowed(void)
{
	char probe[PATH_MAX + 8];

	snprintf(probe, sizeof(probe), "%s/probe", fs_storage.dir);
	if (mkdir(probe, 0700))
		die("mkdir %s: %s", probe, strerror(errno));
	if (mount("tmpfs", probe, "tmpfs", MS_NOSUID | MS_NODEV, "size=4k")) {
		int err = errno;

		rmdir(probe);
		skip("mounting is not permitted here: %s", strerror(err));
	}
	umount2(probe, MNT_DETACH);
	rmdir(probe);
}

static const char *find_faultfs(int argc, char **argv, char *buf, size_t len)
{
	const char *env = getenv("FAULTFS");
	char *slash;

	if (argc > 1)
		return argv[1];
	if (env && *env)
		return env;
	snprintf(buf, len, "%s", argv[0]);
	slash = strrchr(buf, '/');
	if (!slash)
		return "faultfs";
	snprintf(slash + 1, len - (size_t)(slash + 1 - buf), "faultfs");
	return buf;
}

static void exec_faultfs(const char *bin, int ready_fd, uint64_t size,
			 const char *const *extra, pid_t parent)
{
	const char *args[64];
	char size_arg[64], ready_arg[64];
	int n = 0;

	/* if the test program dies, faultfs gets SIGTERM and unmounts */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(1);
	fcntl(ready_fd, F_SETFD, 0);
	snprintf(size_arg, sizeof(size_arg), "--size=%" PRIu64, size);
	snprintf(ready_arg, sizeof(ready_arg), "--ready-fd=%d", ready_fd);
	args[n++] = bin;
	args[n++] = "-f";
	args[n++] = size_arg;
	args[n++] = ready_arg;
	for (int i = 0; extra && extra[i] && n < 60; i++)
		args[n++] = extra[i];
	args[n++] = fs_storage.mnt;
	args[n] = NULL;
	execv(bin, (char *const *)args);
	fprintf(stderr, "exec %s: %s\n", bin, strerror(errno));
	_exit(127);
}

static void start_faultfs(const char *bin, uint64_t size,
			  const char *const *extra)
{
	struct faultfs *fs = &fs_storage;
	struct pollfd pfd;
	pid_t parent = getpid();
	int p[2], status;
	char c;

	if (access(bin, X_OK))
		die("faultfs binary %s: %s (pass it as argv[1] or $FAULTFS)",
		    bin, strerror(errno));
	if (pipe2(p, O_CLOEXEC))
		die("pipe: %s", strerror(errno));
	fs->pid = fork();
	if (fs->pid < 0)
		die("fork: %s", strerror(errno));
	if (fs->pid == 0) {
		close(p[0]);
		exec_faultfs(bin, p[1], size, extra, parent);
	}
	close(p[1]);
	pfd.fd = p[0];
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 10000) != 1 || read(p[0], &c, 1) != 1) {
		close(p[0]);
		if (waitpid(fs->pid, &status, WNOHANG) == fs->pid) {
			fs->pid = 0;
			die("faultfs exited before mounting (status %#x)",
			    status);
		}
		die("faultfs did not mount within 10 s");
	}
	close(p[0]);
}

static void make_dirs(void)
{
	struct faultfs *fs = &fs_storage;
	const char *base = getenv("BLKIO_TEST_DIR");

	if (!base || !*base)
		base = "/tmp";
	if (snprintf(fs->dir, sizeof(fs->dir), "%s/fault-XXXXXX", base) >=
	    (int)sizeof(fs->dir))
		die("BLKIO_TEST_DIR too long");
	if (!mkdtemp(fs->dir)) {
		fs->dir[0] = '\0';
		die("mkdtemp under %s: %s", base, strerror(errno));
	}
	snprintf(fs->mnt, sizeof(fs->mnt), "%.4000s/mnt", fs->dir);
	if (mkdir(fs->mnt, 0700)) {
		fs->mnt[0] = '\0';
		die("mkdir mnt: %s", strerror(errno));
	}
	snprintf(fs->disk, sizeof(fs->disk), "%.4000s/disk", fs->mnt);
	snprintf(fs->raw, sizeof(fs->raw), "%.4000s/raw", fs->mnt);
	snprintf(fs->ctl, sizeof(fs->ctl), "%.4000s/ctl", fs->mnt);
}

void fu_init(int argc, char **argv, unsigned int needs, uint64_t size,
	     const char *const *extra_args)
{
	char buf[PATH_MAX];
	const char *bin;

	setvbuf(stdout, NULL, _IOLBF, 0);
	check_machine(needs);
	install_cleanup();
	make_dirs();
	check_mount_allowed();
	bin = find_faultfs(argc, argv, buf, sizeof(buf));
	fs_storage.size = size;
	start_faultfs(bin, size, extra_args);
	fu_fs = &fs_storage;
}

int fu_run_suite(void *suite)
{
	SRunner *sr = srunner_create((Suite *)suite);
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	fu_cleanup();
	return failed ? 1 : 0;
}

static int ctl_write(const char *cmd)
{
	ssize_t n;
	int fd, ret = 0;

	fd = open(fu_fs->ctl, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, cmd, strlen(cmd));
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != strlen(cmd))
		ret = -EIO;
	close(fd);
	return ret;
}

int fu_ctl(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return ctl_write(cmd);
}

void fu_ctl_ok(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int ret;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	ret = ctl_write(cmd);
	ck_assert_msg(ret == 0, "faultfs ctl \"%s\": %s", cmd, strerror(-ret));
}

/* The status text of the control file, NUL-terminated. */
static void read_status(char *buf, size_t size)
{
	ssize_t n, total = 0;
	int fd;

	fd = open(fu_fs->ctl, O_RDONLY | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "open ctl: %s", strerror(errno));
	while ((n = read(fd, buf + total, size - 1 - (size_t)total)) > 0)
		total += n;
	close(fd);
	buf[total] = '\0';
}

long long fu_rule_fired(int nr)
{
	char buf[8192], prefix[32], *line, *save, *fired;
	size_t len;

	read_status(buf, sizeof(buf));
	len = (size_t)snprintf(prefix, sizeof(prefix), "rule %d ", nr);
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, prefix, len) != 0)
			continue;
		fired = strstr(line, " fired=");
		return fired ? strtoll(fired + 7, NULL, 10) : -1;
	}
	return -1;
}

long long fu_stat(const char *key)
{
	char buf[8192], *line, *save;
	size_t keylen = strlen(key);
	long long val = -1;

	read_status(buf, sizeof(buf));
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, key, keylen) == 0 && line[keylen] == ' ') {
			val = strtoll(line + keylen + 1, NULL, 10);
			break;
		}
	}
	return val;
}

void fu_reset(void)
{
	/* a forked test child must not outlive the runner (and faultfs) */
	if (getpid() != owner_pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != owner_pid)
			_exit(1);
	}
	fu_ctl_ok("reset\ndirect-io 0\nclose-commits 0\n");
}
