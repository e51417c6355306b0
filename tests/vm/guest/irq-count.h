/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
#ifndef IRQ_COUNT_H
#define IRQ_COUNT_H

/*
 * The number of interrupts the NVMe queues have taken so far: the sum over
 * all CPUs of every /proc/interrupts line whose name is nvme<C>q<Q>
 * (admin queue q0 included).  A poll queue has no line.  Negative errno if
 * /proc/interrupts cannot be read.
 */
long long nvme_irq_count(void);

/* Print those lines, prefixed, for a report that needs the detail. */
void nvme_irq_dump(const char *prefix);

#endif
