/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * blkio.h in C++: the header must compile, declare C linkage (else the
 * references below would not link), and give every function libblkio's
 * exact type, const-ness included.
 */
#include <cstddef>
#include <type_traits>

#include "blkio.h"
#include "abi-facts.h"

#define ABI_ALIGNOF(type) alignof(type)

#define CHECK_PROTO(name, ret, params) \
	static_assert(std::is_same<decltype(&name), ret (*) params>::value, \
		      #name " does not have libblkio's prototype");
ABI_FUNCTIONS(CHECK_PROTO)

#define CHECK_VALUE(expr, want) \
	static_assert((expr) == (want), #expr " is not " #want);
ABI_VALUES(CHECK_VALUE)

extern "C" int abi_values_cxx(unsigned long long *out, int max)
{
	int n = 0;

#define STORE_VALUE(expr, want) \
	if (n < max) \
		out[n] = (unsigned long long)(expr); \
	n++;
	ABI_VALUES(STORE_VALUE)
	return n;
}

extern "C" int abi_functions_cxx(void (**out)(void), int max)
{
	int n = 0;

#define STORE_FUNCTION(name, ret, params) \
	if (n < max) \
		out[n] = reinterpret_cast<void (*)(void)>(&name); \
	n++;
	ABI_FUNCTIONS(STORE_FUNCTION)
	return n;
}
