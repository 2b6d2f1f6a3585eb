/* SPDX-License-Identifier: MIT */
/*
 * impl_glibc.c - glibc's sem_t, the baseline of every counting ratio.
 * Built against musl for fsem-bench-musl (BENCH_MUSL), it is musl's sem_t.
 */
#include "impl.h"

#include <semaphore.h>

#ifdef BENCH_MUSL
#define NAME	"musl"
#else
#define NAME	"glibc"
#endif

static int init(void *s, unsigned int v)
{
	return sem_init(s, 0, v);
}

static void destroy(void *s)
{
	(void)sem_destroy(s);
}

static int wait(void *s)
{
	return sem_wait(s);
}

static int post(void *s)
{
	return sem_post(s);
}

static int trywait(void *s)
{
	return sem_trywait(s);
}

static void pairs(void *p, uint64_t n)
{
	sem_t *s = p;

	for (uint64_t i = 0; i < n; i++) {
		sem_wait(s);
		sem_post(s);
	}
}

const struct bench_impl impl_glibc = {
	.name = NAME, .kind = IMPL_COUNTING, .baseline = true,
	.size = sizeof(sem_t), .init = init, .destroy = destroy,
	.wait = wait, .post = post, .trywait = trywait, .trypost = post,
	.pairs = pairs,
};
