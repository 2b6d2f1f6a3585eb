/* SPDX-License-Identifier: MIT */
/*
 * bounded.c - the bounded semaphore, fsem_bounded_t. The counter is "given"
 * of the design comment in handoff.c: acquire adds one, release subtracts
 * one. Above N it counts acquire debts, below 0 release debts, each paid
 * through its own hand-off word; the two directions mirror each other.
 */
#include "fsem.h"
#include "annotate.h"
#include "handoff.h"
#include "shared.h"
#include "probe.h"

#include <errno.h>
#include <stddef.h>

struct fsem_bstate {
	_Atomic int64_t given;		/* see "Word layout" in handoff.c */
	_Atomic uint64_t acq;		/* hand-off word of blocked acquirers */
	_Atomic uint64_t rel;		/* hand-off word of blocked releasers */
	uint32_t permits;		/* N; set by init only */
	uint32_t flags;			/* set by init only */
	_Atomic uint32_t spin;		/* spin budget, ns: a hint */
	uint32_t pad;
};

_Static_assert(sizeof(struct fsem_bstate) == sizeof(fsem_bounded_t) &&
	       _Alignof(struct fsem_bstate) == _Alignof(fsem_bounded_t),
	       "the private view must match the public type");
_Static_assert(offsetof(struct fsem_bstate, rel) ==
	       offsetof(fsem_bounded_t, rel_handoff_) &&
	       offsetof(struct fsem_bstate, spin) ==
	       offsetof(fsem_bounded_t, spin_) &&
	       offsetof(fsem_bounded_t, acq_handoff_) % 8 == 0,
	       "the private view must match the public type");

static inline struct fsem_bstate *state(fsem_bounded_t *b)
{
	annotate_words(b, offsetof(struct fsem_bstate, permits),
		       offsetof(struct fsem_bstate, spin));
	return (struct fsem_bstate *)(void *)b;
}

static inline int fail(int err)
{
	errno = err;
	return -1;
}

static inline bool shared(const struct fsem_bstate *s)
{
	return s->flags & FSEM_SHARED;
}

/* FSEM_FIFO runs the debt protocol of handoff.c; every other one the
 * barging protocol of shared.c. */
static inline bool barging(const struct fsem_bstate *s)
{
	return !(s->flags & FSEM_FIFO);
}

/*
 * A barging semaphore runs the protocol of shared.c on the acquire
 * hand-off word (G, A and R; k and H of each kind unless FSEM_SHARED); the
 * counter and the release hand-off word stay 0. The sides are built per
 * call because N is the semaphore's.
 */
/* Acquirers or releasers, with the policy of shared.c or without. */
static struct fsem_kind barge_kind(bool acquirers, bool policy)
{
	return (struct fsem_kind){
		.shift = acquirers ? FSEM_A_SHIFT_ : FSEM_R_SHIFT_,
		.mask = FSEM_AR_MASK_, .bits = acquirers ? 1 : 2,
		.kshift = acquirers ? FSEM_KA_SHIFT_ : FSEM_KR_SHIFT_,
		.kmask = policy ? FSEM_K_AR_MASK_ : 0,
		.handoff = !policy ? 0 : acquirers ? FSEM_H_A_ : FSEM_H_R_,
		.bshift = acquirers ? FSEM_WBA_SHIFT_ : FSEM_WBR_SHIFT_,
		.bmask = FSEM_WB_AR_MASK_, .bigbits = acquirers ? 4 : 8,
		.bighand = !policy ? 0 : acquirers ? FSEM_HB_A_ : FSEM_HB_R_,
	};
}

static struct fsem_side barge_side(const struct fsem_bstate *s, int dir)
{
	bool policy = !shared(s);

	return (struct fsem_side){
		.up = dir > 0, .pshared = !policy, .hi = s->permits,
		.vmask = FSEM_G_MASK_,
		.self = barge_kind(dir > 0, policy),
		.other = barge_kind(dir < 0, policy),
		.shut = FSEM_S_,
	};
}

static struct fsem_side barge_acquire(const struct fsem_bstate *s)
{
	return barge_side(s, +1);
}

