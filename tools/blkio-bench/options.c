/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Command-line parsing.
 *
 * The options of libblkio's example keep their names, defaults, error
 * messages and checks (non-zero, fits in an unsigned int), so scripts that
 * drive it keep working; everything else is an extension.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>

#include "drivers.h"
#include "options.h"
#include "verify.h"

enum {
	OPT_NUM_THREADS = 256,
	OPT_IODEPTH,
	OPT_READWRITE,
	OPT_BLOCKSIZE,
	OPT_RUNTIME,
	OPT_POLL,
	OPT_RWMIXREAD,
	OPT_POLL_QUEUES,
	OPT_VERIFY,
	OPT_NO_FILL,
	OPT_VERIFY_SEED,
	OPT_OUTPUT,
	OPT_PROGRESS,
	OPT_NO_PROGRESS,
	OPT_SIZE,
	OPT_COMPLETION_TIMEOUT,
	OPT_WAIT,
	OPT_VERSION,
};

static const struct option long_options[] = {
	{ .name = "help", .has_arg = no_argument, .val = 'h' },
	{ .name = "version", .has_arg = no_argument, .val = OPT_VERSION },
	{ .name = "num-threads", .has_arg = required_argument,
	  .val = OPT_NUM_THREADS },
	{ .name = "iodepth", .has_arg = required_argument, .val = OPT_IODEPTH },
	{ .name = "readwrite", .has_arg = required_argument,
	  .val = OPT_READWRITE },
	{ .name = "blocksize", .has_arg = required_argument,
	  .val = OPT_BLOCKSIZE },
	{ .name = "runtime", .has_arg = required_argument, .val = OPT_RUNTIME },
	{ .name = "poll", .has_arg = no_argument, .val = OPT_POLL },
	{ .name = "wait", .has_arg = required_argument, .val = OPT_WAIT },
	{ .name = "rwmixread", .has_arg = required_argument,
	  .val = OPT_RWMIXREAD },
	{ .name = "poll-queues", .has_arg = no_argument,
	  .val = OPT_POLL_QUEUES },
	{ .name = "verify", .has_arg = no_argument, .val = OPT_VERIFY },
	{ .name = "no-fill", .has_arg = no_argument, .val = OPT_NO_FILL },
	{ .name = "verify-seed", .has_arg = required_argument,
	  .val = OPT_VERIFY_SEED },
	{ .name = "output", .has_arg = required_argument, .val = OPT_OUTPUT },
	{ .name = "progress", .has_arg = no_argument, .val = OPT_PROGRESS },
	{ .name = "no-progress", .has_arg = no_argument,
	  .val = OPT_NO_PROGRESS },
	{ .name = "size", .has_arg = required_argument, .val = OPT_SIZE },
	{ .name = "completion-timeout-ms", .has_arg = required_argument,
	  .val = OPT_COMPLETION_TIMEOUT },
	{ 0 }
};

static const char *const rw_names[] = {
	[RW_READ] = "read",
	[RW_WRITE] = "write",
	[RW_RANDREAD] = "randread",
	[RW_RANDWRITE] = "randwrite",
	[RW_RANDRW] = "randrw",
};

const char *rw_name(enum rw_mode rw)
{
	return rw_names[rw];
}

const char *wait_name(enum wait_mode wait)
{
	static const char *const names[] = {
		[WAIT_EVENT] = "event",
		[WAIT_BLOCK] = "block",
		[WAIT_POLL] = "poll",
		[WAIT_VMM] = "vmm",
	};

	return names[wait];
}

