/* SPDX-License-Identifier: MIT */
/*
 * shared.c - the barging protocol: the default of every semaphore, and
 * the only protocol of FSEM_SHARED ones (it was written for them first,
 * hence the name), on which no permit is lost when a process dies at any
 * instruction, even while it waits. FSEM_FIFO semaphores run the debt
 * protocol of handoff.c instead.
 *
 * Why not the debt protocol of handoff.c
 *
 *   There a blocked wait is a debt in the counter, made by the wait's own
 *   xadd and paid by a later post in two steps (counter, then token). A
 *   process killed while it waits can never withdraw its debt; and a timed
 *   wait whose debt a post has covered must wait for that post's second
 *   step (handoff.c, Limits). Here a waiter owns nothing in the semaphore
 *   but a registration, and a permit moves only by one CAS that keeps the
 *   value in range: no wait ever waits for another thread's step, and a
 *   dead process leaves at most a stale registration (a wake per later
 *   post, as glibc's sem_t) and no permit.
 *
 * Word layout (one 64-bit state word)
 *
 *   fsem_t (its state word, fsem.h's handoff_):
 *     bits  0..30 V, the value, 0..FSEM_VALUE_MAX;
 *     bit  31     S, shut down (S1), set with bit 63;
 *     bits 32..49 W, registered single waiters (a wait for one);
 *     bits 50..52 WB, registered weighted waiters (for more, Q1);
 *     bit  53     H, hand-off mode (P3);
 *     bit  54     HB, weighted hand-off mode (Q3);
 *     bits 55..61 k, wakes in flight to single waiters (P1, P2);
 *     bit  62     0; bit 63 S again (S1).
 *     The inline fast paths of fsem.h take from a word in [1,
 *     FSEM_VALUE_MAX] and post to one in [0, 2^30 - 1] (the library
 *     posts above): only while every field but V is 0. The first word
 *     of fsem_t holds FSEM_TRAP_ (shared.h), so that the inline xadd of
 *     builds before 0.3 always enters the library; that xadd is ignored.
 *   fsem_bounded_t, N permits (the acquire hand-off word):
 *     bits  0..24 G, given out, 0..N (N <= FSEM_BOUNDED_MAX = 2^25 - 1);
 *     bits 25..26 WB of the acquirers; bits 27..28 WB of the releasers;
 *     bits 29..30 0; bit 31 S, set with bit 63;
 *     bits 32..41 A, registered single acquirers (wait while G == N);
 *     bits 42..44 k of the acquirers; bit 45 H, bit 46 HB of them;
 *     bits 47..56 R, registered single releasers (wait while G == 0);
 *     bits 57..59 k of the releasers; bit 60 H, bit 61 HB of them;
 *     bit  62     0; bit 63 S again.
 *     Acquirers and releasers sleep on the same futex words with
 *     different bitsets, so a wake reaches only the kind it is meant for;
 *     single and weighted sleepers of a kind have different bitsets too.
 *     The counter and the release hand-off word stay 0.
 *   Futex words: single sleepers of a private semaphore wait on the high
 *   half (registrations, k, H, HB, S: P1); weighted ones on the low half
 *   (V or G, S: Q2), or on the high half while another's HB holds them
 *   back (Q3). On FSEM_SHARED semaphores, which keep k, H and HB at 0 (no
 *   policy, see Limits), every sleeper waits on the low half.
 *
 * Invariants
 *
 *   K1 (conservation) V (G) moves only by a successful CAS that keeps it
 *      within [0, hi] (hi = FSEM_VALUE_MAX, or N). A success is exactly
 *      one such CAS, so at every instant initial + posts = waits + V, and
 *      G = acquires - releases; a process that dies before its CAS has
 *      taken nothing, one that dies after it has finished.
 *   K2 (wake, FSEM_SHARED) A waiter sleeps only after registering, and
 *      only on futex_wait(low half == the value it last saw). A success of
 *      n steps (n > 1 for post_n and the _n calls) reads the other kind's
 *      registrations in the old value of its own CAS and wakes min(n,
 *      registered) of them. So either the giver sees the registration, or
 *      the registration came later in the word's modification order and
 *      the waiter's own read or futex_wait sees the new low half: no lost
 *      wake-up. Every woken waiter re-reads the word; one that finds no
 *      room (a barger took it) sleeps again, and the next success wakes
 *      again.
 *   K3 (leavers pass wakes on, FSEM_SHARED) Deregistration is an RMW; a
 *      waiter that leaves (timeout, EINTR, futex error, cancellation)
 *      while its kind could proceed and another of its kind is registered
 *      wakes one: a wake it absorbed (cancellation after the kernel woke
 *      it) is passed on. (P1 does this under the policy.)
 *   K4 (bounds) 0 <= G <= N and 0 <= V <= FSEM_VALUE_MAX: a CAS that would
 *      leave the range is not made (a post answers EOVERFLOW having changed
 *      nothing).
 *
 * Policy (private semaphores)
 *
 *   A running thread takes a free permit ahead of sleepers (barging), so a
 *   thread that releases and re-acquires does not sleep; a sleeper is woken
 *   only for room that no wake already in flight is for; and a sleeper
 *   passed over too long gets the next permit.
 *   P1 (k: wakes in flight) k counts wakes made for room of its kind and
 *      not yet used up. Every CAS that a registered waiter makes (its
 *      success, its deregistration, and the CAS it makes before it sleeps
 *      whenever k > 0 and its kind has no room) first takes one off k, if
 *      k > 0: it is awake, so it used up one counted wake, or none (one too
 *      many taken off only costs a spare wake later, never a lost one). A
 *      waiter that goes to sleep because only hand-off mode held it back
 *      (room is left, P3) takes nothing off: that wake is for a waiter
 *      that has slept; taking it lost a wake-up (P-B1, found by the spin
 *      model: the starving waiter and it both slept with a permit
 *      free). Its success or deregistration then raises k to min(room
 *      left, registered left) if that is more, and wakes the difference:
 *      a waiter that leaves, or takes one of several free steps, passes
 *      the rest on. k is 0 when nobody is registered; it saturates (a
 *      lower k only wakes more). Sleepers wait on the high half, so a
 *      waiter that read the word before a wake was counted does not
 *      sleep on the stale value: its futex wait fails, it re-reads, and
 *      takes the room or takes the wake off k before it sleeps. (On the
 *      low half a barger's take could restore the value
 *      the waiter read, and the waiter would sleep with the wake counted
 *      for it: found by tests/test_policy.c.)
 *   P2 (no wake for room already promised) A success wakes
 *      min(room after it, registered) - k of the other kind, if more than
 *      0, and adds them to k in its own CAS. While a woken waiter has not
 *      yet run, further successes wake nobody for the same room. A wake
 *      either reaches a sleeper in the kernel, which makes a CAS when it
 *      runs, or finds none there: then every registered waiter is awake,
 *      and each makes a CAS (P1) before it sleeps. So room is never left
 *      while every registered waiter sleeps and k claims a waker.
 *   P3 (starvation bound: hand-off mode) A registered waiter that has
 *      slept (returned from a futex wait at least once, EAGAIN included),
 *      finds no room and has waited longer than FSEM_STARVE_NS
 *      (FSEM_STARVE_MS, 1 ms) sets H of its kind in the CAS before it
 *      sleeps again, and is then "starving". While H is set, a thread that
 *      has not slept on the semaphore (a barger: the inline fast path,
 *      try-calls, a blocking call's first try and spin, a waiter that has
 *      registered but not yet slept) steps only if it leaves at least one
 *      step of room: the next permit goes to a waiter that has slept,
 *      which P2 wakes for it. A registered weighted waiter counts as one
 *      that has slept (it waits on the low half, where the end of H would
 *      not show: Q2). A starving waiter clears H in its success or
 *      deregistration (k is untouched: H changes only who may take); one
 *      that is passed over again sets it again. Each direction of the
 *      bounded semaphore has its own k and H.
 *   P4 (the turn: a running thread lets a sleeper go first) A blocking
 *      call for one step that finds more single waiters of its kind
 *      registered than k (so at least one that no wake is on its way to:
 *      a sleeper it passes over) counts toward its thread's turn: a
 *      thread-local count, reset whenever the thread goes to sleep on a
 *      semaphore. (k saturates: with more registered than k can count,
 *      every such call counts.) The FSEM_TURN-th such call (64) does not
 *      step, even with room there (unless its deadline has passed: a
 *      timed call past it takes a free permit, as glibc's does), if
 *      another single waiter is registered: it registers
 *      and makes one CAS that takes one wake off k (P1: it is awake) and
 *      raises k to min(room, the other registered single waiters), as
 *      settle_own does; then it wakes that many single sleepers, and at
 *      least one (an extra wake is not counted: a lower k only wakes
 *      more), and sleeps. It gives its turn up for at most FSEM_STARVE_NS
 *      (1 ms; or to its deadline, if sooner) from that CAS: a futex wait
 *      that returns EAGAIN (its word changed) makes it try again (CAS,
 *      wake, sleep) until then, and a sleep ends as any other or at that
 *      bound, which it takes for a wake. (Without the bound over the
 *      whole yield, two yielders whose CASes kept changing each other's
 *      futex word looped for ever: found by DRD in test_robust.) Once a
 *      futex wait returns 0, or the bound has passed, its turn is over:
 *      it is an ordinary registered waiter that has slept. So with more
 *      threads than CPUs running threads take turns with sleepers every
 *      FSEM_TURN calls instead of keeping the permits until they are
 *      preempted; sleepers come round in the order of the kernel's futex
 *      queue, at about two futex calls per FSEM_TURN operations. The bound
 *      is what keeps it from a lost wake-up: the room it leaves goes to
 *      the sleeper it woke, or to a registered waiter that is awake (its
 *      wake found nobody in the kernel), who steps or takes a wake off k
 *      before it sleeps (P1); but that one may be giving its turn up too,
 *      and two such each leave the room to the other. (A draft without
 *      the bound did that, and the CAS of the second left k, hence the
 *      futex word, as the first had read it: both slept with the room
 *      left, P-B2, found by the spin model.) With the bound a free permit
 *      waits at most 1 ms for a taker in that case, and any other caller
 *      takes it at once. Weighted calls and FSEM_SHARED semaphores (no
 *      policy) have no turn. (A turn counted on any registration fed
 *      itself: a thread that gave its turn up was registered while it
 *      slept, so every other call counted, and each gave its turn up in
 *      turn, though every waiter had a wake on its way. In the bench's
 *      bounded 4:4:8 workload, where threads that spin seldom sleep, that
 *      made 0.035 futex calls per operation; now 0.002 (with FSEM_TURN
 *      at 64; 0.0007 at 256), measured on an Intel Xeon guest; on the
 *      AMD EPYC guest of the later runs, 0.014-0.029.)
 *   P5 (spinning past sleepers) A blocking call that found no room may
 *      spin (handoff.c's adaptive budget) before it registers, taking
 *      room with the step of a barger (P3: never the room hand-off mode
 *      keeps). Under the policy it spins on while single waiters of its
 *      kind are registered, as any running thread may take a permit
 *      ahead of them: P1 leaves the counted wakes to the sleepers, and
 *      P3 bounds how long they are passed over. It stops once a weighted
 *      waiter of its kind is registered (Q3 is that one's bound; the
 *      spinner would only add to the requests for one), and without the
 *      policy once any waiter of its kind is (FSEM_SHARED semaphores have
 *      no bound). (Before P5 every spinner stopped at the first
 *      registration: with more threads than CPUs some were always
 *      registered, and each call slept, about 0.7 futex calls an
 *      operation in the bench's bounded 4:4:8 workload.)
 *
 * Weighted waits (fsem_wait_n, fsem_bounded_acquire_n, ..., n > 1)
 *
 *   A step of n is one CAS that moves V (G) by n if n steps of room are
 *   there (K1, K4), or nothing: never part of it.
 *   Q1 (registration) A weighted waiter registers in WB, not W: it is
 *      never counted in k and never woken by P2's wakes, which go to the
 *      single sleepers' bitset. WB is small (7 on an fsem_t, 3 per
 *      direction on a bounded semaphore); a weighted waiter that finds it
 *      full polls, yielding, as any waiter does whose counter is full.
 *   Q2 (wake) A weighted waiter sleeps on the low half, with its own
 *      bitset, when it found too little room: the same low half means the
 *      same V (G), so the same room, and S is in it (there is no ABA to
 *      fear: a value that comes back is room that is again too little).
 *      A success that leaves the weighted kind at least 2 steps of room
 *      while WB > 0 wakes every weighted sleeper of that kind on the low
 *      half after its CAS (those on the high half are held by HB, which
 *      a step of the other kind never ends: Q3 wakes them); each
 *      re-reads, takes if it fits, else sleeps again. So a weighted
 *      waiter that fits is never left asleep: the room it needs came by
 *      a success, whose CAS changed its futex word and whose wake
 *      reaches it if it already slept. The cost is a wake
 *      of every weighted sleeper per such success, while one is there.
 *   Q3 (starvation bound: weighted hand-off mode) A registered weighted
 *      waiter that has slept, finds too little room and has waited longer
 *      than FSEM_STARVE_NS sets HB of its kind in the CAS before it sleeps
 *      again, unless HB is set: it "holds" HB. While HB is set, nobody of
 *      that kind steps but its holder (plan_: bargers, single waiters,
 *      other weighted ones): released permits pile up until it fits, so a
 *      request for many is not starved by requests for one. P2 counts no
 *      wake for single waiters while HB is set (they could not step), and
 *      a single waiter that goes to sleep held back by HB takes one wake
 *      off k (it was used up; P1). A weighted waiter held back by HB
 *      sleeps on the high half: HB's end changes it. The holder clears HB
 *      in its success or deregistration, and then, by settle_own, wakes
 *      single sleepers for the room left (P1) and every weighted sleeper
 *      on both halves (Q2): the only wake of the high half's weighted
 *      sleepers besides a shutdown's.
 *
 * Shutdown (fsem_shutdown, fsem_bounded_shutdown)
 *
 *   S1 (stop) One CAS sets S; it is never cleared but by init. From then
 *      on every step of a kind that stops (waits; both bounded kinds) is
 *      planned as ECANCELED from the very word its CAS would replace: a
 *      barger, a spinner and a registered waiter each fail on the first
 *      word they read that holds S, a waiter never registers after it,
 *      and a registered one leaves as on a timeout (deregistration, K3 and
 *      P1 not applied, S2). fsem_t's posts still step (V keeps counting,
 *      K1), so no permit is lost or invented: a shutdown only makes waits
 *      fail. The same CAS sets, in each half of the word that sleepers
 *      may wait on, a bit that is 0 in every value that half had before,
 *      so that no sleeper's expected value can match it again: S is
 *      bits 31 and 63 on both types (the inline wait of fsem.h takes only
 *      from a word in [1, FSEM_VALUE_MAX], so it comes to the library).
 *      (Flipping a bit of k instead, as a first draft
 *      did, can restore a high half a sleeper read before k moved: a lost
 *      wake-up the spin model found, S-B1.)
 *   S2 (no policy after) Once S is set, k and H mean nothing: no step
 *      wakes anyone or settles k.
 *   S3 (everyone wakes) After its CAS the shutdown wakes every sleeper of
 *      both kinds (one FUTEX_WAKE per half, all bitsets; the low half
 *      alone without the policy, FSEM_SHARED, where nobody sleeps on the
 *      high one). A waiter that
 *      read the word before the CAS and sleeps after the wake finds its
 *      futex word changed (S1) and returns at once; one that reads it
 *      after sees S.
 *      A second shutdown finds S and does nothing: the first one's wake
 *      is enough. The CAS, a wake and nothing else: async-signal-safe,
 *      and no wait depends on the shutdown's progress (a waiter stopped
 *      anywhere holds no other thread back; a shutdown stopped between
 *      its CAS and its wake leaves sleepers asleep only until then).
 *   S4 (order) The shutdown's CAS is release, and every call that answers
 *      ECANCELED first loads the word again with acquire: that load reads
 *      the shutdown's CAS or a later change, and every change of the word
 *      is an RMW, so it is in the CAS's release sequence: a thread that
 *      gets ECANCELED sees what the shutdown's caller did before it, e.g. a
 *      "stopping" flag.
 *
 * Protocol
 *
 *   try (trywait, post, tryacquire/tryrelease, every success): CAS V (G)
 *     one step (n for post_n and the _n calls) while the step stays in
 *     range (and leaves one in hand-off mode, P3); then wake the other
 *     kind per P2 (K2 without policy). bounded.c makes the uncontended
 *     step itself: one CAS when the step has room, no single waiter of
 *     either kind and no weighted waiter of the other kind is registered,
 *     this kind is in neither hand-off mode (H, HB) and S is clear.
 *   wait / acquire / release: count the turn if more single waiters of
 *     this kind are registered than k (P4; its last call goes to the
 *     loop below without a try); try; spin (P5: handoff.c's adaptive
 *     budget); register (CAS W+1, or A/R+1; WB+1 when weighted); loop:
 *     own step (the try above, removing the registration in the same
 *     CAS and settling k, H and HB: P1, P3, Q3), else the CAS of
 *     P1/P3/Q3 if it changes anything, then futex_wait on its half (Word
 *     layout) with its bitset, re-reading after every return. On EINTR or
 *     ETIMEDOUT: deregister (P1; K3 without policy) and return it. On
 *     any other error but EAGAIN the futex call did not sleep and would
 *     not if repeated (a seccomp filter's ENOSYS or EPERM, EFAULT:
 *     futex.h): retrying would spin for ever, so leave as on a timeout
 *     and return that errno.
 *     A registration counter that is full (2^18 - 1 single waiters or 7
 *     weighted ones on an fsem_t; 1023 single or 3 weighted acquirers or
 *     releasers on one bounded semaphore) is not
 *     joined: the waiter polls, yielding the CPU, until it succeeds or its
 *     deadline passes.
 *   cancel: only the futex system call runs with asynchronous cancellation
 *     enabled; the cleanup handler deregisters as in P1 (K3). A waiter holds no
 *     permit while it sleeps, so there is nothing to give back.
 *   No step of a wait depends on another thread's progress: every CAS loop
 *     retries only because another CAS succeeded, and a timed, interrupted
 *     or cancelled wait leaves by one CAS whatever other threads are doing.
 *
 * Destruction safety: a success touches the semaphore in no way after its
 *   CAS except for FUTEX_WAKEs on its address; everything it needs (N,
 *   flags, the sides) is read before.
 *
 * Memory ordering: every successful step is acq_rel: it takes what earlier
 *   steps published and publishes to later ones (one modification order of
 *   one word). Registration, deregistration and the CAS before sleeping
 *   are relaxed: they publish no data, and wake decisions use values
 *   returned by RMWs of the same word. So is the CAS of a thread that
 *   gives its turn up (P4), and the turn count is the thread's own.
 *
 * Limits: FSEM_SHARED semaphores have no policy (k and H stay 0: they
 *   barge as glibc's sem_t does, with a wake per step that finds a
 *   registered waiter): a process killed while it was counted in k, or
 *   while it held H, would stop the wakes, or hold the last permit back,
 *   of every other process for good. For them: a process killed after its
 *   CAS and before its FUTEX_WAKE (post_n: up to n), after the kernel woke
 *   it and before its CAS, or in leave() between its deregistration and
 *   the wake it passes on, takes those wakes with it: that many sleepers
 *   may stay asleep while permits are free and counted (getvalue, trywait
 *   and any new caller see and take them); each later success still wakes
 *   one sleeper for its own permit. glibc's sem_t behaves the same. A
 *   stale registration makes destroy answer EBUSY; fsem_init() may
 *   re-initialise. In hand-off mode trywait (tryacquire, tryrelease) fails
 *   while exactly one step of room is left, although getvalue counts it:
 *   that permit is promised to a waiter that has waited more than 1 ms. A
 *   FUTEX_WAKE that fails is ignored, as in handoff.c: a wake that a
 *   seccomp filter refuses to the giver's thread is lost in the same way,
 *   until later successes wake its sleepers; a futex wait refused with
 *   EAGAIN spins, as there. The turn (P4) counts a thread's calls on
 *   every private semaphore together, and only while it finds sleepers
 *   that no wake is on its way to:
 *   a call that gives the turn up sleeps (up to 1 ms) while a permit may
 *   be free, left to the thread it woke, so a timed call may then return
 *   ETIMEDOUT, and it is a cancellation point as any blocking call. A
 *   signal handler that runs in that sleep does not make an untimed call
 *   fail with EINTR (the bounded futex wait would report EINTR even under
 *   SA_RESTART): the call goes on, as when a handler runs just before a
 *   call blocks; a timed call fails with EINTR, as it always does.
 */
