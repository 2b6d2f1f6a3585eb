/* SPDX-License-Identifier: MIT */
/*
 * report.c - the results as a terminal table, CSV, JSON, and one summary
 * line. Every format carries the same numbers: median, min-max over the
 * repetitions, and the ratio of the median to the baseline's in the same
 * workload and configuration (NAN, printed n/a or null, where either side
 * could not be measured). A futex cell that is empty because this machine
 * cannot count futex calls says FUTEX_UNTRACED instead (futex_missing).
 */
#include "bench.h"

#include <math.h>
#include <string.h>

static double ratio_of(const struct results *r, const struct row *row)
{
	const struct row *b = row_baseline(r, row);
	struct stats s, bs;

	if (!b)
		return NAN;
	s = stats_of(row->sample, row->n);
	bs = stats_of(b->sample, b->n);
	if (isnan(s.median) || isnan(bs.median) || bs.median == 0)
		return NAN;
	return s.median / bs.median;
}

/* A number in about 4 significant digits, or "n/a". */
static const char *num(char *buf, size_t len, double v)
{
	double a = fabs(v);

	if (isnan(v))
		snprintf(buf, len, "n/a");
	else if (a >= 1000 || a == 0)
		snprintf(buf, len, "%.0f", v);
	else if (a >= 100)
		snprintf(buf, len, "%.1f", v);
	else if (a >= 1)
		snprintf(buf, len, "%.3g", v);
	else
		snprintf(buf, len, "%.2g", v);
	return buf;
}

/* What stands for a missing sample of @row: why it is missing, if known. */
static const char *missing(const struct row *row)
{
	return futex_missing && !strcmp(row->metric, "futex") ?
	       FUTEX_UNTRACED : NULL;
}

static bool same_group(const struct row *a, const struct row *b)
{
	return !strcmp(a->workload, b->workload) &&
	       !strcmp(a->config, b->config);
}

/* Metrics of the group starting at row @first, in order of appearance. */
static int group_metrics(const struct results *r, int first,
			 const struct row **m, int max)
{
	int n = 0, i, j;

	for (i = first; i < r->n && same_group(&r->row[i], &r->row[first]);
	     i++) {
		for (j = 0; j < n; j++)
			if (!strcmp(m[j]->metric, r->row[i].metric))
				break;
		if (j == n && n < max)
			m[n++] = &r->row[i];
	}
	return n;
}

static void table_group(FILE *f, const struct results *r, int first, int end)
{
	const struct row *m[8], *b;
	char head[48], a[24], lo[24], hi[24], cell[64];
	int nm, i, j, k;

	nm = group_metrics(r, first, m, 8);
	fprintf(f, "\n== %s %s\n%-13s", r->row[first].workload,
		r->row[first].config, "impl");
	for (j = 0; j < nm; j++) {
		b = row_baseline(r, m[j]);
		snprintf(head, sizeof(head), "%s %s", m[j]->metric,
			 m[j]->unit);
		fprintf(f, " %-26s vs %-9s", head, b ? b->impl->name : "-");
	}
	fputc('\n', f);
	for (i = first; i < end; i++) {
		const struct bench_impl *impl = r->row[i].impl;

		for (k = first; k < i; k++)
			if (r->row[k].impl == impl)
				break;
		if (k < i)
			continue;	/* this implementation's line is out */
		fprintf(f, "%-13s", impl->name);
		for (j = 0; j < nm; j++) {
			const struct row *row = NULL;
			struct stats s;

			for (k = first; k < end; k++)
				if (r->row[k].impl == impl &&
				    !strcmp(r->row[k].metric, m[j]->metric))
					row = &r->row[k];
			if (!row) {
				fprintf(f, " %-26s    %-9s", "", "");
				continue;
			}
			s = stats_of(row->sample, row->n);
			if (s.n == 0 && missing(row)) {
				fprintf(f, " %-26s    %-9s", missing(row),
					missing(row));
				continue;
			}
			snprintf(cell, sizeof(cell), "%s [%s-%s]",
				 num(a, sizeof(a), s.median),
				 num(lo, sizeof(lo), s.min),
				 num(hi, sizeof(hi), s.max));
			fprintf(f, " %-26s    %-9s", cell,
				num(a, sizeof(a), ratio_of(r, row)));
		}
		fputc('\n', f);
	}
}

void report_table(FILE *f, const struct results *r)
{
	int first = 0, end;

	fprintf(f, "median [min-max] of the repetitions; \"vs\": ratio of "
		"medians to the baseline in the same run\n");
	while (first < r->n) {
		for (end = first; end < r->n &&
		     same_group(&r->row[end], &r->row[first]); end++)
			;
		table_group(f, r, first, end);
		first = end;
	}
}

