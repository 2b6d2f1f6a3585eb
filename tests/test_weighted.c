/* SPDX-License-Identifier: MIT */
/*
 * test_weighted.c - the _n calls take or give n permits at once or none:
 * a blocked request for n wakes only when n are there, takes nothing
 * before, cannot deadlock with another half-served one, and is not starved
 * by a thread that loops on single permits (default policy: by the bound;
 * FSEM_FIFO: in strict order).
 *
 * Blocked threads are confirmed asleep in the futex system call (/proc)
 * before the step that must not release them; that they stay blocked is
 * shown by the permits still being there, not by waiting.
 */
#define _GNU_SOURCE	/* pthread_timedjoin_np */
#include "common.h"

#include <stdbool.h>

#define HANDSHAKE_NS	(10 * 1000000000LL)
#define FAR_NS		(3600 * 1000000000LL)

static const int flag_sets[] = { 0, FSEM_NOSPIN, FSEM_SHARED, FSEM_FIFO,
				 FSEM_FIFO | FSEM_NOSPIN };
#define NFLAGS (sizeof(flag_sets) / sizeof(*flag_sets))

enum call { WAIT_N, CLOCKWAIT_N, ACQUIRE_N, RELEASE_N, CLOCKRELEASE_N };

struct blocked {
	pthread_t thread;
	struct test_tid tid;
	enum call call;
	unsigned int n;
	fsem_t *sem;
	fsem_bounded_t *b;
	_Atomic bool done;
	int ret, err;
};

/*
 * A frame a cancellation abandons (weighted_fifo_leaver_opens_the_gate):
 * uninstrumented, as in src/handoff.h (FSEM_UNWOUND_), or AddressSanitizer
 * would find the redzones of @far still poisoned at thread exit.
 */
__attribute__((no_sanitize_address))
static void *run_blocked(void *arg)
{
	struct blocked *t = arg;
	struct timespec far = test_deadline(CLOCK_MONOTONIC, FAR_NS);

	test_tid_publish(&t->tid);
	errno = 0;
	switch (t->call) {
	case WAIT_N: t->ret = fsem_wait_n(t->sem, t->n); break;
	case CLOCKWAIT_N:
		t->ret = fsem_clockwait_n(t->sem, t->n, CLOCK_MONOTONIC, &far);
		break;
	case ACQUIRE_N: t->ret = fsem_bounded_acquire_n(t->b, t->n); break;
	case RELEASE_N: t->ret = fsem_bounded_release_n(t->b, t->n); break;
	case CLOCKRELEASE_N:
		t->ret = fsem_bounded_clockrelease_n(t->b, t->n,
						     CLOCK_MONOTONIC, &far);
		break;
	}
	t->err = errno;
	atomic_store(&t->done, true);
	return NULL;
}

static void start(struct blocked *t, enum call c, unsigned int n,
		  fsem_t *sem, fsem_bounded_t *b)
{
	memset(t, 0, sizeof(*t));
	t->call = c;
	t->n = n;
	t->sem = sem;
	t->b = b;
	assert_int_equal(pthread_create(&t->thread, NULL, run_blocked, t), 0);
	test_wait_blocked(test_tid_get(&t->tid));
}

static void join(struct blocked *t, int ret, int err)
{
	struct timespec abs = test_deadline(CLOCK_REALTIME, HANDSHAKE_NS);

	if (test_timedjoin(t->thread, NULL, &abs) != 0)
		fail_msg("a blocked _n call never returned");
	assert_int_equal(t->ret, ret);
	if (ret)
		assert_int_equal(t->err, err);
}

static int value(fsem_t *sem)
{
	int v = -1;

	assert_int_equal(fsem_getvalue(sem, &v), 0);
	return v;
}

static int given(fsem_bounded_t *b)
{
	int v = -1;

	assert_int_equal(fsem_bounded_given_out(b, &v), 0);
	return v;
}

#define EXPECT_ERR(err, call)						\
	do {								\
		errno = 0;						\
		assert_int_equal((call), -1);				\
		assert_int_equal(errno, (err));				\
	} while (0)

