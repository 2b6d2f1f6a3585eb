/* SPDX-License-Identifier: MIT */
/*
 * test_policy.c - the two policies of a private semaphore: the default
 * lets a running thread take a free permit ahead of a blocked one
 * (barging) but bounds how long a blocked one is passed over (P3 in
 * src/shared.c); FSEM_FIFO hands a released permit to a thread already
 * blocked (the debt protocol of src/handoff.c).
 *
 * The contest: a looper takes, holds about 30 us (busy on the clock) and
 * gives back, again and again, so a permit is free only for the instant
 * between its give and its next take. An asker tries every few ms with a
 * 1 s deadline. Under the default policy the looper takes the permit
 * many times while the asker is blocked (it barges) and the asker still
 * never times out (the bound). The contest runs on fsem_t and on the
 * bounded semaphore in both directions: acquirers blocked while all N
 * are out, releasers blocked while none is.
 *
 * Only behaviour is asserted, never a speed: no timeout, no permit
 * invented (at most N holders at once) or lost (the end state), barging
 * seen at least once.
 */
#define _GNU_SOURCE	/* CPU sets */
#include "common.h"
#include "seam.h"

#include <stdbool.h>

typedef void step_hook_fn(const char *site);
extern step_hook_fn *_Atomic fsem_seam_step;

#define HOLD_NS		30000LL			/* the looper's hold */
#define ASK_NS		1000000000LL		/* the asker's deadline */
#define GAP_MIN_NS	2000000LL		/* pacing between asks */
#define GAP_SPAN_NS	3000000LL
#define BARGES		4	/* "several" looper rounds in one ask */
#define HANDSHAKE_NS	(10 * 1000000000LL)

enum kind { K_COUNT, K_ACQ, K_REL };

static const char *const kind_name[] = {
	"fsem_t", "bounded acquire", "bounded release",
};

struct contest {
	enum kind k;
	int flags;
	unsigned int permits;	/* bounded: N */
	int held;		/* bounded acquire: permits the test holds */
	fsem_t s;
	fsem_bounded_t b;
	_Atomic bool stop;
	_Atomic unsigned int asking;	/* the try in its call, or 0 */
	_Atomic long during;	/* looper rounds wholly inside that try */
	_Atomic int holders;	/* threads holding a step (at most N) */
	_Atomic long rounds;
	_Atomic int looper_err;
	_Atomic int too_many;	/* holders seen above the limit */
};

/* Take one step of the contested kind (blocking): 0 or the errno. */
static int take(struct contest *c, const struct timespec *abs)
{
	int r;

	switch (c->k) {
	case K_COUNT:
		r = abs ? fsem_clockwait(&c->s, CLOCK_MONOTONIC, abs) :
			  fsem_wait(&c->s);
		break;
	case K_ACQ:
		r = abs ? fsem_bounded_clockacquire(&c->b, CLOCK_MONOTONIC,
						    abs) :
			  fsem_bounded_acquire(&c->b);
		break;
	default:
		r = abs ? fsem_bounded_clockrelease(&c->b, CLOCK_MONOTONIC,
						    abs) :
			  fsem_bounded_release(&c->b);
		break;
	}
	return r == 0 ? 0 : errno;
}

/* Give the step back; it never has to block: 0 or the errno. */
static int give(struct contest *c)
{
	int r = c->k == K_COUNT ? fsem_post(&c->s) :
		c->k == K_ACQ ? fsem_bounded_release(&c->b) :
		fsem_bounded_acquire(&c->b);

	return r == 0 ? 0 : errno;
}

/* Holding a step: never more than the steps there are (K1, K4). */
static void hold_in(struct contest *c)
{
	int limit = c->k == K_ACQ ? (int)c->permits - c->held : 1;

	if (atomic_fetch_add(&c->holders, 1) + 1 > limit)
		atomic_fetch_add(&c->too_many, 1);
}

static void hold_out(struct contest *c)
{
	atomic_fetch_sub(&c->holders, 1);
}

static void busy_ns(int64_t ns)
{
	int64_t end = test_now_ns(CLOCK_MONOTONIC) + ns;

	while (test_now_ns(CLOCK_MONOTONIC) < end)
		;
}

/*
 * The looper and the asker on two different CPUs, if there are two: else
 * the scheduler may run the woken asker on the looper's CPU at once
 * (wake-affine placement, wake-up preemption), before the looper's next
 * take, and no barging is seen although the library allows it.
 */
static cpu_set_t all_cpus;	/* the test thread's, saved by setup */

static bool two_cpus(cpu_set_t *looper_cpu, cpu_set_t *asker_cpu)
{
	const cpu_set_t *all = &all_cpus;
	int n = 0;

	CPU_ZERO(looper_cpu);
	CPU_ZERO(asker_cpu);
	for (int i = 0; i < CPU_SETSIZE && n < 2; i++) {
		if (!CPU_ISSET(i, all))
			continue;
		CPU_SET(i, n++ ? asker_cpu : looper_cpu);
	}
	return n == 2;
}

