/*
 * fsem.pml - Promela model of the counting semaphore fsem_t (src/fsem.c,
 * the inline fast paths of include/fsem.h) on top of handoff.pml.
 *
 * Select one configuration with -DCFG_<name> (see the table below), and
 * optionally one negative control with -DNEG_<name> (see handoff.pml):
 *   spin -a -DCFG_BASIC fsem.pml && gcc -DSAFETY -o pan pan.c && ./pan
 *
 * State: count (fsem.c:16) and the hand-off word (T, S) (fsem.c:17).
 */

#define OP_NONE		0
#define OP_WAIT		1	/* fsem_wait, never interrupted */
#define OP_TWAIT	2	/* fsem_timedwait: may time out (or EINTR) */
#define OP_CWAIT	3	/* fsem_wait, may be cancelled (thread exits) */
#define OP_TRY		4	/* fsem_trywait */
#define OP_POST		5	/* fsem_post */
#define OP_POST2	6	/* fsem_post_n(sem, 2) */
#define OP_CHURN	7	/* forever: trywait, and post what it took */
#define OP_SHUT		8	/* fsem_shutdown (FSEM_FIFO: X1-X5 of handoff.c) */
#define OP_TRY2		9	/* fsem_trywait_n(sem, 2) */
#define IFOK		16	/* flag: only if the previous operation returned 0 */

/* ---- configurations: NT threads, three operations each ----------- */
#if defined(CFG_BASIC)
/* waits, trywait, post, post_n; spurious wake-ups */
#define INIT	0
#define NT	3
#define THREADS	run Thread(0, OP_WAIT, OP_WAIT, OP_NONE); \
		run Thread(1, OP_WAIT, OP_TRY, OP_NONE); \
		run Thread(2, OP_POST2, OP_POST, OP_POST)
#elif defined(CFG_TRYN)
/* a trywait_n(2) among a blocked wait and posts of 1 and 2: it takes two
 * only when two are free, never a permit a debtor is owed */
#define INIT	1
#define NT	3
#define THREADS	run Thread(0, OP_WAIT, OP_WAIT, OP_NONE); \
		run Thread(1, OP_TRY2, OP_TRY2, OP_POST2 | IFOK); \
		run Thread(2, OP_POST, OP_POST2, OP_NONE)
#elif defined(CFG_TIMED)
/* a timed wait (timeout / EINTR at any moment) among plain waits */
#define INIT	0
#define NT	3
#define THREADS	run Thread(0, OP_TWAIT, OP_WAIT, OP_NONE); \
		run Thread(1, OP_WAIT, OP_NONE, OP_NONE); \
		run Thread(2, OP_POST, OP_POST2, OP_NONE)
#elif defined(CFG_CANCEL)
/* a cancellable wait among plain waits */
#define INIT	0
#define NT	3
#define THREADS	run Thread(0, OP_CWAIT, OP_NONE, OP_NONE); \
		run Thread(1, OP_WAIT, OP_WAIT, OP_NONE); \
		run Thread(2, OP_POST, OP_POST2, OP_NONE)
#elif defined(CFG_TIMED1)
/* one permit for a plain and a timed waiter: if the timed one gives up,
 * the plain one must get the permit (if it got it, it posts it on), and
 * no post is left to rescue a timed waiter that failed to withdraw */
#define INIT	0
#define NT	3
#define THREADS	run Thread(0, OP_TWAIT, OP_POST | IFOK, OP_NONE); \
		run Thread(1, OP_WAIT, OP_NONE, OP_NONE); \
		run Thread(2, OP_POST, OP_NONE, OP_NONE)
#elif defined(CFG_MIXED)
/* two leavers (timeout, cancel) and a plain waiter; posts by a 4th */
#define INIT	0
#define NT	4
#define THREADS	run Thread(0, OP_TWAIT, OP_NONE, OP_NONE); \
		run Thread(1, OP_CWAIT, OP_NONE, OP_NONE); \
		run Thread(2, OP_WAIT, OP_NONE, OP_NONE); \
		run Thread(3, OP_POST, OP_POST2, OP_NONE)
