/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * The virtqueues' area for transports whose device maps our memory by fd
 * (vhost-user: the backend mmaps it; vhost-vdpa: VDUSE reaches only
 * shared file-backed memory): a memfd mapped shared.  The transport then
 * hands it to the device its own way.
 */
#define _GNU_SOURCE	/* memfd_create */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vblk.h"

int vblk_shm_memfd(size_t len, struct vblk_shm *shm)
{
	void *addr;
	int fd, ret;

	fd = memfd_create("blkio-virtqueues", MFD_CLOEXEC);
	if (fd < 0)
		return blkio_err_os(-errno, "memfd_create for the virtqueues failed");
	if (ftruncate(fd, (off_t)len) < 0) {
		ret = blkio_err_os(-errno, "ftruncate of the virtqueue memfd failed");
		close(fd);
		return ret;
	}
	addr = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (addr == MAP_FAILED) {
		ret = blkio_err_os(-errno, "mmap of the virtqueues failed");
		close(fd);
		return ret;
	}
	*shm = (struct vblk_shm){ .addr = addr, .len = len, .fd = fd,
				  .dev_addr = (uintptr_t)addr };
	return 0;
}

void vblk_shm_release(struct vblk_shm *shm)
{
	munmap(shm->addr, shm->len);
	close(shm->fd);
}
