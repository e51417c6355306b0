/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Input reader, failure reporting and scratch space for the fuzzers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blkio.h"
#include "fuzz-util.h"

uint8_t fz_u8(struct fz_in *in)
{
	uint8_t v;

	if (in->n == 0)
		return 0;
	v = in->p[0];
	in->p++;
	in->n--;
	return v;
}

uint16_t fz_u16(struct fz_in *in)
{
	uint16_t v = fz_u8(in);

	return (uint16_t)(v | fz_u8(in) << 8);
}

uint32_t fz_u32(struct fz_in *in)
{
	uint32_t v = fz_u16(in);

	return v | (uint32_t)fz_u16(in) << 16;
}

uint64_t fz_u64(struct fz_in *in)
{
	uint64_t v = fz_u32(in);

	return v | (uint64_t)fz_u32(in) << 32;
}

bool fz_empty(const struct fz_in *in)
{
	return in->n == 0;
}

size_t fz_bytes(struct fz_in *in, void *dst, size_t n)
{
	if (n > in->n)
		n = in->n;
	memcpy(dst, in->p, n);
	in->p += n;
	in->n -= n;
	return n;
}

/*
 * The trace: the last TRACE_LINES calls, so a failure report shows the
 * call sequence that led to it.  FUZZ_TRACE=1 also prints every line as
 * it happens (handy when replaying one reproducer).
 */
#define TRACE_LINES 96
#define TRACE_LEN 160

static char trace_ring[TRACE_LINES][TRACE_LEN];
static unsigned int trace_next;
static int trace_live = -1;

void fz_trace_reset(void)
{
	trace_next = 0;
}

void fz_trace(const char *fmt, ...)
{
	char *line = trace_ring[trace_next % TRACE_LINES];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, TRACE_LEN, fmt, ap);
	va_end(ap);
	trace_next++;

	if (trace_live < 0) {
		const char *e = getenv("FUZZ_TRACE");

		trace_live = e && *e == '1';
	}
	if (trace_live)
		fprintf(stderr, "trace: %s\n", line);
}

static void trace_dump(void)
{
	unsigned int first = 0, i;

	if (trace_next > TRACE_LINES)
		first = trace_next - TRACE_LINES;
	fprintf(stderr, "---- last %u calls of this input ----\n",
		trace_next - first);
	for (i = first; i < trace_next; i++)
		fprintf(stderr, "  %4u %s\n", i, trace_ring[i % TRACE_LINES]);
}

static void scratch_cleanup(void);

void fz_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "\nFUZZ CHECK FAILED at %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	trace_dump();
	fflush(stderr);
	scratch_cleanup();
	abort();
}

void fz_check_err(const char *file, int line, const char *call, int ret)
{
	const char *msg;

	if (ret >= 0)
		return;
	if (ret < -4095)
		fz_fail(file, line, "%s returned %d, not a negative errno",
			call, ret);
	msg = blkio_get_error_msg();
	if (!msg || !msg[0])
		fz_fail(file, line, "%s failed with %d (%s) but left %s error message",
			call, ret, strerror(-ret), msg ? "an empty" : "a NULL");
}

/*
 * Sanitizer runtimes ask for their defaults here: undefined behaviour
 * must end the run like any other failure (unused without sanitizers).
 */
const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void)
{
	return "halt_on_error=1:print_stacktrace=1";
}

bool fz_under_valgrind(void)
{
	const char *p = getenv("LD_PRELOAD");

	/* valgrind preloads its vgpreload_*.so into the client. */
	return p && strstr(p, "vgpreload");
}

bool fz_reference(void)
{
	static int ref = -1;

	if (ref < 0) {
		const char *e = getenv("BLKIO_REFERENCE");

		ref = e && *e == '1';
	}
	return ref;
}

bool fz_avoid(const char *word)
{
	const char *list = getenv("FUZZ_AVOID");
	size_t n = strlen(word);

	while (list && *list) {
		if (strncmp(list, word, n) == 0 && (list[n] == ',' || !list[n]))
			return true;
		list = strchr(list, ',');
		if (list)
			list++;
	}
	return false;
}

static char scratch[4096];
static pid_t scratch_owner;

static int remove_one(const char *path, const struct stat *st, int flag,
		      struct FTW *ftw)
{
	remove(path);
	return 0;
}

static void scratch_cleanup(void)
{
	if (!scratch[0] || getpid() != scratch_owner)
		return;
	nftw(scratch, remove_one, 8, FTW_DEPTH | FTW_PHYS);
	scratch[0] = '\0';
}

/* Sanitizer reports end the process without atexit(); clean up anyway. */
void __sanitizer_set_death_callback(void (*cb)(void)) __attribute__((weak));

static bool usable_dir(const char *dir)
{
	struct stat st;

	return dir && *dir && stat(dir, &st) == 0 && S_ISDIR(st.st_mode) &&
	       access(dir, W_OK) == 0;
}

const char *fz_scratch_dir(void)
{
	const char *base = getenv("BLKIO_TEST_DIR");

	if (scratch[0])
		return scratch;
	if (!usable_dir(base))
		base = usable_dir("/dev/shm") ? "/dev/shm" : "/tmp";
	snprintf(scratch, sizeof(scratch), "%s/blkio-fuzz-XXXXXX", base);
	if (!mkdtemp(scratch)) {
		fprintf(stderr, "fuzz: cannot create a directory in %s: %s\n",
			base, strerror(errno));
		exit(1);
	}
	scratch_owner = getpid();
	atexit(scratch_cleanup);
	if (__sanitizer_set_death_callback)
		__sanitizer_set_death_callback(scratch_cleanup);
	return scratch;
}

char *fz_scratch_path(const char *name)
{
	char *path;

	if (asprintf(&path, "%s/%s", fz_scratch_dir(), name) < 0) {
		fprintf(stderr, "fuzz: out of memory\n");
		exit(1);
	}
	return path;
}
