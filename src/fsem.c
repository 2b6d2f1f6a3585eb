/* SPDX-License-Identifier: MIT */
/*
 * fsem.c - the counting semaphore, fsem_t. The counter is "count" of the
 * design comment in handoff.c: wait subtracts one, post adds one, and a
 * wait that finds no permit is a debtor on the one hand-off word.
 */
#define FSEM_NO_INLINE	/* this file defines the out-of-line functions */
#include "fsem.h"
#include "annotate.h"
#include "handoff.h"
#include "shared.h"
#include "probe.h"

#include <errno.h>
#include <semaphore.h>
#include <stddef.h>

/*
 * The state word, which the inline fast paths of fsem.h move, is the
 * second: the barging protocol's (shared.c) or FSEM_FIFO's counter
 * (handoff.c, "Word layout"), so that one load and one CAS serve both. The
 * first is FSEM_FIFO's hand-off word, or FSEM_TRAP_ (shared.h).
 */
struct fsem_state {
	_Atomic uint64_t token;		/* fsem_t.count_ */
	union {				/* fsem_t.handoff_ */
		_Atomic uint64_t word;	/* barging: V, H, W, k */
		_Atomic int64_t count;	/* FSEM_FIFO: the counter */
	};
	uint32_t flags;			/* set by init only */
	_Atomic uint32_t spin;		/* spin budget, ns: a hint */
};

_Static_assert(sizeof(fsem_t) <= sizeof(sem_t), "fsem_t must fit a sem_t");
_Static_assert(_Alignof(fsem_t) <= _Alignof(sem_t),
	       "fsem_t must not need more alignment than sem_t");
_Static_assert(sizeof(struct fsem_state) == sizeof(fsem_t) &&
	       _Alignof(struct fsem_state) == _Alignof(fsem_t),
	       "the private view must match the public type");
_Static_assert(offsetof(struct fsem_state, token) ==
	       offsetof(fsem_t, count_) &&
	       offsetof(struct fsem_state, word) ==
	       offsetof(fsem_t, handoff_) &&
	       offsetof(struct fsem_state, spin) == offsetof(fsem_t, spin_),
	       "the private view must match the public type");
_Static_assert(_Alignof(_Atomic uint64_t) == 8 &&
	       offsetof(fsem_t, handoff_) % 8 == 0 &&
	       offsetof(fsem_t, count_) % 8 == 0,
	       "each word holds 4-byte aligned 32-bit futex words");

static inline int fail(int err)
{
	errno = err;
	return -1;
}

static inline struct fsem_state *state(fsem_t *sem)
{
	annotate_words(sem, offsetof(struct fsem_state, flags),
		       offsetof(struct fsem_state, spin));
	return (struct fsem_state *)(void *)sem;
}

/*
 * Every semaphore but an FSEM_FIFO one runs the barging protocol of
 * shared.c on the state word; its first word is a trap for the inline
 * fast paths of builds before 0.3. FSEM_FIFO runs the debt protocol of
 * handoff.c on both words.
 */
static inline bool barging(const struct fsem_state *s)
{
	return !(s->flags & FSEM_FIFO);
}

/* fsem_t's waiters, with the policy of shared.c (k, H, HB) or without. */
#define WAITERS_(policy) {						\
	.shift = FSEM_W_SHIFT_, .mask = FSEM_W_MASK_, .bits = 1,	\
	.kshift = FSEM_KW_SHIFT_, .kmask = (policy) ? FSEM_KW_MASK_ : 0,	\
	.handoff = (policy) ? FSEM_H_W_ : 0,				\
	.bshift = FSEM_WB_SHIFT_, .bmask = FSEM_WB_MASK_, .bigbits = 2,	\
	.bighand = (policy) ? FSEM_HB_W_ : 0 }

/* The sides of a barging semaphore: [0] private, with the policy of
 * shared.c; [1] FSEM_SHARED, without. Nobody waits for a post. */