static void *looper(void *arg)
{
	struct contest *c = arg;
	unsigned int a;
	int err;

	test_atomic(&c->asking);
	while (!atomic_load(&c->stop)) {
		a = atomic_load(&c->asking);
		err = take(c, NULL);
		if (err) {
			atomic_store(&c->looper_err, err);
			break;
		}
		hold_in(c);
		busy_ns(HOLD_NS);
		hold_out(c);
		err = give(c);
		if (err) {
			atomic_store(&c->looper_err, err);
			break;
		}
		atomic_fetch_add(&c->rounds, 1);
		/* a whole round, take to give, inside one blocked ask */
		if (a && atomic_load(&c->asking) == a)
			atomic_fetch_add(&c->during, 1);
	}
	return NULL;
}

/*
 * fsem_t starts with one permit. Bounded, N = @permits: acquirers contest
 * the last free permit (the test holds the other N - 1), releasers the
 * last one given out.
 */
static void contest_init(struct contest *c, enum kind k, int flags,
			 unsigned int permits)
{
	memset(c, 0, sizeof(*c));
	c->k = k;
	c->flags = flags;
	if (k == K_COUNT) {
		assert_int_equal(fsem_init(&c->s, flags, 1), 0);
		return;
	}
	c->permits = permits;
	c->held = k == K_ACQ ? (int)permits - 1 : 1;
	assert_int_equal(fsem_bounded_init(&c->b, flags, permits), 0);
	for (int i = 0; i < c->held; i++)
		assert_int_equal(fsem_bounded_tryacquire(&c->b), 0);
}

/* Nothing invented, nothing lost: the start state, then destroy. */
static void contest_end(struct contest *c, const char *what)
{
	int v = -1;

	if (c->k == K_COUNT) {
		assert_int_equal(fsem_getvalue(&c->s, &v), 0);
		if (v != 1)
			fail_msg("%s: value %d at the end, 1 expected", what, v);
		assert_int_equal(fsem_destroy(&c->s), 0);
		return;
	}
	assert_int_equal(fsem_bounded_given_out(&c->b, &v), 0);
	if (v != c->held)
		fail_msg("%s: %d given out at the end, %d expected", what, v,
			 c->held);
	assert_int_equal(fsem_bounded_destroy(&c->b), 0);
}

struct result {
	int tries;
	int timeouts;		/* not @bound only */
	long max_during;	/* most looper rounds inside one ask */
	int barged;		/* asks that saw BARGES rounds or more */
	long rounds;
	bool pinned;		/* on two CPUs */
};

/*
 * Run the contest for about @ms on @k with @flags; every ask must succeed
 * by its deadline (@bound) or may time out (not @bound: counted only).
 */
static struct result contest_run(enum kind k, int flags,
				 unsigned int permits, int64_t ms,
				 unsigned int seed, bool bound)
{
	struct contest *c = calloc(1, sizeof(*c));
	int64_t end = test_now_ns(CLOCK_MONOTONIC) + ms * 1000000;
	struct result res = { 0 };
	cpu_set_t lcpu, acpu;
	pthread_attr_t attr;
	uint64_t rng = seed;
	char what[128];
	pthread_t th;
	int err;

	assert_non_null(c);
	snprintf(what, sizeof(what), "%s, N %u, flags %#x (seed %u, 2 "
		 "threads)", kind_name[k], permits, (unsigned int)flags, seed);
	contest_init(c, k, flags, permits);
	test_atomic(&c->asking);
	test_atomic(&c->during);
	assert_int_equal(pthread_attr_init(&attr), 0);
	res.pinned = two_cpus(&lcpu, &acpu);
	if (res.pinned) {
		assert_int_equal(pthread_attr_setaffinity_np(&attr,
							     sizeof(lcpu),
							     &lcpu), 0);
		assert_int_equal(pthread_setaffinity_np(pthread_self(),
							sizeof(acpu), &acpu),
				 0);
	}
	assert_int_equal(pthread_create(&th, &attr, looper, c), 0);
	pthread_attr_destroy(&attr);
	while (atomic_load(&c->rounds) == 0 && !atomic_load(&c->looper_err))
		sched_yield();
	while (test_now_ns(CLOCK_MONOTONIC) < end &&
	       !atomic_load(&c->looper_err)) {
		struct timespec gap, abs;
		long during;

		rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
		gap.tv_sec = 0;
		gap.tv_nsec = (GAP_MIN_NS + (int64_t)((rng >> 33) %
					       GAP_SPAN_NS)) * test_slowdown();
		nanosleep(&gap, NULL);	/* pacing, not synchronisation */
		res.tries++;
		atomic_store(&c->during, 0);
		abs = test_deadline(CLOCK_MONOTONIC, ASK_NS * test_slowdown());
		atomic_store(&c->asking, (unsigned int)res.tries);
		err = take(c, &abs);
		atomic_store(&c->asking, 0);
		during = atomic_load(&c->during);
		if (during > res.max_during)
			res.max_during = during;
		if (during >= BARGES)
			res.barged++;
		if (err == ETIMEDOUT && !bound) {
			res.timeouts++;
			continue;
		}
		if (err)
			fail_msg("%s: try %d failed with %s after %ld looper "
				 "rounds in it", what, res.tries,
				 strerror(err), during);
		hold_in(c);
		hold_out(c);
		err = give(c);
		if (err)
			fail_msg("%s: try %d: giving back failed with %s",
				 what, res.tries, strerror(err));
	}
	atomic_store(&c->stop, true);
	pthread_join(th, NULL);
	if (res.pinned)
		assert_int_equal(pthread_setaffinity_np(pthread_self(),
							sizeof(all_cpus),
							&all_cpus), 0);
	if (atomic_load(&c->looper_err))
		fail_msg("%s: the looper failed with %s", what,
			 strerror(atomic_load(&c->looper_err)));
	if (atomic_load(&c->too_many))
		fail_msg("%s: %d times more threads held a step than there "
			 "are (a permit invented)", what,
			 atomic_load(&c->too_many));
	contest_end(c, what);
	res.rounds = atomic_load(&c->rounds);
	free(c);
	return res;
}