#include "shared.h"
#include "futex.h"
#include "handoff.h"
#include "probe.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Wake @n single sleepers of kind @k, and every weighted one if @bcast:
 * on the low half, and on the high half too if @hb_ended (Q3: only the
 * end of HB lets a weighted sleeper there go on).
 */
static void wake_kind(_Atomic uint64_t *word, const struct fsem_side *sd,
		      const struct fsem_kind *k, uint32_t n, bool bcast,
		      bool hb_ended)
{
	if (n)
		fsem_shared_wake_single_(word, sd, k, n);
	if (bcast) {	/* Q2: on the low half, and the high (Q3) */
		FSEM_PROBE_(wake_all, FSEM_PROBE_SEM_(word));
		fsem_futex_wake_bits(fsem_futex_low_half(word), INT_MAX,
				     sd->pshared, k->bigbits);
		if (hb_ended)
			fsem_futex_wake_bits(fsem_futex_high_half(word),
					     INT_MAX, sd->pshared, k->bigbits);
	}
}

/*
 * K2, Q2: wake sleepers of the other kind, every weighted one among them
 * (fsem_shared_wake_other_ in shared.h wakes single ones inline). A step
 * never ends the other kind's HB, so its weighted sleepers on the high
 * half stay held: the low half only.
 */