/* Bad input gives EINVAL, n == 0 does nothing, under either protocol. */
static void weighted_bad_input_and_edges(void **state)
{
	struct timespec past = { 0, 0 }, bad = { 0, 1000000000L };
	fsem_bounded_t b;
	fsem_t s;

	(void)state;
	EXPECT_ERR(EINVAL, fsem_wait_n(NULL, 2));
	EXPECT_ERR(EINVAL, fsem_trywait_n(NULL, 2));
	EXPECT_ERR(EINVAL, fsem_timedwait_n(NULL, 2, &past));
	EXPECT_ERR(EINVAL, fsem_bounded_acquire_n(NULL, 2));
	EXPECT_ERR(EINVAL, fsem_bounded_tryrelease_n(NULL, 2));
	assert_int_equal(fsem_init(&s, 0, 5), 0);
	EXPECT_ERR(EINVAL, fsem_wait_n(&s, FSEM_VALUE_MAX + 1u));
	EXPECT_ERR(EINVAL, fsem_clockwait_n(&s, 2, CLOCK_PROCESS_CPUTIME_ID,
					    &past));
	EXPECT_ERR(EINVAL, fsem_timedwait_n(&s, 2, &bad));
	EXPECT_ERR(EINVAL, fsem_timedwait_n(&s, 2, NULL));
	assert_int_equal(value(&s), 5);		/* nothing moved */
	assert_int_equal(fsem_wait_n(&s, 0), 0);
	assert_int_equal(fsem_trywait_n(&s, 0), 0);
	assert_int_equal(value(&s), 5);
	assert_int_equal(fsem_timedwait_n(&s, 5, &past), 0);	/* free */
	EXPECT_ERR(ETIMEDOUT, fsem_timedwait_n(&s, 2, &past));
	assert_int_equal(value(&s), 0);

	assert_int_equal(fsem_bounded_init(&b, 0, 4), 0);
	EXPECT_ERR(EINVAL, fsem_bounded_acquire_n(&b, 5));
	EXPECT_ERR(EINVAL, fsem_bounded_release_n(&b, 5));
	assert_int_equal(fsem_bounded_acquire_n(&b, 0), 0);
	assert_int_equal(given(&b), 0);

	assert_int_equal(fsem_init(&s, FSEM_FIFO, 3), 0);
	EXPECT_ERR(EINVAL, fsem_wait_n(&s, FSEM_VALUE_MAX + 1u));
	EXPECT_ERR(EINVAL, fsem_timedwait_n(&s, 2, &bad));
	EXPECT_ERR(ETIMEDOUT, fsem_timedwait_n(&s, 4, &past));
	assert_int_equal(value(&s), 3);		/* nothing moved */
	assert_int_equal(fsem_destroy(&s), 0);	/* no gate left behind */
	assert_int_equal(fsem_timedwait_n(&s, 2, &past), 0);	/* free */
	assert_int_equal(value(&s), 1);
	assert_int_equal(fsem_bounded_init(&b, FSEM_FIFO, 4), 0);
	EXPECT_ERR(EINVAL, fsem_bounded_acquire_n(&b, 5));
	EXPECT_ERR(ETIMEDOUT, fsem_bounded_clockrelease_n(&b, 2,
						CLOCK_MONOTONIC, &past));
	assert_int_equal(fsem_bounded_destroy(&b), 0);
	assert_int_equal(fsem_bounded_acquire_n(&b, 3), 0);
	assert_int_equal(given(&b), 3);
}

/*
 * A try for n takes n or nothing, in both types and directions, under
 * every policy (FSEM_FIFO's too).
 */
