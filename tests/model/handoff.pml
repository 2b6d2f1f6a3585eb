/*
 * handoff.pml - Promela model of src/handoff.c: the hand-off word, the
 * futex, and the slow path shared by both semaphores (give, take, spin,
 * sleep, leave, cancel_cleanup).
 *
 * Included by fsem.pml (counting) and bounded.pml (bounded), which define
 * before the include:
 *   NT            number of threads
 *   NW            number of hand-off words (1: fsem_t; 2: acq and rel)
 * and, anywhere in the file (inlines are expanded where they are used):
 *   withdraw(h)   h->withdraw(): sets wd = 1 if one uncovered debt withdrawn
 *   give_back(h)  h->give_back(): sets gb = 1 if the permit went back
 *   TOOK(h)       ghost bookkeeping of a thread that took a token of word h
 *
 * Every C atomic read-modify-write (xadd, CAS) is one atomic { } block; a
 * relaxed atomic load is one atomic { } block that copies the word into the
 * thread's local w = (lT, lS). Local computation between two atomics is
 * folded into the neighbouring block where it reads only locals. CAS loops
 * are modelled with the C code's own retry structure: a CAS that finds a
 * different word fails and refreshes w, exactly as
 * atomic_compare_exchange_weak does. Spurious failures of the weak CAS are
 * not modelled: they repeat the same step with the same w, which adds no
 * reachable state.
 *
 * The thread-local variables used here are declared in the Thread proctype
 * of the including file: me, lT, lS, lX, err, res, wk, rounds, why, took,
 * dereg, wd, gb, inleave, intr, hs.
 *
 * Switches (spin -D...):
 *   CFG_<name>            configuration, in fsem.pml / bounded.pml
 *   ENV_EVENTS            timeouts etc. from the Env process (liveness runs;
 *                         set by the LIVE configurations)
 *   OBSERVABLE_ONLY       the monitor checks only what callers can see
 *   NEG_WAKE_BEFORE_ADD   negative control 1 (handoff_give)
 *   NEG_NO_RECHECK        negative control 2 (sleep_take)
 *   NEG_NO_WITHDRAW       negative control 3a (leave)
 *   NEG_NO_GIVE_BACK      negative control 3b (sleep_take)
 *   NEG_BOUND_OFF_BY_ONE  negative control 4 (bounded.pml)
 *   NEG_LEAVE_SLEEP       negative control 5: the old leave() that slept
 *                         for "its" token without a deadline (leave)
 *   PROBE_ACQ_STANDS      assert that no bounded acquire stands (bounded.pml)
 *   FUTEX_FAILS           any futex wait may fail without sleeping (a
 *                         seccomp filter's ENOSYS or EPERM: futex.h)
 *   FUTEX_BROKEN          every futex wait fails so (liveness: every call
 *                         returns, ltl calls_return)
 *   NEG_FUTEX_RETRY       negative control 6: a failed futex wait is taken
 *                         for EAGAIN, re-read and retried (the old futex.h)
 *   SPIN_MAX, MAXSPUR     spinner reloads (2), spurious wake-ups per run (1)
 *   SHUTDOWN              configurations with fsem_shutdown /
 *                         fsem_bounded_shutdown of FSEM_FIFO (X1-X5 of
 *                         handoff.c): X in each word, the counter's mark
 *                         (cmark), handoff_shutdown(); set by the X*
 *                         configurations of fsem.pml and bounded.pml. The
 *                         X checks of spin_take and sleep_take are always
 *                         in (X stays 0 without a shutdown)
 *   NEG_SHUT_NO_WAKE      control x-a: the shutdown sets X but makes no
 *                         FUTEX_WAKE (handoff_shutdown)
 *   NEG_SLEEP_IGNORES_X   control x-b1: sleep_loop does not check X
 *   NEG_SPIN_IGNORES_X    control x-b2: poll_token spins on while X is set
 *   NEG_STEP_IGNORES_MARK control x-c: the blocking step on the counter
 *                         (fsem.c wait_step, bounded.c fifo_step) is the
 *                         old xadd, which does not check the mark
 *                         (fsem.pml, bounded.pml)
 *   NEG_NO_HELPER_MARK    control x-d: cancelled() does not set the
 *                         counter's mark (handoff_cancelled)
 *   NEG_HELPER_MARK_ONLY  control x-e, finding X-B1 (the first C code):
 *                         cancelled() sets the counter's mark only, not X
 *                         in the semaphore's other word first
 *   PROBE_PREMARK         check the linearization form of "no success
 *                         after the mark" (CHECK_TOKEN), which X-B1 kept
 *   GATE                  configurations with a blocking weighted call
 *                         (G1-G6 of handoff.c, "the gate"): the
 *                         shutdown also wakes both halves of the counter
 *                         (G6); set by the *N configurations of fsem.pml
 *                         and bounded.pml. The gate marks, the held and
 *                         collecting sleeps and G4 are always in (the
 *                         marks stay 0 without a weighted call)
 *   NEG_GATE_NO_NOTIFY    control g-a: a step of the other direction that
 *                         finds a gate set does not wake the counter's
 *                         low half (G4 dropped; fsem.pml, bounded.pml)
 *   NEG_GATE_KEPT         control g-b: a collector that leaves does not
 *                         clear its gate (G5 without its fetch_sub)
 *   NEG_GATE_IGNORED      control g-c: single blocking steps and
 *                         try-calls ignore the gate (the old steps)
 *   NEG_GATE_PARTIAL      control g-d: the collector takes the permits
 *                         one at a time as they appear, not n at once
 */

