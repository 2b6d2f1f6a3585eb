/* SPDX-License-Identifier: MIT */
/*
 * handoff.h - the slow path shared by both semaphore types: debtors wait
 * here for a token. The protocol is described once, in handoff.c.
 */
#ifndef FSEM_HANDOFF_H
#define FSEM_HANDOFF_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "step.h"

#define FSEM_FLAGS_ALL_ 0x7	/* FSEM_SHARED | FSEM_NOSPIN | FSEM_FIFO */

/*
 * Bit 31 of every hand-off word of the debt protocol (FSEM_FIFO), set by
 * init and never moved: tokens never reach it, and the inline fast paths
 * of fsem.h, which work on the barging protocol's word, see a word that
 * lets nobody through and enter the library.
 */
#define FSEM_MARK_ ((uint64_t)1 << 31)

/*
 * Shutdown of the debt protocol (X1-X6 in handoff.c): X, bit 30 of every
 * hand-off word, and the counter's mark, FSEM_SHUT_COUNT_ added to its
 * value. The gates of weighted calls (G1-G6 in handoff.c) are marks added
 * the same way, one per blocking direction: FSEM_GATE_DOWN_ for the steps
 * that subtract (fsem_t's waits, the bounded releases), FSEM_GATE_UP_ for
 * the bounded acquires; and the number of threads held behind each (G2),
 * for fsem_waiters(), in units of FSEM_HELD_DOWN_ and FSEM_HELD_UP_, at
 * most FSEM_HELD_MAX_ each. The value stays within 2^33 of 0, so the
 * marks are the counter rounded to a multiple of 2^36, all in its high
 * half.
 */
#define FSEM_SHUT_TOKEN_ ((uint64_t)1 << 30)
/* 2^62, and 2^31 so that the mark changes the low half too (G6). */
#define FSEM_SHUT_MARK_ ((int64_t)1 << 62)
#define FSEM_SHUT_FLIP_ ((int64_t)1 << 31)
#define FSEM_SHUT_COUNT_ (FSEM_SHUT_MARK_ + FSEM_SHUT_FLIP_)
#define FSEM_GATE_DOWN_ ((int64_t)1 << 60)
#define FSEM_GATE_UP_ ((int64_t)1 << 58)
#define FSEM_HELD_DOWN_ ((int64_t)1 << 36)	/* bits 36..46 */
#define FSEM_HELD_UP_ ((int64_t)1 << 47)	/* bits 47..57 */
#define FSEM_HELD_MAX_ ((1 << 11) - 1)
#define FSEM_MARK_UNIT_ ((uint64_t)FSEM_HELD_DOWN_)
#define FSEM_GATES_ (FSEM_GATE_DOWN_ | FSEM_GATE_UP_)
#define FSEM_HELD_MASK_ (FSEM_GATE_UP_ - FSEM_HELD_DOWN_)	/* 36..57 */

/* Threads held behind the gate whose count is in units of @held (a hint). */
static inline int64_t fsem_count_held(int64_t c, int64_t held)
{
	return (int64_t)(((uint64_t)c + FSEM_MARK_UNIT_ / 2) /
			 (uint64_t)held) & FSEM_HELD_MAX_;
}

/* The marks of the counter @c: a sum of the above, or 0. */
static inline int64_t fsem_count_marks(int64_t c)
{
	return (int64_t)(((uint64_t)c + FSEM_MARK_UNIT_ / 2) &
			 ~(FSEM_MARK_UNIT_ - 1));
}

static inline bool fsem_count_shut(int64_t c)
{
	return fsem_count_marks(c) & FSEM_SHUT_MARK_;
}

/*
 * Does the counter @c carry a gate or the shutdown's mark? One compare:
 * they are the marks from 2^58 up; the held counts below them sum to at
 * most 2^58 - 2^36, and the value stays within 2^33 of 0.
 */
static inline bool fsem_count_gated(int64_t c)
{
	return c >= FSEM_GATE_UP_ - (int64_t)(FSEM_MARK_UNIT_ / 2);
}

/* The counter's value, with or without marks. */
static inline int64_t fsem_count_of(int64_t c)
{
	int64_t m = fsem_count_marks(c);

	return c - m - ((m & FSEM_SHUT_MARK_) ? FSEM_SHUT_FLIP_ : 0);
}

/* A waiter passed over this long (ns) turns on hand-off mode (shared.c: P3,
 * Q3; and the bound of a turn given up, P4). */
#define FSEM_STARVE_NS 1000000u

#if defined(__GNUC__)
#define fsem_likely_(x) __builtin_expect(!!(x), 1)
#define fsem_unlikely_(x) __builtin_expect(!!(x), 0)
#define FSEM_SLOW_ __attribute__((noinline, cold))
#else
#define fsem_likely_(x) (x)
#define fsem_unlikely_(x) (x)
#define FSEM_SLOW_
#endif

/*
 * One hand-off word and what a debtor of its kind needs to leave it.
 * @withdraw cancels one uncovered debt of this kind in the counter, or
 * answers false when every debt is covered (a token is on its way).
 * @give_back returns the permit of a waiter that took a token while leaving
 * (timeout, EINTR, cancellation); false if it could not (the operation
 * then stands and succeeds).
 */
struct fsem_handoff {
	_Atomic uint64_t *word;
	_Atomic int64_t *counter;	/* marked by a debtor that sees X (X4) */
	_Atomic uint64_t *other;	/* the other hand-off word, or NULL */
	_Atomic uint32_t *spin;	/* adaptive spin budget in ns; NULL: no spin */
	bool shared;
	bool (*withdraw)(void *obj);
	bool (*give_back)(void *obj);
	void *obj;
};

