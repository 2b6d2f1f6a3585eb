/* SPDX-License-Identifier: MIT */
/* test_bench_options.c - fsem-bench's options: defaults, values, refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "bench.h"

#include <stdlib.h>
#include <string.h>

/* Parse a NULL-terminated list of words; what went to stderr in @err. */
static int parse(struct bench_opts *o, char *err, size_t len, ...)
{
	char *argv[32] = { "fsem-bench" }, *buf = NULL;
	size_t blen = 0;
	int argc = 1, ret;
	FILE *e = open_memstream(&buf, &blen), *out = fopen("/dev/null", "w");
	va_list ap;

	assert_non_null(e);
	assert_non_null(out);
	va_start(ap, len);
	while ((argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	opts_default(o);
	ret = opts_parse(o, argc, argv, out, e);
	fclose(e);
	fclose(out);
	snprintf(err, len, "%s", buf ? buf : "");
	free(buf);
	return ret;
}

static void options_defaults_run_everything_quickly(void **state)
{
	struct bench_opts o;
	char err[256];

	(void)state;
	assert_int_equal(parse(&o, err, sizeof(err), NULL), 0);
	assert_int_equal(o.workloads, (1u << WL_NR) - 1);
	assert_int_equal(o.reps, 5);
	assert_false(o.any_impl);
	assert_true(opts_want(&o, &impl_countsem));
	assert_int_equal(o.format, OUT_TABLE);
	assert_int_equal(o.wq_threads.n, 3);
	assert_int_equal(o.wq_threads.v[2], 16);
	assert_null(o.callgrind);
	assert_null(o.callgrind_wake);
	assert_int_equal(o.produce_ns, -1);	/* balanced, not a backlog */
	assert_int_equal(o.idle_gap_us.n, 3);
	assert_int_equal(o.idle_gap_us.v[2], 200);
	assert_int_equal(o.idle_workers.n, 2);
	assert_int_equal(o.idle_workers.v[1], 16);
	assert_string_equal(err, "");
}

static void options_idle_and_produce_land_where_they_belong(void **state)
{
	struct bench_opts o;
	char err[256];

	(void)state;
	assert_int_equal(parse(&o, err, sizeof(err), "-w", "idle",
			       "--idle-gap", "5,50", "--idle-workers=3",
			       "--produce", "0", NULL), 0);
	assert_int_equal(o.workloads, 1u << WL_IDLE);
	assert_int_equal(o.idle_gap_us.n, 2);
	assert_int_equal(o.idle_gap_us.v[0], 5);
	assert_int_equal(o.idle_gap_us.v[1], 50);
	assert_int_equal(o.idle_workers.n, 1);
	assert_int_equal(o.idle_workers.v[0], 3);
	assert_int_equal(o.produce_ns, 0);
	assert_int_equal(o.work_ns, 100);	/* untouched */
}

static void options_values_land_where_they_belong(void **state)
{
	struct bench_opts o;
	char err[256];

	(void)state;
	assert_int_equal(parse(&o, err, sizeof(err), "-w", "pingpong,pool",
			       "--reps=7", "-i", "fsem,glibc", "--wq-threads",
			       "2,8", "--bounded", "2:3:5", "-f", "json", "-q",
			       "--work", "0", "--callgrind", "sem-pair",
			       "--callgrind-wake", "fsem-fifo",
			       "-s", "out.json", NULL),
			 0);
	assert_int_equal(o.workloads, 1u << WL_PINGPONG | 1u << WL_POOL);
	assert_int_equal(o.reps, 7);
	assert_true(opts_want(&o, &impl_fsem));
	assert_true(opts_want(&o, &impl_glibc));
	assert_false(opts_want(&o, &impl_condvar));
	assert_int_equal(o.wq_threads.n, 2);
	assert_int_equal(o.wq_threads.v[0], 2);
	assert_int_equal(o.wq_threads.v[1], 8);
	assert_int_equal(o.bounded_acq, 2);
	assert_int_equal(o.bounded_rel, 3);
	assert_int_equal(o.bounded_permits, 5);
	assert_int_equal(o.format, OUT_JSON);
	assert_true(o.quiet);
	assert_int_equal(o.work_ns, 0);
	assert_string_equal(o.callgrind, "sem-pair");
	assert_string_equal(o.callgrind_wake, "fsem-fifo");
	assert_string_equal(o.save, "out.json");
}

static void options_bad_values_are_refused_by_name(void **state)
{
	static const char *const bad[][3] = {
		{ "-r", "0", "-r" }, { "--reps", "x", "--reps" },
		{ "-r", "102", "-r" }, { "-w", "nosuch", "-w" },
		{ "-w", "", "-w" }, { "-i", "fsem,nosuch", "-i" },
		{ "--wq-threads", "0", "--wq-threads" },
		{ "--wq-threads", "4x", "--wq-threads" },
		{ "--bounded", "1:2", "--bounded" },
		{ "--bounded", "1:2:3:4", "--bounded" },
		{ "-f", "xml", "-f" }, { "--callgrind", "nosuch", "--callgrind" },
		{ "--callgrind-wake", "nosuch", "--callgrind-wake" },
		/* a bounded semaphore has no wait that a post wakes */
		{ "--callgrind-wake", "fsem-bounded", "--callgrind-wake" },
		{ "--duration", "-5", "--duration" }, { "--save", "", "--save" },
		{ "--idle-gap", "0", "--idle-gap" },
		{ "--idle-gap", "2,x", "--idle-gap" },
		{ "--idle-workers", "257", "--idle-workers" },
		{ "--produce", "-2", "--produce" }, { "--work", "-1", "--work" },
	};
	struct bench_opts o;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(&o, err, sizeof(err), bad[i][0],
				       bad[i][1], NULL), -1);
		assert_non_null(strstr(err, bad[i][2]));
		assert_non_null(strstr(err, "bad value"));
	}
}

