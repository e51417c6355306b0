/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * The virtio-blk property table a transport hands over in its struct
 * driver (offsets into struct vblk_dev, which starts its private data).
 */
#ifndef BLKIO_VBLK_PROPS_H
#define BLKIO_VBLK_PROPS_H

#include "vblk.h"

/* A constant, for a driver's static table; vblk-props.c checks it. */
#define VBLK_NR_PROPS 19

extern const struct prop vblk_props[VBLK_NR_PROPS];

#endif
