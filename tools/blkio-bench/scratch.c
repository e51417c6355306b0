/* SPDX-License-Identifier: MIT OR Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rng.h"
#include "scratch.h"
#include "signals.h"
#include "util.h"

#define FILL_CHUNK (1u << 20)

static char scratch_path[PATH_MAX];
/* Set only while scratch_path names a file we created and must remove. */
static volatile sig_atomic_t armed;

void scratch_remove(void)
{
	if (armed) {
		armed = 0;
		unlink(scratch_path);
	}
}

static void remove_at_exit(void)
{
	scratch_remove();
}

static const char *scratch_dir(void)
{
	const char *dir = getenv("TMPDIR");

	return dir && *dir ? dir : ".";
}

/* Signals stay blocked between creating the file and arming its removal. */
static int create_armed(void)
{
	sigset_t old;
	int fd;

	signals_block(&old);
	fd = mkstemp(scratch_path);
	if (fd >= 0)
		armed = 1;
	signals_restore(&old);
	return fd;
}

static void fill(int fd, uint64_t size)
{
	uint64_t state = (uint64_t)getpid(), *chunk;

	chunk = malloc(FILL_CHUNK);
	if (!chunk)
		die("out of memory");
	for (uint64_t off = 0; off < size; off += FILL_CHUNK) {
		size_t len = size - off < FILL_CHUNK ? size - off : FILL_CHUNK;
		ssize_t ret;

		for (size_t i = 0; i < FILL_CHUNK / 8; i++)
			chunk[i] = splitmix64(&state);
		ret = pwrite(fd, chunk, len, (off_t)off);
		if (ret < 0 || (size_t)ret != len)
			die("writing scratch file %s: %s", scratch_path,
			    ret < 0 ? strerror(errno) : "short write");
	}
	free(chunk);
}

const char *scratch_create(uint64_t size)
{
	int n, fd;

	n = snprintf(scratch_path, sizeof(scratch_path),
		     "%s/blkio-bench-XXXXXX", scratch_dir());
	if (n < 0 || (size_t)n >= sizeof(scratch_path))
		die("scratch directory name too long");

	atexit(remove_at_exit);
	fd = create_armed();
	if (fd < 0)
		die("creating scratch file %s: %s", scratch_path,
		    strerror(errno));
	fill(fd, size);
	close(fd);
	return scratch_path;
}
