/* SPDX-License-Identifier: MIT */
/*
 * impl_condvar.c - the textbook semaphore from a pthread mutex and condition
 * variable: a count, a waiter count, and one signal per post while anybody
 * waits.
 */
#include "impl.h"

#include <errno.h>
#include <pthread.h>

struct cvsem {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned int count, waiters;
};

static int init(void *p, unsigned int v)
{
	struct cvsem *s = p;

	s->count = v;
	s->waiters = 0;
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
	struct cvsem *s = p;

	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
}

static int wait(void *p)
{
	struct cvsem *s = p;

	pthread_mutex_lock(&s->lock);
	while (s->count == 0) {
		s->waiters++;
		pthread_cond_wait(&s->cond, &s->lock);
		s->waiters--;
	}
	s->count--;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

static int trywait(void *p)
{
	struct cvsem *s = p;
	int ret = -1;

	pthread_mutex_lock(&s->lock);
	if (s->count > 0) {
		s->count--;
		ret = 0;
	}
	pthread_mutex_unlock(&s->lock);
	if (ret)
		errno = EAGAIN;
	return ret;
}

static int post(void *p)
{
	struct cvsem *s = p;

	pthread_mutex_lock(&s->lock);
	s->count++;
	if (s->waiters)
		pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

static void pairs(void *s, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		wait(s);
		post(s);
	}
}

const struct bench_impl impl_condvar = {
	.name = "condvar", .kind = IMPL_COUNTING, .size = sizeof(struct cvsem),
	.init = init, .destroy = destroy, .wait = wait, .post = post,
	.trywait = trywait, .trypost = post, .pairs = pairs,
};