/* futex and sleep_once results (futex.h top comment: fsem_futex_wait) */
#define OK		0
#define EAGAIN		1
#define ETIMEDOUT	2	/* also stands for EINTR: same path in C */
#define ECANCELED	3
#define EFUTEX		4	/* any other errno: the call did not sleep */
#define ESHUT		5	/* ECANCELED of a shutdown (X2-X4); the model's
				 * ECANCELED stays pthread cancellation */

/* interrupt kind of the blocking operation a thread is in */
#define IK_NONE		0	/* fsem_wait without signals */
#define IK_TMO		1	/* timed: deadline (or a signal: EINTR) */
#define IK_CANCEL	2	/* cancellation request (pthread_cancel) */

/* results of fsem_handoff_take */
#define R_OK		1	/* took a token: the operation succeeded */
#define R_ERR		2	/* left: debt withdrawn, or token given back */
#define R_STAND		3	/* left, took a token, give_back failed: 0 */
#define R_TOOK		4	/* internal: leave() took a token (returns 0) */
#define R_NEED		5	/* internal: leave() found all debts covered */
#define R_SHUT		6	/* returned ECANCELED: shut down (X2, X4) */
#define R_HELD		7	/* internal: held behind a gate (G2) */
#define R_COLL		8	/* internal: set its gate, collects (G1, G3) */

#ifndef SPIN_MAX
#define SPIN_MAX	2	/* reloads a spinner makes before its budget ends */
#endif
#ifndef MAXSPUR
#define MAXSPUR		1	/* spurious wake-ups in a whole run */
#endif

/*
 * The 64-bit hand-off word of handoff.c ("Word layout"), one per blocking
 * direction, as its two 32-bit halves. Signed here so that an underflow
 * (which in C would borrow across the halves) is seen by the monitor.
 */
short T[NW];	/* bits 0..29: tokens. With X and FSEM_MARK_ (bit 31, a
		 * constant): the futex word. */
bit  X[NW];	/* bit 30: X, shut down (X1): set once by a shutdown */
short S[NW];	/* bits 32..63: registered sleepers. */

/*
 * The counter's mark (handoff.c "Word layout": FSEM_SHUT_COUNT_ added to
 * fsem_t's count or the bounded given, X1): kept apart from the value,
 * which the including file declares and which the mark never changes.
 * Every CAS on the counter compares the whole int64, the mark with it.
 */
bit  cmark;

/* a relaxed load of hand-off word h into the thread's w, and the test of
 * a CAS that compares the whole word (handoff.c try_take, leave: X too) */
#define LOADW(h)	lT = T[h]; lS = S[h]; lX = X[h]
#define SAMEW(h)	(T[h] == lT && S[h] == lS && X[h] == lX)

/* The kernel's futex queue: blk[i] = thread i sleeps in FUTEX_WAIT on bw[i]. */
bit  blk[NT];
byte bw[NT];

/*
 * Timeouts, signals, cancellation requests and spurious wake-ups.
 *
 * Safety runs: they are nondeterministic choices of the thread itself, at
 * every point where the C code can observe them (EV(i) is true): a thread
 * in an interruptible operation may time out or be cancelled at any
 * moment; a sleeping thread may wake spuriously (at most MAXSPUR times in
 * a run, so that a thread nobody wakes is a deadlock spin can see). This
 * is the smallest model that has all their interleavings.
 *
 * Liveness runs (-DENV_EVENTS): under weak fairness a sleeping thread
 * that may always leave would be forced to leave, which would hide a lost
 * wake-up. There, an Env process makes the events: at most one timeout or
 * cancel request per operation (tmo[i]), at most MAXSPUR spurious wake-ups,
 * and Env may stop at any moment, so fairness forces none of them.
 */
byte ik[NT];	/* IK_* of thread i's current operation */
byte nspur;	/* spurious wake-ups made so far */
#ifdef ENV_EVENTS
bit  tmo[NT];	/* deadline passed / signal / cancel request for thread i */
#define EV(i)		tmo[i]
#define MUST_CANCEL	(intr && tmo[me] && ik[me] == IK_CANCEL)
#define CLEAR_EV(i)	tmo[i] = 0
#else
#define EV(i)		true
#define MUST_CANCEL	false
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
 * NEGATIVE CONTROL 6: a failed futex wait is taken for EAGAIN (re-read
 * and retried): with the futex refused for good, the waiter never returns.
 */
#define FUTEX_LEAVES	255	/* no such error */
#endif

