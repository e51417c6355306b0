/* SPDX-License-Identifier: MIT OR Apache-2.0 */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>

#include "drivers.h"
#include "output.h"
#include "util.h"

static const struct {
	const char *key;	/* JSON key and text label */
	double pct;
} percentiles[] = {
	{ "50", 50.0 },
	{ "90", 90.0 },
	{ "99", 99.0 },
	{ "99.9", 99.9 },
	{ "99.99", 99.99 },
};

#define NUM_PERCENTILES (sizeof(percentiles) / sizeof(percentiles[0]))

/* Derived figures; zero rather than NaN/inf when nothing was measured. */
struct figures {
	double kiops, gips;
	double min_lat_us, mean_lat_us, max_lat_us;
	double min_comp, mean_comp, max_comp;
	double cpu_us_per_io;
	double pct_us[NUM_PERCENTILES];
};

static void compute(const struct bench_config *cfg,
		    const struct bench_stats *s, struct figures *f)
{
	double rt = s->runtime_secs;

	*f = (struct figures){ 0 };
	if (rt > 0) {
		f->kiops = (double)s->ios / rt / 1000.0;
		f->gips = (double)s->ios * cfg->blocksize / rt / (double)GIB;
	}
	if (s->ios) {
		f->min_lat_us = (double)s->lat_min_ns / 1000.0;
		f->mean_lat_us = (double)s->lat_sum_ns / (double)s->ios / 1000.0;
		f->max_lat_us = (double)s->lat_max_ns / 1000.0;
		f->cpu_us_per_io = (s->cpu_user_secs + s->cpu_sys_secs) * 1e6 /
				   (double)s->ios;
		for (size_t i = 0; i < NUM_PERCENTILES; i++)
			f->pct_us[i] = (double)stats_percentile_ns(s,
					percentiles[i].pct) / 1000.0;
	}
	if (s->calls)
		f->mean_comp = (double)s->ios / (double)s->calls;
	if (s->comp_min != UINT_MAX)
		f->min_comp = s->comp_min;
	f->max_comp = s->comp_max;
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void json_stats(const struct bench_report *rep,
		       const struct bench_stats *s, const char *ind)
{
	struct figures f;

	compute(rep->cfg, s, &f);
	/* libblkio's keys first, in its order and formats. */
	printf("%s\"kiops\": %.3f,\n", ind, f.kiops);
	printf("%s\"gips\": %.3f,\n", ind, f.gips);
	printf("%s\"min_lat_us\": %.3f,\n", ind, f.min_lat_us);
	printf("%s\"mean_lat_us\": %.3f,\n", ind, f.mean_lat_us);
	printf("%s\"max_lat_us\": %.3f,\n", ind, f.max_lat_us);
	printf("%s\"calls\": %" PRIu64 ",\n", ind, s->calls);
	printf("%s\"min_completions\": %.2f,\n", ind, f.min_comp);
	printf("%s\"mean_completions\": %.2f,\n", ind, f.mean_comp);
	printf("%s\"max_completions\": %.2f,\n", ind, f.max_comp);

	printf("%s\"ios\": %" PRIu64 ",\n", ind, s->ios);
	printf("%s\"reads\": %" PRIu64 ",\n", ind, s->reads);
	printf("%s\"writes\": %" PRIu64 ",\n", ind, s->ios - s->reads);
	printf("%s\"runtime_s\": %.6f,\n", ind, s->runtime_secs);
	printf("%s\"cpu_user_s\": %.3f,\n", ind, s->cpu_user_secs);
	printf("%s\"cpu_sys_s\": %.3f,\n", ind, s->cpu_sys_secs);
	printf("%s\"cpu_us_per_io\": %.3f,\n", ind, f.cpu_us_per_io);
	if (rep->cfg->verify)
		printf("%s\"verified_reads\": %" PRIu64 ",\n", ind,
		       s->verified);
	printf("%s\"lat_percentiles_us\": {", ind);
	for (size_t i = 0; i < NUM_PERCENTILES; i++)
		printf("%s\"%s\": %.3f", i ? ", " : " ", percentiles[i].key,
		       f.pct_us[i]);
	printf(" }\n");
}

static void json_config(const struct bench_report *rep)
{
	const struct bench_config *cfg = rep->cfg;

	printf("  \"config\": {\n");
	printf("    \"driver\": ");
	json_string(cfg->driver);
	printf(",\n    \"properties\": [");
	for (int i = 0; i < cfg->num_props; i++) {
		printf("%s", i ? ", " : "");
		json_string(cfg->props[i]);
	}
	printf("],\n");
	printf("    \"scratch_file\": %s,\n", rep->scratch ? "true" : "false");
	printf("    \"capacity\": %" PRIu64 ",\n", cfg->capacity);
	printf("    \"readwrite\": \"%s\",\n", rw_name(cfg->rw));
	printf("    \"rwmixread\": %u,\n", cfg->rwmixread);
	printf("    \"blocksize\": %u,\n", cfg->blocksize);
	printf("    \"iodepth\": %u,\n", cfg->iodepth);
	printf("    \"num_threads\": %u,\n", cfg->num_threads);
	printf("    \"runtime\": %u,\n", cfg->runtime_secs);
	printf("    \"poll\": %s,\n", cfg->wait == WAIT_POLL ? "true" : "false");
	printf("    \"wait\": \"%s\",\n", wait_name(cfg->wait));
	printf("    \"poll_queues\": %s,\n",
	       cfg->poll_queues ? "true" : "false");
	printf("    \"verify\": %s\n", cfg->verify ? "true" : "false");
	printf("  },\n");
}

static void json_verify(const struct bench_report *rep)
{
	printf("  \"verify\": {\n");
	printf("    \"seed\": %" PRIu64 ",\n", rep->cfg->verify_seed);
	printf("    \"filled_blocks\": %" PRIu64 ",\n", rep->filled_blocks);
	printf("    \"verified_reads\": %" PRIu64 ",\n",
	       rep->aggregate->verified);
	printf("    \"read_back_blocks\": %" PRIu64 ",\n",
	       rep->read_back_blocks);
	printf("    \"errors\": 0\n");
	printf("  },\n");
}

static void print_json(const struct bench_report *rep)
{
	unsigned n = rep->cfg->num_threads;

	printf("{\n  \"aggregate\": {\n");
	json_stats(rep, rep->aggregate, "    ");
	printf("  },\n  \"threads\": [\n");
	for (unsigned i = 0; i < n; i++) {
		printf("    {\n");
		json_stats(rep, rep->threads[i], "      ");
		printf("    }%s\n", i + 1 < n ? "," : "");
	}
	printf("  ],\n");
	json_config(rep);
	if (rep->cfg->verify)
		json_verify(rep);
	printf("  \"stopped_early\": %s\n}\n",
	       rep->stopped_early ? "true" : "false");
}

static void text_line(const struct bench_report *rep, const char *label,
		      const struct bench_stats *s)
{
	struct figures f;

	compute(rep->cfg, s, &f);
	printf("%-10s %10.3f kIOPS  %7.3f GiB/s  lat us: min %.3f  mean %.3f  max %.3f\n",
	       label, f.kiops, f.gips, f.min_lat_us, f.mean_lat_us,
	       f.max_lat_us);
	printf("%-10s percentiles us:", "");
	for (size_t i = 0; i < NUM_PERCENTILES; i++)
		printf("  p%s %.3f", percentiles[i].key, f.pct_us[i]);
	printf("\n%-10s %" PRIu64 " requests (%" PRIu64 " reads, %" PRIu64
	       " writes) in %.3f s, CPU %.3f us per request\n",
	       "", s->ios, s->reads, s->ios - s->reads, s->runtime_secs,
	       f.cpu_us_per_io);
	printf("%-10s %" PRIu64 " do_io calls, completions per call min %.0f mean %.2f max %.0f\n",
	       "", s->calls, f.min_comp, f.mean_comp, f.max_comp);
}

static void print_text(const struct bench_report *rep)
{
	const struct bench_config *cfg = rep->cfg;
	const char *note = driver_note(cfg->driver, cfg->direct);
	char label[32];

	printf("%s%s: %s, blocksize %u, iodepth %u, %u thread%s, %u s, wait %s%s%s\n",
	       cfg->driver, rep->scratch ? " (scratch file)" : "",
	       rw_name(cfg->rw), cfg->blocksize, cfg->iodepth,
	       cfg->num_threads, cfg->num_threads == 1 ? "" : "s",
	       cfg->runtime_secs, wait_name(cfg->wait),
	       cfg->poll_queues ? ", poll queues" : "",
	       rep->stopped_early ? " (stopped early)" : "");
	if (cfg->rw == RW_RANDRW)
		printf("read mix: %u%% reads\n", cfg->rwmixread);
	text_line(rep, "total", rep->aggregate);
	if (cfg->num_threads > 1) {
		for (unsigned i = 0; i < cfg->num_threads; i++) {
			snprintf(label, sizeof(label), "thread %u", i);
			text_line(rep, label, rep->threads[i]);
		}
	}
	if (note)
		printf("note: %s\n", note);
	if (cfg->verify)
		printf("verify: seed %" PRIu64 ", %" PRIu64 " blocks filled, %"
		       PRIu64 " reads checked, %" PRIu64
		       " blocks read back, no errors\n",
		       cfg->verify_seed, rep->filled_blocks,
		       rep->aggregate->verified, rep->read_back_blocks);
}

void output_warn(const struct bench_config *cfg)
{
	const char *note = driver_note(cfg->driver, cfg->direct);

	/* Text output has it in the summary; JSON is for scripts. */
	if (note && cfg->output == OUTPUT_JSON)
		fprintf(stderr, "blkio-bench: note: %s\n", note);
}

void output_print(const struct bench_report *rep)
{
	if (rep->cfg->output == OUTPUT_TEXT)
		print_text(rep);
	else
		print_json(rep);
	fflush(stdout);
}
