/*
 * bounded.pml - Promela model of the bounded semaphore fsem_bounded_t
 * (src/bounded.c) on top of handoff.pml: the counter given, N permits,
 * and two hand-off words, acq (blocked acquirers) and rel (blocked
 * releasers).
 *
 * Select one configuration with -DCFG_<name> (see the table below), and
 * optionally a negative control with -DNEG_<name> (see handoff.pml and
 * NEG_BOUND_OFF_BY_ONE below):
 *   spin -a -DCFG_PAIRED bounded.pml && gcc -DSAFETY -o pan pan.c && ./pan
 */

#define ACQ	0	/* bounded.c fsem_bstate.acq: hand-off word of
			 * blocked acquirers */
#define REL	1	/* bounded.c fsem_bstate.rel: hand-off word of
			 * blocked releasers */

#define OP_NONE		0
#define OP_ACQ		1	/* fsem_bounded_acquire */
#define OP_TACQ		2	/* fsem_bounded_timedacquire (timeout / EINTR) */
#define OP_CACQ		3	/* fsem_bounded_acquire, cancelled (thread exits) */
#define OP_TRYACQ	4	/* fsem_bounded_tryacquire */
#define OP_REL		5	/* fsem_bounded_release */
#define OP_TREL		6	/* fsem_bounded_timedrelease */
#define OP_CREL		7	/* fsem_bounded_release, cancelled */
#define OP_TRYREL	8	/* fsem_bounded_tryrelease */
#define OP_CHURN	9	/* forever: tryacquire, and if it did, release */
#define OP_SHUT		10	/* fsem_bounded_shutdown (FSEM_FIFO: X1-X5) */
#define OP_TRYACQ2	11	/* fsem_bounded_tryacquire_n(b, 2) */
#define OP_TRYREL2	12	/* fsem_bounded_tryrelease_n(b, 2) */
#define OP_ACQ2		13	/* fsem_bounded_acquire_n(b, 2): the gate (G1-G6) */
#define OP_REL2		14	/* fsem_bounded_release_n(b, 2) */
#define OP_TACQ2	15	/* fsem_bounded_clockacquire_n(b, 2): may time
				 * out (or EINTR) while held or collecting */
#define OP_TREL2	16	/* fsem_bounded_clockrelease_n(b, 2) */
#define IFOK		32	/* flag: only if the previous operation returned 0 */
#define IFFAIL		64	/* flag: only if the previous operation failed */

/* ---- configurations: NT threads, three operations each ----------- */
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
 * release */
#define N	1
#define NT	3
#define THREADS	run Thread(0, OP_ACQ, OP_ACQ, OP_NONE); \
		run Thread(1, OP_REL, OP_TREL, OP_REL | IFFAIL); \
		run Thread(2, OP_TRYACQ, OP_CREL | IFOK, OP_NONE)
#elif defined(CFG_PC2)
/* as CFG_PC with two permits, timed acquire and tryrelease */
#define N	2
#define NT	3
#define THREADS	run Thread(0, OP_ACQ, OP_TACQ, OP_ACQ | IFFAIL); \
		run Thread(1, OP_REL, OP_TREL, OP_REL | IFFAIL); \
		run Thread(2, OP_ACQ, OP_TRYREL, OP_REL | IFFAIL)
#elif defined(CFG_TIMED1)
/* a timed acquire that gives up while the permit it was owed is taken by
 * a later acquirer that keeps it: the timed acquire must still return
 * (every other thread can always finish: thread 0 never blocks to acquire,
 * and each permit taken by threads 0 and 1 is released) */
#define N	1
#define NT	3
#define THREADS	run Thread(0, OP_TRYACQ, OP_REL | IFOK, OP_NONE); \
		run Thread(1, OP_TACQ, OP_REL | IFOK, OP_NONE); \
		run Thread(2, OP_ACQ, OP_NONE, OP_NONE)
#elif defined(CFG_TRYN)
/* tries for 2 among blocked debtors of both directions: a try-acquire of
 * 2 that may cover one or two blocked releasers (a token each) and give
 * out the rest, a try-release of 2 that may cover one or two blocked
 * acquirers; the debtors are timed (timeout / EINTR at any moment), so no
 * run needs a step that may not come */
