/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * blkio.h in strict ISO C11 (built with -std=c11 -D_POSIX_C_SOURCE=200809L):
 * the header must compile, and every prototype, layout and constant must be
 * libblkio's.  Mismatches stop the build; the values are also handed to
 * the abi test at run time.
 */
#include <stddef.h>

#include "blkio.h"
#include "abi-facts.h"

#define ABI_ALIGNOF(type) _Alignof(type)

#define CHECK_PROTO(name, ret, params) \
	_Static_assert(_Generic(&name, ret (*) params: 1, default: 0), \
		       #name " does not have libblkio's prototype");
ABI_FUNCTIONS(CHECK_PROTO)

#define CHECK_VALUE(expr, want) \
	_Static_assert((expr) == (want), #expr " is not " #want);
ABI_VALUES(CHECK_VALUE)

int abi_values_c11(unsigned long long *out, int max)
{
	int n = 0;

#define STORE_VALUE(expr, want) \
	if (n < max) \
		out[n] = (unsigned long long)(expr); \
	n++;
	ABI_VALUES(STORE_VALUE)
	return n;
}

int abi_functions_c11(void (**out)(void), int max)
{
	int n = 0;

#define STORE_FUNCTION(name, ret, params) \
	if (n < max) \
		out[n] = (void (*)(void))&name; \
	n++;
	ABI_FUNCTIONS(STORE_FUNCTION)
	return n;
}
