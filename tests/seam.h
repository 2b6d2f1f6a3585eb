/* SPDX-License-Identifier: MIT */
/*
 * seam.h - the futex test seam (STYLE 13): built with -DFSEM_FUTEX_SEAM,
 * the library counts every futex wait and wake it makes, so a test can
 * assert how many system calls an operation made.
 */
#ifndef FSEM_TEST_SEAM_H
#define FSEM_TEST_SEAM_H

#include <stdatomic.h>

extern _Atomic unsigned long fsem_seam_waits, fsem_seam_wakes;

/* Futex waits the library has made so far. */
static inline unsigned long waits(void)
{
	return atomic_load(&fsem_seam_waits);
}

/* Futex wakes the library has made so far. */
static inline unsigned long wakes(void)
{
	return atomic_load(&fsem_seam_wakes);
}

#endif /* FSEM_TEST_SEAM_H */
