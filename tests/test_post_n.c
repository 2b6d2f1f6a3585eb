/* SPDX-License-Identifier: MIT */
/*
 * test_post_n.c - fsem_post_n(sem, n) adds n permits and wakes up to n
 * sleepers with one system call, counted through the futex test seam.
 *
 * Sleepers are made with FSEM_NOSPIN and confirmed asleep (the seam counted
 * their futex waits and the kernel reports them blocked) before the post.
 * That a thread stays blocked is shown by counting returns and permits, not
 * by waiting to see that nothing happens.
 */
#include "common.h"

#include <stdbool.h>

#include "seam.h"

/* Limit of every handshake below: only a broken test or library needs it. */
#define HANDSHAKE_NS	(10 * 1000000000LL)
#define MAX_SLEEPERS	8

/* A thread blocked in fsem_wait(); done is set once it has returned. */
struct sleeper {
	pthread_t thread;
	struct test_tid tid;
	_Atomic int done;
	int ret;
	int err;
	fsem_t *sem;
};

static void *run_wait(void *arg)
{
	struct sleeper *s = arg;

	test_tid_publish(&s->tid);
	errno = 0;
	s->ret = fsem_wait(s->sem);
	s->err = errno;
	atomic_store(&s->done, 1);
	return NULL;
}

/* Start @n sleepers on @sem and return once all of them are asleep. */
static void start_asleep(struct sleeper *s, int n, fsem_t *sem)
{
	unsigned long base = waits();
	int64_t end = test_now_ns(CLOCK_MONOTONIC) + HANDSHAKE_NS;
	int i;

	memset(s, 0, sizeof(*s) * (size_t)n);
	for (i = 0; i < n; i++) {
		s[i].sem = sem;
		assert_int_equal(pthread_create(&s[i].thread, NULL, run_wait,
						&s[i]), 0);
	}
	/* Each registers before its first futex wait. */
	while (waits() - base < (unsigned long)n) {
		if (test_now_ns(CLOCK_MONOTONIC) > end)
			fail_msg("%d sleepers never reached the futex", n);
		sched_yield();
	}
	for (i = 0; i < n; i++)
		test_wait_blocked(test_tid_get(&s[i].tid));
}

static void finish(struct sleeper *s)
{
	assert_int_equal(pthread_join(s->thread, NULL), 0);
	assert_int_equal(atomic_load(&s->done), 1);
	if (s->ret != 0)
		fail_msg("a woken sleeper returned %d errno %d", s->ret,
			 s->err);
}

static int count_done(struct sleeper *s, int n)
{
	int i, done = 0;

	for (i = 0; i < n; i++)
		done += atomic_load(&s[i].done);
	return done;
}

/*
 * Wait until each of the @n sleepers has returned or sleeps in the futex.
 * A returned thread never sleeps here again, and a sleeper the kernel
 * reports blocked was not woken (a woken one is runnable), so the number
 * returned is final until the next post.
 */
static int settle(struct sleeper *s, int n)
{
	int64_t end = test_now_ns(CLOCK_MONOTONIC) + HANDSHAKE_NS;
	int i;

	for (i = 0; i < n; i++) {
		pid_t tid = test_tid_get(&s[i].tid);

		while (!atomic_load(&s[i].done) && !test_is_blocked(tid)) {
			if (test_now_ns(CLOCK_MONOTONIC) > end)
				fail_msg("sleeper %d neither returned nor "
					 "slept", i);
			sched_yield();
		}
	}
	return count_done(s, n);
}

static int value(fsem_t *sem)
{
	int v = -1;

	assert_int_equal(fsem_getvalue(sem, &v), 0);
	return v;
}

/* fsem_post_n(sem, n) with n sleepers: all return, one wake call. */
static void post_n_wakes_all_n_with_one_call(void **state)
{
	struct sleeper s[MAX_SLEEPERS];
	unsigned long k0;
	fsem_t sem;
	int n, i;

	(void)state;
	for (n = 1; n <= MAX_SLEEPERS; n++) {
		assert_int_equal(fsem_init(&sem, FSEM_NOSPIN, 0), 0);
		start_asleep(s, n, &sem);
		k0 = wakes();
		assert_int_equal(fsem_post_n(&sem, (unsigned int)n), 0);
		for (i = 0; i < n; i++)
			finish(&s[i]);
		if (wakes() - k0 != 1)
			fail_msg("post_n(%d) with %d sleepers made %lu wake "
				 "calls, expected 1", n, n, wakes() - k0);
		assert_int_equal(value(&sem), 0);
		errno = 0;
		assert_int_equal(fsem_trywait(&sem), -1);
		assert_int_equal(errno, EAGAIN);
		assert_int_equal(fsem_destroy(&sem), 0);
	}
}

/*
 * post_n(k) with n > k sleepers lets exactly k return; the other n - k stay
 * asleep and owed nothing, until post_n(n - k) frees them too. A post_n(k)
 * that handed out one permit too many would let k + 1 return now, and
 * would leave a free permit after the second post_n.
 */