#define N	2
#define NT	3
#define THREADS	run Thread(0, OP_TREL, OP_TACQ, OP_NONE); \
		run Thread(1, OP_TRYACQ2, OP_TRYREL2, OP_NONE); \
		run Thread(2, OP_TREL, OP_TACQ, OP_NONE)
#elif defined(CFG_LIVE)
/* liveness: both directions block, a timed acquire, and a churner that
 * never stops (tryacquire, then release); thread 1 ends holding a permit */
#define LIVE
#define ENV_EVENTS
#define N	1
#define NT	3
#define THREADS	run Thread(0, OP_TACQ, OP_REL | IFOK, OP_NONE); \
		run Thread(1, OP_REL, OP_ACQ, OP_ACQ); \
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
/* ---- shutdown (X1-X5 of handoff.c) -------------------------------- */
#elif defined(CFG_XSHUT)
/* both directions blocked at the shutdown: a release blocked while none
 * is given out (and covered by the first acquire), an acquire blocked
 * while the permit is out; no call that could satisfy it follows. Finding
 * X-B1 (README.md): the acquirer that sees X on acq marks the counter
 * before the shutdown sets X on rel, and the releaser then takes its
 * token: a success after the mark (PROBE_PREMARK: its debt was covered
 * before the mark) */
#define SHUTDOWN
#define N	1
#define NT	3
#define THREADS	run Thread(0, OP_REL, OP_ACQ, OP_NONE); \
		run Thread(1, OP_ACQ, OP_ACQ, OP_ACQ); \
		run Thread(2, OP_SHUT, OP_NONE, OP_NONE)
#elif defined(CFG_XPC)
/* producer / consumer racing with the shutdown: acquires blocked, a timed
 * release (retried if it failed), a release and a tryacquire after the
 * shutdown */
#define SHUTDOWN
#define N	1
#define NT	3
#define THREADS	run Thread(0, OP_ACQ, OP_ACQ, OP_NONE); \
		run Thread(1, OP_TREL, OP_REL | IFFAIL, OP_NONE); \
		run Thread(2, OP_SHUT, OP_REL, OP_TRYACQ)
#elif defined(CFG_XREL)
/* releases blocked (every permit back), a cancellable one among them, an
 * acquire racing with the shutdown, and a second shutdown */
#define SHUTDOWN
#define N	1
#define NT	3
#define THREADS	run Thread(0, OP_REL, OP_REL, OP_NONE); \
		run Thread(1, OP_CREL, OP_SHUT, OP_NONE); \
		run Thread(2, OP_ACQ, OP_SHUT, OP_NONE)
#elif defined(CFG_XLIVE)
/* liveness: both directions blocked, a shutdown: every call returns
 * (ltl calls_return, weak fairness) */
#define SHUTDOWN
#define LIVE
#define ENV_EVENTS
#define N	1
#define NT	3
#define THREADS	run Thread(0, OP_REL, OP_TACQ, OP_NONE); \
		run Thread(1, OP_ACQ, OP_ACQ, OP_ACQ); \
		run Thread(2, OP_SHUT, OP_NONE, OP_NONE)
/* ---- the gate (G1-G6 of handoff.c): acquire_n(2), release_n(2) ---- */
#elif defined(CFG_ACQN)
/* an acquire_n(2) that releases what it took (release_n(2): at once,
 * paying an acquirer in debt), a single acquire that may come before it,
 * behind its gate or after it, and a release of the permit given out at
 * the start; every call returns */
#define GATE
#define OUT0	1
#define N	2
#define NT	3
#define THREADS	run Thread(0, OP_ACQ2, OP_REL2 | IFOK, OP_NONE); \
		run Thread(1, OP_ACQ, OP_REL | IFOK, OP_NONE); \
		run Thread(2, OP_REL, OP_NONE, OP_NONE)
#elif defined(CFG_RELN)
/* its mirror: a release_n(2) that acquires back what it released
 * (acquire_n(2)), a single release, and an acquire of the one permit
 * not given out at the start */
#define GATE
#define OUT0	1
#define N	2
#define NT	3
#define THREADS	run Thread(0, OP_REL2, OP_ACQ2 | IFOK, OP_NONE); \
		run Thread(1, OP_REL, OP_ACQ | IFOK, OP_NONE); \
		run Thread(2, OP_ACQ, OP_NONE, OP_NONE)