void fsem_shared_wake_(_Atomic uint64_t *word, const struct fsem_side *sd,
		       uint32_t n, bool bcast)
{
	wake_kind(word, sd, &sd->other, n, bcast, false);
}

static inline uint32_t val(const struct fsem_side *sd, uint64_t w)
{
	return (uint32_t)w & sd->vmask;
}

static inline bool room(const struct fsem_side *sd, uint32_t v, uint32_t n)
{
	return fsem_shared_room_(sd, v, n);
}

uint32_t fsem_shared_waiters(_Atomic uint64_t *word,
			     const struct fsem_side *sd)
{
	uint64_t w = atomic_load_explicit(word, memory_order_relaxed); /* hint */

	return fsem_field_(w, sd->self.shift, sd->self.mask) +
	       fsem_field_(w, sd->self.bshift, sd->self.bmask);
}

/*
 * A waiter: its word, its kind, how many steps it asks for, its
 * registration (0: none), its policy.
 */
struct waiter {
	_Atomic uint64_t *word;
	const struct fsem_side *sd;
	uint32_t n;
	bool weighted;	/* n > 1: registered in WB, woken by Q2 */
	uint64_t unit;
	bool starving;	/* it turned H on (P3), or HB and H (Q3) */
	bool yielding;	/* it gives its turn up until woken (P4) */
};

