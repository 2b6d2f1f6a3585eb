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
#include "futex.h"
#include "handoff.h"
#include "probe.h"

/*
 * The first word of a barging fsem_t holds this trap: the inline fast
 * paths of builds before 0.3 (one xadd on it and a sign test) then always
 * call into the library, which ignores the word. Each such call moves it
 * by one, so 2^62 unbalanced calls would be needed to leave the negative
 * range.
 */
#define FSEM_TRAP_		(-((int64_t)1 << 62))

/* Fields of the state word (see "Word layout" in shared.c). */
#define FSEM_V_MASK_	0x7fffffffu	/* fsem_t: V, bits 0..30 */
#define FSEM_W_SHIFT_	32	/* fsem_t: single waiters, 18 bits */
#define FSEM_W_MASK_	0x3ffffu
#define FSEM_WB_SHIFT_	50	/* fsem_t: weighted waiters, 3 bits */
#define FSEM_WB_MASK_	0x7u
#define FSEM_H_W_	((uint64_t)1 << 53)	/* fsem_t: hand-off mode */
#define FSEM_HB_W_	((uint64_t)1 << 54)	/* fsem_t: weighted hand-off */
#define FSEM_KW_SHIFT_	55	/* fsem_t: single waiters woken, 7 bits */
#define FSEM_KW_MASK_	0x7fu

#define FSEM_G_MASK_	0x1ffffffu	/* fsem_bounded_t: G, bits 0..24 */
#define FSEM_WBA_SHIFT_	25	/*   weighted acquirers, 2 bits */
#define FSEM_WBR_SHIFT_	27	/*   weighted releasers, 2 bits */
#define FSEM_WB_AR_MASK_ 0x3u
#define FSEM_A_SHIFT_	32	/*   single acquirers, 10 bits */
#define FSEM_KA_SHIFT_	42	/*   acquirers woken, 3 bits */
#define FSEM_H_A_	((uint64_t)1 << 45)
#define FSEM_HB_A_	((uint64_t)1 << 46)
#define FSEM_R_SHIFT_	47	/*   single releasers, 10 bits */
#define FSEM_KR_SHIFT_	57	/*   releasers woken, 3 bits */
#define FSEM_H_R_	((uint64_t)1 << 60)
#define FSEM_HB_R_	((uint64_t)1 << 61)
#define FSEM_AR_MASK_	0x3ffu
#define FSEM_K_AR_MASK_	0x7u

/* Shut down (S1 in shared.c): one bit in each half, both types. */
#define FSEM_S_		((uint64_t)1 << 63 | (uint64_t)1 << 31)

/*
 * One kind of waiter on a state word (fsem_t's waiters, a bounded
 * semaphore's acquirers or releasers): its fields. mask == 0: no kind
 * (nobody waits for fsem_t's posts); kmask == 0: no policy (FSEM_SHARED,
 * see "Policy" in shared.c), and then handoff and bighand are 0.
 */
struct fsem_kind {
	unsigned int shift;	/* single waiters W: (w >> shift) & mask */
	uint32_t mask;
	uint32_t bits;		/* futex bitset of its single sleepers */
	unsigned int kshift;	/* k, wakes in flight to single ones (P1) */
	uint32_t kmask;
	uint64_t handoff;	/* H (P3) */
	unsigned int bshift;	/* weighted waiters WB (Q1) */
	uint32_t bmask;
	uint32_t bigbits;	/* futex bitset of its weighted sleepers */
	uint64_t bighand;	/* HB: weighted hand-off mode (Q3) */
};

/*
 * One kind of operation on a state word: what a success adds to V or G,
 * the range it must stay in, the kind that waits for it (self) and the
 * kind a success may let through (other).
 */
struct fsem_side {
	bool up;		/* a success adds (true) or subtracts */
	bool pshared;		/* futex calls across processes */
	uint32_t hi;		/* V or G stays within [0, hi] */
	uint32_t vmask;		/* V or G in the low half */
	struct fsem_kind self, other;
	uint64_t shut;		/* the word's shutdown bit S (S1 in shared.c) */
	bool steps_when_shut;	/* this kind still steps after shutdown
				 * (fsem_t's posts); else ECANCELED */
};

/* What a caller may pass (shared.c: P3, Q3). */
#define FSEM_PASS_H_	1u	/* a registered waiter that has slept */
#define FSEM_PASS_HB_	2u	/* the weighted waiter that set HB */