static void contest(enum kind k, unsigned int permits, const char *name)
{
	unsigned int seed = test_seed(name);
	int64_t ms = test_duration_ms(1000);
	struct result d, f;

	d = contest_run(k, 0, permits, ms, seed, true);
	print_message("[ %s ] N %u, default: %d asks, none timed out; %ld "
		      "looper rounds, at most %ld inside one ask, %d asks "
		      "barged (>= %d)%s\n", name, permits, d.tries, d.rounds,
		      d.max_during, d.barged, BARGES,
		      d.pinned ? "" : "; one CPU");
	/*
	 * Barging: the looper took the permit several times while the asker
	 * was blocked. Not judged on one CPU, nor under valgrind (one thread
	 * at a time): there the scheduler decides who runs first.
	 */
	if (d.barged == 0 && d.pinned && !test_on_valgrind())
		fail_msg("%s: the looper never took the permit %d times "
			 "while the asker was blocked, in %d asks (seed %u)",
			 name, BARGES, d.tries, seed);
	/*
	 * FSEM_FIFO bounds nothing here that can be asserted: a debtor that
	 * has not registered takes a token while no sleeper is registered
	 * (poll_token), and one that has just registered takes a token in
	 * its first try (sleep_loop) even while an earlier sleeper is owed
	 * it. So the looper, arriving a few ns after its own give, may take
	 * the token given for the asker before the asker has run, and the
	 * asker may time out. The run is shown, not judged; what FSEM_FIFO
	 * promises (fsem.h) is asserted by
	 * policy_fifo_blocked_waiter_gets_the_permit.
	 */
	f = contest_run(k, FSEM_FIFO, permits, ms / 4, seed, false);
	print_message("[ %s ] N %u, FSEM_FIFO: %d asks, %d timed out, %ld "
		      "looper rounds, at most %ld inside one ask, %d asks "
		      "barged (not asserted)\n", name, permits, f.tries,
		      f.timeouts, f.rounds, f.max_during, f.barged);
}

static void policy_count_bounds_starvation_and_barges(void **state)
{
	(void)state;
	contest(K_COUNT, 1, "policy_count_bounds_starvation_and_barges");
}

static void policy_bounded_acquire_bounds_starvation_and_barges(void **state)
{
	(void)state;
	contest(K_ACQ, 2, "policy_bounded_acquire_bounds_starvation_and_barges");
}

/* N = 1: hand-off mode must leave one step of room of one (P3). */
static void policy_bounded_acquire_one_permit_bounds_starvation(void **state)
{
	(void)state;
	contest(K_ACQ, 1, "policy_bounded_acquire_one_permit_bounds_starvation");
}

static void policy_bounded_release_bounds_starvation_and_barges(void **state)
{
	(void)state;
	contest(K_REL, 1, "policy_bounded_release_bounds_starvation_and_barges");
}

/* ---- FSEM_FIFO: the first blocked gets the permit ---------------------- */

struct blocked {
	struct contest *c;
	pthread_t th;
	struct test_tid tid;
	_Atomic bool done;
	int err;
};

static void *blocked_run(void *arg)
{
	struct blocked *b = arg;

	test_tid_publish(&b->tid);
	b->err = take(b->c, NULL);
	atomic_store(&b->done, true);
	return NULL;
}