#elif defined(CFG_LIVE)
/* liveness: waiters, a timed waiter, a poster, and a churner that never
 * stops (so a lost wake-up is an infinite run, not only a deadlock) */
#define LIVE
#define ENV_EVENTS
#define INIT	0
#define NT	4
#define THREADS	run Thread(0, OP_WAIT, OP_WAIT, OP_NONE); \
		run Thread(1, OP_TWAIT, OP_NONE, OP_NONE); \
		run Thread(2, OP_POST, OP_POST, OP_NONE); \
		run Thread(3, OP_CHURN, OP_NONE, OP_NONE)
#elif defined(CFG_FBROKEN)
/* run with -DFUTEX_BROKEN (every futex wait fails): more waits than
 * posts, so a wait that retried the failed futex would never return */
#define INIT	0
#define NT	3
#define THREADS	run Thread(0, OP_WAIT, OP_WAIT, OP_NONE); \
		run Thread(1, OP_CWAIT, OP_NONE, OP_NONE); \
		run Thread(2, OP_POST, OP_NONE, OP_NONE)
/* ---- shutdown (X1-X5 of handoff.c) -------------------------------- */
#elif defined(CFG_XSHUT)
/* two waits blocked, a post racing with the shutdown, a post after it
 * (which covers a debt of a waiter on its way out); the second wait and
 * the trywait may begin before, during or after the shutdown */
#define SHUTDOWN
#define INIT	0
#define NT	3
#define THREADS	run Thread(0, OP_WAIT, OP_WAIT, OP_NONE); \
		run Thread(1, OP_WAIT, OP_TRY, OP_NONE); \
		run Thread(2, OP_POST, OP_SHUT, OP_POST)
#elif defined(CFG_XTIMED)
/* a timed wait (timeout or EINTR at any moment, racing with the
 * shutdown), a plain wait, and a poster that goes on posting after it */
#define SHUTDOWN
#define INIT	0
#define NT	3
#define THREADS	run Thread(0, OP_TWAIT, OP_WAIT, OP_NONE); \
		run Thread(1, OP_WAIT, OP_NONE, OP_NONE); \
		run Thread(2, OP_SHUT, OP_POST, OP_POST2)
#elif defined(CFG_XCANCEL)
/* a cancellable wait, a plain one, a post and two shutdowns (the second
 * changes nothing and wakes nobody) */
#define SHUTDOWN
#define INIT	0
#define NT	3
#define THREADS	run Thread(0, OP_CWAIT, OP_WAIT, OP_NONE); \
		run Thread(1, OP_WAIT, OP_SHUT, OP_NONE); \
		run Thread(2, OP_POST, OP_SHUT, OP_NONE)
#elif defined(CFG_XLIVE)
/* liveness: waits that no post can satisfy, a post, a shutdown: every
 * call returns (ltl calls_return, weak fairness) */
#define SHUTDOWN
#define LIVE
#define ENV_EVENTS
#define INIT	0
#define NT	3
#define THREADS	run Thread(0, OP_WAIT, OP_WAIT, OP_NONE); \
		run Thread(1, OP_TWAIT, OP_WAIT, OP_NONE); \
		run Thread(2, OP_POST, OP_SHUT, OP_NONE)
#else
#error "choose a configuration: -DCFG_BASIC, CFG_TRYN, CFG_TIMED, CFG_TIMED1, CFG_CANCEL, CFG_MIXED, CFG_LIVE, CFG_FBROKEN, CFG_XSHUT, CFG_XTIMED, CFG_XCANCEL, CFG_XLIVE"
#endif

#define NW	1

short count = INIT;	/* fsem.c:16, int64 */

/* ghosts */
short avail = INIT;	/* initial + posts - permits taken (I1) */
#ifndef LIVE
byte nposts;		/* permits posted by fsem_post / fsem_post_n */
byte nwok;		/* permits taken by waits (wait, timedwait, trywait,
			 * trywait_n) that returned 0 */
byte npafter;		/* permits posted by posts whose xadd came after
			 * seen (after the mark, X4): none is ever taken */
#define USER(stmt)	stmt
#else
#define USER(stmt)	skip	/* the churner would make these unbounded */
#endif

