/* SPDX-License-Identifier: MIT */
/*
 * wl_uncontended.c - one thread, wait+post pairs on a semaphore holding one
 * permit: the fast path. The process has created and joined a thread first
 * (glibc skips the atomics of pthread_mutex_lock in a process that never
 * made one, which would flatter the mutex-based semaphores 2.5x).
 */
#include "bench.h"

#include <math.h>
#include <pthread.h>

static void *nothing(void *arg)
{
	return arg;
}

void bench_make_thread_once(void)
{
	static bool done;
	pthread_t th;

	if (done || pthread_create(&th, NULL, nothing, NULL) != 0)
		return;
	pthread_join(th, NULL);
	done = true;
}

void wl_uncontended(const struct bench_opts *o, struct results *res)
{
	const char *wl = "uncontended";
	const struct bench_impl *impl;

	bench_make_thread_once();
	for (size_t i = 0; (impl = opts_turn(o, i)); i++) {
		double t = NAN, fx = NAN;
		long long c0, c1;
		uint64_t t0, t1;
		void *s;
		int fd;

		if (!impl->pairs)
			continue;
		progress(o, "%s: rep %d/%d %s", wl, o->rep_now, o->rep_total,
			 impl->name);
		s = impl_new(impl, 1);
		if (s) {
			impl->pairs(s, o->pairs / 16 + 1);	/* warm up */
			fd = futex_counter_open(false, s,
						impl_span(impl));
			c0 = futex_counter_read(fd);
			t0 = now_ns();
			impl->pairs(s, o->pairs);
			t1 = now_ns();
			c1 = futex_counter_read(fd);
			futex_counter_close(fd);
			impl_free(impl, s);
			t = (double)(t1 - t0) / (double)o->pairs;
			if (fd >= 0 && c0 >= 0 && c1 >= 0)
				fx = (double)(c1 - c0) /
				     (double)o->pairs;
		}
		/* one row at a time: a new row may move the others */
		row_add(results_row(res, wl, "-", 1, impl, "time",
				    "ns/pair", false, true), t);
		row_add(results_row(res, wl, "-", 1, impl, "futex",
				    "calls/pair", false, false), fx);
	}
}
