/* SPDX-License-Identifier: MIT OR Apache-2.0 */
#include <stdio.h>
#include <unistd.h>

#include "progress.h"
#include "util.h"

void progress_init(struct progress *p, const struct bench_config *cfg,
		   uint64_t start_ns)
{
	p->tty = isatty(STDERR_FILENO);
	p->enabled = cfg->progress == PROGRESS_ALWAYS ||
		     (cfg->progress == PROGRESS_AUTO && p->tty);
	p->printed = false;
	p->blocksize = cfg->blocksize;
	p->runtime_secs = cfg->runtime_secs;
	p->last_ns = start_ns;
	p->last_ios = 0;
	p->last_lat_ns = 0;
}

void progress_tick(struct progress *p, uint64_t start_ns, uint64_t now,
		   uint64_t ios, uint64_t lat_ns)
{
	double secs = (double)(now - p->last_ns) / 1e9;
	uint64_t d_ios = ios - p->last_ios;
	double kiops, gips, lat_us;

	if (!p->enabled || secs <= 0)
		return;
	kiops = (double)d_ios / secs / 1000.0;
	gips = (double)d_ios * p->blocksize / secs / (double)GIB;
	lat_us = d_ios ? (double)(lat_ns - p->last_lat_ns) / d_ios / 1000.0 : 0;

	fprintf(stderr, "%sblkio-bench: %3llu/%u s  %10.3f kIOPS  %7.3f GiB/s  mean lat %9.3f us%s",
		p->tty ? "\r" : "",
		(unsigned long long)((now - start_ns + NSEC_PER_SEC / 2) / NSEC_PER_SEC),
		p->runtime_secs, kiops, gips, lat_us,
		p->tty ? "\033[K" : "\n");
	fflush(stderr);
	p->printed = true;
	p->last_ns = now;
	p->last_ios = ios;
	p->last_lat_ns = lat_ns;
}

void progress_finish(struct progress *p)
{
	if (p->enabled && p->tty && p->printed)
		fputc('\n', stderr);
}
