/* SPDX-License-Identifier: MIT */
/*
 * test_wake_policy.c - a post makes a wake system call only for a sleeper
 * still owed a permit, counted through the futex test seam (STYLE 13).
 *
 * The seam build of the library counts every FUTEX_WAIT and FUTEX_WAKE it
 * makes, process-wide. A thread is "asleep" when the seam has counted its
 * FUTEX_WAIT and the kernel reports it blocked in the futex call: only then
 * is it registered as a sleeper, so only then does a post owe it a wake-up.
 */
#include "common.h"

#include <stdbool.h>

#include "seam.h"

/* Limit of every handshake below: only a broken test or library needs it. */
#define HANDSHAKE_NS	(10 * 1000000000LL)
/* A deadline no test reaches, for timed calls that must block. */
#define FAR_NS		(60 * 1000000000LL)
/* A deadline a timed call must reach: the timeout is what is tested. */
#define SHORT_NS	(20 * 1000000LL)
#define PAIRS		100000

/* both private protocols (barging, FSEM_FIFO's debts) and shared */
static const int flag_sets[] = {
	0, FSEM_NOSPIN, FSEM_SHARED, FSEM_SHARED | FSEM_NOSPIN,
	FSEM_FIFO, FSEM_FIFO | FSEM_NOSPIN,
};

#define NFLAGS	(int)(sizeof(flag_sets) / sizeof(flag_sets[0]))

/* A thread running one blocking call; done is set once it has returned. */
struct runner {
	pthread_t thread;
	struct test_tid tid;
	_Atomic int done;
	int ret;
	int err;
	fsem_t *sem;
	fsem_bounded_t *b;
	int (*call)(struct runner *r);
};

static int call_wait(struct runner *r)
{
	return fsem_wait(r->sem);
}

static int call_timedwait(struct runner *r)
{
	struct timespec ts = test_deadline(CLOCK_REALTIME, FAR_NS);

	return fsem_timedwait(r->sem, &ts);
}

static int call_clockwait(struct runner *r)
{
	struct timespec ts = test_deadline(CLOCK_MONOTONIC, FAR_NS);

	return fsem_clockwait(r->sem, CLOCK_MONOTONIC, &ts);
}

static int call_acquire(struct runner *r)
{
	return fsem_bounded_acquire(r->b);
}

static int call_clockacquire(struct runner *r)
{
	struct timespec ts = test_deadline(CLOCK_MONOTONIC, FAR_NS);

	return fsem_bounded_clockacquire(r->b, CLOCK_MONOTONIC, &ts);
}

static int call_release(struct runner *r)
{
	return fsem_bounded_release(r->b);
}

static int call_timedrelease(struct runner *r)
{
	struct timespec ts = test_deadline(CLOCK_REALTIME, FAR_NS);

	return fsem_bounded_timedrelease(r->b, &ts);
}

static void *run(void *arg)
{
	struct runner *r = arg;

	test_tid_publish(&r->tid);
	errno = 0;
	r->ret = r->call(r);
	r->err = errno;
	atomic_store(&r->done, 1);
	return NULL;
}

static void start(struct runner *r)
{
	assert_int_equal(pthread_create(&r->thread, NULL, run, r), 0);
}

static void finish(struct runner *r)
{
	assert_int_equal(pthread_join(r->thread, NULL), 0);
	assert_int_equal(atomic_load(&r->done), 1);
}

/*
 * Wait until the @n runners of @r are asleep: the seam counted @n futex
 * waits since @base (each registers before its first one) and the kernel
 * reports every one of them blocked in the futex call.
 */
static void wait_asleep(struct runner *r, int n, unsigned long base)
{
	int64_t end = test_now_ns(CLOCK_MONOTONIC) + HANDSHAKE_NS;
	int i;

	while (waits() - base < (unsigned long)n) {
		if (test_now_ns(CLOCK_MONOTONIC) > end)
			fail_msg("%d threads never reached the futex", n);
		sched_yield();
	}
	for (i = 0; i < n; i++)
		test_wait_blocked(test_tid_get(&r[i].tid));
}

