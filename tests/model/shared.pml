/*
 * shared.pml - Promela model of src/shared.c: the barging protocol (one
 * CAS per permit, registered waiters, futex wait/wake with bitsets), the
 * futex, and process death; of FSEM_SHARED semaphores (no policy: k and H
 * stay 0, the futex is the low half, processes may die) and, with
 * -DPOLICY, of private ones (the policy P1-P3 of shared.c: per kind k,
 * the wakes in flight, and H, hand-off mode; the futex is the high half).
 *
 * Included by shared_fsem.pml (fsem_t) and shared_bounded.pml
 * (fsem_bounded_t), which define before the include:
 *   NT            number of threads (3; up to 4)
 *   KILLS         (optional) processes that may die, at any step
 * and, anywhere in the file (macros are expanded where they are used):
 *   STEPPED()     ghost bookkeeping of a successful step (the one CAS that
 *                 moves the low half), in the same atomic block as the CAS
 *   ROOMK(k)      how many of kind k the low half lets through now
 *
 * The 64-bit state word is modelled as its fields: lo (bits 0..31, the
 * futex word: V of fsem_t, G of fsem_bounded_t) and reg[k] (the waiter
 * fields: fsem_t W = reg[0]; bounded A = reg[0], R = reg[1]). A thread's
 * copy w of the word is (wl, w0, w1). Every C atomic (CAS, fetch_sub,
 * relaxed load) is one atomic { } block; a CAS compares the whole word, and
 * on failure refreshes w (atomic_compare_exchange_weak); its spurious
 * failures repeat a step with the same w and add no state. Local computation
 * is folded into the neighbouring block. Memory is sequentially consistent.
 *
 * A side (struct fsem_side, shared.h) is the thread's locals up, hi, kd
 * (this kind: field reg[kd], futex bitset 1 << kd) and ok (the kind a
 * success lets through, NOKIND when omask == 0). sn is the step (n).
 *
 * Thread-local variables used here, declared in the including proctype:
 *   me, wl, w0, w1, up, hi, kd, ok, sn, unit, stepped, wk, err, rounds, ho,
 *   and for the policy: wq0, wq1, wh0, wh1 (k and H of kinds 0, 1 in w),
 *   pk (the side has its own policy: side->kmask != 0; a post side of
 *   fsem_t has not), wn (P1 wakes of the own kind), kt, kh, kn (scratch),
 *   slept, starving (struct waiter and sleep_loop's slept, shared.c)
 *
 * The policy (-DPOLICY): the word also holds kk[k] (k of kind k) and hh[k]
 * (H of kind k); a CAS compares them too. The futex word of a side with the
 * policy is the high half: W and k of fsem_t (its H is bit 31, in the low
 * half), or A, kA, HA, R, kR, HR of fsem_bounded_t (H_HIGH 1, set by
 * shared_bounded.pml). The bound of P3 (FSEM_STARVE_NS, 1 ms) is a
 * nondeterministic choice at every CAS before sleeping of a waiter that
 * has slept (an over-approximation: time could only make it true for
 * good). Private semaphores have no process deaths (KILLS 0).
 *
 * Switches (spin -D...):
 *   CFG_<name>            configuration (shared_fsem.pml, shared_bounded.pml)
 *   ENV_EVENTS            timeouts, cancels, spurious wake-ups from the Env
 *                         process (liveness runs; set by LIVE configurations)
 *   OBSERVABLE_ONLY       the monitor checks only what callers can see
 *   STRICT_END            at a global deadlock, no live sleeper may starve
 *                         even after a death in a wake window (the Limits
 *                         paragraph of shared.c says this does not hold)
 *   CHECK_SPIN_STORE      destruction safety includes fsem_spin's budget
 *                         store after a successful poll (handoff.c
 *                         fsem_spin, "spin: store budget")
 *   NEG_WAKE_BEFORE_CAS   control (a): wake decision from the caller's load
 *   NEG_WAKE_ONE          control (a'): a success of n wakes only one
 *   NEG_NO_RECHECK        control (b1): a woken waiter assumes success
 *   NEG_NO_REREAD         control (b2): a woken waiter does not re-read
 *   NEG_NO_DEREG          control (c1): leave() does not deregister
 *   NEG_NO_PASS_ON        control (c2): leave() passes no wake on
 *   NEG_HB_END_LOW        control (w-f): the end of HB wakes weighted
 *                         sleepers on the low half only
 *   NEG_SPIN_STORE        control: a bounded spin stores its budget after
 *                         a hand-over (the bug S1 the model found, fixed)
 *   FUTEX_FAILS           any futex wait may fail without sleeping (a
 *                         seccomp filter's ENOSYS or EPERM: futex.h)
 *   FUTEX_BROKEN          every futex wait fails so (ltl calls_return)
 *   NEG_FUTEX_RETRY       control (e): a failed futex wait is taken for
 *                         EAGAIN, re-read and retried (the old futex.h)
 *   NOSPIN                no spinning (liveness runs: a spinner never
 *                         sleeps, and safety runs cover its steps)
 *   SPIN_MAX, MAXSPUR     poll_room rounds (2), spurious wake-ups per run (1;
 *                         0 in liveness runs, where one can only help)
 *   RMASK                 a full registration field (C: 2^32-1, 2^16-1)
 *   POLICY                private semaphores: k and H per kind (P1-P5)
 *   NOYIELD               P4: no call gives its turn up (where the state
 *                         space is too large with P4, which another run
 *                         of a smaller configuration then covers)
 *   KMASK                 k saturates here (C: 127, 7); default 7
 *   STOPS                 up to STOPS threads not in a timed call stop for
 *                         good before any step (preempted, never run again;
 *                         with its registration and any wake counted for
 *                         it); the timed call must still return
 *   NEG_SETTLE_NO_KDEC    control (p-a): the CAS before sleeping does not
 *                         take one off k (it only sets H)
 *   NEG_FUTEX_LOW         control (p-b): the policy's futex on the low half
 *                         (the draft of shared.c)
 *   NEG_BARGE_IGNORES_H   control (p-c): bargers ignore H (room for n, not
 *                         n + 1)
 *   NEG_H_STAYS           control (p-d1): a starving waiter's success or
 *                         deregistration does not clear H
 *   NEG_H_EXIT_RESET      control (p-d2): ending hand-off mode restarts k
 *                         from 0 and wakes nobody (no P1 at the switch)
 *   VAR_H_RESET_K         variant that must pass: entering and ending
 *                         hand-off mode reset k to 0 (a lower k only wakes
 *                         more)
 *   NEG_LEAVE_WAITS       control (p-e): leave() waits until k == 0 before
 *                         its CAS (a wait on another thread's step)
 *   NEG_H_SETTLE_KDEC     control (P-B1, the C before its fix): the CAS
 *                         before sleeping takes one off k also when only H
 *                         holds the step back (room is left)
 *   SHUTDOWN              configurations with fsem_shutdown /
 *                         fsem_bounded_shutdown (S1-S4 of shared.c): the
 *                         word's S bit (ss), the shutdown's CAS and its
 *                         FUTEX_WAKE of every sleeper; set by the SHUT*
 *                         configurations, which define SHUT_BITS() (what
 *                         the CAS sets besides S), S_HIGH (S is in the high
 *                         half) and S_BOTH (S is in both halves)
 *   NEG_SHUT_NO_WAKE      control (s-a): the shutdown makes its CAS and no
 *                         FUTEX_WAKE
 *   NEG_SHUT_FLIP         control (s-b1, S-B1, shared_bounded.pml): the
 *                         first draft: the bounded shutdown sets S in the
 *                         low half only and flips bit 0 of the acquirers'
 *                         k, which can restore a high half a private
 *                         sleeper read before k moved
 *   NEG_SHUT_LOW_ONLY     control (s-b2, shared_bounded.pml): the bounded
 *                         shutdown sets S in the low half only: the high
 *                         half, the futex word of private sleepers, does
 *                         not change
 *   VAR_REG_AFTER_S       variant that must pass (s-c1): the registration loop of
 *                         sleep_loop has no S check (registers after S)
 *   NEG_PLAN_IGNORES_S    control (s-c2): fsem_shared_plan_ ignores S:
 *                         waits step after shutdown when there is room
 *   NEG_TURN_UNBOUNDED    control (t-a, P-B2: the draft of P4 the model
 *                         rejected): a thread giving its turn up sleeps
 *                         without a bound; two that yield at once each
 *                         leave the room to the other, and both sleep
 *
 * P5 (-DPOLICY): a spinner stops for a registered weighted waiter of its
 * kind only, not for single ones (without the policy: for either).
 *
 * P4 (the turn, -DPOLICY): a blocking call for one step that finds more
 * single waiters of its kind registered than k may give its turn up (the
 * C does so after FSEM_TURN such calls in a row without sleeping; here
 * any of them may, nondeterministically): it registers without trying to
 * step, makes the CAS of yield_turn, wakes at least one sleeper and
 * sleeps for at most its bound (byl: the bound may expire at any time,
 * and the sleeper then goes on as if woken; K2 and the end checks do not
 * count it among the sleepers), and is an ordinary registered waiter once
 * a futex wait returns 0, or once the bound has passed, which it checks
 * before each new try (its futex waits may return EAGAIN again and
 * again).
 */

