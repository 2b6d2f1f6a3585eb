/* SPDX-License-Identifier: MIT */
/*
 * test_bench_remote.c - what fsem-bench and its musl helper say to each
 * other: -f raw lines that carry samples intact, and the helper's argv.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "bench.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static char *render_raw(const struct results *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	report_raw(f, r);
	fclose(f);
	return buf;
}

static void raw_round_trips_values_nan_and_spaces(void **state)
{
	struct results r = { 0 };
	struct raw_sample s[3];
	struct row *a, *b;
	char *out, *line, *save;
	int n = 0;

	(void)state;
	a = results_row(&r, "pool", "T=2, N=4", 2, &impl_glibc, "throughput",
			"M/s", true, true);
	b = results_row(&r, "pool", "T=2, N=4", 2, &impl_sempair, "p99 of all",
			"u s", false, false);
	row_add(a, 0.1);
	row_add(a, 1e-300);
	row_add(b, NAN);
	out = render_raw(&r);
	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		assert_true(n < 3);
		assert_int_equal(raw_parse(line, &s[n]), 0);
		n++;
	}
	assert_int_equal(n, 3);
	assert_string_equal(s[0].workload, "pool");
	assert_string_equal(s[0].config, "T=2, N=4");
	assert_true(s[0].x == 2);
	assert_string_equal(s[0].impl, "glibc");
	assert_string_equal(s[0].metric, "throughput");
	assert_string_equal(s[0].unit, "M/s");
	assert_true(s[0].higher_better);
	assert_true(s[0].headline);
	assert_true(s[0].value == 0.1);		/* the very double */
	assert_true(s[1].value == 1e-300);
	assert_string_equal(s[2].impl, "sem-pair");
	assert_string_equal(s[2].metric, "p99 of all");
	assert_string_equal(s[2].unit, "u s");
	assert_false(s[2].higher_better);
	assert_false(s[2].headline);
	assert_true(isnan(s[2].value));
	free(out);
	results_free(&r);
}

static void raw_refuses_malformed_lines(void **state)
{
	static const char *const bad[] = {
		"",
		"\n",
		"pool\tT=2\t2\tglibc\tcpu\tus\t0\t1",		/* 8 fields */
		"pool\tT=2\t2\tglibc\tcpu\tus\t0\t1\t5\t6",	/* 10 */
		"pool\tT=2\t2\tglibc\tcpu\tus\t0\t1\t5x",
		"pool\tT=2\t2\tglibc\tcpu\tus\t0\t1\t",
		"pool\tT=2\t2\tglibc\tcpu\tus\t0\t1\t 5",
		"pool\tT=2\tnan\tglibc\tcpu\tus\t0\t1\t5",	/* x: NAN */
		"pool\tT=2\t2\tglibc\tcpu\tus\t2\t1\t5",	/* not 0/1 */
		"pool\tT=2\t2\t\tcpu\tus\t0\t1\t5",		/* no impl */
		"a-workload-name-too-long\tT=2\t2\tglibc\tcpu\tus\t0\t1\t5",
		"pool\tT=2\t2\tglibc\tcpu\tus\t0\t1\t5\n\n",
		"pool\tT=2\t2\tglibc\tcpu\tus\t0\t1\t5\r\n",
	};
	struct raw_sample s;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (raw_parse(bad[i], &s) != -1)
			fail_msg("accepted: \"%s\"", bad[i]);
	assert_int_equal(raw_parse("pool\tT=2\t2\tglibc\tcpu\tus\t0\t1\t5\n",
				   &s), 0);
	assert_true(s.value == 5);
}

