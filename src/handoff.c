/* SPDX-License-Identifier: MIT */
/*
 * handoff.c - the debt protocol of FSEM_FIFO semaphores (fsem 0.2's only
 * protocol): debts, tokens and the futex slow path. Every other semaphore
 * runs the barging protocol of shared.c; fsem_spin() and
 * fsem_sleep_cancelable() here serve both.
 *
 * Overview
 *
 *   Each semaphore is a signed 64-bit counter that every operation moves
 *   with one atomic step, plus one 64-bit hand-off word per blocking
 *   direction: an xadd for fsem_t's post and a leaver's give-back, a CAS
 *   for every step a shutdown must be able to refuse (X2: waits, bounded
 *   steps) and for every step that must not pass a limit (post_n,
 *   try-calls). An operation whose step finds a permit is done: that is
 *   the whole fast path, one atomic and no system call. For fsem_t,
 *   fsem.h inlines a CAS that makes the same step (below), and the library
 *   is entered only when it found no permit or a debtor. An operation
 *   whose step finds none has, by that same step, become a *debtor*: it is
 *   owed a permit, and the counter says how many debtors nobody has paid
 *   yet.
 *   The operation that later moves the counter back across the boundary
 *   *covers* one debt and puts one *token* into the hand-off word; a debtor
 *   waits (spinning briefly, then sleeping on the futex) until it can take
 *   a token. Wake-ups go only to sleepers that no token is already on its
 *   way to, so a transfer between threads that overlap costs no system call.
 *
 *   fsem_t (fsem.c): the counter is the count; wait subtracts 1, post adds 1.
 *     It is the state word that fsem.h's inline fast paths move by CAS while
 *     it stays within [0, FSEM_VALUE_MAX] (a wait at count > 0, a post at
 *     count < FSEM_VALUE_MAX): the same step, with the same result, as
 *     the library's step there. The hand-off word is fsem_t's first.
 *   fsem_bounded_t (bounded.c): the counter is given_out; acquire adds 1,
 *   release subtracts 1, and each direction has its own hand-off word.
 *
 * Word layout
 *
 *   count (fsem_t), int64:
 *     count >= 0: count permits are free, and there is no debtor.
 *     count <  0: -count debtors are waiting for a permit not yet covered.
 *   given (fsem_bounded_t, N permits), int64:
 *     0 <= given <= N: given permits are out; no debtor.
 *     given > N: N are out, and given - N acquirers are uncovered debtors.
 *     given < 0: none is out, and -given releasers are uncovered debtors.
 *   Either counter may carry marks added to its value: the shutdown's,
 *   FSEM_SHUT_COUNT_ = 2^62 + 2^31 (X1 below: 2^31 flips the top bit of
 *   the low half, for G6); a gate per blocking direction,
 *   FSEM_GATE_DOWN_ = 2^60 (fsem_t's waits, bounded releases) and
 *   FSEM_GATE_UP_ = 2^58 (bounded acquires), and the number of threads
 *   held behind each, in units of 2^36 (bits 36..46, down) and 2^47 (bits
 *   47..57, up) (G1-G6 below). The value is always within 2^33 of 0, so
 *   the marks are the counter rounded to a multiple of 2^36
 *   (fsem_count_marks(), with the shutdown's 2^31 below the rounding:
 *   fsem_count_of() takes it off too), and every addition and
 *   comparison below is made on the value (fsem_count_of()); a marked
 *   counter is never in [0, FSEM_VALUE_MAX], so the inline fast paths
 *   leave it to the library.
 *   hand-off word, uint64 (one per blocking direction):
 *     bits  0..29 T, tokens: debts covered whose debtor has not yet taken
 *                 its token. Set by the covering operation (give), cleared
 *                 one by one by debtors (take). This 32-bit half is the
 *                 futex word; sleepers wait while T is 0 and X is 0.
 *     bit  30     X, shut down (FSEM_SHUT_TOKEN_, handoff.h): set once by
 *                 a shutdown, never cleared but by init (X1).
 *     bit  31     FSEM_MARK_ (handoff.h), always set, never moved: a
 *                 hand-off word is never mistaken for a barging state
 *                 word (destroy and the bounded semaphore's words).
 *     bits 32..63 S, sleepers: debtors registered to sleep on the futex.
 *                 A debtor adds itself before its first futex wait and
 *                 removes itself in the same atomic step that takes its
 *                 token, or when it leaves while T == 0.
 *
 * Invariants
 *
 *   I1 (conservation) Every successful post (release, acquire) either frees
 *      a permit or covers exactly one debt and adds exactly one token; every
 *      debtor leaves by taking exactly one token or by withdrawing exactly
 *      one uncovered debt. So for fsem_t, at every instant:
 *        initial + successful posts = successful waits + max(count, 0) + T
 *                                     + F
 *      where F counts gives between their counter step and their hand-off
 *      xadd (in flight: the debt is covered, the token not yet added).
 *   I2 (coverage) If count >= 0 (given in [0, N]) every debtor of that
 *      direction has a token in T or on its way; a debtor that sees this may
 *      not withdraw, it must take a token.
 *   I3 (wake) awake >= min(T, S), where awake counts registered sleepers not
 *      blocked in the kernel, or about to be woken by a giver between its
 *      hand-off xadd and its FUTEX_WAKE. Hence a token is never left while
 *      every registered sleeper sleeps: no lost wake-up. tests/model
 *      checks I1 to I4 with spin.
 *   I4 (bounds) Bounded: 0 <= given_out = clamp(given, 0, N) <= N.
 *   I5 (debts only by the blocking step) A debt is created only by the
 *      blocking call's own step on the counter (the CAS of X2, which a
 *      shutdown can refuse); try-calls move the
 *      counter with a CAS that never crosses into debt, so they cannot
 *      block or owe. A try-call for n (fsem_trywait_n, the bounded
 *      try_n calls) moves it by n in one CAS, and only if all n steps
 *      have room: where there is room no debtor of its own kind waits,
 *      so it passes none; a bounded one pays a token to each debtor of
 *      the other kind that its steps cover, as n single steps would.
 *
 * Protocol
 *
 *   wait (debtor): spin on the hand-off word while S == 0 (never spin to
 *     steal from sleepers already queued), taking a token by CAS T-1 if one
 *     appears. Then register (xadd S+1) and loop: T > 0: CAS (T-1, S-1) and
 *     return; else futex-wait while T == 0, then re-read (every wake-up may
 *     be spurious). Registration and token hand-over are RMWs on one word,
 *     so they are totally ordered: either the giver sees S > 0 and wakes, or
 *     the registrant sees T > 0 and takes.
 *   post / covering release / covering acquire (give n): xadd T+n on the
 *     hand-off word; with the old value, wake min(n, S - T) sleepers if
 *     S > T. Each of the T older tokens already has an awake taker (I3), so
 *     only the surplus of sleepers over tokens needs waking.
 *   timeout, EINTR, futex error (leave): if T > 0, take a token; otherwise
 *     deregister by CAS only while T == 0, which keeps I3: a waiter that
 *     was woken and then leaves never strands a token (the bug of Go x/sync
 *     43a5402), and withdraw one uncovered debt by CAS on the counter; if
 *     every debt is covered (I2), a token is in flight: poll, taking a
 *     token if one is there, else withdrawing again (a newcomer that took
 *     the token left an uncovered debt behind), never sleeping past the
 *     deadline. A leaver that ends up with a token gives the permit back (a
 *     post, which hands it to the next debtor) and still reports its error,
 *     as glibc does when a post races with the timeout or with the signal
 *     handler itself. Only a call whose give-back fails stands, and returns
 *     0: a bounded release when every permit was taken again meanwhile,
 *     an acquire when every permit was released again (its permit among
 *     them: permits have no owner), an fsem_t wait when the count has
 *     reached FSEM_VALUE_MAX meanwhile. A cancelled call that
 *     stands has taken effect although its caller never returns.
 *   signal: a futex wait without deadline is restarted by the kernel after
 *     an SA_RESTART handler (-ERESTARTSYS); with a deadline it returns EINTR
 *     whatever the flags (-ERESTART_RESTARTBLOCK). Passing EINTR up gives
 *     exactly glibc's sem_wait / sem_timedwait behaviour.
 *   futex error: a futex wait that fails with any other errno (ENOSYS or
 *     EPERM from a seccomp filter, EFAULT: futex.h) did not sleep and would
 *     not if repeated: re-reading and retrying would spin for ever. The
 *     waiter leaves as on a timeout, and its call fails with that errno.
 *   cancel: only the futex system call runs with asynchronous cancellation
 *     enabled; the cleanup handler runs leave() and gives back a permit it
 *     took, so a cancelled waiter leaves no phantom sleeper or debt.
 *
 * Shutdown (fsem_shutdown, fsem_bounded_shutdown: fsem_handoff_shutdown)
 *
 *   X1 (marks) A shutdown sets X in every hand-off word of the semaphore
 *      (one RMW each, release, then FUTEX_WAKE of all its sleepers), and
 *      then adds FSEM_SHUT_COUNT_ to the counter, by a CAS that does so
 *      only if it is not shut yet (release). Neither mark is ever taken
 *      off but by init. A shutdown that finds the counter marked does
 *      nothing: whoever marked it had set every X and woken every word.
 *   X2 (refusal) Every step that can make a debt or take a permit for a
 *      waiting call (the wait's and the bounded acquire's and release's
 *      step, the try-calls' CAS) is a CAS that fails the call with
 *      ECANCELED when it finds the counter marked, so from the mark on no
 *      call takes a permit or owes one. Posts of fsem_t still add 1 (the
 *      mark does not change the value: posts go on, and so do
 *      give-backs and withdrawals, on the value).
 *   X3 (debtors leave) A debtor reads X in every word it loads: a spinner
 *      stops, and a sleeper, or one about to sleep, leaves as on a
 *      timeout (leave(): it gives back a token it took, and withdraws or
 *      is covered) and fails with ECANCELED. It takes no token while X is
 *      set (try_take compares the whole word), so every token taken
 *      outside leave() was taken before X. A sleeper that read the word
 *      before X sleeps on a futex word X has changed, or is woken by the
 *      wake that follows X.
 *   X4 (one instant) Before it fails, a debtor that saw X makes the
 *      whole shutdown itself (X1: X in every word of the semaphore, the
 *      wakes, the mark), which finds the counter marked at once unless
 *      the shutting-down thread is still on its way. So X is in every
 *      word before the mark, every ECANCELED comes after the mark, and
 *      every success before it (a take is before X of its word, hence
 *      before the mark; a counter step is before the mark by X2): the
 *      counter's mark is the instant of the shutdown. One exception: a
 *      leaver that took a token and cannot give it back (a bounded call
 *      whose give-back finds no room, or an fsem_t post that finds the
 *      count at FSEM_VALUE_MAX) keeps the permit and returns 0, as after
 *      a timeout.
 *   X5 (order) The marks are release and every call that fails with
 *      ECANCELED loads the word that told it with acquire first (the
 *      counter, or the hand-off word whose X it saw, and then the
 *      counter's mark, which it may set itself): it sees what the
 *      shutdown's caller did before the call.
 *   X6 (nobody held) A shutdown stopped between its steps holds nobody:
 *      a debtor that sees X completes the shutdown (X4), and every X is
 *      followed by a wake from each thread that sets or re-sets it, so a
 *      debtor asleep on a word with X is woken by whichever of them runs;
 *      until some X is set, debtors sleep for a permit as before.
 *   A failing debtor marks the counter before its give-back, which may
 *   hand a permit over (Destruction safety). But unlike the barging
 *   word's one CAS (S1 in shared.c), a shutdown here touches the
 *   semaphore after a waiter may have failed (X4): it must not be
 *   destroyed, nor re-initialized, until fsem_shutdown() has returned
 *   (fsem.h). The steps are RMWs and FUTEX_WAKE only: async-signal-safe.
 *
 * Weighted blocking calls: the gate (fsem_gate_collect() and friends)
 *
 *   A call for n > 1 may not hold some permits while it waits for the
 *   rest (two such calls would deadlock), and tokens are anyone's, so it
 *   does not become a debtor: it waits beside the counter instead, and
 *   stops everyone of its direction from stepping past it.
 *   G1 (one collector per direction) Its step is a CAS: refused once the
 *      counter is shut (X2); held (G2) while its direction's gate is set;
 *      if n fit (fsem_t: value >= n; acquire: value + n <= N; release:
 *      value - n >= 0), value -/+ n, paying each debtor of the other
 *      direction that the step covers a token, as a try-call for n does
 *      (I5); else it adds its direction's gate mark and becomes the
 *      *collector*. It has taken nothing and owes nothing: the value and
 *      every debt in it are unchanged. Only the collector clears its gate.
 *   G2 (held) A blocking step (single or weighted) that finds its
 *      direction's gate set does not step: it counts itself in the held
 *      field by CAS (unless the field is full), sleeps on the counter's
 *      high half, which holds the marks, while it is unchanged, uncounts
 *      itself (also when cancelled), and tries its step again. Every
 *      value it sleeps on has the gate set: it checks the gate in each
 *      value its CAS loop reads, also the one that finds the field full.
 *      A try-call of that direction answers EAGAIN. So nothing of that
 *      direction is taken behind the collector: the debtors before it
 *      (the value counts them) are served first, then the collector, then
 *      the held calls, in no set order among themselves. A held call
 *      holds nothing and leaves (timeout, EINTR, cancellation) as it
 *      likes.
 *   G3 (collect) The collector sleeps on the counter's low half, the
 *      value, while it is unchanged, until n fit; then one CAS takes them
 *      and clears its gate (acq_rel), it pays the other direction's
 *      covered debtors (G1), and it wakes every sleeper of the high half.
 *   G4 (notify) Every step of the other direction that finds a gate set
 *      (an fsem_t post, post_n or give-back; a bounded step of the other
 *      direction, its try-call or give-back) wakes every sleeper of the
 *      low half after its step: the collectors, at most one per gate.
 *   G5 (leave) A collector whose sleep ends with a timeout, a signal, a
 *      futex error or cancellation (its cleanup handler), or that finds the
 *      counter shut, clears its gate by an RMW that changes nothing else,
 *      wakes the held, and fails. I1 and I2 are untouched: it never held a
 *      permit nor owed a debt; the permits it waited for stay in the
 *      value, for everyone.
 *   G6 (shutdown) X1's mark changes both halves of the counter (2^62 in
 *      the high one, 2^31 in the low one: a collector sleeps on the low
 *      half, which the mark alone would not change), and the shutdown,
 *      after its mark, and also when it finds the counter marked, wakes
 *      both halves if the counter it found has a gate or a held count
 *      (nobody sleeps on it otherwise, and after the mark no gate is set
 *      and nobody counts itself held); a collector or a held call that
 *      reads the mark fails with ECANCELED (X5: the counter read with
 *      acquire), a collector after G5. (Spin found the collector asleep
 *      after a shutdown when the mark was 2^62 alone: tests/model,
 *      finding G-B1.)
 *   No wake is lost: a held call sleeps on the half the gate's clearing
 *   changes and that clear is followed by a wake; the collector sleeps on
 *   the value, which every step that can give it room changes and follows
 *   with a wake (G4), and a shutdown wakes both. tests/model checks G1-G6.
 *
 * Destruction safety
 *
 *   POSIX lets the thread whose wait returned destroy and free the semaphore
 *   at once (glibc bug 12674). So an operation that hands a permit to
 *   another thread touches the semaphore in no way after the atomic step
 *   that hands it over, except for FUTEX_WAKE on its address, which is
 *   harmless on freed memory. The hand-over steps are: the counter step
 *   when it frees a permit (no debt covered), and the hand-off xadd when it
 *   covers one. A counter step that covers a debt hands over nothing: the
 *   debtor still needs the token, and any other thread sees a counter that
 *   lets nobody through, so reading the flags between the two is safe.
 *   A step of n that covers some debts and frees the rest (post_n, a
 *   bounded try_n) hands over by its counter step and then gives tokens:
 *   a thread it let through may return at once, but the semaphore may not
 *   be destroyed while the debtors it covered are still blocked on it, so
 *   its hand-off xadd is still on live memory.
 *   Everything read after a hand-over (permit count N, flags) is loaded
 *   before it. The gate adds no step after a hand-over but futex wakes
 *   (G3, G4, G5) and tokens to debtors still blocked (G1, G3).
 *
 * Memory ordering
 *
 *   (A) A step that gives (fsem_t's post, xadd or CAS) is release; a step
 *       that takes (a wait's CAS) is acquire; a bounded step, which does
 *       both, is acq_rel; RMWs continue release sequences, so the taker
 *       synchronises with every earlier giver.
 *   (B) The hand-off xadd is release and the token-taking CAS acquire, so a
 *       debtor sees everything its giver did before covering the debt.
 *   Registration, deregistration, withdrawal and the spin budget are relaxed:
 *   they publish no data, and all decisions about waking are made on values
 *   returned by RMWs of the one hand-off word (modification order). A
 *   relaxed load tagged "hint" only seeds a CAS loop (the CAS re-reads and
 *   decides) or returns a snapshot that may be stale by the time it is
 *   read (getvalue, destroy's EBUSY check).
 *
 * Limits
 *
 *   FSEM_VALUE_MAX = INT_MAX, as glibc. fsem_post_n moves the counter by a
 *   CAS that never passes the limit, so a failed post_n changed nothing.
 *   fsem.h's inline post is a CAS that never passes it either; the
 *   library's fsem_post, one xadd, adds 1 and takes it back when it
 *   overflows: another post racing with it may then also
 *   report EOVERFLOW although the count was within the number of racing
 *   posts of the limit, and more than FSEM_VALUE_MAX takes inside that
 *   window could take the one permit that never existed. That take-back
 *   touches the semaphore after an xadd that made a permit visible: at a
 *   count of FSEM_VALUE_MAX only, the destruction safety above does not
 *   hold for a post that overflows. A leaving waiter (timeout, EINTR,
 *   cancellation) whose debt a give has covered polls until that give's
 *   hand-off xadd: a give stopped between its two steps (preempted, or
 *   stopped in a debugger) holds it past its deadline for that long
 *   (tests/test_stall.c finds exactly these places). Sleepers are
 *   32-bit and tokens 30-bit: at most 2^30 - 1 threads may block on one
 *   semaphore. The gate (G1-G6) has no two-step give: a thread stopped
 *   anywhere in it holds no timed call past its deadline, but a collector
 *   stopped between its final CAS and its wake leaves the held calls
 *   asleep with the gate open, and a step of the other direction stopped
 *   before its G4 wake leaves the collector asleep with room, until the
 *   stopped thread (or, for the collector, a later step) runs on: an
 *   untimed call waits that long, a timed one returns ETIMEDOUT at its
 *   deadline. At most FSEM_HELD_MAX_ (2047) held calls per direction are
 *   counted (fsem_waiters); more are held uncounted. A debt cannot be
 *   withdrawn by a process that was killed
 *   while blocked, so this protocol serves private semaphores only (all
 *   threads of a process die together); FSEM_SHARED semaphores use the
 *   protocol of shared.c. A futex wait that a seccomp filter refuses with
 *   EAGAIN cannot be told from a changed word: that waiter spins until it
 *   gets a permit, past any deadline. A FUTEX_WAKE that fails is ignored
 *   (it may run on freed memory, see Destruction safety): if a filter
 *   refuses it to the giver but not to the sleeper (filters are per
 *   thread), that sleeper sleeps on until its deadline or a signal, an
 *   untimed one for ever: I3 counts it woken, so later gives do not wake
 *   it again.
 */
