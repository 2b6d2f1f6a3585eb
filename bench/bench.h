/* SPDX-License-Identifier: MIT */
/*
 * bench.h - the shared driver of fsem-bench: options, results, statistics,
 * output, and the system helpers the workloads use.
 *
 * A run is a list of workloads, all run once per repetition: repetition 1
 * of every workload, then repetition 2, ... Each workload has
 * configurations (thread counts); for each it runs every selected
 * implementation once (A B C), and appends one sample per metric to a
 * result row. Remote implementations (musl's sem_t) are measured after each
 * workload by a helper binary, whose samples join the same rows (peer.c).
 * The report takes medians and min-max of each row and the ratio of its
 * median to the baseline's (glibc sem_t, or the sem_t pair for the bounded
 * workload) in the same workload and configuration.
 */
#ifndef BENCH_H
#define BENCH_H

#include "impl.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define MAX_REPS	101
#define MAX_LIST	16
#define MAX_THREADS	256

enum workload_id {
	WL_UNCONTENDED, WL_PINGPONG, WL_WORKQUEUE, WL_POOL, WL_BOUNDED,
	WL_BURST, WL_IDLE, WL_NR,
};

enum out_format { OUT_TABLE, OUT_CSV, OUT_JSON, OUT_RAW };

struct int_list {
	int n;
	int v[MAX_LIST];
};

struct bench_opts {
	unsigned int workloads;		/* bit per enum workload_id */
	bool impl_set[32];		/* by index in bench_impls; all if none */
	bool any_impl;
	int reps;			/* interleaved repetitions */
	int rep_now, rep_total;		/* main: this is rep_now of rep_total */
	int duration_ms;		/* per repetition of a timed workload */
	uint64_t pairs;			/* uncontended: pairs per repetition */
	struct int_list wq_threads;	/* work queue: P = C values */
	struct int_list pool_threads;	/* pool: T values */
	int pool_permits;
	int bounded_acq, bounded_rel, bounded_permits;
	struct int_list burst_k;
	int work_ns;			/* busy work per item / per op */
	int produce_ns;			/* work queue: producing one item;
					   -1: as work_ns (balanced) */
	int hold_ns;			/* pool: work while holding a permit */
	struct int_list idle_gap_us;	/* idle: mean gaps between requests */
	struct int_list idle_workers;	/* idle: W values */
	enum out_format format;
	const char *save;		/* also write the JSON here */
	bool quiet;			/* no progress line */
	const char *callgrind;		/* instruction-count mode: impl name */
	const char *callgrind_wake;	/* the same, sleep+wake hand-offs */
};

/* Defaults: the quick comparison of the README (under 3 minutes). */
void opts_default(struct bench_opts *o);

/*
 * Parse @argv into @o (which holds defaults). Returns 0, 1 for --help
 * (usage written to @out), or -1 with a message written to @err.
 */
int opts_parse(struct bench_opts *o, int argc, char **argv, FILE *out,
	       FILE *err);

/* Whether implementation @impl is selected and runs in this process. */
bool opts_want(const struct bench_opts *o, const struct bench_impl *impl);

/*
 * The @i-th implementation a cell of repetition o->rep_now of
 * o->rep_total runs (those opts_want() selects, turned), or NULL past the
 * last. Each repetition starts the list a fraction rep/reps further on, so
 * that every implementation runs early and late in a cell in turn: a
 * fixed order made the first of each cell pay, in every repetition, for
 * whatever ran before it (wl_idle.c). Repetition 1 keeps the list's order,
 * the order of the tables.
 */
const struct bench_impl *opts_turn(const struct bench_opts *o, size_t i);

/* Whether remote implementation @impl is selected (a helper runs it). */
bool opts_want_remote(const struct bench_opts *o,
		      const struct bench_impl *impl);

extern const char *const workload_names[WL_NR];

/* Parse "1,4,16" into @l: 0, or -1 (empty, not a number, < 1, too many). */
int parse_int_list(const char *s, struct int_list *l, int max);

/* ---- results and statistics ---- */

struct row {
	char workload[16];
	char config[40];	/* e.g. "P=C=4"; "-" when there is one */
	double x;		/* the configuration's thread count, for plots */
	const struct bench_impl *impl;
	char metric[24];
	const char *unit;
	bool higher_better;
	bool headline;		/* the metric the summary line quotes */
	int n;
	double sample[MAX_REPS];	/* NAN: not measurable here */
};

struct results {
	int n, cap;
	struct row *row;
};