static struct fsem_side barge_release(const struct fsem_bstate *s)
{
	return barge_side(s, -1);
}

FSEM_SLOW_ FSEM_UNWOUND_
static int barge_slow(struct fsem_bstate *s, int dir, uint32_t n,
		      clockid_t clock, const struct timespec *abs)
{
	struct fsem_side sd = barge_side(s, dir);
	int err = fsem_shared_take(&s->acq, &sd, n,
				   (s->flags & FSEM_NOSPIN) ? NULL : &s->spin,
				   clock, abs);

	return err ? fail(err) : 0;
}

/*
 * A step toward @dir (+1 acquire, -1 release): the uncontended case is one
 * CAS, when the step has room, nobody of the other kind is registered (no
 * wake is owed), no single waiter of this kind is (the step would count
 * toward the thread's turn, P4 in shared.c) and this kind is not in
 * hand-off mode; everything else is the full step of shared.c, which
 * decides the same way in that case.
 */
FSEM_UNWOUND_	/* a frame a cancel abandons */
static int barge_step(struct fsem_bstate *s, int dir, uint32_t n,
		      clockid_t clock, const struct timespec *abs)
{
	uint64_t w = atomic_load_explicit(&s->acq,
					  memory_order_relaxed); /* hint */
	uint32_t g = (uint32_t)w & FSEM_G_MASK_;
	const uint64_t both = (uint64_t)FSEM_AR_MASK_ << FSEM_A_SHIFT_ |
			      (uint64_t)FSEM_AR_MASK_ << FSEM_R_SHIFT_ | FSEM_S_;
	bool fast = dir > 0 ?
		g < n && !(w & (both |
				(uint64_t)FSEM_WB_AR_MASK_ << FSEM_WBR_SHIFT_ |
				FSEM_H_A_ | FSEM_HB_A_)) :
		g > 0 && !(w & (both |
				(uint64_t)FSEM_WB_AR_MASK_ << FSEM_WBA_SHIFT_ |
				FSEM_H_R_ | FSEM_HB_R_));

	annotate_release(&s->acq);
	FSEM_STEP_("step: CAS value");
	if (fast && atomic_compare_exchange_weak_explicit(&s->acq, &w,
			w + (uint64_t)(int64_t)dir,
			memory_order_acq_rel, /* K1, hand-over */
			memory_order_relaxed)) {
		FSEM_STEP_("step: handed over");
		annotate_acquire(&s->acq);
		return 0;
	}
	return barge_slow(s, dir, 1, clock, abs);
}

/* Cancel one uncovered acquire debt (given > N); false if none (I2). */
static bool withdraw_acquire(void *obj)
{
	struct fsem_bstate *s = obj;
	int64_t g = atomic_load_explicit(&s->given,
					 memory_order_relaxed); /* hint */

	while (fsem_count_of(g) > (int64_t)s->permits) {
		FSEM_STEP_("withdraw acquire: CAS given-1");
		if (atomic_compare_exchange_weak_explicit(&s->given, &g, g - 1,
				memory_order_relaxed, memory_order_relaxed))
			return true;	/* I1 */
	}
	return false;
}

/* Cancel one uncovered release debt (given < 0); false if none (I2). */
static bool withdraw_release(void *obj)
{
	struct fsem_bstate *s = obj;
	int64_t g = atomic_load_explicit(&s->given,
					 memory_order_relaxed); /* hint */

	while (fsem_count_of(g) < 0) {
		FSEM_STEP_("withdraw release: CAS given+1");
		if (atomic_compare_exchange_weak_explicit(&s->given, &g, g + 1,
				memory_order_relaxed, memory_order_relaxed))
			return true;	/* I1 */
	}
	return false;
}

/* The gate of the direction @dir (G1-G6 in handoff.c). */
static int64_t gate_of(int dir)
{
	return dir > 0 ? FSEM_GATE_UP_ : FSEM_GATE_DOWN_;
}

