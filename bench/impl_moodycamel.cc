/* SPDX-License-Identifier: MIT */
/*
 * impl_moodycamel.cc - moodycamel::LightweightSemaphore from
 * libconcurrentqueue-dev: an atomic count in front of a sem_t, which a
 * waiter enters only after spinning (10000 turns, the default). Built and
 * torn down in the driver's memory as impl_stdsem.cc does.
 *
 * lightweightsemaphore.h is not self-contained: it uses assert() and
 * MOODYCAMEL_DELETE_FUNCTION without defining them. concurrentqueue.h,
 * which blockingconcurrentqueue.h includes before it, defines both.
 */
#include "impl.h"

#include <cerrno>
#include <new>

#include <concurrentqueue/concurrentqueue.h>
#include <concurrentqueue/lightweightsemaphore.h>

typedef moodycamel::LightweightSemaphore mcsem;

static mcsem *sem(void *p)
{
	return static_cast<mcsem *>(p);
}

static int init(void *p, unsigned int v)
{
	new (p) mcsem(v);
	return 0;
}

static void destroy(void *p)
{
	sem(p)->~mcsem();
}

static int wait(void *p)
{
	return sem(p)->wait() ? 0 : -1;
}

static int post(void *p)
{
	sem(p)->signal();
	return 0;
}

static int trywait(void *p)
{
	if (sem(p)->tryWait())
		return 0;
	errno = EAGAIN;
	return -1;
}

static int post_n(void *p, unsigned int n)
{
	sem(p)->signal(n);
	return 0;
}

/* C++ would mangle the name; callgrind's --toggle-collect=pairs needs it. */
static void pairs(void *p, uint64_t n) __asm__("pairs");

static void pairs(void *p, uint64_t n)
{
	mcsem *s = sem(p);

	for (uint64_t i = 0; i < n; i++) {
		s->wait();
		s->signal();
	}
}

/* C++ wants every member named, in order. */
const struct bench_impl impl_moodycamel = {
	.name = "moodycamel", .kind = IMPL_COUNTING, .baseline = false,
	.remote = false,
	.size = sizeof(mcsem), .init = init, .destroy = destroy,
	.wait = wait, .post = post, .trywait = trywait, .trypost = post,
	.post_n = post_n, .pairs = pairs,
};
