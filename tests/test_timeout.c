/* SPDX-License-Identifier: MIT */
/*
 * test_timeout.c - timed waits honour both clocks, for fsem_t and for both
 * directions of fsem_bounded_t.
 *
 * A wait that times out returns ETIMEDOUT no earlier than its deadline and
 * leaves the semaphore as it was (no permit taken, no debt or sleeper left
 * behind: a give and a take still balance, destroy succeeds). A wait given a
 * permit before its deadline returns 0. Deadlines in the past or with
 * negative seconds take a free permit and time out at once otherwise, as
 * glibc does; absurdly far deadlines simply wait. A waiter that times out
 * and waits again, over and over while a poster races it, neither loses nor
 * double-takes a permit.
 */
#include "common.h"

#include <limits.h>
#include <stdbool.h>

#define MS		1000000LL
#define HANDSHAKE_NS	(10 * 1000 * MS)

#include "subject.h"

/* Every timed entry point and the clock its deadline is read on. */
struct timed_call {
	const char *name;
	enum kind kind;
	clockid_t clock;
	int (*call)(struct subject *o, clockid_t clock,
		    const struct timespec *abs);
};

static const struct timed_call timed_calls[] = {
	{ "fsem_timedwait", SEM, CLOCK_REALTIME, call_timedwait },
	{ "fsem_clockwait(REALTIME)", SEM, CLOCK_REALTIME, call_clockwait },
	{ "fsem_clockwait(MONOTONIC)", SEM, CLOCK_MONOTONIC,
	  call_clockwait },
	{ "fsem_bounded_timedacquire", ACQ, CLOCK_REALTIME,
	  call_timedacquire },
	{ "fsem_bounded_clockacquire(REALTIME)", ACQ, CLOCK_REALTIME,
	  call_clockacquire },
	{ "fsem_bounded_clockacquire(MONOTONIC)", ACQ, CLOCK_MONOTONIC,
	  call_clockacquire },
	{ "fsem_bounded_timedrelease", REL, CLOCK_REALTIME,
	  call_timedrelease },
	{ "fsem_bounded_clockrelease(REALTIME)", REL, CLOCK_REALTIME,
	  call_clockrelease },
	{ "fsem_bounded_clockrelease(MONOTONIC)", REL, CLOCK_MONOTONIC,
	  call_clockrelease },
};

#define N_TIMED (sizeof(timed_calls) / sizeof(timed_calls[0]))

/* @ts in ns, saturated at INT64_MAX for deadlines beyond year 2262. */
static int64_t ts_ns(const struct timespec *ts)
{
	if (ts->tv_sec >= INT64_MAX / 1000000000)
		return INT64_MAX;
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

/* Nothing free, deadline 50 ms out: ETIMEDOUT, not early, nothing moved. */
static void timeout_expires_not_before_deadline(void **state)
{
	struct subject o;
	struct timespec ts;
	size_t i;
	int64_t after;
	int ret, err;

	(void)state;
	for (i = 0; i < N_TIMED; i++) {
		const struct timed_call *tc = &timed_calls[i];

		subject_init(&o, tc->kind, FSEM_NOSPIN, false);
		ts = test_deadline(tc->clock, 50 * MS);
		errno = 0;
		ret = tc->call(&o, tc->clock, &ts);
		err = errno;
		after = test_now_ns(tc->clock);
		if (ret != -1 || err != ETIMEDOUT)
			fail_msg("%s: returned %d errno %d (%s), expected "
				 "ETIMEDOUT", tc->name, ret, err,
				 strerror(err));
		if (after < ts_ns(&ts))
			fail_msg("%s: timed out %lld ns before its deadline",
				 tc->name, (long long)(ts_ns(&ts) - after));
		subject_intact(&o, 0, tc->name);
	}
}

/* A thread in one timed call with deadline @ts; done once it returned. */
struct timed_waiter {
	pthread_t thread;
	struct test_tid tid;
	const struct timed_call *tc;
	struct subject *o;
	struct timespec ts;
	_Atomic int done;
	int ret;
	int err;
	int64_t returned_at;
};

static void *run_timed(void *arg)
{
	struct timed_waiter *w = arg;

	test_tid_publish(&w->tid);
	errno = 0;
	w->ret = w->tc->call(w->o, w->tc->clock, &w->ts);
	w->err = errno;
	w->returned_at = test_now_ns(w->tc->clock);
	atomic_store(&w->done, 1);
	return NULL;
}

/*
 * Start @tc with deadline @ts on a subject with nothing free, see it asleep
 * and still waiting, give it a permit, and check it took that permit.
 */
static void blocks_until_given(const struct timed_call *tc, int flags,
			       struct timespec ts, const char *what)
{
	struct timed_waiter w = { .tc = tc, .ts = ts };
	struct subject o;
	char name[160];

	snprintf(name, sizeof(name), "%s, %s", tc->name, what);
	subject_init(&o, tc->kind, flags, false);
	w.o = &o;
	assert_int_equal(pthread_create(&w.thread, NULL, run_timed, &w), 0);
	test_wait_blocked(test_tid_get(&w.tid));
	if (atomic_load(&w.done))
		fail_msg("%s: returned %d errno %d instead of waiting", name,
			 w.ret, w.err);
	assert_int_equal(subject_give(&o), 0);
	assert_int_equal(pthread_join(w.thread, NULL), 0);
	if (w.ret != 0)
		fail_msg("%s: given a permit, returned %d errno %d (%s)",
			 name, w.ret, w.err, strerror(w.err));
	if (w.returned_at >= ts_ns(&ts))
		fail_msg("%s: returned only after its deadline", name);
	subject_intact(&o, 0, name);
}

/* Asleep with a deadline 10 s out, given a permit: returns 0 at once. */
static void timeout_given_before_deadline_returns_0(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N_TIMED; i++) {
		blocks_until_given(&timed_calls[i], FSEM_NOSPIN,
				   test_deadline(timed_calls[i].clock,
						 HANDSHAKE_NS), "nospin");
		blocks_until_given(&timed_calls[i], 0,
				   test_deadline(timed_calls[i].clock,
						 HANDSHAKE_NS), "spinning");
	}
}

