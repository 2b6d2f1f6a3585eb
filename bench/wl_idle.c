/* SPDX-License-Identifier: MIT */
/*
 * wl_idle.c - idle workers, open loop: the server whose workers are mostly
 * asleep. A dispatcher posts requests at exponentially distributed gaps of
 * a fixed mean (openloop.c), whatever the workers do (it never waits for
 * them); W workers wait on the semaphore, and each successful wait serves
 * the oldest request not yet served. Reports the latency from a request's
 * scheduled arrival to its worker running (p50, p99; a post made late by
 * the ones before it counts from when it was due, see arrivals_post in
 * bench.h), the CPU time of all threads per request (the workers' own
 * clocks, plus the dispatcher's time inside post: its pacing is not the
 * semaphore's cost), and futex calls per request. Spinning shows here
 * both ways: it can cut the latency and it burns CPU on workers that
 * have nothing to do.
 */
#include "bench.h"

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <time.h>

/*
 * Gaps longer than this are slept (to about SLEEP_EARLY before), shorter
 * ones spun: nanosleep is far too coarse for microsecond gaps. The
 * dispatcher sleeps with 1 ns of timer slack (DISPATCH_SLACK_NS): with
 * Linux's default of 50 us its nanosleep ended past the margin, and at
 * 200 us gaps its posts came a median 22-23 us after their due times,
 * most of every implementation's measured latency (0.09-0.22 us with it).
 */
#define SLEEP_OVER_NS	100000
#define SLEEP_EARLY_NS	60000
#define DISPATCH_SLACK_NS	1UL

struct idle;

struct idle_worker {
	struct idle *w;
	struct reservoir lat;	/* ns */
	double cpu;		/* this thread's CPU seconds */
	pthread_t th;
};

struct idle {
	const struct bench_impl *impl;
	void *sem;
	int work_ns;
	struct arrivals arr;
	pthread_barrier_t go;
	struct idle_worker t[MAX_THREADS];
};

static double thread_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void *idle_worker(void *arg)
{
	struct idle_worker *t = arg;
	struct idle *w = t->w;
	uint64_t lat;

	pthread_barrier_wait(&w->go);
	for (;;) {
		w->impl->wait(w->sem);
		if (!arrivals_take(&w->arr, now_ns(), &lat))
			break;		/* an end-of-run permit */
		reservoir_add(&t->lat, (double)lat);
		busy_ns(w->work_ns);
	}
	t->cpu = thread_cpu();
	return NULL;
}

/* Wait until @due (absolute, now_ns's clock): sleep the long part, spin
 * the rest. */
static void pace(uint64_t due)
{
	uint64_t now = now_ns();

	if (due > now + SLEEP_OVER_NS) {
		uint64_t ns = due - now - SLEEP_EARLY_NS;
		struct timespec d = { (time_t)(ns / 1000000000u),
				      (long)(ns % 1000000000u) };

		nanosleep(&d, NULL);	/* pacing, not a synchronization */
	}
	while (now_ns() < due)
		;
}

struct idle_sample {
	double p50_us, p99_us, cpu_us, futex;
};

