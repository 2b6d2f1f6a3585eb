/* SPDX-License-Identifier: MIT */
/*
 * impl_pair.c - a bounded semaphore of N permits from two counting
 * semaphores of any counting implementation: "free" starts at N, "used" at
 * 0; acquire is wait(free), post(used); release is wait(used), post(free).
 *
 * The functions are written once. A pair's init records its counting
 * implementation in the object; every other call reads it from there. Each
 * inner semaphore has its own cache lines, and so has that pointer, which
 * is only read after init. The glibc pair, sem-pair, is the baseline of
 * the bounded ratios; built against musl for fsem-bench-musl (BENCH_MUSL)
 * it is the only pair there, musl-pair.
 */
#include "impl.h"

#include <errno.h>

#define SLOT	128		/* bytes of one inner semaphore, aligned */

struct pair {
	const struct bench_impl *in;
	_Alignas(SLOT) unsigned char free[SLOT];
	_Alignas(SLOT) unsigned char used[SLOT];
};

static int pair_init(struct pair *s, const struct bench_impl *in,
		     unsigned int n)
{
	if (in->size > SLOT) {
		errno = EINVAL;
		return -1;
	}
	s->in = in;
	if (in->init(s->free, n) != 0)
		return -1;
	if (in->init(s->used, 0) != 0) {
		in->destroy(s->free);
		return -1;
	}
	return 0;
}

static void destroy(void *p)
{
	struct pair *s = p;

	s->in->destroy(s->free);
	s->in->destroy(s->used);
}

static int acquire(void *p)
{
	struct pair *s = p;

	if (s->in->wait(s->free) != 0)
		return -1;
	return s->in->post(s->used);
}

static int release(void *p)
{
	struct pair *s = p;

	if (s->in->wait(s->used) != 0)
		return -1;
	return s->in->post(s->free);
}

static int tryacquire(void *p)
{
	struct pair *s = p;

	if (s->in->trywait(s->free) != 0)
		return -1;
	return s->in->post(s->used);
}

static int tryrelease(void *p)
{
	struct pair *s = p;

	if (s->in->trywait(s->used) != 0)
		return -1;
	return s->in->post(s->free);
}

static void pairs(void *s, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		acquire(s);
		release(s);
	}
}

/* The bounded implementation @sym, called @name, a pair of @inner. */
#define PAIR(sym, name_, inner, base)					\
	static int init_##sym(void *s, unsigned int n)			\
	{								\
		return pair_init(s, &inner, n);				\
	}								\
	const struct bench_impl sym = {					\
		.name = name_, .kind = IMPL_BOUNDED, .baseline = base,	\
		.size = sizeof(struct pair), .init = init_##sym,	\
		.destroy = destroy, .wait = acquire, .post = release,	\
		.trywait = tryacquire, .trypost = tryrelease,		\
		.pairs = pairs,						\
	}

#ifdef BENCH_MUSL	/* fsem-bench-musl: impl_glibc is musl's sem_t there */
PAIR(impl_sempair, "musl-pair", impl_glibc, true);
#else
PAIR(impl_sempair, "sem-pair", impl_glibc, true);
PAIR(impl_stdpair, "std-pair", impl_stdsem, false);
PAIR(impl_mcpair, "mc-pair", impl_moodycamel, false);
#endif
