// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * faultfs: FUSE filesystem with three files:
 *   /disk  the faulty file (rules, latency, volatile layer apply)
 *   /raw   the same bytes without faults, direct I/O, writes are durable;
 *          tests use it to prepare and verify data
 *   /ctl   write commands, read status (see faultfs-ctl.c, README.md)
 *
 * usage: faultfs [faultfs options] [FUSE options] MOUNTPOINT
 */
#define FUSE_USE_VERSION 31

#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <inttypes.h>
#include <linux/falloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "faultfs.h"

enum file_id { F_ROOT, F_DISK, F_RAW, F_CTL, F_NONE };

struct ctl_handle {
	char *buf;
	size_t len;
};

static struct fuse *fuse_obj;
static int ready_fd = -1;

static enum file_id lookup(const char *path)
{
	if (strcmp(path, "/") == 0)
		return F_ROOT;
	if (strcmp(path, "/disk") == 0)
		return F_DISK;
	if (strcmp(path, "/raw") == 0)
		return F_RAW;
	if (strcmp(path, "/ctl") == 0)
		return F_CTL;
	return F_NONE;
}

static void *ff_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	/*
	 * Write-through, no writeback cache: every write(2) on /disk reaches
	 * us synchronously, so short writes and errors are seen by the
	 * writer and nothing is written back later behind the test's back.
	 */
	conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
	cfg->kernel_cache = 0;
	cfg->auto_cache = 0;
	cfg->direct_io = 0;
	cfg->entry_timeout = 1;
	cfg->attr_timeout = 1;
	fuse_obj = fuse_get_context()->fuse;
	if (ready_fd >= 0) {
		/* tell the parent the mount is live */
		if (write(ready_fd, "R", 1) < 0)
			perror("faultfs: ready-fd");
		close(ready_fd);
		ready_fd = -1;
	}
	return NULL;
}

static int ff_getattr(const char *path, struct stat *st,
		      struct fuse_file_info *fi)
{
	enum file_id id = lookup(path);

	memset(st, 0, sizeof(*st));
	st->st_uid = getuid();
	st->st_gid = getgid();
	st->st_blksize = 4096;
	switch (id) {
	case F_ROOT:
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		return 0;
	case F_DISK:
	case F_RAW:
		st->st_mode = S_IFREG | 0644;
		st->st_size = (off_t)ff_store_size();
		break;
	case F_CTL:
		st->st_mode = S_IFREG | 0600;
		break;
	default:
		return -ENOENT;
	}
	st->st_nlink = 1;
	st->st_blocks = (st->st_size + 511) / 512;
	return 0;
}

static int ff_readdir(const char *path, void *buf, fuse_fill_dir_t fill,
		      off_t off, struct fuse_file_info *fi,
		      enum fuse_readdir_flags flags)
{
	static const char *const names[] = { ".", "..", "disk", "raw", "ctl" };

	if (lookup(path) != F_ROOT)
		return -ENOTDIR;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		fill(buf, names[i], NULL, 0, 0);
	return 0;
}

static int ff_open(const char *path, struct fuse_file_info *fi)
{
	struct ctl_handle *h;

	switch (lookup(path)) {
	case F_DISK:
		fi->direct_io = ff_state.direct_io;
		fi->keep_cache = 0;
		return 0;
	case F_RAW:
		fi->direct_io = 1;
		return 0;
	case F_CTL:
		h = calloc(1, sizeof(*h));
		if (!h)
			return -ENOMEM;
		fi->fh = (uintptr_t)h;
		fi->direct_io = 1;
		return 0;
	case F_ROOT:
		return -EISDIR;
	default:
		return -ENOENT;
	}
}

static int ff_release(const char *path, struct fuse_file_info *fi)
{
	struct ctl_handle *h = (struct ctl_handle *)(uintptr_t)fi->fh;

	if (lookup(path) == F_CTL && h) {
		free(h->buf);
		free(h);
	}
	return 0;
}