/*
 * P4: how many calls for one step this thread has made, since it last
 * went to sleep on a semaphore, that found more single waiters of their
 * kind registered than wakes on their way to them (k), on a private
 * semaphore.
 */
static _Thread_local uint32_t turn;

/* How many of this kind could step from V (G) = @v. */
static inline uint32_t own_room(const struct fsem_side *sd, uint32_t v)
{
	return sd->up ? sd->hi - v : v;
}

/*
 * P1/P3/Q3: this kind's policy fields in @x, the word after a registered
 * waiter's last step (a success or its deregistration). A single waiter
 * was awake, so it used up one wake in flight, if any was counted (a
 * weighted one is never counted in k). Then enough single sleepers are
 * woken that every unit of room this kind has left, up to the registered
 * ones, has one on its way, unless another weighted waiter holds HB (it
 * gets the room; the end of its HB wakes them). A starving waiter ends
 * its hand-off mode; the end of HB wakes every weighted sleeper too (Q3).
 * Without the policy (FSEM_SHARED), or after shutdown (S2), nothing
 * changes: K3 wakes instead. Sets *@wake and *@bcast, what to wake of
 * this kind after the CAS.
 */
static uint64_t settle_own(const struct waiter *me, uint64_t x,
			   uint32_t *wake, bool *bcast)
{
	const struct fsem_kind *sk = &me->sd->self;
	uint32_t k, need, left, r;
	bool ended = false;

	*wake = 0;
	*bcast = false;
	if (!sk->kmask || (x & me->sd->shut))	/* S2: no policy after */
		return x;
	if (me->starving && me->weighted) {
		x &= ~sk->bighand;	/* Q3 */
		ended = true;
	} else if (me->starving) {
		x &= ~sk->handoff;	/* P3 */
	}
	k = fsem_field_(x, sk->kshift, sk->kmask);
	if (k && !me->weighted)
		k--;
	left = fsem_field_(x, sk->shift, sk->mask);
	r = own_room(me->sd, val(me->sd, x));
	need = (x & sk->bighand) ? 0 : r < left ? r : left;
	if (need > k) {
		*wake = need - k;
		k = need < sk->kmask ? need : sk->kmask;
	}
	x = fsem_set_field_(x, sk->kshift, sk->kmask, left ? k : 0);
	/* Q3: the end of HB lets weighted sleepers through: wake them */
	if (ended && me->weighted && fsem_field_(x, sk->bshift, sk->bmask))
		*bcast = true;
	return x;
}

