/* SPDX-License-Identifier: MIT */
/*
 * test_bad_input.c - every bad argument gives -1 and the documented errno,
 * for both semaphore types and every entry point it applies to, and a failed
 * call loses nothing: the value (or given-out count) is what it was, the
 * semaphore still works, and destroy finds no leftover debtor.
 *
 * Rows (see fsem.h): NULL semaphore or result/deadline pointer -> EINVAL;
 * value or permits > FSEM_VALUE_MAX, permits == 0, unknown flags -> EINVAL;
 * a clock other than REALTIME/MONOTONIC -> EINVAL even with a permit free;
 * tv_nsec outside [0, 1e9) -> EINVAL even with a permit free (as glibc);
 * a past deadline with nothing free -> ETIMEDOUT; try-calls that would block
 * -> EAGAIN; posts past FSEM_VALUE_MAX -> EOVERFLOW; destroy with a thread
 * blocked -> EBUSY.
 */
#include "common.h"

#include <limits.h>
#include <stdbool.h>

/* Call, then insist on -1 and @want in errno, naming what failed. */
#define EXPECT_ERR(want, call)						\
	do {								\
		int ret_, err_;						\
		errno = 0;						\
		ret_ = (call);						\
		err_ = errno;						\
		if (ret_ != -1 || err_ != (want))			\
			fail_msg("%s: returned %d errno %d (%s), "	\
				 "expected -1 errno %d (%s)", #call,	\
				 ret_, err_, strerror(err_), (want),	\
				 strerror(want));			\
	} while (0)

#include "subject.h"

/* Every timed entry point, as one signature; timed* ignore @clock. */
struct timed_call {
	const char *name;
	enum kind kind;
	bool takes_clock;
	int (*call)(struct subject *o, clockid_t clock,
		    const struct timespec *abs);
};

static const struct timed_call timed_calls[] = {
	{ "fsem_timedwait", SEM, false, call_timedwait },
	{ "fsem_clockwait", SEM, true, call_clockwait },
	{ "fsem_bounded_timedacquire", ACQ, false, call_timedacquire },
	{ "fsem_bounded_clockacquire", ACQ, true, call_clockacquire },
	{ "fsem_bounded_timedrelease", REL, false, call_timedrelease },
	{ "fsem_bounded_clockrelease", REL, true, call_clockrelease },
};

#define N_TIMED (sizeof(timed_calls) / sizeof(timed_calls[0]))

static const clockid_t good_clocks[] = { CLOCK_REALTIME, CLOCK_MONOTONIC };

/*
 * Run @tc once on a fresh subject with a permit free or not, expecting -1
 * and @want, then check that nothing moved.
 */
static void timed_expect(const struct timed_call *tc, bool free,
			 clockid_t clock, const struct timespec *abs, int want,
			 const char *row)
{
	struct subject o;
	char what[160];
	int ret, err;

	subject_init(&o, tc->kind, FSEM_NOSPIN, free);
	snprintf(what, sizeof(what), "%s (%s, clock %d, %s)", tc->name, row,
		 (int)clock, free ? "permit free" : "none free");
	errno = 0;
	ret = tc->call(&o, clock, abs);
	err = errno;
	if (ret != -1 || err != want)
		fail_msg("%s: returned %d errno %d (%s), expected -1 %s", what,
			 ret, err, strerror(err), strerror(want));
	subject_intact(&o, free ? 1 : 0, what);
}