#elif defined(CFG_ACQN_TIMED)
/* a timed acquire_n(2) (timeout / EINTR while held or collecting: G5)
 * whose collection may pay a releaser in debt, a timed release then a
 * plain acquire, and a plain acquire then a release: the plain acquires
 * must go on when the collector leaves */
#define GATE
#define N	2
#define NT	3
#define THREADS	run Thread(0, OP_TACQ2, OP_REL2 | IFOK, OP_NONE); \
		run Thread(1, OP_TREL, OP_ACQ | IFOK, OP_NONE); \
		run Thread(2, OP_ACQ, OP_REL | IFOK, OP_NONE)
#elif defined(CFG_RELN_TIMED)
/* its mirror: a timed release_n(2), a timed acquire then a plain
 * release, a plain release then an acquire */
#define GATE
#define OUT0	2
#define N	2
#define NT	3
#define THREADS	run Thread(0, OP_TREL2, OP_ACQ2 | IFOK, OP_NONE); \
		run Thread(1, OP_TACQ, OP_REL | IFOK, OP_NONE); \
		run Thread(2, OP_REL, OP_ACQ | IFOK, OP_NONE)
#else
#error "choose a configuration: -DCFG_PAIRED, CFG_PC, CFG_PC2, CFG_TIMED1, CFG_TRYN, CFG_LIVE, CFG_FERR, CFG_FERR_REL, CFG_FBROKEN, CFG_XSHUT, CFG_XPC, CFG_XREL, CFG_XLIVE, CFG_ACQN, CFG_RELN, CFG_ACQN_TIMED, CFG_RELN_TIMED"
#endif
#ifndef OUT0
#define OUT0	0	/* permits given out at the start */
#endif

#define NW	2

short given = OUT0;	/* bounded.c fsem_bstate.given, int64; bounded.c
			 * fsem_bounded_init starts it at 0 (OUT0: as after
			 * that many tryacquires) */

/* ghosts */
short V = OUT0;		/* permits given out, moved at each operation's
			 * linearization point (I4, (d)) */
short effsum = OUT0;	/* sum over threads of the effects credited to them:
			 * +1 per acquire, -1 per release that took effect
			 * (OUT0: the acquires made before the threads) */
#ifdef PAIRED
byte holders;		/* threads between a successful acquire and release */
#endif

/* a token of word h taken: the debtor's operation has taken effect */
#define TOOK(h)		eff = eff + (h == ACQ -> 1 : -1); \
			effsum = effsum + (h == ACQ -> 1 : -1)

#define CVAL	given	/* the counter's value (handoff.pml: the gate) */
#include "handoff.pml"

/* the gate of direction d (G1: GATE_UP for acquires, GATE_DOWN for
 * releases), and room for a step of n in direction d (handoff.c room) */
#define OWNG(d)		(d > 0 -> gup : gdn)
#define OTHG(d)		(d > 0 -> gdn : gup)
#define ROOM(d, n)	(d > 0 -> given + n <= N : given - n >= 0)

/*
 * bounded.c try_step(s, sdir, sn, back): tryacquire (+1), tryrelease
 * (-1), tryacquire_n / tryrelease_n (sn = 2), give_back_acquire (-1,
 * back), give_back_release (+1, back). Sets tok if it stepped, err =
 * ESHUT if a try-call found the counter marked (X2: a give-back steps on
 * the value whatever the mark). lm: the mark in the thread's g (the CAS
 * compares the whole int64). paid: the debtors of the other direction
 * its sn steps covered, each handed a token after the CAS.
 */
