/* SPDX-License-Identifier: MIT */
/* options.c - command-line options of fsem-bench and their defaults. */
#include "bench.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

const char *const workload_names[WL_NR] = {
	[WL_UNCONTENDED] = "uncontended", [WL_PINGPONG] = "pingpong",
	[WL_WORKQUEUE] = "workqueue", [WL_POOL] = "pool",
	[WL_BOUNDED] = "bounded", [WL_BURST] = "burst", [WL_IDLE] = "idle",
};

static const char usage[] =
"usage: fsem-bench [options]\n"
"Compare fsem with glibc sem_t and pthread semaphores, side by side.\n"
"\n"
"  -w, --workload LIST     of uncontended,pingpong,workqueue,pool,bounded,\n"
"                          burst,idle (default: all)\n"
"  -i, --impl LIST         of 2xadd,spin,fsem,fsem-nospin,fsem-fifo,glibc,\n"
"                          condvar,std-sem,fsem-cpp,moodycamel,musl,\n"
"                          fsem-bounded,fsem-bounded-fifo,countsem,\n"
"                          sem-pair,std-pair,mc-pair,musl-pair (default:\n"
"                          all; musl runs in the helper fsem-bench-musl)\n"
"  -r, --reps N            interleaved repetitions (default 5)\n"
"  -d, --duration MS       per repetition of a timed workload (default 200)\n"
"      --pairs N           uncontended pairs per repetition (default 2e6)\n"
"      --wq-threads LIST   work queue P=C values (default 1,4,16)\n"
"      --pool-threads LIST pool thread counts (default 2,8,32,64)\n"
"      --pool-permits N    pool permits (default 4)\n"
"      --bounded A:R:N     acquirers, releasers, permits (default 4:4:8)\n"
"      --burst LIST        sleepers woken at once (default 32)\n"
"      --work NS           busy work per item or op (default 100)\n"
"      --produce NS        work queue: work to produce an item (default\n"
"                          -1: as --work, so consumers keep up and wait;\n"
"                          0: a backlog, consumers almost never wait)\n"
"      --hold NS           pool: busy work holding a permit (default 200)\n"
"      --idle-gap LIST     idle: mean gaps between requests, us (default\n"
"                          2,20,200; exponentially distributed)\n"
"      --idle-workers LIST idle: workers waiting (default 4,16)\n"
"  -f, --format FMT        table, csv or json (default table); raw, one\n"
"                          line per sample, is for fsem-bench's own helpers\n"
"  -s, --save FILE         also write the results as JSON to FILE\n"
"  -q, --quiet             no progress line on stderr\n"
"      --callgrind IMPL    run IMPL's uncontended loop once, for\n"
"                          valgrind --tool=callgrind --toggle-collect=pairs\n"
"      --callgrind-wake IMPL  run --pairs sleep+wake hand-offs of a\n"
"                          counting IMPL: a thread waits, the main thread\n"
"                          posts every 100 us, so each post finds it asleep\n"
"  -h, --help              this text\n";

void opts_default(struct bench_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->workloads = (1u << WL_NR) - 1;
	o->reps = 5;
	o->duration_ms = 200;
	o->pairs = 2000000;
	o->wq_threads = (struct int_list){ 3, { 1, 4, 16 } };
	o->pool_threads = (struct int_list){ 4, { 2, 8, 32, 64 } };
	o->pool_permits = 4;
	o->bounded_acq = 4;
	o->bounded_rel = 4;
	o->bounded_permits = 8;
	o->burst_k = (struct int_list){ 1, { 32 } };
	o->work_ns = 100;
	o->produce_ns = -1;
	o->hold_ns = 200;
	o->idle_gap_us = (struct int_list){ 3, { 2, 20, 200 } };
	o->idle_workers = (struct int_list){ 2, { 4, 16 } };
	o->format = OUT_TABLE;
}

/* A whole decimal number in [lo, hi]: 0, or -1. */
static int parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int parse_int_list(const char *s, struct int_list *l, int max)
{
	char buf[256], *tok, *save;
	long v;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	l->n = 0;
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (l->n == MAX_LIST || parse_long(tok, 1, max, &v))
			return -1;
		l->v[l->n++] = (int)v;
	}
	return l->n ? 0 : -1;
}