static void bad_input_null_semaphore(void **state)
{
	struct timespec ts = { 0, 0 };
	int v;

	(void)state;
	EXPECT_ERR(EINVAL, fsem_init(NULL, 0, 0));
	EXPECT_ERR(EINVAL, fsem_destroy(NULL));
	EXPECT_ERR(EINVAL, fsem_wait(NULL));
	EXPECT_ERR(EINVAL, fsem_trywait(NULL));
	EXPECT_ERR(EINVAL, fsem_timedwait(NULL, &ts));
	EXPECT_ERR(EINVAL, fsem_clockwait(NULL, CLOCK_REALTIME, &ts));
	EXPECT_ERR(EINVAL, fsem_clockwait(NULL, CLOCK_MONOTONIC, &ts));
	EXPECT_ERR(EINVAL, fsem_post(NULL));
	EXPECT_ERR(EINVAL, fsem_post_n(NULL, 1));
	EXPECT_ERR(EINVAL, fsem_post_n(NULL, 0));
	EXPECT_ERR(EINVAL, fsem_getvalue(NULL, &v));

	EXPECT_ERR(EINVAL, fsem_bounded_init(NULL, 0, 1));
	EXPECT_ERR(EINVAL, fsem_bounded_destroy(NULL));
	EXPECT_ERR(EINVAL, fsem_bounded_acquire(NULL));
	EXPECT_ERR(EINVAL, fsem_bounded_tryacquire(NULL));
	EXPECT_ERR(EINVAL, fsem_bounded_timedacquire(NULL, &ts));
	EXPECT_ERR(EINVAL, fsem_bounded_clockacquire(NULL, CLOCK_REALTIME,
						     &ts));
	EXPECT_ERR(EINVAL, fsem_bounded_clockacquire(NULL, CLOCK_MONOTONIC,
						     &ts));
	EXPECT_ERR(EINVAL, fsem_bounded_release(NULL));
	EXPECT_ERR(EINVAL, fsem_bounded_tryrelease(NULL));
	EXPECT_ERR(EINVAL, fsem_bounded_timedrelease(NULL, &ts));
	EXPECT_ERR(EINVAL, fsem_bounded_clockrelease(NULL, CLOCK_REALTIME,
						     &ts));
	EXPECT_ERR(EINVAL, fsem_bounded_clockrelease(NULL, CLOCK_MONOTONIC,
						     &ts));
	EXPECT_ERR(EINVAL, fsem_bounded_getvalue(NULL, &v));
	EXPECT_ERR(EINVAL, fsem_bounded_given_out(NULL, &v));
}