static void weighted_try_all_or_nothing(void **state)
{
	static const int try_flags[] = { 0, FSEM_NOSPIN, FSEM_SHARED,
					 FSEM_FIFO };

	(void)state;
	for (size_t f = 0; f < sizeof(try_flags) / sizeof(*try_flags); f++) {
		fsem_bounded_t b;
		fsem_t s;

		assert_int_equal(fsem_init(&s, try_flags[f], 3), 0);
		EXPECT_ERR(EAGAIN, fsem_trywait_n(&s, 4));
		assert_int_equal(value(&s), 3);
		assert_int_equal(fsem_trywait_n(&s, 3), 0);
		assert_int_equal(value(&s), 0);
		assert_int_equal(fsem_post_n(&s, 2), 0);
		EXPECT_ERR(EAGAIN, fsem_trywait_n(&s, 3));
		assert_int_equal(value(&s), 2);

		assert_int_equal(fsem_bounded_init(&b, try_flags[f], 5), 0);
		assert_int_equal(fsem_bounded_tryacquire_n(&b, 3), 0);
		EXPECT_ERR(EAGAIN, fsem_bounded_tryacquire_n(&b, 3));
		assert_int_equal(given(&b), 3);
		EXPECT_ERR(EAGAIN, fsem_bounded_tryrelease_n(&b, 4));
		assert_int_equal(given(&b), 3);
		assert_int_equal(fsem_bounded_tryrelease_n(&b, 3), 0);
		assert_int_equal(given(&b), 0);
	}
}

/*
 * FSEM_FIFO: a try for n never takes a permit a blocked waiter of its own
 * kind is owed, and pays the blocked debtors of the other kind that its
 * steps cover (a token each), no more and no fewer.
 */
static void weighted_fifo_try_pays_the_other_kind(void **state)
{
	struct blocked t[2];
	fsem_bounded_t b;
	fsem_t s;
	int acq = -1, rel = -1;

	(void)state;
	assert_int_equal(fsem_init(&s, FSEM_FIFO, 0), 0);
	start(&t[0], WAIT_N, 1, &s, NULL);	/* a debtor: count -1 */
	assert_int_equal(fsem_post_n(&s, 2), 0);  /* its token, 1 free */
	join(&t[0], 0, 0);
	EXPECT_ERR(EAGAIN, fsem_trywait_n(&s, 2));
	assert_int_equal(fsem_trywait_n(&s, 1), 0);
	assert_int_equal(value(&s), 0);
	assert_int_equal(fsem_destroy(&s), 0);

	/* none out, two releasers blocked: an acquire of 3 pays both */
	assert_int_equal(fsem_bounded_init(&b, FSEM_FIFO, 4), 0);
	start(&t[0], RELEASE_N, 1, NULL, &b);
	start(&t[1], CLOCKRELEASE_N, 1, NULL, &b);
	EXPECT_ERR(EAGAIN, fsem_bounded_tryrelease_n(&b, 2));
	assert_int_equal(fsem_bounded_tryacquire_n(&b, 3), 0);
	join(&t[0], 0, 0);
	join(&t[1], 0, 0);
	assert_int_equal(given(&b), 1);
	assert_int_equal(fsem_bounded_waiters(&b, &acq, &rel), 0);
	assert_int_equal(acq, 0);
	assert_int_equal(rel, 0);

	/* all out, one acquirer blocked: a release of 2 pays it, frees 1 */
	assert_int_equal(fsem_bounded_tryacquire_n(&b, 3), 0);
	start(&t[0], ACQUIRE_N, 1, NULL, &b);
	EXPECT_ERR(EAGAIN, fsem_bounded_tryacquire_n(&b, 1));
	assert_int_equal(fsem_bounded_tryrelease_n(&b, 2), 0);
	join(&t[0], 0, 0);
	assert_int_equal(given(&b), 3);
	assert_int_equal(fsem_bounded_tryrelease_n(&b, 3), 0);
	assert_int_equal(given(&b), 0);
	assert_int_equal(fsem_bounded_destroy(&b), 0);
}