/* Run @tc once, expecting @want_ret (0, or -1 with ETIMEDOUT). */
static void once(const struct timed_call *tc, int flags, bool free,
		 struct timespec ts, int want_ret, const char *what)
{
	struct subject o;
	char name[160];
	int ret, err;

	snprintf(name, sizeof(name), "%s, %s, %s, flags %d", tc->name, what,
		 free ? "permit free" : "none free", flags);
	subject_init(&o, tc->kind, flags, free);
	errno = 0;
	ret = tc->call(&o, tc->clock, &ts);
	err = errno;
	if (ret != want_ret || (ret == -1 && err != ETIMEDOUT))
		fail_msg("%s: returned %d errno %d (%s), expected %d%s", name,
			 ret, err, strerror(err), want_ret,
			 want_ret ? " ETIMEDOUT" : "");
	/* A success took the free permit; a timeout took nothing. */
	subject_intact(&o, 0, name);
}

/*
 * Deadlines already past: with a permit free the call takes it (glibc
 * does), with none it times out without waiting; negative seconds alike.
 */
static void timeout_past_and_negative_deadlines(void **state)
{
	static const int flag_sets[] = { 0, FSEM_NOSPIN, FSEM_FIFO };
	struct timespec past[6];
	static const char *const names[] = {
		"{0, 0}", "1 s ago", "{-1, 0}", "{-1, 999999999}",
		"{LLONG_MIN, 0}", "{INT_MIN, 0}",
	};
	size_t i, p, f;

	(void)state;
	for (i = 0; i < N_TIMED; i++) {
		const struct timed_call *tc = &timed_calls[i];

		past[0] = (struct timespec){ 0, 0 };
		past[1] = test_deadline(tc->clock, -1000 * MS);
		past[2] = (struct timespec){ -1, 0 };
		past[3] = (struct timespec){ -1, 999999999 };
		past[4] = (struct timespec){ (time_t)LLONG_MIN, 0 };
		past[5] = (struct timespec){ INT_MIN, 0 };
		for (p = 0; p < 6; p++)
			for (f = 0; f < 3; f++) {
				once(tc, flag_sets[f], true, past[p], 0,
				     names[p]);
				once(tc, flag_sets[f], false, past[p], -1,
				     names[p]);
			}
	}
}

/* The largest time_t; 64 bits on every Linux target we build for. */
#define TIME_T_MAX ((time_t)(sizeof(time_t) == 8 ? INT64_MAX : INT32_MAX))

/* Deadlines too far to reach (kernel saturates them): plain waits. */
static void timeout_far_deadline_waits_for_a_post(void **state)
{
	static const struct {
		const char *name;
		struct timespec ts;
	} far[] = {
		{ "tv_sec INT64_MAX", { TIME_T_MAX, 999999999 } },
		{ "tv_sec LLONG_MAX / 1e9",
		  { (time_t)(LLONG_MAX / 1000000000), 0 } },
		{ "tv_sec LLONG_MAX / 1e9 + 1",
		  { (time_t)(LLONG_MAX / 1000000000 + 1), 0 } },
		{ "tv_sec INT_MAX", { INT_MAX, 0 } },
	};
	size_t i, d;

	(void)state;
	for (i = 0; i < N_TIMED; i++)
		for (d = 0; d < sizeof(far) / sizeof(far[0]); d++)
			blocks_until_given(&timed_calls[i], FSEM_NOSPIN,
					   far[d].ts, far[d].name);
}

