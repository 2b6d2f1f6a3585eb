/* SPDX-License-Identifier: MIT */
/* stats.c - result rows, medians, ranges, percentiles and baselines. */
#include "bench.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *futex_missing;

struct row *results_row(struct results *r, const char *workload,
			const char *config, double x,
			const struct bench_impl *impl, const char *metric,
			const char *unit, bool higher_better, bool headline)
{
	struct row *row;
	int i;

	for (i = 0; i < r->n; i++) {
		row = &r->row[i];
		if (row->impl == impl && !strcmp(row->workload, workload) &&
		    !strcmp(row->config, config) &&
		    !strcmp(row->metric, metric))
			return row;
	}
	if (r->n == r->cap) {
		int cap = r->cap ? 2 * r->cap : 64;
		struct row *p = realloc(r->row, cap * sizeof(*p));

		if (!p)
			return NULL;
		r->row = p;
		r->cap = cap;
	}
	row = &r->row[r->n++];
	memset(row, 0, sizeof(*row));
	snprintf(row->workload, sizeof(row->workload), "%s", workload);
	snprintf(row->config, sizeof(row->config), "%s", config);
	snprintf(row->metric, sizeof(row->metric), "%s", metric);
	row->x = x;
	row->impl = impl;
	row->unit = unit;
	row->higher_better = higher_better;
	row->headline = headline;
	return row;
}

void row_add(struct row *row, double v)
{
	if (row && row->n < MAX_REPS)
		row->sample[row->n++] = v;
}

void results_free(struct results *r)
{
	free(r->row);
	memset(r, 0, sizeof(*r));
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

struct stats stats_of(const double *v, int n)
{
	struct stats st = { 0, NAN, NAN, NAN };
	double s[MAX_REPS];
	int i;

	for (i = 0; i < n && i < MAX_REPS; i++)
		if (!isnan(v[i]))
			s[st.n++] = v[i];
	if (st.n == 0)
		return st;
	qsort(s, st.n, sizeof(s[0]), cmp_double);
	st.min = s[0];
	st.max = s[st.n - 1];
	st.median = st.n % 2 ? s[st.n / 2] :
		    (s[st.n / 2 - 1] + s[st.n / 2]) / 2;
	return st;
}

double percentile(double *v, int n, double p)
{
	int rank;

	if (n <= 0 || !(p > 0 && p <= 100))
		return NAN;
	qsort(v, n, sizeof(v[0]), cmp_double);
	rank = (int)ceil(p / 100.0 * n);	/* nearest rank, 1-based */
	if (rank < 1)
		rank = 1;
	return v[rank - 1];
}

/*
 * glibc's row if the group has one, else the first other baseline's (the
 * sem_t pair of the bounded workload).
 */
const struct row *row_baseline(const struct results *r, const struct row *row)
{
	const struct row *found = NULL;
	int i;

	for (i = 0; i < r->n; i++) {
		const struct row *b = &r->row[i];

		if (!b->impl->baseline || strcmp(b->workload, row->workload) ||
		    strcmp(b->config, row->config) ||
		    strcmp(b->metric, row->metric))
			continue;
		if (b->impl == &impl_glibc)
			return b;
		if (!found)
			found = b;
	}
	return found;
}
