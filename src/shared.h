/* SPDX-License-Identifier: MIT */
/*
 * shared.h - the protocol of FSEM_SHARED semaphores, which survives a
 * process killed while it waits. Described once, in shared.c.
 */
#ifndef FSEM_SHARED_H
#define FSEM_SHARED_H

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "annotate.h"
#include "handoff.h"

/*
 * The first word of a barging fsem_t holds this trap: the inline fast
 * paths of builds before 0.3 (one xadd on it and a sign test) then always
 * call into the library, which ignores the word. Each such call moves it
 * by one, so 2^61 unbalanced calls would be needed to leave the negative
 * range.
 */
#define FSEM_TRAP_		(-((int64_t)1 << 62))

/* Fields of the state word (see "Word layout" in shared.c). */
#define FSEM_V_MASK_	0x7fffffffu	/* V or G: bits 0..30 */
#define FSEM_W_SHIFT_	32	/* fsem_t: waiters, 24 bits */
#define FSEM_W_MASK_	0xffffffu
#define FSEM_KW_SHIFT_	56	/* fsem_t: waiters woken, on their way */
#define FSEM_KW_MASK_	0x7fu
#define FSEM_H_W_	((uint64_t)1 << 31)	/* fsem_t: hand-off mode */
#define FSEM_A_SHIFT_	32	/* fsem_bounded_t: acquirers, 11 bits */
#define FSEM_KA_SHIFT_	43	/*   acquirers woken, 3 bits */
#define FSEM_H_A_	((uint64_t)1 << 46)
#define FSEM_R_SHIFT_	47	/*   releasers, 11 bits */
#define FSEM_KR_SHIFT_	58	/*   releasers woken, 3 bits */
#define FSEM_H_R_	((uint64_t)1 << 61)
#define FSEM_AR_MASK_	0x7ffu
#define FSEM_K_AR_MASK_	0x7u
#define FSEM_S_W_	((uint64_t)1 << 63)	/* fsem_t: shut down */
#define FSEM_S_B_	((uint64_t)1 << 63 | (uint64_t)1 << 31)	/* fsem_bounded_t:
						 * shut down, in both halves */

/*
 * One kind of operation on a state word: what a success adds to V or G,
 * the range it must stay in, this kind's waiter field, futex bitset and
 * policy fields, and the same for the kind a success may let through.
 * kmask == 0: no policy (FSEM_SHARED, see "Policy" in shared.c).
 */
struct fsem_side {
	bool up;		/* a success adds (true) or subtracts */
	bool pshared;		/* futex calls across processes */
	uint32_t hi;		/* V or G stays within [0, hi] */
	unsigned int shift;	/* this kind's waiters: (w >> shift) & mask */
	uint32_t mask;
	uint32_t bits;		/* futex bitset of this kind's sleepers */
	unsigned int kshift;	/* this kind's woken count k (P1) */
	uint32_t kmask;		/*   0: no policy */
	uint64_t handoff;	/* this kind's H bit (P3) */
	unsigned int oshift;	/* the other kind's waiters, woken after a */
	uint32_t omask;		/* success; omask 0: there is none */
	uint32_t obits;
	unsigned int okshift;	/* the other kind's k */
	uint32_t okmask;
	uint64_t shut;		/* the word's shutdown bit S (S1 in shared.c) */
	bool steps_when_shut;	/* this kind still steps after shutdown
				 * (fsem_t's posts); else ECANCELED */
};

/* A step of a success: its new word and the sleepers it must wake. */
struct fsem_plan_ {
	uint64_t w;
	uint32_t wake;		/* of the other kind */
};

static inline uint32_t fsem_field_(uint64_t w, unsigned int shift,
				   uint32_t mask)
{
	return (uint32_t)(w >> shift) & mask;
}

static inline uint64_t fsem_set_field_(uint64_t w, unsigned int shift,
				       uint32_t mask, uint32_t v)
{
	return (w & ~((uint64_t)mask << shift)) | ((uint64_t)v << shift);
}

void fsem_shared_wake_(_Atomic uint64_t *word, const struct fsem_side *sd,
		       uint32_t n);
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
	return sd->up ? (uint64_t)v + n <= sd->hi : v >= n;
}

/*
 * Plan a step of @n from @w that removes @also (a waiter's registration):
 * ECANCELED if the semaphore is shut down and this kind stops there (S1 in
 * shared.c); EAGAIN if V (G) would leave its range, or if hand-off mode
 * holds this kind back and the caller may not pass it (@pass_h: a waiter
 * that has slept); else 0. Adds the wakes it makes to the other kind's k
 * (P2 in shared.c); after shutdown it wakes nobody (S2).
 */