/* Ghost state, for the monitor only; never read by the protocol. */
byte G[NW];	/* covered debts whose hand-off xadd has not yet run */
byte D[NW];	/* debtors: made a debt by their xadd, not yet taken a token nor withdrawn */
byte PW[NW];	/* wake-ups a giver decided from its xadd, not yet issued */
byte ndone;	/* threads that have finished their operations */
bit  xwoke[NW];	/* the shutdown's FUTEX_WAKE(all) of word h was made */
bit  seen;	/* a shutdown or an ECANCELED of one has returned to its
		 * caller: every call begun after it must fail (X4) */

/* constant-false bits of the shutdown checks: their names are what spin
 * prints when one fails */
bit no_success_after_shutdown, ECANCELED_only_after_mark;
bit call_after_shutdown_ECANCELED, no_sleeper_after_shutdown_wake;

/*
 * A call takes a permit or a token for its success (not one that leave()
 * takes and gives back: why != 0 there): never once the counter is marked
 * (X2, X3, X4). Used inside the atomic block of the taking step; not with
 * OBSERVABLE_ONLY (the including file checks what callers see of it).
 */
#ifndef OBSERVABLE_ONLY
#define CHECK_TAKE	if \
			:: why == 0 && cmark -> assert(no_success_after_shutdown) \
			:: else -> skip \
			fi
#else
#define CHECK_TAKE	skip	/* the mark is inside the library */
#endif

/*
 * The same for a token of word h (try_take_sleeper, spin_take, leave's
 * take). With -DPROBE_PREMARK, the weaker check of a linearization: a
 * token may be taken for a success after the mark while one of the debts
 * covered before it is still unclaimed (pre[h], set at the mark to T +
 * G; a take in leave() uses up a token covered after the mark first):
 * the success then took effect at that covering step, before the mark.
 */
#ifndef PROBE_PREMARK
#define CHECK_TOKEN(h)	CHECK_TAKE
#else
byte pre[NW];	/* debts of word h covered before the mark, not yet claimed */
bit no_post_mark_token_taken;
#define CHECK_TOKEN(h)	if \
			:: cmark && why == 0 && pre[h] == 0 -> \
				assert(no_post_mark_token_taken) \
			:: cmark && why == 0 && pre[h] > 0 -> pre[h]-- \
			:: cmark && why != 0 && pre[h] > T[h] + G[h] -> pre[h]-- \
			:: else -> skip \
			fi
#endif

#define NBLK(h)	((blk[0] && bw[0] == h) + (blk[1] && bw[1] == h) + \
		 (blk[2] && bw[2] == h) + NBLK3(h))
#if NT > 3
#define NBLK3(h) (blk[3] && bw[3] == h)
#else
#define NBLK3(h) 0
#endif
#if NT > 4
#error "NT > 4: extend NBLK, futex_wake, Env and the ltl formulas"
#endif

#define MIN(a, b)	((a) < (b) -> (a) : (b))

/* ------------------------------------------------------------------ */
/* futex.h fsem_futex_wake(word, n): wake up to n threads queued
 * on word h, any of them (the kernel's choice). wk = n. */
#define WAKE1(i) :: wk > 0 && blk[i] && bw[i] == h -> blk[i] = 0; wk--
inline futex_wake(h)
{
	atomic {
		PW[h] = PW[h] - wk;
		do
		WAKE1(0)
		WAKE1(1)
		WAKE1(2)
#if NT > 3
		WAKE1(3)
#endif
		:: else -> break
		od;
		wk = 0
	}
}

/* ------------------------------------------------------------------ */
/*
 * The gate (G1-G6 of handoff.c): blocking calls for n > 1 under FSEM_FIFO.
 * The counter's gate marks (GATE_DOWN = 2^60: fsem_t's waits, bounded
 * releases; GATE_UP = 2^58: bounded acquires) are kept apart from the
 * value, as cmark is; every CAS on the counter compares them (the whole
 * int64). The including file defines CVAL (its counter's value: count,
 * given) before the include. Thread-local: lk (the futex's expected
 * value), lg (the gates found by a step, GATES).
 */
bit  gdn;	/* FSEM_GATE_DOWN_ */
bit  gup;	/* FSEM_GATE_UP_ */
#define GATES	(gdn * 2 + gup)
/*
 * Two more futex words for blk/bw: the counter's high half (the marks:
 * held threads sleep there, G2) and its low half (the value: collectors
 * sleep there, G3). The high half of value + marks is the marks plus the
 * borrow of a negative value (handoff.h: the value stays within 2^33 of
 * 0, the marks are multiples of 2^36): HIKEY; the low half is the value
 * and the shutdown's 2^31 (LOKEY)
 * (its wrap-around at 2^32 is not modelled).
 */
#define CH	NW		/* futex word: the counter's high half */
#define CL	(NW + 1)	/* futex word: the counter's low half */
#define HIKEY	(cmark * 8 + gdn * 4 + gup * 2 + (CVAL < 0))
#ifndef NEG_SHUT_LOW_UNCHANGED
/* the shutdown's mark is 2^62 + 2^31 (handoff.h FSEM_SHUT_COUNT_): its
 * 2^31 flips the top bit of the low half, so a collector that read the
 * counter before the mark cannot sleep on it after (G6; finding G-B1) */