static void sleep_us(unsigned int us)
{
	struct timespec ts = {
		.tv_sec = us / 1000000,
		.tv_nsec = (long)(us % 1000000) * 1000,
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Evaluate the rules and wait out the delay; returns the verdict. */
static void judge(unsigned int op, uint64_t off, uint64_t len,
		  struct ff_verdict *v)
{
	ff_rules_eval(op, off, len, v);
	if (v->delay_us) {
		ff_stat_add(&ff_state.delays, 1);
		sleep_us(v->delay_us);
	}
	if (v->err)
		ff_stat_add(&ff_state.errors, 1);
	else if (v->len == 0 && len)
		ff_stat_add(&ff_state.eofs, 1);
	else if (v->len < len)
		ff_stat_add(&ff_state.shorts, 1);
}

static int read_ctl(struct ctl_handle *h, char *buf, size_t size, off_t off)
{
	if (off == 0 || !h->buf) {
		free(h->buf);
		h->buf = ff_ctl_status(&h->len);
		if (!h->buf)
			return -ENOMEM;
	}
	if ((size_t)off >= h->len)
		return 0;
	if (size > h->len - (size_t)off)
		size = h->len - (size_t)off;
	memcpy(buf, h->buf + off, size);
	return (int)size;
}

static int ff_read(const char *path, char *buf, size_t size, off_t off,
		   struct fuse_file_info *fi)
{
	uint64_t fsize = ff_store_size();
	struct ff_verdict v;
	enum file_id id = lookup(path);

	if (id == F_CTL)
		return read_ctl((struct ctl_handle *)(uintptr_t)fi->fh, buf,
				size, off);
	if (id != F_DISK && id != F_RAW)
		return -EBADF;
	if ((uint64_t)off >= fsize)
		return 0;
	if (size > fsize - (uint64_t)off)
		size = fsize - (uint64_t)off;
	if (id == F_DISK) {
		ff_stat_add(&ff_state.reads, 1);
		judge(FF_OP_READ, (uint64_t)off, size, &v);
		if (v.err)
			return -v.err;
		size = v.len;
		ff_stat_add(&ff_state.bytes_read, size);
	}
	ff_store_read((uint64_t)off, buf, size);
	return (int)size;
}

static int ff_write(const char *path, const char *buf, size_t size,
		    off_t off, struct fuse_file_info *fi)
{
	uint64_t fsize = ff_store_size();
	struct ff_verdict v;
	enum file_id id = lookup(path);
	int ret;

	if (id == F_CTL) {
		ret = ff_ctl_exec(buf, size);
		return ret ? ret : (int)size;
	}
	if (id != F_DISK && id != F_RAW)
		return -EBADF;
	/* a fixed-size device: nothing lands past its end */
	if ((uint64_t)off >= fsize)
		return -ENOSPC;
	if (size > fsize - (uint64_t)off)
		size = fsize - (uint64_t)off;
	if (id == F_RAW) {
		ff_store_write_raw((uint64_t)off, buf, size);
		return (int)size;
	}
	ff_stat_add(&ff_state.writes, 1);
	judge(FF_OP_WRITE, (uint64_t)off, size, &v);
	if (v.err)
		return -v.err;
	ff_store_write((uint64_t)off, buf, v.len, fi->flags & O_DSYNC);
	ff_stat_add(&ff_state.bytes_written, v.len);
	return (int)v.len;
}

static int ff_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	struct ff_verdict v;

	if (lookup(path) != F_DISK)
		return 0;
	ff_stat_add(&ff_state.fsyncs, 1);
	judge(FF_OP_FSYNC, 0, 0, &v);
	if (v.err)
		return -v.err;
	ff_store_commit();
	ff_stat_add(&ff_state.commits, 1);
	return 0;
}

/*
 * Write zeroes and discard arrive as fallocate (the kernel only passes
 * KEEP_SIZE, PUNCH_HOLE and ZERO_RANGE on).  Both leave zeros here; like
 * a write, the zeros are volatile until committed.
 */
static int ff_fallocate(const char *path, int mode, off_t off, off_t len,
			struct fuse_file_info *fi)
{
	uint64_t fsize = ff_store_size();
	struct ff_verdict v;

	if (lookup(path) != F_DISK)
		return -EOPNOTSUPP;
	if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE |
		     FALLOC_FL_ZERO_RANGE))
		return -EOPNOTSUPP;
	if (off < 0 || len <= 0)
		return -EINVAL;
	ff_stat_add(&ff_state.fallocs, 1);
	judge(FF_OP_FALLOC, (uint64_t)off, (uint64_t)len, &v);
	if (v.err)
		return -v.err;
	if ((uint64_t)off >= fsize)
		return mode & FALLOC_FL_KEEP_SIZE ? 0 : -ENOSPC;
	if ((uint64_t)len > fsize - (uint64_t)off) {
		/* a fixed-size file cannot grow */
		if (!(mode & FALLOC_FL_KEEP_SIZE))
			return -ENOSPC;
		len = (off_t)(fsize - (uint64_t)off);
	}
	if (mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE))
		ff_store_zero((uint64_t)off, (uint64_t)len, false);
	return 0;
}

static int ff_flush(const char *path, struct fuse_file_info *fi)
{
	if (lookup(path) != F_DISK)
		return 0;
	ff_stat_add(&ff_state.flushes, 1);
	if (ff_state.close_commits) {
		ff_store_commit();
		ff_stat_add(&ff_state.commits, 1);
	}
	return 0;
}

static int ff_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	switch (lookup(path)) {
	case F_CTL:
		return 0;	/* "echo cmd > ctl" opens with O_TRUNC */
	case F_DISK:
	case F_RAW:
		return (uint64_t)size == ff_store_size() ? 0 : -EPERM;
	default:
		return -ENOENT;
	}
}

