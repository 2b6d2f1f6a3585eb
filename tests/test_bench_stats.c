/* SPDX-License-Identifier: MIT */
/* test_bench_stats.c - medians, ranges, percentiles and baselines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "bench.h"

#include <math.h>

static void stats_median_of_odd_and_even_counts(void **state)
{
	double odd[] = { 9, 1, 5 }, even[] = { 4, 1, 3, 2 };
	struct stats s;

	(void)state;
	s = stats_of(odd, 3);
	assert_int_equal(s.n, 3);
	assert_true(s.median == 5 && s.min == 1 && s.max == 9);
	s = stats_of(even, 4);
	assert_true(s.median == 2.5 && s.min == 1 && s.max == 4);
	assert_true(even[0] == 4);	/* the samples are not reordered */
}

static void stats_skip_samples_that_are_not_numbers(void **state)
{
	double v[] = { NAN, 7, NAN, 3 }, none[] = { NAN, NAN };
	struct stats s;

	(void)state;
	s = stats_of(v, 4);
	assert_int_equal(s.n, 2);
	assert_true(s.median == 5 && s.min == 3 && s.max == 7);
	s = stats_of(none, 2);
	assert_int_equal(s.n, 0);
	assert_true(isnan(s.median) && isnan(s.min) && isnan(s.max));
}

static void stats_percentile_is_nearest_rank(void **state)
{
	double v[100], one[] = { 42 };

	(void)state;
	for (int i = 0; i < 100; i++)
		v[i] = 100 - i;		/* 100 .. 1, unsorted */
	assert_true(percentile(v, 100, 50) == 50);
	assert_true(percentile(v, 100, 99) == 99);
	assert_true(percentile(v, 100, 100) == 100);
	assert_true(percentile(v, 100, 0.5) == 1);
	assert_true(percentile(one, 1, 99) == 42);
	assert_true(isnan(percentile(v, 0, 50)));
	assert_true(isnan(percentile(v, 100, 0)));
	assert_true(isnan(percentile(v, 100, 101)));
}

static void stats_rows_are_found_again_by_their_keys(void **state)
{
	struct results r = { 0 };
	struct row *a, *b, *c;

	(void)state;
	a = results_row(&r, "pool", "T=2", 2, &impl_fsem, "throughput",
			"M/s", true, true);
	row_add(a, 1);
	for (int i = 0; i < 100; i++)	/* grow the table: a moves */
		results_row(&r, "pool", "T=2", 2, &impl_fsem, "m", "u",
			    false, false)->x = i;
	b = results_row(&r, "pool", "T=2", 2, &impl_fsem, "throughput",
			"M/s", true, true);
	c = results_row(&r, "pool", "T=8", 8, &impl_fsem, "throughput",
			"M/s", true, true);
	assert_int_equal(b->n, 1);
	assert_true(b->sample[0] == 1);
	assert_ptr_not_equal(b, c);
	assert_int_equal(c->n, 0);
	assert_int_equal(r.n, 3);
	results_free(&r);
}

static void stats_baseline_is_the_same_groups_baseline(void **state)
{
	struct results r = { 0 };
	struct row *f, *g, *other;

	(void)state;
	f = results_row(&r, "wq", "P=C=4", 4, &impl_fsem, "throughput",
			"M/s", true, true);
	g = results_row(&r, "wq", "P=C=4", 4, &impl_glibc, "throughput",
			"M/s", true, true);
	other = results_row(&r, "wq", "P=C=16", 16, &impl_fsem,
			    "throughput", "M/s", true, true);
	assert_ptr_equal(row_baseline(&r, f), g);
	assert_ptr_equal(row_baseline(&r, g), g);
	assert_null(row_baseline(&r, other));	/* no glibc at P=C=16 */
	results_free(&r);
}

static void stats_baseline_prefers_glibc_to_the_sem_pair(void **state)
{
	struct results r = { 0 };
	struct row *pair, *g, *f, *only;

	(void)state;
	pair = results_row(&r, "pool", "T=2", 2, &impl_sempair, "throughput",
			   "M/s", true, true);
	g = results_row(&r, "pool", "T=2", 2, &impl_glibc, "throughput",
			"M/s", true, true);
	f = results_row(&r, "pool", "T=2", 2, &impl_fsem, "throughput",
			"M/s", true, true);
	only = results_row(&r, "bounded", "-", 8, &impl_sempair, "throughput",
			   "M/s", true, true);
	assert_ptr_equal(row_baseline(&r, f), g);
	assert_ptr_equal(row_baseline(&r, pair), g);
	assert_ptr_equal(row_baseline(&r, only), only);
	results_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stats_median_of_odd_and_even_counts),
		cmocka_unit_test(stats_skip_samples_that_are_not_numbers),
		cmocka_unit_test(stats_percentile_is_nearest_rank),
		cmocka_unit_test(stats_rows_are_found_again_by_their_keys),
		cmocka_unit_test(stats_baseline_is_the_same_groups_baseline),
		cmocka_unit_test(stats_baseline_prefers_glibc_to_the_sem_pair),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
