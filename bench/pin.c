/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * pin: keeps files resident in the page cache while a benchmark runs.
 *
 *   pin FILE...
 *
 * Maps each file shared and read-only and locks the mapping, which reads
 * every page into the page cache and keeps it there: locked pages are not
 * reclaimed and "echo 3 > drop_caches" skips mapped pages, so other users
 * of this shared machine cannot turn a page-cache benchmark into a disk
 * benchmark halfway through. When mlock() is not allowed (no
 * CAP_IPC_LOCK, small RLIMIT_MEMLOCK) the pages are only faulted in.
 *
 * Prints one line per file ("locked PATH BYTES" or "warmed PATH BYTES"),
 * then "ready", then holds the mappings until stdin reaches end of file or
 * a signal ends it. The parent benchmark script keeps the other end of
 * stdin; if that script dies, the pipe closes and the pin goes away too.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

/* Touches one byte per page so that every page is in the page cache. */
static unsigned long fault_in(const volatile char *p, size_t len)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned long sum = 0;
	size_t off;

	for (off = 0; off < len; off += page)
		sum += p[off];
	return sum;
}

static int pin_file(const char *path)
{
	struct stat st;
	void *p;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "pin: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size == 0) {
		fprintf(stderr, "pin: %s: not a non-empty regular file\n", path);
		close(fd);
		return -1;
	}
	p = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		fprintf(stderr, "pin: %s: mmap: %s\n", path, strerror(errno));
		return -1;
	}
	if (mlock(p, st.st_size) == 0) {
		printf("locked %s %lld\n", path, (long long)st.st_size);
	} else {
		fprintf(stderr, "pin: %s: mlock: %s; only warming the cache\n",
			path, strerror(errno));
		fault_in(p, st.st_size);
		printf("warmed %s %lld\n", path, (long long)st.st_size);
	}
	return 0;
}

int main(int argc, char **argv)
{
	char buf[256];
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE...\n", argv[0]);
		return 2;
	}
	/* Belt and braces next to the stdin pipe: die with the parent. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);

	for (i = 1; i < argc; i++)
		if (pin_file(argv[i]) < 0)
			return 1;
	printf("ready\n");
	fflush(stdout);

	for (;;) {
		ssize_t n = read(0, buf, sizeof(buf));

		if (n == 0 || (n < 0 && errno != EINTR))
			return 0;
	}
}