/* futex and sleep_once results (futex.h top comment: fsem_futex_wait) */
#define OK		0
#define EAGAIN		1
#define ETIMEDOUT	2	/* also stands for EINTR: same path in C */
#define ECANCELED	3
#define EFUTEX		4	/* any other errno: the call did not sleep */
#define ESHUT		5	/* ECANCELED of a shutdown (S1): the call returns
				 * it; ECANCELED above is pthread cancellation */

/* interrupt kind of the blocking operation a thread is in */
#define IK_NONE		0	/* never interrupted */
#define IK_TMO		1	/* timed: deadline (or a signal: EINTR) */
#define IK_CANCEL	2	/* cancellation request (pthread_cancel) */

#define NOKIND		2	/* side.omask == 0: lets no other kind through */

#ifndef SPIN_MAX
#define SPIN_MAX	2	/* poll_room rounds before the budget is spent */
#endif
#ifndef MAXSPUR
#define MAXSPUR		1	/* spurious wake-ups in a whole run */
#endif
#ifndef RMASK
#define RMASK		7	/* a registration field that is full */
#endif
#ifndef KILLS
#define KILLS		0
#endif
#ifndef STOPS
#define STOPS		0
#endif
#ifndef KMASK
#define KMASK		7	/* k saturates (FSEM_KW_MASK_ 127, FSEM_K_AR_MASK_ 7) */
#endif
/* H, HB and k are in the high half on both types (fsem_t's H moved from
 * bit 31 to bit 53: Word layout of shared.c); WB is in the high half of
 * fsem_t (bits 50..52) and in the low half of fsem_bounded_t (bits 25..28):
 * WB_HIGH, set by the including file */
#ifndef WB_HIGH
#define WB_HIGH		0
#endif
#ifdef POLICY
#define POL		1
#if KILLS > 0
#error "POLICY is for private semaphores: no deaths (shared.c, Limits)"
#endif
#else
#define POL		0
#endif

#define MIN(a, b)	((a) < (b) -> (a) : (b))

/* ---- the state word (shared.c, Word layout) ------------------------ */
#ifndef LO0
#define LO0		0	/* the low half at the start */
#endif
short lo = LO0;		/* low half: V or G; the futex word */
byte reg[2];		/* W; or A (kind 0) and R (kind 1) */
byte kk[2];		/* P1 k of kind 0, 1 (stays 0 without POLICY) */
bit  hh[2];		/* P3 H of kind 0, 1 (stays 0 without POLICY) */
bit  ss;		/* S1 S, shut down (bits 31 and 63, both types) */
byte wb[2];		/* Q1 WB: registered weighted waiters of kind 0, 1 */
bit  hb[2];		/* Q3 HB of kind 0, 1 (stays 0 without POLICY) */
#ifndef S_BOTH
#define S_BOTH		1	/* S in both halves (bits 31 and 63); 0: only the
				 * low half (bounded shutdown controls s-b) */
#endif

/*
 * The kernel's futex queue: blk[i], thread i sleeps on half bhf[i] (1: the
 * high half) with the bitset of kind bwk[i], of its weighted sleepers if
 * bwt[i] (struct fsem_kind bits, bigbits).
 */
bit blk[NT];
bit bwk[NT];
bit bwt[NT];
bit bhf[NT];
bit byl[NT];	/* P4: it sleeps to give its turn up, for a bounded time */

/*
 * Timeouts, signals, cancellation requests, spurious wake-ups: as in
 * handoff.pml. Safety runs: nondeterministic choices of the thread itself
 * wherever the C code can observe them. Liveness runs (-DENV_EVENTS): Env
 * fires at most one per operation and may stop at any moment, so weak
 * fairness forces no timeout that would hide a lost wake-up.
 */
byte ik[NT];		/* IK_* of thread i's current operation */
byte nspur;		/* spurious wake-ups made so far */
#ifdef ENV_EVENTS
bit tmo[NT];
#define EV(i)		tmo[i]
#define CLEAR_EV(i)	tmo[i] = 0
#else
#define EV(i)		true
#define CLEAR_EV(i)	skip
#endif

/* Whether a futex wait may fail (futex.h: ENOSYS, EPERM, ...) or sleep. */
#if defined(FUTEX_FAILS) || defined(FUTEX_BROKEN)
#define FUTEX_MAY_FAIL	true
#else
#define FUTEX_MAY_FAIL	false
#endif
#ifdef FUTEX_BROKEN
#define FUTEX_MAY_SLEEP	false
#else
#define FUTEX_MAY_SLEEP	true
#endif
#ifndef NEG_FUTEX_RETRY
#define FUTEX_LEAVES	EFUTEX	/* sleep_loop leaves on a futex error */
#else
/*
 * NEGATIVE CONTROL (e): a failed futex wait is taken for EAGAIN (re-read
 * and retried): with the futex refused for good, the waiter never returns.
 */
#define FUTEX_LEAVES	255	/* no such error */
#endif

/* ---- ghosts, for the monitor only ---------------------------------- */
/*
 * The wake bookkeeping (owe, Dw) is kept where it is checked: safety runs
 * (K2) and runs with deaths; the hand-over flag only for CHECK_SPIN_STORE.
 * Ghosts that are not checked would only multiply the states.
 */
#if !defined(LIVE) || KILLS > 0
#define OWE(stmt)	stmt
#define CHECK_K2
#else
#define OWE(stmt)	skip
#endif
#ifdef CHECK_SPIN_STORE
#define HANDED(stmt)	stmt
#else
#define HANDED(stmt)	skip
#endif
bit  rg[NT];		/* thread i's registration is in the word (a dead
			 * thread's stays: stale) */
