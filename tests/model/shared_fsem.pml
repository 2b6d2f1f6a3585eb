/*
 * shared_fsem.pml - Promela model of a process-shared fsem_t (FSEM_SHARED:
 * src/fsem.c's dispatch to src/shared.c) on top of shared.pml.
 *
 *   spin -a -DCFG_BASIC shared_fsem.pml && cc -DSAFETY -o pan pan.c && ./pan
 *
 * State: the hand-off word, V = lo and W = reg[0] (shared.c, Word
 * layout). The count word holds the trap (fsem.c fsem_init: FSEM_TRAP_);
 * the inline fast paths' xadd on it (fsem.h's of builds before 0.3;
 * today's fsem_wait_inline_ and fsem_post_inline_ CAS the state word)
 * only leads into fsem.c fsem_wait_slow_ / fsem_post_slow_ and is not
 * modelled.
 */

#define OP_NONE		0
#define OP_WAIT		1	/* fsem_wait, never interrupted */
#define OP_TWAIT	2	/* fsem_timedwait: may time out (or EINTR) */
#define OP_CWAIT	3	/* fsem_wait, may be cancelled (thread exits) */
#define OP_TRY		4	/* fsem_trywait */
#define OP_POST		5	/* fsem_post */
#define OP_POST2	6	/* fsem_post_n(sem, 2) */
#define OP_CHURN	7	/* forever: trywait, and post what it took */
#define OP_SHUT		8	/* fsem_shutdown */
#define OP_WAIT2	9	/* fsem_wait_n(sem, 2) (Q1-Q3) */
#define OP_TWAIT2	10	/* fsem_timedwait_n(sem, 2) */
#define OP_TRY2		11	/* fsem_trywait_n(sem, 2) */
#define IFOK		16	/* flag: only if the previous operation returned 0 */

/* ---- configurations ------------------------------------------------ */
#if defined(CFG_BASIC)
/* waits, trywait, post, post_n(2) that may overflow (VMAX 2), spurious */
#define INIT	0
#define VMAX	2
#define NT	3
#define THREADS	run Thread(0, OP_WAIT, OP_WAIT, OP_NONE); \
		run Thread(1, OP_WAIT, OP_TRY, OP_NONE); \
		run Thread(2, OP_POST, OP_POST2, OP_POST)
#elif defined(CFG_TIMED)
/* a timed wait (timeout / EINTR at any moment) among plain waits */
#define INIT	0
#define NT	3
#define THREADS	run Thread(0, OP_TWAIT, OP_POST | IFOK, OP_NONE); \
		run Thread(1, OP_WAIT, OP_WAIT, OP_NONE); \
		run Thread(2, OP_POST, OP_POST2, OP_NONE)
#elif defined(CFG_CANCEL)
/* a cancellable wait that may absorb the only wake, and a plain wait */
#define INIT	0
#define NT	3
#define THREADS	run Thread(0, OP_CWAIT, OP_POST | IFOK, OP_NONE); \
		run Thread(1, OP_WAIT, OP_NONE, OP_NONE); \
		run Thread(2, OP_POST, OP_NONE, OP_NONE)
#elif defined(CFG_MIXED)
/* two leavers (timeout, cancel) and one post_n(2) that must wake both */
#define INIT	0
#define NT	3
#define THREADS	run Thread(0, OP_TWAIT, OP_WAIT, OP_NONE); \
		run Thread(1, OP_CWAIT, OP_NONE, OP_NONE); \
		run Thread(2, OP_POST2, OP_NONE, OP_NONE)
#elif defined(CFG_FULL)
/* the registration field holds one: the second waiter polls */
#define RMASK	1
#define INIT	0
#define NT	3
#define THREADS	run Thread(0, OP_WAIT, OP_NONE, OP_NONE); \
		run Thread(1, OP_TWAIT, OP_POST | IFOK, OP_NONE); \
		run Thread(2, OP_POST, OP_NONE, OP_NONE)
