/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * The virtio-blk-vfio-pci driver in the VM test world
 * (tests/vm/configs/vfio.sh):
 *
 *   vfio-test DEV IMAGE [OTHER_DEV]
 *   vfio-test --unplug DEV
 *   vfio-test --reset DEV
 *
 * DEV is the sysfs directory of a virtio-blk PCI function bound to
 * vfio-pci, IMAGE its backing file as the guest sees it (the uncached 9p
 * work share: what the device wrote is there at once), OTHER_DEV one
 * left bound to virtio-pci.  Checks:
 *
 *  1. connect errors: no path, a regular file, a missing path, a device
 *     not bound to vfio-pci (a message naming vfio-pci), "fd" refused;
 *  2. properties before and after connect (needs-mem-region-fd turns
 *     false, mem-region-alignment, max-queues, capacity = IMAGE's size);
 *  3. on every queue (all regular, then half of them poll queues): a
 *     pattern written (write, writev, FUA) and read back (read, readv)
 *     from memory with no fd, compared, and found in IMAGE; flush,
 *     write-zeroes; a buffer outside every region fails with -EFAULT;
 *     a regular queue's completion fd fires (MSI-X) while a poll queue's
 *     requests move no vfio interrupt;
 *  4. disconnect resets the device: open, I/O, destroy three times;
 *  5. memory regions mapped, unmapped and mapped again (IOVAs reused),
 *     an unaligned one refused;
 *  6. a second instance on the same device fails while the first holds
 *     it (the IOMMU group is busy), and connects once it is gone.
 *
 * --unplug: DEV is unbound from vfio-pci while an instance holds it; the
 * kernel then signals the device request eventfd, waits must fail with
 * -EIO, destroy releases the device so that the unbind completes, and
 * after a re-probe (driver_override still says vfio-pci) it works again.
 *
 * --reset: DEV is reset behind the instance's back (sysfs "reset"); a
 * request then never completes, and the wait fails with -EIO within a
 * few seconds (the driver's check of device_status), not hanging; a new
 * instance works after destroy.
 *
 * Public API only.  One PASS/FAIL line per check; exit 0 if all passed.
 */
#define _GNU_SOURCE
#include <blkio.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define REGION_LEN (4u << 20)
#define CHUNK (64u << 10)

static int failures;

__attribute__((format(printf, 2, 3)))
static void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", ok ? "PASS" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (!ok)
		printf(" (last error: %s)", blkio_get_error_msg());
	printf("\n");
	fflush(stdout);
	failures += !ok;
}

/* Interrupts of vfio's MSI-X lines so far, all CPUs, every device. */
static long long vfio_irqs(void)
{
	FILE *f = fopen("/proc/interrupts", "r");
	char line[4096];
	long long sum = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = strchr(line, ':'), *end;

		if (!p || !strstr(line, "vfio-msix"))
			continue;
		for (p++;; p = end) {
			long long v = strtoll(p, &end, 10);

			if (end == p)
				break;
			sum += v;
		}
	}
	fclose(f);
	return sum;
}

static void fill(uint8_t *p, size_t len, uint64_t off, unsigned seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)((off + i) * 2654435761u >> 13) ^ (uint8_t)seed;
}

static int connect_path(const char *path, struct blkio **bp)
{
	int ret = blkio_create("virtio-blk-vfio-pci", bp);

	if (ret == 0 && path)
		ret = blkio_set_str(*bp, "path", path);
	if (ret == 0)
		ret = blkio_connect(*bp);
	return ret;
}

static void expect_connect_error(const char *what, const char *path,
				 int err, const char *msg_part)
{
	struct blkio *b = NULL;
	int ret = connect_path(path, &b);

	check(ret == err && (!msg_part ||
			     strstr(blkio_get_error_msg(), msg_part)),
	      "connect with %s fails with %d: got %d \"%s\"", what, err, ret,
	      blkio_get_error_msg());
	blkio_destroy(&b);
}

static void test_errors(const char *image, const char *other)
{
	struct blkio *b = NULL;

	expect_connect_error("no path", NULL, -EINVAL, "path");
	expect_connect_error("a regular file", image, -EINVAL, NULL);
	expect_connect_error("a missing path",
			     "/sys/bus/pci/devices/0000:00:1f.7", -ENOENT, NULL);
	if (other)
		expect_connect_error("a device bound to virtio-pci", other,
				     -ENODEV, "vfio-pci");
	blkio_create("virtio-blk-vfio-pci", &b);
	check(blkio_set_int(b, "fd", 3) == -ENOENT,
	      "setting \"fd\" is refused with -ENOENT");
	blkio_destroy(&b);
}

