/* SPDX-License-Identifier: MIT */
/*
 * wl_pool.c - admission control: N permits guard a resource, T threads
 * acquire one, hold it for some work, release it and work outside. Reports
 * operations/s, CPU and futex system calls per operation, and what shows
 * starvation: the time to acquire at p99 and p99.9 and its maximum (of the
 * timed acquires, one in LAT_EVERY), and the fewest and most operations
 * any one thread made, as a multiple of the mean per thread.
 */
#include "bench.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#define LAT_EVERY	16	/* time one acquire in this many */

struct pool;

struct pool_thread {
	struct pool *p;
	struct counter done;
	struct reservoir lat;	/* timed acquires, ns */
	pthread_t th;
};

struct pool {
	const struct bench_impl *impl;
	void *sem;
	int hold_ns, work_ns;
	pthread_barrier_t go;
	_Atomic bool stop;
	struct pool_thread t[MAX_THREADS];
};

static void *pool_worker(void *arg)
{
	struct pool_thread *t = arg;
	struct pool *p = t->p;
	uint64_t n = 0, t0;

	pthread_barrier_wait(&p->go);
	while (!atomic_load_explicit(&p->stop, memory_order_relaxed)) {
		if (n % LAT_EVERY == 0) {
			t0 = now_ns();
			p->impl->wait(p->sem);
			reservoir_add(&t->lat, (double)(now_ns() - t0));
		} else {
			p->impl->wait(p->sem);
		}
		busy_ns(p->hold_ns);
		p->impl->post(p->sem);
		busy_ns(p->work_ns);
		n++;
	}
	t->done.ops = n;
	return NULL;
}

struct pool_sample {
	double mops, p99_us, p999_us, max_us, cpu, futex, tmin, tmax;
};

/* Fewest and most operations of one thread, as multiples of the mean. */
static void spread(const struct pool *p, int threads, uint64_t ops,
		   struct pool_sample *out)
{
	uint64_t lo = UINT64_MAX, hi = 0;
	double mean = (double)ops / threads;

	for (int i = 0; i < threads; i++) {
		uint64_t n = p->t[i].done.ops;

		lo = n < lo ? n : lo;
		hi = n > hi ? n : hi;
	}
	out->tmin = lo / mean;
	out->tmax = hi / mean;
}

static bool pool_once(struct pool *p, int threads, int permits,
		      int duration_ms, double *lat, struct pool_sample *out)
{
	struct timespec d = { duration_ms / 1000,
			      (duration_ms % 1000) * 1000000L };
	uint64_t t0, t1, ops = 0;
	double c0, c1, max = 0;
	long long f0;
	int i, fd, nlat = 0;

	p->sem = impl_new(p->impl, (unsigned int)permits);
	if (!p->sem)
		return false;
	atomic_store(&p->stop, false);
	pthread_barrier_init(&p->go, NULL, threads + 1);
	fd = futex_counter_open(true, p->sem, impl_span(p->impl));
	f0 = futex_counter_read(fd);
	for (i = 0; i < threads; i++) {
		p->t[i].p = p;
		reservoir_reset(&p->t[i].lat,
				0x9E3779B97F4A7C15ull * (uint64_t)(i + 1));
		if (pthread_create(&p->t[i].th, NULL, pool_worker, &p->t[i]))
			abort();	/* the barrier would wait forever */
	}
	pthread_barrier_wait(&p->go);
	t0 = now_ns();
	c0 = cpu_seconds();
	nanosleep(&d, NULL);	/* the measured run: not a synchronization */
	atomic_store(&p->stop, true);
	for (i = 0; i < threads; i++) {
		struct reservoir *r = &p->t[i].lat;

		join_kicking(p->t[i].th, p->impl, p->sem);
		ops += p->t[i].done.ops;
		for (int k = 0; k < r->n; k++)
			lat[nlat++] = r->v[k];
		max = r->max > max ? r->max : max;
	}
	t1 = now_ns();
	c1 = cpu_seconds();
	out->futex = fd < 0 ? NAN :
		(double)(futex_counter_read(fd) - f0) / (double)ops;
	futex_counter_close(fd);
	out->mops = ops * 1e3 / (double)(t1 - t0);
	out->cpu = (c1 - c0) * 1e6 / (double)ops;
	out->p99_us = percentile(lat, nlat, 99) / 1e3;
	out->p999_us = percentile(lat, nlat, 99.9) / 1e3;
	out->max_us = max / 1e3;
	spread(p, threads, ops, out);
	pthread_barrier_destroy(&p->go);
	impl_free(p->impl, p->sem);
	return ops > 0;
}

void wl_pool(const struct bench_opts *o, struct results *res)
{
	const char *wl = "pool";
	struct pool *p = bench_zalloc(sizeof(*p));
	double *lat = malloc(sizeof(double) * RESERVOIR_MAX * MAX_THREADS);

	if (!p || !lat)
		goto out;
	p->hold_ns = o->hold_ns;
	p->work_ns = o->work_ns;
	for (int k = 0; k < o->pool_threads.n; k++) {
		int th = o->pool_threads.v[k];
		const struct bench_impl *impl;
		char cfg[40];

		snprintf(cfg, sizeof(cfg), "T=%d,N=%d", th, o->pool_permits);
		for (size_t m = 0; (impl = opts_turn(o, m)); m++) {
			struct pool_sample s;
			bool ok;

			if (impl->kind == IMPL_FLOOR)
				continue;
			progress(o, "%s %s: rep %d/%d %s", wl, cfg,
				 o->rep_now, o->rep_total, impl->name);
			p->impl = impl;
			ok = pool_once(p, th, o->pool_permits,
				       o->duration_ms, lat, &s);
			row_add(results_row(res, wl, cfg, th, impl,
				"throughput", "M/s", true, true),
				ok ? s.mops : NAN);
			row_add(results_row(res, wl, cfg, th, impl,
				"acquire-p99", "us", false, false),
				ok ? s.p99_us : NAN);
			row_add(results_row(res, wl, cfg, th, impl,
				"acquire-p99.9", "us", false, false),
				ok ? s.p999_us : NAN);
			row_add(results_row(res, wl, cfg, th, impl,
				"acquire-max", "us", false, false),
				ok ? s.max_us : NAN);
			row_add(results_row(res, wl, cfg, th, impl,
				"cpu", "CPU-s/M", false, false),
				ok ? s.cpu : NAN);
			row_add(results_row(res, wl, cfg, th, impl,
				"futex", "calls/op", false, false),
				ok ? s.futex : NAN);
			row_add(results_row(res, wl, cfg, th, impl,
				"thread-min", "x mean", true, false),
				ok ? s.tmin : NAN);
			row_add(results_row(res, wl, cfg, th, impl,
				"thread-max", "x mean", false, false),
				ok ? s.tmax : NAN);
		}
	}
out:
	free(lat);
	free(p);
}
