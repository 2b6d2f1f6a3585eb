/* SPDX-License-Identifier: MIT */
/*
 * shared.h - the protocol of FSEM_SHARED semaphores, which survives a
 * process killed while it waits. Described once, in shared.c.
 */
#ifndef FSEM_SHARED_H
#define FSEM_SHARED_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/*
 * The count word of a shared fsem_t holds this trap: the inline fast paths
 * of fsem.h (one xadd and a sign test) then always call into the library.
 * Each inline call moves it by one, so 2^61 unbalanced calls would be
 * needed to leave the trap range.
 */
#define FSEM_TRAP_		(-((int64_t)1 << 62))
#define fsem_is_trap_(c)	((c) < -((int64_t)1 << 61))

/* Waiter fields of the state word (see "Word layout" in shared.c). */
#define FSEM_W_SHIFT_	32	/* fsem_t: waiters, 32 bits */
#define FSEM_A_SHIFT_	32	/* fsem_bounded_t: acquirers, 16 bits */
#define FSEM_R_SHIFT_	48	/* fsem_bounded_t: releasers, 16 bits */

/*
 * One kind of operation on a state word: what a success adds to the low
 * half (V or G), the range the low half must stay in, this kind's waiter
 * field and futex bitset, and the kind a success may let through.
 */
struct fsem_side {
	bool up;		/* a success adds (true) or subtracts */
	uint32_t hi;		/* the low half stays within [0, hi] */
	unsigned int shift;	/* this kind's waiters: (w >> shift) & mask */
	uint32_t mask;
	uint32_t bits;		/* futex bitset of this kind's sleepers */
	unsigned int oshift;	/* the other kind's waiters, woken after a */
	uint32_t omask;		/* success; omask 0: there is none */
	uint32_t obits;
};

/* Step the low half by @n if it stays in range; wakes the other kind. */
bool fsem_shared_try(_Atomic uint64_t *word, const struct fsem_side *sd,
		     uint32_t n);

/* Step by one, blocking: 0, or EINTR / ETIMEDOUT with nothing taken. */
int fsem_shared_take(_Atomic uint64_t *word, const struct fsem_side *sd,
		     _Atomic uint32_t *spin, clockid_t clock,
		     const struct timespec *abs);

/* This kind's registered waiters in a snapshot of @word (a hint). */
uint32_t fsem_shared_waiters(_Atomic uint64_t *word,
			     const struct fsem_side *sd);

#endif /* FSEM_SHARED_H */