static void invalidate_disk(void)
{
	/* -ENOENT just means the kernel holds no pages of it */
	if (fuse_obj)
		fuse_invalidate_path(fuse_obj, "/disk");
}

static const struct fuse_operations ops = {
	.init = ff_init,
	.getattr = ff_getattr,
	.readdir = ff_readdir,
	.open = ff_open,
	.release = ff_release,
	.read = ff_read,
	.write = ff_write,
	.fsync = ff_fsync,
	.flush = ff_flush,
	.fallocate = ff_fallocate,
	.truncate = ff_truncate,
};

static void usage(const char *prog)
{
	fprintf(stderr,
"usage: %s [options] [FUSE options] MOUNTPOINT\n"
"  --size=BYTES       size of /disk (k/m/g suffixes; default 16m)\n"
"  --max-io=BYTES     at most BYTES per read or write of /disk\n"
"  --latency=US       added latency per read/write of /disk\n"
"  --jitter=US        plus a random 0..US\n"
"  --direct-io        open /disk with FOPEN_DIRECT_IO\n"
"  --volatile         keep unfsynced writes in a layer \"crash\" drops\n"
"  --close-commits    FUSE flush (close) commits like fsync\n"
"  --rule=SPEC        add a fault rule (see README.md); repeatable\n"
"  --ready-fd=FD      write one byte to FD once mounted, then close it\n"
"FUSE options: -f (foreground) -s (single thread) -d (debug) -o OPT\n",
		prog);
}

struct options {
	uint64_t size;
	bool vol;
	const char *latency;
	const char *jitter;
};

static int opt_value(const char *arg, const char *name, const char **val)
{
	size_t n = strlen(name);

	if (strncmp(arg, name, n) != 0 || arg[n] != '=')
		return 0;
	*val = arg + n + 1;
	return 1;
}

/* Run one control command built from a command-line option. */
static int ctl_cmd(const char *cmd, const char *arg)
{
	char line[512];

	snprintf(line, sizeof(line), "%s %s", cmd, arg);
	return ff_ctl_exec(line, strlen(line));
}

/* Apply one --option; returns 1 if consumed, 0 if not ours, -1 on error. */
static int parse_opt(const char *arg, struct options *o)
{
	const char *val;
	uint64_t n;

	if (strcmp(arg, "--direct-io") == 0)
		ff_state.direct_io = true;
	else if (strcmp(arg, "--volatile") == 0)
		o->vol = true;
	else if (strcmp(arg, "--close-commits") == 0)
		ff_state.close_commits = true;
	else if (opt_value(arg, "--size", &val))
		return ff_size_parse(val, &o->size) ? -1 : 1;
	else if (opt_value(arg, "--ready-fd", &val)) {
		if (ff_size_parse(val, &n) || n > 1000000)
			return -1;
		ready_fd = (int)n;
	} else if (opt_value(arg, "--max-io", &val))
		return ctl_cmd("max-io", val) ? -1 : 1;
	else if (opt_value(arg, "--rule", &val))
		return ctl_cmd("rule", val) ? -1 : 1;
	else if (opt_value(arg, "--latency", &val))
		o->latency = val;
	else if (opt_value(arg, "--jitter", &val))
		o->jitter = val;
	else
		return 0;
	return 1;
}

int main(int argc, char *argv[])
{
	struct options o = { .size = 16ull << 20 };
	char **fargv;
	char lat[64];
	int fargc = 0, ret;

	fargv = calloc((size_t)argc + 3, sizeof(*fargv));
	if (!fargv)
		return 1;
	fargv[fargc++] = argv[0];
	for (int i = 1; i < argc; i++) {
		int r;

		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			usage(argv[0]);
			return 0;
		}
		r = parse_opt(argv[i], &o);
		if (r < 0) {
			fprintf(stderr, "faultfs: bad option %s\n", argv[i]);
			usage(argv[0]);
			return 2;
		}
		if (r == 0)
			fargv[fargc++] = argv[i];
	}
	if (o.latency || o.jitter) {
		snprintf(lat, sizeof(lat), "%s %s", o.latency ? o.latency : "0",
			 o.jitter ? o.jitter : "0");
		if (ctl_cmd("latency", lat)) {
			fprintf(stderr, "faultfs: bad latency/jitter\n");
			return 2;
		}
	}
	if (o.size > (1ull << 34) || ff_store_init(o.size, o.vol)) {
		fprintf(stderr, "faultfs: cannot allocate %" PRIu64 " bytes\n",
			o.size);
		return 1;
	}
	ff_ctl_after_crash = invalidate_disk;
	/* default mount options; later -o options from the caller win */
	fargv[fargc++] = "-o";
	fargv[fargc++] = "fsname=faultfs,subtype=faultfs,"
			 "max_threads=32,max_idle_threads=8";
	ret = fuse_main(fargc, fargv, &ops, NULL);
	ff_store_fini();
	free(fargv);
	return ret;
}
