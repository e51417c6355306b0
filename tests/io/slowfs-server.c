/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * The slowfs server process: a low-level libfuse file system with one
 * read-only file, reads at or beyond hold_from kept unanswered, and two
 * timers driven by the number of held reads: "release them after a
 * delay" and "signal a thread of the test a few times".  Doing the timed
 * work here rather than in threads of the test keeps the test process
 * single-threaded, which valgrind needs: it does not treat io_uring_enter
 * as a blocking system call, so while one thread waits in it no other
 * thread of that process runs, and signals are held back.
 */
#define _GNU_SOURCE
#define FUSE_USE_VERSION 31
#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "slowfs-proto.h"
#include "slowfs.h"

#define FILE_INO 2
#define FILE_NAME "data"
#define MAX_HELD 256

struct held_read {
	fuse_req_t req;
	size_t size;
	off_t off;
};

/* Fires once @n reads are held: after @delay_ms, then every @interval. */
struct timer {
	bool armed;
	bool started;
	unsigned int n;
	int64_t delay_ms;
	int64_t interval_ms;
	int64_t due;		/* CLOCK_MONOTONIC ms, once started */
	int remaining;		/* firings left */
};

struct server {
	uint64_t size;
	uint64_t hold_from;
	struct held_read held[MAX_HELD];
	unsigned int nr_held;

	struct timer release;
	struct timer kick;
	pid_t kick_tgid, kick_tid;
	int kick_sig;
	int kicks_sent;
};

uint8_t slowfs_byte(uint64_t offset)
{
	return (uint8_t)(offset * 131 + (offset >> 9) * 7 + 1);
}

static int64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* ---- the file system ---- */

static void fill_attr(const struct server *sv, fuse_ino_t ino,
		      struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	if (ino == FUSE_ROOT_ID) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
	} else {
		st->st_mode = S_IFREG | 0644;
		st->st_nlink = 1;
		st->st_size = (off_t)sv->size;
		st->st_blocks = (blkcnt_t)((sv->size + 511) / 512);
	}
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct server *sv = fuse_req_userdata(req);
	struct fuse_entry_param e;

	if (parent != FUSE_ROOT_ID || strcmp(name, FILE_NAME) != 0) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	memset(&e, 0, sizeof(e));
	e.ino = FILE_INO;
	e.attr_timeout = 3600;
	e.entry_timeout = 3600;
	fill_attr(sv, FILE_INO, &e.attr);
	fuse_reply_entry(req, &e);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct server *sv = fuse_req_userdata(req);
	struct stat st;

	(void)fi;
	if (ino != FUSE_ROOT_ID && ino != FILE_INO) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	fill_attr(sv, ino, &st);
	fuse_reply_attr(req, &st, 3600);
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	if (ino != FILE_INO) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	/* Every read must reach us: no page cache, no readahead. */
	fi->direct_io = 1;
	fi->keep_cache = 0;
	fuse_reply_open(req, fi);
}

static void answer_read(struct server *sv, fuse_req_t req, size_t size,
			off_t off)
{
	uint64_t o = (uint64_t)off;
	size_t n = 0, i;
	uint8_t *data;

	if (o < sv->size)
		n = sv->size - o < size ? (size_t)(sv->size - o) : size;
	data = malloc(n ? n : 1);
	if (!data) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	for (i = 0; i < n; i++)
		data[i] = slowfs_byte(o + i);
	fuse_reply_buf(req, (const char *)data, n);
	free(data);
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct server *sv = fuse_req_userdata(req);

	(void)ino;
	(void)fi;
	if ((uint64_t)off >= sv->hold_from && sv->nr_held < MAX_HELD)
		sv->held[sv->nr_held++] = (struct held_read){ req, size, off };
	else
		answer_read(sv, req, size, off);
}

static void op_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
		     size_t size, off_t off, struct fuse_file_info *fi)
{
	(void)ino;
	(void)buf;
	(void)size;
	(void)off;
	(void)fi;
	fuse_reply_err(req, EROFS);
}

static void op_ok(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	fuse_reply_err(req, 0);
}

static void op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
		     struct fuse_file_info *fi)
{
	(void)datasync;
	op_ok(req, ino, fi);
}

