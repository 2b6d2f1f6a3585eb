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

static inline uint32_t low(uint64_t w)
{
	return (uint32_t)w;
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

/* K2: a success of @n whose CAS returned @old found the other kind. */
void fsem_shared_wake_(_Atomic uint64_t *word, const struct fsem_side *sd,
		       uint64_t old, uint32_t n)
{
	uint32_t others = field(old, sd->oshift, sd->omask);

	fsem_futex_wake_bits(futex_word(word), (int)(n < others ? n : others),
			     true, sd->obits);
}

static inline bool room(const struct fsem_side *sd, uint32_t v, uint32_t n)
{
	return fsem_shared_room_(sd, v, n);
}

static inline bool try_step(_Atomic uint64_t *word, const struct fsem_side *sd,
			    uint64_t *w, uint32_t n, uint64_t also)
{
	return fsem_shared_step_(word, sd, w, n, also);
}

uint32_t fsem_shared_waiters(_Atomic uint64_t *word,
			     const struct fsem_side *sd)
{
	return field(atomic_load_explicit(word, memory_order_relaxed), /* hint */
		     sd->shift, sd->mask);
}

/* A waiter: its word, its kind, and its registration (0: none). */
struct waiter {
	_Atomic uint64_t *word;
	const struct fsem_side *sd;
	uint64_t unit;
};

/*
 * One spin step: take if there is room; stop once one of this kind sleeps.
 * A bounded step may let the other kind through (omask != 0), and a thread
 * let through may destroy the semaphore: then the spin budget must not be
 * written after it (found by the model, tests/model/shared.pml).
 */
static int poll_room(void *arg)
{
	struct waiter *me = arg;
	uint64_t w = atomic_load_explicit(me->word,
					  memory_order_relaxed); /* hint */

	if (field(w, me->sd->shift, me->sd->mask) != 0)
		return FSEM_SPIN_STOP;
	if (!try_step(me->word, me->sd, &w, 1, 0))
		return FSEM_SPIN_AGAIN;
	return me->sd->omask ? FSEM_SPIN_HANDED : FSEM_SPIN_TOOK;
}

/* Deregister (K3): pass on a wake this waiter may have absorbed. */
static void leave(struct waiter *me)
{
	const struct fsem_side *sd = me->sd;
	uint64_t old;

	if (me->unit == 0)
		return;
	FSEM_STEP_("leave: xadd waiters-1");
	old = atomic_fetch_sub_explicit(me->word, me->unit,
					memory_order_relaxed); /* publishes
					 * nothing; K3 decides on old */
	me->unit = 0;
	if (room(sd, low(old), 1) && field(old, sd->shift, sd->mask) > 1)
		fsem_futex_wake_bits(futex_word(me->word), 1, true, sd->bits);
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

FSEM_UNWOUND_ static int sleep_loop(struct waiter *me, clockid_t clock,
				   const struct timespec *abs)
{
	const struct fsem_side *sd = me->sd;
	uint64_t unit = (uint64_t)1 << sd->shift;
	uint64_t w = atomic_load_explicit(me->word,
					  memory_order_relaxed); /* hint */
	int err;

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
		if (try_step(me->word, sd, &w, 1, me->unit)) {
			me->unit = 0;	/* deregistered by the same CAS */
			return 0;
		}
		err = me->unit ? fsem_sleep_cancelable(futex_word(me->word),
						       low(w), clock, abs, true,
						       sd->bits) :
				 poll_once(clock, abs);
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