inline try_step(back)
{
	atomic { lc = given; lm = cmark; lg = GATES }	/* bounded.c try_step: load */
	do
	:: lm && !back ->	/* bounded.c try_step: fsem_count_shut(g) && !back */
		err = ESHUT; break	/* the counter's mark set; ECANCELED */
	:: !lm && !back && GATE_HOLDS(lg & (sdir > 0 -> 1 : 2)) ->
		break		/* G2: its direction's gate is set: EAGAIN */
	:: (!lm || back) && (back || !GATE_HOLDS(lg & (sdir > 0 -> 1 : 2))) &&
	   ((sdir > 0 && lc + sn <= N) || (sdir < 0 && lc - sn >= 0)) ->
		atomic {	/* bounded.c try_step: CAS(given, g, g + dir * n) */
			if
			:: given == lc && cmark == lm && GATES == lg ->
				given = given + sdir * sn; tok = 1;
				if
				:: !back -> CHECK_TAKE; STRICT(OWNG(sdir))
				:: else -> skip	/* a give-back: whatever the marks */
				fi;
#ifndef NEG_TRYN_PAYS_ONE
				paid = (sdir > 0 -> -lc : lc - N);
				if
				:: paid > sn -> paid = sn
				:: paid < 0 -> paid = 0
				:: else -> skip
				fi;
#else
				/*
				 * NEGATIVE CONTROL: a step of n pays at most
				 * one debtor of the other direction (the code
				 * of a single step): a covered debtor waits
				 * for a token nobody gives.
				 */
				paid = ((sdir > 0 && lc < 0) ||
					(sdir < 0 && lc > N) -> 1 : 0);
#endif
				hw = (sdir > 0 -> REL : ACQ);
				G[hw] = G[hw] + paid;	/* covered debtors */
				V = V + sdir * (sn - paid);
				eff = eff + sdir * sn; effsum = effsum + sdir * sn
			:: else -> lc = given; lm = cmark; lg = GATES
			fi
		}
		if
		:: tok ->
			lc = 0;
			if
			:: paid > 0 -> handoff_give(hw, paid)	/* a token each */
			:: else -> skip
			fi;
			paid = 0; hw = 0;
			GATE_NOTIFY;			/* G4 */
			break				/* bounded.c try_step: return 0 */
		:: else -> skip				/* CAS lost: continue */
		fi
	:: else -> break		/* EAGAIN: I5, never into debt */
	od;
	lc = 0; lm = 0; lg = 0
}

/* bounded.c withdraw_acquire, bounded.c withdraw_release */
inline withdraw(h)
{
	/* bounded.c withdraw_acquire / withdraw_release: g = load */
	atomic { lc = given }
	do
	/* bounded.c withdraw_acquire / withdraw_release: the loop test */
	:: (h == ACQ && lc > N) || (h == REL && lc < 0) ->
		atomic {	/* bounded.c withdraw_acquire: CAS(g, g - 1) /
				 * withdraw_release: CAS(g, g + 1) */
			if
			:: given == lc ->
				given = given + (h == ACQ -> -1 : 1); D[h]--; wd = 1
			:: else -> lc = given
			fi
		}
		if
		/* bounded.c withdraw_acquire / withdraw_release: return true */
		:: wd -> break
		:: else -> skip
		fi
	/* bounded.c withdraw_acquire / withdraw_release: return false */
	:: else -> break
	od;
	lc = 0
}

/* bounded.c give_back_acquire = try_step(-1);
 * bounded.c give_back_release = try_step(+1). Sets gb. */
inline give_back(h)
{
	sdir = (h == ACQ -> -1 : 1);
	try_step(1);
	gb = tok; tok = 0; sdir = 0
}

/*
 * bounded.c acquire (dir = +1) and bounded.c release (dir = -1), with
 * bounded.c acquire_slow and bounded.c release_slow. Sets res (0 while
 * owed a token, R_SHUT when refused) and eff. The step on given is now
 * bounded.c fifo_step: a CAS loop that refuses a marked counter (X2) and
 * otherwise makes the old xadd's given + dir: one atomic step, as
 * fsem.pml's wait.
 */
