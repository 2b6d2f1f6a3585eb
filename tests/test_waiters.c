/* SPDX-License-Identifier: MIT */
/*
 * test_waiters.c - fsem_waiters() and fsem_bounded_waiters() count the
 * threads blocked now, under every protocol (flags 0, FSEM_SHARED,
 * FSEM_FIFO), for fsem_t and for both directions of fsem_bounded_t.
 *
 * Each case starts K threads that block, polls the call until it answers
 * K (or a deadline only a broken library reaches), confirms through
 * /proc that every thread sleeps in the futex system call (common.h),
 * then lets them through and checks the count is 0 once they returned.
 */
#define _GNU_SOURCE	/* pthread_timedjoin_np */
#include "common.h"

#include <stdbool.h>

#define HANDSHAKE_NS	(10 * 1000000000LL)
#define K		3	/* threads blocked */
#define PERMITS		2	/* of the bounded semaphore */

enum kind { COUNTING, ACQUIRERS, RELEASERS };

static const char *const kind_name[] = { "fsem_t", "acquirers", "releasers" };

struct subject {
	enum kind kind;
	int flags;
	fsem_t sem;
	fsem_bounded_t b;
};

struct blocker {
	pthread_t thread;
	struct test_tid tid;
	struct subject *s;
	int ret;
	int err;
};

static void subject_init(struct subject *s)
{
	if (s->kind == COUNTING) {
		assert_int_equal(fsem_init(&s->sem, s->flags, 0), 0);
		return;
	}
	assert_int_equal(fsem_bounded_init(&s->b, s->flags, PERMITS), 0);
	if (s->kind == ACQUIRERS)	/* all given out: acquires block */
		for (int i = 0; i < PERMITS; i++)
			assert_int_equal(fsem_bounded_tryacquire(&s->b), 0);
}

/* The count of the kind under test; the other direction must read 0. */
static int blocked(struct subject *s)
{
	int n = -1, acq = -1, rel = -1;

	if (s->kind == COUNTING) {
		assert_int_equal(fsem_waiters(&s->sem, &n), 0);
		return n;
	}
	assert_int_equal(fsem_bounded_waiters(&s->b, &acq, &rel), 0);
	if (s->kind == ACQUIRERS) {
		assert_int_equal(rel, 0);
		return acq;
	}
	assert_int_equal(acq, 0);
	return rel;
}

static void *run_block(void *arg)
{
	struct blocker *t = arg;
	struct subject *s = t->s;

	test_tid_publish(&t->tid);
	errno = 0;
	t->ret = s->kind == COUNTING ? fsem_wait(&s->sem) :
		 s->kind == ACQUIRERS ? fsem_bounded_acquire(&s->b) :
					fsem_bounded_release(&s->b);
	t->err = errno;
	return NULL;
}

/* Let @n blocked threads through: post, release or acquire @n times. */
static void let_through(struct subject *s, int n)
{
	if (s->kind == COUNTING) {
		assert_int_equal(fsem_post_n(&s->sem, (unsigned int)n), 0);
		return;
	}
	for (int i = 0; i < n; i++)	/* may block until a blocked one ran */
		assert_int_equal(s->kind == ACQUIRERS ?
				 fsem_bounded_release(&s->b) :
				 fsem_bounded_acquire(&s->b), 0);
}

static void subject_destroy(struct subject *s)
{
	if (s->kind == COUNTING)
		assert_int_equal(fsem_destroy(&s->sem), 0);
	else
		assert_int_equal(fsem_bounded_destroy(&s->b), 0);
}

static void waiters_none_blocked_is_zero(void **state)
{
	struct subject *s = *state;

	subject_init(s);
	assert_int_equal(blocked(s), 0);
	if (s->kind == COUNTING) {	/* free permits are not waiters */
		assert_int_equal(fsem_post_n(&s->sem, 5), 0);
		assert_int_equal(blocked(s), 0);
	}
	subject_destroy(s);
}

