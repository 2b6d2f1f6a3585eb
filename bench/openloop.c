/* SPDX-License-Identifier: MIT */
/*
 * openloop.c - the bookkeeping of an open-loop workload: when requests
 * arrive (exponentially distributed gaps of a fixed mean, drawn from a seed,
 * so a schedule can be replayed), when each arrived, and which request a
 * worker that got a permit serves. Permits are fungible, so the n-th
 * successful wait serves the n-th request posted: requests are served in
 * arrival order, as from a queue, and a latency is always "the request's
 * scheduled arrival to the moment its worker runs", which includes any
 * delay of its post.
 */
#include "bench.h"

#include <math.h>
#include <stdlib.h>

/* xorshift64*: a uniform double in (0, 1), never 0 (log(0) is -inf). */
static double uniform01(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return ((x * 0x2545F4914F6CDD1Dull >> 11) + 0.5) / 9007199254740992.0;
}

int arrivals_init(struct arrivals *a, double mean_ns, uint64_t seed,
		  size_t cap)
{
	if (!(mean_ns > 0) || cap == 0)
		return -1;
	a->arrive_ns = malloc(cap * sizeof(a->arrive_ns[0]));
	if (!a->arrive_ns)
		return -1;
	a->cap = cap;
	a->mean_ns = mean_ns;
	a->rng = seed ? seed : 0x9E3779B97F4A7C15ull;	/* 0 is a fixed point */
	a->due_ns = 0;
	a->start_ns = 0;
	a->posted = 0;
	atomic_init(&a->taken, 0);
	atomic_init(&a->end, UINT64_MAX);
	return 0;
}

void arrivals_free(struct arrivals *a)
{
	free(a->arrive_ns);
	a->arrive_ns = NULL;
}

void arrivals_start(struct arrivals *a, uint64_t now)
{
	a->start_ns = now;
}

uint64_t arrivals_next(struct arrivals *a)
{
	a->due_ns += (uint64_t)llround(-a->mean_ns * log(uniform01(&a->rng)));
	return a->due_ns;
}

bool arrivals_post(struct arrivals *a)
{
	if (a->posted == a->cap)
		return false;
	a->arrive_ns[a->posted++] = a->start_ns + a->due_ns;
	return true;
}

void arrivals_end(struct arrivals *a)
{
	/* (E) before the end permits are posted; pairs with (T). */
	atomic_store_explicit(&a->end, a->posted, memory_order_release);
}

bool arrivals_take(struct arrivals *a, uint64_t now, uint64_t *lat_ns)
{
	uint64_t i = atomic_fetch_add_explicit(&a->taken, 1,
					       memory_order_relaxed);

	/*
	 * Only a->posted real permits exist and every one was posted after
	 * its arrive_ns entry was written, so i < posted is a request whose
	 * entry the semaphore's wait made visible. An i past the real ones
	 * can only come from an end permit, posted after (E): (T).
	 */
	if (i >= atomic_load_explicit(&a->end, memory_order_acquire))
		return false;
	*lat_ns = now > a->arrive_ns[i] ? now - a->arrive_ns[i] : 0;
	return true;
}

void reservoir_add(struct reservoir *r, double v)
{
	uint64_t j;

	r->seen++;
	if (v > r->max)
		r->max = v;
	if (r->n < RESERVOIR_MAX) {
		r->v[r->n++] = v;
		return;
	}
	j = (uint64_t)(uniform01(&r->rng) * (double)r->seen);
	if (j < RESERVOIR_MAX)
		r->v[j] = v;
}

void reservoir_reset(struct reservoir *r, uint64_t seed)
{
	r->n = 0;
	r->seen = 0;
	r->max = 0;
	r->rng = seed ? seed : 1;
}