/* ghost bookkeeping of a token taken (handoff.pml): one permit consumed */
#define TOOK(h)		avail--; eff = 1

#include "handoff.pml"

/* fsem.c:47-58 withdraw: cancel one uncovered debt; sets wd */
inline withdraw(h)
{
	atomic { lc = count }				/* fsem.c:51 */
	do
	:: lc < 0 ->					/* fsem.c:53 */
		atomic {	/* fsem.c:54 CAS(count, c, c + 1) */
			if
			:: count == lc -> count++; D[0]--; wd = 1
			:: else -> lc = count
			fi
		}
		if
		:: wd -> break				/* fsem.c:56 return true */
		:: else -> skip
		fi
	:: else -> break				/* fsem.c:57 return false */
	od;
	lc = 0
}

/*
 * fsem.c:212-228 fsem_post_n(n), fsem.c:192-204 fsem_post, fsem.h:237-241.
 * fsem_post_n moves the count by a CAS loop that refuses to pass
 * FSEM_VALUE_MAX (ec52bd1); the model has no limit, and a CAS loop that
 * ends in one successful CAS of count + n is this one atomic step.
 */
inline post(n)
{
	atomic {	/* fsem.c:199 / fsem.c:223 / fsem.h:237 old = fetch_add(count, n) */
		lc = count; count = count + n; avail = avail + n;
		USER(nposts = nposts + n);
		USER(npafter = npafter + (seen -> n : 0));
		G[0] = G[0] + (lc < 0 -> MIN(n, -lc) : 0)
	}
	if
	:: lc < 0 ->	/* fsem.c:203/227 post_slow; fsem.c:79-80 n = min(n, -old) */
		gn = MIN(n, -lc); lc = 0;
		handoff_give(0, gn); gn = 0
	:: else -> lc = 0	/* fsem.c:201-202 / fsem.c:225-226 return 0 */
	fi
}

/* fsem.c:85-94 give_back: post the permit of a leaving waiter; sets gb */
inline give_back(h)
{
	atomic {	/* fsem.c:88 old = fetch_add(count, 1) */
		lc = count; count++; avail++; eff = 0;
		G[0] = G[0] + (lc < 0 -> 1 : 0)
	}
	if
	:: lc < 0 -> lc = 0; handoff_give(0, 1)	/* fsem.c:91-92, fsem.c:79-80 */
	:: else -> lc = 0
	fi;
	gb = 1					/* fsem.c:93 return true */
}

/*
 * fsem.c:137-147 fsem_wait, fsem.c:171-185 fsem_clockwait, fsem.h:224-227,
 * now fsem.c fifo_wait and wait_step: the step on the count is a CAS loop
 * that refuses a marked counter (X2) and otherwise makes exactly the old
 * xadd's count - 1; every path of the loop is one of these two outcomes
 * at the instant of its last load or CAS, so the loop is one atomic step.
 * The inline wait of fsem.h takes only from a count in [1, VALUE_MAX]:
 * never from a marked one (2^62 + value).
 */
#ifndef NEG_STEP_IGNORES_MARK
#define STEP_REFUSED	cmark	/* fsem.c wait_step: if (fsem_count_shut(c)) */
#else
/* NEGATIVE CONTROL x-c: the old xadd, which does not look at the mark */
#define STEP_REFUSED	false
#endif
inline wait()
{
	atomic {	/* fsem.c wait_step: CAS(count, c, c - 1), acquire */
		ik[me] = (op == OP_TWAIT -> IK_TMO :
			  (op == OP_CWAIT -> IK_CANCEL : IK_NONE));
		sat = seen;
		if
		:: STEP_REFUSED ->
			/* fsem_handoff_mark: set already; return ECANCELED */
			res = R_SHUT
		:: else ->
			lc = count; count--;
			if
			:: lc > 0 ->				/* fsem.c fifo_wait */
				avail--; eff = 1; res = R_OK; CHECK_TAKE
			:: else -> D[0]++			/* a debt */
			fi
		fi
	}
	if
	:: res == R_SHUT -> skip		/* fsem.c fifo_wait: fail(err) */
	:: res != R_SHUT && lc > 0 -> lc = 0
	:: res != R_SHUT && lc <= 0 ->
		lc = 0; handoff_take(0)		/* fsem.c:146 -> fsem.c:107 */
	fi
}

