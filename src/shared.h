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

#include "annotate.h"
#include "handoff.h"

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

void fsem_shared_wake_(_Atomic uint64_t *word, const struct fsem_side *sd,
		       uint64_t old, uint32_t n);
int fsem_shared_sleep_(_Atomic uint64_t *word, const struct fsem_side *sd,
		       _Atomic uint32_t *spin, clockid_t clock,
		       const struct timespec *abs);

/*
 * The steps are inline so that a caller's constant side folds away: an
 * uncontended step is one load, one CAS and a test of the old value.
 */
static inline bool fsem_shared_room_(const struct fsem_side *sd, uint32_t v,
				     uint32_t n)
{
	return sd->up ? v <= sd->hi - n : v >= n;
}

/*
 * Step the low half by @n from the expected word *@w if it stays in range,
 * removing @also (this waiter's registration) in the same CAS; then wake
 * the other kind (K2 in shared.c). *@w is refreshed by a failed CAS.
 */
static inline bool fsem_shared_step_(_Atomic uint64_t *word,
				     const struct fsem_side *sd, uint64_t *w,
				     uint32_t n, uint64_t also)
{
	uint64_t delta = sd->up ? n : -(uint64_t)n;

	while (fsem_shared_room_(sd, (uint32_t)*w, n)) {
		annotate_release(word);
		FSEM_STEP_("step: CAS value");
		if (atomic_compare_exchange_weak_explicit(word, w,
				*w + delta - also,
				memory_order_acq_rel, /* K1, hand-over */
				memory_order_relaxed)) {
			FSEM_STEP_("step: handed over");
			annotate_acquire(word);
			if (fsem_unlikely_((*w >> sd->oshift) & sd->omask))
				fsem_shared_wake_(word, sd, *w, n); /* K2 */
			return true;
		}
	}
	return false;
}

/* Step the low half by @n if it stays in range; wakes the other kind. */
static inline bool fsem_shared_try(_Atomic uint64_t *word,
				   const struct fsem_side *sd, uint32_t n)
{
	uint64_t w = atomic_load_explicit(word, memory_order_relaxed); /* hint */

	return fsem_shared_step_(word, sd, &w, n, 0);
}

/*
 * Step by one, blocking: 0, or EINTR / ETIMEDOUT / the errno of a failed
 * futex call, with nothing taken.
 */
static inline int fsem_shared_take(_Atomic uint64_t *word,
				   const struct fsem_side *sd,
				   _Atomic uint32_t *spin, clockid_t clock,
				   const struct timespec *abs)
{
	if (fsem_likely_(fsem_shared_try(word, sd, 1)))
		return 0;
	return fsem_shared_sleep_(word, sd, spin, clock, abs);
}

/* This kind's registered waiters in a snapshot of @word (a hint). */
uint32_t fsem_shared_waiters(_Atomic uint64_t *word,
			     const struct fsem_side *sd);

#endif /* FSEM_SHARED_H */