#define LOKEY	(CVAL * 2 + cmark)
#else
/* NEGATIVE CONTROL g-e (finding G-B1, the first spec and C code): the
 * mark is 2^62 alone and leaves the low half as it was: a collector that
 * read the counter before the mark sleeps after the shutdown's wakes */
#define LOKEY	CVAL
#endif
#define CKEY(half)	(half == CH -> HIKEY : LOKEY)

/* ghosts of the gate */
byte wh[NT];	/* permits a weighted call has taken (all or nothing: 0, n) */
/* constant-false bits of the gate checks: their names are what spin
 * prints when one fails */
bit strict_order_at_gate, all_or_nothing;

/* G2: a blocking step (or a try-call) of a direction whose gate is set
 * does not step */
#ifndef NEG_GATE_IGNORED
#define GATE_HOLDS(g)	(g)
#else
/* NEGATIVE CONTROL g-c: single steps and try-calls ignore the gate */
#define GATE_HOLDS(g)	false
#endif
/* in the atomic block of a step that takes a permit or makes a debt of
 * the direction whose gate is g: strict order (G2) */
#define STRICT(g)	if \
			:: g -> assert(strict_order_at_gate) \
			:: else -> skip \
			fi

/*
 * fsem_futex_wake(half, INT_MAX): wake every thread queued on the
 * counter's half (a kernel step; nobody else's PW: the gate's wakes are
 * wake-alls, nobody is counted on them).
 */
#define CWK(i, half)	if \
			:: blk[i] && bw[i] == half -> blk[i] = 0 \
			:: else -> skip \
			fi
inline counter_wake(half)
{
	atomic {
		CWK(0, half); CWK(1, half); CWK(2, half);
#if NT > 3
		CWK(3, half);
#endif
		skip
	}
}

/*
 * G4 (handoff.h fsem_gate_notify): after a step that found a gate set in
 * the counter (lg), wake the collectors on the low half. Without GATE no
 * gate is ever set (only a weighted blocking call sets one), so lg is 0
 * and the test would only add a skip step: it is compiled out there,
 * which keeps the state counts of the older configurations.
 */
#if defined(GATE) && !defined(NEG_GATE_NO_NOTIFY)
#define GATE_NOTIFY	if \
			:: lg -> lg = 0; counter_wake(CL) \
			:: else -> skip \
			fi
#else
/* NEGATIVE CONTROL g-a (with GATE): no wake: a collector asleep with its
 * room made sleeps on */
#define GATE_NOTIFY	lg = 0
#endif

/*
 * fsem_sleep_cancelable(half, lk) on one half of the counter (the held
 * thread's fsem_gate_hold: CH; the collector in collect: CL): sleep while
 * the half equals lk, as sleep_once does on the token half (one
 * spurious wake-up per run; a timed call may time out, or get EINTR, at
 * entry or while asleep; a cancellable one may be cancelled). Sets err:
 * OK (woken), EAGAIN, ETIMEDOUT (also EINTR), ECANCELED, EFUTEX.
 */
inline counter_sleep(half)
{
	err = OK;
	if
	:: intr && EV(me) && ik[me] == IK_TMO -> err = ETIMEDOUT
	:: intr && EV(me) && ik[me] == IK_CANCEL -> err = ECANCELED
	:: intr && FUTEX_MAY_FAIL && !MUST_CANCEL -> err = EFUTEX
	:: !MUST_CANCEL && FUTEX_MAY_SLEEP ->
		atomic {	/* FUTEX_WAIT(half, lk) */
			if
			:: CKEY(half) == lk -> blk[me] = 1; bw[me] = half
			:: else -> err = EAGAIN
			fi
		}
		if
		:: err == EAGAIN -> skip
		:: else ->
			if	/* asleep in the kernel until: */
			:: atomic { !blk[me] -> err = OK }	/* a wake-all */
#ifndef ENV_EVENTS
			:: atomic { nspur < MAXSPUR && blk[me] ->	/* spurious */
				blk[me] = 0; nspur++; err = OK }
#endif
			:: atomic { intr && EV(me) && ik[me] != IK_NONE && blk[me] ->
				blk[me] = 0;
				err = (ik[me] == IK_CANCEL -> ECANCELED : ETIMEDOUT) }
			fi
		fi
	fi
}

/* handoff.c fsem_gate_hold: held behind a set gate (G2), sleep on the
 * high half with the marks read (lk); err OK or EAGAIN: read again and
 * try the step again; else the error ends the call, which holds nothing */
inline gate_hold()
{
	intr = 1; counter_sleep(CH); intr = 0; lk = 0
}

