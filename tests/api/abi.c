/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Binary interface (contract §1.1, §1.2, §1.5, §2): exported dynamic
 * symbols, soname, no symbol versions, structure layouts, constants and
 * prototypes as seen from C (gnu11 here, strict c11 in abi-c11.c) and C++
 * (abi-cxx.cpp, when a C++ compiler exists).
 *
 * Usage: abi [path of the libblkio.so.1 the test is expected to load]
 * The library inspected is the one actually loaded (so the test follows
 * LD_LIBRARY_PATH); the argument only guards against loading another one.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <link.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "util.h"
#include "abi-facts.h"

#define ABI_ALIGNOF(type) _Alignof(type)

#define NAME_STRING(name, ret, params) #name,
static const char *const public_functions[] = { ABI_FUNCTIONS(NAME_STRING) };
#define NR_PUBLIC ((int)(sizeof(public_functions) / sizeof(char *)))

/* Exported by libblkio's C shim; allowed, not required. */
static const char *const optional_symbols[] = {
	"blkio_get_error_msg_",
	"blkio_set_error_msg_",
};

#define VALUE_EXPR(expr, want) #expr,
static const char *const value_names[] = { ABI_VALUES(VALUE_EXPR) };
#define VALUE_WANT(expr, want) (unsigned long long)(want),
static const unsigned long long value_wants[] = { ABI_VALUES(VALUE_WANT) };
#define NR_VALUES ((int)(sizeof(value_wants) / sizeof(value_wants[0])))

static const char *expected_lib;	/* argv[1] or NULL */
static char loaded_lib[PATH_MAX];

int abi_values_gnu11(unsigned long long *out, int max)
{
	int n = 0;

#define STORE_VALUE(expr, want) \
	if (n < max) \
		out[n] = (unsigned long long)(expr); \
	n++;
	ABI_VALUES(STORE_VALUE)
	return n;
}

static void check_values(const char *lang,
			 int (*fn)(unsigned long long *, int))
{
	unsigned long long got[NR_VALUES];
	int i;

	ck_assert_int_eq(fn(got, NR_VALUES), NR_VALUES);
	for (i = 0; i < NR_VALUES; i++)
		ck_assert_msg(got[i] == value_wants[i], "%s: %s is %llu, not %llu",
			      lang, value_names[i], got[i], value_wants[i]);
}

START_TEST(values_gnu11)
{
	check_values("gnu11", abi_values_gnu11);
}
END_TEST

START_TEST(values_c11)
{
	check_values("c11", abi_values_c11);
}
END_TEST

/* Both units reference the same 43 functions of the loaded library. */
static void check_functions(const char *lang,
			    int (*fn)(void (**)(void), int))
{
	void (*got[NR_PUBLIC])(void);
	void *sym;
	int i;

	ck_assert_int_eq(fn(got, NR_PUBLIC), NR_PUBLIC);
	for (i = 0; i < NR_PUBLIC; i++) {
		sym = dlsym(RTLD_DEFAULT, public_functions[i]);
		ck_assert_msg(sym != NULL, "%s not found", public_functions[i]);
		ck_assert_msg(*(void **)&got[i] == sym, "%s: %s differs",
			      lang, public_functions[i]);
	}
}

START_TEST(functions_c11)
{
	check_functions("c11", abi_functions_c11);
}
END_TEST

#ifdef HAVE_CXX
START_TEST(values_cxx)
{
	check_values("c++", abi_values_cxx);
}
END_TEST

START_TEST(functions_cxx)
{
	check_functions("c++", abi_functions_cxx);
}
END_TEST
#endif

/* Finds the file libblkio.so.1 was loaded from. */
static void find_loaded_lib(void)
{
	struct link_map *lm = NULL;
	void *h = dlopen("libblkio.so.1", RTLD_LAZY | RTLD_NOLOAD);

	if (!h || dlinfo(h, RTLD_DI_LINKMAP, &lm) != 0 || !lm) {
		printf("SKIP: cannot locate the loaded libblkio.so.1\n");
		exit(API_EXIT_SKIP);
	}
	if (!realpath(lm->l_name, loaded_lib))
		snprintf(loaded_lib, sizeof(loaded_lib), "%s", lm->l_name);
	dlclose(h);
}