#include "handoff.h"
#include "annotate.h"
#include "futex.h"
#include "probe.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>

#ifdef FSEM_FUTEX_SEAM
_Atomic unsigned long fsem_seam_waits;
_Atomic unsigned long fsem_seam_wakes;
fsem_step_hook_fn *_Atomic fsem_seam_step;
/* a test may make the held counts fill up at fewer than 2047 threads */
_Atomic int64_t fsem_seam_held_max = FSEM_HELD_MAX_;
#define HELD_MAX()	atomic_load_explicit(&fsem_seam_held_max, \
					     memory_order_relaxed)
#else
#define HELD_MAX()	((int64_t)FSEM_HELD_MAX_)
#endif

#define TOKEN		((uint64_t)1)
#define SLEEPER		((uint64_t)1 << 32)

/*
 * The budget's ceiling: about twice the slowest cross-CPU sleep and wake
 * seen (a ping-pong hand-off, glibc: ~11 us one way on the AMD EPYC
 * guest, ~34 us on the Intel Xeon one). A budget grows to about twice
 * what a spin that took spent (grown()), so a spin that must outlast the
 * giver's own wake-up keeps paying instead of halving; where spins miss
 * the ceiling is never reached. (At 12 us the bounded 4:4:8 workload on
 * the Xeon guest slept 3 times as often and ran at 0.89-0.96 x mc-pair.)
 */