static int parse_workloads(const char *s, unsigned int *mask)
{
	char buf[256], *tok, *save;
	int i;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	*mask = 0;
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < WL_NR; i++)
			if (!strcmp(tok, workload_names[i]))
				break;
		if (i == WL_NR)
			return -1;
		*mask |= 1u << i;
	}
	return *mask ? 0 : -1;
}

static int parse_impls(const char *s, struct bench_opts *o)
{
	char buf[256], *tok, *save;
	size_t i;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	memset(o->impl_set, 0, sizeof(o->impl_set));
	o->any_impl = false;
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < bench_nimpls; i++)
			if (!strcmp(tok, bench_impls[i]->name))
				break;
		if (i == bench_nimpls)
			return -1;
		o->impl_set[i] = true;
		o->any_impl = true;
	}
	return o->any_impl ? 0 : -1;
}

static int parse_bounded(const char *s, struct bench_opts *o)
{
	int a, r, n, len = 0;

	if (sscanf(s, "%d:%d:%d%n", &a, &r, &n, &len) != 3 ||
	    s[len] != '\0' || a < 1 || r < 1 || a + r > MAX_THREADS ||
	    n < 1 || n > 1000000)
		return -1;
	o->bounded_acq = a;
	o->bounded_rel = r;
	o->bounded_permits = n;
	return 0;
}

enum { O_PAIRS = 256, O_WQ, O_POOL, O_POOLN, O_BOUNDED, O_BURST, O_WORK,
       O_HOLD, O_PRODUCE, O_CALLGRIND, O_CALLGRIND_WAKE, O_IDLE_GAP,
       O_IDLE_WORKERS };

