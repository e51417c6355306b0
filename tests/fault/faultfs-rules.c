// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * faultfs rule table: which requests get delayed, shortened or failed.
 *
 * A request "hits" a rule when its operation matches and its byte range
 * overlaps the rule's [start, end) (fsync hits regardless of range).
 * fallocate (write zeroes, discard) only takes err and delay.
 * Every hit is an attempt; attempts skip+1 .. skip+count (count 0 = all
 * from skip+1 on) are affected.  An affected request gets the rule's delay
 * and max cap, and then: with clip/eof, a request starting before `start`
 * is cut at `start`; otherwise err fails it and eof makes it return 0 bytes.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "faultfs.h"

#define MAX_RULES 64

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct ff_rule rules[MAX_RULES];
static unsigned int nr_rules;
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

#define NR_ERRNOS (sizeof(errno_names) / sizeof(errno_names[0]))

static const struct {
	const char *name;
	int value;
} errno_names[] = {
	{ "EIO", EIO }, { "EAGAIN", EAGAIN }, { "ENOSPC", ENOSPC },
	{ "EINTR", EINTR }, { "EFBIG", EFBIG }, { "EROFS", EROFS },
	{ "EPERM", EPERM }, { "ENOMEM", ENOMEM }, { "EINVAL", EINVAL },
	{ "ENODATA", ENODATA }, { "EDQUOT", EDQUOT }, { "EBADF", EBADF },
	{ "ETIMEDOUT", ETIMEDOUT }, { "ENOLINK", ENOLINK },
};

int ff_errno_parse(const char *s, int *err)
{
	char *end;
	long v;

	for (size_t i = 0; i < NR_ERRNOS; i++) {
		if (strcasecmp(s, errno_names[i].name) == 0) {
			*err = errno_names[i].value;
			return 0;
		}
	}
	v = strtol(s, &end, 10);
	/* the kernel rejects FUSE replies with errors outside 1..511 */
	if (*s == '\0' || *end != '\0' || v <= 0 || v >= 512)
		return -EINVAL;
	*err = (int)v;
	return 0;
}

static const char *errno_name(int err)
{
	for (size_t i = 0; i < NR_ERRNOS; i++)
		if (errno_names[i].value == err)
			return errno_names[i].name;
	return NULL;
}

/* Decimal or 0x number with an optional k/m/g (binary) suffix. */
int ff_size_parse(const char *s, uint64_t *val)
{
	unsigned long long v;
	char *end;

	if (*s == '\0' || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno)
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	}
	if (*end != '\0')
		return -EINVAL;
	*val = v;
	return 0;
}

static int parse_ops(const char *s, unsigned int *ops)
{
	if (strcmp(s, "read") == 0)
		*ops = FF_OP_READ;
	else if (strcmp(s, "write") == 0)
		*ops = FF_OP_WRITE;
	else if (strcmp(s, "rw") == 0)
		*ops = FF_OP_READ | FF_OP_WRITE;
	else if (strcmp(s, "fsync") == 0)
		*ops = FF_OP_FSYNC;
	else if (strcmp(s, "falloc") == 0)
		*ops = FF_OP_FALLOC;
	else if (strcmp(s, "all") == 0)
		*ops = FF_OP_READ | FF_OP_WRITE | FF_OP_FSYNC | FF_OP_FALLOC;
	else
		return -EINVAL;
	return 0;
}

static int parse_us(const char *s, unsigned int *us)
{
	uint64_t v;

	if (ff_size_parse(s, &v) || v > 60000000)
		return -EINVAL;
	*us = (unsigned int)v;
	return 0;
}

/* One key[=value] token of a rule spec. */
static int parse_token(char *tok, struct ff_rule *r, uint64_t *len)
{
	char *val = strchr(tok, '=');

	if (val)
		*val++ = '\0';
	if (strcmp(tok, "clip") == 0 && !val) {
		r->clip = true;
		return 0;
	}
	if (strcmp(tok, "eof") == 0 && !val) {
		r->eof = true;
		return 0;
	}
	if (!val)
		return -EINVAL;
	if (strcmp(tok, "op") == 0)
		return parse_ops(val, &r->ops);
	if (strcmp(tok, "err") == 0)
		return ff_errno_parse(val, &r->err);
	if (strcmp(tok, "start") == 0)
		return ff_size_parse(val, &r->start);
	if (strcmp(tok, "end") == 0)
		return ff_size_parse(val, &r->end);
	if (strcmp(tok, "len") == 0)
		return ff_size_parse(val, len);
	if (strcmp(tok, "max") == 0)
		return ff_size_parse(val, &r->max);
	if (strcmp(tok, "skip") == 0)
		return ff_size_parse(val, &r->skip);
	if (strcmp(tok, "count") == 0)
		return ff_size_parse(val, &r->count);
	if (strcmp(tok, "delay") == 0)
		return parse_us(val, &r->delay_us);
	if (strcmp(tok, "jitter") == 0)
		return parse_us(val, &r->jitter_us);
	return -EINVAL;
}

