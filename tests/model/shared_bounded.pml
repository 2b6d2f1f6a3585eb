/*
 * shared_bounded.pml - Promela model of a process-shared fsem_bounded_t
 * (FSEM_SHARED: src/bounded.c's dispatch to src/shared.c) on top of
 * shared.pml.
 *
 *   spin -a -DCFG_PAIRED shared_bounded.pml && cc -DSAFETY -o pan pan.c && ./pan
 *
 * State: the acquire hand-off word, G = lo, A = reg[0] (acquirers, bitset
 * 1), R = reg[1] (releasers, bitset 2) (shared.c, Word layout). The
 * counter and the release hand-off word stay 0 and are not modelled.
 */

#define OP_NONE		0
#define OP_ACQ		1	/* fsem_bounded_acquire */
#define OP_TACQ		2	/* fsem_bounded_timedacquire (timeout / EINTR) */
#define OP_CACQ		3	/* fsem_bounded_acquire, cancelled (thread exits) */
#define OP_TRYACQ	4	/* fsem_bounded_tryacquire */
#define OP_REL		5	/* fsem_bounded_release */
#define OP_TREL		6	/* fsem_bounded_timedrelease */
#define OP_CREL		7	/* fsem_bounded_release, cancelled */
#define OP_TRYREL	8	/* fsem_bounded_tryrelease */
#define OP_CHURN	9	/* forever: tryacquire, and if it did, tryrelease */
#define OP_SHUT		10	/* fsem_bounded_shutdown */
#define OP_ACQ2		11	/* fsem_bounded_acquire_n(s, 2) (Q1-Q3) */
#define OP_REL2		12	/* fsem_bounded_release_n(s, 2) */
#define OP_TACQ2	13	/* fsem_bounded_clockacquire_n(s, 2, ...) */
#define OP_TREL2	14	/* fsem_bounded_clockrelease_n(s, 2, ...) */
#define IFOK		16	/* flag: only if the previous operation returned 0 */
#define IFFAIL		32	/* flag: only if the previous operation failed */

/* ---- configurations ------------------------------------------------ */
#if defined(CFG_PAIRED)
/* acquire-then-release threads (a lock when N = 1): a plain, a timed and
 * a cancellable acquire */
#define PAIRED
#define N	1
#define NT	3
#define THREADS	run Thread(0, OP_ACQ, OP_REL, OP_NONE); \
		run Thread(1, OP_TACQ, OP_REL | IFOK, OP_NONE); \
		run Thread(2, OP_CACQ, OP_REL | IFOK, OP_NONE)
#elif defined(CFG_PC)
/* producer / consumer: releases that block while none is given out, a
 * timed release retried if it failed, a try-acquire, a cancellable
 * release; acquirers and releasers asleep on one futex word */
#define N	1
#define NT	3
#define THREADS	run Thread(0, OP_ACQ, OP_ACQ, OP_NONE); \
		run Thread(1, OP_TREL, OP_REL | IFFAIL, OP_NONE); \
		run Thread(2, OP_TRYACQ, OP_CREL | IFOK, OP_NONE)
#elif defined(CFG_PC2)
/* as CFG_PC with two permits, a timed acquire and a tryrelease */
#define N	2
#define NT	3
#define THREADS	run Thread(0, OP_ACQ, OP_TACQ, OP_NONE); \
		run Thread(1, OP_REL, OP_TREL, OP_NONE); \
		run Thread(2, OP_ACQ, OP_TRYREL, OP_NONE)
#elif defined(CFG_FULL)
/* the registration fields hold one each: later waiters poll */
#define RMASK	1
#define N	1
#define NT	3
#define THREADS	run Thread(0, OP_ACQ, OP_REL, OP_NONE); \
		run Thread(1, OP_ACQ, OP_REL, OP_NONE); \
		run Thread(2, OP_TACQ, OP_REL | IFOK, OP_NONE)