static void usage(FILE *f, const char *prog)
{
	char file_drivers[128];

	driver_file_names(file_drivers, sizeof(file_drivers));
	fprintf(f,
"Usage: %s [options] <driver> [<property>=<value> ...]\n"
"\n"
"Run an I/O workload through libblkio and report throughput and latency.\n"
"\n"
"  --num-threads=<n>    threads, each with its own queue (default: 1)\n"
"  --iodepth=<n>        requests kept in flight per thread (default: 1)\n"
"  --readwrite=read|write|randread|randwrite|randrw  (default: read)\n"
"  --blocksize=<bytes>  size of each request, K/M/G suffixes (default: 4096)\n"
"  --runtime=<seconds>  length of the measured run (default: 30)\n"
"  --poll               busy-poll for completions instead of sleeping\n"
"                       (the same as --wait=poll)\n"
"  --wait=event|block|poll|vmm  how to wait for completions: epoll on\n"
"                       the completion fd, blkioq_do_io() blocking for\n"
"                       one, busy-polling, or as QEMU's blkio driver does\n"
"                       (epoll, one completion per call, a submit-only\n"
"                       call after each request) (default: event)\n"
"  --rwmixread=<pct>    percentage of reads with randrw (default: 50)\n"
"  --poll-queues        use IOPOLL poll queues (num-poll-queues)\n"
"  --verify             fill the target with self-checking blocks, then\n"
"                       check every block read; writes keep them valid\n"
"  --no-fill            with --verify: skip the fill, check the blocks an\n"
"                       earlier --verify run left behind\n"
"  --verify-seed=<n>    pattern seed shared by writer and checker\n"
"  --output=json|text   result format on stdout (default: json)\n"
"  --progress           a status line on stderr every second (default:\n"
"                       only when stderr is a terminal)\n"
"  --no-progress        never print the status line\n"
"  --size=<bytes>       size of the scratch file (default: 64M)\n"
"  --completion-timeout-ms=<ms>  abort when a waiting thread sees no\n"
"                       completion for this long; 0 = never (default: 500)\n"
"  -h, --help           print this help and exit\n"
"  --version            print blkio's version and the libblkio API version\n"
"                       it implements, and exit\n"
"\n"
"Each <property>=<value> is set with blkio_set_str() before connecting.\n"
"With a driver of files and block devices (%s) and neither\n"
"path= nor fd=, a scratch file is created in $TMPDIR (else the current\n"
"directory) and removed at exit.\n"
"linux-aio without direct=true does buffered AIO, which the kernel may\n"
"complete inside io_submit: the I/O is then not asynchronous, and the\n"
"results say so in a note.\n"
"Results are JSON with aggregate and per-thread kiops, gips, latency\n"
"(min/mean/max and percentiles, microseconds) and do_io batching.\n",
		prog, file_drivers);
}

/*
 * Two versions, because they answer different questions: which release of
 * this project the tool comes from (NEWS.md), and which libblkio release
 * its interface matches.  The tool's, that is: the library it runs
 * against may be another libblkio.so.1.
 */
static void version(void)
{
	printf("blkio-bench (blkio) %s\n", BLKIO_VERSION);
	printf("libblkio API %s\n", BLKIO_API_VERSION);
}

static noreturn void bad_usage(const char *prog, const char *msg)
{
	fprintf(stderr, "%s\n\n", msg);
	usage(stderr, prog);
	exit(EXIT_FAILURE);
}

/*
 * Decimal number with an optional binary K/M/G/T suffix; no sign, no
 * trailing junk.  Returns false when s is not such a number or overflows.
 */
static bool parse_u64(const char *s, bool allow_suffix, uint64_t *out)
{
	unsigned long long v;
	char *end;
	int shift = 0;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return false;
	if (allow_suffix && *end) {
		switch (*end++) {
		case 'k': case 'K': shift = 10; break;
		case 'm': case 'M': shift = 20; break;
		case 'g': case 'G': shift = 30; break;
		case 't': case 'T': shift = 40; break;
		default: return false;
		}
		if (v > (UINT64_MAX >> shift))
			return false;
	}
	if (*end)
		return false;
	*out = (uint64_t)v << shift;
	return true;
}