/* The row for these keys, created empty if new; NULL if out of memory. */
struct row *results_row(struct results *r, const char *workload,
			const char *config, double x,
			const struct bench_impl *impl, const char *metric,
			const char *unit, bool higher_better, bool headline);
void row_add(struct row *row, double v);
void results_free(struct results *r);

struct stats {
	int n;			/* samples that are numbers */
	double median, min, max;
};

/*
 * Why futex calls could not be counted on this machine, once it is known
 * (NULL while they can be, or before the first try). The report then marks
 * every missing sample of a metric named "futex" with FUTEX_UNTRACED
 * instead of "n/a", in every format.
 */
extern const char *futex_missing;
#define FUTEX_UNTRACED "untraced"

/* Median and range of the samples that are not NAN. */
struct stats stats_of(const double *v, int n);
/* Nearest-rank percentile @p (0 < p <= 100) of @v; sorts @v; NAN if n==0. */
double percentile(double *v, int n, double p);

/* The baseline row of @row's group, or NULL (then: no ratio). */
const struct row *row_baseline(const struct results *r, const struct row *row);

/* ---- output ---- */

struct run_info {
	const char *command;	/* the command line, as run */
	const char *cpu, *kernel, *libc;
	int ncpu;
};

void report_table(FILE *f, const struct results *r);
void report_csv(FILE *f, const struct results *r);
void report_json(FILE *f, const struct results *r,
		 const struct run_info *info);
/* One line for scripts: "fsem-bench summary: key=ratio ..." */
void report_summary(FILE *f, const struct results *r);

/* ---- samples from a helper binary (remote.c, peer.c) ---- */

/* One sample of one row: a line of -f raw. */
struct raw_sample {
	char workload[16], config[40], impl[32], metric[24], unit[24];
	double x, value;
	bool higher_better, headline;
};

/*
 * Every sample of @r, one line each, fields separated by tabs: workload,
 * config, x, impl, metric, unit, higher_better (0/1), headline (0/1), value
 * ("nan" for NAN).
 */
void report_raw(FILE *f, const struct results *r);
/* Parse one line of report_raw() (newline optional): 0, or -1. */
int raw_parse(const char *line, struct raw_sample *s);
/*
 * The argv of one helper run: @exe, this run's @argv[1..@argc) less
 * -s/--save and -i/--impl with their values, then -w @workload -r 1 -q
 * -f raw -i @impls, then NULL. @out has room for @max pointers into @argv
 * and the arguments. Returns the count before the NULL, or -1 if it would
 * not fit.
 */
int remote_argv(const char *exe, int argc, char *const *argv,
		const char *workload, const char *impls, const char **out,
		int max);
/*
 * Run the helper on workload @id for the remote implementations @o
 * selects, with this run's @argc/@argv, and add its samples to @res: one
 * per row of each such implementation (NAN if the helper is missing or
 * fails, said once on stderr).
 */
void peer_run(enum workload_id id, const struct bench_opts *o, int argc,
	      char **argv, struct results *res);

/* ---- system helpers (sys.c) ---- */

uint64_t now_ns(void);
double cpu_seconds(void);		/* user + system time of the process */
pid_t bench_gettid(void);
int pin_self(int cpu);			/* 0, or an errno */
void busy_ns(int ns);			/* calibrated busy work */
void busy_calibrate(void);
/* True if thread @tid is asleep in a futex wait (from /proc). */
bool thread_in_futex(pid_t tid);

/*
 * Count futex system calls with perf's syscalls:sys_enter_futex
 * tracepoint: of this thread only, or also of threads it creates later
 * (@inherit); with @obj, only calls on a futex word inside the @len bytes at
 * @obj (the semaphore: a work queue's own lock is not counted). Returns a
 * descriptor, or -1 where the machine does not allow it (the report then
 * prints n/a).
 */
int futex_counter_open(bool inherit, const void *obj, size_t len);
/* Bytes impl_new() gives an object of @impl: its futex words lie inside. */
size_t impl_span(const struct bench_impl *impl);
/*
 * Find out once, at the start, whether futex calls can be counted here
 * (mounting tracefs as root if need be), and unless @say is false (a
 * helper whose parent says it), say on stderr why not and how to enable
 * it: every later failure is said at most once more.
 */
void futex_counter_probe(bool say);
/* The count so far; -1 on error. */
long long futex_counter_read(int fd);
void futex_counter_close(int fd);

/*
 * Run one repetition of workload @id (repetition o->rep_now of
 * o->rep_total; main loops over repetitions), appending one sample per
 * metric to its rows in @res.
 */
