/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * fuzz-io: the data path of the driver under test (BLKIO_TEST_DRIVER,
 * default io_uring; tests/common/test-driver.h) against a shadow model.
 *
 * Input layout (bytes beyond the end read as zero):
 *   config: mode, num-entries, num-queues, file size (2 bytes), seed
 *     mode bit 0 direct, bits 1-3 == 0 read-only, bit 4 connect via the
 *     fd property, bit 5 buffers in a mapped memory region, bit 6 start
 *     with completion-fd notifications disabled
 *   then up to IO_MAX_OPS operations, each an opcode byte and its
 *   arguments (see io_issue() and io_reap_op()).
 * Every completion is checked against the request that produced it (see
 * io-complete.c); at the end all queues are drained and the whole file is
 * compared with the model.  Any difference aborts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io-fuzz.h"
#include "test-driver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct io_stats io_stats;

static struct io_model model;
static char *file_path;
static int file_fd = -1;
static char *export_path;	/* the backend's socket for this input */
static uint8_t *heap_arena;
static bool zero_range_ok, direct_ok;

static void print_stats(void)
{
	fprintf(stderr,
		"fuzz-io: %llu inputs, %llu ops, %llu requests, %llu completions checked, %llu bytes compared, %llu do_io calls, %llu completion-fd waits\n",
		(unsigned long long)io_stats.inputs,
		(unsigned long long)io_stats.ops,
		(unsigned long long)io_stats.requests,
		(unsigned long long)io_stats.completions,
		(unsigned long long)io_stats.bytes_checked,
		(unsigned long long)io_stats.do_io_calls,
		(unsigned long long)io_stats.fd_waits);
}

/* A backend missing here (no daemon, no loop devices): exit 77, why. */
static void skip_unless_driver_works(void)
{
	char why[256];

	if (!test_driver()->needs_backend)
		return;
	if (test_driver_probe(why, sizeof(why)) < 0) {
		fprintf(stderr, "SKIP: %s\n", why);
		exit(77);
	}
}