static const struct fsem_side wait_sides[2] = {
	{ .up = false, .pshared = false, .hi = FSEM_VALUE_MAX,
	  .vmask = FSEM_V_MASK_, .self = WAITERS_(1), .shut = FSEM_S_ },
	{ .up = false, .pshared = true, .hi = FSEM_VALUE_MAX,
	  .vmask = FSEM_V_MASK_, .self = WAITERS_(0), .shut = FSEM_S_ },
};

static const struct fsem_side post_sides[2] = {
	{ .up = true, .pshared = false, .hi = FSEM_VALUE_MAX,
	  .vmask = FSEM_V_MASK_, .other = WAITERS_(1), .shut = FSEM_S_,
	  .steps_when_shut = true },
	{ .up = true, .pshared = true, .hi = FSEM_VALUE_MAX,
	  .vmask = FSEM_V_MASK_, .other = WAITERS_(0), .shut = FSEM_S_,
	  .steps_when_shut = true },
};

static inline const struct fsem_side *wait_side(const struct fsem_state *s)
{
	return &wait_sides[!!(s->flags & FSEM_SHARED)];
}

/*
 * The inline steps of shared.h with @sides[0] or [1] as a constant, so
 * that each call folds its side's fields into the code (a post that
 * wakes runs about half the instructions of one that loads them).
 */
#define BARGE_(fn, s, sides, ...)					\
	(((s)->flags & FSEM_SHARED) ?					\
	 fn(&(s)->word, &(sides)[1], __VA_ARGS__) :			\
	 fn(&(s)->word, &(sides)[0], __VA_ARGS__))

/* Its frame, which holds the word a CAS compares, is one a cancelled wait
 * abandons (FSEM_UNWOUND_, handoff.h: not inlined under ASan). */
FSEM_UNWOUND_
static int barge_take(struct fsem_state *s, uint32_t n, clockid_t clock,
		      const struct timespec *abs)
{
	int err = BARGE_(fsem_shared_take, s, wait_sides, n,
			 (s->flags & FSEM_NOSPIN) ? NULL : &s->spin,
			 clock, abs);

	return err ? fail(err) : 0;
}

/* Posts go on after shutdown (S1): the only failure is the limit. */
static int barge_post_n(struct fsem_state *s, uint32_t n)
{
	return BARGE_(fsem_shared_try, s, post_sides, n) ?
		fail(EOVERFLOW) : 0;
}

/* Cancel one uncovered debt; false if all are covered (I2). */
static bool withdraw(void *obj)
{
	struct fsem_state *s = obj;
	int64_t c = atomic_load_explicit(&s->count,
					 memory_order_relaxed); /* hint */

	while (fsem_count_of(c) < 0) {
		FSEM_STEP_("withdraw: CAS count+1");
		if (atomic_compare_exchange_weak_explicit(&s->count, &c, c + 1,
				memory_order_relaxed, memory_order_relaxed))
			return true;	/* I1: one uncovered debt withdrawn */
	}
	return false;
}

/*
 * After a post's xadd of @n found @old (marked or not): 0, or EOVERFLOW;
 * covered debts get their tokens.
 */
FSEM_SLOW_ static int post_slow(struct fsem_state *s, int64_t old, uint32_t n)
{
	int64_t v = fsem_count_of(old);

	if (v > FSEM_VALUE_MAX - (int64_t)n) {
		/*
		 * Overflow of fsem_post (n == 1; fsem_post_n never adds past
		 * the limit): take the one back. For an instant the count
		 * was FSEM_VALUE_MAX + 1; takers would need more than
		 * FSEM_VALUE_MAX takes inside this window to take the one
		 * permit that never existed, and one of them may have
		 * destroyed the semaphore before this subtraction (see
		 * Limits in handoff.c).
		 */
		FSEM_STEP_("post: take back");
		atomic_fetch_sub_explicit(&s->count, n,
					  memory_order_relaxed); /* I1 */
		return EOVERFLOW;
	}
	/* Covered debts (private only: shared posts go to shared.c). */
	if (v < 0)
		fsem_handoff_give(&s->token,
				  (int64_t)n < -v ? n : (uint32_t)-v, false);
	fsem_gate_notify(&s->count, old);	/* G4: a futex wake only */
	return 0;
}

