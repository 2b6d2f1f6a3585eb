/* SPDX-License-Identifier: MIT */
/*
 * wl_pingpong.c - two threads hand a permit back and forth through two
 * semaphores; round-trip latency p50 and p99, reported separately for the
 * threads pinned to two CPUs, both pinned to one CPU, and unpinned (the
 * three differ by 30x and more, so they are never mixed). The "spin"
 * floor shows what a pure spinner costs in each placement.
 */
#include "bench.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#define MAX_SAMPLES (1 << 20)

struct pp {
	const struct bench_impl *impl;
	void *ping, *pong;
	int cpu_a, cpu_b;	/* -1: unpinned */
	uint64_t duration_ns;
	double *lat;
	int n;
	_Atomic bool stop;
	bool pin_failed;	/* B could not be pinned: no sample */
};

static void *pp_b(void *arg)
{
	struct pp *p = arg;

	if (p->cpu_b >= 0)
		p->pin_failed = pin_self(p->cpu_b) != 0;	/* before any post */
	for (;;) {
		p->impl->wait(p->ping);
		if (atomic_load_explicit(&p->stop, memory_order_relaxed))
			break;
		p->impl->post(p->pong);
	}
	return NULL;
}

/* Side A, on the calling thread: time each round trip. */
static void pp_a(struct pp *p)
{
	uint64_t end = now_ns() + p->duration_ns, t0, t1 = 0;

	p->n = 0;
	while (p->n < MAX_SAMPLES && t1 < end) {
		t0 = now_ns();
		p->impl->post(p->ping);
		p->impl->wait(p->pong);
		t1 = now_ns();
		p->lat[p->n++] = (double)(t1 - t0);
	}
	atomic_store_explicit(&p->stop, true, memory_order_relaxed);
	p->impl->post(p->ping);		/* B sees stop after this wait */
}

/* One repetition; false if it could not run (then: n/a). */
static bool pp_once(struct pp *p, long long *futex_calls)
{
	pthread_t th;
	cpu_set_t all;
	int fd[2] = { -1, -1 };
	bool ok = false;

	p->ping = impl_new(p->impl, 0);
	p->pong = impl_new(p->impl, 0);
	atomic_store(&p->stop, false);
	p->pin_failed = false;
	sched_getaffinity(0, sizeof(all), &all);
	if (!p->ping || !p->pong)
		goto out;
	if (p->cpu_a >= 0 && pin_self(p->cpu_a) != 0)
		goto out;
	fd[0] = futex_counter_open(true, p->ping, impl_span(p->impl));
	fd[1] = futex_counter_open(true, p->pong, impl_span(p->impl));
	if (pthread_create(&th, NULL, pp_b, p) != 0)
		goto out;
	pp_a(p);
	pthread_join(th, NULL);
	if (p->pin_failed)
		goto out;
	*futex_calls = fd[0] < 0 || fd[1] < 0 ? -1 :
		futex_counter_read(fd[0]) + futex_counter_read(fd[1]);
	ok = true;
out:
	futex_counter_close(fd[0]);
	futex_counter_close(fd[1]);
	sched_setaffinity(0, sizeof(all), &all);	/* unpin */
	impl_free(p->impl, p->ping);
	impl_free(p->impl, p->pong);
	return ok;
}

void wl_pingpong(const struct bench_opts *o, struct results *res)
{
	static const struct { const char *name; int a, b; } place[] = {
		{ "2cpu", 0, 1 }, { "1cpu", 0, 0 }, { "unpinned", -1, -1 },
	};
	const char *wl = "pingpong";
	const struct bench_impl *impl;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	struct pp p = { 0 };

	p.lat = malloc(MAX_SAMPLES * sizeof(double));
	if (!p.lat)
		return;
	p.duration_ns = (uint64_t)o->duration_ms * 1000000;
	for (size_t k = 0; k < sizeof(place) / sizeof(place[0]); k++) {
		if (place[k].b >= ncpu)
			continue;	/* one CPU: no cross-CPU case */
		for (size_t i = 0; (impl = opts_turn(o, i)); i++) {
			double p50 = NAN, p99 = NAN, fx = NAN;
			long long calls = -1;

			if (impl->kind == IMPL_BOUNDED ||
			    !impl->wait)
				continue;
			progress(o, "%s %s: rep %d/%d %s", wl,
				 place[k].name, o->rep_now, o->rep_total,
				 impl->name);
			p.impl = impl;
			p.cpu_a = place[k].a;
			p.cpu_b = place[k].b;
			if (pp_once(&p, &calls) && p.n > 0) {
				fx = calls < 0 ? NAN :
				     (double)calls / p.n;
				p50 = percentile(p.lat, p.n, 50);
				p99 = percentile(p.lat, p.n, 99);
			}
			/* one row at a time: a new row may move the
			 * others (results_row reallocates) */
			row_add(results_row(res, wl, place[k].name, 2,
				impl, "p50", "ns", false, true), p50);
			row_add(results_row(res, wl, place[k].name, 2,
				impl, "p99", "ns", false, false), p99);
			row_add(results_row(res, wl, place[k].name, 2,
				impl, "futex", "calls/trip", false,
				false), fx);
		}
	}
	free(p.lat);
}