static int value(fsem_t *sem)
{
	int v = -1;

	assert_int_equal(fsem_getvalue(sem, &v), 0);
	return v;
}

static int given_out(fsem_bounded_t *b)
{
	int v = -1;

	assert_int_equal(fsem_bounded_given_out(b, &v), 0);
	return v;
}

/* A post that finds a free permit or none owed makes no system call. */
static void wake_policy_uncontended_post_makes_no_call(void **state)
{
	static const unsigned int starts[] = { 0, 1, 1000 };
	unsigned long w0, k0;
	fsem_bounded_t b;
	fsem_t sem;
	int f, i;

	(void)state;
	for (f = 0; f < NFLAGS; f++) {
		for (i = 0; i < 3; i++) {
			assert_int_equal(fsem_init(&sem, flag_sets[f],
						   starts[i]), 0);
			w0 = waits();
			k0 = wakes();
			assert_int_equal(fsem_post(&sem), 0);
			assert_int_equal(wakes() - k0, 0);
			assert_int_equal(waits() - w0, 0);
			assert_int_equal(value(&sem), (int)starts[i] + 1);
			assert_int_equal(fsem_destroy(&sem), 0);
		}

		/* Bounded: an acquire with a permit free, a release of one. */
		assert_int_equal(fsem_bounded_init(&b, flag_sets[f], 3), 0);
		w0 = waits();
		k0 = wakes();
		assert_int_equal(fsem_bounded_acquire(&b), 0);
		assert_int_equal(fsem_bounded_acquire(&b), 0);
		assert_int_equal(fsem_bounded_release(&b), 0);
		assert_int_equal(fsem_bounded_acquire(&b), 0);
		assert_int_equal(fsem_bounded_release(&b), 0);
		assert_int_equal(fsem_bounded_release(&b), 0);
		assert_int_equal(wakes() - k0, 0);
		assert_int_equal(waits() - w0, 0);
		assert_int_equal(given_out(&b), 0);
		assert_int_equal(fsem_bounded_destroy(&b), 0);
	}
}

/*
 * 100000 wait+post pairs (and acquire+release pairs) by one thread: every
 * wait finds the permit the post before it freed, so none makes a call.
 */
static void wake_policy_uncontended_loop_makes_no_call(void **state)
{
	struct timespec mono, real;
	unsigned long w0, k0;
	fsem_bounded_t b;
	fsem_t sem;
	int f, i, bad;

	(void)state;
	mono = test_deadline(CLOCK_MONOTONIC, FAR_NS);
	real = test_deadline(CLOCK_REALTIME, FAR_NS);
	for (f = 0; f < NFLAGS; f++) {
		assert_int_equal(fsem_init(&sem, flag_sets[f], 1), 0);
		bad = 0;
		w0 = waits();
		k0 = wakes();
		for (i = 0; i < PAIRS; i++) {
			switch (i % 3) {
			case 0:
				bad += fsem_wait(&sem) != 0;
				break;
			case 1:
				bad += fsem_timedwait(&sem, &real) != 0;
				break;
			default:
				bad += fsem_clockwait(&sem, CLOCK_MONOTONIC,
						      &mono) != 0;
			}
			bad += fsem_post(&sem) != 0;
		}
		assert_int_equal(bad, 0);
		assert_int_equal(waits() - w0, 0);
		assert_int_equal(wakes() - k0, 0);
		assert_int_equal(value(&sem), 1);
		assert_int_equal(fsem_destroy(&sem), 0);

		assert_int_equal(fsem_bounded_init(&b, flag_sets[f], 1), 0);
		w0 = waits();
		k0 = wakes();
		for (i = 0; i < PAIRS; i++) {
			if (i % 2) {
				bad += fsem_bounded_acquire(&b) != 0;
				bad += fsem_bounded_release(&b) != 0;
			} else {
				bad += fsem_bounded_timedacquire(&b,
								 &real) != 0;
				bad += fsem_bounded_clockrelease(&b,
						CLOCK_MONOTONIC, &mono) != 0;
			}
		}
		assert_int_equal(bad, 0);
		assert_int_equal(waits() - w0, 0);
		assert_int_equal(wakes() - k0, 0);
		assert_int_equal(given_out(&b), 0);
		assert_int_equal(fsem_bounded_destroy(&b), 0);
	}
}