/* handoff.c fsem_handoff_give(word h, n) */
inline handoff_give(h, n)
{
#ifndef NEG_WAKE_BEFORE_ADD
	atomic {
		/* handoff.c fsem_handoff_give: w = fetch_add(word, n * TOKEN)
		 * (release) */
		lT = T[h]; lS = S[h];
		T[h] = T[h] + n;
		G[h] = G[h] - n;
		/* handoff.c fsem_handoff_give: wake min(S - T, n) if S > T,
		 * old values */
		wk = (lS > lT -> MIN(lS - lT, n) : 0);
		PW[h] = PW[h] + wk;
		lT = 0; lS = 0
	}
#else
	/*
	 * NEGATIVE CONTROL 1: the wake decision is taken from a load made
	 * before the xadd that deposits the token. A debtor that registers
	 * between the load and the xadd is counted by nobody.
	 */
	atomic {
		lT = T[h]; lS = S[h];	/* load, then decide */
		wk = (lS > lT -> MIN(lS - lT, n) : 0)
	}
	atomic {
		T[h] = T[h] + n;	/* fetch_add(word, n * TOKEN) */
		G[h] = G[h] - n;
		PW[h] = PW[h] + wk;
		lT = 0; lS = 0
	}
#endif
	if
	:: wk > 0 -> futex_wake(h)	/* handoff.c fsem_handoff_give */
	:: else -> skip			/* handoff.c fsem_handoff_give:
					 * return */
	fi
}

/* handoff.c try_take(word, &w, SLEEPER) as a registered sleeper */
inline try_take_sleeper(h)
{
	if
	:: lT != 0 ->
		atomic {	/* handoff.c try_take: CAS(word, w,
				 * w - TOKEN - SLEEPER) */
			if
			:: SAMEW(h) ->
				T[h]--; S[h]--; D[h]--; took = 1; TOOK(h);
				CHECK_TOKEN(h)
			:: else -> LOADW(h)	/* failed: w = word */
			fi
		}
	:: else -> skip		/* handoff.c try_take: tokens(*w) == 0: false */
	fi
}

/*
 * handoff.c fsem_spin with poll_token (once spin_take), which also stops
 * on X (X3). The adaptive time budget is abstracted: the spinner makes up
 * to SPIN_MAX reloads and may give up after any of them (fsem_spin's
 * budget test, now_ns() - start > budget). Whether it spins at all is
 * chosen in handoff_take: not under FSEM_NOSPIN (h->spin NULL); and with
 * a stored budget below SPIN_MIN_NS, fsem_spin spins (a probe of
 * SPIN_PROBE_NS) while fewer than SPIN_MISSES (4) of the thread's own
 * spins in a row missed (its count, over every semaphore, starts at 4 and
 * is reset by a spin that took), else on 1 slow wait in SPIN_PROBE_EVERY
 * (32). The model's free choice to spin or not covers every case. Sets
 * took.
 */
#ifndef NEG_SPIN_IGNORES_X
#define SPIN_SEES_X	lX	/* handoff.c poll_token: && !shut(w) */
#else
/* NEGATIVE CONTROL x-b2: the spinner goes on taking tokens while X is set */
#define SPIN_SEES_X	false
#endif
inline spin_take(h)
{
	atomic { LOADW(h) }		/* handoff.c poll_token: w = load */
	do
	/* handoff.c poll_token: sleepers(w) != 0: never steal; X3, no
	 * take after X (FSEM_SPIN_STOP) */
	:: lS != 0 || SPIN_SEES_X -> break
	:: else ->
		if
		:: lT != 0 ->	/* handoff.c poll_token:
				 * try_take(word, &w, 0) */
			atomic {	/* handoff.c try_take: CAS(word, w,
					 * w - TOKEN) */
				if
				:: SAMEW(h) ->
					T[h]--; D[h]--; took = 1; TOOK(h);
					CHECK_TOKEN(h)
				:: else -> LOADW(h)
				fi
			}
		:: else -> skip
		fi;
		if
		:: took -> break		/* handoff.c fsem_spin:
						 * return true */
		:: !took && lT != 0 -> skip	/* handoff.c poll_token:
						 * lost the CAS */
		:: !took && lT == 0 ->
			if	/* handoff.c fsem_spin: cpu_relax;
				 * budget spent? */
			:: rounds < SPIN_MAX -> rounds++
			:: true -> break
			fi;
			atomic { LOADW(h) }	/* handoff.c poll_token:
						 * w = load */
		fi
	od;
	rounds = 0	/* handoff.c fsem_spin: return false */
}

/*
 * handoff.c fsem_sleep_cancelable (once sleep_once) + futex.h
 * fsem_futex_wait_bits(T half, 0).
 * Sets err. intr: the sleep is interruptible (and, for IK_CANCEL,
 * cancellable). Timeouts, signals and cancellation: EV(me), see above.
 * With FUTEX_FAILS or FUTEX_BROKEN the system call may fail (a seccomp
 * filter): it returns at once, having queued nothing, whatever the
 * operation (untimed ones too).
 */