#elif defined(CFG_KILL)
/* any one process dies at any step; both kinds block */
#define KILLS	1
#define N	1
#define NT	3
#define THREADS	run Thread(0, OP_ACQ, OP_REL, OP_NONE); \
		run Thread(1, OP_CACQ, OP_REL | IFOK, OP_NONE); \
		run Thread(2, OP_REL, OP_NONE, OP_NONE)
#elif defined(CFG_KILL2)
/* any two die: acquirers, a timed one, and a blocking release */
#define KILLS	2
#define N	1
#define NT	3
#define THREADS	run Thread(0, OP_ACQ, OP_REL, OP_NONE); \
		run Thread(1, OP_TACQ, OP_REL | IFOK, OP_NONE); \
		run Thread(2, OP_ACQ, OP_REL, OP_NONE)
#elif defined(CFG_LIVE)
/* liveness: both kinds block, a timed acquire, a churner that never stops */
#define LIVE
#define ENV_EVENTS
#define NOSPIN
#define MAXSPUR	0
#define N	1
#define NT	3
#define THREADS	run Thread(0, OP_TACQ, OP_REL | IFOK, OP_NONE); \
		run Thread(1, OP_REL, OP_ACQ, OP_NONE); \
		run Thread(2, OP_CHURN, OP_NONE, OP_NONE)
#elif defined(CFG_LIVE3)
/* liveness without a churner: acquirers, a cancellable one, a release
 * that blocks */
#define LIVE
#define ENV_EVENTS
#define NOSPIN
#define MAXSPUR	0
#define N	1
#define NT	3
#define THREADS	run Thread(0, OP_ACQ, OP_REL, OP_NONE); \
		run Thread(1, OP_CACQ, OP_REL | IFOK, OP_NONE); \
		run Thread(2, OP_REL, OP_NONE, OP_NONE)
#elif defined(CFG_LIVEKILL)
/* liveness with one death anywhere, the churner included */
#define LIVE
#define ENV_EVENTS
#define NOSPIN
#define MAXSPUR	0
#define KILLS	1
#define N	1
#define NT	3
#define THREADS	run Thread(0, OP_ACQ, OP_REL, OP_NONE); \
		run Thread(1, OP_CACQ, OP_REL | IFOK, OP_NONE); \
		run Thread(2, OP_CHURN, OP_NONE, OP_NONE)
#elif defined(CFG_FERR)
/* PAIRED with every release after a successful acquire only, so that any
 * blocking call may fail (-DFUTEX_FAILS) and no other depends on it */
#define PAIRED
#define N	1
#define NT	3
#define THREADS	run Thread(0, OP_ACQ, OP_REL | IFOK, OP_NONE); \
		run Thread(1, OP_TACQ, OP_REL | IFOK, OP_NONE); \
		run Thread(2, OP_CACQ, OP_REL | IFOK, OP_NONE)
#elif defined(CFG_FERR_REL)
/* its mirror: every permit given out at the start, release then acquire
 * if it succeeded; releases block and may fail */
#define OUT0	1
#define N	1
#define NT	3
#define THREADS	run Thread(0, OP_REL, OP_ACQ | IFOK, OP_NONE); \
		run Thread(1, OP_TREL, OP_ACQ | IFOK, OP_NONE); \
		run Thread(2, OP_CREL, OP_ACQ | IFOK, OP_NONE)
#elif defined(CFG_FBROKEN)
/* run with -DFUTEX_BROKEN (every futex wait fails): more acquires than
 * releases, so an acquire that retried the failed futex would never
 * return */
#define N	1
#define NT	3
#define THREADS	run Thread(0, OP_ACQ, OP_ACQ, OP_NONE); \
		run Thread(1, OP_CACQ, OP_NONE, OP_NONE); \
		run Thread(2, OP_REL, OP_TREL, OP_NONE)
/* ---- private semaphores: the policy of shared.c (P1-P3) ---------- */
#elif defined(CFG_PPAIRED)
/* PAIRED with the policy: acquirers' k and H; releases wake acquirers */
#define POLICY
#define PAIRED
#define N	1
#define NT	3
#define THREADS	run Thread(0, OP_ACQ, OP_REL, OP_NONE); \
		run Thread(1, OP_ACQ, OP_REL, OP_NONE); \
		run Thread(2, OP_ACQ, OP_REL, OP_NONE)