/* Post the permit of a leaving waiter; false only if the count is full. */
static bool give_back(void *obj)
{
	struct fsem_state *s = obj;
	int64_t old;

	annotate_release(&s->count);
	FSEM_STEP_("post: xadd count+1");
	old = atomic_fetch_add_explicit(&s->count, 1,
					memory_order_release); /* (A) */

	if ((uint64_t)old >= FSEM_VALUE_MAX)	/* debts, the limit, a mark */
		return post_slow(s, old, 1) == 0;
	return true;
}

/* A call refused by the counter's mark (X2): ECANCELED after X5. */
FSEM_SLOW_ static int refused(struct fsem_state *s)
{
	(void)atomic_load_explicit(&s->count, memory_order_acquire); /* X5 */
	return fail(ECANCELED);
}

/* A blocking step that did not step: refused (X2), or a hold ended (G2). */
FSEM_SLOW_ static int stopped(struct fsem_state *s, int err)
{
	return err == ECANCELED ? refused(s) : fail(err);
}

/* The waits' gate (G1-G6 in handoff.c). */
static struct fsem_gate wait_gate(struct fsem_state *s)
{
	return (struct fsem_gate){
		.counter = &s->count, .other = NULL, .gate = FSEM_GATE_DOWN_,
		.held = FSEM_HELD_DOWN_,
		.limit = FSEM_VALUE_MAX, .dir = -1, .sem = s,
	};
}

/* G2: held behind a weighted wait's gate, set in @c; 0 to step again. */
FSEM_SLOW_ FSEM_UNWOUND_
static int held(struct fsem_state *s, int64_t c, clockid_t clock,
		const struct timespec *abs)
{
	struct fsem_gate g = wait_gate(s);

	return fsem_gate_hold(&g, c, clock, abs);
}

/*
 * The wait's step on the counter: count - 1, which makes a debt if no
 * permit was free (I5), refused once the counter is marked (X2), held
 * while a weighted wait's gate is set (G2). 0 with *@old the count before
 * it; ECANCELED if refused; or the error that ended a hold.
 */
FSEM_UNWOUND_
static int wait_step(struct fsem_state *s, int64_t *old, clockid_t clock,
		     const struct timespec *abs)
{
	int64_t c = atomic_load_explicit(&s->count,
					 memory_order_relaxed); /* hint */
	int err;

	for (;;) {
		if (fsem_unlikely_(fsem_count_shut(c)))
			return ECANCELED;
		if (fsem_unlikely_(fsem_count_marks(c) & FSEM_GATE_DOWN_)) {
			err = held(s, c, clock, abs);
			if (err)
				return err;
			c = atomic_load_explicit(&s->count,
					memory_order_relaxed); /* hint */
			continue;
		}
		FSEM_STEP_("wait: CAS count-1");
		if (atomic_compare_exchange_weak_explicit(&s->count, &c, c - 1,
				memory_order_acquire, /* (A) */
				memory_order_relaxed))
			break;
	}
	*old = c;
	return 0;
}

FSEM_SLOW_ FSEM_UNWOUND_
static int wait_slow(struct fsem_state *s, clockid_t clock,
		     const struct timespec *abs)
{
	struct fsem_handoff h;
	int err;

	/* Private only: every caller sends FSEM_SHARED to shared_take. */
	annotate_acquire(&s->count);	/* the debtor's xadd was (A) too */
	h = (struct fsem_handoff){
		.word = &s->token,
		.counter = &s->count,
		.spin = (s->flags & FSEM_NOSPIN) ? NULL : &s->spin,
		.shared = false,
		.withdraw = withdraw,
		.give_back = give_back,
		.obj = s,
	};
	err = fsem_handoff_take(&h, clock, abs);

	return err ? fail(err) : 0;
}

/* An FSEM_FIFO wait: a free permit, or a debt and its token. */
FSEM_UNWOUND_ static int fifo_wait(struct fsem_state *s, clockid_t clock,
		     const struct timespec *abs)
{
	int64_t old;
	int err = wait_step(s, &old, clock, abs);

	if (fsem_unlikely_(err))
		return stopped(s, err);
	if (fsem_likely_(fsem_count_of(old) > 0)) {	/* else a debt */
		annotate_acquire(&s->count);
		return 0;
	}
	return wait_slow(s, clock, abs);
}

