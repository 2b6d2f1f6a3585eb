/*
 * fsem.pml - Promela model of the counting semaphore fsem_t (src/fsem.c,
 * the inline fast paths of include/fsem.h) on top of handoff.pml.
 *
 * Select one configuration with -DCFG_<name> (see the table below), and
 * optionally one negative control with -DNEG_<name> (see handoff.pml):
 *   spin -a -DCFG_BASIC fsem.pml && gcc -DSAFETY -o pan pan.c && ./pan
 *
 * State: count (fsem.c struct fsem_state: count) and the hand-off word
 * (T, S) (fsem.c struct fsem_state: token).
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
#define OP_WAIT2	10	/* fsem_wait_n(sem, 2): the gate (G1-G6) */
#define OP_TWAIT2	11	/* fsem_timedwait_n(sem, 2): may time out (or
				 * EINTR) while held or collecting */
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
/* ---- the gate (G1-G6 of handoff.c): fsem_wait_n(2) ---------------- */
#elif defined(CFG_WAITN)
/* a wait_n(2) that gives back what it took, a single wait that may come
 * before it (and takes a permit or a debt), during its collection (held
 * at the gate) or after it, and two posts; every call returns */
#define GATE
#define INIT	1
#define NT	3
#define THREADS	run Thread(0, OP_WAIT2, OP_POST2 | IFOK, OP_NONE); \
		run Thread(1, OP_WAIT, OP_POST | IFOK, OP_NONE); \
		run Thread(2, OP_POST, OP_POST, OP_NONE)
#elif defined(CFG_WAITN2)
/* two wait_n(2) (the second is held behind the first one's gate, G2),
 * each giving back what it took, and one post: two permits in all */
#define GATE
#define INIT	1
#define NT	3
#define THREADS	run Thread(0, OP_WAIT2, OP_POST2 | IFOK, OP_NONE); \
		run Thread(1, OP_WAIT2, OP_POST2 | IFOK, OP_NONE); \
		run Thread(2, OP_POST, OP_NONE, OP_NONE)
#elif defined(CFG_WAITN_TIMED)
/* a timed wait_n(2) (timeout / EINTR while held or collecting: G5), a
 * timed wait, and a plain wait that must go on when the collector
 * leaves (its thread then posts two: the collector can only ever be
 * served after it, or by timing out let it pass) */
#define GATE
#define INIT	1
#define NT	3
#define THREADS	run Thread(0, OP_TWAIT2, OP_POST2 | IFOK, OP_NONE); \
		run Thread(1, OP_TWAIT, OP_POST | IFOK, OP_NONE); \
		run Thread(2, OP_WAIT, OP_POST, OP_POST)
#elif defined(CFG_XWAITN)
/* the gate and the shutdown (G6): a wait_n(2) collecting, a wait held
 * behind its gate or in debt, a post and a shutdown; every call returns */
#define GATE
#define SHUTDOWN
#define INIT	0
#define NT	3
#define THREADS	run Thread(0, OP_WAIT2, OP_WAIT, OP_NONE); \
		run Thread(1, OP_WAIT, OP_TRY, OP_NONE); \
		run Thread(2, OP_POST, OP_SHUT, OP_NONE)
#else
#error "choose a configuration: -DCFG_BASIC, CFG_TRYN, CFG_TIMED, CFG_TIMED1, CFG_CANCEL, CFG_MIXED, CFG_LIVE, CFG_FBROKEN, CFG_XSHUT, CFG_XTIMED, CFG_XCANCEL, CFG_XLIVE, CFG_WAITN, CFG_WAITN2, CFG_WAITN_TIMED, CFG_XWAITN"
#endif

#define NW	1

short count = INIT;	/* fsem.c fsem_state.count, int64 */

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

#define CVAL	count	/* the counter's value (handoff.pml: the gate) */
#include "handoff.pml"

/* fsem.c withdraw: cancel one uncovered debt; sets wd */
inline withdraw(h)
{
	atomic { lc = count }		/* fsem.c withdraw: c = load */
	do
	:: lc < 0 ->			/* fsem.c withdraw: value < 0 */
		atomic {	/* fsem.c withdraw: CAS(count, c, c + 1) */
			if
			:: count == lc -> count++; D[0]--; wd = 1
			:: else -> lc = count
			fi
		}
		if
		:: wd -> break		/* fsem.c withdraw: return true */
		:: else -> skip
		fi
	:: else -> break		/* fsem.c withdraw: return false */
	od;
	lc = 0
}