START_TEST(loaded_expected_library)
{
	char want[PATH_MAX];

	if (!expected_lib) {
		api_note_skip(__func__, "no library path given");
		return;
	}
	/* Against the reference, LD_LIBRARY_PATH swaps the library on purpose. */
	API_SKIP_IF_REFERENCE("the reference library is loaded on purpose");
	ck_assert_ptr_nonnull(realpath(expected_lib, want));
	ck_assert_str_eq(loaded_lib, want);
}
END_TEST

/* Runs @cmd and returns its stdout (malloc'd); fails on a non-zero exit. */
static char *run(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	size_t size = 0, len = 0, n;
	char *out = NULL;
	int status;

	ck_assert_ptr_nonnull(p);
	do {
		if (len + 4096 + 1 > size) {
			size = 2 * size + 8192;
			out = realloc(out, size);
			ck_assert_ptr_nonnull(out);
		}
		n = fread(out + len, 1, 4096, p);
		len += n;
	} while (n > 0);
	out[len] = '\0';
	status = pclose(p);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "\"%s\" failed (status %d)", cmd, status);
	return out;
}

static bool in_list(const char *name, const char *const *list, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(name, list[i]) == 0)
			return true;
	return false;
}

/*
 * nm -D --defined-only: exactly the 43 functions, optionally the two
 * helpers, nothing else; all unversioned (a version would show as
 * "name@@VER" and an absolute "A VER" symbol).
 */
START_TEST(exported_symbols)
{
	bool relaxed = api_relaxed_for_reference(__func__,
			"libblkio exports Rust internals too; only the public "
			"set is required");
	bool found[NR_PUBLIC] = { false };
	char cmd[PATH_MAX + 64], *out, *line, *save;
	int i, extra = 0;

	snprintf(cmd, sizeof(cmd), "nm -D --defined-only '%s'", loaded_lib);
	out = run(cmd);
	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char type, name[512];

		if (sscanf(line, "%*s %c %511s", &type, name) != 2)
			continue;
		ck_assert_msg(strchr(name, '@') == NULL || relaxed,
			      "versioned symbol: %s", name);
		for (i = 0; i < NR_PUBLIC; i++)
			if (strcmp(name, public_functions[i]) == 0) {
				ck_assert_msg(type == 'T', "%s has type %c",
					      name, type);
				found[i] = true;
			}
		if (in_list(name, public_functions, NR_PUBLIC) ||
		    in_list(name, optional_symbols, 2))
			continue;
		fprintf(stderr, "unexpected export: %s\n", line);
		extra++;
	}
	free(out);
	for (i = 0; i < NR_PUBLIC; i++)
		ck_assert_msg(found[i], "%s is not exported", public_functions[i]);
	if (!relaxed)
		ck_assert_msg(extra == 0, "%d unexpected exports (listed above)",
			      extra);
}
END_TEST

START_TEST(soname)
{
	char cmd[PATH_MAX + 64], *out;

	snprintf(cmd, sizeof(cmd), "readelf -d '%s'", loaded_lib);
	out = run(cmd);
	ck_assert_msg(strstr(out, "Library soname: [libblkio.so.1]") != NULL,
		      "no SONAME libblkio.so.1 in:\n%s", out);
	free(out);
}
END_TEST

static Suite *abi_suite(void)
{
	Suite *s = suite_create("abi");
	TCase *tc;

	tc = tcase_create("header");
	tcase_add_test(tc, values_gnu11);
	tcase_add_test(tc, values_c11);
	tcase_add_test(tc, functions_c11);
#ifdef HAVE_CXX
	tcase_add_test(tc, values_cxx);
	tcase_add_test(tc, functions_cxx);
#endif
	suite_add_tcase(s, tc);

	tc = tcase_create("library");
	tcase_add_test(tc, loaded_expected_library);
	tcase_add_test(tc, exported_symbols);
	tcase_add_test(tc, soname);
	suite_add_tcase(s, tc);
	return s;
}

/* nm and readelf come from binutils; without them the test cannot run. */
static void require_tool(const char *tool)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "%s --version >/dev/null 2>&1", tool);
	if (system(cmd) != 0) {
		printf("SKIP: %s (binutils) not found\n", tool);
		exit(API_EXIT_SKIP);
	}
}

int main(int argc, char **argv)
{
	if (argc > 1)
		expected_lib = argv[1];
#ifndef HAVE_CXX
	printf("note: no C++ compiler at build time, C++ header check not built\n");
#endif
	require_tool("nm");
	require_tool("readelf");
	find_loaded_lib();
	printf("inspecting %s\n", loaded_lib);
	return api_run(abi_suite());
}