/* A step of a success: its new word and the sleepers it must wake. */
struct fsem_plan_ {
	uint64_t w;
	uint32_t wake;		/* single sleepers of the other kind */
	bool bcast;		/* every weighted sleeper of the other kind */
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
		       uint32_t n, bool bcast);
int fsem_shared_sleep_(_Atomic uint64_t *word, const struct fsem_side *sd,
		       uint32_t n, _Atomic uint32_t *spin, clockid_t clock,
		       const struct timespec *abs);
int fsem_shared_contended_(_Atomic uint64_t *word,
			   const struct fsem_side *sd, _Atomic uint32_t *spin,
			   clockid_t clock, const struct timespec *abs);

/*
 * The futex words: single sleepers of a side with the policy wait on the
 * high half (single waiters, k, H, HB, S), so that a sleeper's futex wait
 * fails whenever a wake was counted in k since it last read the word
 * (P1); without the policy on the low half (V or G, S), as K2 says. A
 * weighted sleeper waits on the low half (Q2: the same low half means the
 * same room), except while HB held by another holds it back: then on the
 * high half (Q3: the same high half means HB is still set). Wakes go to
 * the half the policy says; a bitset picks the kind. This is where single
 * sleepers of either kind of @sd wait.
 */
static inline uint32_t *fsem_shared_half_(bool high, _Atomic uint64_t *w)
{
	return high ? fsem_futex_high_half(w) : fsem_futex_low_half(w);
}

static inline uint32_t *fsem_shared_futex_word_(const struct fsem_side *sd,
						_Atomic uint64_t *w)
{
	return fsem_shared_half_(sd->self.kmask || sd->other.kmask, w);
}

/*
 * Wake @n single sleepers of kind @k of @sd, where they sleep. Only the
 * word's address is used: a thread let through may have destroyed the
 * semaphore.
 */
static inline void fsem_shared_wake_single_(_Atomic uint64_t *word,
					    const struct fsem_side *sd,
					    const struct fsem_kind *k,
					    uint32_t n)
{
	FSEM_PROBE_(wake, FSEM_PROBE_SEM_(word), n);
	fsem_futex_wake_bits(fsem_shared_futex_word_(sd, word), (int)n,
			     sd->pshared, k->bits);
}

/*
 * K2, Q2: after a step's CAS, wake @n single sleepers of the other kind,
 * or, if @bcast, every weighted one too (out of line).
 */
static inline void fsem_shared_wake_other_(_Atomic uint64_t *word,
					   const struct fsem_side *sd,
					   uint32_t n, bool bcast)
{
	if (fsem_unlikely_(bcast)) {
		fsem_shared_wake_(word, sd, n, bcast);
		return;
	}
	fsem_shared_wake_single_(word, sd, &sd->other, n);
}

/*
 * The steps are inline so that a caller's constant side folds away: an
 * uncontended step is one load, one CAS and a test of the old value.
 */
static inline bool fsem_shared_room_(const struct fsem_side *sd, uint32_t v,
				     uint32_t n)
{
	return sd->up ? (uint64_t)v + n <= sd->hi : v >= n;
}

/* Room of the other kind from V (G) = @v: what it could step. */
static inline uint32_t fsem_shared_oroom_(const struct fsem_side *sd,
					  uint32_t v)
{
	return sd->up ? v : sd->hi - v;
}

/*
 * Plan a step of @n from @w that removes @also (a waiter's registration):
 * ECANCELED if the semaphore is shut down and this kind stops there (S1 in
 * shared.c); EAGAIN if V (G) would leave its range, or if a hand-off mode
 * holds this kind back and the caller may not pass it (@pass: FSEM_PASS_H_
 * for a waiter that has slept, P3; FSEM_PASS_HB_ for the weighted waiter
 * that set HB, Q3); else 0. Adds the wakes it makes to the other kind's k
 * (P2 in shared.c), and says whether to wake every weighted sleeper of
 * the other kind (Q2); after shutdown it wakes nobody (S2).
 */
static inline int fsem_shared_plan_(const struct fsem_side *sd, uint64_t w,
				    uint32_t n, uint64_t also, unsigned int pass,
				    struct fsem_plan_ *p)
{
	const struct fsem_kind *o = &sd->other;
	uint32_t others, v;

