/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "qsd.h"
#include "sysfs-write.h"
#include "vduse.h"

/* Under TCG the daemon takes seconds to start (its libraries over 9p). */
#define WAIT_MS 30000

#define VDPA_BUS "/sys/bus/vdpa"

/* The helper's fds, at fixed numbers once it closed everything else. */
#define REPORT_FD 3
#define HOLD_FD 4

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Run a command (no shell), its output discarded; its exit status. */
static int run(const char *const argv[])
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		if (null >= 0) {
			dup2(null, 1);
			dup2(null, 2);
		}
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void run_daemon(const char *image, bool blockdev,
		       const struct vduse_opts *o, const char *name)
{
	char *export;

	if (asprintf(&export, "type=vduse-blk,id=exp0,node-name=disk0,"
		     "name=%s,writable=%s,num-queues=%d,"
		     "logical-block-size=512", name,
		     o->read_only ? "off" : "on",
		     o->num_queues > 0 ? o->num_queues : 1) < 0)
		_exit(127);
	qsd_exec(image, blockdev, o->read_only, export);
}

__attribute__((format(printf, 1, 2)))
static void report(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdprintf(REPORT_FD, fmt, ap);
	va_end(ap);
}

/* Wait for path to exist; false (reported) when the daemon died first. */
static bool wait_path(const char *path, pid_t daemon)
{
	int waited, status;

	for (waited = 0; waited < WAIT_MS; waited += 10) {
		if (access(path, F_OK) == 0)
			return true;
		if (daemon > 0 && waitpid(daemon, &status, WNOHANG) == daemon) {
			report("ERR qemu-storage-daemon exited (status 0x%x) before %s appeared\n",
			       status, path);
			return false;
		}
		sleep_ms(10);
	}
	report("ERR %s did not appear within %d ms\n", path, WAIT_MS);
	return false;
}

/*
 * A new vDPA device binds to the bus driver that registered first
 * (virtio_vdpa would turn it into a kernel /dev/vdX): move it to
 * vhost_vdpa unless it is there already.
 */
static bool bind_vhost_vdpa(const char *name)
{
	char path[256], link[256];
	ssize_t n;

	snprintf(path, sizeof(path), VDPA_BUS "/devices/%s/driver", name);
	n = readlink(path, link, sizeof(link) - 1);
	if (n > 0) {
		link[n] = '\0';
		if (strcmp(strrchr(link, '/') ? strrchr(link, '/') + 1 : link,
			   "vhost_vdpa") == 0)
			return true;
		snprintf(path, sizeof(path), VDPA_BUS "/devices/%s/driver/unbind",
			 name);
		sysfs_write(path, name);
	}
	snprintf(path, sizeof(path), VDPA_BUS "/devices/%s/driver_override",
		 name);
	sysfs_write(path, "vhost_vdpa");
	if (sysfs_write(VDPA_BUS "/drivers/vhost_vdpa/bind", name) < 0) {
		report("ERR cannot bind %s to vhost_vdpa (module loaded?)\n", name);
		return false;
	}
	return true;
}

/* /dev/vhost-vdpa-N of the vDPA device, once its node exists. */
static bool find_node(const char *name, char *dev, size_t len)
{
	char path[256];
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), VDPA_BUS "/devices/%s", name);
	d = opendir(path);
	if (!d) {
		report("ERR %s: %s\n", path, strerror(errno));
		return false;
	}
	dev[0] = '\0';
	while ((e = readdir(d)))
		if (strncmp(e->d_name, "vhost-vdpa-", 11) == 0)
			snprintf(dev, len, "/dev/%.50s", e->d_name);
	closedir(d);
	if (!dev[0]) {
		report("ERR %s has no vhost-vdpa device\n", path);
		return false;
	}
	return wait_path(dev, 0);
}

static void set_msg_timeout(const char *name, int secs)
{
	char path[256], value[16];

	if (secs <= 0)
		return;
	snprintf(value, sizeof(value), "%d", secs);
	snprintf(path, sizeof(path), "/sys/class/vduse/%s/msg_timeout", name);
	if (sysfs_write(path, value) < 0) {
		snprintf(path, sizeof(path),
			 "/sys/devices/virtual/vduse/%s/msg_timeout", name);
		sysfs_write(path, value);
	}
}

static bool vdpa_add(const char *name)
{
	const char *const add[] = { "vdpa", "dev", "add", "name", name,
				    "mgmtdev", "vduse", NULL };
	int tries, rc = -1;

	/* The daemon may still be setting its device up: a few tries. */
	for (tries = 0; tries < 50; tries++) {
		rc = run(add);
		if (rc == 0)
			return true;
		if (rc == 127)
			break;
		sleep_ms(100);
	}
	report("ERR vdpa dev add name %s mgmtdev vduse failed (exit %d%s)\n",
	       name, rc, rc == 127 ? ": iproute2's vdpa missing" : "");
	return false;
}