/* The helper's argv for this run's @words (NULL-terminated), joined. */
static void helper_argv(char *buf, size_t len, ...)
{
	char *argv[32] = { "fsem-bench" };
	const char *out[48];
	size_t used = 0;
	int argc = 1, n;
	va_list ap;

	va_start(ap, len);
	while ((argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	n = remote_argv("/b/fsem-bench-musl", argc, argv, "pool",
			"musl,musl-pair", out, 48);
	assert_true(n > 0);
	assert_null(out[n]);
	buf[0] = '\0';
	for (int i = 0; i < n; i++)
		used += snprintf(buf + used, len - used, "%s%s", i ? " " : "",
				 out[i]);
}

#define FORCED	" -w pool -r 1 -q -f raw -i musl,musl-pair"

static void remote_argv_drops_save_in_every_spelling(void **state)
{
	char buf[512];

	(void)state;
	helper_argv(buf, sizeof(buf), "-d", "50", "-s", "a.json", "-r", "3",
		    NULL);
	assert_string_equal(buf, "/b/fsem-bench-musl -d 50 -r 3" FORCED);
	helper_argv(buf, sizeof(buf), "-sa.json", "--save", "b.json",
		    "--save=c.json", "-qsd.json", "--sa", "e", "-w", "pool",
		    NULL);
	assert_string_equal(buf, "/b/fsem-bench-musl -w pool" FORCED);
	/* a file named like an option is still the value of -s */
	helper_argv(buf, sizeof(buf), "-s", "-d", "--save", "--pairs", "-q",
		    NULL);
	assert_string_equal(buf, "/b/fsem-bench-musl -q" FORCED);
}

static void remote_argv_keeps_the_rest_and_appends_forced(void **state)
{
	char buf[512];

	(void)state;
	helper_argv(buf, sizeof(buf), NULL);
	assert_string_equal(buf, "/b/fsem-bench-musl" FORCED);
	helper_argv(buf, sizeof(buf), "-d5", "--pairs", "100", "--hold=20",
		    "-q", "--quiet", "-f", "json", "--", NULL);
	assert_string_equal(buf, "/b/fsem-bench-musl -d5 --pairs 100 "
				 "--hold=20 -q --quiet -f json" FORCED);
	/* this binary's implementation names are not the helper's */
	helper_argv(buf, sizeof(buf), "-i", "glibc,musl", "--impl=fsem",
		    "-ifsem", "--impl", "musl", NULL);
	assert_string_equal(buf, "/b/fsem-bench-musl" FORCED);
}

static void remote_argv_refuses_what_does_not_fit(void **state)
{
	char *argv[] = { "fsem-bench", "-d", "50", NULL };
	const char *out[13];

	(void)state;
	assert_int_equal(remote_argv("h", 3, argv, "pool", "musl", out, 12),
			 -1);
	assert_int_equal(remote_argv("h", 3, argv, "pool", "musl", out, 13),
			 12);
	assert_null(out[12]);
}

/* Workloads never run a remote implementation; main asks the helper. */
static void remote_impls_are_selected_but_never_run_here(void **state)
{
	char *all[] = { "fsem-bench", NULL };
	char *some[] = { "fsem-bench", "-i", "glibc,musl-pair", NULL };
	struct bench_opts o;

	(void)state;
	opts_default(&o);
	assert_int_equal(opts_parse(&o, 1, all, stdout, stderr), 0);
	assert_false(opts_want(&o, &impl_musl));
	assert_true(opts_want_remote(&o, &impl_musl));
	assert_true(opts_want_remote(&o, &impl_musl_pair));
	assert_false(opts_want_remote(&o, &impl_glibc));
	assert_true(opts_want(&o, &impl_glibc));
	opts_default(&o);
	assert_int_equal(opts_parse(&o, 3, some, stdout, stderr), 0);
	assert_false(opts_want_remote(&o, &impl_musl));
	assert_true(opts_want_remote(&o, &impl_musl_pair));
	assert_false(opts_want(&o, &impl_musl_pair));
	assert_true(opts_want(&o, &impl_glibc));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(raw_round_trips_values_nan_and_spaces),
		cmocka_unit_test(raw_refuses_malformed_lines),
		cmocka_unit_test(remote_argv_drops_save_in_every_spelling),
		cmocka_unit_test(remote_argv_keeps_the_rest_and_appends_forced),
		cmocka_unit_test(remote_argv_refuses_what_does_not_fit),
		cmocka_unit_test(remote_impls_are_selected_but_never_run_here),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
