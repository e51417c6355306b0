/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * What the slowfs client (slowfs.c, in the test process) and the slowfs
 * server (slowfs-server.c, a child process) say to each other over their
 * SOCK_SEQPACKET pair: one struct cmd per command, one int64_t reply.
 */
#ifndef BLKIO_TESTS_IO_SLOWFS_PROTO_H
#define BLKIO_TESTS_IO_SLOWFS_PROTO_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum slowfs_op {
	CMD_HOLD_FROM,		/* a[0] = offset; reply 0 */
	CMD_RELEASE,		/* answer held reads, stop holding; reply 0 */
	CMD_HELD,		/* reply: reads held now */
	CMD_RELEASE_LATER,	/* a[0] = held count, a[1] = delay in ms */
	CMD_KICK,		/* a[0] = held count, a[1] = delay in ms,
				 * a[2] = signals, a[3] = interval in ms,
				 * a[4] = thread id, a[5] = signal number */
	CMD_KICKS_SENT,		/* reply: signals sent by the last CMD_KICK */
	CMD_CANCEL_TIMERS,	/* drop pending CMD_RELEASE_LATER / CMD_KICK */
	CMD_QUIT,		/* no reply: the server ends */
};

struct slowfs_cmd {
	uint64_t op;		/* enum slowfs_op; 64 bits: no padding */
	uint64_t a[6];
};

/*
 * Run the server in the child: mount @mnt (auto_unmount when asked),
 * send 0 or a negative errno on @sock, serve until CMD_QUIT, the socket
 * closing or the parent @parent dying; then unmount and _exit().
 */
__attribute__((noreturn))
void slowfs_server_main(const char *mnt, uint64_t size, int sock,
			pid_t parent, bool auto_unmount);

#endif