static void blocked_start(struct blocked *b, struct contest *c)
{
	memset(b, 0, sizeof(*b));
	b->c = c;
	assert_int_equal(pthread_create(&b->th, NULL, blocked_run, b), 0);
	test_wait_blocked(test_tid_get(&b->tid));
}

/* A try of the contested kind: 0 or EAGAIN. */
static int try_take(struct contest *c)
{
	int r = c->k == K_COUNT ? fsem_trywait(&c->s) :
		c->k == K_ACQ ? fsem_bounded_tryacquire(&c->b) :
		fsem_bounded_tryrelease(&c->b);

	return r == 0 ? 0 : errno;
}

/* Free one step for the contested kind, from the test thread. */
static void free_one(struct contest *c)
{
	int r = c->k == K_COUNT ? fsem_post(&c->s) :
		c->k == K_ACQ ? fsem_bounded_tryrelease(&c->b) :
		fsem_bounded_tryacquire(&c->b);

	assert_int_equal(r, 0);
}

/*
 * Set @c up with no step free for its kind (a waiter of it blocks); a
 * bounded semaphore has @permits permits.
 */
static void none_free_of(struct contest *c, enum kind k, int flags,
			 unsigned int permits)
{
	memset(c, 0, sizeof(*c));
	c->k = k;
	c->flags = flags;
	c->permits = permits;
	if (k == K_COUNT)
		assert_int_equal(fsem_init(&c->s, flags, 0), 0);
	else
		assert_int_equal(fsem_bounded_init(&c->b, flags, permits), 0);
	for (unsigned int i = 0; k == K_ACQ && i < permits; i++)
		assert_int_equal(fsem_bounded_tryacquire(&c->b), 0);
}

static void none_free(struct contest *c, enum kind k, int flags)
{
	none_free_of(c, k, flags, 1);
}

/*
 * With one waiter blocked, free one step and try at once from the same
 * thread: under FSEM_FIFO the try fails and the waiter gets it. The
 * default may let the try take it (not asserted); either way the waiter
 * returns 0 once a step is its, and nothing is invented or lost.
 */
static void policy_fifo_blocked_waiter_gets_the_permit(void **state)
{
	static const int flag_sets[] = {
		FSEM_FIFO, FSEM_FIFO | FSEM_NOSPIN, 0, FSEM_NOSPIN,
	};
	struct contest c;
	struct blocked b;
	int tried, v;

	(void)state;
	for (int k = K_COUNT; k <= K_REL; k++) {
		for (size_t f = 0; f < 4; f++) {
			bool fifo = flag_sets[f] & FSEM_FIFO;

			none_free(&c, (enum kind)k, flag_sets[f]);
			blocked_start(&b, &c);
			free_one(&c);
			tried = try_take(&c);
			if (fifo && tried != EAGAIN)
				fail_msg("%s, flags %#x: a try right after the "
					 "give answered %d, not EAGAIN: it "
					 "took the blocked waiter's permit",
					 kind_name[k], flag_sets[f], tried);
			assert_true(tried == 0 || tried == EAGAIN);
			if (tried == 0)
				free_one(&c);	/* the waiter's turn now */
			pthread_join(b.th, NULL);
			assert_int_equal(b.err, 0);
			/* no step free again, and nobody waits */
			assert_int_equal(try_take(&c), EAGAIN);
			if (k == K_COUNT) {
				assert_int_equal(fsem_getvalue(&c.s, &v), 0);
				assert_int_equal(v, 0);
				assert_int_equal(fsem_destroy(&c.s), 0);
			} else {
				assert_int_equal(fsem_bounded_given_out(&c.b,
									&v), 0);
				assert_int_equal(v, k == K_ACQ ? 1 : 0);
				assert_int_equal(fsem_bounded_destroy(&c.b), 0);
			}
		}
	}
}

/* ---- a wake that reaches no sleeper ------------------------------------ */

/*
 * A waiter registers, finds no room and is about to enter FUTEX_WAIT
 * (stopped there by the step seam). A give wakes it (under the default
 * policy it counts the wake in flight, k = 1, P2), but the wake reaches
 * nobody: the waiter is not in the kernel yet. A try takes the permit, so
 * the futex word is back to what the waiter read, and it goes to sleep.
 * One more give must wake it: the waiter must return 0, not sleep to its
 * deadline with a permit free. Run on every protocol; NOSPIN makes the
 * waiter register at once.
 */
#define WAKE_DEADLINE_NS	(1000 * 1000000LL)

static struct {
	pthread_mutex_t m;
	pthread_cond_t c;
	int stalled, want;	/* threads the seam stopped; awaited */
	bool go;
} stop = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0,
	   false };
static _Thread_local bool stop_at_futex_wait;

static _Thread_local bool stop_at_take;

/* the spin test's spinner: give once as its spin starts */
static _Thread_local struct contest *give_at_spin;
static _Thread_local int give_at_spin_err = -1;