/*
 * One spin step: take if there is room and a barger may; stop once a
 * weighted waiter of this kind is registered, or without the policy any
 * waiter of this kind (P5). A bounded step may let the other kind through
 * (its other kind has waiters), and a thread let through may destroy the
 * semaphore: then the spin budget must not be written after it (found by
 * the model, tests/model/shared.pml).
 */
static int poll_room(void *arg)
{
	struct waiter *me = arg;
	const struct fsem_kind *sk = &me->sd->self;
	uint64_t w = atomic_load_explicit(me->word,
					  memory_order_relaxed); /* hint */
	int err;

	if ((!sk->kmask && fsem_field_(w, sk->shift, sk->mask)) ||
	    fsem_field_(w, sk->bshift, sk->bmask))
		return FSEM_SPIN_STOP;	/* P5 */
	err = fsem_shared_step_(me->word, me->sd, &w, me->n);
	if (err)	/* no room: spin on; shut down: the loop answers (S1) */
		return err == EAGAIN ? FSEM_SPIN_AGAIN : FSEM_SPIN_STOP;
	return me->sd->other.mask ? FSEM_SPIN_HANDED : FSEM_SPIN_TOOK;
}

/* Deregister (K3, P1, Q1): pass on a wake this waiter may have absorbed. */
static void leave(struct waiter *me)
{
	const struct fsem_side *sd = me->sd;
	uint64_t w, x;
	uint32_t wake;
	bool bcast;

	if (me->unit == 0)
		return;
	w = atomic_load_explicit(me->word, memory_order_relaxed); /* hint */
	do {
		x = settle_own(me, w - me->unit, &wake, &bcast);
		if (!sd->self.kmask && !me->weighted && !(x & sd->shut))
			wake = room(sd, val(sd, x), 1) &&	/* K3; S2 */
			       fsem_field_(x, sd->self.shift,
					   sd->self.mask) != 0;
		FSEM_STEP_("leave: CAS waiters-1");
	} while (!atomic_compare_exchange_weak_explicit(me->word, &w, x,
			memory_order_relaxed, /* publishes nothing; K3 and
			 * P1 decide on the word it replaced */
			memory_order_relaxed));
	me->unit = 0;
	me->starving = false;
	wake_kind(me->word, sd, &sd->self, wake, bcast, bcast);	/* Q3 */
}