bit  rk[NT];		/* ... of kind rk[i] */
bit  rw[NT];		/* ... weighted: in WB, not in W (Q1) */
bit  stvb[NT];		/* thread i holds HB of its kind (Q3) */
bit  wserved;		/* a weighted wait (acquire, release) returned 0 */
byte owe[NT];		/* wakes thread i is responsible for: decided by its
			 * CAS or leave() and not yet issued, or (1) the wake
			 * that dequeued it, until it takes, sleeps again or
			 * has passed it on */
bit  owek[NT];		/* ... to kind owek[i] */
byte Dw[2];		/* wakes of kind k lost with a dead process (the
			 * owe[] of processes that died) */
bit  handed[NT];	/* thread i's operation made its hand-over CAS (a
			 * success that lets another kind through) */
bit  dead[NT];
byte owp[NT];		/* P1 wakes of thread i's own kind rk[i] (settle_own in
			 * own_step and leave) decided and not yet issued */
bit  stv[NT];		/* thread i is starving: it set H of its kind (P3) */
bit  stp[NT];		/* thread i stopped for good (STOPS) */
byte nstop;
bit  fin[NT];		/* thread i finished its operations */
byte ndead;		/* processes that died */
byte ndone;		/* threads finished or dead */
bit  shwoke;		/* the shutdown's FUTEX_WAKE(all) was made (S3) */

#define IS(c)		(c)	/* a condition counts 0 or 1 */
#define SUM(e0, e1, e2, e3)	(IS(e0) + IS(e1) + IS(e2) + IS(e3))
#if NT > 3
#define ALLT(m)		SUM(m(0), m(1), m(2), m(3))
#else
#define ALLT(m)		SUM(m(0), m(1), m(2), false)
#endif
#if NT > 4
#error "NT > 4: extend ALLT, WAKE1, Env and the QALL monitors"
#endif

/* registrations of kind k by the ghosts (dead ones' too); live; asleep */
#define NREG(k)		ALLT(REG_ ## k)
/* (single waiters: W, A, R; weighted ones: WB, the ...B macros) */
#define REG_0(i)	(rg[i] && rk[i] == 0 && !rw[i])
#define REG_1(i)	(rg[i] && rk[i] == 1 && !rw[i])
#define REGB_0(i)	(rg[i] && rk[i] == 0 && rw[i])
#define REGB_1(i)	(rg[i] && rk[i] == 1 && rw[i])
#define LREG_0(i)	(rg[i] && rk[i] == 0 && !rw[i] && !dead[i])
#define LREG_1(i)	(rg[i] && rk[i] == 1 && !rw[i] && !dead[i])
#define BLK_0(i)	(blk[i] && bwk[i] == 0 && !bwt[i] && !byl[i])
#define BLK_1(i)	(blk[i] && bwk[i] == 1 && !bwt[i] && !byl[i])
#define BLKB_0(i)	(blk[i] && bwk[i] == 0 && bwt[i])
#define BLKB_1(i)	(blk[i] && bwk[i] == 1 && bwt[i])
#define BLKA(i)		(blk[i])
#define STVB_0(i)	(stvb[i] && rk[i] == 0)
#define STVB_1(i)	(stvb[i] && rk[i] == 1)
#define NREGB(k)	ALLT(REGB_ ## k)
#define NBLKB(k)	ALLT(BLKB_ ## k)
#define NBLKA		ALLT(BLKA)
#define NSTVB(k)	ALLT(STVB_ ## k)
#define OWE_0(i)	(owek[i] == 0 -> owe[i] : 0)
#define OWE_1(i)	(owek[i] == 1 -> owe[i] : 0)
#define NLREG(k)	ALLT(LREG_ ## k)
#define NBLK(k)		ALLT(BLK_ ## k)
#define OWP_0(i)	(rk[i] == 0 -> owp[i] : 0)
#define OWP_1(i)	(rk[i] == 1 -> owp[i] : 0)
#define STV_0(i)	(stv[i] && rk[i] == 0)
#define STV_1(i)	(stv[i] && rk[i] == 1)
#define NOWE(k)		(ALLT(OWE_ ## k) + ALLT(OWP_ ## k))	/* not for ltl */
#define NSTV(k)		ALLT(STV_ ## k)

/* struct fsem_side of the thread: room() (shared.c room, shared.h
 * fsem_shared_room_) */
#define ROOM(v, n)	(up -> (v) + (n) <= hi : (v) >= (n))
#define WREG(k)		((k) == 0 -> w0 : w1)

#define WBEQ		(wb[0] == wb0 && wb[1] == wb1)
#define WBW(k)		((k) == 0 -> wb0 : wb1)	/* WB of kind k in w */
/* shared.c own_room: how many of this kind could step from v; and the
 * other kind's (shared.h plan_: oroom) */
#define OWNROOM(v)	(up -> hi - (v) : (v))
#define OROOM(v)	(up -> (v) : hi - (v))
/*
 * futex_wait compares the half the thread sleeps on (hf: 1 high), shared.c
 * high_or_low: single sleepers wait on the high half with the policy, on
 * the low half without (K2); weighted ones on the low half, or on the high
 * half while another's HB holds them back (Q2, Q3). Both halves change
 * when S is set (bits 31 and 63, S1).
 */
#define FUTEX_EQ	(hf -> HIGHEQ : LOWEQ)
#ifndef POLICY
#define LOAD()		wl = lo; w0 = reg[0]; w1 = reg[1]; ws = ss; \
			wb0 = wb[0]; wb1 = wb[1]
/* a CAS compares the whole word */
#define SAME()		(lo == wl && reg[0] == w0 && reg[1] == w1 && ss == ws && \
			 WBEQ)
#define HBW(k)		0
#define HIGHEQ		(reg[0] == w0 && reg[1] == w1 && (!WB_HIGH || WBEQ) && \
			 (!S_BOTH || ss == ws))
#define LOWEQ		(lo == wl && (WB_HIGH || WBEQ) && ss == ws)
#else
#define LOAD()		wl = lo; w0 = reg[0]; w1 = reg[1]; \
			wq0 = kk[0]; wq1 = kk[1]; wh0 = hh[0]; wh1 = hh[1]; \
			ws = ss; wb0 = wb[0]; wb1 = wb[1]; whb0 = hb[0]; \
			whb1 = hb[1]
#define SAME()		(lo == wl && reg[0] == w0 && reg[1] == w1 && \
			 kk[0] == wq0 && kk[1] == wq1 && hh[0] == wh0 && \
			 hh[1] == wh1 && ss == ws && WBEQ && hb[0] == whb0 && \
			 hb[1] == whb1)
#define KW(k)		((k) == 0 -> wq0 : wq1)	/* k of kind k in w */
#define HW(k)		((k) == 0 -> wh0 : wh1)	/* H of kind k in w */
#define HBW(k)		((k) == 0 -> whb0 : whb1)	/* HB of kind k in w */
#define SETK(k, v)	if \
			:: (k) == 0 -> kk[0] = (v) \
			:: else -> kk[1] = (v) \
			fi
/* the high half: W (A, R), k, H, HB (and WB of fsem_t), S; the low
 * half: V (G), S (and WB of the bounded word) */
#define HIGHEQ		(reg[0] == w0 && reg[1] == w1 && kk[0] == wq0 && \
			 kk[1] == wq1 && hh[0] == wh0 && hh[1] == wh1 && \
			 hb[0] == whb0 && hb[1] == whb1 && \
			 (!WB_HIGH || WBEQ) && (!S_BOTH || ss == ws))
#define LOWEQ		(lo == wl && (WB_HIGH || WBEQ) && ss == ws)
#endif
/*
 * shared.c sleep_loop: the half a registered waiter sleeps on (high_or_low):
 * single: the high half with the policy (P1), else the low half; weighted:
 * the high half only while HB that another holds holds it back (Q3).
 */
