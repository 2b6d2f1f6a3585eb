/* SPDX-License-Identifier: MIT */
/*
 * futex.h - the only place in fsem that makes a system call.
 *
 * fsem_futex_wait() answers 0 (woken, perhaps spuriously), EAGAIN (the word
 * did not hold @expected), EINTR or ETIMEDOUT: the expected answers, after
 * which the caller re-reads the word. Any other answer is the kernel's
 * errno, passed up as it is: the call did not sleep and will not sleep if
 * repeated. A seccomp filter that refuses futex (ENOSYS, EPERM: some
 * sandboxes and container profiles) gives one, as would a bug in fsem or
 * in its caller's memory (EFAULT, EINVAL). Taking it for EAGAIN would make
 * the waiter re-read and retry at full speed for ever; the library never
 * aborts on its caller's behalf either, so the waiter leaves as after a
 * timeout and its call fails with that errno. Only an EAGAIN from a filter
 * cannot be told from the word having changed (see Limits in handoff.c).
 *
 * fsem_futex_wake() ignores errors: it may run after the waiter it woke has
 * already destroyed and unmapped the semaphore (see "Destruction safety" in
 * handoff.c), where the kernel answers EFAULT or finds nobody, both harmless.
 *
 * Built with -DFSEM_FUTEX_SEAM (tests only), both calls are counted in
 * fsem_seam_waits / fsem_seam_wakes before the real call is made, so a test
 * can assert how many system calls an operation made.
 */
#ifndef FSEM_FUTEX_H
#define FSEM_FUTEX_H

#include <errno.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "step.h"

#ifdef FSEM_FUTEX_SEAM
extern _Atomic unsigned long fsem_seam_waits;
extern _Atomic unsigned long fsem_seam_wakes;
#define FSEM_SEAM_COUNT_(counter) \
	atomic_fetch_add_explicit(&(counter), 1, memory_order_relaxed)
#else
#define FSEM_SEAM_COUNT_(counter) ((void)0)
#endif

/* The futex word of both protocols: the low 32 bits of a 64-bit word. */
static inline uint32_t *fsem_futex_low_half(_Atomic uint64_t *w)
{
	uint32_t *half = (uint32_t *)(void *)w;

#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	half++;
#endif
	return half;
}

/* The other half: the futex word of the barging protocol's policy. */
static inline uint32_t *fsem_futex_high_half(_Atomic uint64_t *w)
{
	uint32_t *half = (uint32_t *)(void *)w;

#if __BYTE_ORDER__ != __ORDER_BIG_ENDIAN__
	half++;
#endif
	return half;
}

/*
 * The futex system call: its result, or -errno; errno is never touched
 * (async-signal-safe callers keep theirs). On x86-64 the syscall
 * instruction is made here: the woken waiter runs from the kernel back
 * into fsem without going through libc's syscall() and two
 * __errno_location() calls, code that is cold after the sleep (glibc's
 * sem_wait makes its system calls inline too). Timed by perf between the
 * futex wait's return and a marker system call right after the wait (the
 * bench's idle workload, 200 us gaps, rounds in quiet phases), the
 * waiter's path took 0.24-0.29 us longer than glibc's through syscall(),
 * 0.02-0.26 us (median 0.10) longer this way; callgrind counts 64 fewer
 * instructions per sleep and wake.
 */
static inline long fsem_futex_raw(uint32_t *uaddr, int op, uint32_t val,
				  const struct timespec *ts, uint32_t val3)
{
#if defined(__x86_64__)
	register long r10 __asm__("r10") = (long)ts;
	register long r8 __asm__("r8") = 0;
	register long r9 __asm__("r9") = (long)val3;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "0"((long)SYS_futex), "D"(uaddr), "S"((long)op),
			   "d"((long)val), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
#else
	int saved = errno;
	long ret = syscall(SYS_futex, uaddr, op, val, ts, NULL, val3);

	if (ret == -1)
		ret = -errno;
	errno = saved;
	return ret;
#endif
}

/*
 * Sleep while *@uaddr == @expected, until woken, a signal, or the absolute
 * deadline @abs on @clock (CLOCK_REALTIME or CLOCK_MONOTONIC; NULL: none).
 * Only a wake whose bitset shares a bit with @bits wakes this sleeper.
 * FUTEX_WAIT_BITSET takes an absolute deadline, so a CLOCK_REALTIME one
 * follows clock changes (FUTEX_CLOCK_REALTIME) and a monotonic one does not.
 */
static inline int fsem_futex_wait_bits(uint32_t *uaddr, uint32_t expected,
				       clockid_t clock,
				       const struct timespec *abs,
				       bool shared, uint32_t bits)
{
	int op = FUTEX_WAIT_BITSET;
	long ret;

	if (!shared)
		op |= FUTEX_PRIVATE_FLAG;
	if (abs && clock == CLOCK_REALTIME)
		op |= FUTEX_CLOCK_REALTIME;
	FSEM_SEAM_COUNT_(fsem_seam_waits);
	FSEM_STEP_("futex wait");
	ret = fsem_futex_raw(uaddr, op, expected, abs, bits);
	return ret < 0 ? (int)-ret : 0; /* EAGAIN, EINTR, ETIMEDOUT, or top */
}

static inline int fsem_futex_wait(uint32_t *uaddr, uint32_t expected,
				  clockid_t clock, const struct timespec *abs,
				  bool shared)
{
	return fsem_futex_wait_bits(uaddr, expected, clock, abs, shared,
				    FUTEX_BITSET_MATCH_ANY);
}

/*
 * Wake up to @n threads sleeping on @uaddr whose wait shared a bit with
 * @bits (one futex word, two kinds of sleeper); errors are ignored.
 */
static inline void fsem_futex_wake_bits(uint32_t *uaddr, int n, bool shared,
					uint32_t bits)
{
	int op = FUTEX_WAKE_BITSET;

	if (!shared)
		op |= FUTEX_PRIVATE_FLAG;
	FSEM_SEAM_COUNT_(fsem_seam_wakes);
	FSEM_STEP_("futex wake");
	(void)fsem_futex_raw(uaddr, op, (uint32_t)n, NULL, bits);
}

/* Wake up to @n threads sleeping on @uaddr; errors are ignored (see top). */
static inline void fsem_futex_wake(uint32_t *uaddr, int n, bool shared)
{
	int op = FUTEX_WAKE;

	if (!shared)
		op |= FUTEX_PRIVATE_FLAG;
	FSEM_SEAM_COUNT_(fsem_seam_wakes);
	FSEM_STEP_("futex wake");
	(void)fsem_futex_raw(uaddr, op, (uint32_t)n, NULL, 0);
}

#endif /* FSEM_FUTEX_H */