#define SPIN_MAX_NS	60000u
#define SPIN_MIN_NS	250u	/* below this a spin is not worth starting */
#define SPIN_PROBE_NS	1500u	/* probe length once spinning stopped paying */
#define SPIN_PROBE_EVERY 32u	/* probe on 1 in this many slow waits */
#define SPIN_MISSES	4u	/* ... once a thread's last this many missed */

static inline uint32_t tokens(uint64_t w)
{
	return (uint32_t)w & (uint32_t)(FSEM_SHUT_TOKEN_ - 1);
}

static inline bool shut(uint64_t w)
{
	return w & FSEM_SHUT_TOKEN_;
}

static inline uint32_t sleepers(uint64_t w)
{
	return (uint32_t)(w >> 32);
}

/* The futex is the token half of the word. */
static inline uint32_t *futex_word(_Atomic uint64_t *w)
{
	return fsem_futex_low_half(w);
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#endif
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int fsem_check_deadline(clockid_t clock, const struct timespec *abs)
{
	if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC)
		return EINVAL;
	if (abs == NULL || abs->tv_nsec < 0 || abs->tv_nsec >= 1000000000)
		return EINVAL;
	return 0;
}

/* The counter's halves: the marks (gates, shutdown) and the value. */
static inline uint32_t *count_high(_Atomic int64_t *counter)
{
	return fsem_futex_high_half((_Atomic uint64_t *)(void *)counter);
}

