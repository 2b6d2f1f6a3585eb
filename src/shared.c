/* SPDX-License-Identifier: MIT */
/*
 * shared.c - the protocol of FSEM_SHARED semaphores: no permit is lost
 * when a process dies at any instruction, even while it waits.
 *
 * Why not the debt protocol of handoff.c
 *
 *   There a blocked wait is a debt in the counter, made by the wait's own
 *   xadd and paid by a later post. A process killed while it waits can
 *   never withdraw its debt: the count would read one lower for ever, and
 *   one permit would circulate as a token that only a blocking wait can
 *   take. Threads of one process die together, so a private semaphore
 *   cannot see this; a semaphore shared between processes can. Here a
 *   waiter owns nothing in the semaphore but a registration, and a permit
 *   moves only by one CAS that keeps the value in range. A dead process
 *   leaves at most a stale registration, which costs later posts a futex
 *   wake each (glibc's sem_t has the same property), and no permit.
 *
 * Word layout (one 64-bit state word; the futex is its low half)
 *
 *   fsem_t (the hand-off word of fsem.h):
 *     bits  0..31 V, the value, 0..FSEM_VALUE_MAX;
 *     bits 32..63 W, registered waiters.
 *     The count word holds FSEM_TRAP_ (shared.h) so that the inline fast
 *     paths, which cannot see the flags, always enter the library; their
 *     xadd on it is ignored.
 *   fsem_bounded_t, N permits (the acquire hand-off word):
 *     bits  0..31 G, given out, 0..N;
 *     bits 32..47 A, registered acquirers (wait while G == N);
 *     bits 48..63 R, registered releasers (wait while G == 0).
 *     Acquirers and releasers sleep on the same futex word with different
 *     bitsets, so a wake reaches only the kind it is meant for. The counter
 *     and the release hand-off word stay 0.
 *
 * Invariants
 *
 *   K1 (conservation) The low half moves only by a successful CAS that
 *      keeps it within [0, hi] (hi = FSEM_VALUE_MAX, or N). A success is
 *      exactly one such CAS, so at every instant initial + posts = waits +
 *      V, and G = acquires - releases; a process that dies before its CAS
 *      has taken nothing, one that dies after it has finished.
 *   K2 (wake) A waiter sleeps only after registering, and only on
 *      futex_wait(low half == the value it last saw). A success of n steps
 *      (n > 1 only for post_n) lets n of the other kind through: it reads
 *      that kind's registrations in the old value of its own CAS and wakes
 *      min(n, registered) of them. So either the giver sees the
 *      registration and wakes, or the registration came later in the
 *      word's modification order and the waiter's own read or futex_wait
 *      sees the new low half: no lost wake-up. Every woken waiter re-reads
 *      the word; one that finds no room (another caller took it first)
 *      sleeps again, as that caller took the permit the wake was for.
 *   K3 (leavers pass wakes on) Deregistration is an RMW; a waiter that
 *      leaves (timeout, EINTR, futex error, cancellation) while its kind
 *      could proceed and another of its kind is registered wakes one: a
 *      wake it absorbed (cancellation after the kernel woke it) is passed
 *      on. A timeout or EINTR never absorbs one: the kernel reports a wake
 *      that came first; a futex error neither: that call did not sleep.
 *   K4 (bounds) 0 <= G <= N and 0 <= V <= FSEM_VALUE_MAX: a CAS that would
 *      leave the range is not made (a post answers EOVERFLOW having changed
 *      nothing: no take-back, unlike the private type).
 *
 * Protocol
 *
 *   try (trywait, post, tryacquire/tryrelease, every success): CAS the low
 *     half one step (n for post_n) while the step stays in range; then wake
 *     the other kind per K2. A blocking success removes its registration
 *     in the same CAS.
 *   wait / acquire / release: try; spin while none of this kind sleeps
 *     (as handoff.c); register (CAS W+1, or A/R+1); loop: try, else
 *     futex_wait on the low half with this kind's bitset, re-reading after
 *     every return. On EINTR or ETIMEDOUT: deregister (K3) and return it.
 *     On any other error but EAGAIN the futex call did not sleep and would
 *     not if repeated (a seccomp filter's ENOSYS or EPERM, EFAULT:
 *     futex.h): retrying would spin for ever, so leave as on a timeout and
 *     return that errno.
 *     A registration counter that is full (65535 blocked acquirers or
 *     releasers on one bounded semaphore) is not joined: the waiter polls,
 *     yielding the CPU, until it succeeds or its deadline passes.
 *   cancel: only the futex system call runs with asynchronous cancellation
 *     enabled; the cleanup handler deregisters as in K3. A waiter holds no
 *     permit while it sleeps, so there is nothing to give back.
 *
 * Destruction safety: a success touches the semaphore in no way after its
 *   CAS except for the FUTEX_WAKE on its address; everything it needs
 *   (N, flags, the sides) is read before.
 *
 * Memory ordering: every successful step is acq_rel: it takes what earlier
 *   steps published and publishes to later ones (one modification order of
 *   one word). Registration and deregistration are relaxed: they publish no
 *   data, and wake decisions use values returned by RMWs of the same word.
 *
 * Limits: a process killed after its CAS and before its FUTEX_WAKE
 *   (post_n: up to n), after the kernel woke it and before its CAS, or in
 *   leave() between its deregistration and the wake it passes on, takes
 *   those wakes with it: that many sleepers may stay asleep while permits
 *   are free and counted (getvalue, trywait and any new caller see and
 *   take them); each later success still wakes one sleeper for its own
 *   permit. glibc's sem_t behaves the same. Waking more than n per success
 *   would make bursts of posts wake herds of sleepers for few permits. A
 *   stale registration makes destroy answer EBUSY; fsem_init() may
 *   re-initialise. A FUTEX_WAKE that fails is ignored, as in handoff.c: a
 *   wake that a seccomp filter refuses to the giver's thread is lost in
 *   the same way, until later successes wake its sleepers; a futex wait
 *   refused with EAGAIN spins, as there.
 */