/* fsem.c fifo_try(s, tn): fsem_trywait (tn = 1), fsem_trywait_n (the
 * thread's tn = 2); sets eff and res. lm: the mark of the counter in the thread's c (the CAS
 * compares the whole int64). */
inline trywait()
{
	atomic { sat = seen; lc = count; lm = cmark }	/* fifo_try: load */
	do
	:: lm -> res = R_SHUT; break	/* fifo_try: X2, ECANCELED */
#ifndef NEG_TRYN_INTO_DEBT
	:: !lm && lc >= tn ->				/* fifo_try: c >= n */
#else
	/* NEGATIVE CONTROL: a try for n that needs only one free permit: it
	 * makes a debt nobody owes (I5) and takes a permit it has not got */
	:: !lm && lc > 0 ->
#endif
		atomic {	/* fifo_try: CAS(count, c, c - n) */
			if
			:: count == lc && cmark == lm ->
				count = count - tn; avail = avail - tn;
				eff = 1; CHECK_TAKE
			:: else -> lc = count; lm = cmark
			fi
		}
		if
		:: eff -> break				/* fifo_try: return 0 */
		:: else -> skip
		fi
	:: else -> break			/* fifo_try: EAGAIN, I5 */
	od;
	lc = 0; lm = 0; res = (eff -> R_OK : (res == R_SHUT -> R_SHUT : R_ERR))
}

/* constant-false bits: their names are what spin prints when one fails */
bit I1_conservation, debts_match_debtors, word_fields_valid, I3_wake;
bit final_state_clean, op_result_matches_permit, no_permit_invented;
bit posts_after_shutdown_kept;

proctype Thread(byte me; byte op0; byte op1; byte op2)
{
	short lT, lS, lc;
	byte err, res, wk, gn, rounds, why, k, op, hs, tn = 1;
	bit took, dereg, wd, gb, inleave, intr, eff, prevok;
	bit lX, lm, sat;	/* X in w; the mark in c; a shutdown seen at the call */

	do
	:: k < 3 ->
		op = (k == 0 -> op0 : (k == 1 -> op1 : op2));
		if
		:: (op & IFOK) && !prevok -> op = OP_NONE
		:: else -> op = op & 15
		fi;
		if
		:: op == OP_WAIT || op == OP_TWAIT || op == OP_CWAIT ->
			wait();
			atomic {
				/* a wait returns 0 iff it consumed a permit */
				if
				:: (res == R_OK || res == R_STAND) != eff ->
					assert(op_result_matches_permit)
				:: else -> skip
				fi;
				shut_result();
				USER(nwok = nwok + eff);
				prevok = eff;
				ik[me] = IK_NONE; CLEAR_EV(me); eff = 0; res = 0
			}
		:: op == OP_TRY || op == OP_TRY2 ->
			tn = (op == OP_TRY2 -> 2 : 1);
			trywait();
			atomic {
				shut_result();
				USER(nwok = nwok + tn * eff);
				prevok = eff; eff = 0; res = 0; tn = 1
			}
		:: op == OP_POST -> post(1)
		:: op == OP_POST2 -> post(2)
		:: op == OP_CHURN ->
			do
			:: trywait();
				if
				:: eff -> eff = 0; res = 0; post(1)
				:: else -> res = 0
				fi
			od
		:: op == OP_SHUT ->
			handoff_shutdown();	/* fsem.c fsem_shutdown */
			atomic { seen = 1; prevok = 1 }
		:: op == OP_NONE -> skip
		fi;
		k++
	:: else -> break
	od;
cancelled:	/* after cancel_cleanup the thread exits (pthread_exit) */
	atomic {
		/* a cancelled wait has consumed no permit (give_back posted it) */
		if
		:: eff -> assert(op_result_matches_permit)
		:: else -> skip
		fi;
		ndone++; k = 0; op = 0; res = 0; why = 0; prevok = 0; sat = 0
	}
}