#if defined(NEG_FUTEX_LOW)
/*
 * NEGATIVE CONTROL (p-b): the policy's single sleepers wait on the low
 * half, as in the draft: a barger's take restores the value a waiter read
 * after a post counted a wake for it in k and woke nobody; it sleeps, and
 * k suppresses the next post's wake.
 */
#define HALF1		0
#else
#define HALF1		POL
#endif
#if defined(NEG_WB_HIGH)
/* NEGATIVE CONTROL (w-a): a weighted waiter with too little room sleeps on
 * the high half, which a success that makes room does not change */
#define HALFB		1
#elif defined(NEG_HBW_LOW)
/* NEGATIVE CONTROL (w-c): a weighted waiter held back by another's HB
 * sleeps on the low half, which the end of HB does not change */
#define HALFB		0
#else
#define HALFB		(POL && HBW(kd) && !starving)
#endif
#ifndef NEG_HB_END_LOW
#define BCAST_HI	1	/* the end of HB: both halves (Q3) */
#else
/* NEGATIVE CONTROL (w-f): the end of HB wakes weighted sleepers on the
 * low half only, as a step's Q2 broadcast does: one held back by HB on
 * the high half sleeps on */
#define BCAST_HI	0
#endif
/* shared.h plan_: hand-off mode holds this step back (P3) */
#if defined(POLICY) && !defined(NEG_BARGE_IGNORES_H)
#define HOLD(passh)	(pk && HW(kd) && !(passh) -> 1 : 0)
#else
/* NEGATIVE CONTROL (p-c): bargers ignore H (room for n, not n + 1) */
#define HOLD(passh)	0
#endif
/* shared.h plan_: weighted hand-off mode holds every step of this kind
 * back but its holder's (Q3) */
#if defined(POLICY) && !defined(NEG_PLAN_IGNORES_HB)
#define HBHOLD(passhb)	(pk && HBW(kd) && !(passhb))
#else
/* NEGATIVE CONTROL (w-d): plan_ ignores HB */
#define HBHOLD(passhb)	0
#endif

/*
 * Process death. A process may die at any step: DP (a death point) stands
 * before each atomic step that writes the word or calls the kernel, and a
 * sleeper may die in the kernel. Nothing else needs one: a dead process
 * has no effect, so dying anywhere between two such steps is the same as
 * dying just before the second (loads and local work are invisible). The
 * including proctype ends with the label `killed`. Up to KILLS processes
 * die; with KILLS 0 there is no death point at all.
 */
#if KILLS > 0
#define DP	if \
		:: die(); goto killed \
		:: true -> skip \
		fi;
#elif STOPS > 0
/*
 * A thread not in a timed call may stop for good before any step (it is
 * preempted and never runs again: its registration, and any wake counted
 * for it in k, stay). It then waits at end_stopped in the proctype.
 */
#define DP	if \
		:: atomic { nstop < STOPS && ik[me] != IK_TMO -> \
			nstop++; stp[me] = 1 }; goto end_stopped \
		:: true -> skip \
		fi;
#else
#define DP	/* no statement: no state */
#endif

/*
 * A process dies (one of up to KILLS): it takes no further step. The
 * kernel unqueues a sleeper that exits; the wakes it owed (decided but not
 * issued, or absorbed) are lost.
 */
inline die()
{
	atomic {
		ndead < KILLS ->
		blk[me] = 0;
		Dw[owek[me]] = Dw[owek[me]] + owe[me]; owe[me] = 0;
		Dw[rk[me]] = Dw[rk[me]] + owp[me]; owp[me] = 0;
		dead[me] = 1; handed[me] = 0; ndead++; ndone++;
		wl = 0; w0 = 0; w1 = 0; wk = 0; err = 0; rounds = 0; unit = 0;
		stepped = 0; ho = 0; bc = 0; bo = 0
	}
}

/* ------------------------------------------------------------------ */
/*
 * futex.h fsem_futex_wake_bits(low half, wk, bits of kind k): dequeue up
 * to wk threads sleeping with a matching bitset, any of them (the
 * kernel's choice). A dequeued thread now holds that wake (owe).
 */
#define WAKE1(i) :: wk > 0 && blk[i] && bwk[i] == k && !bwt[i] -> \
			blk[i] = 0; wk--; OWE(owe[i] = 1; owek[i] = k)
inline futex_wake(k)
{
	futex_wake_g(k, 0)
}

/* g: the wakes this call issues were owe[me] (0: K2, K3) or owp[me] (1:
 * P1, of the own kind) */
inline futex_wake_g(k, g)
{
	DP
	atomic {
		do
		WAKE1(0)
		WAKE1(1)
		WAKE1(2)
#if NT > 3
		WAKE1(3)
#endif
		:: else -> break
		od;
		wk = 0;
		OWE(if
		    :: g -> owp[me] = 0
		    :: else -> owe[me] = 0
		    fi)
	}
}

/*
 * shared.c wake_kind(..., bcast, hb_ended) (Q2, Q3): FUTEX_WAKE(INT_MAX)
 * with the weighted sleepers' bitset of kind k on the low half and, if hi
 * (the end of HB: settle_own), on the high half too. A step's broadcast
 * to the other kind (fsem_shared_wake_) is the low half only. (The two
 * calls are one step here: a thread that sleeps between them is woken by
 * neither, fewer wakes than in C.)
 */
#define BCAST1(i)	if \
			:: blk[i] && bwk[i] == k && bwt[i] && (!bhf[i] || hi) -> \
				blk[i] = 0 \
			:: else -> skip \
			fi
inline futex_bcast(k, hi)
{
	DP
	atomic {
		BCAST1(0); BCAST1(1); BCAST1(2);
#if NT > 3
		BCAST1(3);
#endif
		skip
	}
}

/*
 * shared.c settle_own(me, x, &wake) (P1, P3), inside the CAS of a
 * registered waiter's success (own_step) or deregistration (leave): the
 * word is already x (the step made, the registration removed). A starving
 * waiter ends hand-off mode; one wake in flight is used up, if any; then
 * k is raised to min(own room left, registered left) and the difference
 * is woken (wn, after the CAS). Without the policy (kmask 0) nothing.
 */
inline settle_own()
{
	wn = 0; bo = 0;
#ifdef POLICY
	if
	:: pk && !ss ->		/* (x & shut: S2, no policy after shutdown) */
		if
		:: starving && wt ->			/* x &= ~bighand (Q3) */
#ifndef NEG_HB_STAYS
			hb[kd] = 0;
#else
			/* NEGATIVE CONTROL (w-e): HB stays set */
			skip;
#endif
			stvb[me] = 0; starving = 0; bo = 1	/* ended */
		:: starving && !wt ->			/* x &= ~handoff */
#ifndef NEG_H_STAYS
			hh[kd] = 0;
#else
			/* NEGATIVE CONTROL (p-d1): H stays set */
			skip;
#endif
			stv[me] = 0; starving = 0;
#if defined(NEG_H_EXIT_RESET) || defined(VAR_H_RESET_K)
			/* (p-d2, variant) k restarts from 0 */
			kk[kd] = 0;
#endif
#ifdef NEG_H_EXIT_RESET
			kn = 1
#else
			skip
#endif
		:: else -> skip
		fi;
		kt = kk[kd];
		if				/* it used up one wake, if any */
		:: kt > 0 && !wt -> kt--	/* (a weighted one: never counted) */
		:: else -> skip
		fi;
		kh = (hb[kd] -> 0 : MIN(OWNROOM(lo), reg[kd]));	/* need (0
						 * while another holds HB) */
		if
		:: kh > kt -> wn = kh - kt; kt = MIN(kh, KMASK)
		:: else -> skip
		fi;
#ifdef NEG_H_EXIT_RESET
		/* NEGATIVE CONTROL (p-d2): no P1 at the end of hand-off mode */
		if
		:: kn -> wn = 0; kt = 0; kn = 0
		:: else -> skip
		fi;
#endif
		kk[kd] = (reg[kd] > 0 -> kt : 0);
		/* Q3: the end of HB lets weighted sleepers through */
		bo = (bo && wb[kd] > 0 -> 1 : 0);
		kt = 0; kh = 0
	:: else -> skip				/* kmask == 0, or S (S2) */
	fi
#endif
}