/*
 * fsem.c fsem_post_n(n), fsem.c fsem_post, fsem.h fsem_post_inline_.
 * fsem_post_n moves the count by a CAS loop that refuses to pass
 * FSEM_VALUE_MAX (ec52bd1); the model has no limit, and a CAS loop that
 * ends in one successful CAS of count + n is this one atomic step.
 */
inline post(n)
{
	atomic {	/* fsem.c fsem_post / fsem_post_n / fsem.h
			 * fsem_post_inline_: old = fetch_add(count, n) */
		lc = count; lg = GATES; count = count + n; avail = avail + n;
		USER(nposts = nposts + n);
		USER(npafter = npafter + (seen -> n : 0));
		G[0] = G[0] + (lc < 0 -> MIN(n, -lc) : 0)
	}
	if
	:: lc < 0 ->	/* fsem.c post_slow (from fsem_post / fsem_post_n):
			 * n = min(n, -old) */
		gn = MIN(n, -lc); lc = 0;
		handoff_give(0, gn); gn = 0
	:: else -> lc = 0	/* fsem.c fsem_post / fsem_post_n: return 0 */
	fi;
	GATE_NOTIFY	/* fsem.c post_slow: fsem_gate_notify(old), G4 */
}

/* fsem.c give_back: post the permit of a leaving waiter; sets gb */
inline give_back(h)
{
	atomic {	/* fsem.c give_back: old = fetch_add(count, 1) */
		lc = count; lg = GATES; count++; avail++; eff = 0;
		G[0] = G[0] + (lc < 0 -> 1 : 0)
	}
	if
	:: lc < 0 -> lc = 0; handoff_give(0, 1)	/* fsem.c post_slow */
	:: else -> lc = 0
	fi;
	GATE_NOTIFY;		/* post_slow: fsem_gate_notify(old), G4 */
	gb = 1				/* fsem.c give_back: return true */
}

/*
 * fsem.c fsem_wait, fsem.c fsem_clockwait, fsem.h fsem_wait_inline_,
 * now fsem.c fifo_wait and wait_step: the step on the count is a CAS loop
 * that refuses a marked counter (X2) and otherwise makes exactly the old
 * xadd's count - 1; every path of the loop is one of these two outcomes
 * at the instant of its last load or CAS, so the loop is one atomic step.
 * The inline wait of fsem.h takes only from a count in [1, VALUE_MAX]:
 * never from a marked one (2^62 + 2^31 + value).
 */
#ifndef NEG_STEP_IGNORES_MARK
#define STEP_REFUSED	cmark	/* fsem.c wait_step: if (fsem_count_shut(c)) */
#else
/* NEGATIVE CONTROL x-c: the old xadd, which does not look at the mark */
#define STEP_REFUSED	false
#endif
inline wait()
{
	do	/* wait_step: again after a hold (G2) */
	:: atomic {	/* fsem.c wait_step: CAS(count, c, c - 1), acquire */
		ik[me] = (op == OP_TWAIT -> IK_TMO :
			  (op == OP_CWAIT -> IK_CANCEL : IK_NONE));
		sat = seen;
		if
		:: STEP_REFUSED ->
			/* the counter's mark: set already; return ECANCELED */
			res = R_SHUT
		:: !STEP_REFUSED && GATE_HOLDS(gdn) ->
			/* wait_step: fsem_count_marks(c): G2, held */
			res = R_HELD; lk = HIKEY
		:: else ->
			STRICT(gdn);
			lc = count; count--;
			if
			:: lc > 0 ->				/* fsem.c fifo_wait */
				avail--; eff = 1; res = R_OK; CHECK_TAKE
			:: else -> D[0]++			/* a debt */
			fi
		fi
	}
	if
	:: res == R_SHUT -> break		/* fsem.c fifo_wait: fail(err) */
	:: res == R_HELD ->
		gate_hold();			/* wait_step: fsem_gate_hold */
		if
		:: err == OK || err == EAGAIN -> res = 0; err = OK	/* again */
		:: err == ECANCELED -> err = OK; goto cancelled	/* holds nothing */
		:: else -> res = R_ERR; err = OK; break	/* fifo_wait: fail(err) */
		fi
	:: res == R_OK -> lc = 0; break		/* old > 0: a free permit */
	:: res == 0 ->			/* fsem.c fifo_wait -> wait_slow */
		lc = 0; handoff_take(0); break
	fi
	od
}