/*
 * Frames that an asynchronous cancellation abandons. glibc unwinds them
 * without returning through them (a forced unwind to the frame of the
 * cleanup, the library being built with -fexceptions, then an internal
 * longjmp), which AddressSanitizer does not see, so the redzones
 * of their stack variables would stay poisoned below the cleanup handler
 * and trip the sanitizer's own runtime later (a false report from GCC 12's
 * sigaltstack interceptor). Every library frame with a stack variable
 * between a blocking call and its futex wait is left uninstrumented: they
 * hold no buffers, only words, the hand-off descriptor, the saved cancel
 * type and the cleanup record; and not inlined (into an instrumented
 * caller). Other builds inline them as they please: the uncontended
 * bounded step costs a call less.
 */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FSEM_ASAN_ 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(FSEM_ASAN_)
#define FSEM_UNWOUND_ __attribute__((noinline, no_sanitize_address))
#else
#define FSEM_UNWOUND_
#endif

/*
 * What a spin poll answers: keep spinning, took a permit, or stop; or took
 * one by a step that may have let another thread through, which may then
 * destroy the semaphore: the budget must not be touched after it.
 */
enum { FSEM_SPIN_AGAIN, FSEM_SPIN_TOOK, FSEM_SPIN_STOP, FSEM_SPIN_HANDED };

/*
 * Spin on @poll(@arg) (handoff.c); @hands_over: a poll that takes may
 * answer FSEM_SPIN_HANDED; @sem names the semaphore to probes.
 */
bool fsem_spin(_Atomic uint32_t *budget_ns, bool hands_over,
	       int (*poll)(void *arg), void *arg, const void *sem);

/*
 * Sleep on @uaddr while it holds @expected (futex bitset @bits), with
 * asynchronous cancellation enabled for the system call only: 0 (woken,
 * perhaps spuriously), EAGAIN, EINTR or ETIMEDOUT; any other errno means
 * the futex call failed and did not sleep (futex.h): the caller must leave.
 */
int fsem_sleep_cancelable(uint32_t *uaddr, uint32_t expected, clockid_t clock,
			  const struct timespec *abs, bool shared,
			  uint32_t bits);

/*
 * Wait for a token as a debtor: 0, or EINTR / ETIMEDOUT / the errno of a
 * failed futex call (debt withdrawn).
 */
int fsem_handoff_take(const struct fsem_handoff *h, clockid_t clock,
		      const struct timespec *abs);

/*
 * One blocking direction of a counter, for its gate (G1-G6 in handoff.c):
 * @dir is the step per permit (-1: fsem_t's wait, the bounded release;
 * +1: the bounded acquire), @gate its mark; a step of n has room when
 * value - n >= 0 (-1) or value + n <= @limit (+1). The other direction's
 * blocked debtors, counted by the value beyond 0 or @limit, get their
 * tokens from @other (NULL: fsem_t, whose posts never block). @sem names
 * the semaphore to probes.
 */
struct fsem_gate {
	_Atomic int64_t *counter;
	_Atomic uint64_t *other;
	int64_t gate;
	int64_t held;		/* FSEM_HELD_DOWN_ or FSEM_HELD_UP_ */
	int64_t limit;
	int dir;
	const void *sem;
};

/* Is @g's gate set in the counter value @c? (G2) */
static inline bool fsem_gate_closed(const struct fsem_gate *g, int64_t c)
{
	return fsem_count_marks(c) & g->gate;
}

/*
 * Held behind a set gate (G2): sleep until the marks change from those of
 * @c. 0 to try the step again, or EINTR, ETIMEDOUT or a futex error.
 */
int fsem_gate_hold(const struct fsem_gate *g, int64_t c, clockid_t clock,
		   const struct timespec *abs);

/*
 * A blocking call for @n > 1 (G1, G3, G5): 0 with @n taken at once, or
 * ECANCELED, EINTR, ETIMEDOUT or a futex error with nothing taken.
 */
int fsem_gate_collect(const struct fsem_gate *g, uint32_t n, clockid_t clock,
		      const struct timespec *abs);

/* Wake the collectors asleep on @counter (G4). */
void fsem_gate_wake_(_Atomic int64_t *counter);

/* After a step that found @c with a gate set: wake its collector (G4). */
static inline void fsem_gate_notify(_Atomic int64_t *counter, int64_t c)
{
	if (fsem_count_marks(c) & FSEM_GATES_)
		fsem_gate_wake_(counter);
}

/* Hand @n tokens to debtors; wakes only sleepers still owed one. */
void fsem_handoff_give(_Atomic uint64_t *word, uint32_t n, bool shared);

/*
 * Shut down (X1): unless @counter is marked, X in each of the @n hand-off
 * words @words (@n <= 2) and a wake of their sleepers, then the mark of
 * @counter. True if it found the counter unmarked.
 */
bool fsem_handoff_shutdown(_Atomic int64_t *counter,
			   _Atomic uint64_t *const *words, int n);

/*
 * T of the hand-off word @word in a snapshot (a hint): debtors whose debt
 * a give has covered and that have not yet taken their token.
 */
static inline uint32_t fsem_handoff_tokens(_Atomic uint64_t *word)
{
	return (uint32_t)atomic_load_explicit(word, memory_order_relaxed) &
	       (uint32_t)(FSEM_SHUT_TOKEN_ - 1); /* hint */
}

/* 0, or EINVAL for a clock or deadline that fsem_*wait must refuse. */
int fsem_check_deadline(clockid_t clock, const struct timespec *abs);

#endif /* FSEM_HANDOFF_H */