static inline int fsem_shared_plan_(const struct fsem_side *sd, uint64_t w,
				    uint32_t n, uint64_t also, bool pass_h,
				    struct fsem_plan_ *p)
{
	uint32_t others;

	if (fsem_unlikely_((w & sd->shut) && !sd->steps_when_shut))
		return ECANCELED;	/* S1 */
	/* P3: in hand-off mode a barger leaves one step for the waiters */
	if (!fsem_shared_room_(sd, (uint32_t)w & FSEM_V_MASK_,
			       n + ((w & sd->handoff) && !pass_h)))
		return EAGAIN;
	p->w = w + (sd->up ? n : -(uint64_t)n) - also;
	p->wake = 0;
	others = w & sd->shut ? 0 : fsem_field_(w, sd->oshift, sd->omask);
	if (fsem_unlikely_(others)) {
		uint32_t v = (uint32_t)p->w & FSEM_V_MASK_;
		uint32_t oroom = sd->up ? v : sd->hi - v;
		uint32_t need = n < others ? n : others;
		uint32_t k;

		if (sd->okmask) {
			/* P2: wake only what no woken one is on its way for */
			need = oroom < others ? oroom : others;
			k = fsem_field_(w, sd->okshift, sd->okmask);
			need = need > k ? need - k : 0;
			k += need;
			p->w = fsem_set_field_(p->w, sd->okshift, sd->okmask,
					k < sd->okmask ? k : sd->okmask);
		}
		p->wake = need;	/* K2 */
	}
	return 0;
}

/*
 * ECANCELED, after S4 of shared.c: an acquire load of @word, which reads
 * the shutdown's release CAS or a later RMW of its release sequence (not
 * a fence: ThreadSanitizer does not model fences).
 */
static inline int fsem_shared_cancelled_(_Atomic uint64_t *word)
{
	(void)atomic_load_explicit(word, memory_order_acquire);	/* S4 */
	return ECANCELED;
}

/*
 * Step V (G) by @n from the expected word *@w if a barger may; then wake
 * the other kind (K2 in shared.c): 0, or EAGAIN (no room) or ECANCELED
 * (shut down), with nothing changed. *@w is refreshed by a failed CAS.
 */
static inline int fsem_shared_step_(_Atomic uint64_t *word,
				    const struct fsem_side *sd, uint64_t *w,
				    uint32_t n)
{
	struct fsem_plan_ p;
	int err;

	while ((err = fsem_shared_plan_(sd, *w, n, 0, false, &p)) == 0) {
		annotate_release(word);
		FSEM_STEP_("step: CAS value");
		if (atomic_compare_exchange_weak_explicit(word, w, p.w,
				memory_order_acq_rel, /* K1, hand-over */
				memory_order_relaxed)) {
			FSEM_STEP_("step: handed over");
			annotate_acquire(word);
			if (fsem_unlikely_(p.wake))
				fsem_shared_wake_(word, sd, p.wake); /* K2 */
			return 0;
		}
	}
	return err == ECANCELED ? fsem_shared_cancelled_(word) : err;
}

/* Step by @n if a barger may; wakes the other kind. 0, EAGAIN, ECANCELED. */
static inline int fsem_shared_try(_Atomic uint64_t *word,
				  const struct fsem_side *sd, uint32_t n)
{
	uint64_t w = atomic_load_explicit(word, memory_order_relaxed); /* hint */

	return fsem_shared_step_(word, sd, &w, n);
}

/*
 * Step by one, blocking: 0, or ECANCELED (shut down) / EINTR / ETIMEDOUT /
 * the errno of a failed futex call, with nothing taken.
 */
static inline int fsem_shared_take(_Atomic uint64_t *word,
				   const struct fsem_side *sd,
				   _Atomic uint32_t *spin, clockid_t clock,
				   const struct timespec *abs)
{
	int err = fsem_shared_try(word, sd, 1);

	if (fsem_likely_(err != EAGAIN))
		return err;
	return fsem_shared_sleep_(word, sd, spin, clock, abs);
}

/*
 * Shut the semaphore down (S1-S3 in shared.c): set the bits @set in one
 * CAS, unless it is already shut down, then wake every sleeper of both
 * kinds. Async-signal-safe.
 */
void fsem_shared_shutdown_(_Atomic uint64_t *word, const struct fsem_side *sd,
			   uint64_t set);

/* This kind's registered waiters in a snapshot of @word (a hint). */
uint32_t fsem_shared_waiters(_Atomic uint64_t *word,
			     const struct fsem_side *sd);

/* V (G) in a snapshot of @word (a hint). */
static inline uint32_t fsem_shared_value(_Atomic uint64_t *word)
{
	return (uint32_t)atomic_load_explicit(word,
			memory_order_relaxed) & FSEM_V_MASK_; /* hint */
}

#endif /* FSEM_SHARED_H */
