/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/* Writing one value to a sysfs (or procfs) attribute, for test set-ups. */
#ifndef BLKIO_TESTS_SYSFS_WRITE_H
#define BLKIO_TESTS_SYSFS_WRITE_H

/* Write value to the file at path: 0, or a negative errno. */
int sysfs_write(const char *path, const char *value);

#endif
