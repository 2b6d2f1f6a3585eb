/* SPDX-License-Identifier: MIT */
/*
 * test_reference.c - the scenarios of the reference texts, asserted by the
 * order of events, never by sleeps.
 *
 * semaphores.md: a semaphore made with 0 remembers a release that comes
 * before anybody waits (the "missed signal" a condition variable loses); a
 * semaphore made without a count starts at 1; a release with several threads
 * blocked unblocks one of them.
 *
 * count-semaphore.md: CountSemaphore(1), task1 acquires four times, task2
 * releases three times; here on fsem_bounded_t. Each acquire after the first
 * completes only after a release has begun, and a release on a semaphore
 * with nothing given out waits for an acquire.
 */
#include "common.h"

#include <stdbool.h>

/* Limit of every handshake below: only a broken test or library needs it. */
#define HANDSHAKE_NS	(10 * 1000000000LL)

/* A thread running one blocking call; done is set once it has returned. */
struct runner {
	pthread_t thread;
	struct test_tid tid;
	_Atomic int done;
	int ret;
	int err;
	fsem_t *sem;
	fsem_bounded_t *bounded;
};

/*
 * Wait until @r has returned or sleeps in a futex; true if it returned.
 * A thread that returns never sleeps here again, so "blocked" is final.
 */
static bool returned_or_blocked(struct runner *r)
{
	int64_t end = test_now_ns(CLOCK_MONOTONIC) + HANDSHAKE_NS;
	pid_t tid = test_tid_get(&r->tid);

	for (;;) {
		if (atomic_load(&r->done))
			return true;
		if (test_is_blocked(tid))
			return atomic_load(&r->done);
		if (test_now_ns(CLOCK_MONOTONIC) > end)
			fail_msg("thread %d neither returned nor blocked",
				 (int)tid);
		sched_yield();
	}
}

static void *run_wait(void *arg)
{
	struct runner *r = arg;

	test_tid_publish(&r->tid);
	errno = 0;
	r->ret = fsem_wait(r->sem);
	r->err = errno;
	atomic_store(&r->done, 1);
	return NULL;
}

static void *run_post(void *arg)
{
	struct runner *r = arg;

	test_tid_publish(&r->tid);
	errno = 0;
	r->ret = fsem_post(r->sem);
	r->err = errno;
	atomic_store(&r->done, 1);
	return NULL;
}

static void *run_release(void *arg)
{
	struct runner *r = arg;

	test_tid_publish(&r->tid);
	errno = 0;
	r->ret = fsem_bounded_release(r->bounded);
	r->err = errno;
	atomic_store(&r->done, 1);
	return NULL;
}

static void start(struct runner *r, void *(*fn)(void *))
{
	assert_int_equal(pthread_create(&r->thread, NULL, fn, r), 0);
}

