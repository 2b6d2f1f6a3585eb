/*
 * shared.pml - Promela model of src/shared.c: the kill-safe protocol of
 * FSEM_SHARED semaphores (one CAS per permit, registered waiters, futex
 * wait/wake with bitsets), the futex, and process death.
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
 *   me, wl, w0, w1, up, hi, kd, ok, sn, unit, stepped, wk, err, rounds, ho
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
 *                         store after a successful poll (handoff.c:275)
 *   NEG_WAKE_BEFORE_CAS   control (a): wake decision from the caller's load
 *   NEG_WAKE_ONE          control (a'): a success of n wakes only one
 *   NEG_NO_RECHECK        control (b1): a woken waiter assumes success
 *   NEG_NO_REREAD         control (b2): a woken waiter does not re-read
 *   NEG_NO_DEREG          control (c1): leave() does not deregister
 *   NEG_NO_PASS_ON        control (c2): leave() passes no wake on
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
 */

/* futex and sleep_once results (futex.h:5-10) */
#define OK		0
#define EAGAIN		1
#define ETIMEDOUT	2	/* also stands for EINTR: same path in C */
#define ECANCELED	3
#define EFUTEX		4	/* any other errno: the call did not sleep */

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

#define MIN(a, b)	((a) < (b) -> (a) : (b))

/* ---- the state word (shared.c:19-33) ------------------------------- */
#ifndef LO0
#define LO0		0	/* the low half at the start */
#endif
short lo = LO0;		/* low half: V or G; the futex word */
byte reg[2];		/* W; or A (kind 0) and R (kind 1) */

/* The kernel's futex queue: blk[i], thread i sleeps with bitset 1 << bwk[i]. */
bit blk[NT];
bit bwk[NT];

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
bit  fin[NT];		/* thread i finished its operations */
byte ndead;		/* processes that died */
byte ndone;		/* threads finished or dead */

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
#define REG_0(i)	(rg[i] && rk[i] == 0)
#define REG_1(i)	(rg[i] && rk[i] == 1)
#define LREG_0(i)	(rg[i] && rk[i] == 0 && !dead[i])
#define LREG_1(i)	(rg[i] && rk[i] == 1 && !dead[i])
#define BLK_0(i)	(blk[i] && bwk[i] == 0)
#define BLK_1(i)	(blk[i] && bwk[i] == 1)
#define OWE_0(i)	(owek[i] == 0 -> owe[i] : 0)
#define OWE_1(i)	(owek[i] == 1 -> owe[i] : 0)
#define NLREG(k)	ALLT(LREG_ ## k)
#define NBLK(k)		ALLT(BLK_ ## k)
#define NOWE(k)		ALLT(OWE_ ## k)	/* not for ltl formulas */

/* struct fsem_side of the thread: room() (shared.c:126-129) */
#define ROOM(v, n)	(up -> (v) + (n) <= hi : (v) >= (n))
#define WREG(k)		((k) == 0 -> w0 : w1)

#define LOAD()		wl = lo; w0 = reg[0]; w1 = reg[1]

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
		dead[me] = 1; handed[me] = 0; ndead++; ndone++;
		wl = 0; w0 = 0; w1 = 0; wk = 0; err = 0; rounds = 0; unit = 0;
		stepped = 0; ho = 0
	}
}

/* ------------------------------------------------------------------ */
/*
 * futex.h:89-99 fsem_futex_wake_bits(low half, wk, bits of kind k): dequeue
 * up to wk threads sleeping with a matching bitset, any of them (the
 * kernel's choice). A dequeued thread now holds that wake (owe).
 */
#define WAKE1(i) :: wk > 0 && blk[i] && bwk[i] == k -> \
			blk[i] = 0; wk--; OWE(owe[i] = 1; owek[i] = k)
inline futex_wake(k)
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
		wk = 0; OWE(owe[me] = 0)
	}
}

/*
 * shared.c:143-161 try_step(word, sd, &w, sn, also) and shared.c:131-141
 * wake_other. also: this thread's registration (unit), removed by the same
 * CAS. Sets stepped; w keeps the last value seen (the futex compares it).
 */
