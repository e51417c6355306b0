/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
#ifndef BLKIO_CORE_UTF8_H
#define BLKIO_CORE_UTF8_H

#include <stdbool.h>

/*
 * Whether str is valid UTF-8, as libblkio (Rust) requires of driver and
 * property names and of string values.
 */
bool utf8_valid(const char *str);

#endif