static void bad_input_null_result_pointer(void **state)
{
	fsem_t s;
	fsem_bounded_t b;
	int v = -1;

	(void)state;
	assert_int_equal(fsem_init(&s, 0, 2), 0);
	EXPECT_ERR(EINVAL, fsem_getvalue(&s, NULL));
	assert_int_equal(fsem_getvalue(&s, &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(fsem_destroy(&s), 0);

	assert_int_equal(fsem_bounded_init(&b, 0, 3), 0);
	assert_int_equal(fsem_bounded_tryacquire(&b), 0);
	EXPECT_ERR(EINVAL, fsem_bounded_getvalue(&b, NULL));
	EXPECT_ERR(EINVAL, fsem_bounded_given_out(&b, NULL));
	assert_int_equal(fsem_bounded_getvalue(&b, &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(fsem_bounded_given_out(&b, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(fsem_bounded_tryrelease(&b), 0);
	assert_int_equal(fsem_bounded_destroy(&b), 0);
}

/* A NULL deadline, with a permit free or not, on either good clock. */
static void bad_input_null_deadline(void **state)
{
	size_t i, c;

	(void)state;
	for (i = 0; i < N_TIMED; i++)
		for (c = 0; c < 2; c++) {
			timed_expect(&timed_calls[i], true, good_clocks[c],
				     NULL, EINVAL, "NULL deadline");
			timed_expect(&timed_calls[i], false, good_clocks[c],
				     NULL, EINVAL, "NULL deadline");
		}
}

static void bad_input_init_out_of_range(void **state)
{
	static const int bad_flags[] = { 0x8, 0x100, INT_MIN, -1,
					 FSEM_SHARED | 0x8,
					 FSEM_SHARED | FSEM_FIFO,
					 FSEM_NOSPIN | 0x40000000 };
	fsem_t s;
	fsem_bounded_t b;
	size_t i;

	(void)state;
	EXPECT_ERR(EINVAL, fsem_init(&s, 0, FSEM_VALUE_MAX + 1u));
	EXPECT_ERR(EINVAL, fsem_init(&s, 0, UINT_MAX));
	EXPECT_ERR(EINVAL, fsem_bounded_init(&b, 0, 0));
	EXPECT_ERR(EINVAL, fsem_bounded_init(&b, 0, FSEM_BOUNDED_MAX + 1u));
	EXPECT_ERR(EINVAL, fsem_bounded_init(&b, 0, FSEM_VALUE_MAX + 1u));
	EXPECT_ERR(EINVAL, fsem_bounded_init(&b, 0, UINT_MAX));
	for (i = 0; i < sizeof(bad_flags) / sizeof(bad_flags[0]); i++) {
		EXPECT_ERR(EINVAL, fsem_init(&s, bad_flags[i], 1));
		EXPECT_ERR(EINVAL, fsem_bounded_init(&b, bad_flags[i], 1));
	}
}

/* The largest value, permits and every flag combination are accepted. */
static void bad_input_init_limits_accepted(void **state)
{
	static const int flags[] = { 0, FSEM_SHARED, FSEM_NOSPIN,
				     FSEM_SHARED | FSEM_NOSPIN };
	fsem_t s;
	fsem_bounded_t b;
	size_t i;
	int v;

	(void)state;
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		assert_int_equal(fsem_init(&s, flags[i], FSEM_VALUE_MAX), 0);
		assert_int_equal(fsem_getvalue(&s, &v), 0);
		assert_int_equal(v, FSEM_VALUE_MAX);
		assert_int_equal(fsem_trywait(&s), 0);
		assert_int_equal(fsem_getvalue(&s, &v), 0);
		assert_int_equal(v, FSEM_VALUE_MAX - 1);
		assert_int_equal(fsem_destroy(&s), 0);

		assert_int_equal(fsem_bounded_init(&b, flags[i],
						   FSEM_BOUNDED_MAX), 0);
		assert_int_equal(fsem_bounded_getvalue(&b, &v), 0);
		assert_int_equal(v, FSEM_BOUNDED_MAX);
		assert_int_equal(fsem_bounded_given_out(&b, &v), 0);
		assert_int_equal(v, 0);
		assert_int_equal(fsem_bounded_tryacquire(&b), 0);
		assert_int_equal(fsem_bounded_getvalue(&b, &v), 0);
		assert_int_equal(v, FSEM_BOUNDED_MAX - 1);
		assert_int_equal(fsem_bounded_given_out(&b, &v), 0);
		assert_int_equal(v, 1);
		assert_int_equal(fsem_bounded_tryrelease(&b), 0);
		assert_int_equal(fsem_bounded_destroy(&b), 0);
	}
	/* One permit is the smallest bounded semaphore. */
	assert_int_equal(fsem_bounded_init(&b, 0, 1), 0);
	assert_int_equal(fsem_bounded_getvalue(&b, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(fsem_bounded_destroy(&b), 0);
}

/* Clocks glibc refuses (/tmp/glibc-facts.txt: all EINVAL, value kept). */
static const clockid_t bad_clocks[] = {
	CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID, CLOCK_BOOTTIME,
	CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE, CLOCK_MONOTONIC_RAW,
	CLOCK_TAI, CLOCK_REALTIME_ALARM, CLOCK_BOOTTIME_ALARM, 99, -1,
};

static void bad_input_bad_clock(void **state)
{
	struct timespec ts;
	size_t i, c;

	(void)state;
	for (i = 0; i < N_TIMED; i++) {
		if (!timed_calls[i].takes_clock)
			continue;
		for (c = 0; c < sizeof(bad_clocks) / sizeof(bad_clocks[0]);
		     c++) {
			/* A valid deadline 10 s out: EINVAL must come first. */
			ts = test_deadline(CLOCK_MONOTONIC, 10000000000LL);
			timed_expect(&timed_calls[i], true, bad_clocks[c], &ts,
				     EINVAL, "bad clock");
			timed_expect(&timed_calls[i], false, bad_clocks[c],
				     &ts, EINVAL, "bad clock");
			timed_expect(&timed_calls[i], true, bad_clocks[c],
				     NULL, EINVAL, "bad clock, NULL deadline");
		}
	}
}

static void bad_input_bad_nanoseconds(void **state)
{
	static const long bad_nsec[] = { -1, 1000000000, 1000000001,
					 LONG_MIN, LONG_MAX };
	struct timespec ts;
	size_t i, c, n;

	(void)state;
	for (i = 0; i < N_TIMED; i++)
		for (c = 0; c < 2; c++)
			for (n = 0; n < sizeof(bad_nsec) / sizeof(bad_nsec[0]);
			     n++) {
				/* Future, past and negative seconds alike. */
				ts = test_deadline(good_clocks[c],
						   10000000000LL);
				ts.tv_nsec = bad_nsec[n];
				timed_expect(&timed_calls[i], true,
					     good_clocks[c], &ts, EINVAL,
					     "bad tv_nsec, future");
				timed_expect(&timed_calls[i], false,
					     good_clocks[c], &ts, EINVAL,
					     "bad tv_nsec, future");
				ts.tv_sec = 0;
				timed_expect(&timed_calls[i], true,
					     good_clocks[c], &ts, EINVAL,
					     "bad tv_nsec, past");
				timed_expect(&timed_calls[i], false,
					     good_clocks[c], &ts, EINVAL,
					     "bad tv_nsec, past");
				ts.tv_sec = -1;
				timed_expect(&timed_calls[i], true,
					     good_clocks[c], &ts, EINVAL,
					     "bad tv_nsec, negative");
				timed_expect(&timed_calls[i], false,
					     good_clocks[c], &ts, EINVAL,
					     "bad tv_nsec, negative");
			}
}

/* A deadline already past with nothing free times out, taking nothing. */
static void bad_input_past_deadline_times_out(void **state)
{
	struct timespec ts;
	size_t i, c;

	(void)state;
	for (i = 0; i < N_TIMED; i++)
		for (c = 0; c < 2; c++) {
			ts = (struct timespec){ 0, 0 };
			timed_expect(&timed_calls[i], false, good_clocks[c],
				     &ts, ETIMEDOUT, "deadline {0, 0}");
			ts = test_deadline(good_clocks[c], -1000000000LL);
			if (!timed_calls[i].takes_clock)
				ts = test_deadline(CLOCK_REALTIME,
						   -1000000000LL);
			timed_expect(&timed_calls[i], false, good_clocks[c],
				     &ts, ETIMEDOUT, "deadline 1 s ago");
		}
}

static void bad_input_try_would_block(void **state)
{
	static const enum kind kinds[] = { SEM, ACQ, REL };
	static const char *const names[] = { "fsem_trywait",
		"fsem_bounded_tryacquire", "fsem_bounded_tryrelease" };
	struct subject o;
	size_t i;
	int ret, err;

	(void)state;
	for (i = 0; i < 3; i++) {
		subject_init(&o, kinds[i], FSEM_NOSPIN, false);
		errno = 0;
		ret = subject_try(&o);
		err = errno;
		if (ret != -1 || err != EAGAIN)
			fail_msg("%s: returned %d errno %d, expected EAGAIN",
				 names[i], ret, err);
		subject_intact(&o, 0, names[i]);
	}
}

static int value_of(fsem_t *s)
{
	int v = -1;

	assert_int_equal(fsem_getvalue(s, &v), 0);
	return v;
}

static void bad_input_post_overflow(void **state)
{
	fsem_t s;

	(void)state;
	/* At the limit: post and post_n fail, and the count stays. */
	assert_int_equal(fsem_init(&s, 0, FSEM_VALUE_MAX), 0);
	EXPECT_ERR(EOVERFLOW, fsem_post(&s));
	assert_int_equal(value_of(&s), FSEM_VALUE_MAX);
	EXPECT_ERR(EOVERFLOW, fsem_post(&s));
	assert_int_equal(value_of(&s), FSEM_VALUE_MAX);
	EXPECT_ERR(EOVERFLOW, fsem_post_n(&s, 1));
	assert_int_equal(value_of(&s), FSEM_VALUE_MAX);
	assert_int_equal(fsem_post_n(&s, 0), 0);	/* nothing to add */
	assert_int_equal(value_of(&s), FSEM_VALUE_MAX);
	assert_int_equal(fsem_trywait(&s), 0);
	assert_int_equal(value_of(&s), FSEM_VALUE_MAX - 1);
	assert_int_equal(fsem_post(&s), 0);
	assert_int_equal(value_of(&s), FSEM_VALUE_MAX);
	assert_int_equal(fsem_destroy(&s), 0);

	/* Two below: three do not fit, nothing is added; two do. */
	assert_int_equal(fsem_init(&s, 0, FSEM_VALUE_MAX - 2), 0);
	EXPECT_ERR(EOVERFLOW, fsem_post_n(&s, 3));
	assert_int_equal(value_of(&s), FSEM_VALUE_MAX - 2);
	EXPECT_ERR(EOVERFLOW, fsem_post_n(&s, UINT_MAX));
	assert_int_equal(value_of(&s), FSEM_VALUE_MAX - 2);
	assert_int_equal(fsem_post_n(&s, 2), 0);
	assert_int_equal(value_of(&s), FSEM_VALUE_MAX);
	EXPECT_ERR(EOVERFLOW, fsem_post(&s));
	assert_int_equal(value_of(&s), FSEM_VALUE_MAX);
	assert_int_equal(fsem_destroy(&s), 0);

	/* More than the limit at once never fits, even from 0. */
	assert_int_equal(fsem_init(&s, 0, 0), 0);
	EXPECT_ERR(EOVERFLOW, fsem_post_n(&s, FSEM_VALUE_MAX + 1u));
	assert_int_equal(value_of(&s), 0);
	EXPECT_ERR(EOVERFLOW, fsem_post_n(&s, UINT_MAX));
	assert_int_equal(value_of(&s), 0);
	assert_int_equal(fsem_post_n(&s, FSEM_VALUE_MAX), 0);
	assert_int_equal(value_of(&s), FSEM_VALUE_MAX);
	EXPECT_ERR(EOVERFLOW, fsem_post(&s));
	assert_int_equal(value_of(&s), FSEM_VALUE_MAX);
	assert_int_equal(fsem_destroy(&s), 0);

	/*
	 * Across 2^30, where the inline post hands over to the library:
	 * every post adds exactly one under either policy, and so does
	 * the library's own.
	 */
	for (int fifo = 0; fifo < 2; fifo++) {
		unsigned int start = (1u << 30) - 3;

		assert_int_equal(fsem_init(&s, fifo ? FSEM_FIFO : 0, start),
				 0);
		for (unsigned int i = 1; i <= 6; i++) {
			assert_int_equal(i % 2 ? fsem_post(&s)
					       : (fsem_post)(&s), 0);
			assert_int_equal(value_of(&s), (int)(start + i));
		}
		for (unsigned int i = 6; i > 0; i--) {
			assert_int_equal(fsem_wait(&s), 0);
			assert_int_equal(value_of(&s), (int)(start + i - 1));
		}
		assert_int_equal(fsem_destroy(&s), 0);
	}
}

/* A thread blocked in one call; done once it returned. */
struct blocked {
	pthread_t thread;
	struct test_tid tid;
	struct subject *o;
	int which;		/* 0 untimed, 1 timed REALTIME, 2 MONOTONIC */
	int ret;
	int err;
};

static void *run_blocked(void *arg)
{
	struct blocked *t = arg;
	struct subject *o = t->o;
	clockid_t clock = t->which == 2 ? CLOCK_MONOTONIC : CLOCK_REALTIME;
	struct timespec ts = test_deadline(clock, 60 * 1000000000LL);

	test_tid_publish(&t->tid);
	errno = 0;
	switch (o->kind) {
	case SEM:
		t->ret = t->which == 0 ? fsem_wait(&o->s)
					: fsem_clockwait(&o->s, clock, &ts);
		break;
	case ACQ:
		t->ret = t->which == 0 ? fsem_bounded_acquire(&o->b)
			: fsem_bounded_clockacquire(&o->b, clock, &ts);
		break;
	case REL:
		t->ret = t->which == 0 ? fsem_bounded_release(&o->b)
			: fsem_bounded_clockrelease(&o->b, clock, &ts);
		break;
	}
	t->err = errno;
	return NULL;
}

/*
 * destroy with a thread asleep in the semaphore: EBUSY, and the semaphore
 * is untouched: the sleeper still gets the next permit, then destroy works.
 */
static void bad_input_destroy_busy(void **state)
{
	static const enum kind kinds[] = { SEM, ACQ, REL };
	static const char *const names[] = { "fsem_t wait",
		"bounded acquire", "bounded release" };
	struct subject o;
	struct blocked t;
	size_t i;
	int which, v;

	(void)state;
	for (int fifo = 0; fifo < 2; fifo++)	/* both protocols */
	for (i = 0; i < 3; i++)
		for (which = 0; which < 3; which++) {
			subject_init(&o, kinds[i], FSEM_NOSPIN |
				     (fifo ? FSEM_FIFO : 0), false);
			memset(&t, 0, sizeof(t));
			t.o = &o;
			t.which = which;
			assert_int_equal(pthread_create(&t.thread, NULL,
							run_blocked, &t), 0);
			test_wait_blocked(test_tid_get(&t.tid));
			errno = 0;
			v = subject_destroy(&o);
			if (v != -1 || errno != EBUSY)
				fail_msg("%s (%d): destroy with a sleeper "
					 "returned %d errno %d", names[i],
					 which, v, errno);
			assert_int_equal(subject_value(&o), 0);
			assert_int_equal(subject_give(&o), 0);
			assert_int_equal(pthread_join(t.thread, NULL), 0);
			assert_int_equal(t.ret, 0);
			/* The sleeper took what the give made: still 0. */
			assert_int_equal(subject_value(&o), 0);
			if (subject_destroy(&o) != 0)
				fail_msg("%s (%d): destroy after the sleeper "
					 "left: errno %d", names[i], which,
					 errno);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bad_input_null_semaphore),
		cmocka_unit_test(bad_input_null_result_pointer),
		cmocka_unit_test(bad_input_null_deadline),
		cmocka_unit_test(bad_input_init_out_of_range),
		cmocka_unit_test(bad_input_init_limits_accepted),
		cmocka_unit_test(bad_input_bad_clock),
		cmocka_unit_test(bad_input_bad_nanoseconds),
		cmocka_unit_test(bad_input_past_deadline_times_out),
		cmocka_unit_test(bad_input_try_would_block),
		cmocka_unit_test(bad_input_post_overflow),
		cmocka_unit_test(bad_input_destroy_busy),
	};

	return cmocka_run_group_tests_name("bad_input", tests, NULL, NULL);
}