inline sleep_once(h)
{
	err = OK;
	if
	/* handoff.c fsem_sleep_cancelable: setcanceltype(ASYNC) acts on a
	 * pending request */
	:: intr && EV(me) && ik[me] == IK_CANCEL -> err = ECANCELED
	/* handoff.c fsem_sleep_cancelable: abs->tv_sec < 0, or the kernel:
	 * deadline passed */
	:: intr && EV(me) && ik[me] == IK_TMO -> err = ETIMEDOUT
	/* futex.h: the system call fails without sleeping */
	:: intr && FUTEX_MAY_FAIL && !MUST_CANCEL ->
		err = EFUTEX;
		/* handoff.c asynchronous until the type is restored */
		if
		:: intr && EV(me) && ik[me] == IK_CANCEL -> err = ECANCELED
		:: true -> skip
		fi
	:: !MUST_CANCEL && FUTEX_MAY_SLEEP ->
		/* handoff.c fsem_sleep_cancelable: FUTEX_WAIT(T half, 0):
		 * sleep while T == 0;
		 * sleep_loop passes FSEM_MARK_: X (bit 30) also makes EAGAIN */
		atomic {
			if
			:: T[h] == 0 && !X[h] -> blk[me] = 1; bw[me] = h
			:: else -> err = EAGAIN
			fi
		}
		if
		:: err == EAGAIN -> skip
		:: else ->
			if	/* asleep in the kernel until: */
			:: atomic { !blk[me] -> err = OK }	/* FUTEX_WAKE (or Env) */
#ifndef ENV_EVENTS
			:: atomic { nspur < MAXSPUR && blk[me] ->	/* spurious */
				blk[me] = 0; nspur++; err = OK }
#endif
			:: atomic { intr && EV(me) && ik[me] != IK_NONE && blk[me] ->
				/* deadline, signal, cancel */
				blk[me] = 0;
				err = (ik[me] == IK_CANCEL -> ECANCELED : ETIMEDOUT) }
			fi
		fi;
		/* handoff.c fsem_sleep_cancelable: asynchronous until the type
		 * is restored */
		if
		:: intr && EV(me) && ik[me] == IK_CANCEL -> err = ECANCELED
		:: true -> skip
		fi
	fi
}

/*
 * handoff.c leave(h, err), entered as a registered sleeper. Sets res to
 * R_TOOK (took a token: returns 0), R_ERR (debt withdrawn: returns err) or
 * R_NEED (every debt covered, NEG_LEAVE_SLEEP only: the caller goes on
 * into sleep_take(uninterruptible), as the old handoff.c leave did).
 */
inline leave(h)
{
	atomic { LOADW(h) }		/* handoff.c leave: w = load */
	do
	:: try_take_sleeper(h);			/* handoff.c leave */
		if
		:: took -> break			/* handoff.c leave:
							 * return 0 */
		:: !took && lT != 0 -> skip		/* handoff.c leave:
							 * continue */
		:: !took && lT == 0 ->
			atomic {	/* handoff.c leave: CAS(w, w - SLEEPER):
					 * only while T == 0 */
				if
				:: SAMEW(h) -> S[h]--; dereg = 1
				:: else -> LOADW(h)
				fi
			}
			if
			:: dereg -> break		/* handoff.c leave */
			:: else -> skip
			fi
		fi
	od;
	if
	:: took -> res = R_TOOK
	:: else ->
		dereg = 0; lT = 0; lS = 0; lX = 0;
#if !defined(NEG_LEAVE_SLEEP) && !defined(NEG_NO_WITHDRAW)
		/*
		 * handoff.c leave(), since the fix of the hang this model found: when
		 * every debt is covered, do not sleep without a deadline for a
		 * token (a later debtor may take it, and then nobody brings
		 * another one); instead poll until either a token can be taken
		 * or a debt can be withdrawn again. In C: a loop of load, take
		 * by CAS (T - 1), withdraw, and a yield or short timed sleep.
		 */
		withdraw(h);
		do
		:: wd -> res = R_ERR; break
		:: else ->
			atomic { LOADW(h) }
			if
			:: lT != 0 ->
				atomic {
					if
					:: SAMEW(h) ->
						T[h]--; D[h]--; took = 1; TOOK(h);
						CHECK_TOKEN(h)
					:: else -> skip
					fi
				}
			:: else -> skip
			fi;
			if
			:: took -> res = R_TOOK; break
			:: else -> withdraw(h)
			fi
		od;
		lT = 0; lS = 0; lX = 0; wd = 0
#elif !defined(NEG_NO_WITHDRAW)
		withdraw(h);				/* handoff.c leave */
		if
		:: wd -> res = R_ERR			/* handoff.c leave:
							 * return err */
		:: else -> res = R_NEED			/* the old handoff.c
							 * leave */
		fi;
		wd = 0
#else
		/*
		 * NEGATIVE CONTROL 3a: the leaver returns its error without
		 * withdrawing its debt: its claim on a permit stays in the
		 * counter, and the next post pays a debtor that is gone.
		 */
		atomic { D[h]--; res = R_ERR }		/* the thread is gone */
#endif
	fi
}

/*
 * The counter's mark: the CAS loop of fsem_handoff_shutdown only ever
 * sets it (a failed CAS refreshes c and tests it again): one atomic step.
 */
inline handoff_mark()
{
	/* handoff.c fsem_handoff_shutdown, "shutdown: CAS counter mark":
	 * CAS c + FSEM_SHUT_COUNT_ (2^62 + 2^31: cmark, and LOKEY) */
	atomic {
#ifdef PROBE_PREMARK
		if
		:: !cmark -> pre[0] = T[0] + G[0]; pre[NW - 1] = T[NW - 1] + G[NW - 1]
		:: else -> skip
		fi;
#endif
		cmark = 1
	}
}