/*
 * Checked in every state, on the library's state and the ghosts:
 *   I1 (handoff.c:45-51), with G, the covered debts whose hand-off xadd
 *      has not yet run (a post between its two xadds): every permit
 *      posted and not consumed is free in the count, a token, or in flight.
 *   debts: debtors = uncovered debts + tokens + in flight (I2).
 *   the word's fields are valid, I3 with wake-ups in flight.
 * and on what the callers see (these alone with -DOBSERVABLE_ONLY):
 *   no permit invented: waits that returned 0 <= INIT + posts, always;
 *   each wait returns 0 iff it consumed a permit (Thread);
 *   the final state: nothing left in the word, the count is what the
 *   callers' results say it must be; and no thread blocked for ever
 *   (spin's invalid end state check).
 * With a shutdown (SHUTDOWN), also: nobody asleep on the word after the
 * shutdown's wake of it; no success taken once the counter is marked
 * (CHECK_TAKE, in the taking steps); ECANCELED only once it is marked and
 * a call begun after a shutdown or ECANCELED had returned fails
 * (shut_result, Thread); and, observable: the permits of posts made
 * after that stay in the count (posts_after_shutdown_kept).
 */
#define POS(x)	((x) > 0 -> (x) : 0)
#define INV_I1	(avail == POS(count) + T[0] + G[0])
#define INV_D	(D[0] == POS(-count) + T[0] + G[0])
#ifndef LIVE
#define FINAL	(T[0] == 0 && S[0] == 0 && G[0] == 0 && D[0] == 0 && \
		 PW[0] == 0 && count >= 0 && count == INIT + nposts - nwok)
#else
#define FINAL	true
#endif

active proctype Monitor()
{
end_monitor:
	if
#ifndef OBSERVABLE_ONLY
	:: atomic { !INV_I1 -> assert(I1_conservation) }
	:: atomic { !INV_D -> assert(debts_match_debtors) }
	:: atomic { !WORD_OK(0) -> assert(word_fields_valid) }
	:: atomic { !I3(0) -> assert(I3_wake) }
#endif
#ifndef LIVE
	:: atomic { nwok > INIT + nposts -> assert(no_permit_invented) }
#endif
	:: atomic { ndone == NT && !FINAL -> assert(final_state_clean) }
#if defined(SHUTDOWN) && !defined(OBSERVABLE_ONLY)
	:: atomic { !XWOKE_OK(0) -> assert(no_sleeper_after_shutdown_wake) }
#endif
#if defined(SHUTDOWN) && !defined(LIVE)
	/* a permit posted after the shutdown stays in the count (X2, X3):
	 * the waits that returned 0 took from the others */
	:: atomic { nwok > INIT + nposts - npafter ->
		assert(posts_after_shutdown_kept) }
#endif
	fi
}

init
{
	atomic { THREADS }
}

#ifdef LIVE
/*
 * (b) no lost wake-up: no thread stays asleep in the kernel forever while
 * a token is in the word or a permit is free. Checked with pan -a -f
 * (weak fairness); a violation is an accepting cycle.
 */
#define STARVE(i)	(blk[i] && (T[0] > 0 || count > 0))
#if NT > 3
ltl no_lost_wakeup {
	[]<> !STARVE(0) && []<> !STARVE(1) && []<> !STARVE(2) && []<> !STARVE(3)
}
#else
ltl no_lost_wakeup { []<> !STARVE(0) && []<> !STARVE(1) && []<> !STARVE(2) }
#endif
/*
 * A timed wait whose deadline has passed returns: once Env fired thread
 * 1's timeout, its operation ends (tmo is cleared when it returns).
 * pan -a -f -N timed_wait_returns. FAILS on the current C code: see
 * README.md, "Findings".
 */
ltl timed_wait_returns { [] (tmo[1] -> <> !tmo[1]) }
#endif
#if defined(FUTEX_BROKEN) || (defined(SHUTDOWN) && defined(LIVE))
/*
 * With every futex wait failing (a seccomp filter), every call returns:
 * a wait that cannot sleep fails instead of retrying for ever. With a
 * shutdown (X3), every call returns, the waits blocked at it included.
 * pan -a -f -N calls_return.
 */
ltl calls_return { <> (ndone == NT) }
#endif