/* One blocking call, the call that frees it, and what is left after. */
struct pairing {
	const char *name;
	int flags;
	int (*block)(struct runner *r);
	bool bounded;
	bool release;		/* bounded: the sleeper releases */
};

static const struct pairing pairings[] = {
	{ "wait/post", FSEM_NOSPIN, call_wait, false, false },
	{ "wait/post (spins first)", 0, call_wait, false, false },
	{ "timedwait/post", FSEM_NOSPIN, call_timedwait, false, false },
	{ "clockwait/post (shared)", FSEM_SHARED, call_clockwait,
	  false, false },
	{ "acquire/release", FSEM_NOSPIN, call_acquire, true, false },
	{ "clockacquire/release", 0, call_clockacquire, true, false },
	{ "release/acquire", FSEM_NOSPIN, call_release, true, true },
	{ "timedrelease/acquire", FSEM_SHARED, call_timedrelease,
	  true, true },
	{ "wait/post (fifo)", FSEM_FIFO | FSEM_NOSPIN, call_wait, false,
	  false },
	{ "clockacquire/release (fifo)", FSEM_FIFO, call_clockacquire, true,
	  false },
	{ "release/acquire (fifo)", FSEM_FIFO | FSEM_NOSPIN, call_release,
	  true, true },
};

#define NPAIRINGS	(int)(sizeof(pairings) / sizeof(pairings[0]))

/*
 * Make the semaphore of @p such that its blocking call blocks: counting at
 * 0; bounded with @n permits, all given out for an acquirer, all free for
 * a releaser.
 */
static void setup(const struct pairing *p, fsem_t *sem, fsem_bounded_t *b,
		  unsigned int n)
{
	unsigned int i;

	if (!p->bounded) {
		assert_int_equal(fsem_init(sem, p->flags, 0), 0);
		return;
	}
	assert_int_equal(fsem_bounded_init(b, p->flags, n), 0);
	for (i = 0; !p->release && i < n; i++)
		assert_int_equal(fsem_bounded_tryacquire(b), 0);
}

/* The call that frees a sleeper of @p: a post, a release or an acquire. */
static int give(const struct pairing *p, fsem_t *sem, fsem_bounded_t *b)
{
	if (!p->bounded)
		return fsem_post(sem);
	return p->release ? fsem_bounded_acquire(b) : fsem_bounded_release(b);
}

/* Every sleeper freed: nothing left over, nobody registered. */
static void check_settled(const struct pairing *p, fsem_t *sem,
			  fsem_bounded_t *b, int n)
{
	if (!p->bounded) {
		assert_int_equal(value(sem), 0);
		assert_int_equal(fsem_destroy(sem), 0);
		return;
	}
	assert_int_equal(given_out(b), p->release ? 0 : n);
	assert_int_equal(fsem_bounded_destroy(b), 0);
}

/* A post with one registered sleeper makes exactly one wake call. */
static void wake_policy_one_sleeper_one_wake(void **state)
{
	unsigned long w0, k0;
	fsem_bounded_t b;
	fsem_t sem;
	int i;

	(void)state;
	for (i = 0; i < NPAIRINGS; i++) {
		const struct pairing *p = &pairings[i];
		struct runner r = { .sem = &sem, .b = &b, .call = p->block };

		setup(p, &sem, &b, 1);
		w0 = waits();
		start(&r);
		wait_asleep(&r, 1, w0);
		k0 = wakes();
		assert_int_equal(give(p, &sem, &b), 0);
		finish(&r);
		if (r.ret != 0 || wakes() - k0 != 1)
			fail_msg("%s: sleeper returned %d (errno %d), "
				 "%lu wake calls, expected 1", p->name,
				 r.ret, r.err, wakes() - k0);
		check_settled(p, &sem, &b, 1);
	}
}

