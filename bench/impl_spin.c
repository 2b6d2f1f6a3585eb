/* SPDX-License-Identifier: MIT */
/*
 * impl_spin.c - not a usable semaphore: a counter that waiters spin on and
 * never sleep. It is the floor of a cross-CPU hand-off (ping-pong on two
 * CPUs: one cache-line transfer each way), and shows on one CPU what
 * spinning costs when the poster cannot run. Used by the uncontended and
 * ping-pong workloads only.
 */
#include "impl.h"

static int init(void *s, unsigned int v)
{
	*(long long *)s = v;
	return 0;
}

static void destroy(void *s)
{
	(void)s;
}

static int wait(void *p)
{
	long long *w = p, c;

	for (;;) {
		c = __atomic_load_n(w, __ATOMIC_RELAXED);
		if (c > 0 && __atomic_compare_exchange_n(w, &c, c - 1, true,
				__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return 0;
#if defined(__x86_64__) || defined(__i386__)
		__builtin_ia32_pause();
#endif
	}
}

static int post(void *p)
{
	__atomic_fetch_add((long long *)p, 1, __ATOMIC_RELEASE);
	return 0;
}

static void pairs(void *s, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		wait(s);
		post(s);
	}
}

const struct bench_impl impl_spin = {
	.name = "spin", .kind = IMPL_FLOOR, .size = sizeof(long long),
	.init = init, .destroy = destroy, .wait = wait, .post = post,
	.pairs = pairs,
};