/* Non-zero, fits in unsigned int (libblkio's rule), and in int if asked. */
static unsigned parse_count(const char *prog, const char *arg,
			    bool allow_suffix, unsigned max, const char *msg)
{
	uint64_t v;

	if (!parse_u64(arg, allow_suffix, &v) || v == 0 || v > max)
		bad_usage(prog, msg);
	return (unsigned)v;
}

static enum rw_mode parse_rw(const char *prog, const char *arg)
{
	for (size_t i = 0; i < sizeof(rw_names) / sizeof(rw_names[0]); i++)
		if (strcmp(arg, rw_names[i]) == 0)
			return (enum rw_mode)i;
	bad_usage(prog, "Invalid readwrite option");
}

static enum output_format parse_output(const char *prog, const char *arg)
{
	if (strcmp(arg, "json") == 0)
		return OUTPUT_JSON;
	if (strcmp(arg, "text") == 0)
		return OUTPUT_TEXT;
	bad_usage(prog, "Invalid output format (json or text)");
}

static enum wait_mode parse_wait(const char *prog, const char *arg)
{
	for (enum wait_mode m = WAIT_EVENT; m <= WAIT_VMM; m++)
		if (strcmp(arg, wait_name(m)) == 0)
			return m;
	bad_usage(prog, "Invalid wait mode (event, block, poll or vmm)");
}

static bool has_prop(const struct bench_config *cfg, const char *name)
{
	size_t len = strlen(name);

	for (int i = 0; i < cfg->num_props; i++)
		if (strncmp(cfg->props[i], name, len) == 0 &&
		    cfg->props[i][len] == '=')
			return true;
	return false;
}

bool options_want_scratch(const struct bench_config *cfg)
{
	return driver_opens_files(cfg->driver) &&
	       !has_prop(cfg, "path") && !has_prop(cfg, "fd");
}

static void parse_positional(const char *prog, int argc, char **argv,
			     struct bench_config *cfg)
{
	if (optind >= argc)
		bad_usage(prog, "Missing blkio driver name argument");
	cfg->driver = argv[optind++];
	cfg->props = &argv[optind];
	cfg->num_props = argc - optind;

	for (int i = 0; i < cfg->num_props; i++) {
		const char *eq = strchr(cfg->props[i], '=');
		char msg[256];

		if (!eq || eq == cfg->props[i]) {
			snprintf(msg, sizeof(msg), "%s: missing property value",
				 cfg->props[i]);
			bad_usage(prog, msg);
		}
	}
}

/* Checks that involve more than one option. */
static void check_combinations(const char *prog, struct bench_config *cfg,
			       bool rwmix_given, bool wait_given)
{
	/* Poll queues have no completion fd; the kernel polls in do_io. */
	if (cfg->poll_queues && (cfg->wait == WAIT_EVENT ||
				 cfg->wait == WAIT_VMM)) {
		if (wait_given)
			bad_usage(prog, "--poll-queues needs --wait=block or --wait=poll");
		if (cfg->wait == WAIT_VMM)
			bad_usage(prog, "--poll-queues needs --wait=block or --wait=poll");
		cfg->wait = WAIT_BLOCK;
	}

	if (rwmix_given && cfg->rw != RW_RANDRW)
		bad_usage(prog, "--rwmixread needs --readwrite=randrw");
	if (cfg->rw == RW_READ || cfg->rw == RW_RANDREAD)
		cfg->rwmixread = 100;
	else if (cfg->rw == RW_WRITE || cfg->rw == RW_RANDWRITE)
		cfg->rwmixread = 0;

	if (!cfg->verify && !cfg->fill)
		bad_usage(prog, "--no-fill needs --verify");
	if (!cfg->verify)
		cfg->fill = false;
	if (cfg->verify && (cfg->blocksize < VERIFY_MIN_BLOCKSIZE ||
			    cfg->blocksize % 8))
		bad_usage(prog, "--verify needs a block size that is a multiple of 8 and at least 64 bytes");

	if (cfg->scratch_size && !options_want_scratch(cfg)) {
		char names[128], msg[256];

		driver_file_names(names, sizeof(names));
		snprintf(msg, sizeof(msg),
			 "--size only applies to the scratch file (%s without path= or fd=)",
			 names);
		bad_usage(prog, msg);
	}
	if (options_want_scratch(cfg) && !cfg->scratch_size)
		cfg->scratch_size = DEFAULT_SCRATCH_SIZE;
}

