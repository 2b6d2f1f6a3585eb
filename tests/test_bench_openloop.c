/* SPDX-License-Identifier: MIT */
/*
 * test_bench_openloop.c - the idle workload's arrival schedule and latency
 * accounting, and the reservoir its percentiles and maximum come from.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "bench.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>

/* The gaps have the mean asked for, the spread of an exponential, none
 * negative; the same seed replays the same schedule, another does not. */
static void openloop_gaps_are_exponential_with_the_mean(void **state)
{
	enum { N = 200000 };
	struct arrivals a, b, c;
	uint64_t prev = 0, t = 0;
	double sum = 0, sq = 0, under_mean = 0;

	(void)state;
	assert_int_equal(arrivals_init(&a, 20000, 42, 16), 0);
	assert_int_equal(arrivals_init(&b, 20000, 42, 16), 0);
	assert_int_equal(arrivals_init(&c, 20000, 43, 16), 0);
	for (int i = 0; i < N; i++) {
		double gap;

		t = arrivals_next(&a);
		assert_true(t >= prev);
		gap = (double)(t - prev);
		prev = t;
		sum += gap;
		sq += gap * gap;
		under_mean += gap < 20000;
		assert_true(arrivals_next(&b) == t);
	}
	/* mean and standard deviation both 20 us for an exponential; the
	 * share under the mean is 1 - 1/e = 0.632 */
	assert_true(fabs(sum / N - 20000) < 20000 * 0.01);
	assert_true(fabs(sqrt(sq / N - (sum / N) * (sum / N)) - 20000) <
		    20000 * 0.02);
	assert_true(fabs(under_mean / N - 0.632) < 0.01);
	assert_true(arrivals_next(&c) != arrivals_next(&b) ||
		    arrivals_next(&c) != arrivals_next(&b));
	arrivals_free(&a);
	arrivals_free(&b);
	arrivals_free(&c);
}

static void openloop_bad_parameters_are_refused(void **state)
{
	struct arrivals a;

	(void)state;
	assert_int_equal(arrivals_init(&a, 0, 1, 16), -1);
	assert_int_equal(arrivals_init(&a, -5, 1, 16), -1);
	assert_int_equal(arrivals_init(&a, NAN, 1, 16), -1);
	assert_int_equal(arrivals_init(&a, 10, 1, 0), -1);
}

/*
 * The n-th take serves the n-th request posted; its latency runs from
 * that request's scheduled arrival (start + its offset), which a post
 * cannot move: a dispatcher that posts late has its lateness counted.
 */
static void openloop_latency_runs_from_the_request_served(void **state)
{
	struct arrivals a;
	uint64_t lat = 0, d0, d1, d2, now;

	(void)state;
	assert_int_equal(arrivals_init(&a, 1000, 1, 3), 0);
	arrivals_start(&a, 5000);
	d0 = arrivals_next(&a);
	assert_true(arrivals_post(&a));
	d1 = arrivals_next(&a);
	assert_true(d1 > d0);
	assert_true(arrivals_post(&a));
	now = 5000 + d1 + 300;
	assert_true(arrivals_take(&a, now, &lat));
	assert_true(lat == now - (5000 + d0));	/* request 0 */
	d2 = arrivals_next(&a);
	assert_true(arrivals_post(&a));
	(void)arrivals_next(&a);
	assert_false(arrivals_post(&a));	/* the log is full */
	assert_true(arrivals_take(&a, now + 10, &lat));
	assert_true(lat == now + 10 - (5000 + d1));	/* request 1 */
	arrivals_end(&a);
	assert_true(arrivals_take(&a, 5000 + d2 + 400, &lat));
	assert_true(lat == 400);		/* request 2 */
	lat = 7;
	assert_false(arrivals_take(&a, 99999999, &lat));	/* an end permit */
	assert_false(arrivals_take(&a, 99999999, &lat));
	assert_true(lat == 7);
	arrivals_free(&a);
}

/* A clock read before the request was due (another CPU) is no latency
 * below zero. */
static void openloop_latency_is_never_negative(void **state)
{
	struct arrivals a;
	uint64_t lat = 99, d;

	(void)state;
	assert_int_equal(arrivals_init(&a, 1000, 1, 1), 0);
	arrivals_start(&a, 1000);
	d = arrivals_next(&a);
	assert_true(arrivals_post(&a));
	assert_true(arrivals_take(&a, 1000 + d - 10, &lat));
	assert_true(lat == 0);
	arrivals_free(&a);
}

struct taker {
	struct arrivals *a;
	int served;
};

static void *take_all(void *arg)
{
	struct taker *t = arg;
	uint64_t lat;

	while (arrivals_take(t->a, 0, &lat))
		t->served++;
	return NULL;
}

/* Takers racing: every request is served exactly once, then all stop. */
static void openloop_each_request_is_served_once(void **state)
{
	enum { REQ = 100000, T = 4 };
	struct arrivals a;
	struct taker tk[T];
	pthread_t th[T];
	int total = 0;

	(void)state;
	assert_int_equal(arrivals_init(&a, 1000, 1, REQ), 0);
	for (int i = 0; i < REQ; i++)
		assert_true(arrivals_post(&a));
	arrivals_end(&a);
	for (int i = 0; i < T; i++) {
		tk[i] = (struct taker){ &a, 0 };
		assert_int_equal(pthread_create(&th[i], NULL, take_all,
						&tk[i]), 0);
	}
	for (int i = 0; i < T; i++) {
		pthread_join(th[i], NULL);
		total += tk[i].served;
	}
	assert_int_equal(total, REQ);
	arrivals_free(&a);
}

/* The reservoir keeps every value while it fits, then a uniform sample;
 * the maximum is exact either way. */
static void openloop_reservoir_is_uniform_and_keeps_the_max(void **state)
{
	static struct reservoir r;
	enum { N = 100 * RESERVOIR_MAX };
	double late = 0;

	(void)state;
	reservoir_reset(&r, 7);
	for (int i = 0; i < 10; i++)
		reservoir_add(&r, i);
	assert_int_equal(r.n, 10);
	assert_true(r.v[9] == 9 && r.max == 9);
	reservoir_reset(&r, 7);
	for (int i = 0; i < N; i++)
		reservoir_add(&r, i == N / 3 ? 1e9 : (double)i);
	assert_int_equal(r.n, RESERVOIR_MAX);
	assert_true(r.max == 1e9);
	for (int k = 0; k < r.n; k++)
		late += r.v[k] >= N / 2;
	/* half the values came in the second half of the run */
	assert_true(fabs(late / r.n - 0.5) < 0.05);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(openloop_gaps_are_exponential_with_the_mean),
		cmocka_unit_test(openloop_bad_parameters_are_refused),
		cmocka_unit_test(openloop_latency_runs_from_the_request_served),
		cmocka_unit_test(openloop_latency_is_never_negative),
		cmocka_unit_test(openloop_each_request_is_served_once),
		cmocka_unit_test(openloop_reservoir_is_uniform_and_keeps_the_max),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