static void waiters_counts_blocked_threads(void **state)
{
	struct subject *s = *state;
	struct blocker t[K];
	struct timespec abs;
	int64_t end;
	int i, n;

	subject_init(s);
	memset(t, 0, sizeof(t));
	for (i = 0; i < K; i++) {
		t[i].s = s;
		assert_int_equal(pthread_create(&t[i].thread, NULL, run_block,
						&t[i]), 0);
	}
	/* The call itself reaches K (a spinning waiter registers late)... */
	end = test_now_ns(CLOCK_MONOTONIC) + HANDSHAKE_NS;
	while ((n = blocked(s)) != K) {
		if (test_now_ns(CLOCK_MONOTONIC) > end)
			fail_msg("%s, flags %#x: %d waiters, not %d",
				 kind_name[s->kind], (unsigned)s->flags, n, K);
		sched_yield();
	}
	/* ...and the kernel agrees that all K sleep on the futex. */
	for (i = 0; i < K; i++)
		test_wait_blocked(test_tid_get(&t[i].tid));
	assert_int_equal(blocked(s), K);

	let_through(s, K);
	abs = test_deadline(CLOCK_REALTIME, HANDSHAKE_NS);
	for (i = 0; i < K; i++) {
		assert_int_equal(test_timedjoin(t[i].thread, NULL, &abs), 0);
		assert_int_equal(t[i].ret, 0);
	}
	assert_int_equal(blocked(s), 0);
	if (s->kind == ACQUIRERS)	/* back to none given out */
		for (i = 0; i < PERMITS; i++)
			assert_int_equal(fsem_bounded_tryrelease(&s->b), 0);
	subject_destroy(s);
}

static void waiters_bad_input_is_einval(void **state)
{
	fsem_t sem;
	fsem_bounded_t b;
	int x = 12345, y = 678;

	(void)state;
	assert_int_equal(fsem_init(&sem, 0, 0), 0);
	assert_int_equal(fsem_bounded_init(&b, 0, 1), 0);

	errno = 0;
	assert_int_equal(fsem_waiters(NULL, &x), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(fsem_waiters(&sem, NULL), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(fsem_bounded_waiters(NULL, &x, &y), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(fsem_bounded_waiters(&b, NULL, &y), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(fsem_bounded_waiters(&b, &x, NULL), -1);
	assert_int_equal(errno, EINVAL);
	/* nothing was written */
	assert_int_equal(x, 12345);
	assert_int_equal(y, 678);

	assert_int_equal(fsem_destroy(&sem), 0);
	assert_int_equal(fsem_bounded_destroy(&b), 0);
}

#define SUBJECTS(k) \
	{ .kind = (k), .flags = 0 }, \
	{ .kind = (k), .flags = FSEM_SHARED }, \
	{ .kind = (k), .flags = FSEM_FIFO }

static struct subject subjects[] = {
	SUBJECTS(COUNTING), SUBJECTS(ACQUIRERS), SUBJECTS(RELEASERS),
};

/* Both cases on subjects[i], named for it: f_<kind>_<flags>. */
#define CASE(f, i, name) \
	{ #f "_" name, f, NULL, NULL, &subjects[(i)] }
#define BOTH(i, name) \
	CASE(waiters_none_blocked_is_zero, i, name), \
	CASE(waiters_counts_blocked_threads, i, name)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(waiters_bad_input_is_einval),
		BOTH(0, "fsem_t"), BOTH(1, "fsem_t_shared"),
		BOTH(2, "fsem_t_fifo"),
		BOTH(3, "acquirers"), BOTH(4, "acquirers_shared"),
		BOTH(5, "acquirers_fifo"),
		BOTH(6, "releasers"), BOTH(7, "releasers_shared"),
		BOTH(8, "releasers_fifo"),
	};

	return cmocka_run_group_tests_name("waiters", tests, NULL, NULL);
}