#elif defined(CFG_KILL)
/* any one process dies at any step */
#define KILLS	1
#define INIT	0
#define NT	3
#define THREADS	run Thread(0, OP_WAIT, OP_NONE, OP_NONE); \
		run Thread(1, OP_CWAIT, OP_NONE, OP_NONE); \
		run Thread(2, OP_POST, OP_POST, OP_NONE)
#elif defined(CFG_KILL2)
/* any two die; two sleepers, one timed, and a post_n(2) */
#define KILLS	2
#define INIT	0
#define NT	3
#define THREADS	run Thread(0, OP_WAIT, OP_NONE, OP_NONE); \
		run Thread(1, OP_TWAIT, OP_NONE, OP_NONE); \
		run Thread(2, OP_POST2, OP_NONE, OP_NONE)
#elif defined(CFG_LIVE)
/* liveness: a waiter, a timed waiter, a poster, and a churner that never
 * stops (a lost wake-up is then an infinite run, not only a deadlock) */
#define LIVE
#define ENV_EVENTS
#define NOSPIN
#define MAXSPUR	0
#define INIT	0
#define NT	3
#define THREADS	run Thread(0, OP_WAIT, OP_NONE, OP_NONE); \
		run Thread(1, OP_TWAIT, OP_NONE, OP_NONE); \
		run Thread(2, OP_POST, OP_CHURN, OP_NONE)
#elif defined(CFG_LIVE3)
/* liveness without a churner: waiters, a cancellable one, posts */
#define LIVE
#define ENV_EVENTS
#define NOSPIN
#define MAXSPUR	0
#define INIT	0
#define NT	3
#define THREADS	run Thread(0, OP_WAIT, OP_WAIT, OP_NONE); \
		run Thread(1, OP_CWAIT, OP_POST | IFOK, OP_NONE); \
		run Thread(2, OP_POST, OP_POST, OP_NONE)
#elif defined(CFG_LIVEKILL)
/* liveness with one death anywhere, the churner included */
#define LIVE
#define ENV_EVENTS
#define NOSPIN
#define MAXSPUR	0
#define KILLS	1
#define INIT	0
#define NT	3
#define THREADS	run Thread(0, OP_WAIT, OP_NONE, OP_NONE); \
		run Thread(1, OP_CWAIT, OP_NONE, OP_NONE); \
		run Thread(2, OP_POST, OP_CHURN, OP_NONE)
#elif defined(CFG_FBROKEN)
/* run with -DFUTEX_BROKEN (every futex wait fails): more waits than
 * posts, so a wait that retried the failed futex would never return */
#define INIT	0
#define NT	3
#define THREADS	run Thread(0, OP_WAIT, OP_WAIT, OP_NONE); \
		run Thread(1, OP_CWAIT, OP_NONE, OP_NONE); \
		run Thread(2, OP_POST, OP_NONE, OP_NONE)
/* ---- private semaphores: the policy of shared.c (P1-P3) ---------- */
#elif defined(CFG_PBASIC)
/* BASIC with the policy: waits, trywait, post_n(2) and EOVERFLOW (VMAX 2) */
#define POLICY
#define INIT	0
#define VMAX	2
#define NT	3
#define THREADS	run Thread(0, OP_WAIT, OP_WAIT, OP_NONE); \
		run Thread(1, OP_WAIT, OP_TRY, OP_NONE); \
		run Thread(2, OP_POST, OP_POST2, OP_POST)
#elif defined(CFG_PHAND)
/* two waiters, a poster that barges in between (trywait): k counted for
 * a waiter that is awake, hand-off mode, a barger held back by H */
#define POLICY
#define INIT	0
#define NT	3
#define THREADS	run Thread(0, OP_WAIT, OP_NONE, OP_NONE); \
		run Thread(1, OP_WAIT, OP_NONE, OP_NONE); \
		run Thread(2, OP_POST, OP_TRY, OP_POST)