/*
 * libc++ bug 46357: two sleepers, two posts back to back from one thread;
 * the second post must not assume the first one's wake-up covers it. Both
 * sleepers return, and exactly two wake calls are made.
 */
static void wake_policy_two_sleepers_two_posts_wake_both(void **state)
{
	unsigned long w0, k0, calls;
	fsem_bounded_t b;
	fsem_t sem;
	int i, j;

	(void)state;
	for (i = 0; i < NPAIRINGS; i++) {
		const struct pairing *p = &pairings[i];
		struct runner r[2];

		memset(r, 0, sizeof(r));
		for (j = 0; j < 2; j++) {
			r[j].sem = &sem;
			r[j].b = &b;
			r[j].call = p->block;
		}
		setup(p, &sem, &b, 2);
		w0 = waits();
		start(&r[0]);
		start(&r[1]);
		wait_asleep(r, 2, w0);
		k0 = wakes();
		assert_int_equal(give(p, &sem, &b), 0);
		assert_int_equal(give(p, &sem, &b), 0);
		finish(&r[0]);
		finish(&r[1]);
		calls = wakes() - k0;
		if (r[0].ret != 0 || r[1].ret != 0 || calls != 2)
			fail_msg("%s: sleepers returned %d, %d; %lu wake "
				 "calls, expected 2", p->name, r[0].ret,
				 r[1].ret, calls);
		check_settled(p, &sem, &b, 2);
	}
}

/* Time out once on @sem (or @b in the direction of @p) from this thread. */
static void time_out(const struct pairing *p, fsem_t *sem, fsem_bounded_t *b)
{
	struct timespec ts;
	unsigned long w0 = waits();
	int ret;

	errno = 0;
	if (!p->bounded) {
		ts = test_deadline(CLOCK_MONOTONIC, SHORT_NS);
		ret = fsem_clockwait(sem, CLOCK_MONOTONIC, &ts);
	} else if (p->release) {
		ts = test_deadline(CLOCK_REALTIME, SHORT_NS);
		ret = fsem_bounded_timedrelease(b, &ts);
	} else {
		ts = test_deadline(CLOCK_MONOTONIC, SHORT_NS);
		ret = fsem_bounded_clockacquire(b, CLOCK_MONOTONIC, &ts);
	}
	if (ret != -1 || errno != ETIMEDOUT)
		fail_msg("%s: timed call returned %d errno %d", p->name, ret,
			 errno);
	/* It did sleep, so it was registered, and left again. */
	if (waits() - w0 < 1)
		fail_msg("%s: the timed call never slept", p->name);
}

/*
 * A waiter that timed out has deregistered: a later post makes no wake
 * call and its permit stays free. With a real sleeper beside it, a post
 * makes exactly one wake call and that sleeper returns.
 */
