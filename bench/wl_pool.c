/* SPDX-License-Identifier: MIT */
/*
 * wl_pool.c - admission control: N permits guard a resource, T threads
 * acquire one, hold it for some work, release it and work outside. Reports
 * operations/s, the p99 time to acquire (sampled), CPU per operation and
 * futex system calls per operation.
 */
#include "bench.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#define LAT_EVERY	16	/* time one acquire in this many */
#define LAT_MAX		4096	/* samples kept per thread: a reservoir */

struct pool;

struct pool_thread {
	struct pool *p;
	struct counter done;
	double lat[LAT_MAX];
	int nlat;
	uint64_t seen, rng;	/* timed acquires; reservoir random state */
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

/*
 * Keep @v in a uniform sample of all timed acquires of the run (reservoir
 * sampling), so the percentile speaks of the whole run, not its start.
 */
static void keep(struct pool_thread *t, double v)
{
	uint64_t j;

	t->seen++;
	if (t->nlat < LAT_MAX) {
		t->lat[t->nlat++] = v;
		return;
	}
	t->rng ^= t->rng << 13;		/* xorshift64 */
	t->rng ^= t->rng >> 7;
	t->rng ^= t->rng << 17;
	j = t->rng % t->seen;
	if (j < LAT_MAX)
		t->lat[j] = v;
}

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
			keep(t, (double)(now_ns() - t0));
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
	double mops, p99_us, cpu, futex;
};

static bool pool_once(struct pool *p, int threads, int permits,
		      int duration_ms, double *lat, struct pool_sample *out)
{
	struct timespec d = { duration_ms / 1000,
			      (duration_ms % 1000) * 1000000L };
	uint64_t t0, t1, ops = 0;
	double c0, c1;
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
		p->t[i].nlat = 0;
		p->t[i].seen = 0;
		p->t[i].rng = 0x9E3779B97F4A7C15ull * (uint64_t)(i + 1);
		if (pthread_create(&p->t[i].th, NULL, pool_worker, &p->t[i]))
			abort();	/* the barrier would wait forever */
	}
	pthread_barrier_wait(&p->go);
	t0 = now_ns();
	c0 = cpu_seconds();
	nanosleep(&d, NULL);	/* the measured run: not a synchronization */
	atomic_store(&p->stop, true);
	for (i = 0; i < threads; i++) {
		pthread_join(p->t[i].th, NULL);
		ops += p->t[i].done.ops;
		for (int k = 0; k < p->t[i].nlat; k++)
			lat[nlat++] = p->t[i].lat[k];
	}
	t1 = now_ns();
	c1 = cpu_seconds();
	out->futex = fd < 0 ? NAN :
		(double)(futex_counter_read(fd) - f0) / (double)ops;
	futex_counter_close(fd);
	out->mops = ops * 1e3 / (double)(t1 - t0);
	out->cpu = (c1 - c0) * 1e6 / (double)ops;
	out->p99_us = percentile(lat, nlat, 99) / 1e3;
	pthread_barrier_destroy(&p->go);
	impl_free(p->impl, p->sem);
	return ops > 0;
}

void wl_pool(const struct bench_opts *o, struct results *res)
{
	const char *wl = "pool";
	struct pool *p = bench_zalloc(sizeof(*p));
	double *lat = malloc(sizeof(double) * LAT_MAX * MAX_THREADS);

	if (!p || !lat)
		goto out;
	p->hold_ns = o->hold_ns;
	p->work_ns = o->work_ns;
	for (int k = 0; k < o->pool_threads.n; k++) {
		int th = o->pool_threads.v[k];
		char cfg[40];

		snprintf(cfg, sizeof(cfg), "T=%d,N=%d", th, o->pool_permits);
		for (int rep = 0; rep < o->reps; rep++) {
			for (size_t m = 0; m < bench_nimpls; m++) {
				const struct bench_impl *impl = bench_impls[m];
				struct pool_sample s;
				bool ok;

				if (impl->kind == IMPL_FLOOR ||
				    !opts_want(o, impl))
					continue;
				progress(o, "%s %s: rep %d/%d %s", wl, cfg,
					 rep + 1, o->reps, impl->name);
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
					"cpu", "CPU-s/M", false, false),
					ok ? s.cpu : NAN);
				row_add(results_row(res, wl, cfg, th, impl,
					"futex", "calls/op", false, false),
					ok ? s.futex : NAN);
			}
		}
	}
out:
	free(lat);
	free(p);
}