#elif defined(CFG_PTIMED)
/* TIMED with the policy: a timed waiter (it may leave starving) */
#define POLICY
#define INIT	0
#define NT	3
#define THREADS	run Thread(0, OP_TWAIT, OP_POST | IFOK, OP_NONE); \
		run Thread(1, OP_WAIT, OP_WAIT, OP_NONE); \
		run Thread(2, OP_POST, OP_POST2, OP_NONE)
#elif defined(CFG_PCANCEL)
/* CANCEL with the policy: a cancelled waiter passes an absorbed wake on */
#define POLICY
#define INIT	0
#define NT	3
#define THREADS	run Thread(0, OP_CWAIT, OP_POST | IFOK, OP_NONE); \
		run Thread(1, OP_WAIT, OP_NONE, OP_NONE); \
		run Thread(2, OP_POST, OP_NONE, OP_NONE)
#elif defined(CFG_PKSAT)
/* k saturates at 1 (KMASK 1): two waiters, one timed, post_n(2) */
#define POLICY
#define KMASK	1
#define INIT	0
#define NT	3
#define THREADS	run Thread(0, OP_WAIT, OP_NONE, OP_NONE); \
		run Thread(1, OP_TWAIT, OP_WAIT, OP_NONE); \
		run Thread(2, OP_POST2, OP_POST, OP_NONE)
#elif defined(CFG_PLIVE)
/* liveness with the policy: a waiter, a timed waiter, a poster that then
 * churns (a barger that never stops) */
#define POLICY
#define LIVE
#define ENV_EVENTS
#define NOSPIN
#define MAXSPUR	0
#define INIT	0
#define NT	3
#define THREADS	run Thread(0, OP_WAIT, OP_NONE, OP_NONE); \
		run Thread(1, OP_TWAIT, OP_NONE, OP_NONE); \
		run Thread(2, OP_POST, OP_CHURN, OP_NONE)
#elif defined(CFG_PLIVE3)
/* liveness with the policy, no churner: PHAND's operations */
#define POLICY
#define LIVE
#define ENV_EVENTS
#define NOSPIN
#define MAXSPUR	0
#define INIT	0
#define NT	3
#define THREADS	run Thread(0, OP_WAIT, OP_NONE, OP_NONE); \
		run Thread(1, OP_WAIT, OP_NONE, OP_NONE); \
		run Thread(2, OP_POST, OP_TRY, OP_POST)
#elif defined(CFG_PSTOP)
/* a timed wait while any other thread may stop for good at any step */
#define POLICY
#define STOPS	1
#define INIT	0
#define NT	3
#define THREADS	run Thread(0, OP_TWAIT, OP_TWAIT, OP_NONE); \
		run Thread(1, OP_WAIT, OP_NONE, OP_NONE); \
		run Thread(2, OP_POST, OP_POST, OP_NONE)
/* ---- shutdown (S1-S4 of shared.c) --------------------------------- */
#elif defined(CFG_SHUT) || defined(CFG_PSHUT)
/* waiters (plain, timed) blocked, a post concurrent with the shutdown, a
 * post after it (still counts) and a wait after it (ECANCELED although
 * V > 0); PSHUT: the same on a private semaphore (the policy) */
#ifdef CFG_PSHUT
#define POLICY
#endif
#define SHUTDOWN
#define INIT	0
#define NT	3
#define THREADS	run Thread(0, OP_WAIT, OP_WAIT, OP_NONE); \
		run Thread(1, OP_TWAIT, OP_POST, OP_NONE); \
		run Thread(2, OP_SHUT, OP_POST, OP_WAIT)
#elif defined(CFG_SHUTC) || defined(CFG_PSHUTC)
/* a cancellable wait and a plain one blocked, a post and two shutdowns
 * (the second finds S and wakes nobody) */