/*
 * An FSEM_FIFO try-call: @n permits by one CAS if @n are free, or none
 * (I5: never into debt; and a free permit means nobody is owed one, so
 * it passes no debtor), refused once the counter is marked (X2), and
 * none while a weighted wait's gate is set (G2).
 */
static int fifo_try(struct fsem_state *s, uint32_t n)
{
	int64_t c = atomic_load_explicit(&s->count,
					 memory_order_relaxed); /* hint */

	for (;;) {
		if (fsem_count_shut(c))	/* X2 */
			return refused(s);
		if (fsem_count_of(c) < (int64_t)n ||
		    (fsem_count_marks(c) & FSEM_GATE_DOWN_))
			return fail(EAGAIN);	/* I5, G2 */
		FSEM_STEP_("trywait: CAS count-n");
		if (atomic_compare_exchange_weak_explicit(&s->count, &c,
				c - (int64_t)n, memory_order_acquire, /* (A) */
				memory_order_relaxed)) {
			annotate_acquire(&s->count);
			return 0;
		}
	}
}

int fsem_init(fsem_t *sem, int flags, unsigned int value)
{
	struct fsem_state *s = state(sem);

	if (!sem || value > FSEM_VALUE_MAX || (flags & ~FSEM_FLAGS_ALL_) ||
	    ((flags & FSEM_SHARED) && (flags & FSEM_FIFO)))
		return fail(EINVAL);
	if (flags & FSEM_FIFO) {
		atomic_init(&s->count, value);
		atomic_init(&s->token, FSEM_MARK_);	/* no token */
	} else {
		atomic_init(&s->token, (uint64_t)FSEM_TRAP_);
		atomic_init(&s->word, value);	/* V = value, W = 0 */
	}
	s->flags = (uint32_t)flags;
	atomic_init(&s->spin, FSEM_SPIN_INIT_NS_);
	return 0;
}

int fsem_destroy(fsem_t *sem)
{
	struct fsem_state *s = state(sem);
	int64_t c;

	if (!sem)
		return fail(EINVAL);
	if (barging(s))
		return fsem_shared_waiters(&s->word, wait_side(s)) ?
			fail(EBUSY) : 0;	/* a waiter, or a dead one's */
	c = atomic_load_explicit(&s->count, memory_order_relaxed); /* hint */
	if (fsem_count_of(c) < 0 || (fsem_count_marks(c) & FSEM_GATE_DOWN_) ||
	    fsem_count_held(c, FSEM_HELD_DOWN_) ||
	    (atomic_load_explicit(&s->token, memory_order_relaxed) &
	     ~FSEM_SHUT_TOKEN_) != FSEM_MARK_) /* hint */
		return fail(EBUSY);	/* a debtor is still waiting */
	return 0;
}

int fsem_wait(fsem_t *sem)
{
	struct fsem_state *s = state(sem);

	if (fsem_unlikely_(!sem))
		return fail(EINVAL);
	if (fsem_likely_(barging(s)))
		return barge_take(s, 1, CLOCK_REALTIME, NULL);
	return fifo_wait(s, CLOCK_REALTIME, NULL);
}

/*
 * Builds before 0.3, whose inline fsem_wait() made an xadd on the first
 * word of every semaphore, come here when it hits the trap of a barging
 * one (the xadd is ignored). An FSEM_FIFO semaphore, which such a build
 * cannot make, must not be passed to one: its xadd lands on the hand-off
 * word (fsem.h). Today's inline code calls fsem_wait() instead.
 */
int fsem_wait_slow_(fsem_t *sem)
{
	return (fsem_wait)(sem);
}

int fsem_trywait(fsem_t *sem)
{
	struct fsem_state *s = state(sem);

	if (!sem)
		return fail(EINVAL);
	if (barging(s)) {
		int err = fsem_shared_try(&s->word, wait_side(s), 1);

		return err ? fail(err) : 0;	/* EAGAIN, or ECANCELED */
	}
	return fifo_try(s, 1);
}