inline try_step(also)
{
	stepped = 0;
#ifdef NEG_WAKE_BEFORE_CAS
	/*
	 * NEGATIVE CONTROL (a): the other kind's registrations are taken from
	 * the load the caller made before the CAS loop, not from the old
	 * value of the CAS that succeeded.
	 */
	ho = (ok == 0 -> w0 : w1);
#endif
	do
	:: ROOM(wl, sn) ->				/* shared.c:149 */
		DP
		atomic {	/* shared.c:151-154 CAS(word, w, w + delta - also), acq_rel */
			if
			:: lo == wl && reg[0] == w0 && reg[1] == w1 ->
				lo = lo + (up -> sn : -sn);
				if
				:: also -> reg[kd]--; rg[me] = 0	/* K2: same CAS */
				:: else -> skip
				fi;
				stepped = 1; STEPPED();
				/* shared.c:135-140 min(n, others) of the CAS's old value */
#ifndef NEG_WAKE_BEFORE_CAS
				wk = (ok == NOKIND -> 0 : MIN(sn, WREG(ok)));
#else
				wk = (ok == NOKIND -> 0 : MIN(sn, ho));
#endif
#ifdef NEG_WAKE_ONE
				/* NEGATIVE CONTROL (a'): wake one, whatever n */
				wk = MIN(wk, 1);
#endif
				OWE(owe[me] = wk; owek[me] = (ok == 1 -> 1 : 0));
				HANDED(handed[me] = (ok != NOKIND))
			:: else -> LOAD()		/* failed: w = word */
			fi
		}
		if
		:: stepped -> break			/* shared.c:157 */
		:: else -> skip
		fi
	:: else -> break				/* shared.c:160 return false */
	od;
	if
	:: wk > 0 -> futex_wake(ok)			/* shared.c:137-140 */
	:: else -> skip					/* shared.c:137 others == 0 */
	fi;
	ho = 0
}

/*
 * shared.c:198-211 leave(me): deregister (K3) and pass on a wake this
 * waiter may have absorbed. Also the cancellation cleanup handler
 * (shared.c:213-216).
 */
inline leave()
{
	if
	:: unit ->
		DP
		atomic {	/* shared.c:206-207 old = fetch_sub(word, unit), relaxed */
			LOAD();
#ifndef NEG_NO_DEREG
			reg[kd]--;
#else
			/* NEGATIVE CONTROL (c1): the registration stays */
			skip;
#endif
			rg[me] = 0;
			/* shared.c:209 room(old, 1) && registrations(old) > 1 */
#ifndef NEG_NO_PASS_ON
			wk = (ROOM(wl, 1) && WREG(kd) > 1 -> 1 : 0);
#else
			/* NEGATIVE CONTROL (c2): a wake absorbed is not passed on */
			wk = 0;
#endif
			OWE(owe[me] = wk; owek[me] = kd);
			unit = 0				/* shared.c:208 */
		}
		if
		:: wk > 0 -> futex_wake(kd)		/* shared.c:210 */
		:: else -> skip
		fi
	:: else -> skip					/* shared.c:204-205 */
	fi
}

/*
 * shared.c:218-232 sleep_once + futex.h:49-70 FUTEX_WAIT_BITSET(low half,
 * wl, 1 << kd). Sets err. Asynchronous cancellation is possible from
 * shared.c:227 (setcanceltype acts on a pending request) to shared.c:230.
 * With FUTEX_FAILS or FUTEX_BROKEN the system call may fail (a seccomp
 * filter): it returns at once, having queued nothing, whatever the
 * operation.
 */
inline sleep_once()
{
	err = OK;
	if
	:: ik[me] == IK_TMO && EV(me) -> err = ETIMEDOUT	/* shared.c:225-226 */
	:: ik[me] == IK_CANCEL && EV(me) -> err = ECANCELED	/* shared.c:227 */
	:: FUTEX_MAY_FAIL ->			/* futex.h: fails, no sleep */
		err = EFUTEX;
		if	/* asynchronous until shared.c:230 */
		:: ik[me] == IK_CANCEL && EV(me) -> err = ECANCELED
		:: true -> skip
		fi
	:: FUTEX_MAY_SLEEP ->
		DP
		atomic {	/* futex_wait: compare the low half and enqueue, atomically */
			if
			:: lo == wl -> blk[me] = 1; bwk[me] = kd; OWE(owe[me] = 0)
			:: else -> err = EAGAIN
			fi
		}
		if
		:: err == EAGAIN -> skip
		:: else ->
end_asleep:		if	/* in the kernel until: */
			:: atomic { !blk[me] -> err = OK }	/* FUTEX_WAKE, or Env */
#ifndef ENV_EVENTS
			:: atomic { nspur < MAXSPUR && blk[me] ->	/* spurious */
				blk[me] = 0; nspur++; err = OK }
#endif
			/* deadline, signal, cancel: only a thread still queued;
			 * the kernel reports a wake that came first */
			:: atomic { ik[me] != IK_NONE && EV(me) && blk[me] ->
				blk[me] = 0;
				err = (ik[me] == IK_CANCEL -> ECANCELED : ETIMEDOUT) }
#if KILLS > 0
			:: die(); goto killed			/* killed asleep */
#endif
			fi
		fi;
		/* futex returned, asynchronous until shared.c:230 */
		if
		:: ik[me] == IK_CANCEL && EV(me) -> err = ECANCELED
		:: true -> skip
		fi
	fi
}