static void options_unknown_or_incomplete_are_refused(void **state)
{
	struct bench_opts o;
	char err[256];

	(void)state;
	assert_int_equal(parse(&o, err, sizeof(err), "--nosuch", NULL), -1);
	assert_non_null(strstr(err, "--nosuch"));
	assert_int_equal(parse(&o, err, sizeof(err), "--reps", NULL), -1);
	assert_non_null(strstr(err, "needs a value"));
	assert_int_equal(parse(&o, err, sizeof(err), "extra", NULL), -1);
	assert_non_null(strstr(err, "extra"));
	assert_int_equal(parse(&o, err, sizeof(err), "-h", NULL), 1);
}

static void options_lists_hold_at_most_max_list(void **state)
{
	struct int_list l;
	char many[128] = "1";

	(void)state;
	for (int i = 1; i < MAX_LIST; i++)
		strcat(many, ",1");
	assert_int_equal(parse_int_list(many, &l, 10), 0);
	assert_int_equal(l.n, MAX_LIST);
	strcat(many, ",1");
	assert_int_equal(parse_int_list(many, &l, 10), -1);
	assert_int_equal(parse_int_list("11", &l, 10), -1);	/* > max */
	assert_int_equal(parse_int_list("", &l, 10), -1);
}

/*
 * opts_turn: every repetition runs each selected implementation exactly
 * once, nothing else; repetition 1 keeps the tables' order; and over the
 * repetitions each one runs first once (three selected, three
 * repetitions), where a fixed order ran fsem first every time.
 */
static void options_turn_gives_every_place_in_turn(void **state)
{
	const struct bench_impl *want[] = { &impl_fsem, &impl_glibc,
					    &impl_condvar };
	int first[3] = { 0 };
	struct bench_opts o;
	char err[256];

	(void)state;
	assert_int_equal(parse(&o, err, sizeof(err), "-i",
			       "condvar,fsem,glibc", "-r", "3", NULL), 0);
	o.rep_total = o.reps;
	for (o.rep_now = 1; o.rep_now <= o.rep_total; o.rep_now++) {
		int seen[3] = { 0 };
		size_t i;

		for (i = 0; opts_turn(&o, i); i++)
			for (size_t j = 0; j < 3; j++)
				if (opts_turn(&o, i) == want[j]) {
					seen[j]++;
					first[j] += i == 0;
				}
		assert_int_equal(i, 3);
		for (size_t j = 0; j < 3; j++)
			assert_int_equal(seen[j], 1);
		if (o.rep_now == 1)
			for (size_t j = 0; j < 3; j++)
				assert_ptr_equal(opts_turn(&o, j), want[j]);
	}
	for (size_t j = 0; j < 3; j++)
		assert_int_equal(first[j], 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(options_defaults_run_everything_quickly),
		cmocka_unit_test(options_values_land_where_they_belong),
		cmocka_unit_test(options_idle_and_produce_land_where_they_belong),
		cmocka_unit_test(options_bad_values_are_refused_by_name),
		cmocka_unit_test(options_unknown_or_incomplete_are_refused),
		cmocka_unit_test(options_lists_hold_at_most_max_list),
		cmocka_unit_test(options_turn_gives_every_place_in_turn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
