/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "qsd.h"

/* How long the daemon may take to listen (it takes ~10 ms). */
#define QSD_START_TIMEOUT_MS 10000

const char *qsd_binary(void)
{
	static const char *const candidates[] = {
		"/usr/bin/qemu-storage-daemon",
		"/usr/local/bin/qemu-storage-daemon",
	};
	const char *env = getenv("BLKIO_TEST_QSD");
	size_t i;

	if (env && *env)
		return access(env, X_OK) == 0 ? env : NULL;
	for (i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++)
		if (access(candidates[i], X_OK) == 0)
			return candidates[i];
	return NULL;
}

char *path_for_other_process(const char *path)
{
	char *named;

	if (strncmp(path, "/proc/self/", 11) == 0) {
		if (asprintf(&named, "/proc/%d/%s", (int)getpid(), path + 11) < 0)
			return NULL;
		return named;
	}
	return strdup(path);
}

static bool listening(const char *sock)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok;

	if (fd < 0)
		return false;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

void qsd_exec(const char *image, bool blockdev, bool read_only,
	      const char *export)
{
	const char *bin = qsd_binary();
	const char *ro = read_only ? ",read-only=on" : "";
	char *file, *raw;

	/*
	 * discard=unmap: discards punch holes, as the file drivers' do.
	 * A block device bypasses its page cache (cache.direct): a loop
	 * device's cache would hide the export's writes from a test that
	 * reads the file below it, until the daemon flushes.
	 */
	if (asprintf(&file, "driver=%s,node-name=file0,filename=%s,"
		     "discard=unmap%s%s", blockdev ? "host_device" : "file",
		     image, blockdev ? ",cache.direct=on" : "", ro) < 0 ||
	    asprintf(&raw, "driver=raw,node-name=disk0,file=file0,"
		     "discard=unmap%s", ro) < 0)
		_exit(127);
	execl(bin, bin, "--blockdev", file, "--blockdev", raw,
	      "--export", export, (char *)NULL);
	fprintf(stderr, "exec %s: %s\n", bin, strerror(errno));
	_exit(127);
}

static void run_daemon(const char *image, bool blockdev,
		       const struct qsd_opts *o, const char *sock)
{
	char *export;

	if (asprintf(&export, "type=vhost-user-blk,id=exp0,node-name=disk0,"
		     "addr.type=unix,addr.path=%s,writable=%s,num-queues=%d,"
		     "logical-block-size=512", sock,
		     o->read_only ? "off" : "on",
		     o->num_queues > 0 ? o->num_queues : 1) < 0)
		_exit(127);
	qsd_exec(image, blockdev, o->read_only, export);
}

static int wait_listening(struct qsd *q, char *why, size_t len)
{
	struct timespec ts = { .tv_nsec = 2 * 1000 * 1000 };
	int waited, status;

	for (waited = 0; waited < QSD_START_TIMEOUT_MS; waited += 2) {
		if (listening(q->sock))
			return 0;
		if (waitpid(q->pid, &status, WNOHANG) == q->pid) {
			q->pid = 0;
			snprintf(why, len, "qemu-storage-daemon exited (status 0x%x) "
				 "before listening on %s", status, q->sock);
			return -EIO;
		}
		nanosleep(&ts, NULL);
	}
	snprintf(why, len, "qemu-storage-daemon did not listen on %s within "
		 "%d ms", q->sock, QSD_START_TIMEOUT_MS);
	return -ETIMEDOUT;
}

int qsd_start(struct qsd *q, const char *image, const struct qsd_opts *o,
	      char *why, size_t len)
{
	const char *bin = qsd_binary();
	const char *base = getenv("BLKIO_TEST_DIR");
	char *img, *tmpl;
	struct stat st;
	int ret;

	memset(q, 0, sizeof(*q));
	if (!bin) {
		snprintf(why, len, "qemu-storage-daemon is not installed "
			 "(Debian package qemu-system-common)");
		return -ENOENT;
	}
	img = path_for_other_process(image);
	if (!img || stat(img, &st) < 0) {
		snprintf(why, len, "image %s: %s", image, strerror(errno));
		free(img);
		return -errno;
	}
	if (asprintf(&tmpl, "%s/qsd-XXXXXX", base && *base ? base : "/tmp") < 0 ||
	    !(q->dir = mkdtemp(tmpl)) ||
	    asprintf(&q->sock, "%s/vhost-user.sock", q->dir) < 0) {
		snprintf(why, len, "socket directory: %s", strerror(errno));
		free(img);
		return -EIO;
	}
	q->pid = fork();
	if (q->pid == 0) {
		/* A test that dies must not leave the daemon behind. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		run_daemon(img, S_ISBLK(st.st_mode), o, q->sock);
	}
	free(img);
	if (q->pid < 0) {
		snprintf(why, len, "fork: %s", strerror(errno));
		q->pid = 0;
		qsd_stop(q);
		return -EIO;
	}
	ret = wait_listening(q, why, len);
	if (ret < 0)
		qsd_stop(q);
	return ret;
}

/*
 * Send sig and wait for the daemon to exit, at most STOP_GRACE_MS before
 * SIGKILL.  qemu-storage-daemon 7.2's SIGTERM handler only sets a flag:
 * a signal that lands between its main loop's check of the flag and the
 * ppoll() that follows is missed, and the daemon then sleeps forever
 * (seen once in the package build's fuzz-io-replay, an idle daemon with
 * no pending signal).
 */
#define STOP_GRACE_MS 5000

static void stop_daemon(pid_t pid, int sig)
{
	const struct timespec tick = { 0, 10 * 1000 * 1000 };
	int ms;

	kill(pid, sig);
	for (ms = 0; ms < STOP_GRACE_MS; ms += 10) {
		pid_t r = waitpid(pid, NULL, WNOHANG);

		if (r == pid || (r < 0 && errno != EINTR))
			return;
		nanosleep(&tick, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void end(struct qsd *q, int sig)
{
	if (q->pid > 0) {
		stop_daemon(q->pid, sig);
		q->pid = 0;
	}
	if (q->sock) {
		unlink(q->sock);
		free(q->sock);
		q->sock = NULL;
	}
	if (q->dir) {
		rmdir(q->dir);
		free(q->dir);
		q->dir = NULL;
	}
}

void qsd_stop(struct qsd *q)
{
	end(q, SIGTERM);
}

void qsd_kill(struct qsd *q)
{
	if (q->pid > 0) {
		kill(q->pid, SIGKILL);
		waitpid(q->pid, NULL, 0);
		q->pid = 0;
	}
}