/*
 * shared.h fsem_shared_step_ / fsem_shared_plan_ (a barger: also = 0,
 * passh = 0) and shared.c own_step (a registered waiter: also = its
 * registration, removed by the same CAS; passh = slept && unit), then
 * fsem_shared_wake_ (K2, P2: the other kind) and own_step's P1 wake (the
 * own kind). Sets stepped; w keeps the last value seen (the futex compares
 * it).
 */
inline try_step(also, passh, passhb)
{
	stepped = 0; err = OK;
#ifdef NEG_WAKE_BEFORE_CAS
	/*
	 * NEGATIVE CONTROL (a): the other kind's registrations are taken from
	 * the load the caller made before the CAS loop, not from the old
	 * value of the CAS that succeeded.
	 */
	ho = (ok == 0 -> w0 : w1);
#endif
	do
#ifndef NEG_PLAN_IGNORES_S
	:: ws && !sws -> err = ESHUT; break	/* plan_: ECANCELED (S1) */
	:: !(ws && !sws) && !HBHOLD(passhb) && ROOM(wl, sn + HOLD(passh)) ->
				/* plan_: not held by HB (Q3), room for n (+1, P3) */
#else
	/* NEGATIVE CONTROL (s-c2): plan_ ignores S */
	:: !HBHOLD(passhb) && ROOM(wl, sn + HOLD(passh)) ->
#endif
		DP
		atomic {	/* step_ / own_step: CAS(word, w, p.w), acq_rel */
			if
			:: SAME() ->
				lo = lo + (up -> sn : -sn);
				if
				:: also && wt -> wb[kd]--; rg[me] = 0; rw[me] = 0
				:: also && !wt -> reg[kd]--; rg[me] = 0	/* K2: same CAS */
				:: else -> skip
				fi;
				stepped = 1; STEPPED();
				/* S1: no step of a kind that stops, after S */
				if
				:: ss && !sws -> assert(no_wait_step_after_shutdown)
				:: else -> skip
				fi;
#ifdef POLICY
				/* P3: in hand-off mode a barger leaves a step */
				if
				:: pk && hh[kd] && !(passh) && OWNROOM(lo) == 0 ->
					assert(P3_barger_leaves_room)
				:: else -> skip
				fi;
#endif
				/* plan_: min(n, others) of the CAS's old value (K2) */
				/* (others = 0 after shutdown: S2) */
				/* (and none while HB holds the other kind: Q3) */
#ifndef NEG_WAKE_BEFORE_CAS
				wk = (ok == NOKIND || ss || HBW(ok) -> 0 :
				      MIN(sn, WREG(ok)));
#else
				wk = (ok == NOKIND || ss || HBW(ok) -> 0 :
				      MIN(sn, ho));
#endif
				/* plan_, Q2: room a weighted one may fit (2 steps)
				 * while the other kind's WB > 0: wake them all */
#ifndef NEG_NO_BCAST
				bc = (ok != NOKIND && !ss && WBW(ok) > 0 &&
				      OROOM(lo) >= 2 -> 1 : 0);
#else
				/* NEGATIVE CONTROL (w-b): no Q2 wake */
				bc = 0;
#endif
#ifdef NEG_WAKE_ONE
				/* NEGATIVE CONTROL (a'): wake one, whatever n */
				wk = MIN(wk, 1);
#endif
#ifdef POLICY
				/* plan_, P2 (okmask != 0): wake min(oroom, others)
				 * - k of the other kind, if more than 0, and add
				 * them to its k (saturating) in the same CAS */
				if
				:: wk > 0 ->
					kt = MIN(OROOM(lo), WREG(ok));
					wk = (kt > KW(ok) -> kt - KW(ok) : 0);
					kt = MIN(KW(ok) + wk, KMASK);
					SETK(ok, kt);
					kt = 0
				:: else -> skip
				fi;
				if
				:: also -> settle_own()		/* own_step: P1, P3 */
				:: else -> skip
				fi;
				OWE(owp[me] = wn);
#endif
				OWE(owe[me] = wk; owek[me] = (ok == 1 -> 1 : 0));
				HANDED(handed[me] = (ok != NOKIND))
			:: else -> LOAD()		/* failed: w = word */
			fi
		}
		if
		:: stepped -> break			/* handed over */
		:: else -> skip
		fi
	:: else -> break				/* plan_ false: no room */
	od;
	if
	:: wk > 0 -> futex_wake(ok)			/* fsem_shared_wake_ (K2) */
	:: else -> skip					/* others == 0 */
	fi;
	if
	:: bc -> bc = 0; futex_bcast(ok, 0)	/* fsem_shared_wake_ (Q2) */
	:: else -> skip
	fi;
#ifdef POLICY
	if
	:: wn > 0 -> wk = wn; wn = 0; futex_wake_g(kd, 1)	/* own_step: P1 */
	:: else -> skip
	fi;
	if
	:: bo -> bo = 0; futex_bcast(kd, BCAST_HI)	/* own_step: Q3's end */
	:: else -> skip
	fi;
#endif
	ho = 0
}

/*
 * shared.c leave(me): deregister (K3) and pass on a wake this waiter may
 * have absorbed. Also the cancellation cleanup handler (shared.c
 * cancel_cleanup).
 */
inline leave()
{
	if
	:: unit ->
#ifdef NEG_LEAVE_WAITS
		/*
		 * NEGATIVE CONTROL (p-e): before deregistering, wait until no
		 * wake is in flight (k == 0): a wait on other threads' steps.
		 */
		(kk[kd] == 0);
#endif
		DP
#ifdef POLICY
		/*
		 * leave: CAS(word, w, settle_own(w - unit)), relaxed, in a loop
		 * that recomputes x after a failed CAS: the load and the CAS that
		 * succeeds are one block (the same states). P1 instead of K3.
		 */
		atomic {
			LOAD();
			if
			:: wt -> wb[kd]--; rw[me] = 0
			:: else -> reg[kd]--
			fi;
			rg[me] = 0;
			settle_own();
			OWE(owp[me] = wn; owe[me] = 0);
			unit = 0				/* me->unit = 0 */
		}
		if
		:: wn > 0 -> wk = wn; wn = 0; futex_wake_g(kd, 1)	/* P1 */
		:: else -> skip
		fi;
		if
		:: bo -> bo = 0; futex_bcast(kd, BCAST_HI)	/* Q3: HB ended */
		:: else -> skip
		fi
#else
		atomic {	/* shared.c leave (a CAS loop): old =
				 * fetch_sub(word, unit), relaxed */
			LOAD();
#ifndef NEG_NO_DEREG
			if
			:: wt -> wb[kd]--
			:: else -> reg[kd]--
			fi;
#else
			/* NEGATIVE CONTROL (c1): the registration stays */
			skip;
#endif
			rg[me] = 0; rw[me] = 0;
			/* shared.c leave: room(old, 1) &&
			 * registrations(old) > 1 */
			/* (not after shutdown: S2; a single waiter only) */
#ifndef NEG_NO_PASS_ON
			wk = (!wt && ROOM(wl, 1) && WREG(kd) > 1 && !ws -> 1 : 0);
#else
			/* NEGATIVE CONTROL (c2): a wake absorbed is not passed on */
			wk = 0;
#endif
			OWE(owe[me] = wk; owek[me] = kd);
			/* shared.c leave: me->unit = 0 */
			unit = 0
		}
		if
		:: wk > 0 -> futex_wake(kd)	/* shared.c leave: wake_kind */
		:: else -> skip
		fi
#endif
	:: else -> skip				/* shared.c leave: return */
	fi
}