#ifdef CFG_PSHUTC
#define POLICY
#endif
#define SHUTDOWN
#define INIT	0
#define NT	3
#define THREADS	run Thread(0, OP_CWAIT, OP_WAIT, OP_NONE); \
		run Thread(1, OP_WAIT, OP_SHUT, OP_NONE); \
		run Thread(2, OP_POST, OP_SHUT, OP_NONE)
#elif defined(CFG_SHUTLIVE) || defined(CFG_PSHUTLIVE)
/* liveness: two waiters that no post can satisfy, a post, a shutdown:
 * every call returns (ltl calls_return, weak fairness) */
#ifdef CFG_PSHUTLIVE
#define POLICY
#endif
#define SHUTDOWN
#define LIVE
#define ENV_EVENTS
#define NOSPIN
#define MAXSPUR	0
#define INIT	0
#define NT	3
#define THREADS	run Thread(0, OP_WAIT, OP_WAIT, OP_NONE); \
		run Thread(1, OP_TWAIT, OP_WAIT, OP_NONE); \
		run Thread(2, OP_POST, OP_SHUT, OP_NONE)
/* ---- weighted waits (Q1-Q3 of shared.c) ---------------------------- */
#elif defined(CFG_W) || defined(CFG_PW)
/* a wait_n(2), a wait then a trywait_n(2), three posts */
#ifdef CFG_PW
#define POLICY
#endif
#define INIT	0
#define NT	3
#define THREADS	run Thread(0, OP_WAIT2, OP_NONE, OP_NONE); \
		run Thread(1, OP_WAIT, OP_TRY2, OP_NONE); \
		run Thread(2, OP_POST, OP_POST, OP_POST)
#elif defined(CFG_WTIMED) || defined(CFG_PWTIMED)
/* a timed wait_n(2) (it may hold HB and leave), a wait_n(2), two posts;
 * the timed one posts its 2 back if it got them */
#ifdef CFG_PWTIMED
#define POLICY
#endif
#define INIT	0
#define NT	3
#define THREADS	run Thread(0, OP_TWAIT2, OP_POST2 | IFOK, OP_NONE); \
		run Thread(1, OP_WAIT2, OP_NONE, OP_NONE); \
		run Thread(2, OP_POST, OP_POST, OP_NONE)
#elif defined(CFG_PWSINGLE)
/* HB and single waiters: a timed wait_n(2), a wait, a post_n(2) and a
 * post (the wait is held back while HB is set) */
#define POLICY
#define INIT	0
#define NT	3
#define THREADS	run Thread(0, OP_TWAIT2, OP_NONE, OP_NONE); \
		run Thread(1, OP_WAIT, OP_NONE, OP_NONE); \
		run Thread(2, OP_POST, OP_POST, OP_POST)
#elif defined(CFG_WSHUT) || defined(CFG_PWSHUT)
/* a wait_n(2) and a wait blocked, a post, a shutdown */
#ifdef CFG_PWSHUT
#define POLICY
#endif
#define SHUTDOWN
#define INIT	0
#define NT	3
#define THREADS	run Thread(0, OP_WAIT2, OP_NONE, OP_NONE); \
		run Thread(1, OP_WAIT, OP_NONE, OP_NONE); \
		run Thread(2, OP_POST, OP_SHUT, OP_NONE)
#elif defined(CFG_PWLIVE)
/* liveness (policy): a wait_n(2) against a single-permit churner (trywait,
 * post what it took) that holds one of the two permits now and then; the
 * bound of Q3 passes at once (STARVE_NOW) */
#define POLICY
#define LIVE
#define ENV_EVENTS
#define NOSPIN
#define MAXSPUR	0
#define STARVE_NOW
#define INIT	0
#define NT	3
#define THREADS	run Thread(0, OP_WAIT2, OP_NONE, OP_NONE); \
		run Thread(1, OP_POST2, OP_CHURN, OP_NONE); \
		run Thread(2, OP_NONE, OP_NONE, OP_NONE)