/*
 * handoff.c cancelled(h) (X4, X5, X6): an acquire load of the word
 * (nothing to model: memory is sequentially consistent), then the whole
 * fsem_handoff_shutdown on every word of the semaphore (X and a wake of
 * each, then the mark), so that the mark never comes before X in any
 * word (finding X-B1).
 */
inline handoff_cancelled()
{
#if defined(NEG_HELPER_MARK_ONLY)
	/* NEGATIVE CONTROL x-e (X-B1, the first C code): the mark only; a
	 * releaser on rel, which has no X yet, takes a token after it */
	handoff_mark()
#elif !defined(NEG_NO_HELPER_MARK)
	handoff_shutdown()	/* handoff.c cancelled: X4 */
#else
	/* NEGATIVE CONTROL x-d: ECANCELED without the counter's mark: until
	 * the shutdown gets to its CAS, a new wait still takes permits */
	skip
#endif
}

/*
 * handoff.c sleep_loop inside handoff.c sleep_take (interruptible,
 * cancel_cleanup pushed); the second round of the outer loop is leave()'s
 * sleep_take(uninterruptible) (the old handoff.c leave; NEG_LEAVE_SLEEP),
 * which is sleep_loop again with intr = 0. Sets res to R_OK, R_ERR, R_STAND or
 * R_SHUT; a cancelled thread jumps to its proctype's label `cancelled`.
 * X3: at the top of every round (the word of the registration's xadd, or
 * of a reload), X set: leave with ECANCELED (why = ESHUT), taking nothing
 * but what leave() takes and gives back.
 */
#ifndef NEG_SLEEP_IGNORES_X
#define SLEEP_SEES_X	lX	/* handoff.c sleep_loop: if (shut(w)) */
#else
/* NEGATIVE CONTROL x-b1: sleep_loop does not check X (a sleeper after X
 * polls EAGAIN, and takes a token that a post gives after the mark) */
#define SLEEP_SEES_X	false
#endif
inline sleep_take(h)
{
	do
	:: atomic {	/* handoff.c sleep_loop: w = fetch_add(word, SLEEPER) +
			 * SLEEPER */
		S[h]++; LOADW(h)
	   }
		do
		:: SLEEP_SEES_X ->
			/* handoff.c sleep_loop: err = ECANCELED; break; then
			 * leave(h, err) */
			why = ESHUT; leave(h); break
		:: else ->
			try_take_sleeper(h);	/* handoff.c sleep_loop */
			if
			:: took -> break		/* handoff.c sleep_loop:
							 * return 0 */
			:: !took && lT != 0 -> skip	/* handoff.c sleep_loop:
							 * continue */
			:: !took && lT == 0 ->
				sleep_once(h);	/* handoff.c sleep_loop */
#ifdef NEG_NO_RECHECK
				/*
				 * NEGATIVE CONTROL 2: a wake-up is taken to mean
				 * "my token is there": take it without re-reading
				 * the word (one xadd of -TOKEN-SLEEPER) and return.
				 */
				if
				:: err == OK ->
					atomic { T[h]--; S[h]--; D[h]--; took = 1; TOOK(h) };
					break
				:: else -> skip
				fi;
#endif
				if
				:: intr && (err == ETIMEDOUT || err == ECANCELED ||
					    err == FUTEX_LEAVES) ->
					/* handoff.c sleep_loop: leave (also
					 * on a futex error); cancel: the
					 * cleanup handler, handoff.c
					 * cancel_cleanup */
					why = err; leave(h); break
				:: else ->
					/* handoff.c sleep_loop: w = load */
					atomic { LOADW(h) }
				fi
			fi
		od;
		if
		/* R_NEED: the old handoff.c leave */
		:: res == R_NEED -> res = 0; inleave = 1; intr = 0
		:: else -> break
		fi
	od;
	lT = 0; lS = 0; lX = 0; err = OK;
	if
	:: why == ESHUT ->
		/* handoff.c sleep_loop: if (err == ECANCELED) cancelled(h),
		 * before the give-back, which may hand a permit over */
		handoff_cancelled()
	:: else -> skip
	fi;
	if
	:: took && why == 0 -> res = R_OK
	:: took && why != 0 ->
		/* leave() returned 0: give_back, handoff.c sleep_loop
		 * (timeout) or handoff.c cancel_cleanup */
#ifndef NEG_NO_GIVE_BACK
		give_back(h);
#else
		/*
		 * NEGATIVE CONTROL 3b: a leaver that got a token reports its
		 * error without giving the permit back.
		 */
		gb = 1;
#endif
		res = (gb -> R_ERR : R_STAND); gb = 0	/* handoff.c
							 * sleep_loop */
	:: !took -> skip	/* res == R_ERR: withdrawn */
	fi;
	if
	:: why == ECANCELED -> goto cancelled	/* cancel_cleanup done; thread exits */
	:: why == ESHUT && res == R_ERR -> res = R_SHUT	/* ECANCELED */
	:: else -> skip		/* R_STAND: a bounded call that stands */
	fi
}