/* A blocked wait for 3 takes nothing from 1 and 2, then wakes on the 3rd. */
static void weighted_wait_wakes_only_when_all_are_there(void **state)
{
	(void)state;
	for (size_t f = 0; f < NFLAGS; f++) {
		for (int c = WAIT_N; c <= CLOCKWAIT_N; c++) {
			struct blocked t;
			fsem_t s;

			assert_int_equal(fsem_init(&s, flag_sets[f], 0), 0);
			start(&t, (enum call)c, 3, &s, NULL);
			assert_int_equal(fsem_post(&s), 0);
			assert_int_equal(fsem_post(&s), 0);
			/* woken (Q2) or not, it sleeps again with 2 there */
			test_wait_blocked(test_tid_get(&t.tid));
			assert_int_equal(value(&s), 2);
			assert_false(atomic_load(&t.done));
			assert_int_equal(fsem_post(&s), 0);
			join(&t, 0, 0);
			assert_int_equal(value(&s), 0);
			/* and post_n(3) wakes one at once */
			start(&t, (enum call)c, 3, &s, NULL);
			assert_int_equal(fsem_post_n(&s, 3), 0);
			join(&t, 0, 0);
			assert_int_equal(value(&s), 0);
			assert_int_equal(fsem_destroy(&s), 0);
		}
	}
}

/*
 * Bounded: an acquire of 3 waits until 3 are available, a release of 2
 * until 2 are given out; single steps of the other kind let them through.
 */
static void weighted_bounded_both_directions(void **state)
{
	(void)state;
	for (size_t f = 0; f < NFLAGS; f++) {
		struct blocked t;
		fsem_bounded_t b;

		assert_int_equal(fsem_bounded_init(&b, flag_sets[f], 4), 0);
		assert_int_equal(fsem_bounded_tryacquire_n(&b, 3), 0);
		start(&t, ACQUIRE_N, 3, NULL, &b);
		assert_int_equal(fsem_bounded_tryrelease(&b), 0);
		test_wait_blocked(test_tid_get(&t.tid));
		assert_int_equal(given(&b), 2);	/* 2 available: not enough */
		assert_false(atomic_load(&t.done));
		assert_int_equal(fsem_bounded_tryrelease(&b), 0);
		join(&t, 0, 0);
		assert_int_equal(given(&b), 4);
		assert_int_equal(fsem_bounded_tryrelease_n(&b, 4), 0);

		assert_int_equal(fsem_bounded_tryacquire(&b), 0);
		for (int c = RELEASE_N; c <= CLOCKRELEASE_N; c++) {
			start(&t, (enum call)c, 2, NULL, &b);
			assert_int_equal(given(&b), 1);
			assert_int_equal(fsem_bounded_tryacquire(&b), 0);
			join(&t, 0, 0);
			assert_int_equal(given(&b), 0);
			assert_int_equal(fsem_bounded_tryacquire(&b), 0);
		}
		assert_int_equal(fsem_bounded_tryrelease(&b), 0);
		assert_int_equal(fsem_bounded_destroy(&b), 0);
	}
}

/* A timed request for 2 with 1 there times out and takes nothing. */
static void weighted_timeout_takes_nothing(void **state)
{
	(void)state;
	for (size_t f = 0; f < NFLAGS; f++) {
		struct timespec d;
		fsem_bounded_t b;
		fsem_t s;

		assert_int_equal(fsem_init(&s, flag_sets[f], 1), 0);
		d = test_deadline(CLOCK_MONOTONIC, 20 * 1000000LL);
		EXPECT_ERR(ETIMEDOUT, fsem_clockwait_n(&s, 2, CLOCK_MONOTONIC,
						       &d));
		assert_int_equal(value(&s), 1);
		assert_int_equal(fsem_destroy(&s), 0);	/* deregistered */
		assert_int_equal(fsem_bounded_init(&b, flag_sets[f], 2), 0);
		assert_int_equal(fsem_bounded_tryacquire(&b), 0);
		d = test_deadline(CLOCK_MONOTONIC, 20 * 1000000LL);
		EXPECT_ERR(ETIMEDOUT, fsem_bounded_clockacquire_n(&b, 2,
						CLOCK_MONOTONIC, &d));
		assert_int_equal(given(&b), 1);
		assert_int_equal(fsem_bounded_destroy(&b), 0);
	}
}

/*
 * FSEM_FIFO keeps strict order (G2 in handoff.c): while a weighted call
 * waits, no call of its kind takes a permit, not even a free one: a
 * try-call answers EAGAIN and a blocking one is held behind it (and
 * counted by the waiters call); once the weighted call is served, the
 * held one is next. fsem_t, then both directions of the bounded type.
 */