#elif defined(CFG_PPC)
/* PC with the policy: both kinds asleep on one futex word, both k */
#define POLICY
#define N	1
#define NT	3
#define THREADS	run Thread(0, OP_ACQ, OP_ACQ, OP_NONE); \
		run Thread(1, OP_TREL, OP_REL | IFFAIL, OP_NONE); \
		run Thread(2, OP_TRYACQ, OP_CREL | IFOK, OP_NONE)
#elif defined(CFG_PREL)
/* releasers' k and H: every permit given out, two releases block, an
 * acquire-release pair barges in between */
#define POLICY
#define OUT0	1
#define N	1
#define NT	3
#define THREADS	run Thread(0, OP_REL, OP_NONE, OP_NONE); \
		run Thread(1, OP_REL, OP_NONE, OP_NONE); \
		run Thread(2, OP_ACQ, OP_TRYREL, OP_ACQ)
#elif defined(CFG_PHAND)
/* N = 2, all given out: two acquires block, releases with a barging
 * tryacquire in between (k counted for an awake acquirer, hand-off mode,
 * a barger held back by H) */
#define POLICY
#define OUT0	2
#define N	2
#define NT	3
#define THREADS	run Thread(0, OP_ACQ, OP_NONE, OP_NONE); \
		run Thread(1, OP_ACQ, OP_NONE, OP_NONE); \
		run Thread(2, OP_REL, OP_TRYACQ, OP_REL)
#elif defined(CFG_PTURN)
/* the turn (P4), shared_fsem.pml's PBASIC for acquirers: an acquirer
 * registers, another gives its turn up to it, and it takes and acquires
 * again while that one is registered */
#define POLICY
#define OUT0	1
#define N	1
#define NT	3
#define NOSPIN
#define MAXSPUR	0
#define THREADS	run Thread(0, OP_ACQ, OP_ACQ, OP_NONE); \
		run Thread(1, OP_ACQ, OP_REL, OP_NONE); \
		run Thread(2, OP_REL, OP_REL, OP_NONE)
#elif defined(CFG_PTIMED)
/* a timed and a cancellable acquire (one may leave starving) */
#define POLICY
#define PAIRED
#define N	1
#define NT	3
#define THREADS	run Thread(0, OP_ACQ, OP_REL, OP_NONE); \
		run Thread(1, OP_TACQ, OP_REL | IFOK, OP_NONE); \
		run Thread(2, OP_CACQ, OP_REL | IFOK, OP_NONE)
#elif defined(CFG_PLIVE)
/* liveness with the policy: both kinds block, a churner */
#define POLICY
#define LIVE
#define ENV_EVENTS
#define NOSPIN
#define MAXSPUR	0
#define N	1
#define NT	3
#define THREADS	run Thread(0, OP_TACQ, OP_REL | IFOK, OP_NONE); \
		run Thread(1, OP_REL, OP_ACQ, OP_NONE); \
		run Thread(2, OP_CHURN, OP_NONE, OP_NONE)
#elif defined(CFG_PLIVE3)
/* liveness with the policy, no churner: PPAIRED's operations */
#define POLICY
#define LIVE
#define ENV_EVENTS
#define NOSPIN
#define MAXSPUR	0
#define N	1
#define NT	3
#define THREADS	run Thread(0, OP_ACQ, OP_REL, OP_NONE); \
		run Thread(1, OP_ACQ, OP_REL, OP_NONE); \
		run Thread(2, OP_ACQ, OP_REL, OP_NONE)
#elif defined(CFG_PSTOP)
/* a timed acquire while any other thread may stop for good */
#define POLICY
#define PAIRED
#define STOPS	1
#ifdef PSTOP_TURN
/* P4: any contended call may give its turn up; thread 0's second timed
 * acquire is left out (with it and even one turn given up: over 260M
 * states, 13 GB collapsed, too large for CI) */
