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
 * Shutdown of the debt protocol (X1-X5 in handoff.c): X, bit 30 of every
 * hand-off word, and the counter's mark, FSEM_SHUT_COUNT_ added to its
 * value (which stays within 2^33 of 0, so the two ranges never meet).
 */
#define FSEM_SHUT_TOKEN_ ((uint64_t)1 << 30)
#define FSEM_SHUT_COUNT_ ((int64_t)1 << 62)

static inline bool fsem_count_shut(int64_t c)
{
	return c >= FSEM_SHUT_COUNT_ / 2;
}

/* The counter's value, with or without the mark. */
static inline int64_t fsem_count_of(int64_t c)
{
	return fsem_count_shut(c) ? c - FSEM_SHUT_COUNT_ : c;
}

/* A waiter passed over this long (ns) turns on hand-off mode (handoff.c). */
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
 * Frames that an asynchronous cancellation abandons. glibc unwinds them with
 * an internal longjmp that AddressSanitizer does not see, so the redzones
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