static uint64_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static void test_props(const char *dev, const char *image, int *max_queues)
{
	struct blkio *b = NULL;
	uint64_t cap = 0, align = 0;
	bool fd_needed = false, regions = false;
	int ret;

	blkio_create("virtio-blk-vfio-pci", &b);
	blkio_get_bool(b, "needs-mem-region-fd", &fd_needed);
	check(fd_needed, "needs-mem-region-fd is true before connect");
	blkio_set_str(b, "path", dev);
	ret = blkio_connect(b);
	check(ret == 0, "connect %s: %d", dev, ret);
	if (ret < 0) {
		blkio_destroy(&b);
		return;
	}
	blkio_get_bool(b, "needs-mem-region-fd", &fd_needed);
	blkio_get_bool(b, "needs-mem-regions", &regions);
	check(!fd_needed && regions,
	      "needs-mem-region-fd false, needs-mem-regions true after connect");
	blkio_get_uint64(b, "mem-region-alignment", &align);
	check(align == 4096, "mem-region-alignment %llu", (unsigned long long)align);
	blkio_get_uint64(b, "capacity", &cap);
	check(cap == file_size(image), "capacity %llu = the image's size",
	      (unsigned long long)cap);
	blkio_get_int(b, "max-queues", max_queues);
	check(*max_queues >= 1, "max-queues %d", *max_queues);
	blkio_destroy(&b);
}

struct ctx {
	struct blkio *b;
	uint8_t *mem;		/* REGION_LEN bytes, mapped, no fd */
	int img;		/* the backing image */
};

static int run1(struct blkioq *q, struct blkio_completion *c)
{
	int ret = blkioq_do_io(q, c, 1, 1, NULL);

	return ret == 1 ? c->ret : (ret < 0 ? ret : -EIO);
}

/* Written data is in the backing image, byte for byte. */
static bool in_image(struct ctx *x, const uint8_t *want, size_t len,
		     uint64_t off)
{
	uint8_t *got = malloc(len);
	bool same = got && pread(x->img, got, len, (off_t)off) == (ssize_t)len &&
		    memcmp(got, want, len) == 0;

	free(got);
	return same;
}

static void queue_io(struct ctx *x, struct blkioq *q, const char *name,
		     uint64_t off)
{
	uint8_t *w = x->mem, *r = x->mem + CHUNK;
	struct iovec wv[3] = { { w, 4096 }, { w + 4096, 8192 },
			       { w + 12288, CHUNK - 12288 } };
	struct iovec rv[2] = { { r, 512 }, { r + 512, CHUNK - 512 } };
	struct blkio_completion c;
	uint8_t *outside = malloc(4096);
	int ret;

	fill(w, CHUNK, off, 1);
	memset(r, 0, CHUNK);
	blkioq_write(q, off, w, CHUNK, NULL, 0);
	ret = run1(q, &c);
	blkioq_read(q, off, r, CHUNK, NULL, 0);
	ret = ret ? ret : run1(q, &c);
	check(ret == 0 && !memcmp(w, r, CHUNK) && in_image(x, w, CHUNK, off),
	      "%s: write + read back 64 KiB at %llu, in the image (%d)", name,
	      (unsigned long long)off, ret);

	fill(w, CHUNK, off, 2);
	memset(r, 0, CHUNK);
	blkioq_writev(q, off, wv, 3, NULL, BLKIO_REQ_FUA);
	ret = run1(q, &c);
	blkioq_readv(q, off, rv, 2, NULL, 0);
	ret = ret ? ret : run1(q, &c);
	blkioq_flush(q, NULL, 0);
	ret = ret ? ret : run1(q, &c);
	check(ret == 0 && !memcmp(w, r, CHUNK) && in_image(x, w, CHUNK, off),
	      "%s: writev (FUA) + readv + flush (%d)", name, ret);

	blkioq_write_zeroes(q, off + 4096, 8192, NULL, 0);
	ret = run1(q, &c);
	memset(w + 4096, 0, 8192);
	check(ret == 0 && in_image(x, w, CHUNK, off),
	      "%s: write-zeroes of 8 KiB (%d)", name, ret);

	if (outside) {
		blkioq_read(q, off, outside, 4096, NULL, 0);
		ret = run1(q, &c);
		check(ret == -EFAULT, "%s: a buffer outside every region: %d",
		      name, ret);
		free(outside);
	}
}

/*
 * A regular queue's completion fd is signalled by its MSI-X vector.
 * Under TCG the device may finish a read inside the notify write, before
 * blkioq_do_io() returns; the library then finds it with interrupts held
 * off and signals the fd itself.  So every read must make the fd fire,
 * and the vector must have fired for some of them: up to READS_FOR_IRQ
 * reads are made until it has.
 */
