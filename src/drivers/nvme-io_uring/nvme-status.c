/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * NVMe completion status -> negative errno and a message.  The message is
 * a completion's error_msg, which must stay valid for good (libblkio's
 * are static strings), so every message is one: the statuses the driver
 * can meet have their names; any other status gets "NVMe status 0x%03x",
 * formatted once into a static table the first time one is seen.
 *
 * The errno follows the kernel's nvme_error_status() where the block
 * layer has a better name for the failure, except that an invalid field
 * is -EINVAL, an LBA out of range -ERANGE, and media errors -EIO, which
 * say more to a block-I/O caller than -EOPNOTSUPP and -ENODATA.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>

#include "nvme.h"
#include "nvme-spec.h"

struct status_name {
	uint16_t code;		/* Status Code Type << 8 | Status Code */
	int err;
	const char *msg;
};

#define S(code, err, name) { code, err, "NVMe status " #code ": " name }

static const struct status_name known[] = {
	/* Generic command status (SCT 0) */
	S(0x001, -EOPNOTSUPP, "Invalid Command Opcode"),
	S(0x002, -EINVAL, "Invalid Field in Command"),
	S(0x004, -EIO, "Data Transfer Error"),
	S(0x005, -EIO, "Commands Aborted due to Power Loss Notification"),
	S(0x006, -EIO, "Internal Error"),
	S(0x007, -ECANCELED, "Command Abort Requested"),
	S(0x008, -ECANCELED, "Command Aborted due to SQ Deletion"),
	S(0x00b, -EOPNOTSUPP, "Invalid Namespace or Format"),
	S(0x00f, -EINVAL, "Invalid SGL Segment Descriptor"),
	S(0x015, -EPERM, "Operation Denied"),
	S(0x020, -EROFS, "Namespace is Write Protected"),
	S(0x021, -EAGAIN, "Command Interrupted"),
	S(0x080, -ERANGE, "LBA Out of Range"),
	S(0x081, -ENOSPC, "Capacity Exceeded"),
	S(0x082, -EAGAIN, "Namespace Not Ready"),
	S(0x083, -EBADE, "Reservation Conflict"),
	S(0x084, -EBUSY, "Format In Progress"),
	/* Command specific status (SCT 1) */
	S(0x180, -EOPNOTSUPP, "Conflicting Attributes"),
	S(0x182, -EROFS, "Attempted Write to Read Only Range"),
	S(0x1b8, -EIO, "Zoned Boundary Error"),
	S(0x1b9, -EIO, "Zone Is Full"),
	S(0x1ba, -EIO, "Zone Is Read Only"),
	S(0x1bb, -EIO, "Zone Is Offline"),
	S(0x1bc, -EIO, "Zone Invalid Write"),
	S(0x1bd, -EOVERFLOW, "Too Many Active Zones"),
	S(0x1be, -ETOOMANYREFS, "Too Many Open Zones"),
	S(0x1bf, -EIO, "Invalid Zone State Transition"),
	/* Media and data integrity errors (SCT 2) */
	S(0x280, -EIO, "Write Fault"),
	S(0x281, -EIO, "Unrecovered Read Error"),
	S(0x282, -EILSEQ, "End-to-end Guard Check Error"),
	S(0x283, -EILSEQ, "End-to-end Application Tag Check Error"),
	S(0x284, -EILSEQ, "End-to-end Reference Tag Check Error"),
	S(0x285, -EIO, "Compare Failure"),
	S(0x286, -EACCES, "Access Denied"),
	S(0x287, -EIO, "Deallocated or Unwritten Logical Block"),
	/* Path related status (SCT 3) */
	S(0x300, -ENOLINK, "Internal Path Error"),
	S(0x301, -ENOLINK, "Asymmetric Access Persistent Loss"),
	S(0x302, -ENOLINK, "Asymmetric Access Inaccessible"),
	S(0x303, -EAGAIN, "Asymmetric Access Transition"),
	S(0x360, -ENOLINK, "Controller Pathing Error"),
	S(0x370, -ENOLINK, "Host Pathing Error"),
	S(0x371, -ECANCELED, "Command Aborted By Host"),
};

#define UNKNOWN_MSG_LEN 24
static char unknown_msgs[NVME_STATUS_MASK + 1][UNKNOWN_MSG_LEN];
static pthread_once_t unknown_once = PTHREAD_ONCE_INIT;

/* Only reached on a status outside the table: never on the data path's
 * steady state. */
static void format_unknown(void)
{
	for (unsigned c = 0; c <= NVME_STATUS_MASK; c++)
		snprintf(unknown_msgs[c], UNKNOWN_MSG_LEN,
			 "NVMe status 0x%03x", c);
}

int nvme_status_errno(int status, const char **msg)
{
	unsigned code = (unsigned)status & NVME_STATUS_MASK;
	size_t lo = 0, hi = ARRAY_SIZE(known);

	/* known[] is sorted by code. */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (known[mid].code == code) {
			*msg = known[mid].msg;
			return known[mid].err;
		}
		if (known[mid].code < code)
			lo = mid + 1;
		else
			hi = mid;
	}
	pthread_once(&unknown_once, format_unknown);
	*msg = unknown_msgs[code];
	return -EIO;
}