#include "shared.h"
#include "futex.h"
#include "handoff.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>

static inline uint32_t val(uint64_t w)
{
	return (uint32_t)w & FSEM_V_MASK_;
}

static inline uint32_t field(uint64_t w, unsigned int shift, uint32_t mask)
{
	return (uint32_t)(w >> shift) & mask;
}

/* The futex is the low half of the word. */
static inline uint32_t *futex_word(_Atomic uint64_t *w)
{
	return fsem_futex_low_half(w);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* K2: wake @n sleepers of the other kind. */
void fsem_shared_wake_(_Atomic uint64_t *word, const struct fsem_side *sd,
		       uint32_t n)
{
	fsem_futex_wake_bits(futex_word(word), (int)n, sd->pshared, sd->obits);
}

static inline bool room(const struct fsem_side *sd, uint32_t v, uint32_t n)
{
	return fsem_shared_room_(sd, v, n);
}

uint32_t fsem_shared_waiters(_Atomic uint64_t *word,
			     const struct fsem_side *sd)
{
	return field(atomic_load_explicit(word, memory_order_relaxed), /* hint */
		     sd->shift, sd->mask);
}

/* A waiter: its word, its kind, its registration (0: none), its policy. */
struct waiter {
	_Atomic uint64_t *word;
	const struct fsem_side *sd;
	uint64_t unit;
	bool starving;	/* it turned hand-off mode on (P3) */
};

/* How many of this kind could step from V (G) = @v. */
static inline uint32_t own_room(const struct fsem_side *sd, uint32_t v)
{
	return sd->up ? sd->hi - v : v;
}

/*
 * P1/P3: this kind's policy fields in @x, the word after a registered
 * waiter's last step (a success or its deregistration). It was awake, so
 * it used up one wake in flight, if any was counted; then enough are woken
 * that every unit of room this kind has left, up to the registered ones,
 * has one on its way. A starving waiter ends hand-off mode, and k starts
 * afresh from 0. In hand-off mode nothing changes: K2 and K3 wake. Sets
 * *@wake, the sleepers of this kind to wake after the CAS.
 */
static uint64_t settle_own(const struct waiter *me, uint64_t x,
			   uint32_t *wake)
{
	const struct fsem_side *sd = me->sd;
	uint32_t k, need, left;

	*wake = 0;
	if (!sd->kmask)
		return x;
	k = fsem_field_(x, sd->kshift, sd->kmask);
	if (me->starving && (x & sd->handoff)) {
		x &= ~sd->handoff;
		k = 0;
	}
	if (x & sd->handoff)
		return x;
	if (k)
		k--;
	left = field(x, sd->shift, sd->mask);
	need = own_room(sd, val(x));
	need = need < left ? need : left;
	if (need > k) {
		*wake = need - k;
		k = need < sd->kmask ? need : sd->kmask;
	}
	return fsem_set_field_(x, sd->kshift, sd->kmask, left ? k : 0);
}

/*
 * One spin step: take if there is room and a barger may; stop once one of
 * this kind sleeps. A bounded step may let the other kind through (omask
 * != 0), and a thread let through may destroy the semaphore: then the spin
 * budget must not be written after it (found by the model,
 * tests/model/shared.pml).
 */
static int poll_room(void *arg)
{
	struct waiter *me = arg;
	uint64_t w = atomic_load_explicit(me->word,
					  memory_order_relaxed); /* hint */

	if (field(w, me->sd->shift, me->sd->mask) != 0)
		return FSEM_SPIN_STOP;
	if (!fsem_shared_step_(me->word, me->sd, &w, 1))
		return FSEM_SPIN_AGAIN;
	return me->sd->omask ? FSEM_SPIN_HANDED : FSEM_SPIN_TOOK;
}

/* Deregister (K3, P1): pass on a wake this waiter may have absorbed. */
static void leave(struct waiter *me)
{
	const struct fsem_side *sd = me->sd;
	uint64_t w, x;
	uint32_t wake;

	if (me->unit == 0)
		return;
	w = atomic_load_explicit(me->word, memory_order_relaxed); /* hint */
	do {
		x = settle_own(me, w - me->unit, &wake);
		if (!sd->kmask || (x & sd->handoff))	/* K3 */
			wake = room(sd, val(x), 1) &&
			       field(x, sd->shift, sd->mask) != 0;
		FSEM_STEP_("leave: CAS waiters-1");
	} while (!atomic_compare_exchange_weak_explicit(me->word, &w, x,
			memory_order_relaxed, /* publishes nothing; K3 and
			 * P1 decide on the word it replaced */
			memory_order_relaxed));
	me->unit = 0;
	me->starving = false;
	if (wake)
		fsem_futex_wake_bits(futex_word(me->word), (int)wake,
				     sd->pshared, sd->bits);
}

static void cancel_cleanup(void *arg)
{
	leave(arg);
}

/* Unregistered (the counter is full): yield once, honouring the deadline. */
static int poll_once(clockid_t clock, const struct timespec *abs)
{
	struct timespec now;

	pthread_testcancel();
	if (abs) {
		clock_gettime(clock, &now);
		if (now.tv_sec > abs->tv_sec || (now.tv_sec == abs->tv_sec &&
						 now.tv_nsec >= abs->tv_nsec))
			return ETIMEDOUT;
	}
	sched_yield();
	return 0;
}

/*
 * A registered waiter's own step (K1): as a barger's, but it removes the
 * registration in the same CAS, may pass hand-off mode once it has slept
 * (P3), and settles its kind's policy bits (P1). 1: done; 0: the CAS
 * lost (w refreshed); -1: no room for it.
 */
static int own_step(struct waiter *me, uint64_t *w, bool slept)
{
	const struct fsem_side *sd = me->sd;
	struct fsem_plan_ p;
	uint32_t wake = 0;

	if (!fsem_shared_plan_(sd, *w, 1, me->unit, slept && me->unit, &p))
		return -1;
	if (me->unit)
		p.w = settle_own(me, p.w, &wake);
	annotate_release(me->word);
	FSEM_STEP_("take: CAS value, waiters-1");
	if (!atomic_compare_exchange_weak_explicit(me->word, w, p.w,
			memory_order_acq_rel, /* K1, hand-over */
			memory_order_relaxed))
		return 0;
	FSEM_STEP_("take: handed over");
	annotate_acquire(me->word);
	me->unit = 0;
	if (p.wake)
		fsem_shared_wake_(me->word, sd, p.wake);	/* K2 */
	if (wake)
		fsem_futex_wake_bits(futex_word(me->word), (int)wake,
				     sd->pshared, sd->bits);	/* P1 */
	return 1;
}

FSEM_UNWOUND_ static int sleep_loop(struct waiter *me, clockid_t clock,
				   const struct timespec *abs)
{
	const struct fsem_side *sd = me->sd;
	uint64_t unit = (uint64_t)1 << sd->shift;
	uint64_t w = atomic_load_explicit(me->word,
					  memory_order_relaxed); /* hint */
	uint64_t since = sd->kmask ? now_ns() : 0, x;
	bool slept = false;
	uint32_t k;
	int err, r;

	while (field(w, sd->shift, sd->mask) != sd->mask) {
		FSEM_STEP_("register: CAS waiters+1");
		if (atomic_compare_exchange_weak_explicit(me->word, &w,
				w + unit, memory_order_relaxed, /* K2: an RMW of
				 * the one word is all the order it needs */
				memory_order_relaxed)) {
			me->unit = unit;	/* registered (K2) */
			w += unit;
			break;
		}
	}
	for (;;) {
		r = own_step(me, &w, slept);
		if (r > 0)
			return 0;
		if (r == 0)
			continue;
		x = w;
		if (me->unit && sd->kmask && !(w & sd->handoff)) {
			/* P1: awake, about to sleep with no room: it used
			 * up one wake in flight, if any was counted */
			k = fsem_field_(w, sd->kshift, sd->kmask);
			if (slept && (me->starving ||
				      now_ns() - since > FSEM_STARVE_NS)) {
				x |= sd->handoff;	/* P3: passed over */
				k = 1;	/* k afresh, from 0 */
			}
			if (k)
				x = fsem_set_field_(x, sd->kshift, sd->kmask,
						    k - 1);
		}
		if (x != w) {
			FSEM_STEP_("settle: CAS policy fields");
			if (!atomic_compare_exchange_weak_explicit(me->word,
					&w, x, memory_order_relaxed,
					memory_order_relaxed))
				continue;
			if (x & sd->handoff)
				me->starving = true;
			w = x;
		}
		err = me->unit ? fsem_sleep_cancelable(futex_word(me->word),
						       (uint32_t)w, clock, abs,
						       sd->pshared, sd->bits) :
				 poll_once(clock, abs);
		slept = true;
		/* EINTR, ETIMEDOUT or a futex error (Protocol): leave */
		if (err != 0 && err != EAGAIN) {
			leave(me);
			return err;
		}
		w = atomic_load_explicit(me->word,
					 memory_order_relaxed); /* hint */
	}
}

FSEM_UNWOUND_
int fsem_shared_sleep_(_Atomic uint64_t *word, const struct fsem_side *sd,
		       _Atomic uint32_t *spin, clockid_t clock,
		       const struct timespec *abs)
{
	struct waiter me = { .word = word, .sd = sd, .unit = 0 };
	volatile int ret = 0;

	if (spin && fsem_spin(spin, poll_room, &me))
		return 0;
	pthread_cleanup_push(cancel_cleanup, &me);
	ret = sleep_loop(&me, clock, abs);
	pthread_cleanup_pop(0);
	return ret;
}
