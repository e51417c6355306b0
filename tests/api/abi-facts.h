/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
#ifndef BLKIO_TESTS_API_ABI_FACTS_H
#define BLKIO_TESTS_API_ABI_FACTS_H

/*
 * The ABI facts of libblkio 1.5 (contract §1.2, §2), as X-macro lists that
 * C (gnu11, c11) and C++ translation units of the abi test all expand, so
 * each language mode checks the same header against the same facts.
 */

/* X(name, return type, (parameter types)) for the 43 public functions. */
#define ABI_FUNCTIONS(X) \
	X(blkio_get_error_msg, const char *, (void)) \
	X(blkio_create, int, (const char *, struct blkio **)) \
	X(blkio_connect, int, (struct blkio *)) \
	X(blkio_start, int, (struct blkio *)) \
	X(blkio_destroy, void, (struct blkio **)) \
	X(blkio_get_bool, int, (struct blkio *, const char *, bool *)) \
	X(blkio_get_int, int, (struct blkio *, const char *, int *)) \
	X(blkio_get_uint64, int, (struct blkio *, const char *, uint64_t *)) \
	X(blkio_get_str, int, (struct blkio *, const char *, char **)) \
	X(blkio_set_bool, int, (struct blkio *, const char *, bool)) \
	X(blkio_set_int, int, (struct blkio *, const char *, int)) \
	X(blkio_set_uint64, int, (struct blkio *, const char *, uint64_t)) \
	X(blkio_set_str, int, (struct blkio *, const char *, const char *)) \
	X(blkio_alloc_mem_region, int, \
	  (struct blkio *, struct blkio_mem_region *, size_t)) \
	X(blkio_free_mem_region, void, \
	  (struct blkio *, const struct blkio_mem_region *)) \
	X(blkio_map_mem_region, int, \
	  (struct blkio *, const struct blkio_mem_region *)) \
	X(blkio_unmap_mem_region, void, \
	  (struct blkio *, const struct blkio_mem_region *)) \
	X(blkio_get_queue, struct blkioq *, (struct blkio *, int)) \
	X(blkio_get_poll_queue, struct blkioq *, (struct blkio *, int)) \
	X(blkio_add_queue, int, (struct blkio *)) \
	X(blkio_add_poll_queue, int, (struct blkio *)) \
	X(blkio_remove_queue, int, (struct blkio *, int)) \
	X(blkio_remove_poll_queue, int, (struct blkio *, int)) \
	X(blkioq_read, void, (struct blkioq *, uint64_t, void *, size_t, \
			      void *, uint32_t)) \
	X(blkioq_write, void, (struct blkioq *, uint64_t, const void *, \
			       size_t, void *, uint32_t)) \
	X(blkioq_readv, void, (struct blkioq *, uint64_t, \
			       const struct iovec *, int, void *, uint32_t)) \
	X(blkioq_writev, void, (struct blkioq *, uint64_t, struct iovec *, \
				int, void *, uint32_t)) \
	X(blkioq_write_zeroes, void, (struct blkioq *, uint64_t, uint64_t, \
				      void *, uint32_t)) \
	X(blkioq_discard, void, (struct blkioq *, uint64_t, uint64_t, \
				 void *, uint32_t)) \
	X(blkioq_flush, void, (struct blkioq *, void *, uint32_t)) \
	X(blkioq_report_zones, void, (struct blkioq *, uint64_t, \
				      struct blkio_zone *, uint32_t, void *, \
				      uint32_t)) \
	X(blkioq_close_zone, void, (struct blkioq *, uint64_t, void *, \
				    uint32_t)) \
	X(blkioq_finish_zone, void, (struct blkioq *, uint64_t, void *, \
				     uint32_t)) \
	X(blkioq_open_zone, void, (struct blkioq *, uint64_t, void *, \
				   uint32_t)) \
	X(blkioq_reset_zone, void, (struct blkioq *, uint64_t, void *, \
				    uint32_t)) \
	X(blkioq_close_all_zones, void, (struct blkioq *, void *, uint32_t)) \
	X(blkioq_finish_all_zones, void, (struct blkioq *, void *, uint32_t)) \
	X(blkioq_open_all_zones, void, (struct blkioq *, void *, uint32_t)) \
	X(blkioq_reset_all_zones, void, (struct blkioq *, void *, uint32_t)) \
	X(blkioq_do_io, int, (struct blkioq *, struct blkio_completion *, \
			      int, int, struct timespec *)) \
	X(blkioq_do_io_interruptible, int, \
	  (struct blkioq *, struct blkio_completion *, int, int, \
	   struct timespec *, const sigset_t *)) \
	X(blkioq_get_completion_fd, int, (struct blkioq *)) \
	X(blkioq_set_completion_fd_enabled, void, (struct blkioq *, bool))