#ifndef NEG_STEP_IGNORES_MARK
#define STEP_REFUSED	cmark	/* bounded.c fifo_step: fsem_count_shut(g) */
#else
/* NEGATIVE CONTROL x-c: the old xadd, which does not look at the mark */
#define STEP_REFUSED	false
#endif
inline blocking_op()
{
	do	/* fifo_step: again after a hold (G2) */
	:: atomic {	/* bounded.c fifo_step: CAS(given, g, g + dir), acq_rel */
		ik[me] = (op == OP_TACQ || op == OP_TREL -> IK_TMO :
			  (op == OP_CACQ || op == OP_CREL -> IK_CANCEL : IK_NONE));
		sat = seen;
		if
		:: STEP_REFUSED -> res = R_SHUT	/* the counter's mark set */
		:: !STEP_REFUSED && GATE_HOLDS(OWNG(dir)) ->
			res = R_HELD; lk = HIKEY	/* G2: held */
		:: else ->
			STRICT(OWNG(dir));
			lg = GATES;	/* the other direction's gate: G4 */
#ifdef PAIRED
			holders = holders - (dir < 0 -> 1 : 0);
#endif
			lc = given; given = given + dir;
			if
#ifndef NEG_BOUND_OFF_BY_ONE
			/* bounded.c acquire: old >= 0 && old < n */
			:: dir > 0 && lc >= 0 && lc < N ->
#else
			/* NEGATIVE CONTROL 4: acquire's fast path test off by one */
			:: dir > 0 && lc >= 0 && lc <= N ->
#endif
				V++; eff = 1; effsum++; res = R_OK
			/* bounded.c acquire_slow: v < 0, covers a releaser */
			:: dir > 0 && lc < 0 ->
				G[REL]++; eff = 1; effsum++; res = R_OK
#ifndef NEG_BOUND_OFF_BY_ONE
			:: dir > 0 && lc >= N ->		/* an acquire debt */
#else
			:: dir > 0 && lc > N ->
#endif
				D[ACQ]++
			/* bounded.c release: old > 0 && old <= n */
			:: dir < 0 && lc > 0 && lc <= N ->
				V--; eff = -1; effsum--; res = R_OK
			/* bounded.c release_slow: v > n, covers an acquirer */
			:: dir < 0 && lc > N ->
				G[ACQ]++; eff = -1; effsum--; res = R_OK
			:: dir < 0 && lc <= 0 ->		/* a release debt */
				D[REL]++
			fi;
			if
			:: res == R_OK -> CHECK_TAKE	/* took a step: a success */
			:: else -> skip
			fi
		fi
	}
	if
	:: res == R_SHUT -> break		/* bounded.c acquire: fail(ECANCELED) */
	:: res == R_HELD ->
		gate_hold();			/* fifo_step: fsem_gate_hold */
		if
		:: err == OK || err == EAGAIN -> res = 0; err = OK	/* again */
		:: err == ECANCELED -> err = OK; goto cancelled	/* holds nothing */
		:: else -> res = R_ERR; err = OK; break	/* fail(err) */
		fi
	/* bounded.c acquire_slow: fsem_handoff_give(rel, 1) */
	:: dir > 0 && lc < 0 ->
		GATE_NOTIFY; lc = 0; handoff_give(REL, 1); break
	/* bounded.c release_slow: fsem_handoff_give(acq, 1) */
	:: dir < 0 && lc > N ->
		GATE_NOTIFY; lc = 0; handoff_give(ACQ, 1); break
	/* bounded.c acquire_slow / release_slow: debtor_take */
	:: res == 0 ->
		GATE_NOTIFY;
		lc = 0; hw = (dir > 0 -> ACQ : REL); handoff_take(hw); hw = 0; break
	/* bounded.c acquire / release: return 0 */
	:: else -> GATE_NOTIFY; lc = 0; break
	fi
	od
}

/*
 * handoff.c fsem_gate_collect (G1, G2) for bounded.c acquire_n (dir +1)
 * and release_n (dir -1), n = WN: one atomic step for its CAS loop, as
 * fsem.pml's wait_n: refused (X2), held (G2), n at once (G1: pay the
 * covered debtors of the other direction, a token each, as try_step;
 * then G4 if the other gate was set), or the gate set (G1). Then
 * collect_n (G3, G5). Sets res, eff.
 */
#define WN	2
/* one CAS of n toward dir from lc (G1, G3): the covered debtors of the
 * other direction (handoff.c pay_other), the ghosts as in try_step */
#define GSTEP	given = given + dir * WN; \
		paid = (dir > 0 -> -lc : lc - N); \
		paid = (paid > WN -> WN : (paid < 0 -> 0 : paid)); \
		hw = (dir > 0 -> REL : ACQ); \
		G[hw] = G[hw] + paid; V = V + dir * (WN - paid); \
		eff = dir * WN; effsum = effsum + dir * WN; wh[me] = WN