#else
#error "choose a configuration: W, PW, WTIMED, PWTIMED, PWSINGLE, WSHUT, PWSHUT, PWLIVE, -DCFG_BASIC, TIMED, CANCEL, MIXED, FULL, KILL, KILL2, LIVE, LIVEKILL, FBROKEN, PBASIC, PHAND, PTIMED, PCANCEL, PKSAT, PLIVE, PLIVE3, PSTOP, SHUT, PSHUT, SHUTC, PSHUTC, SHUTLIVE, PSHUTLIVE"
#endif

#ifndef VMAX
#define VMAX	7	/* FSEM_VALUE_MAX */
#endif
#ifndef LIVE
#define CHECK_SPIN_STORE	/* holds here: posts never spin, waits hand nothing over */
#endif

/* ghosts */
short nposted;		/* permits posted: sum of n over successful CASes */
short ntaken;		/* permits taken: successful wait CASes */
#ifndef LIVE
short npok;		/* permits of posts that returned 0 */
short nwok;		/* waits (wait, timedwait, trywait) that returned 0 */
#define USER(stmt)	stmt
#else
#define USER(stmt)	skip	/* the churner would make these unbounded */
#endif

/* the one successful CAS of an operation (K1) */
#ifndef LIVE
#define STEPPED()	if \
			:: up -> nposted = nposted + sn \
			:: else -> ntaken = ntaken + sn \
			fi
#else
#define STEPPED()	skip	/* the churner would make these unbounded */
#endif
/* waiters (kind 0) that V lets through; there is no kind 1 */
#define ROOMK(k)	ROOM_ ## k
#define ROOM_0		lo
#define ROOM_1		0

/* fsem.c wait_sides[], post_sides[]: [0] private, with the policy (a
 * post side has none of its own: kmask 0, okmask != 0); [1] FSEM_SHARED */
/* (.shut = FSEM_S_W_; posts: .steps_when_shut, sws) */
#define WAIT_SIDE(n)	up = 0; hi = VMAX; kd = 0; ok = NOKIND; sn = (n); pk = POL; \
			sws = 0
#define POST_SIDE(n)	up = 1; hi = VMAX; kd = 0; ok = 0; sn = (n); pk = 0; \
			sws = 1
#define RESET()		wl = 0; w0 = 0; w1 = 0; up = 0; hi = 0; kd = 0; \
			ok = 0; sn = 0; wk = 0; err = 0; stepped = 0; \
			wq0 = 0; wq1 = 0; wh0 = 0; wh1 = 0; pk = 0; wn = 0; \
			ws = 0; sws = 0; sat = 0; wt = 0; hf = 0; bc = 0; bo = 0; \
			wb0 = 0; wb1 = 0; whb0 = 0; whb1 = 0
/* fsem.c fsem_shutdown: S, bits 31 and 63 (one in each half; the inline
 * wait of fsem.h takes only from a word in [1, FSEM_VALUE_MAX]) */
#define SHUT_BITS()	skip
/* WB (bits 50..52) is in the high half of fsem_t's word */
#define WB_HIGH		1

/* constant-false bits: their names are what spin prints when one fails */
bit K1_conservation, K4_bounds, registrations_match, queue_valid, K2_wake;
bit no_permit_invented, no_lost_wakeup_at_end, final_state_clean;
bit no_access_after_handover;
bit P1_k_le_registered, P3_H_has_one_starving_owner, P3_barger_leaves_room;
bit timed_call_returns;
bit no_wait_step_after_shutdown, ECANCELED_only_after_S_took_nothing;
bit call_after_shutdown_ECANCELED, post_after_shutdown_counts;
bit no_sleeper_after_shutdown_wake, shutdown_every_call_returns;
bit Q3_HB_has_one_holder;

#include "shared.pml"

