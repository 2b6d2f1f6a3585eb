/* SPDX-License-Identifier: MIT */
/*
 * impl_bounded.c - fsem_bounded_t, default policy and FSEM_FIFO: acquire
 * is wait, release is post.
 */
#include "impl.h"

#include <fsem.h>

static int init(void *s, unsigned int n)
{
	return fsem_bounded_init(s, 0, n);
}

static int init_fifo(void *s, unsigned int n)
{
	return fsem_bounded_init(s, FSEM_FIFO, n);
}

static void destroy(void *s)
{
	(void)fsem_bounded_destroy(s);
}

static int acquire(void *s)
{
	return fsem_bounded_acquire(s);
}

static int release(void *s)
{
	return fsem_bounded_release(s);
}

static int tryacquire(void *s)
{
	return fsem_bounded_tryacquire(s);
}

static int tryrelease(void *s)
{
	return fsem_bounded_tryrelease(s);
}

static void pairs(void *s, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		fsem_bounded_acquire(s);
		fsem_bounded_release(s);
	}
}

#define BOUNDED_IMPL(sym, name_, init_)					\
	const struct bench_impl sym = {					\
		.name = name_, .kind = IMPL_BOUNDED,			\
		.size = sizeof(fsem_bounded_t), .init = init_,		\
		.destroy = destroy, .wait = acquire, .post = release,	\
		.trywait = tryacquire, .trypost = tryrelease,		\
		.pairs = pairs,						\
	}

BOUNDED_IMPL(impl_fsem_bounded, "fsem-bounded", init);
BOUNDED_IMPL(impl_fsem_bounded_fifo, "fsem-bounded-fifo", init_fifo);