static struct fsem_gate gate(struct fsem_bstate *s, int dir)
{
	return (struct fsem_gate){
		.counter = &s->given, .other = dir > 0 ? &s->rel : &s->acq,
		.gate = gate_of(dir), .limit = s->permits, .dir = dir,
		.held = dir > 0 ? FSEM_HELD_UP_ : FSEM_HELD_DOWN_,
		.sem = s,
	};
}

/*
 * Non-blocking steps shared by try-calls and cancellation: move given @n
 * steps toward @dir (+1 acquire, -1 release) in one CAS if permits allow
 * all of them, paying the debtors of the other direction that the steps
 * cover (I5: no new debt; a step that has room passes no debtor of its
 * own direction, as there is none). A give-back (@back) steps on a
 * shut-down counter too (X2), a try-call does not. 0, or EAGAIN, or
 * ECANCELED (shut down).
 */
static int try_step(struct fsem_bstate *s, int dir, uint32_t n, bool back)
{
	int64_t N = s->permits, g, v, paid;
	bool sh = shared(s);	/* read before the hand-over */
	struct fsem_side sd;

	if (barging(s)) {
		sd = dir > 0 ? barge_acquire(s) : barge_release(s);
		return fsem_shared_try(&s->acq, &sd, n);
	}
	g = atomic_load_explicit(&s->given, memory_order_relaxed); /* hint */
	for (;;) {
		if (fsem_count_shut(g) && !back) {	/* X2 */
			(void)atomic_load_explicit(&s->given,
					memory_order_acquire); /* X5 */
			return ECANCELED;
		}
		v = fsem_count_of(g);
		if (dir > 0 ? v + (int64_t)n > N : v - (int64_t)n < 0)
			return EAGAIN;	/* I5: never into debt */
		if (!back && (fsem_count_marks(g) & gate_of(dir)))
			return EAGAIN;	/* G2: behind a weighted call */
		annotate_release(&s->given);
		FSEM_STEP_("try: CAS given+-n");
		if (!atomic_compare_exchange_weak_explicit(&s->given, &g,
				g + dir * (int64_t)n,
				memory_order_acq_rel, /* (A) */
				memory_order_relaxed))
			continue;
		annotate_acquire(&s->given);
		/* the debtors of the other direction it covered: a token each */
		paid = dir > 0 ? -v : v - N;
		if (paid > (int64_t)n)
			paid = n;
		if (paid > 0)
			fsem_handoff_give(dir > 0 ? &s->rel : &s->acq,
					  (uint32_t)paid, sh);
		fsem_gate_notify(&s->given, g);	/* G4: a futex wake only */
		return 0;
	}
}

/*
 * A leaving acquirer that took a token gives its permit back, unless every
 * permit was released again meanwhile (permits have no owner: its own may
 * have been released by another thread); then the acquire stands.
 */
static bool give_back_acquire(void *obj)
{
	return try_step(obj, -1, 1, true) == 0;
}

/* A leaving releaser takes its permit back if one is free (see fsem.h). */
static bool give_back_release(void *obj)
{
	return try_step(obj, +1, 1, true) == 0;
}

/* A call refused by the counter's mark (X2): ECANCELED after X5. */
FSEM_SLOW_ static int refused(struct fsem_bstate *s)
{
	(void)atomic_load_explicit(&s->given, memory_order_acquire); /* X5 */
	return fail(ECANCELED);
}

/*
 * The blocking step of an acquire (@dir +1) or a release (-1): given +
 * @dir, which makes a debt if the step had no room (I5). False, with
 * nothing done, if the counter carries the shutdown's mark or a gate:
 * fifo_marked() takes over then. True with *@old the counter
 * before the step.
 */
static inline bool fifo_step(struct fsem_bstate *s, int dir, int64_t *old)
{
	int64_t g = atomic_load_explicit(&s->given,
					 memory_order_relaxed); /* hint */

	do {
		if (fsem_unlikely_(fsem_count_gated(g)))
			return false;
		annotate_release(&s->given);
		FSEM_STEP_("fifo step: CAS given+-1");
	} while (!atomic_compare_exchange_weak_explicit(&s->given, &g,
			g + dir, memory_order_acq_rel, /* (A), hand-over */
			memory_order_relaxed));
	FSEM_STEP_("fifo step: handed over");
	annotate_acquire(&s->given);
	*old = g;
	return true;
}

