/* SPDX-License-Identifier: MIT */
/*
 * impl_fsemhpp.cc - fsem::counting_semaphore<> (include/fsem.hpp): the
 * std::counting_semaphore interface on fsem_t, beside libstdc++'s (std-sem)
 * to show what the class costs over the C calls (fsem). Built in the
 * driver's memory and torn down by an explicit destructor call. Its max()
 * is FSEM_VALUE_MAX: init refuses more, as sem_init does, and a post past
 * it throws, which post_n reports as EOVERFLOW.
 */
#include "impl.h"

#include <cerrno>
#include <new>
#include <system_error>

#include <fsem.hpp>

typedef fsem::counting_semaphore<> fsemhpp;

static fsemhpp *sem(void *p)
{
	return static_cast<fsemhpp *>(p);
}

static int init(void *p, unsigned int v)
{
	if (v > fsemhpp::max()) {
		errno = EINVAL;
		return -1;
	}
	new (p) fsemhpp(v);
	return 0;
}

static void destroy(void *p)
{
	sem(p)->~fsemhpp();
}

static int wait(void *p)
{
	sem(p)->acquire();
	return 0;
}

/* release(n) as fsem_post_n: 0, or -1 with the errno it throws. */
static int post_n(void *p, unsigned int n)
{
	try {
		sem(p)->release(n);
	} catch (const std::system_error &e) {
		errno = e.code().value();
		return -1;
	}
	return 0;
}

static int post(void *p)
{
	return post_n(p, 1);
}

static int trywait(void *p)
{
	if (sem(p)->try_acquire())
		return 0;
	errno = EAGAIN;
	return -1;
}

/* C++ would mangle the name; callgrind's --toggle-collect=pairs needs it. */
static void pairs(void *p, uint64_t n) __asm__("pairs");

static void pairs(void *p, uint64_t n)
{
	fsemhpp *s = sem(p);

	for (uint64_t i = 0; i < n; i++) {
		s->acquire();
		s->release();
	}
}

/* C++ wants every member named, in order. */
const struct bench_impl impl_fsemhpp = {
	.name = "fsem-cpp", .kind = IMPL_COUNTING, .baseline = false,
	.remote = false,
	.size = sizeof(fsemhpp), .init = init, .destroy = destroy,
	.wait = wait, .post = post, .trywait = trywait, .trypost = post,
	.post_n = post_n, .pairs = pairs,
};