/*
 * Parse "op=read start=4096 len=4k err=EIO count=1" (commas work as
 * separators too).  A max of 0 only makes sense as eof, so "max=0" is
 * rejected in favour of the explicit keyword.
 */
int ff_rule_parse(const char *spec, struct ff_rule *rule)
{
	struct ff_rule r = {
		.ops = FF_OP_READ | FF_OP_WRITE,
		.end = UINT64_MAX,
	};
	uint64_t len = 0;
	char *copy, *tok, *save;
	bool has_max;
	int ret = 0;

	copy = strdup(spec);
	if (!copy)
		return -ENOMEM;
	has_max = strstr(spec, "max=") != NULL;
	for (tok = strtok_r(copy, " \t,", &save); tok;
	     tok = strtok_r(NULL, " \t,", &save)) {
		ret = parse_token(tok, &r, &len);
		if (ret)
			break;
	}
	free(copy);
	if (ret)
		return ret;
	if (len)
		r.end = r.start + len;
	/* clip alone just cuts requests at start ("split" point) */
	if (r.start >= r.end || (r.err && r.eof) || (has_max && r.max == 0))
		return -EINVAL;
	if (r.eof)
		r.clip = true;	/* eof always delivers the bytes before start */
	*rule = r;
	return 0;
}

int ff_rules_add(const struct ff_rule *rule)
{
	int ret = 0;

	pthread_mutex_lock(&lock);
	if (nr_rules == MAX_RULES)
		ret = -ENOSPC;
	else
		rules[nr_rules++] = *rule;
	pthread_mutex_unlock(&lock);
	return ret;
}

void ff_rules_clear(void)
{
	pthread_mutex_lock(&lock);
	nr_rules = 0;
	pthread_mutex_unlock(&lock);
}

static uint64_t rng_next(void)
{
	/* xorshift64; called with the lock held */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static bool hits(const struct ff_rule *r, unsigned int op, uint64_t off,
		 uint64_t len)
{
	if (!(r->ops & op))
		return false;
	if (op == FF_OP_FSYNC)
		return true;
	if (len == 0)
		return off >= r->start && off < r->end;
	return off < r->end && off + len > r->start;
}

static void apply(const struct ff_rule *r, unsigned int op, uint64_t off,
		  struct ff_verdict *v)
{
	v->delay_us += r->delay_us;
	if (r->jitter_us)
		v->delay_us += (unsigned int)(rng_next() %
					      (r->jitter_us + 1ull));
	if (r->max && r->max < v->len)
		v->len = r->max;
	if (r->clip && op != FF_OP_FSYNC && off < r->start) {
		if (r->start - off < v->len)
			v->len = r->start - off;
		return;
	}
	if (r->err && !v->err)
		v->err = r->err;
	if (r->eof)
		v->len = 0;
}

void ff_rules_eval(unsigned int op, uint64_t off, uint64_t len,
		   struct ff_verdict *v)
{
	v->len = len;
	v->err = 0;
	v->delay_us = 0;
	pthread_mutex_lock(&lock);
	for (unsigned int i = 0; i < nr_rules; i++) {
		struct ff_rule *r = &rules[i];

		if (!hits(r, op, off, len))
			continue;
		r->seen++;
		if (r->seen <= r->skip)
			continue;
		if (r->count && r->seen > r->skip + r->count)
			continue;
		r->fired++;
		apply(r, op, off, v);
	}
	pthread_mutex_unlock(&lock);
}

static const char *ops_name(unsigned int ops)
{
	switch (ops) {
	case FF_OP_READ: return "read";
	case FF_OP_WRITE: return "write";
	case FF_OP_READ | FF_OP_WRITE: return "rw";
	case FF_OP_FSYNC: return "fsync";
	case FF_OP_FALLOC: return "falloc";
	default: return "all";
	}
}

void ff_rules_print(FILE *f)
{
	pthread_mutex_lock(&lock);
	for (unsigned int i = 0; i < nr_rules; i++) {
		const struct ff_rule *r = &rules[i];
		const char *en = errno_name(r->err);

		fprintf(f, "rule %u op=%s start=%" PRIu64, i, ops_name(r->ops),
			r->start);
		if (r->end != UINT64_MAX)
			fprintf(f, " end=%" PRIu64, r->end);
		if (r->err && en)
			fprintf(f, " err=%s", en);
		else if (r->err)
			fprintf(f, " err=%d", r->err);
		if (r->eof)
			fprintf(f, " eof");
		else if (r->clip)
			fprintf(f, " clip");
		if (r->max)
			fprintf(f, " max=%" PRIu64, r->max);
		if (r->delay_us || r->jitter_us)
			fprintf(f, " delay=%u jitter=%u", r->delay_us,
				r->jitter_us);
		if (r->skip)
			fprintf(f, " skip=%" PRIu64, r->skip);
		if (r->count)
			fprintf(f, " count=%" PRIu64, r->count);
		fprintf(f, " seen=%" PRIu64 " fired=%" PRIu64 "\n", r->seen,
			r->fired);
	}
	pthread_mutex_unlock(&lock);
}