/*
 * handoff.c fsem_sleep_cancelable (once shared.c's sleep_once) + futex.h
 * fsem_futex_wait_bits: FUTEX_WAIT_BITSET(low half, wl, 1 << kd). Sets
 * err. Asynchronous cancellation is possible from its
 * setcanceltype(ASYNC) (which acts on a pending request) to its
 * setcanceltype(type) after the futex call.
 * With FUTEX_FAILS or FUTEX_BROKEN the system call may fail (a seccomp
 * filter): it returns at once, having queued nothing, whatever the
 * operation.
 */
inline sleep_once()
{
	err = OK;
	if
	/* handoff.c fsem_sleep_cancelable: abs->tv_sec < 0 */
	:: ik[me] == IK_TMO && EV(me) -> err = ETIMEDOUT
	/* handoff.c fsem_sleep_cancelable: setcanceltype(ASYNC) */
	:: ik[me] == IK_CANCEL && EV(me) -> err = ECANCELED
	:: FUTEX_MAY_FAIL ->			/* futex.h: fails, no sleep */
		err = EFUTEX;
		if	/* asynchronous until handoff.c fsem_sleep_cancelable
			 * restores the type */
		:: ik[me] == IK_CANCEL && EV(me) -> err = ECANCELED
		:: true -> skip
		fi
	:: FUTEX_MAY_SLEEP ->
		DP
		atomic {	/* futex_wait: compare the futex word (the low half;
				 * the high half with the policy) and enqueue */
			if
			:: FUTEX_EQ -> blk[me] = 1; bwk[me] = kd; bwt[me] = wt;
				bhf[me] = hf; OWE(owe[me] = 0);
#ifndef NEG_TURN_UNBOUNDED
				byl[me] = yielding
#else
				skip	/* NEGATIVE CONTROL (t-a): no bound */
#endif
			:: else -> err = EAGAIN
			fi
		}
		if
		:: err == EAGAIN -> skip
		:: else ->
end_asleep:		if	/* in the kernel until: */
			:: atomic { !blk[me] -> err = OK; byl[me] = 0 }	/* FUTEX_WAKE, or Env */
			/* P4: the bound of a sleep that gives the turn up (C:
			 * ETIMEDOUT before the caller's deadline, taken for 0) */
			:: atomic { byl[me] && blk[me] -> blk[me] = 0; byl[me] = 0;
				err = OK }
#ifndef ENV_EVENTS
			:: atomic { nspur < MAXSPUR && blk[me] ->	/* spurious */
				blk[me] = 0; nspur++; err = OK }
#endif
			/* deadline, signal, cancel: only a thread still queued;
			 * the kernel reports a wake that came first */
			:: atomic { ik[me] != IK_NONE && EV(me) && blk[me] ->
				blk[me] = 0; byl[me] = 0;
				err = (ik[me] == IK_CANCEL -> ECANCELED : ETIMEDOUT) }
#if KILLS > 0
			:: die(); goto killed			/* killed asleep */
#endif
			fi
		fi;
		/* futex returned, asynchronous until handoff.c
		 * fsem_sleep_cancelable restores the type */
		if
		:: ik[me] == IK_CANCEL && EV(me) -> err = ECANCELED
		:: true -> skip
		fi
	fi
}

/* shared.c poll_once (registration field full): sets err */
inline poll_once()
{
	if
	/* shared.c poll_once: pthread_testcancel */
	:: ik[me] == IK_CANCEL && EV(me) -> err = ECANCELED
	/* shared.c poll_once: passed(clock, abs) */
	:: ik[me] == IK_TMO && EV(me) -> err = ETIMEDOUT
	/* shared.c poll_once: sched_yield */
	:: true -> err = OK
	fi
}

/*
 * shared.c sleep_loop: register unless the field is full, then
 * { try; sleep (or poll); leave on ETIMEDOUT / EINTR / cancel; re-read }.
 * Sets stepped; err == ECANCELED: the caller exits the thread.
 */
