// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * faultfs control file: commands written to /ctl reconfigure the running
 * filesystem; reading /ctl reports the configuration and counters.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "faultfs.h"

static pthread_mutex_t stat_lock = PTHREAD_MUTEX_INITIALIZER;

struct ff_state ff_state;
void (*ff_ctl_after_crash)(void);

void ff_stat_add(uint64_t *counter, uint64_t n)
{
	__atomic_add_fetch(counter, n, __ATOMIC_RELAXED);
}

uint64_t ff_stat_get(const uint64_t *counter)
{
	return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

void ff_stats_reset(void)
{
	uint64_t *c[] = {
		&ff_state.reads, &ff_state.writes, &ff_state.fsyncs,
		&ff_state.flushes, &ff_state.fallocs, &ff_state.shorts,
		&ff_state.errors, &ff_state.eofs, &ff_state.delays,
		&ff_state.bytes_read, &ff_state.bytes_written,
		&ff_state.commits, &ff_state.crashes,
	};

	pthread_mutex_lock(&stat_lock);
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		__atomic_store_n(c[i], 0, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&stat_lock);
}

static int parse_bool(const char *s, bool *b)
{
	if (strcmp(s, "1") == 0 || strcmp(s, "on") == 0) {
		*b = true;
		return 0;
	}
	if (strcmp(s, "0") == 0 || strcmp(s, "off") == 0) {
		*b = false;
		return 0;
	}
	return -EINVAL;
}

static int add_rule(const char *spec)
{
	struct ff_rule r;
	int ret = ff_rule_parse(spec, &r);

	return ret ? ret : ff_rules_add(&r);
}

/* "latency US [JITTER]" is shorthand for a read/write delay rule. */
static int cmd_latency(const char *arg)
{
	char spec[96];
	unsigned int d = 0, j = 0;

	if (sscanf(arg, "%u %u", &d, &j) < 1)
		return -EINVAL;
	snprintf(spec, sizeof(spec), "op=rw delay=%u jitter=%u", d, j);
	return add_rule(spec);
}

static int cmd_max_io(const char *arg)
{
	char spec[64];

	snprintf(spec, sizeof(spec), "op=rw max=%s", arg);
	return add_rule(spec);
}

static int cmd_crash(void)
{
	ff_store_crash();
	ff_stat_add(&ff_state.crashes, 1);
	if (ff_ctl_after_crash)
		ff_ctl_after_crash();
	return 0;
}

static int exec_line(char *line)
{
	char *arg;
	bool b;

	while (*line == ' ' || *line == '\t')
		line++;
	if (*line == '\0' || *line == '#')
		return 0;
	arg = line + strcspn(line, " \t");
	if (*arg)
		*arg++ = '\0';
	while (*arg == ' ' || *arg == '\t')
		arg++;

	if (strcmp(line, "clear") == 0) {
		ff_rules_clear();
		return 0;
	}
	if (strcmp(line, "reset-stats") == 0) {
		ff_stats_reset();
		return 0;
	}
	if (strcmp(line, "reset") == 0) {
		ff_rules_clear();
		ff_stats_reset();
		return 0;
	}
	if (strcmp(line, "rule") == 0)
		return add_rule(arg);
	if (strcmp(line, "latency") == 0)
		return cmd_latency(arg);
	if (strcmp(line, "max-io") == 0)
		return cmd_max_io(arg);
	if (strcmp(line, "commit") == 0) {
		ff_store_commit();
		return 0;
	}
	if (strcmp(line, "crash") == 0)
		return cmd_crash();
	if (parse_bool(arg, &b))
		return -EINVAL;
	if (strcmp(line, "direct-io") == 0)
		ff_state.direct_io = b;
	else if (strcmp(line, "volatile") == 0)
		ff_store_set_volatile(b);
	else if (strcmp(line, "close-commits") == 0)
		ff_state.close_commits = b;
	else
		return -EINVAL;
	return 0;
}

/* Commands are separated by newlines or ';'; all are tried, first error wins. */
int ff_ctl_exec(const char *text, size_t len)
{
	char *copy, *line, *save;
	int ret = 0;

	copy = strndup(text, len);
	if (!copy)
		return -ENOMEM;
	for (line = strtok_r(copy, "\n;", &save); line;
	     line = strtok_r(NULL, "\n;", &save)) {
		int r = exec_line(line);

		if (r && !ret)
			ret = r;
	}
	free(copy);
	return ret;
}

char *ff_ctl_status(size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (!f)
		return NULL;
	fprintf(f, "size %" PRIu64 "\n", ff_store_size());
	fprintf(f, "direct-io %d\n", ff_state.direct_io);
	fprintf(f, "volatile %d\n", ff_store_is_volatile());
	fprintf(f, "close-commits %d\n", ff_state.close_commits);
	fprintf(f, "dirty-pages %" PRIu64 "\n", ff_store_dirty_pages());
#define STAT(name, field) \
	fprintf(f, name " %" PRIu64 "\n", ff_stat_get(&ff_state.field))
	STAT("reads", reads);
	STAT("writes", writes);
	STAT("fsyncs", fsyncs);
	STAT("flushes", flushes);
	STAT("fallocs", fallocs);
	STAT("shorts", shorts);
	STAT("errors", errors);
	STAT("eofs", eofs);
	STAT("delays", delays);
	STAT("bytes-read", bytes_read);
	STAT("bytes-written", bytes_written);
	STAT("commits", commits);
	STAT("crashes", crashes);
#undef STAT
	ff_rules_print(f);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}