void options_parse(int argc, char **argv, struct bench_config *cfg)
{
	const char *prog = argv[0];
	bool rwmix_given = false, wait_given = false;
	uint64_t v;
	int opt;

	*cfg = (struct bench_config){
		.num_threads = 1,
		.iodepth = 1,
		.blocksize = 4096,
		.runtime_secs = 30,
		.rw = RW_READ,
		.rwmixread = 50,
		.fill = true,
		.verify_seed = DEFAULT_VERIFY_SEED,
		.output = OUTPUT_JSON,
		.progress = PROGRESS_AUTO,
		.completion_timeout_ms = DEFAULT_COMPLETION_TIMEOUT_MS,
	};

	while ((opt = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout, prog);
			exit(EXIT_SUCCESS);
		case OPT_VERSION:
			version();
			exit(EXIT_SUCCESS);
		case OPT_NUM_THREADS:
			/* Each thread is a queue, and num-queues is an int. */
			cfg->num_threads = parse_count(prog, optarg, false,
					INT_MAX, "Invalid number of threads");
			break;
		case OPT_IODEPTH:
			/* do_io's max_completions is an int. */
			cfg->iodepth = parse_count(prog, optarg, false,
					INT_MAX, "Invalid iodepth");
			break;
		case OPT_READWRITE:
			cfg->rw = parse_rw(prog, optarg);
			break;
		case OPT_BLOCKSIZE:
			cfg->blocksize = parse_count(prog, optarg, true,
					UINT_MAX, "Invalid blocksize");
			break;
		case OPT_RUNTIME:
			cfg->runtime_secs = parse_count(prog, optarg, false,
					UINT_MAX, "Invalid runtime");
			break;
		case OPT_POLL:
			cfg->wait = WAIT_POLL;
			wait_given = true;
			break;
		case OPT_WAIT:
			cfg->wait = parse_wait(prog, optarg);
			wait_given = true;
			break;
		case OPT_RWMIXREAD:
			if (!parse_u64(optarg, false, &v) || v > 100)
				bad_usage(prog, "Invalid rwmixread (0 to 100)");
			cfg->rwmixread = (unsigned)v;
			rwmix_given = true;
			break;
		case OPT_POLL_QUEUES:
			cfg->poll_queues = true;
			break;
		case OPT_VERIFY:
			cfg->verify = true;
			break;
		case OPT_NO_FILL:
			cfg->fill = false;
			break;
		case OPT_VERIFY_SEED:
			if (!parse_u64(optarg, false, &cfg->verify_seed))
				bad_usage(prog, "Invalid verify-seed");
			break;
		case OPT_OUTPUT:
			cfg->output = parse_output(prog, optarg);
			break;
		case OPT_PROGRESS:
			cfg->progress = PROGRESS_ALWAYS;
			break;
		case OPT_NO_PROGRESS:
			cfg->progress = PROGRESS_NEVER;
			break;
		case OPT_SIZE:
			if (!parse_u64(optarg, true, &cfg->scratch_size) ||
			    cfg->scratch_size == 0)
				bad_usage(prog, "Invalid size");
			break;
		case OPT_COMPLETION_TIMEOUT:
			if (!parse_u64(optarg, false, &v) || v > INT_MAX)
				bad_usage(prog, "Invalid completion-timeout-ms");
			cfg->completion_timeout_ms = (unsigned)v;
			break;
		default:
			bad_usage(prog, "Unrecognized option");
		}
	}

	parse_positional(prog, argc, argv, cfg);
	check_combinations(prog, cfg, rwmix_given, wait_given);
}
