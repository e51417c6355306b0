/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * NVMe interrupt counts from /proc/interrupts (see irq-count.h).  A line
 * looks like
 *
 *    33:          0          3  PCI-MSIX-0000:00:04.0   2-edge      nvme0q2
 *
 * one count per CPU after the colon, the queue's name last.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irq-count.h"

/* Whether the line's name (its last word) is an NVMe queue's. */
static bool is_nvme_queue(const char *line)
{
	const char *end = line + strcspn(line, "\n");
	const char *name = end;
	unsigned c, q;
	char tail;

	while (name > line && name[-1] != ' ' && name[-1] != '\t')
		name--;
	return sscanf(name, "nvme%uq%u%c", &c, &q, &tail) == 3 && tail == '\n';
}

static long long line_sum(const char *line)
{
	const char *p = strchr(line, ':');
	long long sum = 0;

	if (!p)
		return 0;
	for (p++;;) {
		char *end;
		long long v = strtoll(p, &end, 10);

		/* The counts end where the chip name (not a number) begins. */
		if (end == p)
			break;
		sum += v;
		p = end;
	}
	return sum;
}

/* Sum the NVMe lines; with a prefix, also print them. */
static long long scan(const char *prefix)
{
	FILE *f = fopen("/proc/interrupts", "r");
	char line[4096];
	long long sum = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (!is_nvme_queue(line))
			continue;
		sum += line_sum(line);
		if (prefix)
			printf("%s%s", prefix, line);
	}
	fclose(f);
	return sum;
}

long long nvme_irq_count(void)
{
	return scan(NULL);
}

void nvme_irq_dump(const char *prefix)
{
	scan(prefix);
}