void run_workload(enum workload_id id, const struct bench_opts *o,
		  struct results *res);

/* Progress on stderr (a line that rewrites itself on a terminal). */
void progress(const struct bench_opts *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void progress_done(const struct bench_opts *o);

/*
 * A peer that loses a wake-up leaves a workload waiting for ever (libstdc++
 * 12's std::counting_semaphore did, GCC bug 98033). Once started, a
 * watchdog ends the process with exit status 3 and a message naming the
 * step of the last progress() call, when none has come for @limit_s. (At
 * the end of a run, join_kicking() below wakes such a sleeper instead.)
 */
void watchdog_start(int limit_s);

/*
 * Join @th, a thread of a run of @impl on @sem that returns as soon as
 * the semaphore lets it (the pool's stop flag, idle's end-of-run permits;
 * not the work queue's, whose consumers drain a backlog first). Such a
 * peer can also leave it asleep with permits free and nobody left to
 * post: libstdc++'s semaphore wakes a sleeper only on a release from 0, so
 * the last releases of a run may wake nobody. After JOIN_PATIENCE_MS
 * without the thread, the driver takes every free permit and gives each
 * back, one at a time (each a release from 0), and waits again: no permit
 * is made or lost, and a correct semaphore's threads are back long before.
 * Returns whether permits were free then (the run's time includes the
 * wait), and says so on stderr.
 */
#define JOIN_PATIENCE_MS 100
bool join_kicking(pthread_t th, const struct bench_impl *impl, void *sem);

/*
 * A uniform sample of at most RESERVOIR_MAX of the values added (reservoir
 * sampling: it speaks of the whole run, not its start), and the exact
 * maximum of all of them.
 */
#define RESERVOIR_MAX 4096
struct reservoir {
	int n;
	uint64_t seen, rng;
	double max;
	double v[RESERVOIR_MAX];
};
void reservoir_reset(struct reservoir *r, uint64_t seed);
void reservoir_add(struct reservoir *r, double v);

/*
 * An open-loop arrival schedule and its latency accounting (openloop.c).
 * One dispatcher thread calls next, post and end; any number of workers
 * call take after each successful wait.
 */
struct arrivals {
	double mean_ns;		/* mean gap between arrivals */
	uint64_t rng, due_ns;	/* schedule: offset of the next arrival */
	uint64_t start_ns;	/* the clock at offset 0 */
	uint64_t *arrive_ns;	/* when request i arrived (was due) */
	size_t cap, posted;
	_Atomic uint64_t taken;	/* successful waits so far */
	_Atomic uint64_t end;	/* requests in all, once ended */
};
/* 0, or -1 (bad mean or capacity, no memory). */
int arrivals_init(struct arrivals *a, double mean_ns, uint64_t seed,
		  size_t cap);
void arrivals_free(struct arrivals *a);
/* The schedule starts (offset 0) at @now, on the clock of take's @now. */
void arrivals_start(struct arrivals *a, uint64_t now);
/* The offset from the start, in ns, of the next arrival: each gap drawn
 * from an exponential distribution of mean mean_ns. */
uint64_t arrivals_next(struct arrivals *a);
/*
 * Record that the request of the last arrivals_next arrives, before
 * posting it: its latency runs from its scheduled arrival, start + that
 * offset, however late the dispatcher gets to post it. (Timed from the
 * post, a slow post would hide its own cost: it delays the posts after
 * it, so their requests wait in no queue, and the workers look as fast
 * as the dispatcher is slow: coordinated omission.) False when the log
 * is full (then do not post).
 */
bool arrivals_post(struct arrivals *a);
/* No more requests: call before posting one end permit per worker. */
void arrivals_end(struct arrivals *a);
/* After a successful wait at @now: true and the latency of the request
 * this worker serves, or false for an end permit (the worker stops). */
bool arrivals_take(struct arrivals *a, uint64_t now, uint64_t *lat_ns);

/* A cache-line-padded per-thread counter. */
struct counter {
	_Alignas(64) uint64_t ops;
	char pad[64 - sizeof(uint64_t)];
};

/* Zeroed memory aligned for struct counter (64 bytes); free() it. */
void *bench_zalloc(size_t size);

/* A semaphore object of @impl, on its own cache lines; NULL on failure. */
void *impl_new(const struct bench_impl *impl, unsigned int value);
void impl_free(const struct bench_impl *impl, void *s);

#endif /* BENCH_H */