static void cancel_cleanup(void *arg)
{
	leave(arg);
}

/* Whether the deadline @abs (NULL: none) has passed on @clock. */
static bool passed(clockid_t clock, const struct timespec *abs)
{
	struct timespec now;

	if (!abs)
		return false;
	clock_gettime(clock, &now);
	return now.tv_sec > abs->tv_sec || (now.tv_sec == abs->tv_sec &&
					    now.tv_nsec >= abs->tv_nsec);
}

/* Unregistered (the counter is full): yield once, honouring the deadline. */
static int poll_once(clockid_t clock, const struct timespec *abs)
{
	pthread_testcancel();
	if (passed(clock, abs))
		return ETIMEDOUT;
	sched_yield();
	return 0;
}

/*
 * A registered waiter's own step (K1): as a barger's, but it removes the
 * registration in the same CAS, may pass hand-off mode once it has slept
 * (P3) and weighted hand-off mode if it set it (Q3), and settles its
 * kind's policy bits (P1, Q1). 1: done; 0: the CAS lost (w refreshed);
 * -1: no room for it; -ECANCELED: shut down (S1).
 */
static int own_step(struct waiter *me, uint64_t *w, bool slept)
{
	const struct fsem_side *sd = me->sd;
	struct fsem_plan_ p;
	uint32_t wake = 0;
	bool bcast = false;
	unsigned int pass = ((slept || me->weighted) && me->unit ?
			     FSEM_PASS_H_ : 0) |	/* P3, Q3 */
			    (me->starving && me->weighted ? FSEM_PASS_HB_ : 0);
	int err = fsem_shared_plan_(sd, *w, me->n, me->unit, pass, &p);

	if (err)
		return err == EAGAIN ? -1 : -err;
	if (me->unit)
		p.w = settle_own(me, p.w, &wake, &bcast);
	annotate_release(me->word);
	FSEM_STEP_("take: CAS value, waiters-1");
	if (!atomic_compare_exchange_weak_explicit(me->word, w, p.w,
			memory_order_acq_rel, /* K1, hand-over */
			memory_order_relaxed))
		return 0;
	FSEM_STEP_("take: handed over");
	annotate_acquire(me->word);
	me->unit = 0;
	if (p.wake || p.bcast)
		fsem_shared_wake_other_(me->word, sd, p.wake,
					p.bcast); /* K2, Q2 */
	if (wake || bcast)
		wake_kind(me->word, sd, &sd->self, wake, bcast,
			  bcast); /* P1, Q3 */
	return 1;
}

/*
 * P1, P3, Q3: the CAS before sleeping, from @w; the word itself if
 * nothing changes. A single waiter takes one wake off k and may turn H
 * on; a weighted one may turn HB on.
 */