#define T0_LAST	OP_NONE
#else
#define NOYIELD		/* no turn given up here: PSTOP_TURN covers P4 */
#define T0_LAST	OP_TACQ
#endif
#define N	1
#define NT	3
#define THREADS	run Thread(0, OP_TACQ, OP_REL | IFOK, T0_LAST); \
		run Thread(1, OP_ACQ, OP_REL, OP_NONE); \
		run Thread(2, OP_ACQ, OP_REL, OP_NONE)
/* ---- shutdown (S1-S4 of shared.c) --------------------------------- */
#elif defined(CFG_SHUT) || defined(CFG_PSHUT)
/* N 1, none given out: a timed release blocks (G 0), then an acquire;
 * an acquire then a second that blocks (G 1); a shutdown, then a release
 * (ECANCELED, no sleep). Both kinds block; PSHUT with the policy */
#ifdef CFG_PSHUT
#define POLICY
#endif
#define SHUTDOWN
#define N	1
#define NT	3
#define THREADS	run Thread(0, OP_TREL, OP_ACQ, OP_NONE); \
		run Thread(1, OP_ACQ, OP_ACQ, OP_NONE); \
		run Thread(2, OP_SHUT, OP_REL, OP_NONE)
#elif defined(CFG_SHUTC) || defined(CFG_PSHUTC)
/* N 1, given out: a cancellable and a plain acquire block, a release
 * concurrent with two shutdowns (the second wakes nobody) */
#ifdef CFG_PSHUTC
#define POLICY
#endif
#define SHUTDOWN
#define OUT0	1
#define N	1
#define NT	3
#define THREADS	run Thread(0, OP_CACQ, OP_ACQ, OP_NONE); \
		run Thread(1, OP_ACQ, OP_SHUT, OP_NONE); \
		run Thread(2, OP_REL, OP_SHUT, OP_NONE)
#elif defined(CFG_SHUT0) || defined(CFG_PSHUT0)
/* N 1, given out, no release before the shutdown (k of the acquirers
 * stays 0 until S, so the flip changes the high half for every sleeper):
 * a plain and a timed acquire block; a shutdown, then a release */
#ifdef CFG_PSHUT0
#define POLICY
#endif
#define SHUTDOWN
#define OUT0	1
#define N	1
#define NT	3
#define THREADS	run Thread(0, OP_ACQ, OP_NONE, OP_NONE); \
		run Thread(1, OP_TACQ, OP_ACQ, OP_NONE); \
		run Thread(2, OP_SHUT, OP_REL, OP_NONE)
#elif defined(CFG_SHUTLIVE) || defined(CFG_PSHUTLIVE)
/* liveness: both kinds block, a shutdown: every call returns */
#ifdef CFG_PSHUTLIVE
#define POLICY
#endif
#define SHUTDOWN
#define LIVE
#define ENV_EVENTS
#define NOSPIN
#define MAXSPUR	0
#define N	1
#define NT	3
#define THREADS	run Thread(0, OP_TREL, OP_ACQ, OP_NONE); \
		run Thread(1, OP_ACQ, OP_ACQ, OP_NONE); \
		run Thread(2, OP_SHUT, OP_NONE, OP_NONE)
/* ---- weighted steps (Q1-Q3 of shared.c) ---------------------------- */
#elif defined(CFG_W) || defined(CFG_PW)
/* N 2: an acquire_n(2) then release_n(2), an acquire/release pair, a timed
 * acquire and a release if it got one */
#ifdef CFG_PW
#define POLICY
#endif
#define N	2
#define NT	3
#define THREADS	run Thread(0, OP_ACQ2, OP_REL2 | IFOK, OP_NONE); \
		run Thread(1, OP_ACQ, OP_REL, OP_NONE); \
		run Thread(2, OP_TACQ, OP_REL | IFOK, OP_NONE)
