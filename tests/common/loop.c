/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Loop device set-up for the tests (see loop.h): tests/io, tests/vhost-user
 * and the loop exports of test_driver_export().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "loop.h"
#include "qsd.h"
#include "test-pattern.h"

/* Run a command line, return its first output line (malloc'ed) or NULL. */
static char *run_line(const char *cmd)
{
	char line[256];
	char *out = NULL;
	FILE *p;

	fflush(NULL);
	p = popen(cmd, "r");
	if (!p)
		return NULL;
	if (fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = '\0';
		out = strdup(line);
	}
	if (pclose(p) != 0) {
		free(out);
		out = NULL;
	}
	return out;
}

static int make_backing(char **namep, uint64_t size, uint32_t seed)
{
	const char *dir = getenv("BLKIO_TEST_DIR");
	const size_t chunk = 1 << 20;
	char *buf = NULL;
	uint64_t off;
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
	if (asprintf(namep, "%s/io-loop-XXXXXX", dir) < 0)
		return -ENOMEM;
	fd = mkstemp(*namep);
	if (fd < 0 || ftruncate(fd, (off_t)size) != 0)
		goto fail;
	if (seed) {
		buf = malloc(chunk);
		if (!buf)
			goto fail;
		for (off = 0; off < size; off += chunk) {
			size_t n = size - off < chunk ? size - off : chunk;

			test_fill(buf, n, off, seed);
			if (pwrite(fd, buf, n, (off_t)off) != (ssize_t)n)
				goto fail;
		}
		free(buf);
	}
	fsync(fd);
	close(fd);
	return 0;
fail:
	free(buf);
	if (fd >= 0) {
		close(fd);
		unlink(*namep);
	}
	free(*namep);
	*namep = NULL;
	return -EIO;
}

static bool set_autoclear(int fd)
{
	struct loop_info64 info;

	if (ioctl(fd, LOOP_GET_STATUS64, &info) != 0)
		return false;
	info.lo_flags |= LO_FLAGS_AUTOCLEAR;
	return ioctl(fd, LOOP_SET_STATUS64, &info) == 0;
}

int loop_available(const char **why)
{
	if (geteuid() != 0) {
		*why = "loop devices need root";
		return -EPERM;
	}
	if (access("/dev/loop-control", R_OK | W_OK) != 0) {
		*why = "no /dev/loop-control (loop driver missing)";
		return -ENODEV;
	}
	if (system("losetup --version >/dev/null 2>&1") != 0) {
		*why = "losetup (util-linux) is not installed";
		return -ENOENT;
	}
	return 0;
}

/* An empty ld (nothing to detach), once loop devices can be used here. */
static int loop_prepare(struct loopdev *ld, const char **why)
{
	memset(ld, 0, sizeof(*ld));
	ld->hold_fd = -1;
	return loop_available(why);
}

int loop_attach_file(struct loopdev *ld, const char *file, const char **why)
{
	char *path, *cmd;
	int ret;

	ret = loop_prepare(ld, why);
	if (ret < 0)
		return ret;
	/* losetup runs in another process. */
	path = path_for_other_process(file);
	if (!path || strchr(path, '\'') ||
	    asprintf(&cmd, "losetup -f --show --direct-io=on '%s' 2>/dev/null",
		     path) < 0) {
		*why = "cannot name the file for losetup";
		free(path);
		return -ENOMEM;
	}
	free(path);
	ld->path = run_line(cmd);
	free(cmd);
	if (!ld->path || strncmp(ld->path, "/dev/", 5) != 0) {
		*why = "losetup -f --direct-io=on failed";
		free(ld->path);
		ld->path = NULL;
		return -EIO;
	}
	ld->name = strdup(ld->path + 5);
	ld->hold_fd = open(ld->path, O_RDONLY | O_CLOEXEC);
	if (ld->hold_fd < 0 || !set_autoclear(ld->hold_fd)) {
		*why = "cannot open the loop device or make it autoclear";
		loop_detach(ld);
		return -EIO;
	}
	return 0;
}

int loop_attach(struct loopdev *ld, uint64_t size, uint32_t seed,
		const char **why)
{
	char *backing;
	int ret;

	ret = loop_prepare(ld, why);
	if (ret < 0)
		return ret;
	if (make_backing(&backing, size, seed) != 0) {
		*why = "cannot create the backing file";
		return -EIO;
	}
	ret = loop_attach_file(ld, backing, why);
	/* The device holds the file now; its name is no longer needed. */
	unlink(backing);
	free(backing);
	if (ret == 0)
		ld->size = size;
	return ret;
}

void loop_detach(struct loopdev *ld)
{
	char *cmd;

	if (!ld->path)
		return;
	/*
	 * Detach while still holding the device, so the name cannot belong
	 * to someone else's device yet; the kernel completes the detach on
	 * the last close, which is ours just below.
	 */
	if (asprintf(&cmd, "losetup -d %s 2>/dev/null", ld->path) > 0) {
		if (system(cmd) < 0)
			perror("losetup -d");
		free(cmd);
	}
	if (ld->hold_fd >= 0)
		close(ld->hold_fd);
	free(ld->path);
	free(ld->name);
	memset(ld, 0, sizeof(*ld));
	ld->hold_fd = -1;
}

long long loop_queue_attr(const struct loopdev *ld, const char *attr)
{
	char path[256];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/block/%s/queue/%s", ld->name, attr);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}