/* CSV field: quoted when it holds a comma, quote or newline. */
static void csv_str(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void csv_num(FILE *f, double v)
{
	if (!isnan(v))
		fprintf(f, "%.6g", v);
}

void report_csv(FILE *f, const struct results *r)
{
	fputs("workload,config,x,impl,metric,unit,n,median,min,max,ratio,"
	      "baseline,samples,note\n", f);
	for (int i = 0; i < r->n; i++) {
		const struct row *row = &r->row[i];
		const struct row *b = row_baseline(r, row);
		struct stats s = stats_of(row->sample, row->n);

		csv_str(f, row->workload);
		fputc(',', f);
		csv_str(f, row->config);
		fprintf(f, ",%g,", row->x);
		csv_str(f, row->impl->name);
		fputc(',', f);
		csv_str(f, row->metric);
		fputc(',', f);
		csv_str(f, row->unit);
		fprintf(f, ",%d,", s.n);
		csv_num(f, s.median);
		fputc(',', f);
		csv_num(f, s.min);
		fputc(',', f);
		csv_num(f, s.max);
		fputc(',', f);
		csv_num(f, ratio_of(r, row));
		fputc(',', f);
		if (b)
			csv_str(f, b->impl->name);
		fputc(',', f);
		for (int k = 0; k < row->n; k++) {
			if (k)
				fputc(';', f);
			csv_num(f, row->sample[k]);
		}
		fputc(',', f);
		if (s.n == 0 && missing(row))
			csv_str(f, missing(row));
		fputc('\n', f);
	}
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void json_num(FILE *f, double v)
{
	if (isnan(v) || isinf(v))
		fputs("null", f);
	else
		fprintf(f, "%.6g", v);
}

void report_json(FILE *f, const struct results *r, const struct run_info *in)
{
	fputs("{\n  \"run\": {\"command\": ", f);
	json_str(f, in->command);
	fputs(", \"cpu\": ", f);
	json_str(f, in->cpu);
	fprintf(f, ", \"ncpu\": %d, \"kernel\": ", in->ncpu);
	json_str(f, in->kernel);
	fputs(", \"libc\": ", f);
	json_str(f, in->libc);
	fputs(", \"futex_missing\": ", f);
	if (futex_missing)
		json_str(f, futex_missing);
	else
		fputs("null", f);
	fputs("},\n  \"results\": [", f);
	for (int i = 0; i < r->n; i++) {
		const struct row *row = &r->row[i];
		const struct row *b = row_baseline(r, row);
		struct stats s = stats_of(row->sample, row->n);

		fputs(i ? ",\n    {" : "\n    {", f);
		fputs("\"workload\": ", f);
		json_str(f, row->workload);
		fputs(", \"config\": ", f);
		json_str(f, row->config);
		fputs(", \"x\": ", f);
		json_num(f, row->x);
		fputs(", \"impl\": ", f);
		json_str(f, row->impl->name);
		fputs(", \"metric\": ", f);
		json_str(f, row->metric);
		fputs(", \"unit\": ", f);
		json_str(f, row->unit);
		fputs(", \"higher_better\": ", f);
		fputs(row->higher_better ? "true" : "false", f);
		fputs(", \"median\": ", f);
		json_num(f, s.median);
		fputs(", \"min\": ", f);
		json_num(f, s.min);
		fputs(", \"max\": ", f);
		json_num(f, s.max);
		fputs(", \"ratio\": ", f);
		json_num(f, ratio_of(r, row));
		fputs(", \"baseline\": ", f);
		if (b)
			json_str(f, b->impl->name);
		else
			fputs("null", f);
		fputs(", \"samples\": [", f);
		for (int k = 0; k < row->n; k++) {
			if (k)
				fputs(", ", f);
			json_num(f, row->sample[k]);
		}
		fputs("], \"note\": ", f);
		if (s.n == 0 && missing(row))
			json_str(f, missing(row));
		else
			fputs("null", f);
		fputc('}', f);
	}
	fputs("\n  ]\n}\n", f);
}

void report_summary(FILE *f, const struct results *r)
{
	char a[24];

	fputs("fsem-bench summary:", f);
	for (int i = 0; i < r->n; i++) {
		const struct row *row = &r->row[i];

		if (!row->headline || strncmp(row->impl->name, "fsem", 4))
			continue;
		fprintf(f, " %s/%s/%s=%s", row->workload, row->config,
			row->impl->name,
			num(a, sizeof(a), ratio_of(r, row)));
	}
	fputc('\n', f);
}