static void hook(const char *site)
{
	if (give_at_spin &&
	    test_ends_with(site, "spin: store the grown budget first")) {
		struct contest *c = give_at_spin;

		give_at_spin = NULL;	/* once; the give runs this hook too */
		give_at_spin_err = give(c);
		return;
	}
	if (stop_at_take && test_ends_with(site, "take: CAS value, waiters-1"))
		stop_at_take = false;	/* the turn test's B, woken */
	else if (!stop_at_futex_wait || !test_ends_with(site, "futex wait"))
		return;
	stop_at_futex_wait = false;	/* the first futex wait only */
	pthread_mutex_lock(&stop.m);
	stop.stalled++;
	pthread_cond_broadcast(&stop.c);
	while (!stop.go)
		pthread_cond_wait(&stop.c, &stop.m);
	pthread_mutex_unlock(&stop.m);
}

static void *stopped_run(void *arg)
{
	struct blocked *b = arg;
	struct timespec abs = test_deadline(CLOCK_MONOTONIC,
					    WAKE_DEADLINE_NS * test_slowdown());

	test_tid_publish(&b->tid);
	stop_at_futex_wait = true;
	b->err = take(b->c, &abs);
	atomic_store(&b->done, true);
	return NULL;
}

/* Forget the threads stopped before: none stopped, none let go. */
static void stop_reset(void)
{
	pthread_mutex_lock(&stop.m);
	stop.stalled = stop.want = 0;
	stop.go = false;
	pthread_mutex_unlock(&stop.m);
}

/* Wait until the seam has stopped one more thread (stop.stalled). */
static void wait_stalled(void)
{
	pthread_mutex_lock(&stop.m);
	stop.want++;
	while (stop.stalled < stop.want)
		pthread_cond_wait(&stop.c, &stop.m);
	pthread_mutex_unlock(&stop.m);
}

/* Let the threads the seam stopped go on. */
static void let_go(void)
{
	pthread_mutex_lock(&stop.m);
	stop.go = true;
	pthread_cond_broadcast(&stop.c);
	pthread_mutex_unlock(&stop.m);
}

/*
 * Start @b taking on @c; return once it is stopped before FUTEX_WAIT. The
 * threads stopped since stop_reset() stay stopped until let_go().
 */
static void start_stopped(struct blocked *b, struct contest *c)
{
	memset(b, 0, sizeof(*b));
	b->c = c;
	assert_int_equal(pthread_create(&b->th, NULL, stopped_run, b), 0);
	wait_stalled();
}

static void policy_wake_before_sleep_is_not_lost(void **state)
{
	static const int flag_sets[] = { FSEM_NOSPIN, FSEM_SHARED | FSEM_NOSPIN,
					 FSEM_FIFO | FSEM_NOSPIN };
	struct contest c;
	struct blocked b;
	int lost = 0, v;
	char first[128] = "";

	(void)state;
	for (int k = K_COUNT; k <= K_REL; k++) {
		for (size_t f = 0; f < 3; f++) {
			int64_t end;

			none_free(&c, (enum kind)k, flag_sets[f]);
			stop_reset();
			start_stopped(&b, &c);
			free_one(&c);	/* wakes nobody: not asleep yet */
			if (try_take(&c) != 0)	/* FIFO: its token */
				goto join;
			let_go();
			end = test_now_ns(CLOCK_MONOTONIC) + HANDSHAKE_NS;
			while (!test_is_blocked(test_tid_get(&b.tid)) &&
			       !atomic_load(&b.done)) {
				if (test_now_ns(CLOCK_MONOTONIC) > end)
					fail_msg("the waiter never slept");
				sched_yield();
			}
			free_one(&c);	/* must wake it */
join:
			let_go();
			pthread_join(b.th, NULL);
			if (b.err != 0) {
				if (!lost++)
					snprintf(first, sizeof(first),
						 "%s, flags %#x", kind_name[k],
						 flag_sets[f]);
				print_message("[ policy_wake_before_sleep ] "
					      "%s, flags %#x: the waiter "
					      "returned %s with a step free\n",
					      kind_name[k], flag_sets[f],
					      strerror(b.err));
				assert_int_equal(try_take(&c), 0);
			}
			assert_int_equal(try_take(&c), EAGAIN);
			if (k == K_COUNT) {
				assert_int_equal(fsem_getvalue(&c.s, &v), 0);
				assert_int_equal(v, 0);
				assert_int_equal(fsem_destroy(&c.s), 0);
			} else {
				assert_int_equal(fsem_bounded_destroy(&c.b), 0);
			}
		}
	}
	if (lost)
		fail_msg("a wake made before the waiter slept was lost: it "
			 "slept to its deadline with a permit free, %d of 9 "
			 "(first: %s)", lost, first);
}