static const struct option longopts[] = {
	{ "workload", required_argument, NULL, 'w' },
	{ "impl", required_argument, NULL, 'i' },
	{ "reps", required_argument, NULL, 'r' },
	{ "duration", required_argument, NULL, 'd' },
	{ "pairs", required_argument, NULL, O_PAIRS },
	{ "wq-threads", required_argument, NULL, O_WQ },
	{ "pool-threads", required_argument, NULL, O_POOL },
	{ "pool-permits", required_argument, NULL, O_POOLN },
	{ "bounded", required_argument, NULL, O_BOUNDED },
	{ "burst", required_argument, NULL, O_BURST },
	{ "work", required_argument, NULL, O_WORK },
	{ "hold", required_argument, NULL, O_HOLD },
	{ "produce", required_argument, NULL, O_PRODUCE },
	{ "idle-gap", required_argument, NULL, O_IDLE_GAP },
	{ "idle-workers", required_argument, NULL, O_IDLE_WORKERS },
	{ "format", required_argument, NULL, 'f' },
	{ "save", required_argument, NULL, 's' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "callgrind", required_argument, NULL, O_CALLGRIND },
	{ "callgrind-wake", required_argument, NULL, O_CALLGRIND_WAKE },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Apply option @c with argument @a: 0, or -1 if @a is not valid. */
static int apply(struct bench_opts *o, int c, const char *a)
{
	long v;

	switch (c) {
	case 'w': return parse_workloads(a, &o->workloads);
	case 'i': return parse_impls(a, o);
	case 'r':
		if (parse_long(a, 1, MAX_REPS, &v))
			return -1;
		o->reps = (int)v;
		return 0;
	case 'd':
		if (parse_long(a, 1, 600000, &v))
			return -1;
		o->duration_ms = (int)v;
		return 0;
	case O_PAIRS:
		if (parse_long(a, 1, LONG_MAX, &v))
			return -1;
		o->pairs = (uint64_t)v;
		return 0;
	case O_WQ: return parse_int_list(a, &o->wq_threads, MAX_THREADS / 2);
	case O_POOL: return parse_int_list(a, &o->pool_threads, MAX_THREADS);
	case O_POOLN:
		if (parse_long(a, 1, 1000000, &v))
			return -1;
		o->pool_permits = (int)v;
		return 0;
	case O_BOUNDED: return parse_bounded(a, o);
	case O_BURST: return parse_int_list(a, &o->burst_k, MAX_THREADS);
	case O_IDLE_GAP: return parse_int_list(a, &o->idle_gap_us, 1000000);
	case O_IDLE_WORKERS:
		return parse_int_list(a, &o->idle_workers, MAX_THREADS);
	case O_PRODUCE:
		if (parse_long(a, -1, 10000000, &v))
			return -1;
		o->produce_ns = (int)v;
		return 0;
	case O_WORK:
	case O_HOLD:
		if (parse_long(a, 0, 10000000, &v))
			return -1;
		*(c == O_WORK ? &o->work_ns : &o->hold_ns) = (int)v;
		return 0;
	case 'f':
		if (!strcmp(a, "table"))
			o->format = OUT_TABLE;
		else if (!strcmp(a, "csv"))
			o->format = OUT_CSV;
		else if (!strcmp(a, "json"))
			o->format = OUT_JSON;
		else if (!strcmp(a, "raw"))
			o->format = OUT_RAW;
		else
			return -1;
		return 0;
	case 's':
		if (!*a)
			return -1;
		o->save = a;
		return 0;
	case O_CALLGRIND:
		if (!impl_find(a) || !impl_find(a)->pairs)
			return -1;
		o->callgrind = a;
		return 0;
	case O_CALLGRIND_WAKE:
		if (!impl_find(a) || impl_find(a)->kind != IMPL_COUNTING)
			return -1;
		o->callgrind_wake = a;
		return 0;
	}
	return -1;
}

int opts_parse(struct bench_opts *o, int argc, char **argv, FILE *out,
	       FILE *err)
{
	int c, idx;

	char name[32];

	optind = 0;	/* glibc: restart scanning (tests parse repeatedly) */
	opterr = 0;
	for (;;) {
		idx = -1;
		c = getopt_long(argc, argv, ":w:i:r:d:f:s:qh", longopts, &idx);
		if (c == -1)
			break;
		if (idx >= 0)
			snprintf(name, sizeof(name), "--%s",
				 longopts[idx].name);
		else
			snprintf(name, sizeof(name), "-%c", c);
		switch (c) {
		case 'h':
			fputs(usage, out);
			return 1;
		case 'q':
			o->quiet = true;
			continue;
		case ':':
			fprintf(err, "fsem-bench: option %s needs a value\n",
				argv[optind - 1]);
			return -1;
		case '?':
			fprintf(err, "fsem-bench: unknown option %s "
				"(see --help)\n", argv[optind - 1]);
			return -1;
		}
		if (apply(o, c, optarg)) {
			fprintf(err, "fsem-bench: bad value '%s' for %s "
				"(see --help)\n", optarg, name);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(err, "fsem-bench: unexpected argument '%s'\n",
			argv[optind]);
		return -1;
	}
	return 0;
}

/* Whether @impl is selected, wherever it runs. */
static bool selected(const struct bench_opts *o, const struct bench_impl *impl)
{
	size_t i;

	if (!o->any_impl)
		return true;
	for (i = 0; i < bench_nimpls; i++)
		if (bench_impls[i] == impl)
			return o->impl_set[i];
	return false;
}

bool opts_want(const struct bench_opts *o, const struct bench_impl *impl)
{
	return !impl->remote && selected(o, impl);
}

const struct bench_impl *opts_turn(const struct bench_opts *o, size_t i)
{
	size_t n = 0, at, j;

	for (j = 0; j < bench_nimpls; j++)
		n += opts_want(o, bench_impls[j]);
	if (i >= n)
		return NULL;
	at = o->rep_now > 1 && o->rep_total > 1 ?
	     (size_t)(o->rep_now - 1) * n / (size_t)o->rep_total : 0;
	at = (at + i) % n;
	for (j = 0; j < bench_nimpls; j++)
		if (opts_want(o, bench_impls[j]) && at-- == 0)
			return bench_impls[j];
	return NULL;
}

bool opts_want_remote(const struct bench_opts *o,
		      const struct bench_impl *impl)
{
	return impl->remote && selected(o, impl);
}