#elif defined(CFG_WREL) || defined(CFG_PWREL)
/* N 2, none given out: a timed release_n(2) then release_n(2) if it
 * failed, two acquires (releasers' WB and HB) */
#ifdef CFG_PWREL
#define POLICY
#endif
#define N	2
#define NT	3
#define THREADS	run Thread(0, OP_TREL2, OP_REL2 | IFFAIL, OP_NONE); \
		run Thread(1, OP_ACQ, OP_NONE, OP_NONE); \
		run Thread(2, OP_ACQ, OP_NONE, OP_NONE)
#elif defined(CFG_WTIMED) || defined(CFG_PWTIMED)
/* N 2, both given out: a timed acquire_n(2) (may hold HB and leave), an
 * acquire_n(2), two releases; the timed one gives its 2 back */
#ifdef CFG_PWTIMED
#define POLICY
#endif
#define OUT0	2
#define N	2
#define NT	3
#define THREADS	run Thread(0, OP_TACQ2, OP_REL2 | IFOK, OP_NONE); \
		run Thread(1, OP_ACQ2, OP_NONE, OP_NONE); \
		run Thread(2, OP_REL, OP_REL, OP_NONE)
#elif defined(CFG_WSHUT) || defined(CFG_PWSHUT)
/* N 2, none given out: a release_n(2) blocked, a shutdown */
#ifdef CFG_PWSHUT
#define POLICY
#endif
#define SHUTDOWN
#define N	2
#define NT	3
#define THREADS	run Thread(0, OP_REL2, OP_NONE, OP_NONE); \
		run Thread(1, OP_ACQ, OP_NONE, OP_NONE); \
		run Thread(2, OP_SHUT, OP_NONE, OP_NONE)
#elif defined(CFG_PWLIVE)
/* liveness (policy): an acquire_n(2) against a churner (tryacquire,
 * tryrelease if it got one); the bound of Q3 passes at once */
#define POLICY
#define LIVE
#define ENV_EVENTS
#define NOSPIN
#define MAXSPUR	0
#define STARVE_NOW
#define N	2
#define NT	3
#define THREADS	run Thread(0, OP_ACQ2, OP_NONE, OP_NONE); \
		run Thread(1, OP_CHURN, OP_NONE, OP_NONE); \
		run Thread(2, OP_NONE, OP_NONE, OP_NONE)
#else
#error "choose a configuration: W, PW, WREL, PWREL, WTIMED, PWTIMED, WSHUT, PWSHUT, PWLIVE, -DCFG_PAIRED, PC, PC2, FULL, KILL, KILL2, LIVE, LIVE3, LIVEKILL, FERR, FERR_REL, FBROKEN, PPAIRED, PPC, PREL, PHAND, PTURN, PTIMED, PLIVE, PLIVE3, PSTOP, SHUT, PSHUT, SHUTC, PSHUTC, SHUT0, PSHUT0, SHUTLIVE, PSHUTLIVE"
#endif
#ifndef OUT0
#define OUT0	0	/* permits given out at the start (G) */
#endif
#define LO0	OUT0

/* ghosts */
#ifndef LIVE
short effsum = OUT0;	/* acquires - releases, counted at their one CAS
			 * (OUT0: those made before the threads) */
short retsum = OUT0;	/* the same, counted when they return 0 */
#define USER(stmt)	stmt
#else
#define USER(stmt)	skip	/* the churner would make these unbounded */
#endif
#ifdef PAIRED
byte holders;		/* threads between a returned acquire and a release */
#endif

/* the one successful CAS of an operation (K1) */
#define STEPPED()	USER(effsum = effsum + (up -> sn : -sn))
/* acquirers (kind 0) and releasers (kind 1) that G lets through */
#define ROOMK(k)	ROOM_ ## k
#define ROOM_0		(N - lo)
#define ROOM_1		lo

/* bounded.c barge_acquire, barge_release (once shared_acquire and
 * shared_release) */
/* (bounded.c barge_acquire, barge_release: both sides have the policy on
 * a private semaphore, kmask and okmask != 0) */