/*
 * A debtor of @dir (+1 acquire, -1 release) waits for its token. Its step
 * made a debt and handed nothing over, so the semaphore stays alive while
 * it waits: reading it here is safe (not so after a step that gave the
 * other direction's collector room, G4: that thread may have destroyed
 * it, so the slow paths below build this only for a debt).
 */
FSEM_SLOW_ FSEM_UNWOUND_
static int debtor_take(struct fsem_bstate *s, int dir, bool sh,
		       clockid_t clock, const struct timespec *abs)
{
	struct fsem_handoff h = {
		.word = dir > 0 ? &s->acq : &s->rel,
		.counter = &s->given,
		.other = dir > 0 ? &s->rel : &s->acq,
		.spin = (s->flags & FSEM_NOSPIN) ? NULL : &s->spin,
		.shared = sh,
		.withdraw = dir > 0 ? withdraw_acquire : withdraw_release,
		.give_back = dir > 0 ? give_back_acquire : give_back_release,
		.obj = s,
	};
	int err = fsem_handoff_take(&h, clock, abs);

	return err ? fail(err) : 0;
}

/*
 * After an acquire's step from @old (counter) with @n permits: a free
 * permit behind the other direction's gate, a covered release debt, or a
 * debt of its own. Nothing of the semaphore is read before it knows which
 * (destruction safety in handoff.c): the first is a hand-over.
 */
FSEM_SLOW_ FSEM_UNWOUND_
static int acquire_slow(struct fsem_bstate *s, int64_t old, int64_t n,
			bool sh, clockid_t clock, const struct timespec *abs)
{
	int64_t v = fsem_count_of(old);

	fsem_gate_notify(&s->given, old);	/* G4: a futex wake only */
	if (v < 0) {	/* covered a blocked releaser: hand it a token */
		fsem_handoff_give(&s->rel, 1, sh);
		return 0;
	}
	if (v < n)
		return 0;
	return debtor_take(s, +1, sh, clock, abs);
}

/* The mirror of acquire_slow() for a release. */
FSEM_SLOW_ FSEM_UNWOUND_
static int release_slow(struct fsem_bstate *s, int64_t old, int64_t n,
			bool sh, clockid_t clock, const struct timespec *abs)
{
	int64_t v = fsem_count_of(old);

	fsem_gate_notify(&s->given, old);	/* G4: a futex wake only */
	if (v > n) {	/* covered a blocked acquirer: hand it a token */
		fsem_handoff_give(&s->acq, 1, sh);
		return 0;
	}
	if (v > 0)
		return 0;
	return debtor_take(s, -1, sh, clock, abs);
}

/*
 * The blocking step toward @dir on a marked counter: refused once it is
 * shut (X2), held while the gate of @dir is set (G2); then as fifo_step()
 * and the rest of the call.
 */
FSEM_SLOW_ FSEM_UNWOUND_
static int fifo_marked(struct fsem_bstate *s, int dir, clockid_t clock,
		       const struct timespec *abs)
{
	struct fsem_gate gt = gate(s, dir);
	int64_t n = s->permits, g;	/* read before the hand-over */
	bool sh = shared(s);
	int err;

	g = atomic_load_explicit(&s->given, memory_order_relaxed); /* hint */
	for (;;) {
		if (fsem_count_shut(g))
			return refused(s);	/* X2 */
		if (fsem_gate_closed(&gt, g)) {	/* G2 */
			err = fsem_gate_hold(&gt, g, clock, abs);
			if (err)
				return fail(err);
			g = atomic_load_explicit(&s->given,
					memory_order_relaxed); /* hint */
			continue;
		}
		annotate_release(&s->given);
		FSEM_STEP_("fifo step: CAS given+-1");
		if (atomic_compare_exchange_weak_explicit(&s->given, &g,
				g + dir, memory_order_acq_rel, /* (A), hand-over */
				memory_order_relaxed))
			break;
	}
	FSEM_STEP_("fifo step: handed over");
	annotate_acquire(&s->given);
	return dir > 0 ? acquire_slow(s, g, n, sh, clock, abs) :
			 release_slow(s, g, n, sh, clock, abs);
}