static void finish(struct runner *r)
{
	assert_int_equal(pthread_join(r->thread, NULL), 0);
	assert_int_equal(atomic_load(&r->done), 1);
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

/*
 * Missed signal: task2 releases before task1 exists; task1's wait returns
 * without blocking and without another post, and the permit is used up.
 */
static void reference_missed_signal_is_remembered(void **state)
{
	fsem_t sem = FSEM_INITIALIZER(0);
	struct runner poster = { .sem = &sem }, waiter = { .sem = &sem };

	(void)state;
	assert_int_equal(value(&sem), 0);
	start(&poster, run_post);
	finish(&poster);		/* task2 is done before task1 starts */
	assert_int_equal(poster.ret, 0);
	assert_int_equal(value(&sem), 1);

	start(&waiter, run_wait);
	if (!returned_or_blocked(&waiter)) {
		fsem_post(&sem);	/* free it before failing */
		finish(&waiter);
		fail_msg("the wait blocked: the earlier post was lost");
	}
	finish(&waiter);
	assert_int_equal(waiter.ret, 0);

	errno = 0;
	assert_int_equal(fsem_trywait(&sem), -1);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(value(&sem), 0);
	assert_int_equal(fsem_destroy(&sem), 0);
}

/* Semaphore() starts at 1: one wait passes at once, the next would block. */
static void reference_default_count_lets_one_through(void **state)
{
	fsem_t sem = FSEM_INITIALIZER(1);
	struct runner waiter = { .sem = &sem };

	(void)state;
	assert_int_equal(value(&sem), 1);
	start(&waiter, run_wait);
	if (!returned_or_blocked(&waiter)) {
		fsem_post(&sem);
		finish(&waiter);
		fail_msg("the first wait on FSEM_INITIALIZER(1) blocked");
	}
	finish(&waiter);
	assert_int_equal(waiter.ret, 0);

	errno = 0;
	assert_int_equal(fsem_trywait(&sem), -1);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(value(&sem), 0);
	assert_int_equal(fsem_destroy(&sem), 0);
}

/* Semaphore(5): five acquires pass, the sixth would block. */
static void reference_count_five_lets_five_through(void **state)
{
	fsem_t sem = FSEM_INITIALIZER(5);
	int i;

	(void)state;
	for (i = 0; i < 5; i++) {
		assert_int_equal(value(&sem), 5 - i);
		assert_int_equal(fsem_trywait(&sem), 0);
	}
	errno = 0;
	assert_int_equal(fsem_trywait(&sem), -1);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(fsem_destroy(&sem), 0);
}

/*
 * "If multiple threads are blocked on the semaphore, then one thread is
 * arbitrarily chosen": one post with two sleepers lets exactly one out; the
 * other is still asleep with the count at 0, and the next post frees it.
 */
static void reference_release_unblocks_one_of_two(void **state)
{
	fsem_t sem;
	struct runner w[2] = { { .sem = &sem }, { .sem = &sem } };
	int first, other, i;
	int64_t end;

	(void)state;
	assert_int_equal(fsem_init(&sem, FSEM_NOSPIN, 0), 0);
	for (i = 0; i < 2; i++) {
		start(&w[i], run_wait);
		test_wait_blocked(test_tid_get(&w[i].tid));
	}
	assert_int_equal(fsem_post(&sem), 0);
	end = test_now_ns(CLOCK_MONOTONIC) + HANDSHAKE_NS;
	while (!atomic_load(&w[0].done) && !atomic_load(&w[1].done)) {
		if (test_now_ns(CLOCK_MONOTONIC) > end)
			fail_msg("a post left both waiters asleep");
		sched_yield();
	}
	first = atomic_load(&w[0].done) ? 0 : 1;
	other = 1 - first;
	finish(&w[first]);
	assert_int_equal(w[first].ret, 0);
	/* The other one is asleep again (or still), and owed nothing. */
	test_wait_blocked(test_tid_get(&w[other].tid));
	assert_int_equal(atomic_load(&w[other].done), 0);
	assert_int_equal(value(&sem), 0);
	errno = 0;
	assert_int_equal(fsem_destroy(&sem), -1);
	assert_int_equal(errno, EBUSY);

	assert_int_equal(fsem_post(&sem), 0);
	finish(&w[other]);
	assert_int_equal(w[other].ret, 0);
	assert_int_equal(value(&sem), 0);
	assert_int_equal(fsem_destroy(&sem), 0);
}

/* The CountSemaphore run: an event log written in the order events happen. */
enum { EV_ACQUIRE_DONE = 1, EV_RELEASE_BEGINS, EV_RELEASE_DONE };

#define ACQUIRES	4
#define RELEASES	3
#define EVENTS		(ACQUIRES + 2 * RELEASES)

struct count_run {
	fsem_bounded_t sem;
	struct test_tid task1_tid;
	_Atomic int next;		/* index of the next log entry */
	struct { int kind, k; } log[EVENTS];
	int acquire_ret[ACQUIRES + 1];
	int release_ret[RELEASES + 1];
	/* What task2 saw just before release k: */
	bool task1_blocked[RELEASES + 1];
	int given_before[RELEASES + 1];
	int tryacquire_before[RELEASES + 1];
	int tryacquire_errno[RELEASES + 1];
};

static void log_event(struct count_run *run, int kind, int k)
{
	int i = atomic_fetch_add(&run->next, 1);

	if (i < EVENTS) {
		run->log[i].kind = kind;
		run->log[i].k = k;
	}
}

static void *count_task1(void *arg)
{
	struct count_run *run = arg;
	int k;

	test_tid_publish(&run->task1_tid);
	for (k = 1; k <= ACQUIRES; k++) {
		run->acquire_ret[k] = fsem_bounded_acquire(&run->sem);
		log_event(run, EV_ACQUIRE_DONE, k);
	}
	return NULL;
}

/* test_wait_blocked() without failing: a thread may not longjmp to main. */
static bool blocked_within_handshake(pid_t tid)
{
	int64_t end = test_now_ns(CLOCK_MONOTONIC) + HANDSHAKE_NS;

	while (!test_is_blocked(tid)) {
		if (test_now_ns(CLOCK_MONOTONIC) > end)
			return false;
		sched_yield();
	}
	return true;
}

static void *count_task2(void *arg)
{
	struct count_run *run = arg;
	pid_t task1 = test_tid_get(&run->task1_tid);
	int k;

	for (k = 1; k <= RELEASES; k++) {
		/* task1 has done acquire k and sleeps in acquire k + 1. */
		run->task1_blocked[k] = blocked_within_handshake(task1);
		fsem_bounded_given_out(&run->sem, &run->given_before[k]);
		errno = 0;
		run->tryacquire_before[k] = fsem_bounded_tryacquire(&run->sem);
		run->tryacquire_errno[k] = errno;
		log_event(run, EV_RELEASE_BEGINS, k);
		run->release_ret[k] = fsem_bounded_release(&run->sem);
		log_event(run, EV_RELEASE_DONE, k);
		if (!run->task1_blocked[k])
			break;	/* the handshake failed: stop here */
	}
	return NULL;
}

static int log_pos(const struct count_run *run, int kind, int k)
{
	int i;

	for (i = 0; i < EVENTS; i++)
		if (run->log[i].kind == kind && run->log[i].k == k)
			return i;
	fail_msg("event %d of step %d is missing from the log", kind, k);
	return -1;
}

static void reference_count_semaphore_run(void **state)
{
	struct count_run *run;
	pthread_t t1, t2;
	int k;

	(void)state;
	run = calloc(1, sizeof(*run));
	assert_non_null(run);
	assert_int_equal(fsem_bounded_init(&run->sem, 0, 1), 0);
	assert_int_equal(pthread_create(&t1, NULL, count_task1, run), 0);
	assert_int_equal(pthread_create(&t2, NULL, count_task2, run), 0);
	assert_int_equal(pthread_join(t2, NULL), 0);
	for (k = 1; k <= RELEASES; k++)
		if (!run->task1_blocked[k])
			fail_msg("task1 was not asleep before release %d", k);
	assert_int_equal(pthread_join(t1, NULL), 0);

	assert_int_equal(atomic_load(&run->next), EVENTS);
	for (k = 1; k <= ACQUIRES; k++)
		assert_int_equal(run->acquire_ret[k], 0);
	for (k = 1; k <= RELEASES; k++) {
		assert_int_equal(run->release_ret[k], 0);
		/* All permits out, task1 queued: nothing to take. */
		assert_int_equal(run->given_before[k], 1);
		assert_int_equal(run->tryacquire_before[k], -1);
		assert_int_equal(run->tryacquire_errno[k], EAGAIN);
	}
	/*
	 * acquire 1 < release 1 begins < acquire 2 < release 2 begins <
	 * acquire 3 < release 3 begins < acquire 4: acquire k + 1 waited for
	 * release k, and acquire k was done before release k began.
	 */
	for (k = 1; k <= RELEASES; k++) {
		int rel = log_pos(run, EV_RELEASE_BEGINS, k);

		if (log_pos(run, EV_ACQUIRE_DONE, k) > rel)
			fail_msg("acquire %d completed after release %d began",
				 k, k);
		if (log_pos(run, EV_ACQUIRE_DONE, k + 1) < rel)
			fail_msg("acquire %d completed before release %d began",
				 k + 1, k);
		assert_true(log_pos(run, EV_RELEASE_DONE, k) > rel);
	}
	/* Four acquires, three releases: one permit is still out. */
	assert_int_equal(given_out(&run->sem), 1);
	assert_int_equal(fsem_bounded_destroy(&run->sem), 0);
	free(run);
}

/*
 * A release on a fresh bounded semaphore has nothing to give back: the try
 * form refuses, the blocking form sleeps until an acquire takes a permit.
 */
static void reference_release_with_nothing_out_waits(void **state)
{
	fsem_bounded_t b;
	struct runner releaser = { .bounded = &b };
	int avail = -1;

	(void)state;
	assert_int_equal(fsem_bounded_init(&b, 0, 1), 0);
	errno = 0;
	assert_int_equal(fsem_bounded_tryrelease(&b), -1);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(given_out(&b), 0);

	start(&releaser, run_release);
	if (returned_or_blocked(&releaser)) {
		finish(&releaser);
		fail_msg("release with nothing given out returned %d",
			 releaser.ret);
	}
	assert_int_equal(given_out(&b), 0);
	assert_int_equal(fsem_bounded_getvalue(&b, &avail), 0);
	assert_int_equal(avail, 1);

	/* The acquire takes the permit and the release gives it back. */
	assert_int_equal(fsem_bounded_acquire(&b), 0);
	finish(&releaser);
	assert_int_equal(releaser.ret, 0);
	assert_int_equal(given_out(&b), 0);
	errno = 0;
	assert_int_equal(fsem_bounded_tryrelease(&b), -1);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(fsem_bounded_destroy(&b), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reference_missed_signal_is_remembered),
		cmocka_unit_test(reference_default_count_lets_one_through),
		cmocka_unit_test(reference_count_five_lets_five_through),
		cmocka_unit_test(reference_release_unblocks_one_of_two),
		cmocka_unit_test(reference_count_semaphore_run),
		cmocka_unit_test(reference_release_with_nothing_out_waits),
	};

	return cmocka_run_group_tests_name("reference", tests, NULL, NULL);
}