static inline uint32_t *count_low(_Atomic int64_t *counter)
{
	return fsem_futex_low_half((_Atomic uint64_t *)(void *)counter);
}

/* G4: the collectors sleep on the value's half (at most one per gate). */
void fsem_gate_wake_(_Atomic int64_t *counter)
{
	fsem_futex_wake(count_low(counter), INT_MAX, false);
}

/* G3, G5: a gate was cleared; the threads held behind it go on. */
static void gate_open(_Atomic int64_t *counter)
{
	fsem_futex_wake(count_high(counter), INT_MAX, false);
}

/*
 * G6: everybody asleep on the counter, held or collecting, when @c, the
 * counter as the shutdown found it, has a gate or a held thread (nobody
 * sleeps there otherwise: a shutdown costs no more system calls).
 */
static void gate_wake_all(_Atomic int64_t *counter, int64_t c)
{
	if (!(fsem_count_marks(c) & (FSEM_GATES_ | FSEM_HELD_MASK_)))
		return;
	gate_open(counter);
	fsem_gate_wake_(counter);
}

void fsem_handoff_give(_Atomic uint64_t *word, uint32_t n, bool shared)
{
	uint64_t w;
	uint32_t owed;

	annotate_release(word);
	FSEM_STEP_("give: xadd tokens+n");
	w = atomic_fetch_add_explicit(word, n * TOKEN,
				      memory_order_release); /* (B), hand-over */
	FSEM_STEP_("give: handed over");
	/* From here on only the futex wake may use *word (destruction). */
	if (sleepers(w) <= tokens(w))
		return;	/* every sleeper has a token on its way (I3) */
	owed = sleepers(w) - tokens(w);
	FSEM_PROBE_(wake, word, owed < n ? owed : n);
	fsem_futex_wake(futex_word(word), (int)(owed < n ? owed : n), shared);
}