/* handoff.c fsem_handoff_take. Sets res (R_OK, R_ERR, R_STAND). */
inline handoff_take(h)
{
	took = 0; why = 0; inleave = 0; intr = 1; res = 0;
	if
	:: true -> spin_take(h)		/* h->spin && spin_take() */
	:: true -> skip			/* FSEM_NOSPIN, or no budget */
	fi;
	if
	:: took -> res = R_OK		/* handoff.c fsem_handoff_take */
	:: else -> sleep_take(h)	/* handoff.c fsem_handoff_take */
	fi;
	took = 0; why = 0; inleave = 0; intr = 0
}

/*
 * handoff.c fsem_handoff_shutdown (fsem.c fsem_shutdown, bounded.c
 * fsem_bounded_shutdown: the words in that order, acq before rel; and
 * cancelled() of a debtor): nothing if the counter is marked (its load);
 * else for each hand-off word, fetch_or X (release), then
 * FUTEX_WAKE(INT_MAX) of its futex word; then the counter's mark. Each is
 * a step of its own: the shutdown may be preempted between any two. Uses
 * hs.
 */
#define SHWAKE(i)	if \
			:: blk[i] && bw[i] == hs -> blk[i] = 0 \
			:: else -> skip \
			fi
inline handoff_shutdown()
{
	/* handoff.c: if (fsem_count_shut(c)) return false; else hs = 0 */
	hs = (cmark -> NW + 1 : 0);
	do
	:: hs < NW ->
		atomic { X[hs] = 1 }	/* handoff.c: fetch_or(words[i], X): X1 */
		atomic {	/* handoff.c: fsem_futex_wake(futex_word, INT_MAX) */
#ifndef NEG_SHUT_NO_WAKE
			SHWAKE(0); SHWAKE(1); SHWAKE(2);
#if NT > 3
			SHWAKE(3);
#endif
#else
			/* NEGATIVE CONTROL x-a: no wake (the ghost only): a
			 * thread already asleep on the word sleeps on */
#endif
			xwoke[hs] = 1
		}
		hs++
	:: else -> break
	od;
	if
	:: hs == NW + 1 -> skip		/* found the mark: nothing to do */
	:: else -> handoff_mark()	/* handoff.c: the CAS loop of the mark: X1 */
	fi;
#ifdef GATE
	/* handoff.c fsem_handoff_shutdown: gate_wake_all (G6), also when it
	 * found the mark: the high half (held threads), then the low half
	 * (collectors), if a gate is set (the C code decides on the counter
	 * it found, which also counts the held threads: it wakes whenever
	 * this does, and when a gate was cleared since) */
	if
	:: gdn || gup -> counter_wake(CH); counter_wake(CL)
	:: else -> skip
	fi;
#endif
	hs = 0
}

/*
 * What a caller sees of a shutdown, checked when a wait, acquire, release
 * or try-call returns (in the including file's atomic block after it;
 * sat: seen was set when the call began):
 *   ECANCELED only once the counter is marked (X4; not with
 *   OBSERVABLE_ONLY: the mark is inside the library);
 *   a call begun after a shutdown, or an ECANCELED of one, had returned
 *   fails with ECANCELED (X2, X4), permits free or not.
 */
inline shut_result()
{
#ifdef SHUTDOWN
	if
#ifndef OBSERVABLE_ONLY
	:: res == R_SHUT && !cmark -> assert(ECANCELED_only_after_mark)
#endif
	:: sat && res != R_SHUT -> assert(call_after_shutdown_ECANCELED)
	:: else -> skip
	fi;
	seen = (seen || res == R_SHUT)
#else
	skip
#endif
}

/* ------------------------------------------------------------------ */
#ifdef ENV_EVENTS
/*
 * The environment of liveness runs: up to MAXSPUR spurious wake-ups of any
 * sleeping thread, and at most one timeout / signal / cancel request per
 * operation that can be interrupted (ik[i] != IK_NONE), at any moment. Env
 * may also stop for good at any moment, so under weak fairness it never
 * forces a wake-up or a timeout: a thread that nobody wakes stays asleep.
 */
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
 * Invariants over the hand-off words, checked by the including file's
 * monitor in every state:
 *   word fields never underflow, every queued sleeper is registered, and
 *   I3 with the wake-ups in flight: awake + PW >= min(T, S), where awake =
 *   S - (threads queued in the kernel on that word); with a shutdown,
 *   nobody asleep on a word after the shutdown's wake of it.
 */
#define WORD_OK(h)	(T[h] >= 0 && S[h] >= 0 && NBLK(h) <= S[h])
/* X3: once the shutdown has set X in word h and woken it, nobody sleeps
 * on it (every later futex wait finds X and fails with EAGAIN) */
#define XWOKE_OK(h)	(!xwoke[h] || NBLK(h) == 0)
#define I3(h)		(S[h] - NBLK(h) + PW[h] >= MIN(T[h], S[h]))