/* (.shut = FSEM_S_B_; neither kind steps after it: sws 0) */
#define SIDE(d)		SIDEN(d, 1)
#define SIDEN(d, n)	up = ((d) > 0); hi = N; kd = ((d) < 0); \
			ok = ((d) > 0 -> 1 : 0); sn = (n); pk = POL; sws = 0
#define RESET()		wl = 0; w0 = 0; w1 = 0; up = 0; hi = 0; kd = 0; \
			ok = 0; sn = 0; wk = 0; err = 0; stepped = 0; \
			wq0 = 0; wq1 = 0; wh0 = 0; wh1 = 0; pk = 0; wn = 0; \
			ws = 0; sws = 0; sat = 0; wt = 0; hf = 0; bc = 0; bo = 0; \
			wb0 = 0; wb1 = 0; whb0 = 0; whb1 = 0
/* bounded.c fsem_bounded_shutdown: S in both halves (bits 31 and 63),
 * each 0 in every earlier value of its half */
#if defined(NEG_SHUT_FLIP)
/* NEGATIVE CONTROL (s-b1, S-B1: the first draft of the C): S in the low
 * half only, and bit 0 of the acquirers' k flipped in the high half: the
 * flip can restore a high half a sleeper read before k moved */
#define SHUT_BITS()	kk[0] = kk[0] ^ 1
#define S_BOTH		0
#elif defined(NEG_SHUT_LOW_ONLY)
/* NEGATIVE CONTROL (s-b2): S in the low half only; the high half, the
 * futex word of private sleepers, does not change */
#define SHUT_BITS()	skip
#define S_BOTH		0
#else
#define SHUT_BITS()	skip
#define S_BOTH		1
#endif
/* WBA, WBR (bits 25..28) are in the low half of the bounded word */
#define WB_HIGH		0

/* constant-false bits: their names are what spin prints when one fails */
bit K1_conservation, K4_bounds, registrations_match, queue_valid, K2_wake;
bit no_lost_wakeup_at_end, final_state_clean, at_most_N_holders;
bit no_access_after_handover;
bit P1_k_le_registered, P3_H_has_one_starving_owner, P3_barger_leaves_room;
bit timed_call_returns;
bit no_wait_step_after_shutdown, ECANCELED_only_after_S_took_nothing;
bit call_after_shutdown_ECANCELED;
bit no_sleeper_after_shutdown_wake, shutdown_every_call_returns;
bit Q3_HB_has_one_holder;

/* Every bounded step may let the other kind through (shared.c poll_room). */
#define SPIN_HANDS_OVER
#include "shared.pml"

/*
 * What a caller sees of a shutdown (S1): ECANCELED only once S is set and
 * with nothing taken; every call (acquire or release, blocking or try)
 * made after S answers ECANCELED.
 */
inline shut_result()
{
	if
	:: err == ESHUT && (stepped || !ss) ->
		assert(ECANCELED_only_after_S_took_nothing)
	:: sat && err != ESHUT -> assert(call_after_shutdown_ECANCELED)
	:: else -> skip
	fi
}