inline pay_other()
{
	if
	:: paid > 0 -> handoff_give(hw, paid)	/* pay_other: a token each */
	:: else -> skip
	fi;
	paid = 0; hw = 0; lc = 0
}
inline blocking_n()
{
	do	/* fsem_gate_collect: again after a hold (G2) */
	:: atomic {	/* fsem_gate_collect: load; CAS value +- n / CAS + gate */
		ik[me] = (op == OP_TACQ2 || op == OP_TREL2 -> IK_TMO : IK_NONE);
		sat = seen;
		if
		:: cmark -> res = R_SHUT			/* X2 */
		:: !cmark && OWNG(dir) -> res = R_HELD; lk = HIKEY	/* G2 */
		:: !cmark && !OWNG(dir) && ROOM(dir, WN) ->	/* G1: n at once */
			lc = given; lg = GATES; GSTEP; res = R_OK; CHECK_TAKE
		:: else ->				/* G1: the collector */
			if
			:: dir > 0 -> gup = 1
			:: else -> gdn = 1
			fi;
			res = R_COLL
		fi
	   }
		if
		:: res == R_HELD ->
			gate_hold();		/* fsem_gate_hold */
			if
			:: err == OK || err == EAGAIN -> res = 0; err = OK	/* again */
			:: else -> res = R_ERR; err = OK; break	/* holds nothing */
			fi
		:: res == R_OK ->
			pay_other(); GATE_NOTIFY; break	/* fsem_gate_notify(c) */
		:: res == R_COLL -> res = 0; collect_n(); break
		:: else -> break			/* R_SHUT */
		fi
	od
}

/*
 * handoff.c collect (G3) and gate_leave (G5), as fsem.pml's collect: one
 * CAS value +- n and clear its gate, pay the other direction's covered
 * debtors, G4 for the other gate, gate_open; or sleep on the low half.
 */