/*
 * The re-wait race: one thread waits with deadlines a few microseconds out
 * and, on each timeout, waits again at once; another posts at random
 * moments. Each post is either taken by exactly one successful wait or
 * still there at the end: posts == waits + final value.
 */
#define MIN_TIMEOUTS	(1000 / test_slowdown())

struct rewait {
	fsem_t sem;
	unsigned int seed;
	int64_t end_ns, hard_end_ns;	/* CLOCK_MONOTONIC */
	_Atomic int stop;
	long posts, waits, timeouts, errors;
	int last_errno;
};

static void pace(unsigned int *seed, int max_us)
{
	int64_t until = test_now_ns(CLOCK_MONOTONIC) +
			(int64_t)(rand_r(seed) % (max_us + 1)) * 1000 *
			test_slowdown();

	while (test_now_ns(CLOCK_MONOTONIC) < until)
		;	/* a random gap, not synchronisation */
}

static bool rewait_done(int64_t end, int64_t hard_end, long timeouts)
{
	int64_t now = test_now_ns(CLOCK_MONOTONIC);

	return now > hard_end || (now > end && timeouts >= MIN_TIMEOUTS);
}

static void *rewait_waiter(void *arg)
{
	struct rewait *r = arg;
	unsigned int seed = r->seed;
	struct timespec ts;
	clockid_t clock;
	int ret, i;

	for (i = 0; !rewait_done(r->end_ns, r->hard_end_ns, r->timeouts);
	     i++) {
		clock = i & 1 ? CLOCK_MONOTONIC : CLOCK_REALTIME;
		ts = test_deadline(clock, rand_r(&seed) % 40000);
		errno = 0;
		ret = i % 3 == 0 ? fsem_timedwait(&r->sem, &ts)
				 : fsem_clockwait(&r->sem, clock, &ts);
		if (ret == 0) {
			r->waits++;
		} else if (errno == ETIMEDOUT) {
			r->timeouts++;	/* and straight into the next wait */
		} else {
			r->errors++;
			r->last_errno = errno;
		}
	}
	atomic_store(&r->stop, 1);
	return NULL;
}

static void *rewait_poster(void *arg)
{
	struct rewait *r = arg;
	unsigned int seed = r->seed ^ 0x9e3779b9u;

	while (!atomic_load(&r->stop)) {
		if (fsem_post(&r->sem) == 0)
			r->posts++;
		pace(&seed, 120);
	}
	return NULL;
}

static void rewait_run(int flags, int64_t ms, unsigned int seed)
{
	struct rewait r = { .seed = seed };
	pthread_t waiter, poster;
	long drained = 0;
	int v = -1;

	assert_int_equal(fsem_init(&r.sem, flags, 0), 0);
	r.end_ns = test_now_ns(CLOCK_MONOTONIC) + ms * MS;
	r.hard_end_ns = r.end_ns + 10 * ms * MS * test_slowdown();
	assert_int_equal(pthread_create(&poster, NULL, rewait_poster, &r), 0);
	assert_int_equal(pthread_create(&waiter, NULL, rewait_waiter, &r), 0);
	assert_int_equal(pthread_join(waiter, NULL), 0);
	assert_int_equal(pthread_join(poster, NULL), 0);

	assert_int_equal(fsem_getvalue(&r.sem, &v), 0);
	while (fsem_trywait(&r.sem) == 0)
		drained++;
	print_message("[ rewait ] flags %d: %ld posts, %ld waits, "
		      "%ld timeouts, %ld left\n", flags, r.posts, r.waits,
		      r.timeouts, drained);
	if (r.errors || r.posts != r.waits + drained || v != drained ||
	    r.timeouts < MIN_TIMEOUTS || fsem_destroy(&r.sem) != 0)
		fail_msg("seed %u, 2 threads, flags %d: %ld posts != %ld "
			 "waits + %ld left (value read %d), %ld timeouts, "
			 "%ld errors (last errno %d)", seed, flags, r.posts,
			 r.waits, drained, v, r.timeouts, r.errors,
			 r.last_errno);
}