bool fsem_handoff_shutdown(_Atomic int64_t *counter,
			   _Atomic uint64_t *const *words, int n)
{
	int64_t c = atomic_load_explicit(counter,
					 memory_order_acquire); /* X5 */

	if (fsem_count_shut(c)) {
		gate_wake_all(counter, c);	/* G6: its marker may be stopped */
		return false;	/* X1: its marker set every X and woke first */
	}
	for (int i = 0; i < n; i++) {
		FSEM_STEP_("shutdown: or X");
		atomic_fetch_or_explicit(words[i], FSEM_SHUT_TOKEN_,
					 memory_order_release); /* X1, X5 */
		/* every time, even if X was set: its setter may be stopped
		 * before its own wake (X6) */
		fsem_futex_wake(futex_word(words[i]), INT_MAX, false);
	}
	while (!fsem_count_shut(c)) {
		FSEM_STEP_("shutdown: CAS counter mark");
		if (atomic_compare_exchange_weak_explicit(counter, &c,
				c + FSEM_SHUT_COUNT_,
				memory_order_acq_rel, /* X5: release for
				 * later readers, acquire from earlier marks */
				memory_order_acquire))
			break;	/* X1: the instant of the shutdown */
	}
	gate_wake_all(counter, c);	/* G6 */
	return true;
}

/*
 * A debtor that saw X fails (X4, X5, X6): it makes the whole shutdown
 * itself (X in every word, wakes, the mark), which finds the counter
 * marked at once unless the shutting-down thread is still on its way.
 */
static void cancelled(const struct fsem_handoff *h)
{
	(void)atomic_load_explicit(h->word, memory_order_acquire); /* X5 */
	(void)fsem_handoff_shutdown(h->counter,
				    (_Atomic uint64_t *const[]){ h->word,
								 h->other },
				    h->other ? 2 : 1);
}

/* Take a token if one is in @w; false if there is none or the CAS lost. */
static bool try_take(_Atomic uint64_t *word, uint64_t *w, uint64_t also)
{
	if (tokens(*w) == 0)
		return false;
	FSEM_STEP_("take: CAS tokens-1");
	if (!atomic_compare_exchange_weak_explicit(word, w,
			*w - TOKEN - also,
			memory_order_acquire, /* (B) pairs with give */
			memory_order_relaxed))
		return false;
	annotate_acquire(word);
	return true;
}

/* The budget after a spin that took a permit in @spent ns. */
static uint32_t grown(uint32_t stored, uint64_t spent)
{
	uint64_t b = stored + stored / 2 + SPIN_MIN_NS + 2 * spent;

	return b < SPIN_MAX_NS ? (uint32_t)b : SPIN_MAX_NS;
}

