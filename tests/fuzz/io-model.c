/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * The shadow model.  Two writes in flight over the same byte leave it
 * unknown (either may land last); a byte becomes known again when a
 * later write covers it alone.
 */
#include <string.h>

#include "fuzz-util.h"
#include "io-model.h"

FZ_NO_COVERAGE uint8_t model_pattern(uint8_t seed, uint64_t off)
{
	return (uint8_t)(seed * 97u + off * 13u + (off >> 9) * 7u + 1u);
}

FZ_NO_COVERAGE void model_reset(struct io_model *m, uint64_t size, uint8_t seed)
{
	uint64_t i;

	memset(m->val, 0, sizeof(m->val));
	for (i = 0; i < size && i < IO_MODEL_SIZE; i++)
		m->val[i] = model_pattern(seed, i);
	memset(m->known, 1, sizeof(m->known));
	memset(m->busy, 0, sizeof(m->busy));
	memset(m->conflict, 0, sizeof(m->conflict));
	m->far_dirty = false;
	m->hw = size < IO_MODEL_SIZE ? size : IO_MODEL_SIZE;
	m->size = size;
	m->size_exact = true;
}

FZ_NO_COVERAGE void model_begin(struct io_model *m, uint64_t lo, uint64_t hi)
{
	uint64_t i;

	if (hi > m->hw)
		m->hw = hi;
	for (i = lo; i < hi; i++) {
		if (m->busy[i])
			m->conflict[i] = 1;
		m->busy[i]++;
	}
}

FZ_NO_COVERAGE void model_end(struct io_model *m, uint64_t lo, uint64_t hi,
	       const uint8_t *data, bool known)
{
	uint64_t i;

	for (i = lo; i < hi; i++) {
		m->busy[i]--;
		if (!known || m->conflict[i]) {
			m->known[i] = 0;
		} else {
			m->known[i] = 1;
			m->val[i] = data ? data[i - lo] : 0;
		}
		if (!m->busy[i])
			m->conflict[i] = 0;
	}
}