inline collect_n()
{
	do
	:: atomic {	/* collect: load; CAS(c, c +- n - gate), acq_rel */
		if
		:: cmark -> res = R_SHUT		/* G6: gate_refused */
#ifndef NEG_GATE_PARTIAL
		:: !cmark && ROOM(dir, WN) ->		/* G3: room for n */
			lc = given; lg = OTHG(dir); GSTEP;
			if
			:: dir > 0 -> gup = 0
			:: else -> gdn = 0
			fi;
			res = R_OK; CHECK_TAKE
#else
		/*
		 * NEGATIVE CONTROL g-d: the collector takes each free
		 * permit (dir +1) or returns each given-out one (dir -1)
		 * as it appears, one step at a time, and holds it while
		 * it waits for the next (no debtor of the other direction
		 * is paid: only steps within [0, N] are taken so)
		 */
		:: !cmark && ((dir > 0 && given >= 0 && given < N) ||
			      (dir < 0 && given > 0 && given <= N)) ->
			given = given + dir; V = V + dir; eff = eff + dir;
			effsum = effsum + dir; wh[me]++;
			if
			:: wh[me] == WN ->
				if
				:: dir > 0 -> gup = 0
				:: else -> gdn = 0
				fi;
				res = R_OK
			:: else -> skip
			fi
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
	:: res == R_OK ->
		pay_other();
		GATE_NOTIFY;		/* collect: fsem_gate_notify(c - gate) */
		counter_wake(CH)	/* collect: gate_open */
	:: else ->
#ifndef NEG_GATE_KEPT
		atomic {	/* gate_leave: fetch_sub its gate */
			if
			:: dir > 0 -> gup = 0
			:: else -> gdn = 0
			fi
		};
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

/* constant-false bits: their names are what spin prints when one fails */
bit I1_conservation, debts_match_debtors, word_fields_valid, I3_wake;
bit final_state_clean, op_result_matches_effect, I4_given_out;
bit bound_0_le_given_out_le_N, at_most_N_holders;
#ifdef PROBE_ACQ_STANDS
bit acquire_never_stands;
#endif

proctype Thread(byte me; byte op0; byte op1; byte op2)
{
	short lT, lS, lc, dir, sdir, eff, lk;
	byte err, res, wk, rounds, why, k, op, hw, hs, lg, sn = 1;
	short paid;
	bit took, dereg, wd, gb, inleave, intr, tok, prevok;
	bit lX, lm, sat;	/* X in w; the mark in g; a shutdown seen at the call */

	do
	:: k < 3 ->
		op = (k == 0 -> op0 : (k == 1 -> op1 : op2));
		if
		:: (op & IFOK) && !prevok -> op = OP_NONE
		:: (op & IFFAIL) && prevok -> op = OP_NONE
		:: else -> op = op & 31
		fi;
		dir = ((op >= OP_ACQ && op <= OP_TRYACQ) || op == OP_TRYACQ2 ||
		       op == OP_ACQ2 || op == OP_TACQ2 -> 1 : -1);
		sn = (op == OP_TRYACQ2 || op == OP_TRYREL2 || op >= OP_ACQ2 -> 2 : 1);
		if
		:: op == OP_NONE -> skip
		:: op == OP_SHUT ->
			handoff_shutdown();	/* bounded.c fsem_bounded_shutdown */
			atomic { seen = 1; prevok = 1 }
		:: op == OP_CHURN ->
			do
			/* bounded.c fsem_bounded_tryacquire */
			:: sdir = 1; try_step(0);
				if
				:: tok -> tok = 0; sdir = 0; eff = 0;
					dir = -1; op = OP_REL; blocking_op();
					eff = 0; res = 0; op = OP_CHURN
				:: else -> sdir = 0; err = 0
				fi
			od
		:: op != OP_NONE && op != OP_CHURN && op != OP_SHUT ->
			if
			:: op == OP_TRYACQ || op == OP_TRYREL ||
			   op == OP_TRYACQ2 || op == OP_TRYREL2 ->
				/* bounded.c fsem_bounded_tryacquire /
				 * fsem_bounded_tryrelease (the _n ones:
				 * step_n) -> try_step */
				atomic { sat = seen; sdir = dir };
				try_step(0); sdir = 0;
				res = (tok -> R_OK : (err == ESHUT -> R_SHUT : R_ERR));
				tok = 0; err = 0
			:: op >= OP_ACQ2 -> blocking_n()	/* the gate */
			:: else -> blocking_op()
			fi;
			atomic {
				shut_result();
				prevok = (res == R_OK || res == R_STAND);
				/* returned 0 iff it took effect, exactly once */
				if
				:: eff != (prevok -> dir * sn : 0) ->
					assert(op_result_matches_effect)
				:: else -> skip
				fi;
				/* a weighted call took n or nothing */
				if
				:: op >= OP_ACQ2 && wh[me] != (prevok -> WN : 0) ->
					assert(op_result_matches_effect)
				:: else -> skip
				fi;
				wh[me] = 0;
#ifdef PROBE_ACQ_STANDS
				if
				:: dir > 0 && res == R_STAND -> assert(acquire_never_stands)
				:: else -> skip
				fi;
#endif
#ifdef PAIRED
				holders = holders + (dir > 0 && prevok -> 1 : 0);
#endif
				ik[me] = IK_NONE; CLEAR_EV(me); eff = 0; res = 0;
				sn = 1
			}
		fi;
		k++
	:: else -> break
	od;
cancelled:	/* after cancel_cleanup the thread exits (pthread_exit) */
	atomic {
		/* cancel_cleanup ignores give_back's result: a cancelled
		 * operation may have taken effect (eff == dir) or not (0) */
		if
		:: eff != 0 && eff != dir -> assert(op_result_matches_effect)
		:: else -> skip
		fi;
#ifdef PROBE_ACQ_STANDS
		if
		:: eff > 0 -> assert(acquire_never_stands)
		:: else -> skip
		fi;
#endif
		ndone++; k = 0; op = 0; res = 0; why = 0; eff = 0; dir = 0;
		prevok = 0; sat = 0
	}
}

/*
 * Checked in every state, on the library's state and the ghosts:
 *   (d) 0 <= V <= N, V being moved by the branch each operation took;
 *   I4: V == clamp(given, 0, N) (what fsem_bounded_given_out reports);
 *   I1: V == effects credited to threads + tokens and gives in flight
 *       (acquirers' count +1, releasers' -1);
 *   debts: acquire debtors = max(given - N, 0) + T[acq] + G[acq],
 *          release debtors = max(-given, 0) + T[rel] + G[rel] (I2);
 *   both words' fields are valid, I3 with wake-ups in flight.
 * and on what the callers see (these alone with -DOBSERVABLE_ONLY):
 *   PAIRED: at most N threads hold a permit;
 *   each operation returns 0 iff it took effect (Thread);
 *   the final state: words empty, given == the effects the callers saw;
 *   no thread blocked for ever (spin's invalid end state check).
 */
#define POS(x)		((x) > 0 -> (x) : 0)
#ifndef OBSERVABLE_ONLY
#define GATE_FINAL	(gdn == 0 && gup == 0)	/* no gate left set */
#else
#define GATE_FINAL	true	/* the marks are inside the library */
#endif
#define WH1(i)	(wh[i] == 0 || wh[i] == WN)
#define WH_OK	(WH1(0) && WH1(1) && WH1(2))
#define CLAMP(x)	((x) < 0 -> 0 : ((x) > N -> N : (x)))
#define INV_D		(V >= 0 && V <= N)
#define INV_I4		(V == CLAMP(given))
#define INV_I1		(V == effsum + T[ACQ] + G[ACQ] - T[REL] - G[REL])
#define INV_DEBT	(D[ACQ] == POS(given - N) + T[ACQ] + G[ACQ] && \
			 D[REL] == POS(-given) + T[REL] + G[REL])
#ifndef LIVE
#define FINAL	(T[0] == 0 && S[0] == 0 && G[0] == 0 && D[0] == 0 && \
		 T[1] == 0 && S[1] == 0 && G[1] == 0 && D[1] == 0 && \
		 PW[0] == 0 && PW[1] == 0 && given == effsum && GATE_FINAL)