proctype Thread(byte me; byte op0; byte op1; byte op2)
{
	short wl;
	byte w0, w1, sn, hi, ok, wk, err, rounds, ho, k, op;
	bit up, kd, unit, stepped, prevok;
	byte wq0, wq1, wn, kt, kh;		/* the policy (shared.pml) */
	bit wh0, wh1, pk, kn, slept, starving, yielding;
	bit ws, sws, sat;			/* S in w; steps_when_shut; S at call */
	byte wb0, wb1;				/* WB in w (Q1) */
	bit whb0, whb1, wt, hf, bc, bo;		/* HB in w; weighted; half; bcasts */

	do
	:: k < 3 ->
		op = (k == 0 -> op0 : (k == 1 -> op1 : op2));
		if
		:: (op & IFOK) && !prevok -> op = OP_NONE
		:: (op & IFFAIL) && prevok -> op = OP_NONE
		:: else -> op = op & 15
		fi;
		if
		:: op == OP_NONE -> skip
		:: op == OP_SHUT ->
			atomic { SIDE(1) };	/* bounded.c fsem_bounded_shutdown */
			shutdown();
			atomic { RESET(); stepped = 0 };
			goto next_
		:: op == OP_CHURN ->
			do
			/* bounded.c fsem_bounded_tryacquire */
			:: atomic { SIDE(1) };
				shared_try();
				if
				/* bounded.c fsem_bounded_tryrelease */
				:: stepped ->
					atomic { HANDED(handed[me] = 0); SIDE(-1) };
					shared_try()
				:: else -> skip
				fi;
				atomic { HANDED(handed[me] = 0); RESET() }
			od
		:: op == OP_TRYACQ || op == OP_TRYREL ->
			/* bounded.c fsem_bounded_tryacquire / tryrelease ->
			 * bounded.c try_step */
			atomic { SIDE(op == OP_TRYACQ -> 1 : -1); sat = ss };
			shared_try()
		:: else ->
			/* bounded.c acquire, bounded.c release -> bounded.c
			 * barge_step (once shared_step) */
			atomic {
				/* (the _n calls: bounded.c step_n -> barge_slow(n)) */
				ik[me] = (op == OP_TACQ || op == OP_TREL ||
					  op == OP_TACQ2 || op == OP_TREL2 -> IK_TMO :
					  (op == OP_CACQ || op == OP_CREL ->
					   IK_CANCEL : IK_NONE));
#ifdef PAIRED
				holders = holders - (op >= OP_REL -> 1 : 0);
#endif
				SIDEN(op <= OP_TRYACQ || op == OP_ACQ2 ||
				      op == OP_TACQ2 -> 1 : -1,
				      op >= OP_ACQ2 -> 2 : 1); sat = ss
			}
			take();
			if
			:: err == ECANCELED && !stepped -> goto cancelled
			:: else -> skip
			fi
		fi;
		atomic {
			shut_result();
			USER(retsum = retsum + (stepped -> (up -> sn : -sn) : 0));
			wserved = wserved || (stepped && sn > 1);
#ifdef PAIRED
			holders = holders + (stepped && up -> 1 : 0);
#endif
			prevok = stepped; ik[me] = IK_NONE; CLEAR_EV(me);
			HANDED(handed[me] = 0); RESET()
		};
next_:		k++
	:: else -> break
	od;
cancelled:	/* after cancel_cleanup the thread exits (pthread_exit) */
	atomic {
		fin[me] = 1; ndone++; ik[me] = IK_NONE; k = 0; op = 0; prevok = 0;
		RESET()
	}
killed:	/* after die() */
	skip
#if STOPS > 0
	; goto done_;
end_stopped:	/* stopped for good (STOPS): never runs again */
	false;
done_:	skip
#endif
}

/*
 * Checked in every state:
 *   K1 (shared.c, Invariants): G == acquires - releases, each counted at
 *      its one CAS, whether its process lives on or dies right after;
 *   K4 (shared.c, Invariants): 0 <= G <= N;
 *   the registrations (and no field past RMASK: the 16-bit A and R), the
 *   kernel queue, K2 with wakes in flight, for both kinds (shared.pml).
 * and on what the callers see (these alone with -DOBSERVABLE_ONLY):
 *   PAIRED: at most N threads hold a permit;
 *   at a global deadlock: no more sleepers of a kind could go on than
 *   wakes of that kind were lost with a dead process;
 *   when all threads finished: A and R count only dead processes'
 *   registrations, and (no process died) G == what the callers saw.
 */
#define K1	(lo == effsum)
#define K4	(lo >= 0 && lo <= N)
#define QALL	(Q_OK(0) && Q_OK(1) && Q_OK(2))
#if KILLS > 0
#define FINAL	(reg[0] == NREG(0) && reg[1] == NREG(1))
#else
/* (k and H are 0 too: nobody is registered, nobody starves; unless shut
 * down: S2, and the shutdown flipped a bit of k) */