/* shared.c:234-248 poll_once (registration field full): sets err */
inline poll_once()
{
	if
	:: ik[me] == IK_CANCEL && EV(me) -> err = ECANCELED	/* shared.c:239 testcancel */
	:: ik[me] == IK_TMO && EV(me) -> err = ETIMEDOUT	/* shared.c:240-245 */
	:: true -> err = OK					/* shared.c:246 yield */
	fi
}

/*
 * shared.c:250-282 sleep_loop: register unless the field is full, then
 * { try; sleep (or poll); leave on ETIMEDOUT / EINTR / cancel; re-read }.
 * Sets stepped; err == ECANCELED: the caller exits the thread.
 */
inline sleep_loop()
{
	atomic { LOAD() }				/* shared.c:255-256 hint */
	do
	:: WREG(kd) != RMASK ->				/* shared.c:259 */
		DP
		atomic {	/* shared.c:260-262 CAS(word, w, w + unit), relaxed */
			if
			:: lo == wl && reg[0] == w0 && reg[1] == w1 ->
				reg[kd]++; rg[me] = 1; rk[me] = kd;
				unit = 1;			/* shared.c:263 */
				if				/* shared.c:264 */
				:: kd == 0 -> w0++
				:: else -> w1++
				fi
			:: else -> LOAD()
			fi
		}
		if
		:: unit -> break			/* shared.c:265 */
		:: else -> skip
		fi
	:: else -> break				/* full: poll, shared.c:71-73 */
	od;
	do
	:: try_step(unit);				/* shared.c:269 */
		if
		:: stepped -> unit = 0; break		/* shared.c:270-271 */
		:: else -> skip
		fi;
		if
		:: unit -> sleep_once()			/* shared.c:273 */
		:: else -> poll_once()			/* shared.c:274 */
		fi;
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
			leave(); break			/* shared.c:275-278 */
		:: else ->
#ifndef NEG_NO_REREAD
			atomic { LOAD() }		/* shared.c:279-280 */
#else
			/* NEGATIVE CONTROL (b2): go on with the stale w */
			skip
#endif
		fi
	od
}

/*
 * handoff.c:250-283 fsem_spin with shared.c:185-196 poll_room. The budget
 * is abstracted: no spin at all (FSEM_NOSPIN, budget below SPIN_MIN_NS) or
 * up to SPIN_MAX polls, giving up after any of them. After a poll that took
 * a permit, fsem_spin stores the new budget into the semaphore
 * (handoff.c:272-278): an access after the CAS.
 */
inline spin_phase()
{
	if
	:: true -> skip
#ifndef NOSPIN
	:: true ->
		do
		:: atomic { LOAD() }			/* shared.c:189-190 */
			if
			:: WREG(kd) != 0 -> break	/* shared.c:192-193 STOP */
			:: else ->
				try_step(0);		/* shared.c:194 */
				if
				:: stepped ->
					/* handoff.c:272-278 store(budget_ns) */
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
				/* handoff.c:267-271 again, or the budget is spent */
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
 * shared.c:284-299 fsem_shared_take (fsem_shared_try first, shared.c:163-169).
 * Sets stepped (0: err is ETIMEDOUT, or ECANCELED and the thread exits).
 */
inline take()
{
	atomic { LOAD() }				/* shared.c:166 hint */
	sn = 1; try_step(0);				/* shared.c:168, 291 */
	if
	:: !stepped -> spin_phase()			/* shared.c:293 */
	:: else -> skip
	fi;
	if
	:: !stepped -> sleep_loop()			/* shared.c:295-297 */
	:: else -> skip
	fi
}

/* shared.c:163-169 fsem_shared_try(word, sd, sn): sets stepped */
inline shared_try()
{
	atomic { LOAD() }				/* shared.c:166 hint */
	try_step(0)					/* shared.c:168 */
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
 *              the dead (I3 of handoff.c in this protocol's terms).
 */
#define REG_OK(k)	(reg[k] == NREG(k) && reg[k] <= RMASK)
#define Q_OK(i)		(!blk[i] || (!dead[i] && rg[i] && rk[i] == bwk[i]))
#define K2(k)		(MIN(ROOMK(k), NLREG(k)) <= \
			 NLREG(k) - NBLK(k) + NOWE(k) + Dw[k])
/* at a global deadlock: sleepers that could go on, at most the wakes lost */
#define STRANDED(k)	MIN(ROOMK(k), NBLK(k))
#ifndef STRICT_END
#define END_OK(k)	(STRANDED(k) <= Dw[k])
#else
#define END_OK(k)	(STRANDED(k) == 0)
#endif
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