static void wake_policy_timed_out_waiter_leaves_no_registration(void **state)
{
	unsigned long w0, k0;
	fsem_bounded_t b;
	fsem_t sem;
	int i;

	(void)state;
	for (i = 0; i < NPAIRINGS; i++) {
		const struct pairing *p = &pairings[i];
		struct runner r = { .sem = &sem, .b = &b, .call = p->block };

		/* Alone: the post finds nobody registered. */
		setup(p, &sem, &b, 1);
		time_out(p, &sem, &b);
		k0 = wakes();
		assert_int_equal(give(p, &sem, &b), 0);
		if (wakes() - k0 != 0)
			fail_msg("%s: %lu wake calls after a timeout alone",
				 p->name, wakes() - k0);
		if (!p->bounded) {
			assert_int_equal(value(&sem), 1);
			assert_int_equal(fsem_trywait(&sem), 0);
			assert_int_equal(fsem_destroy(&sem), 0);
		} else {
			/* The give moved the one permit, for nobody. */
			assert_int_equal(given_out(&b), p->release ? 1 : 0);
			assert_int_equal(p->release ?
					 fsem_bounded_tryrelease(&b) :
					 fsem_bounded_tryacquire(&b), 0);
			assert_int_equal(fsem_bounded_destroy(&b), 0);
		}

		/* Beside a sleeper: one wake call, for the sleeper. */
		setup(p, &sem, &b, 1);
		w0 = waits();
		start(&r);
		wait_asleep(&r, 1, w0);
		time_out(p, &sem, &b);
		test_wait_blocked(test_tid_get(&r.tid));
		assert_int_equal(atomic_load(&r.done), 0);
		k0 = wakes();
		assert_int_equal(give(p, &sem, &b), 0);
		finish(&r);
		if (r.ret != 0 || wakes() - k0 != 1)
			fail_msg("%s: sleeper returned %d, %lu wake calls, "
				 "expected 1", p->name, r.ret, wakes() - k0);
		check_settled(p, &sem, &b, 1);
	}
}

/* A try-call that fails neither sleeps nor wakes anybody. */
static void wake_policy_failed_try_makes_no_call(void **state)
{
	struct runner r;
	unsigned long w0, k0;
	fsem_bounded_t b;
	fsem_t sem;
	int f;

	(void)state;
	for (f = 0; f < NFLAGS; f++) {
		assert_int_equal(fsem_init(&sem, flag_sets[f], 0), 0);
		assert_int_equal(fsem_bounded_init(&b, flag_sets[f], 1), 0);
		w0 = waits();
		k0 = wakes();
		errno = 0;
		assert_int_equal(fsem_trywait(&sem), -1);
		assert_int_equal(errno, EAGAIN);
		errno = 0;
		assert_int_equal(fsem_bounded_tryrelease(&b), -1);
		assert_int_equal(errno, EAGAIN);
		assert_int_equal(fsem_bounded_tryacquire(&b), 0);
		errno = 0;
		assert_int_equal(fsem_bounded_tryacquire(&b), -1);
		assert_int_equal(errno, EAGAIN);
		assert_int_equal(waits() - w0, 0);
		assert_int_equal(wakes() - k0, 0);
		assert_int_equal(value(&sem), 0);
		assert_int_equal(given_out(&b), 1);
		assert_int_equal(fsem_destroy(&sem), 0);
		assert_int_equal(fsem_bounded_destroy(&b), 0);
	}

	/* With a sleeper queued the try still fails and wakes nobody. */
	memset(&r, 0, sizeof(r));
	r.sem = &sem;
	r.call = call_wait;
	assert_int_equal(fsem_init(&sem, FSEM_NOSPIN, 0), 0);
	w0 = waits();
	start(&r);
	wait_asleep(&r, 1, w0);
	k0 = wakes();
	errno = 0;
	assert_int_equal(fsem_trywait(&sem), -1);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(wakes() - k0, 0);
	/* ... and left the sleeper registered: the post wakes it. */
	assert_int_equal(fsem_post(&sem), 0);
	finish(&r);
	assert_int_equal(r.ret, 0);
	assert_int_equal(wakes() - k0, 1);
	assert_int_equal(value(&sem), 0);
	assert_int_equal(fsem_destroy(&sem), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(wake_policy_uncontended_post_makes_no_call),
		cmocka_unit_test(wake_policy_uncontended_loop_makes_no_call),
		cmocka_unit_test(wake_policy_one_sleeper_one_wake),
		cmocka_unit_test(wake_policy_two_sleepers_two_posts_wake_both),
		cmocka_unit_test(
			wake_policy_timed_out_waiter_leaves_no_registration),
		cmocka_unit_test(wake_policy_failed_try_makes_no_call),
	};

	return cmocka_run_group_tests_name("wake_policy", tests, NULL, NULL);
}