int fsem_clockwait(fsem_t *sem, clockid_t clock, const struct timespec *abs)
{
	struct fsem_state *s = state(sem);
	int err;

	if (!sem)
		return fail(EINVAL);
	err = fsem_check_deadline(clock, abs);	/* before any permit moves */
	if (err)
		return fail(err);
	if (barging(s))
		return barge_take(s, 1, clock, abs);
	return fifo_wait(s, clock, abs);
}

int fsem_timedwait(fsem_t *sem, const struct timespec *abs)
{
	return fsem_clockwait(sem, CLOCK_REALTIME, abs);
}

int fsem_post(fsem_t *sem)
{
	struct fsem_state *s = state(sem);
	int64_t old;

	if (fsem_unlikely_(!sem))
		return fail(EINVAL);
	if (fsem_likely_(barging(s)))
		return barge_post_n(s, 1);
	annotate_release(&s->count);
	FSEM_STEP_("post: xadd count+1");
	old = atomic_fetch_add_explicit(&s->count, 1,
					memory_order_release); /* (A), hand-over */
	FSEM_STEP_("post: handed over");
	if (fsem_likely_((uint64_t)old < FSEM_VALUE_MAX))
		return 0;	/* 0 <= old < max: a free permit, no debtor */
	return post_slow(s, old, 1) ? fail(EOVERFLOW) : 0;
}

/* As fsem_wait_slow_(): @old, the xadd's on the first word, is ignored. */
int fsem_post_slow_(fsem_t *sem, long long old)
{
	(void)old;
	return (fsem_post)(sem);
}

int fsem_post_n(fsem_t *sem, unsigned int n)
{
	struct fsem_state *s = state(sem);
	int64_t old;

	if (!sem)
		return fail(EINVAL);
	if (n == 0)
		return 0;
	if (n > FSEM_VALUE_MAX)
		return fail(EOVERFLOW);
	if (barging(s))
		return barge_post_n(s, n);
	/*
	 * A CAS, not an xadd: adding n past the limit and taking it back
	 * would let other threads take up to n permits that never existed
	 * in between. A post_n that fails has changed nothing.
	 */
	old = atomic_load_explicit(&s->count, memory_order_relaxed); /* hint */
	do {
		if (fsem_count_of(old) > FSEM_VALUE_MAX - (int64_t)n)
			return fail(EOVERFLOW);
		annotate_release(&s->count);
		FSEM_STEP_("post_n: CAS count+n");
	} while (!atomic_compare_exchange_weak_explicit(&s->count, &old,
			old + n, memory_order_release, /* (A), hand-over */
			memory_order_relaxed)); /* a failure only refreshes
			 * old, which the loop checks again */
	FSEM_STEP_("post_n: handed over");
	if ((uint64_t)old > FSEM_VALUE_MAX)	/* debts, or a gate */
		(void)post_slow(s, old, n);	/* never fails: see above */
	return 0;
}

int fsem_getvalue(fsem_t *sem, int *sval)
{
	int64_t c;

	if (!sem || !sval)
		return fail(EINVAL);
	if (barging(state(sem))) {
		*sval = (int)fsem_shared_value(&state(sem)->word,
					       wait_side(state(sem)));
		return 0;
	}
	c = fsem_count_of(atomic_load_explicit(&state(sem)->count,
					       memory_order_relaxed)); /* hint */
	*sval = c < 0 ? 0 : c > FSEM_VALUE_MAX ? FSEM_VALUE_MAX : (int)c;
	return 0;
}

/*
 * Barging: W, the registered waiters. FSEM_FIFO: the debtors, uncovered
 * (-count) plus covered ones that have not yet taken their token (T); a
 * debtor whose give is between its two steps is missed for that instant.
 */
