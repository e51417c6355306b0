/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * slowfs, the test's side (see slowfs.h): start the server process, then
 * one command and one reply at a time over a SOCK_SEQPACKET pair.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "slowfs-proto.h"
#include "slowfs.h"

struct slowfs {
	pid_t pid;
	int sock;
	char *mnt;
	char *file;
};

/*
 * As root, mount in a private mount namespace: the mount then vanishes
 * with the processes that can see it, however they end.  unshare() needs
 * a single-threaded process, so it is tried once, at the first start;
 * later calls find the namespace private already.  Otherwise the server
 * asks fusermount3 for auto_unmount.
 */
static bool private_namespace(void)
{
	static int done = -1;

	if (done < 0)
		done = geteuid() == 0 && unshare(CLONE_NEWNS) == 0 &&
		       mount("none", "/", "none", MS_REC | MS_PRIVATE,
			     NULL) == 0;
	return done;
}

static int64_t command(struct slowfs *fs, uint64_t op, uint64_t a0,
		       uint64_t a1)
{
	struct slowfs_cmd c = { .op = op, .a = { a0, a1 } };
	int64_t reply = -EPIPE;

	if (send(fs->sock, &c, sizeof(c), MSG_NOSIGNAL) == sizeof(c)) {
		while (recv(fs->sock, &reply, sizeof(reply), 0) < 0 &&
		       errno == EINTR)
			;
	}
	return reply;
}

static void free_client(struct slowfs *fs)
{
	if (fs->sock >= 0)
		close(fs->sock);
	if (fs->mnt)
		rmdir(fs->mnt);
	free(fs->file);
	free(fs->mnt);
	free(fs);
}

int slowfs_start(struct slowfs **fsp, const char *dir, uint64_t size,
		 const char **why)
{
	bool auto_unmount = !private_namespace();
	struct slowfs *fs;
	int64_t status = -1;
	int sv[2];

	*fsp = NULL;
	if (access("/dev/fuse", R_OK | W_OK) != 0) {
		*why = "/dev/fuse is not available";
		return -ENODEV;
	}
	fs = calloc(1, sizeof(*fs));
	if (!fs)
		return -ENOMEM;
	fs->sock = -1;
	if (asprintf(&fs->mnt, "%s/slowfs-XXXXXX", dir) < 0 ||
	    !mkdtemp(fs->mnt) ||
	    asprintf(&fs->file, "%s/data", fs->mnt) < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
		*why = "cannot create the mount point or control socket";
		free_client(fs);
		return -ENOMEM;
	}
	fflush(NULL);
	fs->pid = fork();
	if (fs->pid == 0) {
		close(sv[0]);
		slowfs_server_main(fs->mnt, size, sv[1], getppid(),
				   auto_unmount);
	}
	close(sv[1]);
	fs->sock = sv[0];
	if (fs->pid < 0 ||
	    recv(fs->sock, &status, sizeof(status), 0) != sizeof(status) ||
	    status != 0) {
		*why = "cannot mount a FUSE file system";
		if (fs->pid > 0)
			waitpid(fs->pid, NULL, 0);
		free_client(fs);
		return -EPERM;
	}
	*fsp = fs;
	return 0;
}

const char *slowfs_path(const struct slowfs *fs)
{
	return fs->file;
}

void slowfs_hold_from(struct slowfs *fs, uint64_t offset)
{
	command(fs, CMD_HOLD_FROM, offset, 0);
}

unsigned int slowfs_held(struct slowfs *fs)
{
	int64_t n = command(fs, CMD_HELD, 0, 0);

	return n > 0 ? (unsigned int)n : 0;
}

bool slowfs_wait_held(struct slowfs *fs, unsigned int n, int timeout_ms)
{
	const struct timespec ms = { 0, 1000000 };
	int waited;

	for (waited = 0; waited <= timeout_ms; waited++) {
		if (slowfs_held(fs) >= n)
			return true;
		nanosleep(&ms, NULL);
	}
	return false;
}

void slowfs_release(struct slowfs *fs)
{
	command(fs, CMD_RELEASE, 0, 0);
}

void slowfs_release_later(struct slowfs *fs, unsigned int n, int delay_ms)
{
	command(fs, CMD_RELEASE_LATER, n, (uint64_t)delay_ms);
}

void slowfs_kick(struct slowfs *fs, pid_t tid, int sig, unsigned int n,
		 int delay_ms, int count, int interval_ms)
{
	struct slowfs_cmd c = {
		.op = CMD_KICK,
		.a = { n, (uint64_t)delay_ms, (uint64_t)count,
		       (uint64_t)interval_ms, (uint64_t)tid, (uint64_t)sig },
	};
	int64_t reply;

	if (send(fs->sock, &c, sizeof(c), MSG_NOSIGNAL) == sizeof(c))
		while (recv(fs->sock, &reply, sizeof(reply), 0) < 0 &&
		       errno == EINTR)
			;
}

int slowfs_kicks_sent(struct slowfs *fs)
{
	return (int)command(fs, CMD_KICKS_SENT, 0, 0);
}

void slowfs_cancel_timers(struct slowfs *fs)
{
	command(fs, CMD_CANCEL_TIMERS, 0, 0);
}

void slowfs_stop(struct slowfs **fsp)
{
	struct slowfs *fs = *fsp;

	if (!fs)
		return;
	command(fs, CMD_QUIT, 0, 0);
	waitpid(fs->pid, NULL, 0);
	free_client(fs);
	*fsp = NULL;
}
