/* SPDX-License-Identifier: MIT */
/*
 * impl_fsem.c - fsem_t: the default policy with adaptive spinning, with
 * FSEM_NOSPIN, and strict hand-off (FSEM_FIFO).
 */
#include "impl.h"

#include <fsem.h>

static int init_spin(void *s, unsigned int v)
{
	return fsem_init(s, 0, v);
}

static int init_nospin(void *s, unsigned int v)
{
	return fsem_init(s, FSEM_NOSPIN, v);
}

static int init_fifo(void *s, unsigned int v)
{
	return fsem_init(s, FSEM_FIFO, v);
}

static void destroy(void *s)
{
	(void)fsem_destroy(s);
}

/* The driver calls these through pointers; inside, fsem.h inlines. */
static int wait(void *s)
{
	return fsem_wait((fsem_t *)s);
}

static int post(void *s)
{
	return fsem_post((fsem_t *)s);
}

static int trywait(void *s)
{
	return fsem_trywait(s);
}

static int post_n(void *s, unsigned int n)
{
	return fsem_post_n(s, n);
}

/* The loop a caller of fsem.h compiles to: the inline fast paths. */
static void pairs(void *p, uint64_t n)
{
	fsem_t *s = p;

	for (uint64_t i = 0; i < n; i++) {
		fsem_wait(s);
		fsem_post(s);
	}
}

#define FSEM_IMPL(sym, name_, init_)					\
	const struct bench_impl sym = {					\
		.name = name_, .kind = IMPL_COUNTING,			\
		.size = sizeof(fsem_t), .init = init_,			\
		.destroy = destroy, .wait = wait, .post = post,		\
		.trywait = trywait, .trypost = post, .post_n = post_n,	\
		.pairs = pairs,						\
	}

FSEM_IMPL(impl_fsem, "fsem", init_spin);
FSEM_IMPL(impl_fsem_nospin, "fsem-nospin", init_nospin);
FSEM_IMPL(impl_fsem_fifo, "fsem-fifo", init_fifo);