static void weighted_fifo_strict_order(void **state)
{
	struct blocked w, t;
	fsem_bounded_t b;
	fsem_t s;
	int n = -1, a = -1, r = -1;

	(void)state;
	assert_int_equal(fsem_init(&s, FSEM_FIFO, 1), 0);
	start(&w, WAIT_N, 3, &s, NULL);
	assert_int_equal(fsem_post(&s), 0);	/* 2 free: not enough */
	EXPECT_ERR(EAGAIN, fsem_trywait(&s));
	EXPECT_ERR(EAGAIN, fsem_trywait_n(&s, 2));
	start(&t, WAIT_N, 1, &s, NULL);		/* held, with 2 free */
	assert_int_equal(fsem_waiters(&s, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(value(&s), 2);
	assert_int_equal(fsem_post(&s), 0);
	join(&w, 0, 0);				/* all 3 at once */
	test_wait_blocked(test_tid_get(&t.tid));	/* now a debtor */
	assert_int_equal(value(&s), 0);
	assert_false(atomic_load(&t.done));
	assert_int_equal(fsem_post(&s), 0);
	join(&t, 0, 0);
	assert_int_equal(value(&s), 0);
	assert_int_equal(fsem_destroy(&s), 0);

	assert_int_equal(fsem_bounded_init(&b, FSEM_FIFO, 4), 0);
	assert_int_equal(fsem_bounded_tryacquire_n(&b, 3), 0);
	start(&w, ACQUIRE_N, 2, NULL, &b);	/* 1 available */
	EXPECT_ERR(EAGAIN, fsem_bounded_tryacquire(&b));
	start(&t, ACQUIRE_N, 1, NULL, &b);	/* held, with 1 there */
	assert_int_equal(fsem_bounded_waiters(&b, &a, &r), 0);
	assert_int_equal(a, 2);
	assert_int_equal(r, 0);
	assert_int_equal(given(&b), 3);
	assert_int_equal(fsem_bounded_tryrelease(&b), 0);
	join(&w, 0, 0);
	test_wait_blocked(test_tid_get(&t.tid));
	assert_int_equal(given(&b), 4);
	assert_false(atomic_load(&t.done));
	assert_int_equal(fsem_bounded_tryrelease(&b), 0);
	join(&t, 0, 0);
	assert_int_equal(given(&b), 4);

	assert_int_equal(fsem_bounded_tryrelease_n(&b, 3), 0);
	start(&w, RELEASE_N, 2, NULL, &b);	/* 1 given out */
	EXPECT_ERR(EAGAIN, fsem_bounded_tryrelease(&b));
	start(&t, CLOCKRELEASE_N, 1, NULL, &b);	/* held, with 1 out */
	assert_int_equal(fsem_bounded_waiters(&b, &a, &r), 0);
	assert_int_equal(a, 0);
	assert_int_equal(r, 2);
	assert_int_equal(fsem_bounded_tryacquire(&b), 0);
	join(&w, 0, 0);
	test_wait_blocked(test_tid_get(&t.tid));
	assert_int_equal(given(&b), 0);
	assert_false(atomic_load(&t.done));
	assert_int_equal(fsem_bounded_tryacquire(&b), 0);
	join(&t, 0, 0);
	assert_int_equal(given(&b), 0);
	assert_int_equal(fsem_bounded_destroy(&b), 0);
}

/*
 * FSEM_FIFO: a weighted call that leaves (here cancelled) took nothing
 * and opens its gate, so the call held behind it takes the free permit.
 */
static void weighted_fifo_leaver_opens_the_gate(void **state)
{
	struct blocked w, t;
	fsem_bounded_t b;
	void *res = NULL;
	fsem_t s;

	(void)state;
	assert_int_equal(fsem_init(&s, FSEM_FIFO, 1), 0);
	start(&w, WAIT_N, 2, &s, NULL);
	start(&t, WAIT_N, 1, &s, NULL);		/* held, with 1 free */
	assert_int_equal(value(&s), 1);
	assert_false(atomic_load(&t.done));
	assert_int_equal(pthread_cancel(w.thread), 0);
	join(&t, 0, 0);
	assert_int_equal(pthread_join(w.thread, &res), 0);
	assert_ptr_equal(res, PTHREAD_CANCELED);
	assert_int_equal(value(&s), 0);
	assert_int_equal(fsem_destroy(&s), 0);

	assert_int_equal(fsem_bounded_init(&b, FSEM_FIFO, 2), 0);
	assert_int_equal(fsem_bounded_tryacquire(&b), 0);
	start(&w, CLOCKRELEASE_N, 2, NULL, &b);
	start(&t, RELEASE_N, 1, NULL, &b);	/* held, with 1 out */
	assert_int_equal(pthread_cancel(w.thread), 0);
	join(&t, 0, 0);
	assert_int_equal(pthread_join(w.thread, &res), 0);
	assert_ptr_equal(res, PTHREAD_CANCELED);
	assert_int_equal(given(&b), 0);
	assert_int_equal(fsem_bounded_destroy(&b), 0);
}

/* Weighted sleepers are counted by fsem_waiters and freed by shutdown. */
static void weighted_waiters_and_shutdown(void **state)
{
	(void)state;
	for (size_t f = 0; f < NFLAGS; f++) {
		struct blocked t[2];
		fsem_bounded_t b;
		fsem_t s;
		int n = -1, a = -1, r = -1;

		assert_int_equal(fsem_init(&s, flag_sets[f], 1), 0);
		start(&t[0], WAIT_N, 2, &s, NULL);
		start(&t[1], CLOCKWAIT_N, 3, &s, NULL);
		assert_int_equal(fsem_waiters(&s, &n), 0);
		assert_int_equal(n, 2);
		assert_int_equal(fsem_shutdown(&s), 0);
		join(&t[0], -1, ECANCELED);
		join(&t[1], -1, ECANCELED);
		assert_int_equal(value(&s), 1);
		assert_int_equal(fsem_destroy(&s), 0);

		assert_int_equal(fsem_bounded_init(&b, flag_sets[f], 3), 0);
		start(&t[0], RELEASE_N, 2, NULL, &b);
		assert_int_equal(fsem_bounded_waiters(&b, &a, &r), 0);
		assert_int_equal(a, 0);
		assert_int_equal(r, 1);
		assert_int_equal(fsem_bounded_shutdown(&b), 0);
		join(&t[0], -1, ECANCELED);
		assert_int_equal(given(&b), 0);
		assert_int_equal(fsem_bounded_destroy(&b), 0);
	}
}

/* Two requests for 3 of 4 permits, each in a loop: no deadlock. */
struct half {
	fsem_bounded_t *b;
	int rounds;
	_Atomic int *bad;
};

static void *half_loop(void *arg)
{
	struct half *h = arg;
	int g;

	for (int i = 0; i < h->rounds; i++) {
		if (fsem_bounded_acquire_n(h->b, 3) != 0)
			atomic_fetch_add(h->bad, 1);
		if (fsem_bounded_given_out(h->b, &g) || g < 3 || g > 4)
			atomic_fetch_add(h->bad, 1);
		if (fsem_bounded_release_n(h->b, 3) != 0)
			atomic_fetch_add(h->bad, 1);
	}
	return NULL;
}

static void weighted_no_deadlock_between_halves(void **state)
{
	(void)state;
	for (size_t f = 0; f < NFLAGS; f++) {
		_Atomic int bad = 0;
		fsem_bounded_t b;
		struct half h = { &b, 2000, &bad };
		pthread_t th[2];
		struct timespec abs;

		assert_int_equal(fsem_bounded_init(&b, flag_sets[f], 4), 0);
		for (int i = 0; i < 2; i++)
			assert_int_equal(pthread_create(&th[i], NULL,
							half_loop, &h), 0);
		for (int i = 0; i < 2; i++) {
			abs = test_deadline(CLOCK_REALTIME, 60 * HANDSHAKE_NS);
			if (test_timedjoin(th[i], NULL, &abs) != 0)
				fail_msg("two requests for 3 of 4 deadlocked");
		}
		assert_int_equal(atomic_load(&bad), 0);
		assert_int_equal(given(&b), 0);
		assert_int_equal(fsem_bounded_destroy(&b), 0);
	}
}

/*
 * Starvation: a looper takes one of 2 permits, holds it about 30 us and
 * gives it back, without end; an asker asks for both every few ms with a
 * 1 s deadline. It never times out: under the default policy, once it
 * has waited past FSEM_STARVE_MS the permits pile up for it (Q3 in
 * shared.c); under FSEM_FIFO the looper's next wait is held behind it at
 * once (G2 in handoff.c).
 */
struct looper {
	fsem_t *s;
	fsem_bounded_t *b;
	_Atomic bool stop;
	_Atomic long rounds;
};

static void *loop_singles(void *arg)
{
	struct looper *l = arg;

	while (!atomic_load(&l->stop)) {
		if (l->s ? fsem_wait(l->s) : fsem_bounded_acquire(l->b))
			continue;
		int64_t end = test_now_ns(CLOCK_MONOTONIC) + 30000;

		while (test_now_ns(CLOCK_MONOTONIC) < end)
			;	/* hold it */
		if (l->s)
			(void)fsem_post(l->s);
		else
			(void)fsem_bounded_release(l->b);
		atomic_fetch_add(&l->rounds, 1);
	}
	return NULL;
}

static void weighted_not_starved_by_singles(void **state)
{
	(void)state;
	for (int k = 0; k < 4; k++) {
		int bounded = k % 2, flags = k < 2 ? 0 : FSEM_FIFO;
		struct looper l = { 0 };
		fsem_bounded_t b;
		pthread_t th;
		fsem_t s;
		int asks = 100 / test_slowdown(), late = 0;

		if (bounded) {
			assert_int_equal(fsem_bounded_init(&b, flags, 2), 0);
			l.b = &b;
		} else {
			assert_int_equal(fsem_init(&s, flags, 2), 0);
			l.s = &s;
		}
		assert_int_equal(pthread_create(&th, NULL, loop_singles, &l),
				 0);
		for (int i = 0; i < asks; i++) {
			struct timespec d = test_deadline(CLOCK_MONOTONIC,
							  1000000000LL);
			struct timespec gap = { 0, 2000000 };
			int r = bounded ?
				fsem_bounded_clockacquire_n(&b, 2,
						CLOCK_MONOTONIC, &d) :
				fsem_clockwait_n(&s, 2, CLOCK_MONOTONIC, &d);

			if (r != 0) {
				late++;
				continue;
			}
			if (bounded)
				assert_int_equal(fsem_bounded_release_n(&b, 2),
						 0);
			else
				assert_int_equal(fsem_post_n(&s, 2), 0);
			nanosleep(&gap, NULL);	/* the asker's pace */
		}
		atomic_store(&l.stop, true);
		pthread_join(th, NULL);
		print_message("[ weighted ] %s%s: %d asks for 2, %d late, "
			      "looper %ld rounds\n", bounded ? "bounded" :
			      "fsem_t", flags ? " FSEM_FIFO" : "", asks, late,
			      atomic_load(&l.rounds));
		assert_int_equal(late, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(weighted_bad_input_and_edges),
		cmocka_unit_test(weighted_try_all_or_nothing),
		cmocka_unit_test(weighted_fifo_try_pays_the_other_kind),
		cmocka_unit_test(weighted_wait_wakes_only_when_all_are_there),
		cmocka_unit_test(weighted_bounded_both_directions),
		cmocka_unit_test(weighted_timeout_takes_nothing),
		cmocka_unit_test(weighted_fifo_strict_order),
		cmocka_unit_test(weighted_fifo_leaver_opens_the_gate),
		cmocka_unit_test(weighted_waiters_and_shutdown),
		cmocka_unit_test(weighted_no_deadlock_between_halves),
		cmocka_unit_test(weighted_not_starved_by_singles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