FSEM_UNWOUND_ static int acquire(fsem_bounded_t *b, clockid_t clock,
		   const struct timespec *abs)
{
	struct fsem_bstate *s = state(b);
	int64_t n, old;
	bool sh;

	n = s->permits;		/* N and flags are read before the hand-over */
	sh = shared(s);
	if (barging(s))
		return barge_step(s, +1, (uint32_t)n, clock, abs);
	if (!fifo_step(s, +1, &old))
		return fifo_marked(s, +1, clock, abs);
	if (fsem_likely_(old >= 0 && old < n))
		return 0;
	return acquire_slow(s, old, n, sh, clock, abs);
}

FSEM_UNWOUND_ static int release(fsem_bounded_t *b, clockid_t clock,
		   const struct timespec *abs)
{
	struct fsem_bstate *s = state(b);
	int64_t n, old;
	bool sh;

	n = s->permits;		/* N and flags are read before the hand-over */
	sh = shared(s);
	if (barging(s))
		return barge_step(s, -1, (uint32_t)n, clock, abs);
	if (!fifo_step(s, -1, &old))
		return fifo_marked(s, -1, clock, abs);
	if (fsem_likely_(old > 0 && old <= n))
		return 0;
	return release_slow(s, old, n, sh, clock, abs);
}

int fsem_bounded_init(fsem_bounded_t *b, int flags, unsigned int permits)
{
	struct fsem_bstate *s = state(b);

	if (!b || permits == 0 || permits > FSEM_BOUNDED_MAX ||
	    (flags & ~FSEM_FLAGS_ALL_) ||
	    ((flags & FSEM_SHARED) && (flags & FSEM_FIFO)))
		return fail(EINVAL);
	atomic_init(&s->given, 0);
	atomic_init(&s->acq, (flags & FSEM_FIFO) ? FSEM_MARK_ : 0);
	atomic_init(&s->rel, (flags & FSEM_FIFO) ? FSEM_MARK_ : 0);
	s->permits = permits;
	s->flags = (uint32_t)flags;
	atomic_init(&s->spin, FSEM_SPIN_INIT_NS_);
	s->pad = 0;
	return 0;
}

int fsem_bounded_destroy(fsem_bounded_t *b)
{
	struct fsem_bstate *s = state(b);
	int64_t g;

	if (!b)
		return fail(EINVAL);
	if (barging(s)) {	/* a waiter of either kind, or a dead one's */
		struct fsem_side a = barge_acquire(s), r = barge_release(s);

		return fsem_shared_waiters(&s->acq, &a) ||
		       fsem_shared_waiters(&s->acq, &r) ? fail(EBUSY) : 0;
	}
	g = atomic_load_explicit(&s->given, memory_order_relaxed); /* hint */
	if ((fsem_count_marks(g) & FSEM_GATES_) ||
	    fsem_count_held(g, FSEM_HELD_DOWN_) ||
	    fsem_count_held(g, FSEM_HELD_UP_) ||
	    fsem_count_of(g) < 0 || fsem_count_of(g) > (int64_t)s->permits ||
	    (atomic_load_explicit(&s->acq, memory_order_relaxed) &
	     ~FSEM_SHUT_TOKEN_) != FSEM_MARK_ ||
	    (atomic_load_explicit(&s->rel, memory_order_relaxed) &
	     ~FSEM_SHUT_TOKEN_) != FSEM_MARK_)
		return fail(EBUSY);	/* a debtor is still waiting */
	return 0;
}

int fsem_bounded_acquire(fsem_bounded_t *b)
{
	if (fsem_unlikely_(!b))
		return fail(EINVAL);
	return acquire(b, CLOCK_REALTIME, NULL);
}

int fsem_bounded_release(fsem_bounded_t *b)
{
	if (fsem_unlikely_(!b))
		return fail(EINVAL);
	return release(b, CLOCK_REALTIME, NULL);
}