inline sleep_loop()
{
	err = OK;
	/* shared.c sleep_loop: w = load, a hint */
	atomic { LOAD() }
	do
	/* shared.c sleep_loop: the field is not full (WB: Q1) */
	:: (wt -> WBW(kd) : WREG(kd)) != RMASK ->
#ifndef VAR_REG_AFTER_S
		if	/* sleep_loop: S1, never registers after it */
		:: ws -> err = ESHUT; break
		:: else -> skip
		fi;
#else
		/* VARIANT (s-c1): registers also after S; harmless: own_step plans
		 * from the word its registration CAS made, sees S and leaves */
#endif
		DP
		atomic {	/* shared.c sleep_loop: CAS(word, w, w + unit),
				 * relaxed */
			if
			:: SAME() ->
				rg[me] = 1; rk[me] = kd; rw[me] = wt;
				/* shared.c sleep_loop: me->unit = unit,
				 * w += unit */
				unit = 1;
				if
				:: wt -> wb[kd]++; LOAD()
				:: !wt && kd == 0 -> reg[kd]++; w0++
				:: !wt && kd == 1 -> reg[kd]++; w1++
				fi
			:: else -> LOAD()
			fi
		}
		if
		:: unit -> break		/* shared.c sleep_loop: break */
		:: else -> skip
		fi
	:: else -> break			/* full: shared.c poll_once */
	od;
	do
	:: err == ESHUT -> break		/* return fsem_shared_cancelled_() */
	:: else ->
#ifdef POLICY
		/*
		 * P4, shared.c yield_turn: no step. With nobody else
		 * registered it steps as any waiter. Else it takes one wake
		 * off k (P1) and raises k to min(room, the others), waking
		 * the difference after its CAS; then it sleeps.
		 */
		if
		:: yielding && unit && !ws ->
			if
			:: WREG(kd) <= 1 -> yielding = 0
			:: else ->
				if
				:: yielding = 0	/* its bound has passed */
				:: skip
				fi
			fi
		:: else -> skip
		fi;
		if
		:: yielding && unit && !ws ->
			kt = KW(kd);
			if
			:: kt > 0 -> kt--
			:: else -> skip
			fi;
			kh = (HBW(kd) -> 0 : MIN(OWNROOM(wl), WREG(kd) - 1));
			if
			:: kh > kt -> wn = kh - kt; kt = MIN(kh, KMASK)
			:: else -> skip
			fi;
			kh = 0;
			if
			:: kt != KW(kd) ->
				DP
				atomic {	/* CAS(word, w, x), relaxed */
					if
					:: SAME() -> SETK(kd, kt); LOAD()
					:: else -> LOAD(); kn = 1; wn = 0
					fi
				}
			:: else -> skip
			fi;
			kt = 0;
			if
			:: kn -> kn = 0; goto again_		/* continue */
			:: else -> skip
			fi;
			/* at least one wake (an extra one is not counted) */
			wk = (wn > 0 -> wn : 1); wn = 0;
			futex_wake_g(kd, 1);
			goto sleep_		/* for at most its bound */
		:: else -> skip
		fi;
#endif
		/* own_step(me, &w, slept): passes H once slept (a weighted
		 * one at once, P3), HB if it holds it (Q3) */
		try_step(unit, (slept || wt) && unit, starving && wt);
		if
		:: stepped -> unit = 0; break		/* r > 0: return 0 */
		:: err == ESHUT -> leave(); break	/* -ECANCELED: S1, leave as
							 * on a timeout */
		:: else -> skip
		fi;
#ifdef POLICY
		/*
		 * sleep_loop, policy (unit && kmask): the CAS before sleeping,
		 * made if x != w. P1: it is awake, about to sleep with no room,
		 * so it used up one wake in flight, if any was counted. P3: one
		 * that has slept, finds no room and is past the bound (or
		 * starving, never with H clear) sets H.
		 */
		kn = 0;
		if
		:: unit && pk && wt ->
			/* Q3: a weighted one sets HB, unless it is set, once it
			 * has slept and is past the bound (STARVE_NOW: at once) */
			if
			:: !HBW(kd) && slept -> kh = 1
#ifndef STARVE_NOW
			:: true -> skip				/* not yet */
#endif
			:: else -> skip
			fi;
			if
			:: kh ->				/* x != w */
				DP
				atomic {	/* settle: CAS(word, w, x), relaxed */
					if
					:: SAME() -> hb[kd] = 1; starving = 1;
						stvb[me] = 1; LOAD()
					:: else -> LOAD(); kn = 1	/* continue */
					fi
				}
			:: else -> skip
			fi;
			kh = 0
		:: unit && pk && !wt ->
			kt = KW(kd);
			if
			:: kt > 0 ->
#if defined(NEG_SETTLE_NO_KDEC)
				/* NEGATIVE CONTROL (p-a): k is not taken off */
				skip
#elif defined(NEG_H_SETTLE_KDEC)
				/* NEGATIVE CONTROL (P-B1): k is taken off even
				 * when only hand-off mode holds the step back */
				kt--
#else
				/* shared.c before_sleep: only if the step has no
				 * room at all, not if hand-off mode holds it;
				 * or if HB holds it (Q3) */
				if
				:: !ROOM(wl, sn) || HBW(kd) -> kt--
				:: else -> skip
				fi
#endif
			:: else -> skip
			fi;
			if
			:: !HW(kd) && slept && starving -> kh = 1
			:: !HW(kd) && slept && !starving -> kh = 1	/* past the bound */
			:: true -> skip					/* not yet */
			fi;
#ifdef VAR_H_RESET_K
			kt = (kh -> 0 : kt);	/* (variant) entering H resets k */
#endif
			if
			:: kt != KW(kd) || kh ->		/* x != w */
				DP
				atomic {	/* settle: CAS(word, w, x), relaxed */
					if
					:: SAME() ->
						SETK(kd, kt);
						if
						:: kh -> hh[kd] = 1; starving = 1; stv[me] = 1
						:: else -> skip
						fi;
						LOAD()		/* w = x */
					:: else -> LOAD(); kn = 1	/* continue */
					fi
				}
			:: else -> skip
			fi;
			kt = 0; kh = 0
		:: else -> skip
		fi;
		if
		:: kn -> kn = 0; goto again_		/* continue */
		:: else -> skip
		fi;
#endif
#ifdef POLICY
sleep_:		skip;
#endif
		hf = (wt -> HALFB : HALF1);		/* high_or_low(high) */
		if
		:: unit -> sleep_once()			/* fsem_sleep_cancelable */
		:: else -> poll_once()			/* poll_once */
		fi;
#ifdef POLICY
		slept = 1;				/* slept = true */
		if
		:: err == OK -> yielding = 0		/* P4: woken */
		:: else -> skip
		fi;
#endif
#ifdef NEG_NO_RECHECK
		/*
		 * NEGATIVE CONTROL (b1): a wake-up is taken to mean "the permit
		 * is mine": step and deregister (one xadd) without re-reading.
		 */
		if
		:: err == OK && unit ->
			DP
			atomic {
				lo = lo + (up -> 1 : -1); reg[kd]--; rg[me] = 0;
				unit = 0; stepped = 1; STEPPED(); OWE(owe[me] = 0)
			}
			break
		:: else -> skip
		fi;
#endif
		if
		:: err == ETIMEDOUT || err == ECANCELED || err == FUTEX_LEAVES ->
			leave(); break		/* shared.c sleep_loop */
		:: else ->
#ifndef NEG_NO_REREAD
			atomic { LOAD() }	/* shared.c sleep_loop */
#else
			/* NEGATIVE CONTROL (b2): go on with the stale w */
			skip
#endif
		fi;
#ifdef POLICY
again_:	skip
#endif
	od
	; hf = 0
#ifdef POLICY
	; slept = 0; starving = 0; yielding = 0
#endif
}

/*
 * handoff.c fsem_spin with shared.c poll_room. The budget is abstracted:
 * no spin at all (FSEM_NOSPIN, or a budget below SPIN_MIN_NS with no probe
 * due: see handoff.pml, spin_take) or up to SPIN_MAX polls, giving up
 * after any of them. After a poll that took a permit, fsem_spin stores
 * the new budget into the semaphore (handoff.c fsem_spin, "spin: store
 * budget"): an access after the CAS.
 */
inline spin_phase()
{
	if
	:: true -> skip
#ifndef NOSPIN
	:: true ->
#if defined(SPIN_HANDS_OVER) && !defined(NEG_SPIN_STORE)
		/* handoff.c fsem_spin(hands_over): the grown budget is
		 * stored before the first poll, nothing after a hand-over */
		atomic {
#ifdef CHECK_SPIN_STORE
			if
			:: handed[me] -> assert(no_access_after_handover)
			:: else -> skip
			fi
#else
			skip
#endif
		};
#endif
		do
		:: atomic { LOAD() }		/* shared.c poll_room */
			if
#ifdef POLICY
			/* P5: past registered single waiters of its kind */
			:: WBW(kd) != 0 -> break		/* STOP */
#else
			:: WREG(kd) != 0 || WBW(kd) != 0 -> break	/* STOP */
#endif
			:: else ->
				try_step(0, 0, 0);	/* poll_room: step_ */
				if
				:: stepped ->
					/* handoff.c fsem_spin:
					 * store(budget_ns) */
					/* shared.c poll_room: a side that may
					 * let the other kind through answers
					 * HANDED, and fsem_spin stores nothing */
#if !defined(SPIN_HANDS_OVER) || defined(NEG_SPIN_STORE)
					atomic {
#ifdef CHECK_SPIN_STORE
						if
						:: handed[me] -> assert(no_access_after_handover)
						:: else -> skip
						fi
#else
						skip
#endif
					}
#endif
					break
				/* poll_room: shut down, FSEM_SPIN_STOP (the
				 * sleep loop answers, S1) */
				:: !stepped && err == ESHUT -> err = OK; break
				/* handoff.c fsem_spin: again, or the budget is
				 * spent */
				:: !stepped && rounds < SPIN_MAX -> rounds++
				:: !stepped -> break
				fi
			fi
		od;
		rounds = 0
#endif
	fi
}

/*
 * shared.h fsem_shared_take (a try first: shared.h fsem_shared_step_, as
 * fsem_shared_try).
 * Sets stepped (0: err is ETIMEDOUT, or ECANCELED and the thread exits).
 */