static const struct fuse_lowlevel_ops slowfs_ops = {
	.lookup = op_lookup,
	.getattr = op_getattr,
	.open = op_open,
	.read = op_read,
	.write = op_write,
	.flush = op_ok,
	.release = op_ok,
	.fsync = op_fsync,
};

static void release_held(struct server *sv)
{
	unsigned int i;

	sv->hold_from = UINT64_MAX;
	for (i = 0; i < sv->nr_held; i++)
		answer_read(sv, sv->held[i].req, sv->held[i].size,
			    sv->held[i].off);
	sv->nr_held = 0;
}

/* ---- timers ---- */

static void arm(struct timer *t, const uint64_t *a, int firings,
		int64_t interval_ms)
{
	*t = (struct timer){
		.armed = true,
		.n = (unsigned int)a[0],
		.delay_ms = (int64_t)a[1],
		.interval_ms = interval_ms,
		.remaining = firings,
	};
}

/* Start timers whose held count is reached; fire the ones due. */
static void run_timers(struct server *sv)
{
	struct timer *ts[2] = { &sv->release, &sv->kick };
	int64_t now = now_ms();

	for (int i = 0; i < 2; i++) {
		struct timer *t = ts[i];

		if (t->armed && !t->started && sv->nr_held >= t->n) {
			t->started = true;
			t->due = now + t->delay_ms;
		}
		while (t->armed && t->started && t->due <= now) {
			if (t == &sv->release) {
				release_held(sv);
			} else {
				syscall(SYS_tgkill, sv->kick_tgid,
					sv->kick_tid, sv->kick_sig);
				sv->kicks_sent++;
			}
			t->due += t->interval_ms;
			if (--t->remaining == 0)
				t->armed = false;
		}
	}
}

/* poll() timeout until the next timer is due, -1 if none. */
static int next_timeout(const struct server *sv)
{
	const struct timer *ts[2] = { &sv->release, &sv->kick };
	int64_t now = now_ms(), best = -1;

	for (int i = 0; i < 2; i++) {
		int64_t left;

		if (!ts[i]->armed || !ts[i]->started)
			continue;
		left = ts[i]->due > now ? ts[i]->due - now : 0;
		if (best < 0 || left < best)
			best = left;
	}
	return best > 10000 ? 10000 : (int)best;
}

/* ---- the control socket and the loop ---- */

/* One control command; false when the server should end. */
static bool handle_cmd(struct server *sv, int sock, pid_t parent)
{
	struct slowfs_cmd c;
	int64_t reply = 0;
	ssize_t n;

	n = recv(sock, &c, sizeof(c), 0);
	if (n < 0 && errno == EINTR)
		return true;
	if (n != sizeof(c))
		return false;
	switch (c.op) {
	case CMD_HOLD_FROM:
		sv->hold_from = c.a[0];
		break;
	case CMD_RELEASE:
		release_held(sv);
		break;
	case CMD_HELD:
		reply = sv->nr_held;
		break;
	case CMD_RELEASE_LATER:
		arm(&sv->release, c.a, 1, 0);
		break;
	case CMD_KICK:
		arm(&sv->kick, c.a, (int)c.a[2], (int64_t)c.a[3]);
		sv->kick_tgid = parent;
		sv->kick_tid = (pid_t)c.a[4];
		sv->kick_sig = (int)c.a[5];
		sv->kicks_sent = 0;
		if (!sv->kick.remaining)
			sv->kick.armed = false;
		break;
	case CMD_KICKS_SENT:
		reply = sv->kicks_sent;
		break;
	case CMD_CANCEL_TIMERS:
		sv->release.armed = false;
		sv->kick.armed = false;
		break;
	default:
		return false;
	}
	return send(sock, &reply, sizeof(reply), MSG_NOSIGNAL) ==
	       sizeof(reply);
}

static volatile sig_atomic_t parent_died;

/*
 * The parent has begun to exit (PF_EXITING in /proc/PID/stat), or is
 * gone.  A process whose kernel AIO requests we hold waits for them in
 * exit (exit_aio) before its children get the parent-death signal, so
 * while reads are held the server looks for itself and answers them.
 */
static bool parent_exiting(pid_t parent)
{
	char path[64], buf[512], *p;
	unsigned int flags;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)parent);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return true;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	/* state ppid pgrp session tty_nr tpgid flags */
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %u", &flags) != 1)
		return false;
	return flags & 0x4;	/* PF_EXITING */
}

