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

/*
 * A virtio-blk driver's table: the core's properties and operations
 * around the transport's own init, connect and disconnect.
 */
#define VBLK_DRIVER(drv_name, priv_type, init_fn, connect_fn,		\
		    disconnect_fn) {					\
	.name = (drv_name),						\
	.priv_size = sizeof(priv_type),					\
	.props = vblk_props,						\
	.nr_props = VBLK_NR_PROPS,					\
	.init = (init_fn),						\
	.connect = (connect_fn),					\
	.disconnect = (disconnect_fn),					\
	.start = vblk_start,						\
	.add_queue = vblk_add_queue,					\
	.remove_queue = vblk_remove_queue,				\
	.get_capacity = vblk_get_capacity,				\
	.map_mem_region = vblk_map_mem_region,				\
	.unmap_mem_region = vblk_unmap_mem_region,			\
}

#endif