inline take()
{
	/* shared.h fsem_shared_take: w = load, a hint */
	atomic { LOAD(); wt = (sn > 1) }
#ifdef POLICY
	/* shared.h fsem_shared_take: more single waiters of its kind
	 * registered than k (the load above): fsem_shared_contended_ may
	 * give the turn up */
#ifndef NOYIELD
	if
	:: pk && !wt && WREG(kd) > KW(kd) -> yielding = 1
	:: true -> skip
	fi;
#endif
	if
	:: yielding -> stepped = 0; err = OK; goto yield_
	:: else -> skip
	fi;
#endif
	/* shared.h fsem_shared_take: fsem_shared_step_ */
	try_step(0, 0, 0);
	if		/* shared.h fsem_shared_take: err != EAGAIN returns */
	/* shared.c fsem_shared_sleep_: fsem_spin */
	:: !stepped && err != ESHUT -> spin_phase()
	:: else -> skip
	fi;
#ifdef POLICY
yield_:	skip;
#endif
	if
	/* shared.c fsem_shared_sleep_: sleep_loop */
	:: !stepped && err != ESHUT -> sleep_loop()
	:: else -> skip
	fi
}

/* shared.h fsem_shared_try(word, sd, sn): sets stepped */
inline shared_try()
{
	/* shared.h fsem_shared_try: w = load, a hint */
	atomic { LOAD() }
	/* shared.h fsem_shared_try: fsem_shared_step_ */
	try_step(0, 0, 0)
}

/*
 * shared.c fsem_shared_shutdown_ (fsem.c fsem_shutdown, bounded.c
 * fsem_bounded_shutdown): CAS S (bits 31 and 63, both halves) unless S is
 * set; then FUTEX_WAKE(INT_MAX, FUTEX_BITSET_MATCH_ANY) on the low half
 * and on the high half: every sleeper of both kinds, wherever it sleeps.
 * Uses stepped (0 again at the end).
 */
#ifndef NEG_SHUT_WAKE_ONE_HALF
#define SHWAKE(i)	blk[i] = 0
#else
/* NEGATIVE CONTROL (W-B1, the first C of weighted waits): the shutdown
 * wakes only the side's futex word, the high half under the policy: a
 * weighted sleeper on the low half (Q2) sleeps on */
#define SHWAKE(i)	if \
			:: blk[i] && bhf[i] == POL -> blk[i] = 0 \
			:: else -> skip \
			fi
#endif
inline shutdown()
{
	atomic { LOAD() }				/* shutdown_: hint */
	do
	:: ws -> break		/* S3: the first shutdown woke every sleeper */
	:: else ->
		DP
		atomic {	/* CAS(word, w, w | set), release (S4) */
			if
			:: SAME() -> ss = 1; SHUT_BITS(); stepped = 1
			:: else -> LOAD()
			fi
		}
		if
		:: stepped -> break
		:: else -> skip
		fi
	od;
	if
	:: stepped ->
		DP
		atomic {	/* S3: fsem_futex_wake_bits(INT_MAX, all bitsets) */
#ifndef NEG_SHUT_NO_WAKE
			/* futex_word(sd): the high half with the policy, else
			 * the low half; every sleeper on that half */
			SHWAKE(0); SHWAKE(1); SHWAKE(2);
#if NT > 3
			SHWAKE(3);
#endif
#else
			/* NEGATIVE CONTROL (s-a): no wake (the ghost only) */
#endif
			shwoke = 1
		}
	:: else -> skip
	fi
}

/* ------------------------------------------------------------------ */
#ifdef ENV_EVENTS
/* The environment of liveness runs, as in handoff.pml. */
#define SPUR(i) :: atomic { nspur < MAXSPUR && blk[i] -> blk[i] = 0; nspur++ }
#define FIRE(i) :: atomic { ik[i] != IK_NONE && !tmo[i] -> tmo[i] = 1 }
active proctype Env()
{
	do
	SPUR(0)
	SPUR(1)
	SPUR(2)
#if NT > 3
	SPUR(3)
#endif
	FIRE(0)
	FIRE(1)
	FIRE(2)
#if NT > 3
	FIRE(3)
#endif
	:: break
	od
}
#endif

/*
 * Invariants over the word and the kernel, checked by the including file's
 * monitor in every state (k = 0 and, bounded, 1):
 *   REG_OK(k)  the field counts exactly the registrations (dead ones'
 *              included) and never reaches past RMASK into its neighbour;
 *   Q_OK(i)    a queued thread is alive and registered with its own kind;
 *   K2(k)      wake-ups in flight: min(room, live registered) <= live
 *              registered that are awake + wakes owed + wakes lost with
 *              the dead (I3 of handoff.c in this protocol's terms); with
 *              the policy P2's weaker promise (below).
 */
#define REG_OK(k)	(reg[k] == NREG(k) && reg[k] <= RMASK && \
			 wb[k] == NREGB(k) && wb[k] <= RMASK)
#define Q_OK(i)		(!blk[i] || (!dead[i] && rg[i] && rk[i] == bwk[i] && \
			 rw[i] == bwt[i]))
#ifndef POLICY
#define K2(k)		(MIN(ROOMK(k), NLREG(k)) <= \
			 NLREG(k) - NBLK(k) + NOWE(k) + Dw[k])
#else
/*
 * With the policy a success wakes only what k does not already claim, and
 * a wake may find every waiter awake: an awake registered waiter settles
 * k later (P1). What P2 promises: room is never left while every live
 * registered waiter of the kind sleeps and no wake is on its way.
 */
#define K2(k)		(hb[k] || !(ROOMK(k) > 0 && NLREG(k) > 0 && \
			   NBLK(k) == NLREG(k) && NOWE(k) == 0))
#endif
/* at a global deadlock: sleepers that could go on, at most the wakes lost */
#define STRANDED(k)	MIN(ROOMK(k), NBLK(k))
/* (single sleepers held back by HB that a live registered weighted waiter
 * holds are not stranded: Q3; a weighted sleeper of 2 with 2 steps of room
 * is) */
#define HBLIVE(k)	(hb[k] && NSTVB(k) > 0)
#define END_OKB(k)	(!(ROOMK(k) >= 2 && NBLKB(k) > 0))
#ifndef STRICT_END
#define END_OK(k)	((HBLIVE(k) || STRANDED(k) <= Dw[k]) && END_OKB(k))
#else
#define END_OK(k)	((HBLIVE(k) || STRANDED(k) == 0) && END_OKB(k))
#endif
/* Q3: HB set iff one live weighted waiter of its kind holds it */
#define P3_HB(k)	(hb[k] == (NSTVB(k) > 0) && NSTVB(k) <= 1)
/*
 * Liveness (ltl formulas; min(a, b) > c written without a conditional
 * expression, whose "->" the ltl parser would take for an implication):
 *   ASLEEP_XS(k)  more threads of kind k asleep in the kernel could go on
 *                 than wakes were lost with the dead;
 *   REG_XS(k)     the same for all live registered threads of kind k, asleep
 *                 or not (only where no thread runs for ever: a registered
 *                 thread may lose every CAS to a churner, which is no lost
 *                 wake-up);
 *   ASLEEP_ANY(k) a thread of kind k asleep while its kind could go on,
 *                 whatever died (the Limits of shared.c say this can last).
 */
#define ASLEEP_XS(k)	(ROOMK(k) > Dw[k] && NBLK(k) > Dw[k])
#define REG_XS(k)	(ROOMK(k) > Dw[k] && NLREG(k) > Dw[k])
#define ASLEEP_ANY(k)	(ROOMK(k) > 0 && NBLK(k) > 0)
