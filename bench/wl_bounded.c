/* SPDX-License-Identifier: MIT */
/*
 * wl_bounded.c - A acquirer and R releaser threads on one bounded semaphore
 * of N permits: acquirers block while all N are given out, releasers while
 * none is. Reports operations/s (acquires + releases), CPU per operation
 * and futex system calls per operation.
 *
 * To end a run the driver frees whoever is still blocked with try-calls:
 * a tryrelease for a blocked acquirer, a tryacquire for a blocked releaser.
 */
#include "bench.h"

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

struct bnd;

struct bnd_thread {
	struct bnd *b;
	bool acquirer;
	struct counter done;
	pthread_t th;
};

struct bnd {
	const struct bench_impl *impl;
	void *sem;
	int work_ns;
	pthread_barrier_t go;
	_Atomic bool stop;
	_Atomic int acq_left, rel_left;
	struct bnd_thread t[MAX_THREADS];
};

static void *bnd_worker(void *arg)
{
	struct bnd_thread *t = arg;
	struct bnd *b = t->b;
	int (*op)(void *) = t->acquirer ? b->impl->wait : b->impl->post;
	uint64_t n = 0;

	pthread_barrier_wait(&b->go);
	while (!atomic_load_explicit(&b->stop, memory_order_relaxed)) {
		op(b->sem);
		busy_ns(b->work_ns);
		n++;
	}
	t->done.ops = n;
	atomic_fetch_sub(t->acquirer ? &b->acq_left : &b->rel_left, 1);
	return NULL;
}

struct bnd_sample {
	double mops, cpu, futex;
};

static bool bnd_once(struct bnd *b, const struct bench_opts *o,
		     struct bnd_sample *out)
{
	struct timespec d = { o->duration_ms / 1000,
			      (o->duration_ms % 1000) * 1000000L };
	int i, na, fd, nt = o->bounded_acq + o->bounded_rel;
	uint64_t t0, t1, ops = 0;
	double c0, c1;
	long long f0;

	b->sem = impl_new(b->impl, (unsigned int)o->bounded_permits);
	if (!b->sem)
		return false;
	atomic_store(&b->stop, false);
	atomic_store(&b->acq_left, o->bounded_acq);
	atomic_store(&b->rel_left, o->bounded_rel);
	pthread_barrier_init(&b->go, NULL, nt + 1);
	fd = futex_counter_open(true, b->sem, impl_span(b->impl));
	f0 = futex_counter_read(fd);
	for (i = 0, na = 0; i < nt; i++) {	/* alternate while both remain */
		b->t[i].b = b;
		b->t[i].acquirer = na < o->bounded_acq &&
				   (i - na >= o->bounded_rel || i % 2 == 0);
		na += b->t[i].acquirer;
		if (pthread_create(&b->t[i].th, NULL, bnd_worker, &b->t[i]))
			abort();	/* the barrier would wait forever */
	}
	pthread_barrier_wait(&b->go);
	t0 = now_ns();
	c0 = cpu_seconds();
	nanosleep(&d, NULL);	/* the measured run: not a synchronization */
	atomic_store(&b->stop, true);
	while (atomic_load(&b->acq_left) || atomic_load(&b->rel_left)) {
		if (atomic_load(&b->acq_left))
			b->impl->trypost(b->sem);	/* frees an acquirer */
		if (atomic_load(&b->rel_left))
			b->impl->trywait(b->sem);	/* frees a releaser */
		sched_yield();
	}
	for (i = 0; i < nt; i++) {
		pthread_join(b->t[i].th, NULL);
		ops += b->t[i].done.ops;
	}
	t1 = now_ns();
	c1 = cpu_seconds();
	out->futex = fd < 0 ? NAN :
		(double)(futex_counter_read(fd) - f0) / (double)ops;
	futex_counter_close(fd);
	out->mops = ops * 1e3 / (double)(t1 - t0);
	out->cpu = (c1 - c0) * 1e6 / (double)ops;
	pthread_barrier_destroy(&b->go);
	impl_free(b->impl, b->sem);
	return ops > 0;
}

void wl_bounded(const struct bench_opts *o, struct results *res)
{
	const char *wl = "bounded";
	const struct bench_impl *impl;
	struct bnd *b = bench_zalloc(sizeof(*b));
	char cfg[40];

	if (!b)
		return;
	b->work_ns = o->work_ns;
	snprintf(cfg, sizeof(cfg), "A=%d,R=%d,N=%d", o->bounded_acq,
		 o->bounded_rel, o->bounded_permits);
	for (size_t m = 0; (impl = opts_turn(o, m)); m++) {
		int x = o->bounded_acq + o->bounded_rel;
		struct bnd_sample s;
		bool ok;

		if (impl->kind != IMPL_BOUNDED)
			continue;
		progress(o, "%s %s: rep %d/%d %s", wl, cfg, o->rep_now,
			 o->rep_total, impl->name);
		b->impl = impl;
		ok = bnd_once(b, o, &s);
		row_add(results_row(res, wl, cfg, x, impl,
			"throughput", "M/s", true, true),
			ok ? s.mops : NAN);
		row_add(results_row(res, wl, cfg, x, impl, "cpu",
			"CPU-s/M", false, false), ok ? s.cpu : NAN);
		row_add(results_row(res, wl, cfg, x, impl, "futex",
			"calls/op", false, false), ok ? s.futex : NAN);
	}
	free(b);
}