/*
 * handoff.c fsem_gate_collect (G1, G2) for fsem.c wait_n(sem, 2): a CAS
 * loop on the counter whose every path is, at the instant of its last
 * load or CAS, one of: refused (marked, X2), held (GATE_DOWN set, G2:
 * fsem_gate_hold with that load), all n taken by one CAS (G1), the gate
 * set by one CAS (G1: it takes nothing, owes nothing): one atomic step,
 * as wait_step. Then collect() (G3, G5). Sets eff (took WN) and res.
 */
#define WN	2
inline wait_n()
{
	do	/* fsem_gate_collect: again after a hold (G2) */
	:: atomic {	/* fsem_gate_collect: load; CAS value - n / CAS + GATE_DOWN */
		ik[me] = (op == OP_TWAIT2 -> IK_TMO : IK_NONE);
		sat = seen;
		if
		:: cmark -> res = R_SHUT		/* X2: gate_refused */
		:: !cmark && gdn -> res = R_HELD; lk = HIKEY	/* G2 */
		:: !cmark && !gdn && count >= WN ->	/* G1: room, n at once */
			count = count - WN; avail = avail - WN; wh[me] = WN;
			eff = 1; res = R_OK; CHECK_TAKE
		:: else -> gdn = 1; res = R_COLL	/* G1: the collector */
		fi
	}
	if
	:: res == R_HELD ->
		gate_hold();			/* fsem_gate_hold */
		if
		:: err == OK || err == EAGAIN -> res = 0; err = OK	/* again */
		:: else -> res = R_ERR; err = OK; break	/* it holds nothing */
		fi
	:: res == R_COLL -> res = 0; collect(); break	/* collect_cancelable */
	:: else -> break	/* R_OK (no other gate in fsem_t: no notify),
				 * R_SHUT */
	fi
	od
}

/*
 * handoff.c collect (G3) and gate_leave (G5): load; shut: leave; room
 * for n: one CAS value - n and clear GATE_DOWN, then gate_open (wake the
 * high half); else sleep on the low half with the value read (lk). A
 * timeout or EINTR (or futex error) ends the sleep: gate_leave, the
 * fetch_sub of GATE_DOWN, then gate_open. The load-CAS loop is one
 * atomic step, as above (a failed CAS reloads and tests again).
 */
inline collect()
{
	do
	:: atomic {	/* collect: load; CAS(c, c - n - GATE_DOWN), acq_rel */
		if
		:: cmark -> res = R_SHUT		/* G6: gate_refused */
#ifndef NEG_GATE_PARTIAL
		:: !cmark && count >= WN ->		/* G3: room for n */
			count = count - WN; gdn = 0; avail = avail - WN;
			wh[me] = WN; eff = 1; res = R_OK; CHECK_TAKE
#else
		/*
		 * NEGATIVE CONTROL g-d: the collector takes each permit as
		 * it appears (value - 1) and holds it while it waits for
		 * the next; the last one clears the gate.
		 */
		:: !cmark && count >= 1 && wh[me] + 1 < WN ->
			count--; avail--; wh[me]++
		:: !cmark && count >= 1 && wh[me] + 1 == WN ->
			count--; gdn = 0; avail--; wh[me]++; eff = 1; res = R_OK
#endif
		:: else -> lk = LOKEY			/* no room: sleep */
		fi
	   }
		if
		:: res != 0 -> break
		:: else ->
			intr = 1; counter_sleep(CL); intr = 0;
			if
			:: err == OK || err == EAGAIN -> err = OK	/* reload */
			:: else -> res = R_ERR; break	/* ETIMEDOUT, EINTR, futex */
			fi
		fi
	od;
	lk = 0;
	if
	:: res == R_OK -> counter_wake(CH)	/* collect: gate_open */
	:: else ->
#ifndef NEG_GATE_KEPT
		atomic { gdn = 0 };	/* gate_leave: fetch_sub GATE_DOWN */
#else
		/* NEGATIVE CONTROL g-b: the gate stays set */
#endif
		counter_wake(CH);	/* gate_leave: gate_open */
		if
		:: err == ECANCELED -> err = OK; goto cancelled	/* gate_cleanup */
		:: else -> err = OK
		fi
	fi
}

