/* SPDX-License-Identifier: MIT */
/*
 * impl_stdsem.cc - libstdc++'s std::counting_semaphore<> (C++20): an atomic
 * counter with a futex wait on it. The object is built in the driver's
 * memory and torn down by an explicit destructor call. Its max() is below
 * UINT_MAX, so init refuses what it cannot count, as sem_init does; posts
 * past max() are undefined and the driver never makes them.
 */
#include "impl.h"

#include <cerrno>
#include <new>
#include <semaphore>

typedef std::counting_semaphore<> stdsem;

static stdsem *sem(void *p)
{
	return static_cast<stdsem *>(p);
}

static int init(void *p, unsigned int v)
{
	if (v > stdsem::max()) {
		errno = EINVAL;
		return -1;
	}
	new (p) stdsem(v);
	return 0;
}

static void destroy(void *p)
{
	sem(p)->~stdsem();
}

static int wait(void *p)
{
	sem(p)->acquire();
	return 0;
}

static int post(void *p)
{
	sem(p)->release();
	return 0;
}

/* try_acquire spins a little before it fails; it never sleeps. */
static int trywait(void *p)
{
	if (sem(p)->try_acquire())
		return 0;
	errno = EAGAIN;
	return -1;
}

static int post_n(void *p, unsigned int n)
{
	if (n > stdsem::max()) {
		errno = EOVERFLOW;
		return -1;
	}
	sem(p)->release(n);
	return 0;
}

/* C++ would mangle the name; callgrind's --toggle-collect=pairs needs it. */
static void pairs(void *p, uint64_t n) __asm__("pairs");

static void pairs(void *p, uint64_t n)
{
	stdsem *s = sem(p);

	for (uint64_t i = 0; i < n; i++) {
		s->acquire();
		s->release();
	}
}

/* C++ wants every member named, in order. */
const struct bench_impl impl_stdsem = {
	.name = "std-sem", .kind = IMPL_COUNTING, .baseline = false,
	.remote = false,
	.size = sizeof(stdsem), .init = init, .destroy = destroy,
	.wait = wait, .post = post, .trywait = trywait, .trypost = post,
	.post_n = post_n, .pairs = pairs,
};