int fsem_waiters(fsem_t *sem, int *blocked)
{
	struct fsem_state *s = state(sem);
	int64_t c, n;

	if (!sem || !blocked)
		return fail(EINVAL);
	if (barging(s)) {
		*blocked = (int)fsem_shared_waiters(&s->word, wait_side(s));
		return 0;
	}
	n = fsem_handoff_tokens(&s->token);
	c = atomic_load_explicit(&s->count, memory_order_relaxed); /* hint */
	n += !!(fsem_count_marks(c) & FSEM_GATE_DOWN_);	/* a weighted wait */
	n += fsem_count_held(c, FSEM_HELD_DOWN_);	/* held behind it */
	c = fsem_count_of(c);
	n += c < 0 ? -c : 0;
	*blocked = n > FSEM_VALUE_MAX ? FSEM_VALUE_MAX : (int)n;
	return 0;
}

_Static_assert(FSEM_STARVE_NS == FSEM_STARVE_MS * 1000000u,
	       "the header documents the bound that shared.c applies");

/*
 * The barging word is shut down by setting S, bits 31 and 63: one in each
 * half that a sleeper may wait on, each 0 in every value the word had
 * before (S1 in shared.c). FSEM_FIFO: X in the hand-off word, then the
 * counter's mark (X1 in handoff.c). Either way the state word leaves
 * [1, FSEM_VALUE_MAX], so the inline wait of fsem.h comes here.
 */
int fsem_shutdown(fsem_t *sem)
{
	struct fsem_state *s = state(sem);

	if (!sem)
		return fail(EINVAL);
	if (barging(s)) {
		fsem_shared_shutdown_(&s->word, wait_side(s), FSEM_S_);
		return 0;
	}
	if (fsem_handoff_shutdown(&s->count,
				  (_Atomic uint64_t *const[]){ &s->token }, 1))
		FSEM_PROBE_SHUTDOWN_(sem);
	return 0;
}

/*
 * The weighted waits: n permits at once or none. n == 1 is the plain call
 * (so FSEM_FIFO serves it too); more is the barging protocol's weighted
 * wait (Q1-Q3 in shared.c). FSEM_FIFO's try-call takes n free permits in
 * one CAS; its blocking call for more than one waits behind the gate of
 * handoff.c (G1-G6), as tokens are anyone's.
 */
FSEM_UNWOUND_
static int wait_n(fsem_t *sem, unsigned int n, bool try, bool timed,
		  clockid_t clock, const struct timespec *abs)
{
	struct fsem_state *s = state(sem);
	struct fsem_gate g;
	int err;

	if (!sem)
		return fail(EINVAL);
	if (n == 0)
		return 0;
	if (n > FSEM_VALUE_MAX)
		return fail(EINVAL);
	if (n == 1)
		return try ? (fsem_trywait)(sem) :
		       timed ? (fsem_clockwait)(sem, clock, abs) :
			       (fsem_wait)(sem);
	if (timed && (err = fsem_check_deadline(clock, abs)))
		return fail(err);	/* before any permit moves */
	if (!barging(s)) {
		if (try)
			return fifo_try(s, n);
		g = wait_gate(s);
		err = fsem_gate_collect(&g, n, timed ? clock : CLOCK_REALTIME,
					timed ? abs : NULL);
		return err ? fail(err) : 0;
	}
	if (try) {
		err = fsem_shared_try(&s->word, wait_side(s), n);
		return err ? fail(err) : 0;
	}
	return barge_take(s, n, timed ? clock : CLOCK_REALTIME,
			  timed ? abs : NULL);
}

int fsem_wait_n(fsem_t *sem, unsigned int n)
{
	return wait_n(sem, n, false, false, CLOCK_REALTIME, NULL);
}

int fsem_trywait_n(fsem_t *sem, unsigned int n)
{
	return wait_n(sem, n, true, false, CLOCK_REALTIME, NULL);
}

int fsem_clockwait_n(fsem_t *sem, unsigned int n, clockid_t clock,
		     const struct timespec *abs)
{
	return wait_n(sem, n, false, true, clock, abs);
}

int fsem_timedwait_n(fsem_t *sem, unsigned int n, const struct timespec *abs)
{
	return wait_n(sem, n, false, true, CLOCK_REALTIME, abs);
}