static bool idle_once(struct idle *w, int workers, double gap_us,
		      int duration_ms, double *lat, struct idle_sample *out)
{
	uint64_t t0, end, requests, in_post = 0;
	double cpu = 0;
	long long f0;
	int i, fd, nlat = 0, slack;

	/* Twice the expected requests: an unlucky schedule still fits. */
	if (arrivals_init(&w->arr, gap_us * 1e3,
			  0x5DEECE66Dull * (uint64_t)(workers + 1),
			  (size_t)(2 * duration_ms * 1e3 / gap_us) + 1024))
		return false;
	w->sem = impl_new(w->impl, 0);
	if (!w->sem) {
		arrivals_free(&w->arr);
		return false;
	}
	pthread_barrier_init(&w->go, NULL, workers + 1);
	fd = futex_counter_open(true, w->sem, impl_span(w->impl));
	f0 = futex_counter_read(fd);
	for (i = 0; i < workers; i++) {
		w->t[i].w = w;
		reservoir_reset(&w->t[i].lat, 0xD1B54A32D192ED03ull * (i + 1));
		if (pthread_create(&w->t[i].th, NULL, idle_worker, &w->t[i]))
			abort();	/* the barrier would wait forever */
	}
	pthread_barrier_wait(&w->go);
	/* this thread's, for this run (a failure only makes pacing coarse) */
	slack = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
	(void)prctl(PR_SET_TIMERSLACK, DISPATCH_SLACK_NS, 0, 0, 0);
	t0 = now_ns();
	arrivals_start(&w->arr, t0);
	end = t0 + (uint64_t)duration_ms * 1000000u;
	for (;;) {
		uint64_t due = t0 + arrivals_next(&w->arr), t;

		if (due >= end)
			break;
		pace(due);
		if (!arrivals_post(&w->arr))
			break;
		t = now_ns();
		w->impl->post(w->sem);
		in_post += now_ns() - t;
	}
	if (slack > 0)
		(void)prctl(PR_SET_TIMERSLACK, (unsigned long)slack, 0, 0, 0);
	requests = w->arr.posted;
	arrivals_end(&w->arr);
	for (i = 0; i < workers; i++)
		w->impl->post(w->sem);
	for (i = 0; i < workers; i++) {
		struct reservoir *r = &w->t[i].lat;

		join_kicking(w->t[i].th, w->impl, w->sem);
		cpu += w->t[i].cpu;
		for (int k = 0; k < r->n; k++)
			lat[nlat++] = r->v[k];
	}
	out->futex = fd < 0 || !requests ? NAN :
		(double)(futex_counter_read(fd) - f0) / (double)requests;
	futex_counter_close(fd);
	out->cpu_us = requests ? (cpu + in_post * 1e-9) * 1e6 / requests : NAN;
	out->p50_us = percentile(lat, nlat, 50) / 1e3;
	out->p99_us = percentile(lat, nlat, 99) / 1e3;
	pthread_barrier_destroy(&w->go);
	impl_free(w->impl, w->sem);
	arrivals_free(&w->arr);
	return requests > 0;
}

/*
 * One unmeasured run of a cell before its implementations: whatever ran
 * first in a cell paid for the cell before it. With the dispatcher on
 * time, fsem, first in every cell, read a p50 of 14-21 us in every
 * repetition of the first 200 us cell while the same code through
 * fsem.hpp, later in the cell, read 4.2-4.9 us (and 14 us once). The
 * run is of the implementation that runs first in this repetition
 * (opts_turn): the same code, in the same place.
 */
static void warm_up(const struct bench_opts *o, struct idle *w, int workers,
		    int gap_us, double *lat)
{
	const struct bench_impl *impl;
	struct idle_sample s;

	for (size_t m = 0; (impl = opts_turn(o, m)); m++) {
		if (impl->kind == IMPL_COUNTING) {
			w->impl = impl;
			(void)idle_once(w, workers, gap_us, o->duration_ms,
					lat, &s);
			return;
		}
	}
}

void wl_idle(const struct bench_opts *o, struct results *res)
{
	const char *wl = "idle";
	struct idle *w = bench_zalloc(sizeof(*w));
	double *lat = malloc(sizeof(double) * RESERVOIR_MAX * MAX_THREADS);

	if (!w || !lat)
		goto out;
	w->work_ns = o->work_ns;
	for (int c = 0; c < o->idle_gap_us.n * o->idle_workers.n; c++) {
		int gap = o->idle_gap_us.v[c / o->idle_workers.n];
		int nw = o->idle_workers.v[c % o->idle_workers.n];
		const struct bench_impl *impl;
		char cfg[40];

		snprintf(cfg, sizeof(cfg), "gap=%dus,W=%d", gap, nw);
		progress(o, "%s %s: rep %d/%d warm-up", wl, cfg, o->rep_now,
			 o->rep_total);
		warm_up(o, w, nw, gap, lat);
		for (size_t m = 0; (impl = opts_turn(o, m)); m++) {
			struct idle_sample s;
			bool ok;

			if (impl->kind != IMPL_COUNTING)
				continue;
			progress(o, "%s %s: rep %d/%d %s", wl, cfg,
				 o->rep_now, o->rep_total, impl->name);
			w->impl = impl;
			ok = idle_once(w, nw, gap, o->duration_ms, lat,
				       &s);
			row_add(results_row(res, wl, cfg, nw, impl,
				"latency-p50", "us", false, true),
				ok ? s.p50_us : NAN);
			row_add(results_row(res, wl, cfg, nw, impl,
				"latency-p99", "us", false, false),
				ok ? s.p99_us : NAN);
			row_add(results_row(res, wl, cfg, nw, impl,
				"cpu", "CPU-us/req", false, false),
				ok ? s.cpu_us : NAN);
			row_add(results_row(res, wl, cfg, nw, impl,
				"futex", "calls/req", false, false),
				ok ? s.futex : NAN);
		}
	}
out:
	free(lat);
	free(w);
}