/* ---- the turn (P4 in src/shared.c) ------------------------------------ */

/*
 * B and then C block (the kernel queues them in that order). A give wakes
 * B, which the step seam stops just before the CAS of its step: awake,
 * holding the wake counted for the free step (k = 1, P2). The test thread
 * then takes and gives again and again: each give finds that wake in
 * flight and wakes nobody, so without the turn C would sleep until the
 * test thread stops. At its FSEM_TURN-th take (each finds B and C
 * registered and one wake on its way, B's: C is passed over) a new
 * thread's turn runs out: it wakes C, which is asleep, and sleeps; C
 * takes the step, notes how many rounds the thread had made (FSEM_TURN -
 * 1, or fewer if C woke spuriously, or more if C did not run within the
 * turn's bound), and gives it back, which wakes the thread. At the end B
 * goes on and takes the step left free.
 */
#define TURN_ROUNDS	(3 * FSEM_TURN)

static _Atomic int rounds_made;

struct turn_c {
	struct blocked b;
	int rounds_seen;	/* the test thread's rounds when C took */
	int give_err;
};

static void *turn_c_run(void *arg)
{
	struct turn_c *t = arg;
	struct timespec abs = test_deadline(CLOCK_MONOTONIC,
					    WAKE_DEADLINE_NS * test_slowdown());

	test_tid_publish(&t->b.tid);
	t->b.err = take(t->b.c, &abs);
	t->rounds_seen = atomic_load(&rounds_made);
	if (!t->b.err)
		t->give_err = give(t->b.c);
	atomic_store(&t->b.done, true);
	return NULL;
}

static void *turn_b_run(void *arg)
{
	struct blocked *b = arg;
	struct timespec abs = test_deadline(CLOCK_MONOTONIC,
					    2 * WAKE_DEADLINE_NS *
					    test_slowdown());

	test_tid_publish(&b->tid);
	stop_at_take = true;
	b->err = take(b->c, &abs);
	atomic_store(&b->done, true);
	return NULL;
}

/* The running thread: TURN_ROUNDS takes and gives; NULL or the errno. */
static void *turn_loop(void *arg)
{
	struct contest *c = arg;

	for (int i = 0; i < TURN_ROUNDS; i++) {
		struct timespec abs = test_deadline(CLOCK_MONOTONIC,
					WAKE_DEADLINE_NS * test_slowdown());
		int err = take(c, &abs);

		if (!err)
			err = give(c);
		if (err)
			return (void *)(intptr_t)err;
		atomic_fetch_add(&rounds_made, 1);
	}
	return NULL;
}

/* Nothing is left to take; the semaphore is destroyed. */
static void end_empty(struct contest *c)
{
	assert_int_equal(try_take(c), EAGAIN);
	if (c->k == K_COUNT)
		assert_int_equal(fsem_destroy(&c->s), 0);
	else
		assert_int_equal(fsem_bounded_destroy(&c->b), 0);
}

static void policy_turn_goes_to_a_sleeper(void **state)
{
	struct contest c;
	struct blocked b;
	struct turn_c t;
	pthread_t r;
	void *res;

	(void)state;
	for (int k = K_COUNT; k <= K_REL; k++) {
		none_free(&c, (enum kind)k, FSEM_NOSPIN);
		memset(&b, 0, sizeof(b));
		memset(&t, 0, sizeof(t));
		b.c = t.b.c = &c;
		atomic_store(&rounds_made, 0);
		stop_reset();
		assert_int_equal(pthread_create(&b.th, NULL, turn_b_run, &b),
				 0);
		test_wait_blocked(test_tid_get(&b.tid));
		assert_int_equal(pthread_create(&t.b.th, NULL, turn_c_run, &t),
				 0);
		test_wait_blocked(test_tid_get(&t.b.tid));
		free_one(&c);	/* wakes B, the first queued */
		wait_stalled();
		/* a new thread: its turn starts from 0 (it is per thread) */
		assert_int_equal(pthread_create(&r, NULL, turn_loop, &c), 0);
		pthread_join(r, &res);
		if (res)
			fail_msg("%s: a take of the running thread failed with "
				 "%s", kind_name[k], strerror((int)(intptr_t)res));
		pthread_join(t.b.th, NULL);
		let_go();
		pthread_join(b.th, NULL);
		assert_int_equal(t.b.err, 0);
		assert_int_equal(t.give_err, 0);
		assert_int_equal(b.err, 0);
		print_message("[ policy_turn_goes_to_a_sleeper ] %s: C took "
			      "its step after %d rounds of the running thread\n",
			      kind_name[k], t.rounds_seen);
		/* C is woken when the first turn runs out (FSEM_TURN - 1
		 * rounds); on a loaded machine it may not run within that
		 * turn's 1 ms bound, and the thread takes on: a later turn,
		 * or P3's bound once C runs, then gives C the step (CI saw
		 * 127 rounds once). Without the turn C sleeps through every
		 * round: nothing wakes it before its deadline */
		if (t.rounds_seen >= TURN_ROUNDS)
			fail_msg("%s: the sleeper got the step only after %d "
				 "rounds of a running thread (turn: %d)",
				 kind_name[k], t.rounds_seen, FSEM_TURN);
		end_empty(&c);
	}
}

