/* SPDX-License-Identifier: MIT */
/*
 * remote.c - what fsem-bench and a helper binary (fsem-bench-musl) say to
 * each other: the argv that asks the helper for one workload, and the -f raw
 * lines of its answer, one sample each, which fsem-bench adds to its own
 * rows with row_add() as its workloads do.
 *
 * The strings are the workloads' names and units and never hold a tab or a
 * newline; the writer would turn one into a space rather than break a line.
 * Numbers are written with 17 digits so the reader gets the same double.
 */
#include "bench.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RAW_FIELDS	9

static void raw_str(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc(*s == '\t' || *s == '\n' ? ' ' : *s, f);
	fputc('\t', f);
}

static void raw_num(FILE *f, double v, char end)
{
	if (isnan(v))
		fprintf(f, "nan%c", end);
	else
		fprintf(f, "%.17g%c", v, end);
}

void report_raw(FILE *f, const struct results *r)
{
	for (int i = 0; i < r->n; i++) {
		const struct row *row = &r->row[i];

		for (int k = 0; k < row->n; k++) {
			raw_str(f, row->workload);
			raw_str(f, row->config);
			raw_num(f, row->x, '\t');
			raw_str(f, row->impl->name);
			raw_str(f, row->metric);
			raw_str(f, row->unit);
			fprintf(f, "%d\t%d\t", row->higher_better,
				row->headline);
			raw_num(f, row->sample[k], '\n');
		}
	}
}

/* A field of @len bytes into @dst of @size: 0, or -1 if empty or long. */
static int field_str(char *dst, size_t size, const char *f, size_t len)
{
	if (len == 0 || len >= size)
		return -1;
	memcpy(dst, f, len);
	dst[len] = '\0';
	return 0;
}

/* "nan", or a number with nothing around it: 0, or -1. */
static int field_num(double *v, const char *f, size_t len)
{
	char buf[64], *end;

	if (field_str(buf, sizeof(buf), f, len) || isspace((unsigned char)*f))
		return -1;
	if (!strcmp(buf, "nan")) {
		*v = NAN;
		return 0;
	}
	*v = strtod(buf, &end);
	return *end || isnan(*v) ? -1 : 0;
}

static int field_bool(bool *b, const char *f, size_t len)
{
	if (len != 1 || (*f != '0' && *f != '1'))
		return -1;
	*b = *f == '1';
	return 0;
}

int raw_parse(const char *line, struct raw_sample *s)
{
	const char *f[RAW_FIELDS], *p = line;
	size_t len[RAW_FIELDS];
	int n = 0;

	for (;;) {
		if (n == RAW_FIELDS)
			return -1;	/* a tenth field */
		f[n] = p;
		len[n] = strcspn(p, "\t\n");
		p += len[n++];
		if (*p != '\t')
			break;
		p++;
	}
	if (n != RAW_FIELDS || (*p == '\n' && p[1] != '\0'))
		return -1;
	if (field_str(s->workload, sizeof(s->workload), f[0], len[0]) ||
	    field_str(s->config, sizeof(s->config), f[1], len[1]) ||
	    field_num(&s->x, f[2], len[2]) || isnan(s->x) ||
	    field_str(s->impl, sizeof(s->impl), f[3], len[3]) ||
	    field_str(s->metric, sizeof(s->metric), f[4], len[4]) ||
	    field_str(s->unit, sizeof(s->unit), f[5], len[5]) ||
	    field_bool(&s->higher_better, f[6], len[6]) ||
	    field_bool(&s->headline, f[7], len[7]) ||
	    field_num(&s->value, f[8], len[8]))
		return -1;
	return 0;
}

/* Whether @s, @n bytes, is a prefix of @name, as getopt_long accepts. */
static bool abbrev(const char *s, size_t n, const char *name)
{
	return n > 0 && n <= strlen(name) && !strncmp(s, name, n);
}

/*
 * How many words option word @a spans (1 or 2), and in @drop whether the
 * helper must not see it: -s/--save (the JSON is this run's to write) and
 * -i/--impl (its names are this binary's). opts_parse has accepted the
 * argv: every option takes a value but -q/--quiet and -h/--help, so a
 * cluster of short options is flags then at most one option with a value
 * (which drops the whole word: its flags can only be -q, which the helper
 * gets anyway), and a long option may be any unambiguous prefix.
 */
static int option_words(const char *a, bool *drop)
{
	*drop = false;
	if (a[0] != '-' || a[1] == '\0')
		return 1;
	if (a[1] == '-') {
		const char *name = a + 2;
		size_t n = strcspn(name, "=");

		*drop = abbrev(name, n, "save") || abbrev(name, n, "impl");
		if (abbrev(name, n, "quiet") || abbrev(name, n, "help") ||
		    name[n] == '=')
			return 1;
		return 2;
	}
	for (a++; *a == 'q' || *a == 'h'; a++)
		;
	if (*a == '\0')
		return 1;
	*drop = *a == 's' || *a == 'i';
	return a[1] ? 1 : 2;
}

int remote_argv(const char *exe, int argc, char *const *argv,
		const char *workload, const char *impls, const char **out,
		int max)
{
	const char *const forced[] = {
		"-w", workload, "-r", "1", "-q", "-f", "raw", "-i", impls,
	};
	const int nforced = sizeof(forced) / sizeof(forced[0]);
	int n = 0, i = 1;

	if (max < 1)
		return -1;
	out[n++] = exe;
	while (i < argc && strcmp(argv[i], "--")) {	/* nothing after -- */
		bool drop;
		int words = option_words(argv[i], &drop);

		for (int k = 0; k < words && i < argc; k++, i++) {
			if (drop)
				continue;
			if (n == max)
				return -1;
			out[n++] = argv[i];
		}
	}
	if (n + nforced + 1 > max)
		return -1;
	for (int k = 0; k < nforced; k++)
		out[n++] = forced[k];
	out[n] = NULL;
	return n;
}