#define READS_FOR_IRQ 16

static bool completion_fd_once(struct ctx *x, struct blkioq *q, uint64_t off)
{
	int fd = blkioq_get_completion_fd(q);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct blkio_completion c;
	uint64_t v;
	bool fired;

	/* A count left from earlier requests would make poll() return early. */
	while (read(fd, &v, sizeof(v)) == (ssize_t)sizeof(v))
		;
	blkioq_read(q, off, x->mem, 4096, NULL, 0);
	blkioq_do_io(q, NULL, 0, 0, NULL);
	fired = poll(&p, 1, 10000) == 1 && (p.revents & POLLIN);
	if (read(fd, &v, sizeof(v)) < 0) {
		/* counted by poll() already */
	}
	return fired && blkioq_do_io(q, &c, 1, 1, NULL) == 1 && c.ret == 0;
}

static void completion_fd(struct ctx *x, struct blkioq *q, uint64_t off)
{
	long long before = vfio_irqs();
	bool fired = true;
	int n;

	blkioq_set_completion_fd_enabled(q, true);
	for (n = 0; n < READS_FOR_IRQ && fired && vfio_irqs() == before; n++)
		fired = completion_fd_once(x, q, off);
	check(fired && vfio_irqs() > before,
	      "completion fd fired for %d read(s), vfio MSI-X interrupts %lld -> %lld",
	      n, before, vfio_irqs());
	blkioq_set_completion_fd_enabled(q, false);
}