int fsem_bounded_tryacquire(fsem_bounded_t *b)
{
	int err;

	if (!b)
		return fail(EINVAL);
	err = try_step(state(b), +1, 1, false);
	return err ? fail(err) : 0;
}

int fsem_bounded_tryrelease(fsem_bounded_t *b)
{
	int err;

	if (!b)
		return fail(EINVAL);
	err = try_step(state(b), -1, 1, false);
	return err ? fail(err) : 0;
}

int fsem_bounded_clockacquire(fsem_bounded_t *b, clockid_t clock,
			      const struct timespec *abs)
{
	int err;

	if (!b)
		return fail(EINVAL);
	err = fsem_check_deadline(clock, abs);
	return err ? fail(err) : acquire(b, clock, abs);
}

int fsem_bounded_clockrelease(fsem_bounded_t *b, clockid_t clock,
			      const struct timespec *abs)
{
	int err;

	if (!b)
		return fail(EINVAL);
	err = fsem_check_deadline(clock, abs);
	return err ? fail(err) : release(b, clock, abs);
}

int fsem_bounded_timedacquire(fsem_bounded_t *b, const struct timespec *abs)
{
	return fsem_bounded_clockacquire(b, CLOCK_REALTIME, abs);
}

int fsem_bounded_timedrelease(fsem_bounded_t *b, const struct timespec *abs)
{
	return fsem_bounded_clockrelease(b, CLOCK_REALTIME, abs);
}

static int64_t given_out(struct fsem_bstate *s)
{
	int64_t g = fsem_count_of(atomic_load_explicit(&s->given,
					memory_order_relaxed)); /* hint */
	int64_t n = s->permits;

	if (barging(s))
		return fsem_shared_value(&s->acq, &(struct fsem_side){
						 .vmask = FSEM_G_MASK_ });

	return g < 0 ? 0 : g > n ? n : g;	/* I4 */
}

int fsem_bounded_getvalue(fsem_bounded_t *b, int *available)
{
	if (!b || !available)
		return fail(EINVAL);
	*available = (int)(state(b)->permits - given_out(state(b)));
	return 0;
}

int fsem_bounded_given_out(fsem_bounded_t *b, int *out)
{
	if (!b || !out)
		return fail(EINVAL);
	*out = (int)given_out(state(b));
	return 0;
}

/*
 * The barging word is shut down by setting S, bits 31 and 63: one in each
 * half that a sleeper may wait on (FSEM_SHARED: low, private: high), and
 * each 0 in every value the word had before (S1 in shared.c). FSEM_FIFO:
 * X in both hand-off words, then the counter's mark (X1 in handoff.c).
 */
int fsem_bounded_shutdown(fsem_bounded_t *b)
{
	struct fsem_bstate *s = state(b);
	struct fsem_side a;

	if (!b)
		return fail(EINVAL);
	if (barging(s)) {
		a = barge_acquire(s);
		fsem_shared_shutdown_(&s->acq, &a, FSEM_S_);
		return 0;
	}
	if (fsem_handoff_shutdown(&s->given,
				  (_Atomic uint64_t *const[]){ &s->acq,
							       &s->rel }, 2))
		FSEM_PROBE_SHUTDOWN_(b);
	return 0;
}

static int clamp_int(int64_t n)
{
	return n > FSEM_VALUE_MAX ? FSEM_VALUE_MAX : (int)n;
}

/*
 * Barging: A and R, from one snapshot of the word. FSEM_FIFO: the debtors
 * of each direction, uncovered (given - N above N, -given below 0) plus
 * covered ones that have not yet taken their token (T of its word).
 */