/* While reads are held, look at the parent this often. */
#define PARENT_CHECK_MS 200

static void on_sigterm(int sig)
{
	(void)sig;
	parent_died = 1;
}

/*
 * SIGTERM is blocked except inside ppoll(), so a parent death is noticed
 * there and never lost between two calls.
 */
static void serve(struct server *sv, struct fuse_session *se, int sock,
		  pid_t parent, const sigset_t *waitmask)
{
	struct fuse_buf fbuf = { .mem = NULL };
	struct pollfd pfd[2] = {
		{ .fd = fuse_session_fd(se), .events = POLLIN },
		{ .fd = sock, .events = POLLIN },
	};
	int ret;

	while (!parent_died) {
		int ms = next_timeout(sv);
		struct timespec to;

		if (sv->nr_held && (ms < 0 || ms > PARENT_CHECK_MS))
			ms = PARENT_CHECK_MS;
		to.tv_sec = ms / 1000;
		to.tv_nsec = (long)(ms % 1000) * 1000000;

		ret = ppoll(pfd, 2, ms < 0 ? NULL : &to, waitmask);
		if (ret < 0 && errno != EINTR)
			break;
		if (ret > 0 && (pfd[0].revents & (POLLERR | POLLHUP | POLLNVAL)))
			break;
		if (ret > 0 && (pfd[0].revents & POLLIN)) {
			ret = fuse_session_receive_buf(se, &fbuf);
			if (ret == 0 || (ret < 0 && ret != -EINTR &&
					 ret != -EAGAIN))
				break;
			if (ret > 0)
				fuse_session_process_buf(se, &fbuf);
		}
		if (pfd[1].revents && !handle_cmd(sv, sock, parent))
			break;
		pfd[1].revents = 0;
		run_timers(sv);
		if (sv->nr_held && parent_exiting(parent))
			break;
	}
	free(fbuf.mem);
}

__attribute__((format(printf, 2, 0)))
static void log_quietly(enum fuse_log_level level, const char *fmt,
			va_list ap)
{
	/* Only errors: keep the test output readable. */
	if (level <= FUSE_LOG_ERR)
		vfprintf(stderr, fmt, ap);
}

static struct fuse_session *mount_fs(struct server *sv, const char *mnt,
				     bool auto_unmount)
{
	char *argv[] = {
		"slowfs", "-o",
		auto_unmount ? "auto_unmount,fsname=slowfs" : "fsname=slowfs",
		NULL,
	};
	struct fuse_args args = FUSE_ARGS_INIT(3, argv);
	struct fuse_session *se;

	se = fuse_session_new(&args, &slowfs_ops, sizeof(slowfs_ops), sv);
	fuse_opt_free_args(&args);
	if (se && fuse_session_mount(se, mnt) != 0) {
		fuse_session_destroy(se);
		se = NULL;
	}
	return se;
}

void slowfs_server_main(const char *mnt, uint64_t size, int sock,
			pid_t parent, bool auto_unmount)
{
	static struct server sv;
	struct sigaction sa = { .sa_handler = on_sigterm };
	struct fuse_session *se;
	sigset_t term, none;
	int64_t status;

	/*
	 * End with the test: answering what is held and unmounting frees
	 * the test's requests, so a failing test still exits cleanly.
	 */
	sigemptyset(&none);
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_SETMASK, &term, NULL);
	sigaction(SIGTERM, &sa, NULL);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(1);
	/*
	 * Check kills the process group of a test that fails or times out;
	 * out of that group, the server still gets SIGTERM and cleans up.
	 */
	setpgid(0, 0);
	fuse_set_log_func(log_quietly);

	sv.size = size;
	sv.hold_from = UINT64_MAX;
	se = mount_fs(&sv, mnt, auto_unmount);
	if (!se && auto_unmount)
		se = mount_fs(&sv, mnt, false);
	status = se ? 0 : -EPERM;
	if (send(sock, &status, sizeof(status), MSG_NOSIGNAL) != sizeof(status)
	    || !se)
		_exit(1);
	serve(&sv, se, sock, parent, &none);
	release_held(&sv);
	fuse_session_unmount(se);
	fuse_session_destroy(se);
	rmdir(mnt);
	_exit(0);
}