	if (fsem_unlikely_((w & sd->shut) && !sd->steps_when_shut))
		return ECANCELED;	/* S1 */
	/* Q3: in weighted hand-off mode only its weighted waiter steps */
	if (fsem_unlikely_((w & sd->self.bighand) && !(pass & FSEM_PASS_HB_)))
		return EAGAIN;
	/* P3: in hand-off mode a barger leaves one step for the waiters */
	if (!fsem_shared_room_(sd, (uint32_t)w & sd->vmask,
			       n + ((w & sd->self.handoff) && !pass)))
		return EAGAIN;
	p->w = w + (sd->up ? n : -(uint64_t)n) - also;
	p->wake = 0;
	p->bcast = false;
	if (fsem_unlikely_(w & sd->shut))
		return 0;	/* S2: no wake after shutdown */
	v = (uint32_t)p->w & sd->vmask;
	others = fsem_field_(w, o->shift, o->mask);
	if (fsem_unlikely_(others) && !(w & o->bighand)) {
		uint32_t need = n < others ? n : others;
		uint32_t oroom = fsem_shared_oroom_(sd, v);
		uint32_t k;

		if (o->kmask) {
			/* P2: wake only what no woken one is on its way for */
			need = oroom < others ? oroom : others;
			k = fsem_field_(w, o->kshift, o->kmask);
			need = need > k ? need - k : 0;
			k += need;
			p->w = fsem_set_field_(p->w, o->kshift, o->kmask,
					k < o->kmask ? k : o->kmask);
		}
		p->wake = need;	/* K2 */
	}
	/* Q2: room a weighted one may fit: wake them all */
	if (fsem_unlikely_(fsem_field_(w, o->bshift, o->bmask)) &&
	    fsem_shared_oroom_(sd, v) >= 2)
		p->bcast = true;
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
 * the other kind (K2, Q2 in shared.c): 0, or EAGAIN (no room) or
 * ECANCELED (shut down), with nothing changed. *@w is refreshed by a
 * failed CAS.
 */
static inline int fsem_shared_step_(_Atomic uint64_t *word,
				    const struct fsem_side *sd, uint64_t *w,
				    uint32_t n)
{
	struct fsem_plan_ p;
	int err;

	while ((err = fsem_shared_plan_(sd, *w, n, 0, 0, &p)) == 0) {
		annotate_release(word);
		FSEM_STEP_("step: CAS value");
		if (atomic_compare_exchange_weak_explicit(word, w, p.w,
				memory_order_acq_rel, /* K1, hand-over */
				memory_order_relaxed)) {
			FSEM_STEP_("step: handed over");
			annotate_acquire(word);
			if (fsem_unlikely_(p.wake || p.bcast))
				fsem_shared_wake_other_(word, sd, p.wake,
							p.bcast); /* K2, Q2 */
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
 * Step by @n, blocking: 0, or ECANCELED (shut down) / EINTR / ETIMEDOUT /
 * the errno of a failed futex call, with nothing taken.
 */
static inline int fsem_shared_take(_Atomic uint64_t *word,
				   const struct fsem_side *sd, uint32_t n,
				   _Atomic uint32_t *spin, clockid_t clock,
				   const struct timespec *abs)
{
	uint64_t w = atomic_load_explicit(word, memory_order_relaxed); /* hint */
	int err;

	/* P4: a step for one while more single waiters of its kind are
	 * registered than wakes are on their way to them (k) counts
	 * toward the thread's turn */
	if (fsem_unlikely_(n == 1 && sd->self.kmask &&
			   fsem_field_(w, sd->self.shift, sd->self.mask) >
			   fsem_field_(w, sd->self.kshift, sd->self.kmask)))
		return fsem_shared_contended_(word, sd, spin, clock, abs);
	err = fsem_shared_step_(word, sd, &w, n);
	if (fsem_likely_(err != EAGAIN))
		return err;
	return fsem_shared_sleep_(word, sd, n, spin, clock, abs);
}

/*
 * Shut the semaphore down (S1-S3 in shared.c): set the bits @set in one
 * CAS, unless it is already shut down, then wake every sleeper of both
 * kinds. Async-signal-safe.
 */
void fsem_shared_shutdown_(_Atomic uint64_t *word, const struct fsem_side *sd,
			   uint64_t set);

/* This kind's registered waiters, single and weighted, in a snapshot of
 * @word (a hint). */
uint32_t fsem_shared_waiters(_Atomic uint64_t *word,
			     const struct fsem_side *sd);

/* V (G) in a snapshot of @word (a hint). */
static inline uint32_t fsem_shared_value(_Atomic uint64_t *word,
					 const struct fsem_side *sd)
{
	return (uint32_t)atomic_load_explicit(word,
			memory_order_relaxed) & sd->vmask; /* hint */
}

#endif /* FSEM_SHARED_H */