/* The test thread takes and gives @rounds times; each take must succeed. */
static void take_and_give(struct contest *c, int rounds, const char *test)
{
	for (int i = 0; i < rounds; i++) {
		struct timespec abs = test_deadline(CLOCK_MONOTONIC,
				WAKE_DEADLINE_NS * test_slowdown());
		int err = take(c, &abs);

		if (err)
			fail_msg("%s, %s: take %d returned %s with the step "
				 "free and the waiters stopped", test,
				 kind_name[c->k], i, strerror(err));
		assert_int_equal(give(c), 0);
	}
}

/* Let the stopped waiters @b go, join them; they must have taken. */
static void let_go_and_join(struct blocked *b, int n)
{
	let_go();
	for (int i = 0; i < n; i++) {
		pthread_join(b[i].th, NULL);
		assert_int_equal(b[i].err, 0);
	}
}

/*
 * Two waiters register and are stopped just before FUTEX_WAIT: awake, not
 * in the kernel. One step is freed: its wake goes to nobody in the kernel
 * and is counted (k = 1), so one of the two registered has no wake on its
 * way. The test thread then takes and gives 4 * FSEM_TURN times: each
 * take passes that one over, so its turn runs out and it leaves the free
 * step to the waiters, which are not coming. Its sleep is bounded (1 ms),
 * so every take still succeeds, each well within its 1 s deadline (a
 * sleep without the bound would last to it: control t-a of the spin
 * model). Then one more step is freed and both waiters take one.
 */
static void policy_turn_sleep_is_bounded(void **state)
{
	struct contest c;
	struct blocked b[2];
	unsigned long before;

	(void)state;
	for (int k = K_COUNT; k <= K_REL; k++) {
		none_free_of(&c, (enum kind)k, FSEM_NOSPIN, 2);
		stop_reset();
		start_stopped(&b[0], &c);
		start_stopped(&b[1], &c);
		free_one(&c);
		before = waits();
		take_and_give(&c, 4 * FSEM_TURN, "policy_turn_sleep_is_bounded");
		if (waits() == before)
			fail_msg("%s: the running thread never gave its turn up "
				 "in %d rounds", kind_name[k], 4 * FSEM_TURN);
		free_one(&c);
		let_go_and_join(b, 2);
		end_empty(&c);
	}
}

/*
 * A waiter registers and is stopped just before FUTEX_WAIT; one step is
 * freed, and its wake is counted for that waiter (k = 1): every waiter
 * registered has a wake on its way. The test thread then takes and gives
 * 4 * FSEM_TURN times: no take passes a sleeper over, so none counts
 * toward its turn, and it never sleeps (P4). (A turn counted on every
 * registration gave the turn up at the FSEM_TURN-th take; in the bench's
 * bounded workload the thread that gave it up was such a registration,
 * and the turns fed each other.)
 */
static void policy_turn_not_for_a_woken_waiter(void **state)
{
	struct contest c;
	struct blocked b;
	unsigned long before, slept;

	(void)state;
	for (int k = K_COUNT; k <= K_REL; k++) {
		none_free(&c, (enum kind)k, FSEM_NOSPIN);
		stop_reset();
		start_stopped(&b, &c);
		free_one(&c);
		before = waits();
		take_and_give(&c, 4 * FSEM_TURN,
			      "policy_turn_not_for_a_woken_waiter");
		slept = waits() - before;
		let_go_and_join(&b, 1);
		end_empty(&c);
		if (slept)
			fail_msg("%s: the running thread slept %lu times in %d "
				 "rounds, while the only waiter had a wake on "
				 "its way", kind_name[k], slept, 4 * FSEM_TURN);
	}
}

/* ---- spinning past a sleeper (P5) -------------------------------------- */

/*
 * A blocking call on a bounded semaphore that finds no room spins. Another
 * waiter of its kind is registered, stopped by the step seam before its
 * FUTEX_WAIT. A give made as the spin starts (by the seam, in the
 * spinner's thread) leaves one step of room: the spinner must take it in
 * its spin (P5: under the policy a spinner goes on past registered
 * waiters) and its spin budget must grow (stored before the first poll,
 * since that step may let the other kind through). Before P5 the spinner
 * stopped at the registration and halved the budget; and a bounded
 * spin's budget was never grown at all, so under contention nobody spun.
 */
struct spinner {
	struct contest *c;
	pthread_t th;
	int err, gave;
	bool spun;
};

