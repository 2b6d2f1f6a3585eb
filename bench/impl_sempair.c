/* SPDX-License-Identifier: MIT */
/*
 * impl_sempair.c - a bounded semaphore from two glibc sem_t, the baseline of
 * the bounded ratios: "free" starts at N, "used" at 0; acquire is
 * wait(free), post(used); release is wait(used), post(free). Built against
 * musl for fsem-bench-musl (BENCH_MUSL), it is a pair of musl's sem_t.
 */
#include "impl.h"

#include <semaphore.h>

#ifdef BENCH_MUSL
#define NAME	"musl-pair"
#else
#define NAME	"sem-pair"
#endif

struct sempair {
	sem_t free, used;
};

static int init(void *p, unsigned int n)
{
	struct sempair *s = p;

	if (sem_init(&s->free, 0, n) != 0)
		return -1;
	if (sem_init(&s->used, 0, 0) != 0) {
		sem_destroy(&s->free);
		return -1;
	}
	return 0;
}

static void destroy(void *p)
{
	struct sempair *s = p;

	sem_destroy(&s->free);
	sem_destroy(&s->used);
}

static int acquire(void *p)
{
	struct sempair *s = p;

	if (sem_wait(&s->free) != 0)
		return -1;
	return sem_post(&s->used);
}

static int release(void *p)
{
	struct sempair *s = p;

	if (sem_wait(&s->used) != 0)
		return -1;
	return sem_post(&s->free);
}

static int tryacquire(void *p)
{
	struct sempair *s = p;

	if (sem_trywait(&s->free) != 0)
		return -1;
	return sem_post(&s->used);
}

static int tryrelease(void *p)
{
	struct sempair *s = p;

	if (sem_trywait(&s->used) != 0)
		return -1;
	return sem_post(&s->free);
}

static void pairs(void *s, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		acquire(s);
		release(s);
	}
}

const struct bench_impl impl_sempair = {
	.name = NAME, .kind = IMPL_BOUNDED, .baseline = true,
	.size = sizeof(struct sempair), .init = init, .destroy = destroy,
	.wait = acquire, .post = release, .trywait = tryacquire,
	.trypost = tryrelease, .pairs = pairs,
};
