/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Regression driver for the fuzzers without libFuzzer: feeds every file
 * named on the command line (directories: every regular file inside,
 * in name order) to LLVMFuzzerTestOneInput() once.  Built with whatever
 * compiler the build uses, so every CI run replays the seed corpora.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned int replayed;

static int replay_file(const char *path)
{
	uint8_t *buf;
	size_t len;
	long end;
	FILE *f = fopen(path, "rb");

	if (!f) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (end = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "replay: %s: cannot size\n", path);
		fclose(f);
		return -1;
	}
	len = (size_t)end;
	/* an exact-size copy, so reading past the input is an ASan report */
	buf = malloc(len ? len : 1);
	if (!buf || fread(buf, 1, len, f) != len) {
		fprintf(stderr, "replay: %s: read failed\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	replayed++;
	return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int replay_dir(const char *dir)
{
	struct dirent **names;
	int n, i, ret = 0;

	n = scandir(dir, &names, NULL, by_name);
	if (n < 0) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		char *path;
		struct stat st;

		if (asprintf(&path, "%s/%s", dir, names[i]->d_name) >= 0) {
			if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
			    names[i]->d_name[0] != '.' &&
			    replay_file(path) < 0)
				ret = -1;
			free(path);
		}
		free(names[i]);
	}
	free(names);
	return ret;
}

int main(int argc, char **argv)
{
	int i, ret = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE-OR-DIR...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
			ret |= replay_dir(argv[i]);
		else
			ret |= replay_file(argv[i]);
	}
	printf("replayed %u inputs\n", replayed);
	if (replayed == 0)
		ret = -1;
	return ret ? 1 : 0;
}