static void helper(const char *image, bool blockdev,
		   const struct vduse_opts *o, const char *name)
{
	const char *const del[] = { "vdpa", "dev", "del", name, NULL };
	char vduse_dev[128], dev[64], c;
	bool added = false;
	pid_t daemon;
	int status;

	daemon = fork();
	if (daemon == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		run_daemon(image, blockdev, o, name);
	}
	if (daemon < 0) {
		report("ERR fork: %s\n", strerror(errno));
		_exit(1);
	}
	snprintf(vduse_dev, sizeof(vduse_dev), "/dev/vduse/%s", name);
	if (!wait_path(vduse_dev, daemon))
		goto out;
	set_msg_timeout(name, o->msg_timeout);
	added = vdpa_add(name);
	if (!added || !bind_vhost_vdpa(name) ||
	    !find_node(name, dev, sizeof(dev)))
		goto out;
	report("OK %d %s\n", (int)daemon, dev);
	close(REPORT_FD);
	/* Until the test lets go: EOF once every copy of its end closed. */
	for (;;) {
		ssize_t n = read(HOLD_FD, &c, 1);

		if (n == 0 || (n < 0 && errno != EINTR))
			break;
	}
out:
	close(REPORT_FD);
	if (added)
		run(del);
	kill(daemon, SIGTERM);
	waitpid(daemon, &status, 0);
	_exit(0);
}

/* Start the helper with the two pipe ends it keeps, and nothing else. */
static pid_t spawn_helper(int report_w, int hold_r,
			  const char *img, bool blockdev,
			  const struct vduse_opts *o, const char *name)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	/*
	 * Copies of other exports' hold ends or of device fds would keep
	 * those devices alive as long as this helper lives.
	 */
	if (dup2(report_w, 100) < 0 || dup2(hold_r, 101) < 0 ||
	    dup2(100, REPORT_FD) < 0 || dup2(101, HOLD_FD) < 0)
		_exit(1);
	close_range(HOLD_FD + 1, ~0u, 0);
	/*
	 * Out of the test's process group: Check kills a test case's whole
	 * group when the case ends, which would leave the device behind.
	 */
	setsid();
	/* Never the test's atexit handlers: _exit() only. */
	helper(img, blockdev, o, name);
	_exit(1);
}

static int read_report(int fd, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got + 1 < len) {
		n = read(fd, buf + got, len - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		if (memchr(buf, '\n', got))
			break;
	}
	buf[got] = '\0';
	return (int)got;
}

int vduse_start(struct vduse *v, const char *image, const struct vduse_opts *o,
		char *why, size_t len)
{
	static int counter;
	const char *bin = qsd_binary();
	int rep[2] = { -1, -1 }, hold[2] = { -1, -1 };
	char msg[512], path[64];
	struct stat st;
	char *img = NULL;
	int daemon, ret = -EIO;

	memset(v, 0, sizeof(*v));
	v->hold = -1;
	if (!bin) {
		snprintf(why, len, "qemu-storage-daemon is not installed "
			 "(Debian package qemu-system-common)");
		return -ENOENT;
	}
	if (access("/dev/vduse/control", R_OK | W_OK) < 0) {
		snprintf(why, len, "no VDUSE here (/dev/vduse/control: %s; "
			 "modprobe vduse vhost_vdpa as root, or tests/vm/run vdpa)",
			 strerror(errno));
		return -ENODEV;
	}
	img = path_for_other_process(image);
	if (!img || stat(img, &st) < 0) {
		snprintf(why, len, "image %s: %s", image, strerror(errno));
		free(img);
		return -errno;
	}
	snprintf(v->name, sizeof(v->name), "blkio%d-%d", (int)getpid(),
		 counter++);
	if (pipe2(rep, O_CLOEXEC) < 0 || pipe2(hold, O_CLOEXEC) < 0) {
		snprintf(why, len, "pipe: %s", strerror(errno));
		goto out;
	}
	v->helper = spawn_helper(rep[1], hold[0], img, S_ISBLK(st.st_mode),
				 o, v->name);
	if (v->helper < 0) {
		snprintf(why, len, "fork: %s", strerror(errno));
		v->helper = 0;
		goto out;
	}
	close(rep[1]);
	rep[1] = -1;
	close(hold[0]);
	hold[0] = -1;
	v->hold = hold[1];
	hold[1] = -1;
	read_report(rep[0], msg, sizeof(msg));
	if (sscanf(msg, "OK %d %63s", &daemon, path) == 2) {
		v->daemon = daemon;
		v->dev = strdup(path);
		ret = v->dev ? 0 : -ENOMEM;
	} else {
		msg[strcspn(msg, "\n")] = '\0';
		snprintf(why, len, "VDUSE export of %s: %s", image,
			 strncmp(msg, "ERR ", 4) == 0 ? msg + 4 :
			 "the helper died");
	}
out:
	free(img);
	if (rep[0] >= 0)
		close(rep[0]);
	if (rep[1] >= 0)
		close(rep[1]);
	if (hold[0] >= 0)
		close(hold[0]);
	if (hold[1] >= 0)
		close(hold[1]);
	if (ret < 0)
		vduse_stop(v, true);
	return ret;
}

void vduse_stop(struct vduse *v, bool wait)
{
	if (v->hold >= 0)
		close(v->hold);
	v->hold = -1;
	if (v->helper > 0) {
		/* Not waited for: reaped when we exit, or by init. */
		if (wait)
			waitpid(v->helper, NULL, 0);
		v->helper = 0;
	}
	free(v->dev);
	v->dev = NULL;
	v->daemon = 0;
}

void vduse_kill_daemon(struct vduse *v)
{
	/* The helper's child: it reaps it, so the pid is not reused. */
	if (v->daemon > 0)
		kill(v->daemon, SIGKILL);
}
