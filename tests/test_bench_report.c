/* SPDX-License-Identifier: MIT */
/* test_bench_report.c - the table, CSV, JSON and summary carry the numbers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "bench.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* fsem at half glibc's time in one group; a row with no number at all. */
static void fill(struct results *r)
{
	struct row *f, *g, *n;

	f = results_row(r, "pool", "T=2,N=4", 2, &impl_fsem, "time",
			"ns", false, true);
	g = results_row(r, "pool", "T=2,N=4", 2, &impl_glibc, "time",
			"ns", false, true);
	n = results_row(r, "pool", "T=2,N=4", 2, &impl_fsem, "futex",
			"calls/op", false, false);
	row_add(f, 10);
	row_add(f, 12);
	row_add(f, 11);
	row_add(g, 22);
	row_add(g, 20);
	row_add(g, 24);
	row_add(n, NAN);
}

static char *render(void (*fn)(FILE *, const struct results *),
		    const struct results *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	fn(f, r);
	fclose(f);
	return buf;
}

static void report_csv_quotes_fields_and_gives_ratios(void **state)
{
	struct results r = { 0 };
	char *out;

	(void)state;
	fill(&r);
	out = render(report_csv, &r);
	assert_non_null(strstr(out, "workload,config,x,impl,metric,unit,n,"
				    "median,min,max,ratio,baseline,samples,note\n"));
	assert_non_null(strstr(out, "pool,\"T=2,N=4\",2,fsem,time,ns,3,11,"
				    "10,12,0.5,glibc,10;12;11,\n"));
	assert_non_null(strstr(out, "pool,\"T=2,N=4\",2,glibc,time,ns,3,22,"
				    "20,24,1,glibc,22;20;24,\n"));
	/* no number: empty fields, never "nan" */
	assert_non_null(strstr(out, "fsem,futex,calls/op,0,,,,,,,\n"));
	assert_null(strstr(out, "nan"));
	free(out);
	results_free(&r);
}

static void json_report(FILE *f, const struct results *r)
{
	struct run_info in = { "fsem-bench -q \"x\"", "cpu", "Linux 6",
			       "2.36", 2 };

	report_json(f, r, &in);
}

static void report_json_escapes_and_writes_null(void **state)
{
	struct results r = { 0 };
	char *out;

	(void)state;
	fill(&r);
	out = render(json_report, &r);
	assert_non_null(strstr(out, "\"command\": \"fsem-bench -q \\\"x\\\"\""));
	assert_non_null(strstr(out, "\"impl\": \"fsem\", \"metric\": \"time\""
				    ", \"unit\": \"ns\", \"higher_better\": "
				    "false, \"median\": 11, \"min\": 10, "
				    "\"max\": 12, \"ratio\": 0.5, \"baseline\": "
				    "\"glibc\", \"samples\": [10, 12, 11]"));
	assert_non_null(strstr(out, "\"median\": null"));
	assert_non_null(strstr(out, "\"ratio\": null, \"baseline\": null"));
	assert_null(strstr(out, "nan"));
	free(out);
	results_free(&r);
}

static void report_table_and_summary_show_the_ratio(void **state)
{
	struct results r = { 0 };
	char *out;

	(void)state;
	fill(&r);
	out = render(report_table, &r);
	assert_non_null(strstr(out, "== pool T=2,N=4"));
	assert_non_null(strstr(out, "vs glibc"));
	assert_non_null(strstr(out, "11 [10-12]"));
	assert_non_null(strstr(out, "0.5"));
	assert_non_null(strstr(out, "n/a"));
	free(out);
	out = render(report_summary, &r);
	assert_string_equal(out, "fsem-bench summary: pool/T=2,N=4/fsem=0.5\n");
	free(out);
	results_free(&r);
}

/*
 * When the machine cannot count futex calls, every empty futex cell says so
 * in every format; other empty cells stay "n/a" / empty / null.
 */
static void report_marks_futex_cells_untraced(void **state)
{
	struct results r = { 0 };
	char *out;

	(void)state;
	fill(&r);
	futex_missing = "tracefs is not mounted";
	out = render(report_table, &r);
	assert_non_null(strstr(out, "untraced"));
	assert_null(strstr(out, "n/a"));	/* the futex cell was it */
	free(out);
	out = render(report_csv, &r);
	assert_non_null(strstr(out, "fsem,futex,calls/op,0,,,,,,,untraced\n"));
	assert_non_null(strstr(out, "10;12;11,\n"));	/* no note there */
	free(out);
	out = render(json_report, &r);
	assert_non_null(strstr(out, "\"futex_missing\": \"tracefs is not "
				    "mounted\""));
	assert_non_null(strstr(out, "\"samples\": [null], \"note\": "
				    "\"untraced\"}"));
	assert_non_null(strstr(out, "[10, 12, 11], \"note\": null}"));
	free(out);
	futex_missing = NULL;
	out = render(report_csv, &r);
	assert_null(strstr(out, "untraced"));
	free(out);
	results_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(report_csv_quotes_fields_and_gives_ratios),
		cmocka_unit_test(report_json_escapes_and_writes_null),
		cmocka_unit_test(report_table_and_summary_show_the_ratio),
		cmocka_unit_test(report_marks_futex_cells_untraced),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