/*
 * What a caller sees of a shutdown (S1): ECANCELED only once S is set and
 * with nothing taken; a wait called after S answers ECANCELED; a post
 * called after S succeeds (V < VMAX in these configurations).
 */
inline shut_result(iswait)
{
	if
	:: err == ESHUT && (stepped || !ss) ->
		assert(ECANCELED_only_after_S_took_nothing)
	:: iswait && sat && err != ESHUT -> assert(call_after_shutdown_ECANCELED)
	:: !iswait && sat && !stepped -> assert(post_after_shutdown_counts)
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
		:: else -> op = op & 15
		fi;
		if
		:: op == OP_WAIT || op == OP_TWAIT || op == OP_CWAIT ||
		   op == OP_WAIT2 || op == OP_TWAIT2 ->
			/* fsem.c fsem_wait, fsem.c fsem_wait_slow_ (the trap,
			 * fsem.h before 0.3), fsem.c fsem_clockwait ->
			 * fsem.c barge_take (once shared_take) */
			atomic {
				/* (fsem_wait_n, fsem_timedwait_n: fsem.c wait_n
				 * -> barge_take(s, n)) */
				ik[me] = (op == OP_TWAIT || op == OP_TWAIT2 -> IK_TMO :
					  (op == OP_CWAIT -> IK_CANCEL : IK_NONE));
				WAIT_SIDE(op >= OP_WAIT2 -> 2 : 1); sat = ss
			}
			take();
			if
			:: err == ECANCELED && !stepped -> goto cancelled
			:: else -> skip
			fi;
			atomic {
				shut_result(1);
				USER(nwok = nwok + (stepped -> sn : 0));
				wserved = wserved || (stepped && sn > 1);
				prevok = stepped; ik[me] = IK_NONE; CLEAR_EV(me);
				RESET()
			}
		:: op == OP_TRY || op == OP_TRY2 ->
			/* fsem.c fsem_trywait: fsem_shared_try;
			 * fsem_trywait_n: fsem_shared_try(n) */
			atomic { WAIT_SIDE(op == OP_TRY2 -> 2 : 1); sat = ss };
			shared_try();
			atomic {
				shut_result(1);
				USER(nwok = nwok + (stepped -> sn : 0));
				prevok = stepped; RESET()
			}
		:: op == OP_POST || op == OP_POST2 ->
			/* fsem.c fsem_post, fsem.c fsem_post_slow_ (the trap,
			 * fsem.h before 0.3), fsem.c fsem_post_n -> fsem.c
			 * barge_post_n (once shared_post_n): EOVERFLOW if past
			 * VMAX */
			atomic { POST_SIDE(op == OP_POST2 -> 2 : 1); sat = ss };
			shared_try();
			atomic {
				shut_result(0);
				USER(npok = npok + (stepped -> sn : 0));
				prevok = stepped; HANDED(handed[me] = 0); RESET()
			}
		:: op == OP_CHURN ->
			do
			:: atomic { WAIT_SIDE(1) };
				shared_try();
				if
				:: stepped -> atomic { POST_SIDE(1) }; shared_try()
				:: else -> skip
				fi;
				atomic { HANDED(handed[me] = 0); RESET() }
			od
		:: op == OP_SHUT ->
			atomic { WAIT_SIDE(1) };	/* fsem.c fsem_shutdown */
			shutdown();
			atomic { prevok = 1; RESET() }
		:: op == OP_NONE -> skip
		fi;
		k++
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
 *   K1 (shared.c, Invariants) conservation: INIT + posted == taken + V, where a
 *      post or wait counts at its one CAS, whether its process lives on or
 *      dies right after;
 *   K4 (shared.c, Invariants) 0 <= V <= VMAX;
 *   the registrations, the kernel queue, K2 with wakes in flight
 *   (shared.pml, end).
 * and on what the callers see (these alone with -DOBSERVABLE_ONLY):
 *   waits that returned 0 <= INIT + permits posted;
 *   at a global deadlock (every live thread finished or asleep): no more
 *   sleepers could go on than wakes were lost with a dead process; none if
 *   no process died in a wake window (K2: "no lost wake-up");
 *   when all threads finished: W counts only dead processes' registrations
 *   (destroy: EBUSY only then) and V = INIT + returned posts - returned
 *   waits (no process died).
 */
#define K1	(INIT + nposted == ntaken + lo)
#define K4	(lo >= 0 && lo <= VMAX)
#if NT > 3
#define QALL	(Q_OK(0) && Q_OK(1) && Q_OK(2) && Q_OK(3))
#else
#define QALL	(Q_OK(0) && Q_OK(1) && Q_OK(2))
#endif
#if KILLS > 0
#define FINAL	(reg[0] == NREG(0))
#else
/* (k and H are 0 too: nobody is registered, nobody starves; unless shut
 * down: S2, and the shutdown set H) */
#define FINAL	(reg[0] == 0 && wb[0] == 0 && lo == INIT + npok - nwok && \
		 (ss || (kk[0] == 0 && hh[0] == 0 && hb[0] == 0)))
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
	:: atomic { !REG_OK(0) -> assert(registrations_match) }
	:: atomic { !QALL -> assert(queue_valid) }