static void setup_once(void)
{
	int fd;

	if (file_path)
		return;
	skip_unless_driver_works();
	file_path = fz_scratch_path("io-file");
	file_fd = open(file_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (file_fd < 0) {
		perror("fuzz-io: scratch file");
		exit(1);
	}
	zero_range_ok = fallocate(file_fd, FALLOC_FL_ZERO_RANGE, 0, 4096) == 0;
	fd = open(file_path, O_RDWR | O_DIRECT | O_CLOEXEC);
	direct_ok = fd >= 0 && test_driver()->has_direct;
	if (fd >= 0)
		close(fd);
	heap_arena = aligned_alloc(4096, (size_t)IO_MAX_OPS * IO_SLOT_SIZE);
	atexit(print_stats);
	fprintf(stderr, "fuzz-io: driver %s, file %s, O_DIRECT %s, FALLOC_FL_ZERO_RANGE %s%s\n",
		test_driver_name(), file_path, direct_ok ? "yes" : "no",
		zero_range_ok ? "yes" : "no",
		fz_reference() ? ", reference mode" : "");
}

FZ_NO_COVERAGE static void init_file(uint64_t size, uint8_t seed)
{
	static uint8_t buf[IO_MODEL_SIZE];
	uint64_t i;

	FZ_CHECK(ftruncate(file_fd, 0) == 0, "ftruncate");
	for (i = 0; i < size; i++)
		buf[i] = model_pattern(seed, i);
	FZ_CHECK(pwrite(file_fd, buf, size, 0) == (ssize_t)size, "pwrite");
	model_reset(&model, size, seed);
}

/*
 * A backend's driver: every input exports the freshly written file (its
 * size is the device's capacity, fixed at export), with the input's
 * read-only; a loop export's device sits over the file
 * (BLKIO_TEST_QSD_EXPORT).
 */
static void export(bool read_only)
{
	char why[256];

	if (!test_driver()->needs_backend)
		return;
	export_path = test_driver_export(file_path, read_only, why,
					 sizeof(why));
	FZ_CHECK(export_path, "export of %s: %s", file_path, why);
}

static void unexport(void)
{
	if (!export_path)
		return;
	test_driver_unexport(export_path);
	free(export_path);
	export_path = NULL;
}

struct io_config {
	bool direct, readonly, use_fd, region, fd_disabled;
	int num_entries, num_queues;
	uint64_t size;
	uint8_t seed;
};

static void decode_config(struct fz_in *in, struct io_config *cfg)
{
	static const int entries[] = { 1, 1, 2, 3, 4, 8, 16, 32, 64, 128, 5, 256 };
	static const int queues[] = { 1, 1, 1, 2, 2, 3, 4, 0 };
	uint8_t mode = fz_u8(in);
	uint16_t sz;

	cfg->direct = (mode & 1) && direct_ok;
	cfg->readonly = ((mode >> 1) & 7) == 0;
	cfg->use_fd = mode & 0x10;
	cfg->region = mode & 0x20;
	cfg->fd_disabled = mode & 0x40;
	cfg->num_entries = entries[fz_u8(in) % 12];
	/*
	 * libblkio 1.5 miscounts outstanding requests once the ring is full
	 * and a queue-time error completion is pending: do_io(min = all)
	 * fails with -EINVAL or hangs.  Keep its rings big enough.
	 */
	if (fz_reference() && cfg->num_entries < 64)
		cfg->num_entries = 64;
	cfg->num_queues = queues[fz_u8(in) % 8];
	sz = fz_u16(in);
	switch (sz & 3) {
	case 0:
		cfg->size = (uint64_t)((sz >> 2) % 257) * 512;
		break;
	case 1:
		cfg->size = (uint64_t)(sz >> 2) * 7 % (128 * 1024);
		break;
	case 2:
		cfg->size = 0;
		break;
	default:
		cfg->size = (uint64_t)((sz >> 2) % 33) * 4096;
		break;
	}
	cfg->seed = fz_u8(in);
}

static int pow2_at_least(int n)
{
	int p = 1;

	while (p < n)
		p *= 2;
	return p;
}

/*
 * What the driver under test can be given (tests/common/test-driver.h),
 * so that the same corpus drives every driver: a virtio-blk device has
 * no "direct" or "fd", needs buffers in a mapped region, takes queue
 * sizes that are powers of two, starts with at least one and at most the
 * export's queues, and has whole 512-byte sectors.
 */
static void fit_config(struct io_config *cfg)
{
	const struct test_driver *d = test_driver();

	if (!d->has_fd)
		cfg->use_fd = false;
	if (d->needs_mem_regions)
		cfg->region = true;
	if (d->entries_checked_by_setter)
		cfg->num_entries = pow2_at_least(cfg->num_entries);
	if (!d->can_add_queues && cfg->num_queues == 0)
		cfg->num_queues = 1;
	if (d->needs_backend && cfg->num_queues > test_driver_export_queues())
		cfg->num_queues = test_driver_export_queues();
	if (d->fixed_capacity)
		cfg->size = cfg->size ? (cfg->size + 511) / 512 * 512 : 512;
}

static void must(int ret, const char *what)
{
	FZ_CHECK_ERR(what, ret);
	FZ_CHECK(ret >= 0, "%s failed: %d (%s)", what, ret, blkio_get_error_msg());
}

static bool connect_instance(struct io_ctx *c, const struct io_config *cfg)
{
	bool v;
	int ret;

	must(blkio_create(test_driver_name(), &c->b), "blkio_create");
	if (test_driver()->needs_backend) {
		must(blkio_set_str(c->b, "path", export_path), "set path");
		must(blkio_set_bool(c->b, "read-only", cfg->readonly),
		     "set read-only");
	} else if (cfg->use_fd) {
		int fd = open(file_path, (cfg->readonly ? O_RDONLY : O_RDWR) |
			      (cfg->direct ? O_DIRECT : 0) | O_CLOEXEC);

		FZ_CHECK(fd >= 0, "open for the fd property");
		must(blkio_set_int(c->b, "fd", fd), "set fd");
	} else {
		must(blkio_set_str(c->b, "path", file_path), "set path");
		must(blkio_set_bool(c->b, "direct", cfg->direct), "set direct");
		must(blkio_set_bool(c->b, "read-only", cfg->readonly),
		     "set read-only");
	}
	ret = blkio_connect(c->b);
	if (fz_io_uring_refused(ret))
		return false;
	must(ret, "blkio_connect");
	if (test_driver()->has_direct) {
		must(blkio_get_bool(c->b, "direct", &v), "get direct");
		FZ_CHECK(v == cfg->direct, "direct reads back %d", v);
	}
	must(blkio_get_bool(c->b, "read-only", &v), "get read-only");
	FZ_CHECK(v == cfg->readonly, "read-only reads back %d", v);
	must(blkio_get_int(c->b, "request-alignment", &c->req_align),
	     "get request-alignment");
	must(blkio_get_int(c->b, "buf-alignment", &c->buf_align),
	     "get buf-alignment");
	/* A virtio-blk device addresses sectors (checks_alignment). */
	FZ_CHECK(c->req_align > 0 && c->buf_align > 0 &&
		 (c->direct || test_driver()->checks_alignment ||
		  (c->req_align == 1 && c->buf_align == 1)),
		 "alignments %d/%d (direct %d)", c->req_align, c->buf_align,
		 c->direct);
	return true;
}

static void map_region(struct io_ctx *c)
{
	uint64_t align = 0;
	size_t len = (size_t)IO_MAX_OPS * IO_SLOT_SIZE;

	must(blkio_get_uint64(c->b, "mem-region-alignment", &align),
	     "get mem-region-alignment");
	FZ_CHECK(align > 0 && align <= 65536, "mem-region-alignment %llu",
		 (unsigned long long)align);
	len = (len + align - 1) / align * align;
	must(blkio_alloc_mem_region(c->b, &c->region, len),
	     "blkio_alloc_mem_region");
	FZ_CHECK(c->region.addr && c->region.len >= len && c->region.iova == 0 &&
		 c->region.flags == 0, "allocated region fields");
	must(blkio_map_mem_region(c->b, &c->region), "blkio_map_mem_region");
	c->have_region = true;
	c->arena = c->region.addr;
}

static bool start_instance(struct io_ctx *c, const struct io_config *cfg)
{

	const struct test_driver *d = test_driver();
	int entries = cfg->num_entries, max;

	if (d->entries_checked_by_setter) {
		must(blkio_get_int(c->b, "max-queue-size", &max),
		     "get max-queue-size");
		if (entries > max)
			entries = max;
	}
	must(blkio_set_int(c->b, d->entries_prop, entries), "set queue size");
	must(blkio_set_int(c->b, "num-queues", cfg->num_queues),
	     "set num-queues");
	int i, ret = blkio_start(c->b);

	if (fz_io_uring_refused(ret))
		return false;
	must(ret, "blkio_start");
	for (i = 0; i < cfg->num_queues; i++) {
		io_attach_queue(c, i);
		if (cfg->fd_disabled) {
			blkioq_set_completion_fd_enabled(c->qs[i].q, false);
			c->qs[i].fd_enabled = false;
		}
	}
	FZ_CHECK(blkio_get_queue(c->b, cfg->num_queues) == NULL &&
		 blkio_get_queue(c->b, -1) == NULL,
		 "blkio_get_queue out of range not NULL");
	return true;
}

static void run_ops(struct io_ctx *c, struct fz_in *in)
{
	static const enum io_kind issue_kinds[] = {
		K_READ, K_READ, K_READ, K_READ, K_WRITE, K_WRITE, K_WRITE,
		K_READV, K_READV, K_WRITEV, K_WRITEV, K_WRITE_ZEROES,
		K_DISCARD, K_FLUSH, K_ZONE,
	};
	const unsigned int nissue = sizeof(issue_kinds) / sizeof(issue_kinds[0]);
	/* opcodes past the issue kinds map to io_reap_op() cases */
	static const uint8_t reap_ops[] = {
		0, 0, 0, 1, 1, 2, 2, 2, 3, 3, 4, 5, 8, 6, 7, 9, 10,
	};
	int n;

	for (n = 0; n < IO_MAX_OPS && !fz_empty(in); n++) {
		unsigned int op = fz_u8(in) % (nissue + sizeof(reap_ops));

		io_stats.ops++;
		if (op < nissue) {
			io_issue(c, in, issue_kinds[op]);
		} else if (reap_ops[op - nissue] == 10) {
			fz_trace("checkpoint: drain all queues, compare the file");
			io_drain_all(c);
			io_verify_file(c, file_fd);
		} else {
			io_reap_op(c, in, reap_ops[op - nissue]);
		}
	}
}

static void teardown(struct io_ctx *c, uint8_t how)
{
	int i;

	if (how & 1) {
		for (i = 0; i < IO_MAX_QUEUES; i++)
			if (c->qs[i].alive)
				must(blkio_remove_queue(c->b, i), "remove queue");
	}
	if (c->have_region && (how & 2)) {
		blkio_unmap_mem_region(c->b, &c->region);
		blkio_free_mem_region(c->b, &c->region);
	}
	blkio_destroy(&c->b);
	FZ_CHECK(c->b == NULL, "blkio_destroy did not clear *bp");
	unexport();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	struct io_config cfg;
	struct io_ctx c;

	setup_once();
	fz_trace_reset();
	io_stats.inputs++;
	memset(&c, 0, sizeof(c));
	c.m = &model;
	c.arena = heap_arena;
	c.zero_range_ok = zero_range_ok;

	decode_config(&in, &cfg);
	fit_config(&cfg);
	c.direct = cfg.direct;
	c.readonly = cfg.readonly;
	fz_trace("config: direct=%d read-only=%d fd-prop=%d region=%d fd-disabled=%d num-entries=%d num-queues=%d size=%llu",
		 cfg.direct, cfg.readonly, cfg.use_fd, cfg.region,
		 cfg.fd_disabled, cfg.num_entries, cfg.num_queues,
		 (unsigned long long)cfg.size);
	init_file(cfg.size, cfg.seed);
	export(cfg.readonly);
	if (!connect_instance(&c, &cfg) || !start_instance(&c, &cfg)) {
		fz_trace("io_uring refused (EPERM): input abandoned");
		blkio_destroy(&c.b);
		unexport();
		return 0;
	}
	if (cfg.region)
		map_region(&c);

	run_ops(&c, &in);

	io_drain_all(&c);
	io_verify_file(&c, file_fd);
	teardown(&c, (uint8_t)(cfg.seed ^ cfg.size));
	return 0;
}
