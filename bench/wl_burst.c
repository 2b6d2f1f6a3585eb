/* SPDX-License-Identifier: MIT */
/*
 * wl_burst.c - k threads sleep on a semaphore at 0; one thread posts k
 * permits, with fsem_post_n (one call) or with k posts. Reports the time from
 * the first post until the last of the k sleepers runs, and the futex
 * system calls the posting thread made per permit.
 */
#include "bench.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct burst;

struct sleeper {
	struct burst *b;
	_Atomic pid_t tid;
	uint64_t woke;
	pthread_t th;
};

struct burst {
	const struct bench_impl *impl;
	void *sem;
	struct sleeper s[MAX_THREADS];
};

static void *sleeper_fn(void *arg)
{
	struct sleeper *s = arg;

	atomic_store(&s->tid, bench_gettid());
	s->b->impl->wait(s->b->sem);
	s->woke = now_ns();
	return NULL;
}

/* Until every sleeper is in a futex wait; false after 10 s. */
static bool all_asleep(struct burst *b, int k)
{
	uint64_t end = now_ns() + 10000000000ull;

	for (int i = 0; i < k; i++) {
		pid_t tid;

		while ((tid = atomic_load(&b->s[i].tid)) == 0 ||
		       !thread_in_futex(tid)) {
			if (now_ns() > end)
				return false;
			sched_yield();
		}
	}
	return true;
}

static bool burst_once(struct burst *b, int k, bool use_post_n,
		       double *all_us, double *calls)
{
	uint64_t t0, last = 0;
	long long c0, c1;
	int i, fd;
	bool ok;

	b->sem = impl_new(b->impl, 0);
	if (!b->sem)
		return false;
	for (i = 0; i < k; i++) {
		memset(&b->s[i], 0, sizeof(b->s[i]));
		b->s[i].b = b;
		if (pthread_create(&b->s[i].th, NULL, sleeper_fn, &b->s[i]))
			abort();	/* it could never be woken */
	}
	ok = all_asleep(b, k);
	fd = futex_counter_open(false, b->sem, impl_span(b->impl));
	c0 = futex_counter_read(fd);
	t0 = now_ns();
	if (use_post_n)
		b->impl->post_n(b->sem, (unsigned int)k);
	else
		for (i = 0; i < k; i++)
			b->impl->post(b->sem);
	c1 = futex_counter_read(fd);
	futex_counter_close(fd);
	for (i = 0; i < k; i++) {
		pthread_join(b->s[i].th, NULL);
		if (b->s[i].woke > last)
			last = b->s[i].woke;
	}
	impl_free(b->impl, b->sem);
	*all_us = (double)(last - t0) / 1e3;
	*calls = fd < 0 || c0 < 0 || c1 < 0 ? NAN : (double)(c1 - c0) / k;
	return ok;
}

void wl_burst(const struct bench_opts *o, struct results *res)
{
	const char *wl = "burst";
	static struct bench_impl postn_view;
	const struct bench_impl *impl;
	struct burst *b = calloc(1, sizeof(*b));

	if (!b)
		return;
	postn_view = impl_fsem;
	postn_view.name = "fsem-post_n";
	for (int k = 0; k < o->burst_k.n; k++) {
		int n = o->burst_k.v[k];
		char cfg[40];

		snprintf(cfg, sizeof(cfg), "k=%d", n);
		for (size_t m = 0; (impl = opts_turn(o, m)); m++) {
			if (impl->kind != IMPL_COUNTING)
				continue;
			/* fsem twice: by fsem_post_n, then by single posts */
			for (int view = impl == &impl_fsem; view >= 0; view--) {
				const struct bench_impl *run = view ?
					&postn_view : impl;
				double us, calls;
				bool ok;

				progress(o, "%s %s: rep %d/%d %s", wl, cfg,
					 o->rep_now, o->rep_total, run->name);
				b->impl = run;
				ok = burst_once(b, n, view, &us, &calls);
				row_add(results_row(res, wl, cfg, n, run,
					"all-running", "us", false, true),
					ok ? us : NAN);
				row_add(results_row(res, wl, cfg, n, run,
					"wakes", "calls/permit", false, false),
					ok ? calls : NAN);
			}
		}
	}
	free(b);
}