static uint64_t before_sleep(const struct waiter *me, uint64_t w, bool slept,
			     uint64_t since)
{
	const struct fsem_kind *sk = &me->sd->self;
	bool passed_over = slept && (me->starving ||
				     now_ns() - since > FSEM_STARVE_NS);
	uint64_t x = w;
	uint32_t k;

	if (!me->unit || !sk->kmask)
		return w;
	if (me->weighted) {
		if (!(w & sk->bighand) && passed_over)
			x |= sk->bighand;	/* Q3: passed over */
		return x;
	}
	/* P1: awake, about to sleep with no room: it used up one wake in
	 * flight, if any was counted. Not if only hand-off mode held it
	 * back (room is left): the wake is for a waiter that has slept (P3;
	 * a lost wake-up the spin model found, P-B1). HB holds back every
	 * single waiter, and no wake is counted while it is set (Q3): the
	 * wake was used up */
	k = fsem_field_(w, sk->kshift, sk->kmask);
	if (k && (!room(me->sd, val(me->sd, w), 1) || (w & sk->bighand)))
		x = fsem_set_field_(x, sk->kshift, sk->kmask, k - 1);
	if (!(w & sk->handoff) && passed_over)
		x |= sk->handoff;	/* P3: passed over */
	return x;
}

/*
 * P4: the CAS of a registered thread that gives its turn up, from @w (the
 * word itself if nothing changes), or false if nobody else is registered
 * (there is nobody to give the turn to: it steps as any waiter). Like
 * every registered waiter's CAS, it first takes one wake off k, if any
 * (P1: it is awake). Then, as settle_own does, every unit of room, up to
 * the other registered single waiters, gets a wake in flight (none while
 * HB holds them back, Q3), and at least one sleeper is woken (an extra
 * wake, not counted in k: a lower k only wakes more). Sets *@x and
 * *@wake, the sleepers to wake after the CAS; then it sleeps for at most
 * FSEM_STARVE_NS (yield_deadline).
 */
static bool yield_turn(const struct waiter *me, uint64_t w, uint64_t *x,
		       uint32_t *wake)
{
	const struct fsem_kind *sk = &me->sd->self;
	uint32_t k = fsem_field_(w, sk->kshift, sk->kmask);
	uint32_t others = fsem_field_(w, sk->shift, sk->mask) - 1;
	uint32_t r = own_room(me->sd, val(me->sd, w));
	uint32_t need = (w & sk->bighand) ? 0 : r < others ? r : others;

	if (!others)
		return false;
	if (k)
		k--;
	*wake = 1;
	if (need > k) {
		*wake = need - k;
		k = need < sk->kmask ? need : sk->kmask;
	}
	*x = fsem_set_field_(w, sk->kshift, sk->kmask, k);
	return true;
}

/*
 * P4: the deadline of a sleep that gives the turn up: FSEM_STARVE_NS from
 * now, or the caller's deadline @abs on @clock if that is sooner.
 */
static void yield_deadline(clockid_t clock, const struct timespec *abs,
			   clockid_t *yclock, struct timespec *yabs)
{
	*yclock = abs ? clock : CLOCK_MONOTONIC;
	clock_gettime(*yclock, yabs);
	yabs->tv_nsec += FSEM_STARVE_NS;
	if (yabs->tv_nsec >= 1000000000) {
		yabs->tv_nsec -= 1000000000;
		yabs->tv_sec++;
	}
	if (abs && (abs->tv_sec < yabs->tv_sec ||
		    (abs->tv_sec == yabs->tv_sec &&
		     abs->tv_nsec < yabs->tv_nsec)))
		*yabs = *abs;
}

FSEM_UNWOUND_ static int sleep_loop(struct waiter *me, clockid_t clock,
				   const struct timespec *abs)
{
	const struct fsem_side *sd = me->sd;
	const struct fsem_kind *sk = &sd->self;
	unsigned int shift = me->weighted ? sk->bshift : sk->shift;
	uint32_t mask = me->weighted ? sk->bmask : sk->mask;
	uint64_t unit = (uint64_t)1 << shift;
	uint64_t w = atomic_load_explicit(me->word,
					  memory_order_relaxed); /* hint */
	uint64_t since = sk->kmask ? now_ns() : 0, x;
	struct timespec yabs;
	clockid_t yclock = CLOCK_MONOTONIC;
	uint32_t wake;
	bool yset = false;
	bool slept = false, high;
	int err, r;

	while (fsem_field_(w, shift, mask) != mask) {
		if (w & sd->shut)
			return fsem_shared_cancelled_(me->word); /* S1: never
						 * registers after it */
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
		wake = 0;
		/* P4: the bound holds for the whole yield, whatever its futex
		 * waits return (EAGAIN loops between two yielders whose CASes
		 * change each other's futex word: found by DRD) */
		if (me->yielding && !yset) {
			yield_deadline(clock, abs, &yclock, &yabs);
			yset = true;
		} else if (me->yielding && passed(yclock, &yabs)) {
			me->yielding = false;
		}
		if (me->yielding && me->unit && !(w & sd->shut)) {
			if (yield_turn(me, w, &x, &wake))
				goto settle;	/* P4: no step */
			me->yielding = false;
		}
		r = own_step(me, &w, slept);
		if (r > 0)
			return 0;
		if (r == 0)
			continue;
		if (r == -ECANCELED) {	/* S1: leave, as on a timeout */
			leave(me);
			return fsem_shared_cancelled_(me->word);
		}
		x = before_sleep(me, w, slept, since);
settle:
		if (x != w) {
			FSEM_STEP_("settle: CAS policy fields");
			if (!atomic_compare_exchange_weak_explicit(me->word,
					&w, x, memory_order_relaxed,
					memory_order_relaxed))
				continue;
			if ((x & ~w) & (me->weighted ? sk->bighand :
							 sk->handoff))
				me->starving = true;
			FSEM_PROBE_STARVE_(x & ~w & (sk->handoff |
						     sk->bighand), me->word);
			w = x;
		}
		/* P4: the wakes for the room it leaves; then it sleeps, for at
		 * most its bound */
		if (wake)
			wake_kind(me->word, sd, sk, wake, false, false);
		FSEM_PROBE_IF_(me->unit, block, FSEM_PROBE_SEM_(me->word));
		turn = 0;	/* P4: it sleeps */
		high = me->weighted ? (w & sk->bighand) && !me->starving :
				      sk->kmask != 0;	/* P1, Q2, Q3 */
		err = me->unit ? fsem_sleep_cancelable(fsem_shared_half_(high,
								   me->word),
						       high ? (uint32_t)(w >> 32) :
							      (uint32_t)w,
						       me->yielding ? yclock : clock,
						       me->yielding ? &yabs : abs,
						       sd->pshared,
						       me->weighted ? sk->bigbits :
								      sk->bits) :
				 poll_once(clock, abs);
		slept = true;
		/* P4: its bound, not the caller's deadline; and a signal
		 * handler that ran in a sleep of an untimed call that was
		 * only giving its turn up does not interrupt it: as one that
		 * ran just before it would block (a timed futex wait reports
		 * EINTR even under SA_RESTART) */
		if (me->yielding && ((err == ETIMEDOUT && !passed(clock, abs)) ||
				     (err == EINTR && !abs)))
			err = 0;
		if (err == 0)
			me->yielding = false;	/* P4: woken, its turn is over */
		/* EINTR, ETIMEDOUT or a futex error (Protocol): leave */
		if (err != 0 && err != EAGAIN) {
			FSEM_PROBE_FAIL_(FSEM_PROBE_SEM_(me->word), err);
			leave(me);
			return err;
		}
		w = atomic_load_explicit(me->word,
					 memory_order_relaxed); /* hint */
	}
}