#define FINAL	(reg[0] == 0 && reg[1] == 0 && wb[0] == 0 && wb[1] == 0 && \
		 lo == retsum && (ss || (kk[0] == 0 && kk[1] == 0 && \
		 hh[0] == 0 && hh[1] == 0 && hb[0] == 0 && hb[1] == 0)))
#endif
/* the policy: k <= registered of its kind (P1); H set iff one (live)
 * waiter of its kind is starving (P3) */
#define P1_K(k)		(kk[k] <= reg[k])
#define P3_H(k)		(hh[k] == (NSTV(k) > 0) && NSTV(k) <= 1)
/* a timed call that can no longer return (STOPS) */
#define TSTUCK(i)	(ik[i] == IK_TMO && !stp[i])
#define TIMED_STUCK	(TSTUCK(0) || TSTUCK(1) || TSTUCK(2))

active proctype Monitor()
{
end_monitor:
	if
#if !defined(OBSERVABLE_ONLY) && !defined(LIVE)
	:: atomic { !K1 -> assert(K1_conservation) }
#endif
#ifndef OBSERVABLE_ONLY
	:: atomic { !K4 -> assert(K4_bounds) }
	:: atomic { !(REG_OK(0) && REG_OK(1)) -> assert(registrations_match) }
	:: atomic { !QALL -> assert(queue_valid) }
#ifdef CHECK_K2
	/* (after S the shutdown's wake replaces K2: below) */
	:: atomic { !ss && !(K2(0) && K2(1)) -> assert(K2_wake) }
#endif
#ifdef POLICY
	/* (S2: k and H mean nothing after S) */
	:: atomic { !ss && !(P1_K(0) && P1_K(1)) -> assert(P1_k_le_registered) }
	:: atomic { !ss && !(P3_H(0) && P3_H(1)) ->
		assert(P3_H_has_one_starving_owner) }
	:: atomic { !ss && !(P3_HB(0) && P3_HB(1)) -> assert(Q3_HB_has_one_holder) }
#endif
#ifdef SHUTDOWN
	/* S3: once the shutdown has woken every sleeper, nobody sleeps */
	:: atomic { shwoke && NBLKA > 0 ->
		assert(no_sleeper_after_shutdown_wake) }
#endif
#endif
#if defined(SHUTDOWN) && !defined(LIVE)
	/* every call returns: no sleeper for ever, no wait on the shutdown */
	:: atomic { timeout && ndone < NT -> assert(shutdown_every_call_returns) }
#endif
#ifdef PAIRED
	:: atomic { holders > N -> assert(at_most_N_holders) }
#endif
#ifndef LIVE
#if STOPS == 0
	:: atomic { timeout && !ss && !(END_OK(0) && END_OK(1)) ->
		assert(no_lost_wakeup_at_end) }
#else
	/* stopped threads may hold wakes (k) for good: no END_OK; but a
	 * timed call returns whatever the others do */
	:: atomic { timeout && TIMED_STUCK -> assert(timed_call_returns) }
#endif
	:: atomic { ndone == NT && !FINAL -> assert(final_state_clean) }
#endif
	fi
}

init
{
	atomic { THREADS }
}

#ifdef LIVE
/* As in shared_fsem.pml, for both kinds. */
ltl no_lost_wakeup { []<> !ASLEEP_XS(0) && []<> !ASLEEP_XS(1) }
ltl waiters_go_on { []<> !REG_XS(0) && []<> !REG_XS(1) }
ltl strict_no_lost_wakeup { []<> !ASLEEP_ANY(0) && []<> !ASLEEP_ANY(1) }
/* A weighted step of 2 is made (Q3: not starved by a churner). */
ltl weighted_served { <> wserved }
#endif
#if defined(FUTEX_BROKEN) || (defined(SHUTDOWN) && defined(LIVE))
/* With every futex wait failing (a seccomp filter), every call returns.
 * With a shutdown (S3), every call returns, blocked ones included. */
ltl calls_return { <> (ndone == NT) }
#endif