/*
 * Spin while @poll answers FSEM_SPIN_AGAIN, for up to the budget in
 * @budget_ns. The budget grows after a spin that took a permit and halves
 * after one that did not, so spinning stops where the giver cannot run
 * meanwhile (same CPU, oversubscribed); once it is below SPIN_MIN_NS, a
 * thread probes (spins SPIN_PROBE_NS) while fewer than SPIN_MISSES of its
 * spins in a row, on any semaphore, took nothing, and then on one slow
 * wait in SPIN_PROBE_EVERY. (The budget is shared: a burst of misses, as
 * the bounded semaphore's acquirers meet while both CPUs run acquirers,
 * used to stop spinning for every thread until probes on 1 wait in 32
 * restored it, and meanwhile each of them slept where a spin would have
 * taken: 0.03-0.08 futex calls per operation in the bench's bounded
 * 4:4:8 workload. A thread whose spins keep missing, as an idle worker's
 * do, still probes on 1 wait in 32 only.) When a poll that takes may
 * let another thread through (@hands_over: it answers FSEM_SPIN_HANDED),
 * nothing may be stored after it, so the grown budget is stored before
 * the first poll (without the time the spin will take), and halved as
 * usual after a spin that took nothing. (Storing nothing after a hand-over
 * used to leave the bounded semaphore's budget only ever halving: it
 * stopped spinning for good under contention.)
 */
bool fsem_spin(_Atomic uint32_t *budget_ns, bool hands_over,
	       int (*poll)(void *arg), void *arg, const void *sem)
{
	static _Thread_local uint32_t probe;
	static _Thread_local uint32_t misses = SPIN_MISSES;	/* in a row */
	uint32_t budget, stored;
	uint64_t start, spent;	/* ns */
	unsigned int i;
	int r;

	stored = atomic_load_explicit(budget_ns,
				      memory_order_relaxed); /* hint */
	budget = stored;
	if (budget < SPIN_MIN_NS) {
		if (misses >= SPIN_MISSES && ++probe % SPIN_PROBE_EVERY != 0)
			return false;
		budget = SPIN_PROBE_NS;
	}
	start = now_ns();
	if (hands_over) {
		FSEM_STEP_("spin: store the grown budget first");
		atomic_store_explicit(budget_ns, grown(stored, 0),
				      memory_order_relaxed); /* hint */
	}
	for (i = 1; (r = poll(arg)) == FSEM_SPIN_AGAIN; i++) {
		cpu_relax();
		if (i % 16 == 0 && now_ns() - start > budget)
			break;
	}
	FSEM_PROBE_SPIN_(r == FSEM_SPIN_TOOK || r == FSEM_SPIN_HANDED, sem);
	if (r == FSEM_SPIN_TOOK || r == FSEM_SPIN_HANDED)
		misses = 0;	/* the thread's own: no store to the semaphore */
	if (r == FSEM_SPIN_HANDED)
		return true;	/* destruction safety: no store after it */
	if (r == FSEM_SPIN_TOOK) {
		spent = now_ns() - start;
		FSEM_STEP_("spin: store budget");
		atomic_store_explicit(budget_ns, grown(stored, spent),
				      memory_order_relaxed); /* hint */
		return true;
	}
	if (misses < SPIN_MISSES)
		misses++;
	FSEM_STEP_("spin: store budget/2");
	atomic_store_explicit(budget_ns, stored / 2,
			      memory_order_relaxed); /* hint */
	return false;
}

/* One spin step of a debtor: never spin to steal from sleepers. */
static int poll_token(void *arg)
{
	_Atomic uint64_t *word = arg;
	uint64_t w = atomic_load_explicit(word, memory_order_relaxed); /* hint */

	while (sleepers(w) == 0 && !shut(w)) {	/* X3: no take after X */
		if (try_take(word, &w, 0))
			return FSEM_SPIN_TOOK;
		if (tokens(w) == 0)
			return FSEM_SPIN_AGAIN;
		/* lost the CAS to another taker; w is fresh */
	}
	return FSEM_SPIN_STOP;
}

/*
 * Leave as a registered sleeper after @err (EINTR, ETIMEDOUT, ECANCELED, a
 * futex error). Returns 0 if a token was taken instead, else @err with the
 * debt withdrawn.
 */
static int leave(const struct fsem_handoff *h, int err)
{
	uint64_t w = atomic_load_explicit(h->word,
					  memory_order_relaxed); /* hint */

	for (;;) {
		if (try_take(h->word, &w, SLEEPER))
			return 0;
		if (tokens(w) != 0)
			continue;
		FSEM_STEP_("leave: CAS sleepers-1");
		if (atomic_compare_exchange_weak_explicit(h->word, &w,
				w - SLEEPER, memory_order_relaxed,
				memory_order_relaxed)) /* only while T == 0: I3 */
			break;
	}
	/*
	 * Withdraw our debt; if every debt is covered (I2), a token is in
	 * flight: a giver is between its counter step and its hand-off xadd.
	 * Poll for either outcome rather than sleep for "our" token: tokens
	 * are anyone's, and a newcomer may take this one, which leaves an
	 * uncovered debt again (ours, in effect) that we can then withdraw.
	 * Sleeping for it here could outlive the deadline without bound
	 * (found by the spin model, tests/model).
	 */
	for (unsigned int i = 0;; i++) {
		if (h->withdraw(h->obj))
			return err;
		w = atomic_load_explicit(h->word,
					 memory_order_relaxed); /* hint */
		while (tokens(w) != 0)
			if (try_take(h->word, &w, 0))
				return 0;
		if (i < 64)
			cpu_relax();
		else
			sched_yield();	/* let a preempted giver finish */
	}
}

