/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/* A seccomp listener counting one system call (syscall-count.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "syscall-count.h"

static void *count_calls(void *arg)
{
	struct syscall_counter *c = arg;
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;

	for (;;) {
		memset(&req, 0, sizeof(req));
		if (ioctl(c->listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
			/*
			 * ENOENT: the call was interrupted (io_uring's task
			 * work does that) before we took it; it is restarted
			 * and notified again.
			 */
			if (errno == EINTR || errno == ENOENT)
				continue;
			return NULL;	/* the listener was closed */
		}
		__atomic_fetch_add(&c->count, 1, __ATOMIC_RELAXED);
		memset(&resp, 0, sizeof(resp));
		resp.id = req.id;
		resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		ioctl(c->listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
	}
}

const char *syscall_counter_start(struct syscall_counter *c, long nr)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = 4, .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return "PR_SET_NO_NEW_PRIVS failed";
	c->listener = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
				   SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	if (c->listener < 0)
		return "no seccomp user notification (Linux 5.0)";
	c->count = 0;
	if (pthread_create(&c->thread, NULL, count_calls, c) != 0)
		return "pthread_create failed";
	return NULL;
}

unsigned long syscall_counter_read(struct syscall_counter *c)
{
	return __atomic_load_n(&c->count, __ATOMIC_RELAXED);
}