int fsem_bounded_waiters(fsem_bounded_t *b, int *acquirers, int *releasers)
{
	struct fsem_bstate *s = state(b);
	int64_t n, g, ta, tr;
	uint64_t w;

	if (!b || !acquirers || !releasers)
		return fail(EINVAL);
	if (barging(s)) {	/* single and weighted (Q1 in shared.c) */
		w = atomic_load_explicit(&s->acq,
					 memory_order_relaxed); /* hint */
		*acquirers = (int)(fsem_field_(w, FSEM_A_SHIFT_,
					       FSEM_AR_MASK_) +
				   fsem_field_(w, FSEM_WBA_SHIFT_,
					       FSEM_WB_AR_MASK_));
		*releasers = (int)(fsem_field_(w, FSEM_R_SHIFT_,
					       FSEM_AR_MASK_) +
				   fsem_field_(w, FSEM_WBR_SHIFT_,
					       FSEM_WB_AR_MASK_));
		return 0;
	}
	n = s->permits;
	ta = fsem_handoff_tokens(&s->acq);
	tr = fsem_handoff_tokens(&s->rel);
	g = atomic_load_explicit(&s->given, memory_order_relaxed); /* hint */
	ta += !!(fsem_count_marks(g) & FSEM_GATE_UP_) +	/* weighted */
	      fsem_count_held(g, FSEM_HELD_UP_);	/* held behind */
	tr += !!(fsem_count_marks(g) & FSEM_GATE_DOWN_) +
	      fsem_count_held(g, FSEM_HELD_DOWN_);
	g = fsem_count_of(g);
	*acquirers = clamp_int(ta + (g > n ? g - n : 0));
	*releasers = clamp_int(tr + (g < 0 ? -g : 0));
	return 0;
}

_Static_assert(FSEM_BOUNDED_MAX == FSEM_G_MASK_,
	       "the header's limit is what G holds (shared.c, Word layout)");

/*
 * The weighted steps: n at once or none, toward @dir. n == 1 is the plain
 * call (FSEM_FIFO serves it too); more is the barging protocol's weighted
 * wait (Q1-Q3 in shared.c). A try-call of either protocol is one CAS
 * (try_step); FSEM_FIFO's blocking calls for more than one wait behind
 * the gate of handoff.c (G1-G6), as tokens are anyone's.
 */
FSEM_UNWOUND_
static int step_n(fsem_bounded_t *b, int dir, unsigned int n, bool try,
		  bool timed, clockid_t clock, const struct timespec *abs)
{
	struct fsem_bstate *s = state(b);
	struct fsem_gate gt;
	int err;

	if (!b)
		return fail(EINVAL);
	if (n == 0)
		return 0;
	if (n > s->permits)
		return fail(EINVAL);
	if (timed && (err = fsem_check_deadline(clock, abs)))
		return fail(err);	/* before any permit moves */
	if (try) {
		err = try_step(s, dir, n, false);
		return err ? fail(err) : 0;
	}
	if (n == 1)
		return dir > 0 ? acquire(b, clock, timed ? abs : NULL) :
				 release(b, clock, timed ? abs : NULL);
	if (!barging(s)) {
		gt = gate(s, dir);
		err = fsem_gate_collect(&gt, n, timed ? clock : CLOCK_REALTIME,
					timed ? abs : NULL);
		return err ? fail(err) : 0;
	}
	return barge_slow(s, dir, n, timed ? clock : CLOCK_REALTIME,
			  timed ? abs : NULL);
}

int fsem_bounded_acquire_n(fsem_bounded_t *b, unsigned int n)
{
	return step_n(b, +1, n, false, false, CLOCK_REALTIME, NULL);
}

int fsem_bounded_tryacquire_n(fsem_bounded_t *b, unsigned int n)
{
	return step_n(b, +1, n, true, false, CLOCK_REALTIME, NULL);
}

int fsem_bounded_clockacquire_n(fsem_bounded_t *b, unsigned int n,
				clockid_t clock, const struct timespec *abs)
{
	return step_n(b, +1, n, false, true, clock, abs);
}

int fsem_bounded_release_n(fsem_bounded_t *b, unsigned int n)
{
	return step_n(b, -1, n, false, false, CLOCK_REALTIME, NULL);
}

int fsem_bounded_tryrelease_n(fsem_bounded_t *b, unsigned int n)
{
	return step_n(b, -1, n, true, false, CLOCK_REALTIME, NULL);
}

int fsem_bounded_clockrelease_n(fsem_bounded_t *b, unsigned int n,
				clockid_t clock, const struct timespec *abs)
{
	return step_n(b, -1, n, false, true, clock, abs);
}