static void cancel_cleanup(void *arg)
{
	const struct fsem_handoff *h = arg;

	if (leave(h, ECANCELED) == 0)
		(void)h->give_back(h->obj);
}

/*
 * One futex wait, for both protocols: the only place where cancellation
 * can strike. A deadline before 1970 has passed (the kernel would say
 * EINVAL).
 */
FSEM_UNWOUND_ int fsem_sleep_cancelable(uint32_t *uaddr, uint32_t expected,
					clockid_t clock,
					const struct timespec *abs,
					bool shared, uint32_t bits)
{
	int type = PTHREAD_CANCEL_DEFERRED, err;

	if (abs && abs->tv_sec < 0)
		return ETIMEDOUT;
	pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, &type);
	err = fsem_futex_wait_bits(uaddr, expected, clock, abs, shared, bits);
	pthread_setcanceltype(type, NULL);
	return err;
}

FSEM_UNWOUND_ static int sleep_loop(const struct fsem_handoff *h,
				   clockid_t clock,
				   const struct timespec *abs)
{
	uint64_t w;
	bool took;
	int err;

	FSEM_STEP_("register: xadd sleepers+1");
	w = atomic_fetch_add_explicit(h->word, SLEEPER,
				      memory_order_relaxed) + SLEEPER;
	for (;;) {
		if (shut(w)) {
			err = ECANCELED;	/* X3: leave as on a timeout */
			break;
		}
		if (try_take(h->word, &w, SLEEPER))
			return 0;
		if (tokens(w) != 0)
			continue;
		FSEM_PROBE_(block, h->obj);
		err = fsem_sleep_cancelable(futex_word(h->word),
					    (uint32_t)FSEM_MARK_, clock,
					    abs, h->shared,
					    FUTEX_BITSET_MATCH_ANY);
		/* EINTR, ETIMEDOUT or a futex error (Protocol): leave */
		if (err != 0 && err != EAGAIN)
			break;
		w = atomic_load_explicit(h->word,
					 memory_order_relaxed); /* hint */
	}
	took = leave(h, err) == 0;
	if (err == ECANCELED)
		cancelled(h);	/* X4; before the give-back hands over */
	if (took && !h->give_back(h->obj))
		return 0;	/* the call stands (Protocol: leave) */
	FSEM_PROBE_FAIL_(h->obj, err);
	return err;
}

FSEM_UNWOUND_
static int sleep_take(const struct fsem_handoff *h, clockid_t clock,
		      const struct timespec *abs)
{
	volatile int ret = 0;

	pthread_cleanup_push(cancel_cleanup, (void *)h);
	ret = sleep_loop(h, clock, abs);
	pthread_cleanup_pop(0);
	return ret;
}

FSEM_UNWOUND_
int fsem_handoff_take(const struct fsem_handoff *h, clockid_t clock,
		      const struct timespec *abs)
{
	if (h->spin && fsem_spin(h->spin, false, poll_token, h->word, h->obj))
		return 0;
	return sleep_take(h, clock, abs);
}

/*
 * The gate (G1-G6 above): blocking calls for n > 1.
 */
static bool room(const struct fsem_gate *g, int64_t v, uint32_t n)
{
	return g->dir > 0 ? v + (int64_t)n <= g->limit : v - (int64_t)n >= 0;
}

/*
 * After a step of n toward g->dir from the value @v: a token to each
 * blocked debtor of the other direction that it covered (as a try-call
 * for n, I5). They are still blocked, so the semaphore is alive.
 */
static void pay_other(const struct fsem_gate *g, int64_t v, uint32_t n)
{
	int64_t owed = g->dir > 0 ? -v : v - g->limit;

	if (g->other && owed > 0)
		fsem_handoff_give(g->other, owed < n ? (uint32_t)owed : n,
				  false);
}

/* ECANCELED after X5: the counter's mark read with acquire. */
static int gate_refused(const struct fsem_gate *g)
{
	(void)atomic_load_explicit(g->counter, memory_order_acquire); /* X5 */
	return ECANCELED;
}

/* A held thread is counted (for fsem_waiters) while it may sleep. */
static void unhold(void *arg)
{
	const struct fsem_gate *g = arg;

	FSEM_STEP_("gate: held-1");
	atomic_fetch_sub_explicit(g->counter, g->held,
				  memory_order_relaxed); /* a count only */
}

FSEM_UNWOUND_ static int hold_sleep(const struct fsem_gate *g, int64_t c,
				    clockid_t clock,
				    const struct timespec *abs)
{
	volatile int ret = 0;

	pthread_cleanup_push(unhold, (void *)g);
	ret = fsem_sleep_cancelable(count_high(g->counter),
				    (uint32_t)((uint64_t)c >> 32), clock, abs,
				    false, FUTEX_BITSET_MATCH_ANY);
	pthread_cleanup_pop(1);
	return ret;
}

