/* SPDX-License-Identifier: MIT OR Apache-2.0 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "target.h"
#include "util.h"

static void set_prop(struct blkio *b, const char *name, const char *value)
{
	int ret = blkio_set_str(b, name, value);

	if (ret < 0)
		die("failed to set property %s=\"%s\": %s: %s", name, value,
		    strerror(-ret), blkio_get_error_msg());
}

/* "name=value" from the command line; the C standard lets us edit argv. */
static void set_prop_arg(struct blkio *b, char *arg)
{
	char *eq = strchr(arg, '=');

	*eq = '\0';
	set_prop(b, arg, eq + 1);
	*eq = '=';
}

static void set_int(struct blkio *b, const char *name, int value)
{
	int ret = blkio_set_int(b, name, value);

	if (ret < 0)
		die("failed to set %s to %d: %s: %s", name, value,
		    strerror(-ret), blkio_get_error_msg());
}

/*
 * Read-only for pure read workloads, as libblkio's example does, unless a
 * --verify fill has to write the blocks first.
 */
static bool wants_read_only(const struct bench_config *cfg)
{
	return !rw_writes(cfg->rw) && !(cfg->verify && cfg->fill);
}

static void read_capacity(struct target *t, struct bench_config *cfg)
{
	int ret = blkio_get_uint64(t->b, "capacity", &cfg->capacity);

	if (ret < 0)
		die("unable to get the capacity: %s: %s", strerror(-ret),
		    blkio_get_error_msg());
	cfg->num_blocks = cfg->capacity / cfg->blocksize;
	if (cfg->num_blocks == 0)
		die("capacity (%" PRIu64 " bytes) is smaller than the block size (%u)",
		    cfg->capacity, cfg->blocksize);
}

/* The direct property as the driver took it; drivers without one: false. */
static void read_direct(struct target *t, struct bench_config *cfg)
{
	if (blkio_get_bool(t->b, "direct", &cfg->direct) < 0)
		cfg->direct = false;
}

static void set_queue_counts(struct target *t, const struct bench_config *cfg)
{
	if (cfg->poll_queues) {
		set_int(t->b, "num-poll-queues", (int)cfg->num_threads);
		set_int(t->b, "num-queues", 0);
	} else {
		set_int(t->b, "num-queues", (int)cfg->num_threads);
	}
}

static void map_buffers(struct target *t, const struct bench_config *cfg)
{
	unsigned __int128 len = (unsigned __int128)cfg->num_threads *
				cfg->iodepth * cfg->blocksize;
	uint64_t align = 0;
	int ret;

	/* Round up so odd block sizes still get a legal region length. */
	if (blkio_get_uint64(t->b, "mem-region-alignment", &align) == 0 &&
	    align > 1)
		len = (len + align - 1) / align * align;
	if (len > SIZE_MAX / 2)
		die("I/O buffers of num-threads x iodepth x blocksize bytes do not fit in memory");
	ret = blkio_alloc_mem_region(t->b, &t->region, (size_t)len);
	if (ret < 0)
		die("failed to allocate I/O buffer memory: %s: %s",
		    strerror(-ret), blkio_get_error_msg());
	ret = blkio_map_mem_region(t->b, &t->region);
	if (ret < 0)
		die("failed to map the memory region: %s: %s",
		    strerror(-ret), blkio_get_error_msg());
}

void target_open(struct target *t, struct bench_config *cfg,
		 const char *scratch_path)
{
	int ret;

	memset(t, 0, sizeof(*t));
	ret = blkio_create(cfg->driver, &t->b);
	if (ret < 0)
		die("failed to create blkio driver \"%s\": %s: %s",
		    cfg->driver, strerror(-ret), blkio_get_error_msg());

	for (int i = 0; i < cfg->num_props; i++)
		set_prop_arg(t->b, cfg->props[i]);
	if (scratch_path)
		set_prop(t->b, "path", scratch_path);
	if (wants_read_only(cfg) && blkio_set_bool(t->b, "read-only", true) < 0)
		die("failed to set read-only: %s", blkio_get_error_msg());

	ret = blkio_connect(t->b);
	if (ret < 0)
		die("unable to connect: %s: %s", strerror(-ret),
		    blkio_get_error_msg());
	read_capacity(t, cfg);
	read_direct(t, cfg);
	set_queue_counts(t, cfg);

	ret = blkio_start(t->b);
	if (ret < 0)
		die("unable to start: %s: %s", strerror(-ret),
		    blkio_get_error_msg());
	map_buffers(t, cfg);
}

struct blkioq *target_queue(struct target *t, const struct bench_config *cfg,
			    unsigned i)
{
	struct blkioq *q = cfg->poll_queues ?
			   blkio_get_poll_queue(t->b, (int)i) :
			   blkio_get_queue(t->b, (int)i);

	if (!q)
		die("no %squeue %u: %s", cfg->poll_queues ? "poll " : "", i,
		    blkio_get_error_msg());
	return q;
}

char *target_buffer(struct target *t, const struct bench_config *cfg,
		    unsigned i)
{
	return (char *)t->region.addr +
	       (size_t)i * cfg->iodepth * cfg->blocksize;
}

void target_close(struct target *t)
{
	/* blkio_destroy() also unmaps and frees; be explicit anyway. */
	blkio_unmap_mem_region(t->b, &t->region);
	blkio_free_mem_region(t->b, &t->region);
	blkio_destroy(&t->b);
}