static void test_io(const char *dev, const char *image, int nq, int npq)
{
	struct ctx x = { .img = open(image, O_RDONLY) };
	struct blkio_mem_region r = { .len = REGION_LEN, .fd = -1 };
	char name[64];
	long long irqs;
	int i, ret;

	ret = connect_path(dev, &x.b);
	if (ret == 0)
		ret = blkio_set_int(x.b, "num-queues", nq);
	if (ret == 0)
		ret = blkio_set_int(x.b, "num-poll-queues", npq);
	if (ret == 0)
		ret = blkio_start(x.b);
	r.addr = mmap(NULL, REGION_LEN, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	x.mem = r.addr;
	if (ret == 0)
		ret = blkio_map_mem_region(x.b, &r);
	check(ret == 0 && x.img >= 0,
	      "%s: start with %d queues + %d poll queues, map anonymous memory",
	      dev, nq, npq);
	if (ret < 0)
		goto out;
	for (i = 0; i < nq; i++) {
		snprintf(name, sizeof(name), "queue %d/%d", i, nq);
		queue_io(&x, blkio_get_queue(x.b, i), name, (uint64_t)i * CHUNK);
		completion_fd(&x, blkio_get_queue(x.b, i), (uint64_t)i * CHUNK);
	}
	for (i = 0; i < npq; i++) {
		snprintf(name, sizeof(name), "poll queue %d/%d", i, npq);
		irqs = vfio_irqs();
		queue_io(&x, blkio_get_poll_queue(x.b, i), name,
			 (uint64_t)(nq + i) * CHUNK);
		check(vfio_irqs() == irqs, "%s: no vfio interrupt (%lld -> %lld)",
		      name, irqs, vfio_irqs());
	}
	blkio_unmap_mem_region(x.b, &r);
out:
	blkio_destroy(&x.b);
	munmap(r.addr, REGION_LEN);
	if (x.img >= 0)
		close(x.img);
}

static struct blkio_mem_region anon_region(size_t len)
{
	struct blkio_mem_region r = { .len = len, .fd = -1 };

	r.addr = mmap(NULL, len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return r;
}

/*
 * Regions come and go (QEMU resizes its bounce buffer by unmap + map):
 * the IOVAs of an unmapped one are reused, every mapped one works, and
 * a region that is not page-aligned is refused.
 */
static void test_regions(const char *dev)
{
	struct blkio_mem_region a = anon_region(1u << 20), b = anon_region(2u << 20),
				c = anon_region(3u << 20), odd = b;
	struct blkio_completion comp;
	struct blkio *bl = NULL;
	struct blkioq *q;
	int ret, i, ok = 0;

	ret = connect_path(dev, &bl);
	if (ret == 0)
		ret = blkio_start(bl);
	check(ret == 0, "%s: open for the region checks", dev);
	if (ret < 0)
		goto out;
	q = blkio_get_queue(bl, 0);
	for (i = 0; i < 20; i++) {
		ret = blkio_map_mem_region(bl, &a);
		ret = ret ? ret : blkio_map_mem_region(bl, &b);
		blkio_unmap_mem_region(bl, &a);
		ret = ret ? ret : blkio_map_mem_region(bl, &c);
		if (ret == 0) {
			fill(b.addr, 4096, 0, (unsigned)i);
			blkioq_write(q, 0, b.addr, 4096, NULL, 0);
			ret = run1(q, &comp);
			blkioq_read(q, 0, (char *)c.addr + (2u << 20), 4096,
				    NULL, 0);
			ret = ret ? ret : run1(q, &comp);
			ok += ret == 0 && !memcmp(b.addr, (char *)c.addr +
						  (2u << 20), 4096);
		}
		blkio_unmap_mem_region(bl, &b);
		blkio_unmap_mem_region(bl, &c);
	}
	check(ok == 20, "map, unmap, map again 20 times, I/O through each: %d/20",
	      ok);
	odd.addr = (char *)b.addr + 512;
	odd.len = 4096;
	check(blkio_map_mem_region(bl, &odd) == -EINVAL,
	      "a region not aligned to mem-region-alignment is refused");
out:
	blkio_destroy(&bl);
	munmap(a.addr, a.len);
	munmap(b.addr, b.len);
	munmap(c.addr, c.len);
}

static void test_busy(const char *dev)
{
	struct blkio *a = NULL, *b = NULL;
	int ret_a = connect_path(dev, &a), ret_b = -1;

	if (ret_a == 0)
		ret_b = connect_path(dev, &b);
	check(ret_a == 0 && ret_b < 0, "a second instance fails while the first holds the device: %d \"%s\"",
	      ret_b, blkio_get_error_msg());
	blkio_destroy(&a);
	check(blkio_connect(b) == 0, "... and connects once the first is gone");
	blkio_destroy(&b);
}

static bool write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	bool ok = fd >= 0 && write(fd, text, strlen(text)) ==
			     (ssize_t)strlen(text);

	if (fd >= 0)
		close(fd);
	return ok;
}

static bool bound_to_vfio(const char *dev)
{
	char p[512], target[512];
	ssize_t n;

	snprintf(p, sizeof(p), "%s/driver", dev);
	n = readlink(p, target, sizeof(target) - 1);
	if (n <= 0)
		return false;
	target[n] = '\0';
	return strstr(target, "/vfio-pci") != NULL;
}

/*
 * Unbind in a child, once told to through the pipe: the write blocks
 * until the device is released.  The child is forked before the device
 * is opened, or it would hold the device's fds itself and the unbind
 * would wait for its own process forever.
 */
static pid_t unbinder(const char *dev, int *go)
{
	const char *bdf = strrchr(dev, '/') + 1;
	int p[2];
	char c;
	pid_t pid;

	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			_exit(2);
		_exit(write_file("/sys/bus/pci/drivers/vfio-pci/unbind", bdf) ?
		      0 : 1);
	}
	close(p[0]);
	*go = p[1];
	return pid;
}

static bool child_done(pid_t pid, int secs)
{
	int status, i;

	for (i = 0; i < secs * 10; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) && WEXITSTATUS(status) == 0;
		usleep(100000);
	}
	return false;
}

