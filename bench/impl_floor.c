/* SPDX-License-Identifier: MIT */
/*
 * impl_floor.c - not a semaphore: one lock xadd down and one up, the least
 * any counting semaphore's uncontended wait+post pair can cost. Used by the
 * uncontended workload only.
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

static void pairs(void *p, uint64_t n)
{
	long long *w = p;

	for (uint64_t i = 0; i < n; i++) {
		__atomic_fetch_add(w, -1, __ATOMIC_ACQUIRE);
		__atomic_fetch_add(w, 1, __ATOMIC_RELEASE);
	}
}

const struct bench_impl impl_floor = {
	.name = "2xadd", .kind = IMPL_FLOOR, .size = sizeof(long long),
	.init = init, .destroy = destroy, .pairs = pairs,
};