static void post_n_wakes_exactly_k_of_n(void **state)
{
	static const int cases[][2] = { { 2, 1 }, { 5, 2 }, { 8, 7 } };
	struct sleeper s[MAX_SLEEPERS];
	unsigned long k0;
	int64_t end;
	fsem_t sem;
	int c, n, k, i, done;

	(void)state;
	for (c = 0; c < 3; c++) {
		n = cases[c][0];
		k = cases[c][1];
		assert_int_equal(fsem_init(&sem, FSEM_NOSPIN, 0), 0);
		start_asleep(s, n, &sem);

		k0 = wakes();
		assert_int_equal(fsem_post_n(&sem, (unsigned int)k), 0);
		/* Exactly k return: wait for them, then for the rest. */
		end = test_now_ns(CLOCK_MONOTONIC) + HANDSHAKE_NS;
		while (count_done(s, n) < k) {
			if (test_now_ns(CLOCK_MONOTONIC) > end)
				fail_msg("post_n(%d) with %d sleepers let "
					 "only %d return", k, n,
					 count_done(s, n));
			sched_yield();
		}
		done = settle(s, n);
		if (done != k)
			fail_msg("post_n(%d) with %d sleepers let %d return",
				 k, n, done);
		if (wakes() - k0 != 1)
			fail_msg("post_n(%d) made %lu wake calls", k,
				 wakes() - k0);
		/* Nothing left over for anybody else, and some still wait. */
		assert_int_equal(value(&sem), 0);
		errno = 0;
		assert_int_equal(fsem_trywait(&sem), -1);
		assert_int_equal(errno, EAGAIN);
		errno = 0;
		assert_int_equal(fsem_destroy(&sem), -1);
		assert_int_equal(errno, EBUSY);

		k0 = wakes();
		assert_int_equal(fsem_post_n(&sem, (unsigned int)(n - k)), 0);
		for (i = 0; i < n; i++)
			finish(&s[i]);
		assert_int_equal(wakes() - k0, 1);
		assert_int_equal(value(&sem), 0);
		errno = 0;
		assert_int_equal(fsem_trywait(&sem), -1);
		assert_int_equal(errno, EAGAIN);
		assert_int_equal(fsem_destroy(&sem), 0);
	}
}

/* post_n(n + m) with n sleepers: all n return, m permits stay free. */
static void post_n_surplus_stays_free(void **state)
{
	struct sleeper s[3];
	unsigned long k0;
	fsem_t sem;
	int i;

	(void)state;
	assert_int_equal(fsem_init(&sem, FSEM_NOSPIN, 0), 0);
	start_asleep(s, 3, &sem);
	k0 = wakes();
	assert_int_equal(fsem_post_n(&sem, 3 + 4), 0);
	for (i = 0; i < 3; i++)
		finish(&s[i]);
	assert_int_equal(wakes() - k0, 1);
	assert_int_equal(value(&sem), 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(fsem_trywait(&sem), 0);
	errno = 0;
	assert_int_equal(fsem_trywait(&sem), -1);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(fsem_destroy(&sem), 0);
}

/* post_n(m) with no sleeper: no system call, m more free permits. */
static void post_n_without_sleepers_makes_no_call(void **state)
{
	static const unsigned int starts[] = { 0, 3 };
	static const unsigned int ms[] = { 1, 2, 17, 1000 };
	unsigned long w0, k0;
	unsigned int i, j, t;
	fsem_t sem;
	int flags;

	(void)state;
	/* every valid flag set: both protocols, spinning or not */
	for (flags = 0; flags <= (FSEM_SHARED | FSEM_NOSPIN | FSEM_FIFO);
	     flags++) {
		if ((flags & FSEM_SHARED) && (flags & FSEM_FIFO))
			continue;
		for (i = 0; i < 2; i++) {
			for (j = 0; j < 4; j++) {
				assert_int_equal(fsem_init(&sem, flags,
							   starts[i]), 0);
				w0 = waits();
				k0 = wakes();
				assert_int_equal(fsem_post_n(&sem, ms[j]), 0);
				assert_int_equal(wakes() - k0, 0);
				assert_int_equal(waits() - w0, 0);
				assert_int_equal(value(&sem),
						 (int)(starts[i] + ms[j]));
				for (t = 0; t < starts[i] + ms[j]; t++)
					assert_int_equal(fsem_trywait(&sem),
							 0);
				errno = 0;
				assert_int_equal(fsem_trywait(&sem), -1);
				assert_int_equal(errno, EAGAIN);
				assert_int_equal(fsem_destroy(&sem), 0);
			}
		}
	}
}

/* post_n(0) returns 0 and changes nothing, even with a sleeper queued. */
static void post_n_zero_is_a_no_op(void **state)
{
	struct sleeper s[1];
	unsigned long w0, k0;
	fsem_t sem;

	(void)state;
	assert_int_equal(fsem_init(&sem, 0, 2), 0);
	w0 = waits();
	k0 = wakes();
	assert_int_equal(fsem_post_n(&sem, 0), 0);
	assert_int_equal(waits() - w0, 0);
	assert_int_equal(wakes() - k0, 0);
	assert_int_equal(value(&sem), 2);
	assert_int_equal(fsem_destroy(&sem), 0);

	assert_int_equal(fsem_init(&sem, FSEM_NOSPIN, 0), 0);
	start_asleep(s, 1, &sem);
	k0 = wakes();
	assert_int_equal(fsem_post_n(&sem, 0), 0);
	assert_int_equal(wakes() - k0, 0);
	assert_int_equal(settle(s, 1), 0);	/* still asleep */
	assert_int_equal(value(&sem), 0);
	errno = 0;
	assert_int_equal(fsem_destroy(&sem), -1);
	assert_int_equal(errno, EBUSY);
	/* The sleeper is still registered: one post wakes it. */
	assert_int_equal(fsem_post_n(&sem, 1), 0);
	finish(&s[0]);
	assert_int_equal(wakes() - k0, 1);
	assert_int_equal(value(&sem), 0);
	assert_int_equal(fsem_destroy(&sem), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(post_n_wakes_all_n_with_one_call),
		cmocka_unit_test(post_n_wakes_exactly_k_of_n),
		cmocka_unit_test(post_n_surplus_stays_free),
		cmocka_unit_test(post_n_without_sleepers_makes_no_call),
		cmocka_unit_test(post_n_zero_is_a_no_op),
	};

	return cmocka_run_group_tests_name("post_n", tests, NULL, NULL);
}