static void timeout_rewait_race_loses_nothing(void **state)
{
	unsigned int seed = test_seed("timeout_rewait_race_loses_nothing");
	int64_t ms = test_duration_ms(1000);

	(void)state;
	/* the time split between the barging protocol and FSEM_FIFO */
	rewait_run(FSEM_NOSPIN, ms / 3, seed);
	rewait_run(0, ms / 3, seed + 1);
	rewait_run(FSEM_FIFO, ms / 3, seed + 2);
}

/*
 * The same race on both directions of a one-permit bounded semaphore: an
 * acquirer and a releaser, each timing out and retrying. Every success
 * moved given_out by one, which stays in [0, 1]: at the end it equals
 * acquires - releases.
 */
struct bounce {
	fsem_bounded_t sem;
	unsigned int seed;
	int64_t end_ns, hard_end_ns;
	_Atomic long timeouts;
	long done[2], errors[2];
	int last_errno[2];
};

struct bounce_arg {
	struct bounce *b;
	int dir;	/* 0 acquires, 1 releases */
};

static void *bounce_thread(void *arg)
{
	struct bounce_arg *a = arg;
	struct bounce *b = a->b;
	unsigned int seed = b->seed + (unsigned int)a->dir * 7919u;
	struct timespec ts;
	clockid_t clock;
	int ret, i;

	for (i = 0; !rewait_done(b->end_ns, b->hard_end_ns,
				 atomic_load(&b->timeouts)); i++) {
		clock = i & 1 ? CLOCK_MONOTONIC : CLOCK_REALTIME;
		ts = test_deadline(clock, rand_r(&seed) % 40000);
		errno = 0;
		if (a->dir == 0)
			ret = fsem_bounded_clockacquire(&b->sem, clock, &ts);
		else
			ret = fsem_bounded_clockrelease(&b->sem, clock, &ts);
		if (ret == 0) {
			b->done[a->dir]++;
			pace(&seed, 200);	/* the other side times out */
		} else if (errno == ETIMEDOUT) {
			atomic_fetch_add(&b->timeouts, 1);
		} else {
			b->errors[a->dir]++;
			b->last_errno[a->dir] = errno;
		}
	}
	return NULL;
}

static void timeout_bounded_rewait_race_loses_nothing(void **state)
{
	unsigned int seed = test_seed("timeout_bounded_rewait_race");
	int64_t ms = test_duration_ms(1000) / 2;
	struct bounce b = { .seed = seed };
	struct bounce_arg args[2] = { { &b, 0 }, { &b, 1 } };
	pthread_t t[2];
	int out = -1, i;

	(void)state;
	assert_int_equal(fsem_bounded_init(&b.sem, FSEM_NOSPIN, 1), 0);
	b.end_ns = test_now_ns(CLOCK_MONOTONIC) + ms * MS;
	b.hard_end_ns = b.end_ns + 10 * ms * MS * test_slowdown();
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, bounce_thread,
						&args[i]), 0);
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	assert_int_equal(fsem_bounded_given_out(&b.sem, &out), 0);
	print_message("[ bounce ] %ld acquires, %ld releases, %ld timeouts, "
		      "%d out\n", b.done[0], b.done[1],
		      atomic_load(&b.timeouts), out);
	if (b.errors[0] || b.errors[1] || b.done[0] - b.done[1] != out ||
	    atomic_load(&b.timeouts) < MIN_TIMEOUTS)
		fail_msg("seed %u, 2 threads: %ld acquires - %ld releases != "
			 "%d given out, %ld timeouts, errors %ld/%ld (errno "
			 "%d/%d)", seed, b.done[0], b.done[1], out,
			 atomic_load(&b.timeouts), b.errors[0], b.errors[1],
			 b.last_errno[0], b.last_errno[1]);
	/* Still a working semaphore with no debtor left. */
	if (out == 1)
		assert_int_equal(fsem_bounded_tryrelease(&b.sem), 0);
	assert_int_equal(fsem_bounded_tryacquire(&b.sem), 0);
	assert_int_equal(fsem_bounded_tryrelease(&b.sem), 0);
	errno = 0;
	assert_int_equal(fsem_bounded_tryrelease(&b.sem), -1);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(fsem_bounded_destroy(&b.sem), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(timeout_expires_not_before_deadline),
		cmocka_unit_test(timeout_given_before_deadline_returns_0),
		cmocka_unit_test(timeout_past_and_negative_deadlines),
		cmocka_unit_test(timeout_far_deadline_waits_for_a_post),
		cmocka_unit_test(timeout_rewait_race_loses_nothing),
		cmocka_unit_test(timeout_bounded_rewait_race_loses_nothing),
	};

	return cmocka_run_group_tests_name("timeout", tests, NULL, NULL);
}