FSEM_UNWOUND_ int fsem_gate_hold(const struct fsem_gate *g, int64_t c,
				 clockid_t clock, const struct timespec *abs)
{
	bool counted = false;
	int err;

	/* G2: every sleep below expects a counter with the gate set, read
	 * last; so the clearing CAS changes its futex word, and the wake
	 * that follows that CAS finds it asleep or it finds the word
	 * changed. (An earlier loop left without this check once the count
	 * was full, and slept through a gate already opened: found by
	 * review, tests/test_gate.c.) */
	for (;;) {
		if (!fsem_gate_closed(g, c) || fsem_count_shut(c))
			return 0;	/* G2: try the step again */
		if (fsem_count_held(c, g->held) >= HELD_MAX())
			break;		/* full: held, but not counted */
		FSEM_STEP_("gate: CAS held+1");
		if (atomic_compare_exchange_weak_explicit(g->counter, &c,
				c + g->held, memory_order_relaxed,
				memory_order_relaxed)) { /* a count only */
			c += g->held;
			counted = true;
			break;
		}
	}
	FSEM_PROBE_(block, g->sem);
	if (counted)
		err = hold_sleep(g, c, clock, abs);
	else		/* the count is full: held, but not counted */
		err = fsem_sleep_cancelable(count_high(g->counter),
					    (uint32_t)((uint64_t)c >> 32),
					    clock, abs, false,
					    FUTEX_BITSET_MATCH_ANY);
	if (err == 0 || err == EAGAIN)
		return 0;	/* G2: read the marks again */
	FSEM_PROBE_FAIL_(g->sem, err);
	return err;		/* it holds nothing: it just leaves */
}

/* G5: a collector leaves; it took nothing and owes nothing. */
static void gate_leave(const struct fsem_gate *g)
{
	FSEM_STEP_("gate: leave, fetch_sub gate");
	atomic_fetch_sub_explicit(g->counter, g->gate,
				  memory_order_relaxed); /* an RMW: the
	 * release sequences of the steps before it go on through it */
	gate_open(g->counter);
}

static void gate_cleanup(void *arg)
{
	gate_leave(arg);
}

/* G3: the collector sleeps on the value until n fit; its gate is set. */
FSEM_UNWOUND_ static int collect(const struct fsem_gate *g, uint32_t n,
				 clockid_t clock, const struct timespec *abs)
{
	int64_t c = atomic_load_explicit(g->counter,
					 memory_order_relaxed); /* hint */
	int64_t v;
	int err;

	for (;;) {
		if (fsem_count_shut(c)) {
			err = gate_refused(g);	/* G6 */
			break;
		}
		v = fsem_count_of(c);
		if (room(g, v, n)) {
			annotate_release(g->counter);
			FSEM_STEP_("gate: collect, CAS value+-n and clear");
			if (!atomic_compare_exchange_weak_explicit(g->counter,
					&c, c + g->dir * (int64_t)n - g->gate,
					memory_order_acq_rel, /* (A) */
					memory_order_relaxed))
				continue;
			annotate_acquire(g->counter);
			pay_other(g, v, n);
			fsem_gate_notify(g->counter, c - g->gate);
			gate_open(g->counter);
			return 0;
		}
		FSEM_PROBE_(block, g->sem);
		err = fsem_sleep_cancelable(count_low(g->counter), (uint32_t)c,
					    clock, abs, false,
					    FUTEX_BITSET_MATCH_ANY);
		if (err != 0 && err != EAGAIN)
			break;	/* EINTR, ETIMEDOUT or a futex error */
		c = atomic_load_explicit(g->counter,
					 memory_order_relaxed); /* hint */
	}
	gate_leave(g);
	FSEM_PROBE_FAIL_(g->sem, err);
	return err;
}

FSEM_UNWOUND_ static int collect_cancelable(const struct fsem_gate *g,
					    uint32_t n, clockid_t clock,
					    const struct timespec *abs)
{
	volatile int ret = 0;

	pthread_cleanup_push(gate_cleanup, (void *)g);
	ret = collect(g, n, clock, abs);
	pthread_cleanup_pop(0);
	return ret;
}

FSEM_UNWOUND_ int fsem_gate_collect(const struct fsem_gate *g, uint32_t n,
				    clockid_t clock,
				    const struct timespec *abs)
{
	int64_t c = atomic_load_explicit(g->counter,
					 memory_order_relaxed); /* hint */
	int64_t v;
	int err;

	for (;;) {
		if (fsem_count_shut(c))		/* X2 */
			return gate_refused(g);
		if (fsem_gate_closed(g, c)) {	/* G2: another collector */
			err = fsem_gate_hold(g, c, clock, abs);
			if (err)
				return err;
			c = atomic_load_explicit(g->counter,
					memory_order_relaxed); /* hint */
			continue;
		}
		v = fsem_count_of(c);
		if (room(g, v, n)) {	/* G1: all n at once */
			annotate_release(g->counter);
			FSEM_STEP_("gate: CAS value+-n");
			if (!atomic_compare_exchange_weak_explicit(g->counter,
					&c, c + g->dir * (int64_t)n,
					memory_order_acq_rel, /* (A) */
					memory_order_relaxed))
				continue;
			annotate_acquire(g->counter);
			pay_other(g, v, n);
			fsem_gate_notify(g->counter, c);
			return 0;
		}
		FSEM_STEP_("gate: CAS set");
		if (atomic_compare_exchange_weak_explicit(g->counter, &c,
				c + g->gate, memory_order_relaxed,
				memory_order_relaxed)) /* takes nothing */
			break;
	}
	return collect_cancelable(g, n, clock, abs);
}