static void *spinner_run(void *arg)
{
	struct spinner *sp = arg;
	struct timespec abs = test_deadline(CLOCK_MONOTONIC,
					    WAKE_DEADLINE_NS * test_slowdown());

	give_at_spin = sp->c;
	sp->err = take(sp->c, &abs);
	sp->spun = give_at_spin == NULL;
	sp->gave = give_at_spin_err;
	give_at_spin = NULL;
	return NULL;
}

static void policy_bounded_spin_passes_a_sleeper(void **state)
{
	struct contest c;
	struct blocked b;
	struct spinner sp;
	unsigned int before;

	(void)state;
	for (int k = K_ACQ; k <= K_REL; k++) {
		none_free(&c, (enum kind)k, 0);
		stop_reset();
		start_stopped(&b, &c);
		before = c.b.spin_;	/* the stopped waiter spun and failed */
		memset(&sp, 0, sizeof(sp));
		sp.c = &c;
		assert_int_equal(pthread_create(&sp.th, NULL, spinner_run, &sp),
				 0);
		pthread_join(sp.th, NULL);
		if (!sp.spun)
			fail_msg("%s: the call did not spin (budget %u)",
				 kind_name[k], before);
		assert_int_equal(sp.gave, 0);
		assert_int_equal(sp.err, 0);
		if (c.b.spin_ <= before)
			fail_msg("%s: the spin that took the step left the "
				 "budget at %u from %u", kind_name[k],
				 c.b.spin_, before);
		/* the stopped waiter goes on, finds no room and sleeps; the
		 * next give is its */
		let_go();
		free_one(&c);
		pthread_join(b.th, NULL);
		assert_int_equal(b.err, 0);
		assert_int_equal(try_take(&c), EAGAIN);
		assert_int_equal(fsem_bounded_destroy(&c.b), 0);
	}
}

/* ---- flags ------------------------------------------------------------- */

static void policy_fifo_flag_combinations(void **state)
{
	static const int bad[] = {
		FSEM_FIFO | FSEM_SHARED, FSEM_FIFO | FSEM_SHARED | FSEM_NOSPIN,
	};
	fsem_t s;
	fsem_bounded_t b;
	struct contest c;
	struct blocked w;

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		errno = 0;
		assert_int_equal(fsem_init(&s, bad[i], 1), -1);
		assert_int_equal(errno, EINVAL);
		errno = 0;
		assert_int_equal(fsem_bounded_init(&b, bad[i], 1), -1);
		assert_int_equal(errno, EINVAL);
	}
	/* FSEM_FIFO | FSEM_NOSPIN: a semaphore that works, blocking too */
	for (int k = K_COUNT; k <= K_REL; k++) {
		none_free(&c, (enum kind)k, FSEM_FIFO | FSEM_NOSPIN);
		assert_int_equal(try_take(&c), EAGAIN);
		blocked_start(&w, &c);
		free_one(&c);
		pthread_join(w.th, NULL);
		assert_int_equal(w.err, 0);
		free_one(&c);
		assert_int_equal(try_take(&c), 0);
		assert_int_equal(try_take(&c), EAGAIN);
		if (k == K_COUNT)
			assert_int_equal(fsem_destroy(&c.s), 0);
		else
			assert_int_equal(fsem_bounded_destroy(&c.b), 0);
	}
}

static int setup(void **state)
{
	(void)state;
	atomic_store(&fsem_seam_step, hook);
	return pthread_getaffinity_np(pthread_self(), sizeof(all_cpus),
				      &all_cpus);
}

static int teardown(void **state)
{
	(void)state;
	atomic_store(&fsem_seam_step, NULL);
	return 0;
}

/* A failed case leaves the test thread where it was pinned: undo that. */
static int unpin(void **state)
{
	(void)state;
	return pthread_setaffinity_np(pthread_self(), sizeof(all_cpus),
				      &all_cpus);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(policy_fifo_flag_combinations),
		cmocka_unit_test(policy_fifo_blocked_waiter_gets_the_permit),
		cmocka_unit_test(policy_wake_before_sleep_is_not_lost),
		cmocka_unit_test(policy_turn_sleep_is_bounded),
		cmocka_unit_test(policy_turn_not_for_a_woken_waiter),
		cmocka_unit_test(policy_turn_goes_to_a_sleeper),
		cmocka_unit_test(policy_bounded_spin_passes_a_sleeper),
		cmocka_unit_test_setup(
			policy_count_bounds_starvation_and_barges, unpin),
		cmocka_unit_test_setup(
			policy_bounded_acquire_bounds_starvation_and_barges,
			unpin),
		cmocka_unit_test_setup(
			policy_bounded_acquire_one_permit_bounds_starvation,
			unpin),
		cmocka_unit_test_setup(
			policy_bounded_release_bounds_starvation_and_barges,
			unpin),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