#ifdef CHECK_K2
	/* (after S the shutdown's wake replaces K2: below) */
	:: atomic { !ss && !K2(0) -> assert(K2_wake) }
#endif
#ifdef POLICY
	/* (S2: k and H mean nothing after S) */
	:: atomic { !ss && !P1_K(0) -> assert(P1_k_le_registered) }
	:: atomic { !ss && !P3_H(0) -> assert(P3_H_has_one_starving_owner) }
	:: atomic { !ss && !P3_HB(0) -> assert(Q3_HB_has_one_holder) }
#endif
#ifdef SHUTDOWN
	/* S3: once the shutdown has woken every sleeper, nobody sleeps */
	:: atomic { shwoke && NBLKA > 0 -> assert(no_sleeper_after_shutdown_wake) }
#endif
#endif
#if defined(SHUTDOWN) && !defined(LIVE)
	/* every call returns: no sleeper for ever, no wait on the shutdown */
	:: atomic { timeout && ndone < NT -> assert(shutdown_every_call_returns) }
#endif
#ifndef LIVE
	:: atomic { nwok > INIT + nposted -> assert(no_permit_invented) }
#if STOPS == 0
	:: atomic { timeout && !ss && !END_OK(0) -> assert(no_lost_wakeup_at_end) }
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
	atomic { lo = INIT; THREADS }
}

#ifdef LIVE
/*
 * No lost wake-up (pan -a -f: weak fairness; a violation is an accepting
 * cycle, a deadlock included): it is never the case that from some point
 * on, for ever, more waiters asleep in the kernel could go on (min(V,
 * sleepers)) than wakes were lost with dead processes. Without deaths: no
 * waiter sleeps for ever while V > 0.
 */
ltl no_lost_wakeup { []<> !ASLEEP_XS(0) }
/*
 * Configurations without a churner: every live registered waiter, asleep
 * or not, goes on (or V is 0, or the wakes lost explain it): no busy loop.
 */
ltl waiters_go_on { []<> !REG_XS(0) }
/* No lost wake-up whatever died: fails after a death in a wake window. */
ltl strict_no_lost_wakeup { []<> !ASLEEP_ANY(0) }
/* A weighted wait of 2 is served (Q3: not starved by a churner). */
ltl weighted_served { <> wserved }
#endif
#if defined(FUTEX_BROKEN) || (defined(SHUTDOWN) && defined(LIVE))
/* With every futex wait failing (a seccomp filter), every call returns.
 * With a shutdown (S3), every call returns, blocked waits included. */
ltl calls_return { <> (ndone == NT) }
#endif
