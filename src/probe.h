/* SPDX-License-Identifier: MIT */
/*
 * probe.h - USDT probes of the slow paths, provider "fsem": a nop each
 * where they stand, and an ELF note (stapsdt) that perf, bpftrace and
 * SystemTap find. Built with -DFSEM_PROBES (meson -Dprobes, auto: when
 * <sys/sdt.h> from systemtap-sdt-dev is found); otherwise nothing at all.
 * None stands in the inline fast paths of fsem.h or in an uncontended
 * step: every one is in a slow path that has lost a race or will sleep.
 *
 * The first argument is the address of the semaphore (fsem_t or
 * fsem_bounded_t, the address the caller passed), except for FSEM_FIFO's
 * wake, which has only its hand-off word: the semaphore's own address for
 * an fsem_t, + 8 (acquirers) or + 16 (releasers) for an fsem_bounded_t.
 *
 *   block(sem)		a thread is about to sleep in FUTEX_WAIT.
 *   wake(sem, n)	a FUTEX_WAKE for up to n sleepers is issued.
 *   wake_all(sem)	every weighted sleeper of a kind is woken to re-check
 *			(Q2, Q3 in shared.c).
 *   spin_won(sem)	a spin before sleeping ended with a permit.
 *   spin_lost(sem)	a spin was given up (budget spent, or one of its
 *			kind sleeps); the thread goes on to sleep.
 *   timeout(sem)	a blocking call is about to fail with ETIMEDOUT.
 *   interrupted(sem)	a blocking call is about to fail with EINTR.
 *   starve(sem)	a waiter passed over too long turned hand-off mode
 *			on (P3 in shared.c).
 *   shutdown(sem)	a semaphore shut down (its first shutdown only; two
 *			first calls racing on an FSEM_FIFO one may both fire).
 */
#ifndef FSEM_PROBE_H
#define FSEM_PROBE_H

#include <errno.h>
#include <stddef.h>

#include "fsem.h"

#ifdef FSEM_PROBES
#define SDT_USE_VARIADIC	/* STAP_PROBEV */
#include <sys/sdt.h>
#define FSEM_PROBE_(name, ...) STAP_PROBEV(fsem, name, __VA_ARGS__)
#else
/* Nothing, but the arguments still type-check and count as used. */
static inline void fsem_probe_none_(int name, ...)
{
	(void)name;
}
#define FSEM_PROBE_(name, ...) fsem_probe_none_(0, __VA_ARGS__)
#endif

/* The probe @name with its arguments, only if @cond holds. */
#define FSEM_PROBE_IF_(cond, name, ...)				\
	do {							\
		if (cond)					\
			FSEM_PROBE_(name, __VA_ARGS__);		\
	} while (0)

/*
 * shared.c knows only the state word of the barging protocol, which both
 * types keep at offset 8: fsem_t.handoff_, fsem_bounded_t.acq_handoff_.
 */
#define FSEM_PROBE_SEM_(word) ((const void *)((const char *)(word) - 8))

_Static_assert(offsetof(fsem_t, handoff_) == 8 &&
	       offsetof(fsem_bounded_t, acq_handoff_) == 8,
	       "FSEM_PROBE_SEM_ finds the semaphore from its state word");

/* Fail a blocking call with @err: timeout or interrupted, if either. */
#define FSEM_PROBE_FAIL_(sem, err)					\
	do {								\
		FSEM_PROBE_IF_((err) == ETIMEDOUT, timeout, (sem));	\
		FSEM_PROBE_IF_((err) == EINTR, interrupted, (sem));	\
	} while (0)

/* End a spin: spin_won if @won, else spin_lost. */
#define FSEM_PROBE_SPIN_(won, sem)					\
	do {								\
		if (won)						\
			FSEM_PROBE_(spin_won, (sem));			\
		else							\
			FSEM_PROBE_(spin_lost, (sem));			\
	} while (0)

/* starve, if @cond, on the semaphore of the state word @word (shared.c). */
#define FSEM_PROBE_STARVE_(cond, word)					\
	FSEM_PROBE_IF_(cond, starve, FSEM_PROBE_SEM_(word))

#define FSEM_PROBE_SHUTDOWN_(sem) FSEM_PROBE_(shutdown, (sem))

#endif /* FSEM_PROBE_H */