/*
 * P4: a call for one step that found more single waiters of its kind
 * registered than k: a step, or a sleep; after FSEM_TURN such calls
 * without a sleep, a sleep that gives the turn up (unless the deadline has
 * passed: then the permit is taken if free, as glibc's sem_timedwait
 * does).
 */
FSEM_UNWOUND_
int fsem_shared_contended_(_Atomic uint64_t *word, const struct fsem_side *sd,
			   _Atomic uint32_t *spin, clockid_t clock,
			   const struct timespec *abs)
{
	struct waiter me = { .word = word, .sd = sd, .n = 1,
			     .weighted = false, .unit = 0, .yielding = true };
	volatile int ret = 0;
	int err;

	if (++turn < FSEM_TURN || passed(clock, abs)) {
		err = fsem_shared_try(word, sd, 1);
		if (err != EAGAIN)
			return err;
		return fsem_shared_sleep_(word, sd, 1, spin, clock, abs);
	}
	FSEM_PROBE_(yield, FSEM_PROBE_SEM_(word));
	pthread_cleanup_push(cancel_cleanup, &me);
	ret = sleep_loop(&me, clock, abs);
	pthread_cleanup_pop(0);
	return ret;
}

FSEM_UNWOUND_
int fsem_shared_sleep_(_Atomic uint64_t *word, const struct fsem_side *sd,
		       uint32_t n, _Atomic uint32_t *spin, clockid_t clock,
		       const struct timespec *abs)
{
	struct waiter me = { .word = word, .sd = sd, .n = n,
			     .weighted = n > 1, .unit = 0 };
	volatile int ret = 0;

	if (spin && fsem_spin(spin, sd->other.mask != 0, poll_room, &me,
			      FSEM_PROBE_SEM_(word)))
		return 0;
	pthread_cleanup_push(cancel_cleanup, &me);
	ret = sleep_loop(&me, clock, abs);
	pthread_cleanup_pop(0);
	return ret;
}

void fsem_shared_shutdown_(_Atomic uint64_t *word, const struct fsem_side *sd,
			   uint64_t set)
{
	uint64_t w = atomic_load_explicit(word, memory_order_relaxed); /* hint */

	do {
		if (w & sd->shut)
			return;	/* S3: the first shutdown woke every sleeper */
		FSEM_STEP_("shutdown: CAS S");
	} while (!atomic_compare_exchange_weak_explicit(word, &w,
			w | set, memory_order_release, /* S4: what
			 * the caller did before is seen by every ECANCELED */
			memory_order_relaxed));
	FSEM_PROBE_SHUTDOWN_(FSEM_PROBE_SEM_(word));
	/* S3: every sleeper of both kinds, on both halves (single ones of a
	 * private semaphore sleep on the high one, the others on the low
	 * one); each half changed in the CAS. Without the policy nobody
	 * sleeps on the high half (Word layout): no wake there */
	fsem_futex_wake_bits(fsem_futex_low_half(word), INT_MAX, sd->pshared,
			     FUTEX_BITSET_MATCH_ANY);
	if (sd->self.kmask || sd->other.kmask)
		fsem_futex_wake_bits(fsem_futex_high_half(word), INT_MAX,
				     sd->pshared, FUTEX_BITSET_MATCH_ANY);
}