#define ABI_MEMBER_SIZE(type, member) sizeof(((type *)0)->member)

/* X(expression, expected value): layouts (LP64) and constants. */
#define ABI_VALUES(X) \
	X(sizeof(struct blkio_mem_region), 40) \
	X(ABI_ALIGNOF(struct blkio_mem_region), 8) \
	X(offsetof(struct blkio_mem_region, addr), 0) \
	X(offsetof(struct blkio_mem_region, len), 8) \
	X(offsetof(struct blkio_mem_region, iova), 16) \
	X(offsetof(struct blkio_mem_region, fd_offset), 24) \
	X(offsetof(struct blkio_mem_region, fd), 32) \
	X(offsetof(struct blkio_mem_region, flags), 36) \
	X(ABI_MEMBER_SIZE(struct blkio_mem_region, len), 8) \
	X(ABI_MEMBER_SIZE(struct blkio_mem_region, iova), 8) \
	X(ABI_MEMBER_SIZE(struct blkio_mem_region, fd_offset), 8) \
	X(ABI_MEMBER_SIZE(struct blkio_mem_region, fd), 4) \
	X(ABI_MEMBER_SIZE(struct blkio_mem_region, flags), 4) \
	X(sizeof(struct blkio_completion), 32) \
	X(ABI_ALIGNOF(struct blkio_completion), 8) \
	X(offsetof(struct blkio_completion, user_data), 0) \
	X(offsetof(struct blkio_completion, error_msg), 8) \
	X(offsetof(struct blkio_completion, ret), 16) \
	X(offsetof(struct blkio_completion, reserved_), 20) \
	X(ABI_MEMBER_SIZE(struct blkio_completion, ret), 4) \
	X(ABI_MEMBER_SIZE(struct blkio_completion, reserved_), 12) \
	X(sizeof(struct blkio_zone), 64) \
	X(ABI_ALIGNOF(struct blkio_zone), 8) \
	X(offsetof(struct blkio_zone, start), 0) \
	X(offsetof(struct blkio_zone, len), 8) \
	X(offsetof(struct blkio_zone, capacity), 16) \
	X(offsetof(struct blkio_zone, write_pointer), 24) \
	X(offsetof(struct blkio_zone, zone_type), 32) \
	X(offsetof(struct blkio_zone, zone_state), 33) \
	X(offsetof(struct blkio_zone, reset), 34) \
	X(offsetof(struct blkio_zone, reserved_), 35) \
	X(ABI_MEMBER_SIZE(struct blkio_zone, zone_type), 1) \
	X(ABI_MEMBER_SIZE(struct blkio_zone, reserved_), 29) \
	X(BLKIO_REQ_FUA, 1) \
	X(BLKIO_REQ_NO_UNMAP, 2) \
	X(BLKIO_REQ_NO_FALLBACK, 4) \
	X(BLKIO_ZONE_TYPE_CONVENTIONAL, 1) \
	X(BLKIO_ZONE_TYPE_SEQWRITE_REQ, 2) \
	X(BLKIO_ZONE_TYPE_SEQWRITE_PREF, 3) \
	X(BLKIO_ZONE_STATE_EMPTY, 1) \
	X(BLKIO_ZONE_STATE_IMP_OPEN, 2) \
	X(BLKIO_ZONE_STATE_EXP_OPEN, 3) \
	X(BLKIO_ZONE_STATE_CLOSED, 4) \
	X(BLKIO_ZONE_STATE_READONLY, 13) \
	X(BLKIO_ZONE_STATE_FULL, 14) \
	X(BLKIO_ZONE_STATE_OFFLINE, 15)

/* What each translation unit reports back to the test. */
#ifdef __cplusplus
extern "C" {
#endif
/* Fills @out with the ABI_VALUES expressions; returns how many. */
int abi_values_gnu11(unsigned long long *out, int max);
int abi_values_c11(unsigned long long *out, int max);
int abi_values_cxx(unsigned long long *out, int max);
/* Addresses of the 43 functions as seen from each unit. */
int abi_functions_c11(void (**out)(void), int max);
int abi_functions_cxx(void (**out)(void), int max);
#ifdef __cplusplus
}
#endif

#endif