/* fsem.c fifo_try(s, tn): fsem_trywait (tn = 1), fsem_trywait_n (the
 * thread's tn = 2); sets eff and res. lm: the mark of the counter in the thread's c (the CAS
 * compares the whole int64). */
inline trywait()
{
	atomic { sat = seen; lc = count; lm = cmark; lg = GATES }	/* fifo_try: load */
	do
	:: lm -> res = R_SHUT; break	/* fifo_try: X2, ECANCELED */
	:: !lm && GATE_HOLDS(lg) -> break	/* fifo_try: a gate, EAGAIN (G2) */
#ifndef NEG_TRYN_INTO_DEBT
	:: !lm && !GATE_HOLDS(lg) && lc >= tn ->	/* fifo_try: c >= n */
#else
	/* NEGATIVE CONTROL: a try for n that needs only one free permit: it
	 * makes a debt nobody owes (I5) and takes a permit it has not got */
	:: !lm && !GATE_HOLDS(lg) && lc > 0 ->
#endif
		atomic {	/* fifo_try: CAS(count, c, c - n) */
			if
			:: count == lc && cmark == lm && GATES == lg ->
				STRICT(gdn);
				count = count - tn; avail = avail - tn;
				eff = 1; CHECK_TAKE
			:: else -> lc = count; lm = cmark; lg = GATES
			fi
		}
		if
		:: eff -> break				/* fifo_try: return 0 */
		:: else -> skip
		fi
	:: else -> break			/* fifo_try: EAGAIN, I5 */
	od;
	lc = 0; lm = 0; lg = 0; res = (eff -> R_OK : (res == R_SHUT -> R_SHUT : R_ERR))
}

/* constant-false bits: their names are what spin prints when one fails */
bit I1_conservation, debts_match_debtors, word_fields_valid, I3_wake;
bit final_state_clean, op_result_matches_permit, no_permit_invented;
bit posts_after_shutdown_kept;

proctype Thread(byte me; byte op0; byte op1; byte op2)
{
	short lT, lS, lc, lk;
	byte err, res, wk, gn, rounds, why, k, op, hs, lg, tn = 1;
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
		:: op == OP_WAIT2 || op == OP_TWAIT2 ->
			wait_n();
			atomic {
				/* returns 0 iff it took n; all or nothing */
				if
				:: (res == R_OK) != eff || wh[me] != eff * WN ->
					assert(op_result_matches_permit)
				:: else -> skip
				fi;
				shut_result();
				USER(nwok = nwok + WN * eff);
				prevok = eff; wh[me] = 0;
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
 *   I1 (handoff.c, Invariants), with G, the covered debts whose hand-off
 *      xadd has not yet run (a post between its two xadds): every permit
 *      posted and not consumed is free in the count, a token, or in
 *      flight.
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
#ifndef OBSERVABLE_ONLY
#define GATE_FINAL	(gdn == 0 && gup == 0)	/* no gate left set */
#else
#define GATE_FINAL	true	/* the marks are inside the library */
#endif
#define INV_I1	(avail == POS(count) + T[0] + G[0])
#define INV_D	(D[0] == POS(-count) + T[0] + G[0])
#ifndef LIVE
#define FINAL	(T[0] == 0 && S[0] == 0 && G[0] == 0 && D[0] == 0 && \
		 PW[0] == 0 && count >= 0 && count == INIT + nposts - nwok && \
		 GATE_FINAL)
#else
#define FINAL	true
#endif

#define WH1(i)	(wh[i] == 0 || wh[i] == WN)
#if NT > 3
#define WH_OK	(WH1(0) && WH1(1) && WH1(2) && WH1(3))
#else
#define WH_OK	(WH1(0) && WH1(1) && WH1(2))
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
#ifdef GATE
	/* a weighted call holds n permits or none (G1, G3) */
	:: atomic { !WH_OK -> assert(all_or_nothing) }
#endif
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
