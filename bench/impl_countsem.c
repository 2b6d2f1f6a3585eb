/* SPDX-License-Identifier: MIT */
/*
 * impl_countsem.c - the reference CountSemaphore
 * (../shared/reference/count-semaphore.md) in C, exactly as written there:
 * one mutex and one condition variable; acquire waits while every permit is
 * given out, release while none is; each broadcasts (notifyAll) after it
 * moves given_out.
 */
#include "impl.h"

#include <errno.h>
#include <pthread.h>

struct countsem {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned int max_permits, given_out;
};

static int init(void *p, unsigned int n)
{
	struct countsem *s = p;

	s->max_permits = n;
	s->given_out = 0;
	if (pthread_mutex_init(&s->lock, NULL) != 0)
		return -1;
	if (pthread_cond_init(&s->cond, NULL) != 0) {
		pthread_mutex_destroy(&s->lock);
		return -1;
	}
	return 0;
}

static void destroy(void *p)
{
	struct countsem *s = p;

	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
}

static int acquire(void *p)
{
	struct countsem *s = p;

	pthread_mutex_lock(&s->lock);
	while (s->given_out == s->max_permits)
		pthread_cond_wait(&s->cond, &s->lock);
	s->given_out++;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

static int release(void *p)
{
	struct countsem *s = p;

	pthread_mutex_lock(&s->lock);
	while (s->given_out == 0)
		pthread_cond_wait(&s->cond, &s->lock);
	s->given_out--;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

/* Not in the reference: the driver needs them to end a run. */
static int try_move(struct countsem *s, int dir)
{
	int ret = -1;

	pthread_mutex_lock(&s->lock);
	if (dir > 0 ? s->given_out < s->max_permits : s->given_out > 0) {
		s->given_out += dir;
		pthread_cond_broadcast(&s->cond);
		ret = 0;
	}
	pthread_mutex_unlock(&s->lock);
	if (ret)
		errno = EAGAIN;
	return ret;
}

static int tryacquire(void *s)
{
	return try_move(s, +1);
}

static int tryrelease(void *s)
{
	return try_move(s, -1);
}

static void pairs(void *s, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		acquire(s);
		release(s);
	}
}

const struct bench_impl impl_countsem = {
	.name = "countsem", .kind = IMPL_BOUNDED,
	.size = sizeof(struct countsem), .init = init, .destroy = destroy,
	.wait = acquire, .post = release, .trywait = tryacquire,
	.trypost = tryrelease, .pairs = pairs,
};