static int test_unplug(const char *dev)
{
	struct blkio_mem_region r = { .len = REGION_LEN, .fd = -1 };
	struct blkio *b = NULL;
	struct blkio_completion c;
	struct blkioq *q;
	time_t until;
	int ret, n = 0, last = 0, go = -1;
	pid_t pid = unbinder(dev, &go);
	bool unbound;

	check(pid > 0, "fork the unbinder");
	if (pid < 0)
		return 1;
	ret = connect_path(dev, &b);
	if (ret == 0)
		ret = blkio_start(b);
	r.addr = mmap(NULL, REGION_LEN, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ret == 0)
		ret = blkio_map_mem_region(b, &r);
	check(ret == 0, "%s: open, start, map", dev);
	if (ret < 0) {
		kill(pid, SIGKILL);
		return 1;
	}
	q = blkio_get_queue(b, 0);
	if (write(go, "x", 1) != 1)
		check(false, "start the unbinder");
	/* Requests work until the next wait sees the request eventfd. */
	for (until = time(NULL) + 20; time(NULL) < until; n++) {
		blkioq_read(q, 0, r.addr, 4096, NULL, 0);
		ret = blkioq_do_io(q, &c, 1, 1, NULL);
		last = ret == 1 ? c.ret : ret;
		if (last == -EIO)
			break;
		usleep(10000);
	}
	check(last == -EIO, "a wait after the unbind request fails with -EIO "
	      "(after %d reads): %d \"%s\"", n, last,
	      last == 1 || !c.error_msg ? "" : c.error_msg);
	blkioq_read(q, 0, r.addr, 4096, NULL, 0);
	ret = blkioq_do_io(q, &c, 1, 1, NULL);
	check(ret == 1 && c.ret == -EIO, "so does every later request: %d %d",
	      ret, ret == 1 ? c.ret : 0);
	blkio_destroy(&b);
	unbound = child_done(pid, 30);
	if (!unbound)
		kill(pid, SIGKILL);
	check(unbound && !bound_to_vfio(dev),
	      "destroy released the device: the unbind completed");
	write_file("/sys/bus/pci/drivers_probe", strrchr(dev, '/') + 1);
	check(bound_to_vfio(dev), "re-probed: bound to vfio-pci again");
	ret = connect_path(dev, &b);
	if (ret == 0)
		ret = blkio_start(b);
	if (ret == 0)
		ret = blkio_map_mem_region(b, &r);
	if (ret == 0) {
		blkioq_read(blkio_get_queue(b, 0), 0, r.addr, 4096, NULL, 0);
		ret = run1(blkio_get_queue(b, 0), &c);
	}
	check(ret == 0, "a new instance reads from it: %d", ret);
	blkio_destroy(&b);
	munmap(r.addr, REGION_LEN);
	printf("%s: %d failure(s)\n", failures ? "FAILED" : "PASSED", failures);
	return failures ? 1 : 0;
}

static int test_reset(const char *dev)
{
	struct blkio_mem_region r = anon_region(REGION_LEN);
	struct blkio *b = NULL;
	struct blkio_completion c;
	struct timespec t0, t1;
	char path[512];
	int ret;

	ret = connect_path(dev, &b);
	if (ret == 0)
		ret = blkio_start(b);
	if (ret == 0)
		ret = blkio_map_mem_region(b, &r);
	check(ret == 0, "%s: open, start, map", dev);
	if (ret < 0)
		return 1;
	snprintf(path, sizeof(path), "%s/reset", dev);
	errno = 0;
	check(write_file(path, "1"), "reset the function through sysfs: %s",
	      strerror(errno));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	blkioq_read(blkio_get_queue(b, 0), 0, r.addr, 4096, NULL, 0);
	ret = blkioq_do_io(blkio_get_queue(b, 0), &c, 1, 1, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	check(ret == 1 && c.ret == -EIO,
	      "a request to the reset device fails with -EIO after %.1f s: %d %d \"%s\"",
	      (double)(t1.tv_sec - t0.tv_sec) +
	      (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
	      ret, ret == 1 ? c.ret : 0,
	      ret == 1 && c.error_msg ? c.error_msg : "");
	blkio_destroy(&b);
	ret = connect_path(dev, &b);
	if (ret == 0)
		ret = blkio_start(b);
	if (ret == 0)
		ret = blkio_map_mem_region(b, &r);
	if (ret == 0) {
		blkioq_read(blkio_get_queue(b, 0), 0, r.addr, 4096, NULL, 0);
		ret = run1(blkio_get_queue(b, 0), &c);
	}
	check(ret == 0, "a new instance reads from it: %d", ret);
	blkio_destroy(&b);
	munmap(r.addr, REGION_LEN);
	printf("%s: %d failure(s)\n", failures ? "FAILED" : "PASSED", failures);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	int max_queues = 0, round;

	if (argc == 3 && strcmp(argv[1], "--reset") == 0)
		return test_reset(argv[2]);

	if (argc == 3 && strcmp(argv[1], "--unplug") == 0)
		return test_unplug(argv[2]);

	if (argc < 3) {
		fprintf(stderr, "usage: %s DEV IMAGE [OTHER_DEV]\n", argv[0]);
		return 2;
	}
	test_errors(argv[2], argc > 3 ? argv[3] : NULL);
	test_props(argv[1], argv[2], &max_queues);
	if (max_queues < 1)
		return 1;
	test_io(argv[1], argv[2], max_queues, 0);
	if (max_queues > 1)
		test_io(argv[1], argv[2], max_queues / 2,
			max_queues - max_queues / 2);
	else
		test_io(argv[1], argv[2], 0, 1);
	/* Disconnect resets the device: every later open works. */
	for (round = 0; round < 3; round++)
		test_io(argv[1], argv[2], 1, 0);
	test_regions(argv[1]);
	test_busy(argv[1]);
	printf("%s: %d failure(s)\n", failures ? "FAILED" : "PASSED", failures);
	return failures ? 1 : 0;
}