#else
#define FINAL	true
#endif

active proctype Monitor()
{
end_monitor:
	if
#ifndef OBSERVABLE_ONLY
	:: atomic { !INV_D -> assert(bound_0_le_given_out_le_N) }
	:: atomic { !INV_I4 -> assert(I4_given_out) }
	:: atomic { !INV_I1 -> assert(I1_conservation) }
	:: atomic { !INV_DEBT -> assert(debts_match_debtors) }
	:: atomic { !(WORD_OK(0) && WORD_OK(1)) -> assert(word_fields_valid) }
	:: atomic { !(I3(0) && I3(1)) -> assert(I3_wake) }
#endif
#ifdef PAIRED
	:: atomic { holders > N -> assert(at_most_N_holders) }
#endif
	:: atomic { ndone == NT && !FINAL -> assert(final_state_clean) }
#ifdef GATE
	/* a weighted call holds n permits or none (G1, G3) */
	:: atomic { !WH_OK -> assert(all_or_nothing) }
#endif
#if defined(SHUTDOWN) && !defined(OBSERVABLE_ONLY)
	:: atomic { !(XWOKE_OK(ACQ) && XWOKE_OK(REL)) ->
		assert(no_sleeper_after_shutdown_wake) }
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
 * its word holds a token or a permit allows its step (an acquirer while
 * given < N, a releaser while given > 0). pan -a -f (weak fairness).
 */
#define STARVE(i)	(blk[i] && ((bw[i] == ACQ && (T[ACQ] > 0 || given < N)) || \
				    (bw[i] == REL && (T[REL] > 0 || given > 0))))
ltl no_lost_wakeup { []<> !STARVE(0) && []<> !STARVE(1) && []<> !STARVE(2) }
/*
 * A timed acquire whose deadline has passed returns (thread 0; tmo is
 * cleared when it returns). pan -a -f -N timed_acquire_returns. FAILS on
 * the current C code: see README.md, "Findings".
 */
ltl timed_acquire_returns { [] (tmo[0] -> <> !tmo[0]) }
#endif
#if defined(FUTEX_BROKEN) || (defined(SHUTDOWN) && defined(LIVE))
/* As in fsem.pml: with every futex wait failing, every call returns;
 * with a shutdown, every call returns, both directions' blocked calls
 * included. */
ltl calls_return { <> (ndone == NT) }
#endif
